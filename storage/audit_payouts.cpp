// kusama.payouts (storage/audit.hpp states the rule): PAID unstake requests
// against the transfers out of the pool's payout account on chain.
#include "storage/audit.hpp"

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <map>
#include <set>

namespace lstaked::audit {

namespace {

struct paid_row {
  std::string request_id, recipient, extrinsic;
  u256 amount;
  bool amount_ok = true;
  uint64_t block = 0;
  uint32_t index = 0;
  bool extrinsic_ok = false;
};

// "<block>-<index>", both decimal.
bool parse_extrinsic(const std::string& id, uint64_t& block, uint32_t& index) {
  auto dash = id.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == id.size())
    return false;
  auto digits = [](const std::string& s) {
    return !s.empty() && s.size() <= 19 && s.find_first_not_of("0123456789") == std::string::npos;
  };
  auto b = id.substr(0, dash), i = id.substr(dash + 1);
  if (!digits(b) || !digits(i) || i.size() > 9)
    return false;
  block = std::stoull(b);
  index = static_cast<uint32_t>(std::stoul(i));
  return true;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

} // namespace

void check_kusama_payouts(SQLite::Database& db, const std::vector<pool_transfer>& out_of_pool,
                          const std::vector<std::string>& own_accounts, uint64_t from, uint64_t to,
                          report& r) {
  r.begin("kusama.payouts");
  std::vector<paid_row> paid;
  std::map<std::string, std::string> paid_recipients; // recipient -> a request id
  std::set<std::string> unpaid_recipients;
  {
    SQLite::Statement q(db, "SELECT request_id, recipient, amount_planck, status, "
                            "coalesce(kusama_extrinsic, '') FROM unstake_requests "
                            "ORDER BY block_number, log_index");
    while (q.executeStep()) {
      std::string status = q.getColumn(3).getString();
      auto recipient = lower(q.getColumn(1).getString());
      if (status != "PAID") {
        unpaid_recipients.insert(recipient);
        continue;
      }
      paid_row p;
      p.request_id = q.getColumn(0).getString();
      p.recipient = recipient;
      auto amount = u256::from_dec(q.getColumn(2).getString());
      if (amount)
        p.amount = *amount;
      else {
        p.amount_ok = false;
        r.add("corrupt_amount", "unstake request " + p.request_id + ": amount_planck \""
                                  + q.getColumn(2).getString() + "\" is not a decimal integer");
      }
      p.extrinsic = q.getColumn(4).getString();
      p.extrinsic_ok = parse_extrinsic(p.extrinsic, p.block, p.index);
      paid_recipients.emplace(p.recipient, p.request_id);
      paid.push_back(std::move(p));
    }
  }
  // The Kusama extrinsics the daemon signed and saw finalized: "<b>-<i>" -> purpose.
  std::map<std::pair<uint64_t, uint32_t>, std::string> signed_by_daemon;
  {
    SQLite::Statement q(db, "SELECT block_number, extrinsic_index, purpose FROM outbox WHERE chain = "
                            "'kusama' AND status = 'FINALIZED' AND block_number IS NOT NULL AND "
                            "extrinsic_index IS NOT NULL");
    while (q.executeStep())
      signed_by_daemon[{static_cast<uint64_t>(q.getColumn(0).getInt64()),
                        static_cast<uint32_t>(q.getColumn(1).getInt64())}] = q.getColumn(2).getString();
  }
  std::set<std::string> own;
  for (auto& a : own_accounts)
    own.insert(lower(a));

  auto where = [](const pool_transfer& t) {
    return "transfer of " + t.amount_planck.to_dec() + " planck to " + t.to + " in extrinsic "
           + std::to_string(t.block_number) + "-" + std::to_string(t.extrinsic_index) + " (block "
           + t.block_hash + ", event " + std::to_string(t.event_index) + ")";
  };
  std::vector<bool> used(out_of_pool.size(), false);
  size_t internal = 0, matched = 0;
  for (size_t i = 0; i < out_of_pool.size(); ++i)
    if (own.count(lower(out_of_pool[i].to))) {
      used[i] = true; // to a stash: the bond manager moving the pool's own KSM
      ++internal;
    }

  for (auto& p : paid) {
    auto name = "PAID unstake request " + p.request_id + " (" + p.amount.to_dec() + " planck to "
                + p.recipient + ", extrinsic \"" + p.extrinsic + "\")";
    if (!p.extrinsic_ok) {
      r.add("paid_without_transfer", name + " names no extrinsic \"<block>-<index>\"");
      continue;
    }
    if (p.block < from || p.block > to) {
      r.add("payout_outside_range", name + " is outside the finalized blocks " + std::to_string(from)
                                      + ".." + std::to_string(to) + " scanned");
      continue;
    }
    std::optional<size_t> exact, same_recipient;
    for (size_t i = 0; i < out_of_pool.size(); ++i) {
      auto& t = out_of_pool[i];
      if (used[i] || t.block_number != p.block || t.extrinsic_index != p.index
          || lower(t.to) != p.recipient)
        continue;
      if (p.amount_ok && t.amount_planck == p.amount) {
        exact = i;
        break;
      }
      if (!same_recipient)
        same_recipient = i;
    }
    if (exact) {
      used[*exact] = true;
      ++matched;
    } else if (same_recipient) {
      used[*same_recipient] = true;
      r.add("payout_mismatch", name + " differs from the chain's " + where(out_of_pool[*same_recipient]));
    } else {
      r.add("paid_without_transfer", name + " has no transfer to its recipient in that extrinsic");
    }
  }

  size_t by_daemon = 0;
  for (size_t i = 0; i < out_of_pool.size(); ++i) {
    if (used[i])
      continue;
    auto& t = out_of_pool[i];
    auto to_account = lower(t.to);
    auto signed_it = signed_by_daemon.find({t.block_number, t.extrinsic_index});
    if (auto it = paid_recipients.find(to_account); it != paid_recipients.end()) {
      r.add("payout_duplicate", where(t) + " pays the recipient of PAID unstake request "
                                  + it->second + " again: it is not that request's payout");
    } else if (signed_it != signed_by_daemon.end() && signed_it->second == "payout") {
      r.add("payout_transfer_unmatched", where(t) + " is in the daemon's payout extrinsic but no PAID "
                                           "request names it");
    } else if (signed_it != signed_by_daemon.end()) {
      ++by_daemon; // the daemon's own non-payout extrinsic (bond manager, refund)
    } else {
      r.add("transfer_out_unaccounted",
            where(t) + " left the pool's account in an extrinsic the daemon did not sign"
              + (unpaid_recipients.count(to_account) ? " (to the recipient of an unstake request not PAID yet)"
                                                      : ""));
    }
  }
  r.finish(std::to_string(out_of_pool.size()) + " transfers out of the pool account in blocks "
           + std::to_string(from) + ".." + std::to_string(to) + ": " + std::to_string(matched)
           + " payouts matched to " + std::to_string(paid.size()) + " PAID requests, "
           + std::to_string(internal) + " to the pool's stashes, " + std::to_string(by_daemon)
           + " in the daemon's other extrinsics");
}

} // namespace lstaked::audit

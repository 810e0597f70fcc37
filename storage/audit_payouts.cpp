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

// A refund or fee withdrawal the payout actor sent (storage/operator_transfers.hpp).
struct operator_row {
  int64_t id = 0, outbox_id = 0;
  std::string kind, recipient, status, extrinsic;
  u256 amount;
  bool amount_ok = true;
  uint64_t block = 0;
  uint32_t index = 0;
  bool extrinsic_ok = false;
};

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
  // The Kusama extrinsics the daemon signed and saw finalized: "<b>-<i>" -> (purpose, outbox id).
  std::map<std::pair<uint64_t, uint32_t>, std::pair<std::string, int64_t>> signed_by_daemon;
  {
    SQLite::Statement q(db, "SELECT block_number, extrinsic_index, purpose, id FROM outbox WHERE chain = "
                            "'kusama' AND status = 'FINALIZED' AND block_number IS NOT NULL AND "
                            "extrinsic_index IS NOT NULL");
    while (q.executeStep())
      signed_by_daemon[{static_cast<uint64_t>(q.getColumn(0).getInt64()),
                        static_cast<uint32_t>(q.getColumn(1).getInt64())}] = {q.getColumn(2).getString(),
                                                                              q.getColumn(3).getInt64()};
  }
  // Operator transfers (refunds, fee withdrawals) by the outbox row that pays them.
  std::map<int64_t, operator_row> operator_by_outbox;
  std::vector<operator_row> operator_done;
  {
    SQLite::Statement q(db, "SELECT id, kind, recipient, amount_planck, status, outbox_id, "
                            "coalesce(kusama_extrinsic, '') FROM operator_transfers "
                            "WHERE outbox_id IS NOT NULL");
    while (q.executeStep()) {
      operator_row o;
      o.id = q.getColumn(0).getInt64();
      o.kind = q.getColumn(1).getString();
      o.recipient = lower(q.getColumn(2).getString());
      if (auto amount = u256::from_dec(q.getColumn(3).getString()))
        o.amount = *amount;
      else {
        o.amount_ok = false;
        r.add("corrupt_amount", "operator transfer " + std::to_string(o.id) + ": amount_planck \""
                                  + q.getColumn(3).getString() + "\" is not a decimal integer");
      }
      o.status = q.getColumn(4).getString();
      o.outbox_id = q.getColumn(5).getInt64();
      o.extrinsic = q.getColumn(6).getString();
      o.extrinsic_ok = parse_extrinsic(o.extrinsic, o.block, o.index);
      operator_by_outbox[o.outbox_id] = o;
      if (o.status == "DONE")
        operator_done.push_back(o);
    }
  }
  std::set<int64_t> operator_paid; // ids whose transfer was seen
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

  size_t by_daemon = 0, operator_matched = 0;
  for (size_t i = 0; i < out_of_pool.size(); ++i) {
    if (used[i])
      continue;
    auto& t = out_of_pool[i];
    auto to_account = lower(t.to);
    auto signed_it = signed_by_daemon.find({t.block_number, t.extrinsic_index});
    // A refund or fee withdrawal is its own extrinsic: matched to its operator
    // transfer first (its recipient may also have been paid an unstake).
    if (signed_it != signed_by_daemon.end()
        && (signed_it->second.first == "refund" || signed_it->second.first == "fee_withdrawal")) {
      // One transfer_keep_alive per refund / fee withdrawal: it must be the
      // operator transfer's recipient and amount, once.
      auto o = operator_by_outbox.find(signed_it->second.second);
      if (o == operator_by_outbox.end()) {
        r.add("operator_transfer_unmatched", where(t) + " is in the daemon's " + signed_it->second.first
                                               + " extrinsic but no operator transfer names it");
      } else if (!operator_paid.insert(o->second.id).second) {
        r.add("operator_transfer_duplicate", where(t) + " pays operator transfer "
                                               + std::to_string(o->second.id) + " a second time");
      } else if (to_account != o->second.recipient || !o->second.amount_ok
                 || t.amount_planck != o->second.amount) {
        r.add("operator_transfer_mismatch",
              where(t) + " differs from operator transfer " + std::to_string(o->second.id) + " ("
                + o->second.kind + " of " + (o->second.amount_ok ? o->second.amount.to_dec() : "?")
                + " planck to " + o->second.recipient + ")");
      } else {
        ++operator_matched;
      }
    } else if (auto it = paid_recipients.find(to_account); it != paid_recipients.end()) {
      r.add("payout_duplicate", where(t) + " pays the recipient of PAID unstake request "
                                  + it->second + " again: it is not that request's payout");
    } else if (signed_it != signed_by_daemon.end() && signed_it->second.first == "payout") {
      r.add("payout_transfer_unmatched", where(t) + " is in the daemon's payout extrinsic but no PAID "
                                           "request names it");
    } else if (signed_it != signed_by_daemon.end()) {
      ++by_daemon; // the daemon's own other extrinsics (the bond manager's)
    } else {
      r.add("transfer_out_unaccounted",
            where(t) + " left the pool's account in an extrinsic the daemon did not sign"
              + (unpaid_recipients.count(to_account) ? " (to the recipient of an unstake request not PAID yet)"
                                                      : ""));
    }
  }
  for (auto& o : operator_done) {
    if (operator_paid.count(o.id))
      continue;
    auto name = "DONE operator transfer " + std::to_string(o.id) + " (" + o.kind + ", extrinsic \""
                + o.extrinsic + "\")";
    if (!o.extrinsic_ok)
      r.add("operator_transfer_without_transfer", name + " names no extrinsic \"<block>-<index>\"");
    else if (o.block >= from && o.block <= to)
      r.add("operator_transfer_without_transfer", name + " has no transfer in that extrinsic");
    // else: outside the scanned blocks, nothing to compare it with
  }
  r.finish(std::to_string(out_of_pool.size()) + " transfers out of the pool account in blocks "
           + std::to_string(from) + ".." + std::to_string(to) + ": " + std::to_string(matched)
           + " payouts matched to " + std::to_string(paid.size()) + " PAID requests, "
           + std::to_string(internal) + " to the pool's stashes, " + std::to_string(by_daemon)
           + " in the daemon's other extrinsics; " + std::to_string(operator_matched)
           + " refunds/fee withdrawals matched to their operator transfers");
}

} // namespace lstaked::audit

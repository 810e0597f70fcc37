#include "storage/audit.hpp"

#include <SQLiteCpp/Statement.h>

#include <map>
#include <set>
#include <tuple>

namespace lstaked::audit {

using chain::eth::checked_add;
using chain::eth::checked_mul;
using chain::eth::checked_sub;

// ---- report -----------------------------------------------------------------

void report::begin(std::string name) {
  current_ = std::move(name);
  found_at_begin_ = discrepancies_.size();
}

void report::add(std::string code, std::string message) {
  discrepancies_.push_back({current_, std::move(code), std::move(message)});
}

void report::finish(std::string detail) {
  check_result c;
  c.name = current_;
  c.ok = discrepancies_.size() == found_at_begin_;
  c.detail = std::move(detail);
  checks_.push_back(std::move(c));
  current_.clear();
  found_at_begin_ = discrepancies_.size();
}

void report::skip(std::string name, std::string detail) {
  check_result c;
  c.name = std::move(name);
  c.skipped = true;
  c.detail = std::move(detail);
  checks_.push_back(std::move(c));
}

void report::note(const std::string& more) {
  if (!checks_.empty())
    checks_.back().detail += more;
}

std::vector<std::string> report::codes() const {
  std::vector<std::string> out;
  for (auto& d : discrepancies_)
    out.push_back(d.code);
  return out;
}

nlohmann::json report::to_json() const {
  auto checks = nlohmann::json::array();
  for (auto& c : checks_) {
    nlohmann::json j{{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}};
    if (c.skipped)
      j["skipped"] = true;
    checks.push_back(std::move(j));
  }
  auto found = nlohmann::json::array();
  for (auto& d : discrepancies_)
    found.push_back({{"code", d.code}, {"message", d.message}, {"check", d.check}});
  return {{"ok", ok()}, {"checks", std::move(checks)}, {"discrepancies", std::move(found)}};
}

namespace {

// ---- reading rows -------------------------------------------------------------

// Sums never overflow 256 bits with real amounts; a corrupt row could make
// them, so saturating is enough for a report (the row itself is reported).
u256 add(const u256& a, const u256& b) {
  auto s = checked_add(a, b);
  return s ? *s : u256::max();
}

// a - b, or nullopt when b > a.
std::optional<u256> sub(const u256& a, const u256& b) {
  if (b > a)
    return std::nullopt;
  return *checked_sub(a, b);
}

/// A decimal amount column; a corrupt one is reported (naming the row) and reads 0.
u256 amount(report& r, const SQLite::Column& col, const std::string& row) {
  auto text = col.isNull() ? std::string{} : col.getString();
  auto v = u256::from_dec(text);
  if (!v) {
    r.add("corrupt_amount", row + ": " + col.getName() + " is \"" + text + "\", not an integer");
    return u256{};
  }
  return *v;
}

struct deposit_row {
  int64_t id = 0;
  std::string block_hash;
  uint64_t block_number = 0;
  uint32_t extrinsic_index = 0, event_index = 0;
  std::string extrinsic_hash, account, status;
  u256 amount, shares;
  std::string reference() const {
    return block_hash + ":" + std::to_string(extrinsic_index) + ":" + std::to_string(event_index);
  }
  std::string name() const {
    return "deposit " + std::to_string(id) + " (block " + std::to_string(block_number) + " event "
           + std::to_string(event_index) + ", " + reference() + ")";
  }
};

std::vector<deposit_row> load_deposits(SQLite::Database& db, report& r) {
  SQLite::Statement q(db, "SELECT id, block_hash, block_number, extrinsic_index, event_index, "
                          "coalesce(extrinsic_hash, ''), account, amount_planck, shares, status "
                          "FROM deposits ORDER BY id");
  std::vector<deposit_row> out;
  while (q.executeStep()) {
    deposit_row d;
    d.id = q.getColumn(0).getInt64();
    d.block_hash = q.getColumn(1).getString();
    d.block_number = static_cast<uint64_t>(q.getColumn(2).getInt64());
    d.extrinsic_index = static_cast<uint32_t>(q.getColumn(3).getInt64());
    d.event_index = static_cast<uint32_t>(q.getColumn(4).getInt64());
    d.extrinsic_hash = q.getColumn(5).getString();
    d.account = q.getColumn(6).getString();
    auto name = "deposit " + std::to_string(d.id);
    d.amount = amount(r, q.getColumn(7), name);
    d.shares = amount(r, q.getColumn(8), name);
    d.status = q.getColumn(9).getString();
    out.push_back(std::move(d));
  }
  return out;
}

struct claim_row {
  std::string claim_id, account, eth_address, status, settled_tx;
  u256 amount_planck, amount_wei, shares;
};

std::vector<claim_row> load_claims(SQLite::Database& db, report& r) {
  SQLite::Statement q(db, "SELECT claim_id, account, eth_address, amount_planck, amount_wei, shares, "
                          "status, coalesce(settled_tx, '') FROM claims ORDER BY claim_id");
  std::vector<claim_row> out;
  while (q.executeStep()) {
    claim_row c;
    c.claim_id = q.getColumn(0).getString();
    c.account = q.getColumn(1).getString();
    c.eth_address = q.getColumn(2).getString();
    auto name = "claim " + c.claim_id;
    c.amount_planck = amount(r, q.getColumn(3), name);
    c.amount_wei = amount(r, q.getColumn(4), name);
    c.shares = amount(r, q.getColumn(5), name);
    c.status = q.getColumn(6).getString();
    c.settled_tx = q.getColumn(7).getString();
    out.push_back(std::move(c));
  }
  return out;
}

struct unstake_row {
  std::string request_id, tx_hash, eth_account, recipient, status;
  uint64_t log_index = 0, block_number = 0;
  u256 amount_wei, amount_planck, shares;
  std::string name() const { return "unstake request " + request_id + " (tx " + tx_hash + " log " + std::to_string(log_index) + ")"; }
};

std::vector<unstake_row> load_unstakes(SQLite::Database& db, report& r) {
  SQLite::Statement q(db, "SELECT request_id, tx_hash, log_index, block_number, eth_account, "
                          "recipient, amount_wei, amount_planck, shares, status "
                          "FROM unstake_requests ORDER BY block_number, log_index");
  std::vector<unstake_row> out;
  while (q.executeStep()) {
    unstake_row u;
    u.request_id = q.getColumn(0).getString();
    u.tx_hash = q.getColumn(1).getString();
    u.log_index = static_cast<uint64_t>(q.getColumn(2).getInt64());
    u.block_number = static_cast<uint64_t>(q.getColumn(3).getInt64());
    u.eth_account = q.getColumn(4).getString();
    u.recipient = q.getColumn(5).getString();
    auto name = "unstake request " + u.request_id;
    u.amount_wei = amount(r, q.getColumn(6), name);
    u.amount_planck = amount(r, q.getColumn(7), name);
    u.shares = amount(r, q.getColumn(8), name);
    u.status = q.getColumn(9).getString();
    out.push_back(std::move(u));
  }
  return out;
}

struct account_row {
  u256 unclaimed, reserved, deposited;
};

std::map<std::string, account_row> load_accounts(SQLite::Database& db, report& r) {
  SQLite::Statement q(db, "SELECT account, unclaimed_shares, reserved_shares, deposited_planck "
                          "FROM accounts ORDER BY account");
  std::map<std::string, account_row> out;
  while (q.executeStep()) {
    auto account = q.getColumn(0).getString();
    auto name = "account " + account;
    account_row a;
    a.unclaimed = amount(r, q.getColumn(1), name);
    a.reserved = amount(r, q.getColumn(2), name);
    a.deposited = amount(r, q.getColumn(3), name);
    out[account] = a;
  }
  return out;
}

std::string text(const u256& v) {
  return v.to_dec();
}

// ---- ledger checks --------------------------------------------------------------

void check_shares(SQLite::Database& db, report& r) {
  r.begin("ledger.shares");
  auto deposits = load_deposits(db, r);
  auto claims = load_claims(db, r);
  auto accounts = load_accounts(db, r);
  struct per_account {
    u256 credited_shares, credited_planck, active, claimed;
  };
  std::map<std::string, per_account> expected;
  u256 credited, active, claimed, unclaimed;
  for (auto& d : deposits) {
    if (d.status == "CREDITED") {
      if (d.shares.is_zero())
        r.add("deposit_shares_invalid", d.name() + " is CREDITED with 0 shares");
      auto& e = expected[d.account];
      e.credited_shares = add(e.credited_shares, d.shares);
      e.credited_planck = add(e.credited_planck, d.amount);
      credited = add(credited, d.shares);
    } else if (!d.shares.is_zero()) {
      r.add("deposit_shares_invalid",
            d.name() + " is " + d.status + " but holds " + text(d.shares) + " shares");
    }
  }
  for (auto& c : claims) {
    auto& e = expected[c.account];
    if (c.status == "ACTIVE") {
      e.active = add(e.active, c.shares);
      active = add(active, c.shares);
    } else if (c.status == "CLAIMED") {
      e.claimed = add(e.claimed, c.shares);
      claimed = add(claimed, c.shares);
    } // EXPIRED: its shares went back to the account's unclaimed
  }
  for (auto& [account, a] : accounts)
    unclaimed = add(unclaimed, a.unclaimed);
  for (auto& [account, e] : expected) {
    auto it = accounts.find(account);
    if (it == accounts.end()) {
      r.add("account_missing", "account " + account + " has deposits or claims but no accounts row");
      continue;
    }
    auto& a = it->second;
    auto out = add(e.active, e.claimed);
    auto want = sub(e.credited_shares, out);
    if (!want)
      r.add("account_shares_mismatch",
            "account " + account + ": its claims hold " + text(out) + " shares, more than its "
              + "credited deposits' " + text(e.credited_shares));
    else if (*want != a.unclaimed)
      r.add("account_shares_mismatch",
            "account " + account + ": unclaimed_shares is " + text(a.unclaimed)
              + ", credited deposits " + text(e.credited_shares) + " - ACTIVE claims "
              + text(e.active) + " - CLAIMED claims " + text(e.claimed) + " = " + text(*want));
    if (a.reserved != e.active)
      r.add("account_reserved_mismatch", "account " + account + ": reserved_shares is "
                                           + text(a.reserved) + ", its ACTIVE claims hold "
                                           + text(e.active));
    if (a.deposited != e.credited_planck)
      r.add("account_deposited_mismatch", "account " + account + ": deposited_planck is "
                                            + text(a.deposited) + ", its CREDITED deposits sum to "
                                            + text(e.credited_planck));
  }
  for (auto& [account, a] : accounts)
    if (!expected.count(account) && (!a.unclaimed.is_zero() || !a.reserved.is_zero()
                                     || !a.deposited.is_zero()))
      r.add("account_shares_mismatch", "account " + account + " holds unclaimed "
                                         + text(a.unclaimed) + ", reserved " + text(a.reserved)
                                         + " shares and deposited " + text(a.deposited)
                                         + " planck without any deposit or claim");
  auto held = add(add(unclaimed, active), claimed);
  if (held != credited)
    r.add("shares_not_conserved", "credited deposits hold " + text(credited)
                                    + " shares, but unclaimed " + text(unclaimed) + " + ACTIVE "
                                    + text(active) + " + CLAIMED " + text(claimed) + " = "
                                    + text(held));
  r.finish("credited " + text(credited) + " shares; unclaimed " + text(unclaimed)
           + " + in ACTIVE claims " + text(active) + " + in CLAIMED claims " + text(claimed) + " = "
           + text(held) + " ("
           + std::to_string(deposits.size()) + " deposits, " + std::to_string(claims.size())
           + " claims, " + std::to_string(accounts.size()) + " accounts)");
}

void check_claim_amounts(SQLite::Database& db, report& r) {
  report scratch; // amounts were reported by ledger.shares already
  auto claims = load_claims(db, scratch);
  r.begin("ledger.claims");
  for (auto& c : claims) {
    auto wei = checked_mul(c.amount_planck, ledger::wei_per_planck());
    if (!wei || *wei != c.amount_wei)
      r.add("claim_amount_mismatch", "claim " + c.claim_id + ": amount_wei " + text(c.amount_wei)
                                       + " is not amount_planck " + text(c.amount_planck)
                                       + " x 1e6");
  }
  r.finish(std::to_string(claims.size()) + " claims");
}

void check_history(SQLite::Database& db, report& r) {
  report scratch;
  auto deposits = load_deposits(db, scratch);
  auto claims = load_claims(db, scratch);
  auto unstakes = load_unstakes(db, scratch);
  r.begin("ledger.history");
  struct entry {
    int64_t id;
    std::string account, amount, status;
    bool used = false;
  };
  std::map<std::pair<std::string, std::string>, entry> entries; // (kind, reference)
  {
    SQLite::Statement q(db, "SELECT id, kind, reference, account, amount_planck, status FROM history");
    while (q.executeStep())
      entries[{q.getColumn(1).getString(), q.getColumn(2).getString()}] =
        entry{q.getColumn(0).getInt64(), q.getColumn(3).getString(), q.getColumn(4).getString(),
              q.getColumn(5).getString()};
  }
  // status: compared when not empty.
  auto expect = [&](const char* kind, const std::string& reference, const std::string& what,
                    const std::string& account, const u256& planck, const std::string& status) {
    auto it = entries.find({kind, reference});
    if (it == entries.end()) {
      r.add("history_missing", what + " has no " + kind + " history entry");
      return;
    }
    auto& e = it->second;
    e.used = true;
    std::string diff;
    if (e.account != account)
      diff += " account " + e.account + " (row: " + account + ")";
    if (e.amount != planck.to_dec())
      diff += " amount_planck " + e.amount + " (row: " + planck.to_dec() + ")";
    if (!status.empty() && e.status != status)
      diff += " status " + e.status + " (row: " + status + ")";
    if (!diff.empty())
      r.add("history_mismatch", what + ": its " + kind + " history entry " + std::to_string(e.id)
                                  + " has" + diff);
  };
  for (auto& d : deposits)
    expect("STAKE", d.reference(), d.name(), d.account, d.amount,
           d.status == "REFUNDED" ? "" : d.status);
  for (auto& c : claims)
    expect("CLAIM", c.claim_id, "claim " + c.claim_id, c.account, c.amount_planck, c.status);
  // An unstake's status moves with the payout queue: account and amount only.
  for (auto& u : unstakes)
    expect("UNSTAKE", u.request_id, u.name(), u.recipient, u.amount_planck, "");
  size_t orphans = 0;
  for (auto& [key, e] : entries)
    if (!e.used) {
      ++orphans;
      r.add("history_orphan", key.first + " history entry " + std::to_string(e.id)
                                + " of account " + e.account + " names " + key.second
                                + ", which is not in the ledger");
    }
  r.finish(std::to_string(entries.size()) + " entries for " + std::to_string(deposits.size())
           + " deposits, " + std::to_string(claims.size()) + " claims, "
           + std::to_string(unstakes.size()) + " unstake requests");
}

void check_unstakes(SQLite::Database& db, report& r) {
  r.begin("ledger.unstakes");
  auto unstakes = load_unstakes(db, r);
  for (auto& u : unstakes) {
    u256 planck, dust;
    u256::divmod(u.amount_wei, ledger::wei_per_planck(), planck, dust);
    if (planck != u.amount_planck)
      r.add("unstake_amount_mismatch", u.name() + ": amount_planck " + text(u.amount_planck)
                                         + " is not amount_wei " + text(u.amount_wei)
                                         + " / 1e6 rounded down = " + text(planck));
  }
  r.finish(std::to_string(unstakes.size()) + " unstake requests");
}

void check_fees(SQLite::Database& db, report& r) {
  r.begin("ledger.fees");
  struct calc {
    std::string status;
    u256 fee;
    bool booked = false;
  };
  std::map<int64_t, calc> calcs;
  {
    SQLite::Statement q(db, "SELECT id, status, fee_planck FROM ratio_calculations");
    while (q.executeStep()) {
      auto id = q.getColumn(0).getInt64();
      calcs[id] = calc{q.getColumn(1).getString(),
                       amount(r, q.getColumn(2), "ratio calculation " + std::to_string(id))};
    }
  }
  u256 fees, withdrawals, payout_fees, reserved;
  SQLite::Statement q(db, "SELECT id, kind, amount_planck, calculation_id, settled_at FROM fee_ledger "
                          "ORDER BY id");
  while (q.executeStep()) {
    auto id = q.getColumn(0).getInt64();
    auto kind = q.getColumn(1).getString();
    auto name = "fee_ledger row " + std::to_string(id);
    auto planck = amount(r, q.getColumn(2), name);
    if (kind == "WITHDRAWAL") {
      withdrawals = add(withdrawals, planck);
      continue;
    }
    // A payout's transaction fee is spent from the fee ledger once settled;
    // while only reserved (settled_at NULL) its KSM is still the operator's
    // (storage/ratio_ledger.cpp fee_balance, docs/payouts.md "Fees"). It
    // names an outbox intent, never a ratio calculation.
    if (kind == "PAYOUT_FEE") {
      if (q.getColumn(4).isNull())
        reserved = add(reserved, planck);
      else
        payout_fees = add(payout_fees, planck);
      continue;
    }
    fees = add(fees, planck);
    if (q.getColumn(3).isNull()) {
      r.add("fee_without_calculation", name + " (FEE " + text(planck) + " planck) names no ratio calculation");
      continue;
    }
    auto calc_id = q.getColumn(3).getInt64();
    auto it = calcs.find(calc_id);
    if (it == calcs.end() || it->second.status != "IN_EFFECT") {
      r.add("fee_without_calculation",
            name + " (FEE " + text(planck) + " planck) names ratio calculation "
              + std::to_string(calc_id) + ", which "
              + (it == calcs.end() ? std::string("does not exist") : "is " + it->second.status));
      continue;
    }
    it->second.booked = true;
    if (it->second.fee != planck)
      r.add("fee_amount_mismatch", name + " books " + text(planck) + " planck, ratio calculation "
                                     + std::to_string(calc_id) + " computed "
                                     + text(it->second.fee));
  }
  for (auto& [id, c] : calcs)
    if (c.status == "IN_EFFECT" && !c.fee.is_zero() && !c.booked)
      r.add("fee_not_booked", "ratio calculation " + std::to_string(id) + " is IN_EFFECT with a fee of "
                                + text(c.fee) + " planck and no FEE row");
  auto spent = add(withdrawals, payout_fees);
  auto balance = sub(fees, spent);
  if (!balance)
    r.add("fee_balance_negative", "withdrawals " + text(withdrawals) + " planck and payout fees "
                                    + text(payout_fees) + " planck exceed fees " + text(fees) + " planck");
  r.finish("fees " + text(fees) + " - withdrawals " + text(withdrawals) + " - payout fees paid "
           + text(payout_fees) + " = " + (balance ? text(*balance) : std::string("negative"))
           + " planck (" + text(reserved) + " reserved for payouts in flight)");
}

void check_ratios(SQLite::Database& db, report& r) {
  r.begin("ledger.ratio");
  std::set<std::string> ratios;
  {
    SQLite::Statement q(db, "SELECT ratio FROM ratio_history");
    while (q.executeStep())
      ratios.insert(q.getColumn(0).getString());
  }
  size_t in_effect = 0;
  SQLite::Statement q(db, "SELECT id, coalesce(published_ratio, '') FROM ratio_calculations "
                          "WHERE status = 'IN_EFFECT' ORDER BY id");
  while (q.executeStep()) {
    ++in_effect;
    auto ratio = q.getColumn(1).getString();
    if (!ratios.count(ratio))
      r.add("ratio_not_in_history", "ratio calculation " + std::to_string(q.getColumn(0).getInt64())
                                      + " is IN_EFFECT with ratio " + ratio
                                      + ", which is not in ratio_history");
  }
  r.finish(std::to_string(in_effect) + " calculations in effect, " + std::to_string(ratios.size())
           + " ratios in history");
}

} // namespace

void check_ledger(SQLite::Database& db, report& r) {
  check_shares(db, r);
  check_claim_amounts(db, r);
  check_history(db, r);
  check_unstakes(db, r);
  check_fees(db, r);
  check_ratios(db, r);
}

// ---- Ethereum ---------------------------------------------------------------------

void check_eth_events(SQLite::Database& db, const eth_events& events, report& r) {
  report scratch; // corrupt amounts are ledger.shares' to report
  {
    r.begin("ethereum.claims");
    auto claims = load_claims(db, scratch);
    std::map<std::string, const claim_row*> by_id;
    for (auto& c : claims)
      by_id[c.claim_id] = &c;
    std::map<std::string, int> seen;
    for (auto& e : events.claims) {
      auto where = "BondsClaimed of claim " + e.claim_id + " (tx " + e.tx_hash + " log "
                   + std::to_string(e.log_index) + ")";
      if (++seen[e.claim_id] > 1) {
        r.add("claim_event_duplicate", where + " is not the first event for this claim");
        continue;
      }
      auto it = by_id.find(e.claim_id);
      if (it == by_id.end()) {
        r.add("claim_event_unmatched", where + ": no such claim in the ledger");
        continue;
      }
      auto& c = *it->second;
      if (c.status != "CLAIMED") {
        r.add("claim_event_unmatched", where + ": the claim is " + c.status + " in the ledger");
        continue;
      }
      std::string diff;
      if (c.amount_wei != e.amount_wei)
        diff += " amount " + text(e.amount_wei) + " wei (ledger: " + text(c.amount_wei) + ")";
      if (c.eth_address != e.account)
        diff += " recipient " + e.account + " (ledger: " + c.eth_address + ")";
      if (!c.settled_tx.empty() && c.settled_tx != e.tx_hash)
        diff += " tx (ledger: " + c.settled_tx + ")";
      if (!diff.empty())
        r.add("claim_event_mismatch", where + " differs:" + diff);
    }
    size_t claimed = 0;
    for (auto& c : claims)
      if (c.status == "CLAIMED") {
        ++claimed;
        if (!seen.count(c.claim_id))
          r.add("claimed_without_event", "claim " + c.claim_id + " is CLAIMED (tx "
                                           + c.settled_tx + ") but no BondsClaimed was found for it");
      }
    r.finish(std::to_string(events.claims.size()) + " BondsClaimed events, "
             + std::to_string(claimed) + " CLAIMED claims");
  }
  {
    r.begin("ethereum.burns");
    auto unstakes = load_unstakes(db, scratch);
    std::map<std::pair<std::string, uint64_t>, const unstake_row*> by_log;
    for (auto& u : unstakes)
      by_log[{u.tx_hash, u.log_index}] = &u;
    std::set<std::pair<std::string, uint64_t>> seen;
    for (auto& e : events.burns) {
      std::pair<std::string, uint64_t> key{e.tx_hash, e.log_index};
      auto where = "TokensBurned request " + e.request_id.to_dec() + " (tx " + e.tx_hash + " log "
                   + std::to_string(e.log_index) + ")";
      if (!seen.insert(key).second)
        continue; // the node listed one log twice: nothing of the ledger's
      auto it = by_log.find(key);
      if (it == by_log.end()) {
        r.add("burn_event_unmatched", where + ": no unstake request in the ledger");
        continue;
      }
      auto& u = *it->second;
      std::string diff;
      if (u.request_id != e.request_id.to_dec())
        diff += " request id (ledger: " + u.request_id + ")";
      if (u.amount_wei != e.amount_wei)
        diff += " amount " + text(e.amount_wei) + " wei (ledger: " + text(u.amount_wei) + ")";
      if (u.shares != e.shares)
        diff += " shares " + text(e.shares) + " (ledger: " + text(u.shares) + ")";
      if (u.recipient != e.recipient)
        diff += " recipient " + e.recipient + " (ledger: " + u.recipient + ")";
      if (u.eth_account != e.account)
        diff += " burner " + e.account + " (ledger: " + u.eth_account + ")";
      if (u.block_number != e.block_number)
        diff += " block " + std::to_string(e.block_number) + " (ledger: "
                + std::to_string(u.block_number) + ")";
      if (!diff.empty())
        r.add("burn_event_mismatch", where + " differs:" + diff);
    }
    for (auto& u : unstakes)
      if (!seen.count({u.tx_hash, u.log_index}))
        r.add("unstake_without_event", u.name() + " has no TokensBurned on chain");
    r.finish(std::to_string(events.burns.size()) + " TokensBurned events, "
             + std::to_string(unstakes.size()) + " unstake requests");
  }
  {
    r.begin("ethereum.ratio");
    struct row {
      std::string ratio;
      std::optional<uint64_t> block;
      bool seen = false;
    };
    std::map<std::string, row> by_tx;
    SQLite::Statement q(db, "SELECT tx_hash, ratio, eth_block FROM ratio_history WHERE tx_hash IS NOT NULL");
    while (q.executeStep()) {
      row x{q.getColumn(1).getString(), std::nullopt};
      if (!q.getColumn(2).isNull())
        x.block = static_cast<uint64_t>(q.getColumn(2).getInt64());
      by_tx[q.getColumn(0).getString()] = x;
    }
    for (auto& e : events.ratio_updates) {
      auto where = "RatioUpdated to " + e.new_ratio.to_dec() + " (tx " + e.tx_hash + ")";
      auto it = by_tx.find(e.tx_hash);
      if (it == by_tx.end()) {
        r.add("ratio_event_unmatched", where + " is not in ratio_history");
        continue;
      }
      it->second.seen = true;
      if (it->second.ratio != e.new_ratio.to_dec()
          || (it->second.block && *it->second.block != e.block_number))
        r.add("ratio_event_unmatched", where + " at block " + std::to_string(e.block_number)
                                         + " is ratio_history's " + it->second.ratio + " at block "
                                         + (it->second.block ? std::to_string(*it->second.block) : "?"));
    }
    for (auto& [tx, x] : by_tx)
      if (!x.seen)
        r.add("ratio_history_without_event", "ratio_history row of tx " + tx + " (ratio " + x.ratio
                                               + ") has no RatioUpdated on chain");
    r.finish(std::to_string(events.ratio_updates.size()) + " RatioUpdated events, "
             + std::to_string(by_tx.size()) + " ratio_history rows with a tx");
  }
}

void check_total_shares(SQLite::Database& db, const eth_events& events, const u256& at_cursor,
                        const u256& before_start, report& r) {
  report scratch;
  r.begin("ethereum.total_shares");
  auto deposits = load_deposits(db, scratch);
  auto claims = load_claims(db, scratch);
  auto unstakes = load_unstakes(db, scratch);
  auto accounts = load_accounts(db, scratch);
  u256 minted, burned, credited, unclaimed, reserved, ledger_burned, drift_plus, drift_minus;
  std::map<std::string, u256> minted_of;
  for (auto& e : events.claims) {
    minted = add(minted, e.shares);
    minted_of.emplace(e.claim_id, e.shares);
  }
  for (auto& e : events.burns)
    burned = add(burned, e.shares);
  for (auto& d : deposits)
    if (d.status == "CREDITED")
      credited = add(credited, d.shares);
  for (auto& [_, a] : accounts) {
    unclaimed = add(unclaimed, a.unclaimed);
    reserved = add(reserved, a.reserved);
  }
  for (auto& u : unstakes)
    ledger_burned = add(ledger_burned, u.shares);
  for (auto& c : claims) {
    if (c.status != "CLAIMED")
      continue;
    auto it = minted_of.find(c.claim_id);
    auto m = it == minted_of.end() ? c.shares : it->second; // missing: ethereum.claims says so
    if (c.shares >= m)
      drift_plus = add(drift_plus, *sub(c.shares, m));
    else
      drift_minus = add(drift_minus, *sub(m, c.shares));
  }
  auto grown = sub(at_cursor, before_start);
  if (!grown) {
    r.add("token_shares_not_from_pool", "aKSMb.totalShares() fell from " + text(before_start)
                                          + " before start_block to " + text(at_cursor));
    grown = u256{};
  }
  // (token) E - E0 = M - B, compared as E - E0 + B = M (no negative numbers).
  if (add(*grown, burned) != minted)
    r.add("token_shares_not_from_pool",
          "aKSMb.totalShares() grew by " + text(*grown) + " since start_block, but the pool minted "
            + text(minted) + " and burned " + text(burned) + " shares");
  // (ledger) (E - E0) + X + U + R = D - drift, as lhs + drift_plus = D + drift_minus.
  auto lhs = add(add(add(*grown, ledger_burned), unclaimed), reserved);
  if (add(lhs, drift_plus) != add(credited, drift_minus))
    r.add("total_shares_mismatch",
          "aKSMb shares " + text(*grown) + " + burned " + text(ledger_burned) + " + unclaimed "
            + text(unclaimed) + " + reserved " + text(reserved) + " = " + text(lhs)
            + ", but the ledger credited " + text(credited) + " shares with a mint drift of +"
            + text(drift_plus) + "/-" + text(drift_minus));
  r.finish("aKSMb totalShares " + text(at_cursor) + " - before start " + text(before_start)
           + " + burned " + text(ledger_burned) + " + unclaimed " + text(unclaimed) + " + reserved "
           + text(reserved) + " = " + text(lhs) + "; credited " + text(credited)
           + ", mint drift +" + text(drift_plus) + "/-" + text(drift_minus) + "; pool minted "
           + text(minted) + ", burned " + text(burned));
}

// ---- Kusama ------------------------------------------------------------------------

void check_kusama_deposits(SQLite::Database& db, const std::vector<ledger::kusama_deposit>& on_chain,
                           uint64_t from, uint64_t to, report& r) {
  report scratch;
  r.begin("kusama.deposits");
  auto deposits = load_deposits(db, scratch);
  using key = std::pair<uint64_t, uint32_t>; // block number, event index
  std::map<key, std::vector<const deposit_row*>> rows;
  for (auto& d : deposits) {
    if (d.block_number < from || d.block_number > to) {
      r.add("deposit_outside_range", d.name() + " is outside the finalized blocks "
                                         + std::to_string(from) + ".." + std::to_string(to)
                                         + " the daemon applied");
      continue;
    }
    rows[{d.block_number, d.event_index}].push_back(&d);
  }
  std::set<key> seen;
  for (auto& t : on_chain) {
    key k{t.block_number, t.event_index};
    auto where = "transfer of " + t.amount_planck.to_dec() + " planck from " + t.account
                 + " in block " + std::to_string(t.block_number) + " (" + t.block_hash + ") event "
                 + std::to_string(t.event_index);
    seen.insert(k);
    auto it = rows.find(k);
    if (it == rows.end()) {
      r.add("transfer_not_in_ledger", where + " is not in the deposits table");
      continue;
    }
    if (it->second.size() > 1) {
      std::string ids;
      for (auto* d : it->second)
        ids += (ids.empty() ? "" : ", ") + std::to_string(d->id);
      r.add("deposit_duplicate", where + " is in the deposits table " + std::to_string(it->second.size())
                                   + " times (ids " + ids + ")");
    }
    auto& d = *it->second.front();
    std::string diff;
    if (d.block_hash != t.block_hash)
      diff += " block hash " + d.block_hash;
    if (d.extrinsic_index != t.extrinsic_index)
      diff += " extrinsic " + std::to_string(d.extrinsic_index) + " (chain: "
              + std::to_string(t.extrinsic_index) + ")";
    if (!t.extrinsic_hash.empty() && !d.extrinsic_hash.empty() && d.extrinsic_hash != t.extrinsic_hash)
      diff += " extrinsic hash " + d.extrinsic_hash;
    if (d.account != t.account)
      diff += " sender " + d.account;
    if (d.amount != t.amount_planck)
      diff += " amount " + text(d.amount) + " planck";
    if (!diff.empty())
      r.add("deposit_mismatch", d.name() + " differs from the chain's " + where + ":" + diff);
  }
  for (auto& [k, list] : rows)
    if (!seen.count(k))
      for (auto* d : list)
        r.add("deposit_not_on_chain", d->name() + " of " + text(d->amount) + " planck from "
                                        + d->account + " is not a transfer to the deposit address on chain");
  r.finish(std::to_string(on_chain.size()) + " transfers to the deposit address in blocks "
           + std::to_string(from) + ".." + std::to_string(to) + ", "
           + std::to_string(deposits.size()) + " deposits rows");
}

std::optional<uint64_t> first_deposit_block(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT min(block_number) FROM deposits");
  if (q.executeStep() && !q.getColumn(0).isNull())
    return static_cast<uint64_t>(q.getColumn(0).getInt64());
  return std::nullopt;
}

bool payout_tables_exist(SQLite::Database& db) {
  SQLite::Statement q(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name LIKE 'payout%'");
  return q.executeStep();
}

} // namespace lstaked::audit

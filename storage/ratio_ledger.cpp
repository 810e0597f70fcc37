#include "storage/ratio_ledger.hpp"

#include "storage/kusama_ledger.hpp"
#include "storage/outbox.hpp"
#include "storage/write_task.hpp"

#include "chain/ethereum/abi.hpp"

#include <stdexcept>

namespace lstaked::ledger {

namespace {

u256 dec_or_throw(const std::string& text) {
  auto v = u256::from_dec(text);
  if (!v)
    throw std::runtime_error("corrupt amount in ledger: \"" + text + "\"");
  return *v;
}

// Sums a decimal-TEXT column (amounts exceed 64 bits).
u256 sum_of(statement_cache& sc, const std::string& sql) {
  auto& q = sc(sql);
  u256 total{};
  while (q.executeStep()) {
    auto sum = chain::eth::checked_add(total, dec_or_throw(q.getColumn(0).getString()));
    if (!sum)
      throw std::runtime_error("ledger sum overflows: " + sql);
    total = *sum;
  }
  q.reset();
  return total;
}

} // namespace

u256 fee_balance(statement_cache& sc) {
  auto fees = sum_of(sc, "SELECT amount_planck FROM fee_ledger WHERE kind = 'FEE'");
  // Payout fees actually paid are the pool's transaction costs borne by the
  // fee ledger, so users get exactly what they burned
  // (storage/payout_queue.hpp). A fee only reserved for a payout still in
  // flight is not spent yet: its KSM is still on chain, and still the operator's.
  auto out = sum_of(sc, "SELECT amount_planck FROM fee_ledger WHERE kind = 'WITHDRAWAL' "
                        "OR (kind = 'PAYOUT_FEE' AND settled_at IS NOT NULL)");
  auto balance = chain::eth::checked_sub(fees, out);
  if (!balance)
    throw std::runtime_error("fee ledger: more withdrawn than booked");
  return *balance;
}

ledger_ratio_side ratio_side_of(statement_cache& sc) {
  ledger_ratio_side s;
  // Owed: every request not PAID (REQUESTED, QUEUED, FUNDED, PAYING, HELD). A
  // request turns PAID in the transaction that applies the finalized block
  // paying it, so the chain's holdings and this sum describe the same moment.
  s.owed_payouts = sum_of(sc, "SELECT amount_planck FROM unstake_requests WHERE status != 'PAID'");
  s.refundable = sum_of(sc, "SELECT amount_planck FROM deposits WHERE status = 'BELOW_MINIMUM'");
  s.fee_balance = fee_balance(sc);
  s.unclaimed_shares = sum_of(sc, "SELECT unclaimed_shares FROM accounts");
  s.reserved_shares = sum_of(sc, "SELECT reserved_shares FROM accounts");
  s.current_ratio = current_ratio(sc.db());
  return s;
}

nlohmann::json ratio_calculation::to_json() const {
  nlohmann::json j{{"id", id},
                   {"created_at", created_at},
                   {"kusama_block", kusama_block},
                   {"kusama_hash", kusama_hash},
                   {"eth_block", eth_block},
                   {"inputs", inputs},
                   {"result", result},
                   {"decision", decision},
                   {"fee_planck", fee.to_dec()},
                   {"reason", reason},
                   {"status", status}};
  if (!published_ratio.empty())
    j["published_ratio"] = published_ratio;
  if (outbox_id)
    j["outbox_id"] = *outbox_id;
  return j;
}

int64_t record_calculation(statement_cache& sc, const ratio_calculation& c) {
  auto& q = sc("INSERT INTO ratio_calculations (created_at, kusama_block, kusama_hash, eth_block, "
               "inputs, result, decision, published_ratio, fee_planck, reason, outbox_id, status) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, c.created_at);
  q.bind(2, static_cast<int64_t>(c.kusama_block));
  q.bind(3, c.kusama_hash);
  q.bind(4, static_cast<int64_t>(c.eth_block));
  q.bind(5, c.inputs.dump());
  if (c.result.is_null()) q.bind(6); else q.bind(6, c.result.dump());
  q.bind(7, c.decision);
  if (c.published_ratio.empty()) q.bind(8); else q.bind(8, c.published_ratio);
  q.bind(9, c.fee.to_dec());
  q.bind(10, c.reason);
  if (c.outbox_id) q.bind(11, *c.outbox_id); else q.bind(11);
  q.bind(12, c.status);
  q.exec();
  return sc.db().getLastInsertRowid();
}

std::vector<ratio_calculation> recent_calculations(SQLite::Database& db, size_t limit) {
  SQLite::Statement q(db, "SELECT id, created_at, kusama_block, kusama_hash, eth_block, inputs, "
                          "result, decision, published_ratio, fee_planck, reason, outbox_id, status "
                          "FROM ratio_calculations ORDER BY id DESC LIMIT ?");
  q.bind(1, static_cast<int64_t>(limit));
  std::vector<ratio_calculation> out;
  while (q.executeStep()) {
    ratio_calculation c;
    c.id = q.getColumn(0).getInt64();
    c.created_at = q.getColumn(1).getInt64();
    c.kusama_block = static_cast<uint64_t>(q.getColumn(2).getInt64());
    c.kusama_hash = q.getColumn(3).getString();
    c.eth_block = static_cast<uint64_t>(q.getColumn(4).getInt64());
    c.inputs = nlohmann::json::parse(q.getColumn(5).getString(), nullptr, false);
    if (!q.getColumn(6).isNull())
      c.result = nlohmann::json::parse(q.getColumn(6).getString(), nullptr, false);
    c.decision = q.getColumn(7).getString();
    if (!q.getColumn(8).isNull())
      c.published_ratio = q.getColumn(8).getString();
    c.fee = dec_or_throw(q.getColumn(9).getString());
    c.reason = q.getColumn(10).getString();
    if (!q.getColumn(11).isNull())
      c.outbox_id = q.getColumn(11).getInt64();
    c.status = q.getColumn(12).getString();
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

// The reason claims are paused for a loss the contract would not accept: the
// only pause this module lifts by itself (never the operator's own pauses).
const char* const claims_paused_by_loss = "ratio: loss beyond aKSMb's bound";

/// A new ratio is in effect: if claims were paused because the ratio could not
/// reflect a loss, minting at a stale (too generous) ratio is no longer
/// possible, so they resume, with an info alert saying why.
void resume_claims_after_a_loss(statement_cache& sc, const u256& ratio, int64_t now_ms) {
  auto& q = sc("UPDATE flows SET paused = 0, reason = NULL, changed_at = ? "
               "WHERE flow = 'claims' AND paused = 1 AND reason = ?");
  q.bind(1, now_ms);
  q.bind(2, claims_paused_by_loss);
  if (q.exec() == 0)
    return;
  raise_alert(sc, "info", "ratio",
              "claims resume: the ratio " + ratio.to_dec()
                + " is in effect and reflects the loss that paused them",
              now_ms);
}

} // namespace

ratio_applied apply_ratio_updated(statement_cache& sc, const ratio_updated_event& e, int64_t now_ms) {
  auto& ins = sc("INSERT INTO ratio_history (ratio, published_at, eth_block, tx_hash) "
                 "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
  ins.bind(1, e.new_ratio.to_dec());
  ins.bind(2, now_ms);
  ins.bind(3, static_cast<int64_t>(e.block_number));
  ins.bind(4, e.tx_hash);
  if (ins.exec() == 0)
    return ratio_applied::duplicate;
  resume_claims_after_a_loss(sc, e.new_ratio, now_ms);
  // The newest calculation being published for exactly this ratio books its fee.
  auto& find = sc("SELECT id, fee_planck FROM ratio_calculations WHERE status = 'PUBLISHING' "
                  "AND published_ratio = ? ORDER BY id DESC LIMIT 1");
  find.bind(1, e.new_ratio.to_dec());
  if (!find.executeStep()) {
    find.reset();
    raise_alert(sc, "warning", "ratio",
                "aKSMb ratio changed to " + e.new_ratio.to_dec() + " in tx " + e.tx_hash
                  + " without a calculation of this daemon: it takes effect, no fee is booked",
                now_ms);
    return ratio_applied::applied;
  }
  auto id = find.getColumn(0).getInt64();
  auto fee = find.getColumn(1).getString();
  find.reset();
  auto& up = sc("UPDATE ratio_calculations SET status = 'IN_EFFECT' WHERE id = ?");
  up.bind(1, id);
  up.exec();
  if (dec_or_throw(fee).is_zero())
    return ratio_applied::applied;
  auto& book = sc("INSERT INTO fee_ledger (kind, amount_planck, calculation_id, reference, "
                  "created_at) VALUES ('FEE', ?, ?, ?, ?) ON CONFLICT DO NOTHING");
  book.bind(1, fee);
  book.bind(2, id);
  book.bind(3, e.tx_hash);
  book.bind(4, now_ms);
  book.exec();
  return ratio_applied::applied;
}

chain::bytes update_ratio_calldata(const u256& ratio) {
  auto sel = chain::eth::abi_selector("updateRatio(uint256)");
  chain::bytes out(sel.begin(), sel.end());
  auto word = ratio.to_be32();
  out.insert(out.end(), word.begin(), word.end());
  return out;
}

namespace {

nlohmann::json inputs_json(const ratio_inputs& in, const ratio_readings& r) {
  return {{"held_on_chain_planck", in.held_on_chain.to_dec()},
          {"held_detail", r.held_detail},
          {"owed_payouts_planck", in.owed_payouts.to_dec()},
          {"refundable_planck", in.refundable.to_dec()},
          {"fee_balance_planck", in.fee_balance.to_dec()},
          {"eth_total_shares", in.eth_total_shares.to_dec()},
          {"unclaimed_shares", in.unclaimed_shares.to_dec()},
          {"reserved_shares", in.reserved_shares.to_dec()},
          {"current_ratio", in.current_ratio.to_dec()},
          {"fee_bps", in.fee_bps},
          {"eth_block_hash", r.eth_hash},
          {"eth_timestamp", r.eth_timestamp},
          {"last_update", r.last_update},
          {"bounds", {{"min_interval", r.bounds.min_interval},
                      {"max_annual_reward_bps", r.bounds.max_annual_reward_bps},
                      {"max_loss_bps", r.bounds.max_loss_bps}}}};
}

[[noreturn]] void refuse_readings(const std::string& why) {
  throw write_refused(make_refusal(refusal::ratio_readings_moved, why));
}

} // namespace

ratio_calculation decide_ratio(statement_cache& sc, const ratio_readings& r, const ratio_policy& p,
                               int64_t now_ms) {
  auto kc = kusama_cursor(sc);
  if (!kc || kc->number != r.kusama_block || kc->hash != r.kusama_hash)
    refuse_readings("the Kusama cursor moved since the holdings were read");
  auto ec_ = eth_cursor(sc);
  if (!ec_ || ec_->number != r.eth_block || ec_->hash != r.eth_hash)
    refuse_readings("the Ethereum cursor moved since aKSMb was read");
  auto side = ratio_side_of(sc);
  if (side.current_ratio != r.eth_ratio)
    refuse_readings("aKSMb's ratio " + r.eth_ratio.to_dec() + " is not yet the ledger's "
                    + side.current_ratio.to_dec() + " (a RatioUpdated not applied yet)");
  ratio_inputs in;
  in.held_on_chain = r.held_on_chain;
  in.owed_payouts = side.owed_payouts;
  in.refundable = side.refundable;
  in.fee_balance = side.fee_balance;
  in.eth_total_shares = r.eth_total_shares;
  in.unclaimed_shares = side.unclaimed_shares;
  in.reserved_shares = side.reserved_shares;
  in.current_ratio = side.current_ratio;
  in.fee_bps = p.fee_bps;
  ratio_calculation c;
  c.created_at = now_ms;
  c.kusama_block = r.kusama_block;
  c.kusama_hash = r.kusama_hash;
  c.eth_block = r.eth_block;
  c.inputs = inputs_json(in, r);
  auto result = compute_ratio(in);
  if (!result) {
    c.decision = "error";
    c.reason = describe(result.error());
    c.status = "NOT_PUBLISHED";
    c.id = record_calculation(sc, c);
    return c;
  }
  c.result = result->to_json();
  uint64_t elapsed = r.eth_timestamp > r.last_update ? r.eth_timestamp - r.last_update : 0;
  auto b = bound_ratio(side.current_ratio, result->new_ratio, elapsed, r.bounds);
  c.decision = to_string(b.decision);
  c.result["min_allowed_ratio"] = b.min_allowed.to_dec();
  c.result["max_allowed_ratio"] = b.max_allowed.to_dec();
  c.result["elapsed_seconds"] = elapsed;
  switch (b.decision) {
    case ratio_decision::publish:
    case ratio_decision::publish_clamped: {
      c.published_ratio = b.ratio.to_dec();
      c.fee = result->fee;
      if (b.decision == ratio_decision::publish_clamped) {
        // The clamped ratio recognizes only part of the reward: what the shares
        // are worth at it, less what they were worth. The fee is bps of that
        // (floored); the rest of the reward is recognized, and charged, later.
        auto worth = chain::eth::checked_mul_div(result->all_shares, u256::pow10(12), b.ratio);
        auto recognized = worth ? chain::eth::checked_sub(*worth, result->implied_value) : worth;
        auto fee = recognized ? chain::eth::checked_mul_div(*recognized, u256{p.fee_bps},
                                                            u256{10'000})
                              : recognized;
        c.fee = fee ? *fee : u256{0};
        c.reason = "the reward exceeds aKSMb's annual ceiling for " + std::to_string(elapsed)
                   + " s: the ceiling's ratio is published";
      }
      nlohmann::json call{{"to", p.token_address},
                          {"data", chain::to_hex(update_ratio_calldata(b.ratio))},
                          {"value", "0"},
                          {"gas_limit", std::to_string(p.gas_limit)}};
      auto row = add_intent(sc, "ethereum", p.operator_address, "update_ratio", call,
                            p.operator_next_nonce, now_ms);
      c.outbox_id = row.id;
      c.status = "PUBLISHING";
      break;
    }
    case ratio_decision::loss_beyond_bound: {
      c.status = "NOT_PUBLISHED";
      c.reason = "a loss of " + result->reward.to_dec() + " planck exceeds aKSMb's bound of "
                 + std::to_string(r.bounds.max_loss_bps) + " bps: not published, claims paused";
      auto& last = sc("SELECT decision FROM ratio_calculations ORDER BY id DESC LIMIT 1");
      bool repeated = last.executeStep() && last.getColumn(0).getString() == "loss_beyond_bound";
      last.reset();
      // An operator's own pause keeps its reason (and is never lifted here).
      if (!flow_paused(sc, "claims"))
        set_flow_paused(sc, "claims", true, claims_paused_by_loss, now_ms);
      if (!repeated)
        raise_alert(sc, "critical", "ratio", c.reason, now_ms);
      break;
    }
    case ratio_decision::no_change:
    case ratio_decision::too_soon:
      c.status = "NOT_PUBLISHED";
      break;
  }
  if (result->loss && b.decision != ratio_decision::loss_beyond_bound)
    raise_alert(sc, "warning", "ratio",
                "a loss of " + result->reward.to_dec() + " planck (slash?) is shared by all shares; "
                "decision " + c.decision,
                now_ms);
  c.id = record_calculation(sc, c);
  return c;
}

size_t settle_publications(statement_cache& sc) {
  auto& q = sc("UPDATE ratio_calculations SET status = 'NOT_PUBLISHED', "
               "reason = reason || CASE WHEN reason = '' THEN '' ELSE '; ' END || "
               "'its transaction ' || (SELECT CASE WHEN o.status = 'REPLACED' THEN 'lost its nonce' "
               "ELSE 'failed: ' || COALESCE(o.dispatch_error, '') END FROM outbox o "
               "WHERE o.id = ratio_calculations.outbox_id) "
               "WHERE status = 'PUBLISHING' AND outbox_id IN (SELECT id FROM outbox WHERE "
               "status = 'REPLACED' OR (status = 'FINALIZED' AND outcome = 'failed'))");
  return static_cast<size_t>(q.exec());
}

std::optional<ratio_calculation> publishing_calculation(SQLite::Database& db) {
  for (auto& c : recent_calculations(db, 20))
    if (c.status == "PUBLISHING")
      return c;
  return std::nullopt;
}

std::vector<ratio_point> ratio_history_page(SQLite::Database& db, int64_t before, int64_t limit) {
  SQLite::Statement q(db, "SELECT id, ratio, published_at, eth_block, tx_hash FROM ratio_history "
                          "WHERE id < ? ORDER BY id DESC LIMIT ?");
  q.bind(1, before);
  q.bind(2, limit);
  std::vector<ratio_point> out;
  while (q.executeStep()) {
    ratio_point p;
    p.id = q.getColumn(0).getInt64();
    p.ratio = dec_or_throw(q.getColumn(1).getString());
    p.published_at = q.getColumn(2).getInt64();
    if (!q.getColumn(3).isNull())
      p.eth_block = static_cast<uint64_t>(q.getColumn(3).getInt64());
    if (!q.getColumn(4).isNull())
      p.tx_hash = q.getColumn(4).getString();
    out.push_back(std::move(p));
  }
  return out;
}

std::optional<std::string> trailing_apr_percent(SQLite::Database& db, int64_t window_ms,
                                                int64_t now_ms) {
  SQLite::Statement newest(db, "SELECT ratio, published_at FROM ratio_history ORDER BY id DESC LIMIT 1");
  if (!newest.executeStep())
    return std::nullopt;
  auto r_new = dec_or_throw(newest.getColumn(0).getString());
  auto t_new = newest.getColumn(1).getInt64();
  // The ratio in effect at the window's start: the last one published before it,
  // else the oldest inside it.
  SQLite::Statement base(db, "SELECT ratio, published_at FROM ratio_history WHERE published_at <= ? "
                             "ORDER BY id DESC LIMIT 1");
  base.bind(1, now_ms - window_ms);
  std::optional<std::pair<u256, int64_t>> old;
  if (base.executeStep())
    old = std::make_pair(dec_or_throw(base.getColumn(0).getString()), base.getColumn(1).getInt64());
  else {
    SQLite::Statement oldest(db, "SELECT ratio, published_at FROM ratio_history ORDER BY id LIMIT 1");
    if (oldest.executeStep())
      old = std::make_pair(dec_or_throw(oldest.getColumn(0).getString()), oldest.getColumn(1).getInt64());
  }
  if (!old || old->second >= t_new || r_new.is_zero())
    return std::nullopt;
  const uint64_t elapsed_ms = static_cast<uint64_t>(t_new - old->second);
  const u256 year_ms{365ull * 24 * 3600 * 1000};
  bool negative = old->first < r_new;
  auto diff = negative ? *chain::eth::checked_sub(r_new, old->first)
                       : *chain::eth::checked_sub(old->first, r_new);
  // percent * 1e4 = diff / r_new * year / elapsed * 100 * 1e4
  auto scaled = chain::eth::checked_mul_div(diff, *chain::eth::checked_mul(year_ms, u256{1'000'000}),
                                            *chain::eth::checked_mul(r_new, u256{elapsed_ms}));
  if (!scaled)
    return std::nullopt;
  auto whole = chain::eth::checked_div(*scaled, u256{10'000});
  auto frac = chain::eth::checked_mod(*scaled, u256{10'000});
  auto f = frac->to_dec();
  return (negative ? "-" : "") + whole->to_dec() + "." + std::string(4 - f.size(), '0') + f;
}

} // namespace lstaked::ledger

#include "storage/ratio_ledger.hpp"

#include "storage/kusama_ledger.hpp"

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
  auto out = sum_of(sc, "SELECT amount_planck FROM fee_ledger WHERE kind = 'WITHDRAWAL'");
  auto balance = chain::eth::checked_sub(fees, out);
  if (!balance)
    throw std::runtime_error("fee ledger: more withdrawn than booked");
  return *balance;
}

ledger_ratio_side ratio_side_of(statement_cache& sc) {
  ledger_ratio_side s;
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

ratio_applied apply_ratio_updated(statement_cache& sc, const ratio_updated_event& e, int64_t now_ms) {
  auto& ins = sc("INSERT INTO ratio_history (ratio, published_at, eth_block, tx_hash) "
                 "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING");
  ins.bind(1, e.new_ratio.to_dec());
  ins.bind(2, now_ms);
  ins.bind(3, static_cast<int64_t>(e.block_number));
  ins.bind(4, e.tx_hash);
  if (ins.exec() == 0)
    return ratio_applied::duplicate;
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

} // namespace lstaked::ledger

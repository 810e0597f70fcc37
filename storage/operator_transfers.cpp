#include "storage/operator_transfers.hpp"

#include "storage/admin_actions.hpp"
#include "storage/ratio_ledger.hpp"

#include <SQLiteCpp/Statement.h>

#include <stdexcept>

namespace lstaked::ledger {

namespace {

u256 dec(const std::string& text) {
  auto v = u256::from_dec(text);
  if (!v)
    throw std::runtime_error("operator transfers: corrupt amount \"" + text + "\"");
  return *v;
}

constexpr const char* columns = "id, kind, deposit_id, recipient, amount_planck, status, outbox_id, "
                                "action_id, reason, kusama_extrinsic, created_at, updated_at";

std::optional<int64_t> opt_int(SQLite::Statement& q, int col) {
  auto c = q.getColumn(col);
  return c.isNull() ? std::nullopt : std::optional<int64_t>(c.getInt64());
}

std::string opt_text(SQLite::Statement& q, int col) {
  auto c = q.getColumn(col);
  return c.isNull() ? std::string{} : c.getString();
}

operator_transfer read(SQLite::Statement& q) {
  operator_transfer t;
  t.id = q.getColumn(0).getInt64();
  t.kind = q.getColumn(1).getString();
  t.deposit_id = opt_int(q, 2);
  t.recipient = q.getColumn(3).getString();
  t.amount_planck = dec(q.getColumn(4).getString());
  t.status = q.getColumn(5).getString();
  t.outbox_id = opt_int(q, 6);
  t.action_id = opt_int(q, 7);
  t.reason = opt_text(q, 8);
  t.kusama_extrinsic = opt_text(q, 9);
  t.created_at = q.getColumn(10).getInt64();
  t.updated_at = q.getColumn(11).getInt64();
  return t;
}

bool is_account_hex(const std::string& s) {
  if (s.size() != 66 || s[0] != '0' || s[1] != 'x')
    return false;
  for (size_t i = 2; i < s.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(s[i])) || std::isupper(static_cast<unsigned char>(s[i])))
      return false;
  return true;
}

int64_t insert(statement_cache& sc, const char* kind, std::optional<int64_t> deposit_id,
               const std::string& recipient, const u256& amount, std::optional<int64_t> action_id,
               int64_t now_ms) {
  auto& q = sc("INSERT INTO operator_transfers (kind, deposit_id, recipient, amount_planck, status, "
               "action_id, created_at, updated_at) VALUES (?, ?, ?, ?, 'REQUESTED', ?, ?, ?)");
  q.bind(1, kind);
  if (deposit_id)
    q.bind(2, *deposit_id);
  else
    q.bind(2);
  q.bind(3, recipient);
  q.bind(4, amount.to_dec());
  if (action_id)
    q.bind(5, *action_id);
  else
    q.bind(5);
  q.bind(6, now_ms);
  q.bind(7, now_ms);
  q.exec();
  q.reset();
  return sc.db().getLastInsertRowid();
}

} // namespace

nlohmann::json operator_transfer::to_json() const {
  nlohmann::json j{{"id", id},
                   {"kind", kind},
                   {"recipient", recipient},
                   {"amountPlanck", amount_planck.to_dec()},
                   {"status", status},
                   {"createdTimestamp", created_at},
                   {"updatedTimestamp", updated_at}};
  if (deposit_id)
    j["depositId"] = *deposit_id;
  if (outbox_id)
    j["outboxId"] = *outbox_id;
  if (action_id)
    j["actionId"] = *action_id;
  if (!reason.empty())
    j["reason"] = reason;
  if (!kusama_extrinsic.empty())
    j["kusamaExtrinsic"] = kusama_extrinsic;
  return j;
}

caf::expected<int64_t> request_refund(statement_cache& sc, int64_t deposit_id,
                                      std::optional<int64_t> action_id, int64_t now_ms) {
  auto& d = sc("SELECT account, amount_planck, status FROM deposits WHERE id = ?");
  d.bind(1, deposit_id);
  if (!d.executeStep()) {
    d.reset();
    return make_refusal(refusal::transfer_unknown, "no deposit " + std::to_string(deposit_id));
  }
  std::string account = d.getColumn(0).getString(), status = d.getColumn(2).getString();
  auto amount = dec(d.getColumn(1).getString());
  d.reset();
  if (status != "BELOW_MINIMUM")
    return make_refusal(refusal::deposit_not_refundable,
                        "deposit " + std::to_string(deposit_id) + " is " + status
                          + ": only a BELOW_MINIMUM deposit is refunded");
  auto& live = sc("SELECT id, status FROM operator_transfers WHERE kind = 'REFUND' AND deposit_id = ? "
                  "AND status != 'FAILED'");
  live.bind(1, deposit_id);
  if (live.executeStep()) {
    auto why = "deposit " + std::to_string(deposit_id) + " already has refund "
               + live.getColumn(0).getString() + " (" + live.getColumn(1).getString() + ")";
    live.reset();
    return make_refusal(refusal::deposit_not_refundable, why);
  }
  live.reset();
  return insert(sc, "REFUND", deposit_id, account, amount, action_id, now_ms);
}

caf::expected<int64_t> request_fee_withdrawal(statement_cache& sc, const u256& amount,
                                              const std::string& recipient,
                                              std::optional<int64_t> action_id, int64_t now_ms) {
  if (amount == u256{})
    return make_refusal(refusal::zero_amount, "a fee withdrawal must be positive");
  if (!is_account_hex(recipient))
    return make_refusal(refusal::deposit_malformed,
                        "the fee withdrawal account must be 0x + 64 lower-case hex");
  auto balance = fee_balance(sc);
  auto pending = pending_fee_withdrawals(sc);
  auto room = balance > pending ? u256::wrapping_sub(balance, pending) : u256{};
  if (amount > room)
    return make_refusal(refusal::fee_withdrawal_exceeds_balance,
                        "the fee ledger holds " + balance.to_dec() + " planck, "
                          + pending.to_dec() + " already being withdrawn: at most "
                          + room.to_dec() + " may be withdrawn");
  return insert(sc, "FEE_WITHDRAWAL", std::nullopt, recipient, amount, action_id, now_ms);
}

caf::error begin_transfer(statement_cache& sc, int64_t transfer_id, int64_t intent_id,
                          int64_t now_ms) {
  auto& q = sc("SELECT status FROM operator_transfers WHERE id = ?");
  q.bind(1, transfer_id);
  if (!q.executeStep()) {
    q.reset();
    return make_refusal(refusal::transfer_unknown, "no operator transfer " + std::to_string(transfer_id));
  }
  auto status = q.getColumn(0).getString();
  q.reset();
  if (status != "REQUESTED")
    return make_refusal(refusal::transfer_wrong_state, "operator transfer "
                                                         + std::to_string(transfer_id) + " is " + status);
  auto& u = sc("UPDATE operator_transfers SET status = 'PAYING', outbox_id = ?, updated_at = ? WHERE id = ?");
  u.bind(1, intent_id);
  u.bind(2, now_ms);
  u.bind(3, transfer_id);
  u.exec();
  u.reset();
  return caf::none;
}

caf::expected<operator_transfer> settle_transfer(statement_cache& sc, int64_t intent_id,
                                                 bool success, const std::string& extrinsic,
                                                 const std::string& reason, int64_t now_ms) {
  auto t = transfer_of_intent(sc, intent_id);
  if (!t || t->status != "PAYING")
    return make_refusal(refusal::transfer_unknown,
                        "no PAYING operator transfer on outbox " + std::to_string(intent_id));
  auto& u = sc("UPDATE operator_transfers SET status = ?, reason = ?, kusama_extrinsic = ?, "
               "updated_at = ? WHERE id = ?");
  u.bind(1, success ? "DONE" : "FAILED");
  if (success)
    u.bind(2);
  else
    u.bind(2, reason);
  if (success)
    u.bind(3, extrinsic);
  else
    u.bind(3);
  u.bind(4, now_ms);
  u.bind(5, t->id);
  u.exec();
  u.reset();
  if (success && t->kind == "REFUND") {
    auto& d = sc("UPDATE deposits SET status = 'REFUNDED' WHERE id = ? AND status = 'BELOW_MINIMUM'");
    d.bind(1, *t->deposit_id);
    auto changed = d.exec();
    d.reset();
    if (changed != 1)
      throw std::runtime_error("operator transfers: refunded deposit "
                               + std::to_string(*t->deposit_id) + " was not BELOW_MINIMUM");
  } else if (success) {
    auto& f = sc("INSERT INTO fee_ledger (kind, amount_planck, reference, created_at) "
                 "VALUES ('WITHDRAWAL', ?, ?, ?)");
    f.bind(1, t->amount_planck.to_dec());
    f.bind(2, "operator_transfer:" + std::to_string(t->id) + " " + extrinsic);
    f.bind(3, now_ms);
    f.exec();
    f.reset();
  }
  // The console's action that asked for it is completed with it.
  if (t->action_id)
    complete_action(sc, *t->action_id, success ? "DONE" : "FAILED",
                    success ? (t->kind == "REFUND" ? "refunded" : "withdrawn") + std::string(" in ")
                                + extrinsic
                            : "failed: " + reason,
                    now_ms);
  t->status = success ? "DONE" : "FAILED";
  t->reason = success ? "" : reason;
  t->kusama_extrinsic = success ? extrinsic : "";
  t->updated_at = now_ms;
  return *t;
}

std::vector<operator_transfer> transfers_in_state(SQLite::Database& db, const std::string& status,
                                                  size_t limit, const std::string& kind) {
  SQLite::Statement q(db, std::string("SELECT ") + columns
                            + " FROM operator_transfers WHERE status = ? AND (? = '' OR kind = ?) "
                              "ORDER BY id LIMIT ?");
  q.bind(1, status);
  q.bind(2, kind);
  q.bind(3, kind);
  q.bind(4, static_cast<int64_t>(limit));
  std::vector<operator_transfer> out;
  while (q.executeStep())
    out.push_back(read(q));
  return out;
}

std::optional<operator_transfer> transfer_by_id(SQLite::Database& db, int64_t id) {
  SQLite::Statement q(db, std::string("SELECT ") + columns + " FROM operator_transfers WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep())
    return std::nullopt;
  return read(q);
}

std::optional<operator_transfer> transfer_of_intent(statement_cache& sc, int64_t intent_id) {
  auto& q = sc(std::string("SELECT ") + columns + " FROM operator_transfers WHERE outbox_id = ?");
  q.bind(1, intent_id);
  std::optional<operator_transfer> out;
  if (q.executeStep())
    out = read(q);
  q.reset();
  return out;
}

std::vector<operator_transfer> recent_transfers(SQLite::Database& db, size_t limit) {
  SQLite::Statement q(db, std::string("SELECT ") + columns
                            + " FROM operator_transfers ORDER BY id DESC LIMIT ?");
  q.bind(1, static_cast<int64_t>(limit));
  std::vector<operator_transfer> out;
  while (q.executeStep())
    out.push_back(read(q));
  return out;
}

u256 pending_fee_withdrawals(statement_cache& sc) {
  auto& q = sc("SELECT amount_planck FROM operator_transfers WHERE kind = 'FEE_WITHDRAWAL' "
               "AND status IN ('REQUESTED', 'PAYING')");
  u256 total{};
  while (q.executeStep()) {
    auto sum = chain::eth::checked_add(total, dec(q.getColumn(0).getString()));
    if (!sum)
      throw std::runtime_error("operator transfers: pending withdrawals overflow");
    total = *sum;
  }
  q.reset();
  return total;
}

std::vector<int64_t> transfers_replaced(SQLite::Database& db) {
  std::vector<int64_t> out;
  SQLite::Statement q(db, "SELECT o.id FROM operator_transfers t JOIN outbox o ON o.id = t.outbox_id "
                          "WHERE t.status = 'PAYING' AND o.status = 'REPLACED' ORDER BY o.id");
  while (q.executeStep())
    out.push_back(q.getColumn(0).getInt64());
  return out;
}

std::vector<finalized_transfer> transfers_finalized_in(statement_cache& sc,
                                                       const std::string& block_hash) {
  auto& q = sc("SELECT o.id, o.outcome, IFNULL(o.dispatch_error, ''), o.extrinsic_index FROM outbox o "
               "JOIN operator_transfers t ON t.outbox_id = o.id WHERE t.status = 'PAYING' "
               "AND o.chain = 'kusama' AND o.status = 'FINALIZED' AND o.block_hash = ?");
  q.bind(1, block_hash);
  std::vector<finalized_transfer> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString() == "success",
                   q.getColumn(2).getString(), q.getColumn(3).isNull() ? -1 : q.getColumn(3).getInt64()});
  q.reset();
  return out;
}

} // namespace lstaked::ledger

#include "storage/kusama_ledger.hpp"

#include <SQLiteCpp/Statement.h>

#include <array>
#include <cctype>
#include <stdexcept>

namespace lstaked::ledger {

namespace {

bool is_hex_id(const std::string& s) {
  if (s.size() != 66 || s[0] != '0' || s[1] != 'x')
    return false;
  for (size_t i = 2; i < s.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(s[i])))
      return false;
  return true;
}

bool known_kind(const std::string& kind) {
  static const std::array<const char*, 5> kinds = {"Bonded", "Unbonded", "Withdrawn", "Rewarded",
                                                   "Slashed"};
  for (auto k : kinds)
    if (kind == k)
      return true;
  return false;
}

u256 stored_amount(const std::string& text) {
  auto v = u256::from_dec(text);
  if (!v)
    throw std::runtime_error("corrupt amount in ledger: \"" + text + "\"");
  return *v;
}

constexpr const char* deposit_columns =
  "block_hash, block_number, extrinsic_index, event_index, coalesce(extrinsic_hash, ''), account, "
  "amount_planck, shares, status, created_at";

std::vector<deposit_record> read_deposits(SQLite::Statement& q) {
  std::vector<deposit_record> out;
  while (q.executeStep()) {
    deposit_record r;
    r.deposit.block_hash = q.getColumn(0).getString();
    r.deposit.block_number = static_cast<uint64_t>(q.getColumn(1).getInt64());
    r.deposit.extrinsic_index = static_cast<uint32_t>(q.getColumn(2).getInt64());
    r.deposit.event_index = static_cast<uint32_t>(q.getColumn(3).getInt64());
    r.deposit.extrinsic_hash = q.getColumn(4).getString();
    r.deposit.account = q.getColumn(5).getString();
    r.deposit.amount_planck = stored_amount(q.getColumn(6).getString());
    r.shares = stored_amount(q.getColumn(7).getString());
    r.status = q.getColumn(8).getString();
    r.created_at = q.getColumn(9).getInt64();
    out.push_back(std::move(r));
  }
  return out;
}

} // namespace

caf::error record_staking_events(statement_cache& sc, const std::vector<staking_event>& events,
                                 int64_t now_ms) {
  for (auto& e : events) {
    if (!known_kind(e.kind))
      return make_error(ec::invalid_input, "unknown staking event kind \"" + e.kind + "\"");
    if (!is_hex_id(e.account) || !is_hex_id(e.block_hash))
      return make_error(ec::invalid_input, "staking event needs a 32-byte account and block hash");
  }
  if (events.empty())
    return caf::none;
  auto& ins = sc("INSERT INTO staking_events (block_hash, block_number, event_index, "
                 "extrinsic_index, kind, account, amount_planck, created_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (block_hash, event_index) DO NOTHING");
  for (auto& e : events) {
    ins.reset();
    ins.clearBindings();
    ins.bind(1, e.block_hash);
    ins.bind(2, static_cast<int64_t>(e.block_number));
    ins.bind(3, static_cast<int64_t>(e.event_index));
    if (e.extrinsic_index)
      ins.bind(4, static_cast<int64_t>(*e.extrinsic_index));
    ins.bind(5, e.kind);
    ins.bind(6, e.account);
    ins.bind(7, e.amount_planck.to_dec());
    ins.bind(8, now_ms);
    ins.exec();
  }
  return caf::none;
}

caf::error record_staking_events(SQLite::Database& db, const std::vector<staking_event>& events,
                                 int64_t now_ms) {
  statement_cache sc(db);
  return record_staking_events(sc, events, now_ms);
}

std::vector<staking_event> staking_events_of(SQLite::Database& db, const std::string& account,
                                             size_t limit) {
  SQLite::Statement q(db, "SELECT block_hash, block_number, event_index, extrinsic_index, kind, "
                          "account, amount_planck FROM staking_events WHERE account = ? "
                          "ORDER BY block_number DESC, event_index DESC LIMIT ?");
  q.bind(1, account);
  q.bind(2, static_cast<int64_t>(limit));
  std::vector<staking_event> out;
  while (q.executeStep()) {
    staking_event e;
    e.block_hash = q.getColumn(0).getString();
    e.block_number = static_cast<uint64_t>(q.getColumn(1).getInt64());
    e.event_index = static_cast<uint32_t>(q.getColumn(2).getInt64());
    if (!q.getColumn(3).isNull())
      e.extrinsic_index = static_cast<uint32_t>(q.getColumn(3).getInt64());
    e.kind = q.getColumn(4).getString();
    e.account = q.getColumn(5).getString();
    e.amount_planck = stored_amount(q.getColumn(6).getString());
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<deposit_record> deposits_of_extrinsic(SQLite::Database& db, uint64_t block_number,
                                                  uint32_t extrinsic_index) {
  SQLite::Statement q(db, std::string{"SELECT "} + deposit_columns
                            + " FROM deposits WHERE block_number = ? AND extrinsic_index = ? "
                              "ORDER BY event_index");
  q.bind(1, static_cast<int64_t>(block_number));
  q.bind(2, static_cast<int64_t>(extrinsic_index));
  return read_deposits(q);
}

std::vector<deposit_record> deposits_of_extrinsic_hash(SQLite::Database& db,
                                                       const std::string& extrinsic_hash) {
  SQLite::Statement q(db, std::string{"SELECT "} + deposit_columns
                            + " FROM deposits WHERE extrinsic_hash = ? ORDER BY event_index");
  q.bind(1, extrinsic_hash);
  return read_deposits(q);
}

std::vector<deposit_record> deposits_of_account(SQLite::Database& db, const std::string& account,
                                                size_t limit) {
  SQLite::Statement q(db, std::string{"SELECT "} + deposit_columns
                            + " FROM deposits WHERE account = ? ORDER BY id DESC LIMIT ?");
  q.bind(1, account);
  q.bind(2, static_cast<int64_t>(limit));
  return read_deposits(q);
}

caf::error record_submission(SQLite::Database& db, const deposit_submission& s, int64_t now_ms) {
  if (!is_hex_id(s.account) || !is_hex_id(s.block_hash))
    return make_error(ec::invalid_input, "submission needs a 32-byte account and block hash");
  if (!s.extrinsic_hash.empty() && !is_hex_id(s.extrinsic_hash))
    return make_error(ec::invalid_input, "submission extrinsic hash must be 0x + 64 hex");
  SQLite::Statement ins(db, "INSERT INTO deposit_submissions (extrinsic_ref, extrinsic_hash, "
                            "block_hash, block_number, extrinsic_index, account, amount_planck, "
                            "submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT (extrinsic_ref) DO NOTHING");
  ins.bind(1, std::to_string(s.block_number) + "-" + std::to_string(s.extrinsic_index));
  if (s.extrinsic_hash.empty())
    ins.bind(2);
  else
    ins.bind(2, s.extrinsic_hash);
  ins.bind(3, s.block_hash);
  ins.bind(4, static_cast<int64_t>(s.block_number));
  ins.bind(5, static_cast<int64_t>(s.extrinsic_index));
  ins.bind(6, s.account);
  ins.bind(7, s.amount_planck.to_dec());
  ins.bind(8, now_ms);
  ins.exec();
  return caf::none;
}

std::vector<deposit_submission> pending_submissions_of(SQLite::Database& db,
                                                       const std::string& account) {
  SQLite::Statement q(db, "SELECT coalesce(extrinsic_hash, ''), block_hash, block_number, "
                          "extrinsic_index, account, amount_planck, submitted_at "
                          "FROM deposit_submissions WHERE account = ? AND block_number > "
                          "coalesce((SELECT block_number FROM chain_cursors WHERE chain = 'kusama'), -1) "
                          "ORDER BY block_number, extrinsic_index");
  q.bind(1, account);
  std::vector<deposit_submission> out;
  while (q.executeStep()) {
    deposit_submission s;
    s.extrinsic_hash = q.getColumn(0).getString();
    s.block_hash = q.getColumn(1).getString();
    s.block_number = static_cast<uint64_t>(q.getColumn(2).getInt64());
    s.extrinsic_index = static_cast<uint32_t>(q.getColumn(3).getInt64());
    s.account = q.getColumn(4).getString();
    s.amount_planck = stored_amount(q.getColumn(5).getString());
    s.submitted_at = q.getColumn(6).getInt64();
    out.push_back(std::move(s));
  }
  return out;
}

u256 refundable_planck(SQLite::Database& db) {
  // Amounts are decimal TEXT (they may exceed 64 bits): summed as u256.
  SQLite::Statement q(db, "SELECT amount_planck FROM deposits WHERE status = 'BELOW_MINIMUM'");
  u256 total{};
  while (q.executeStep()) {
    auto v = u256::from_dec(q.getColumn(0).getString());
    if (!v)
      throw std::runtime_error("corrupt deposit amount in ledger");
    auto sum = chain::eth::checked_add(total, *v);
    if (!sum)
      throw std::runtime_error("refundable deposits overflow");
    total = *sum;
  }
  return total;
}

} // namespace lstaked::ledger

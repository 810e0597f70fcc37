#include "storage/outbox.hpp"

#include "storage/write_task.hpp"

#include <SQLiteCpp/Statement.h>

#include <sstream>

namespace lstaked::ledger {

namespace {

const char* intent_columns =
  "id, chain, account, nonce, purpose, call, status, outcome, dispatch_error, tx_hash, note, "
  "attempts, block_number, block_hash, extrinsic_index, created_at, updated_at";

std::string text_or_empty(SQLite::Statement& q, int col) {
  auto c = q.getColumn(col);
  return c.isNull() ? std::string{} : c.getString();
}

outbox_intent read_intent(SQLite::Statement& q) {
  outbox_intent r;
  r.id = q.getColumn(0).getInt64();
  r.chain = q.getColumn(1).getString();
  r.account = q.getColumn(2).getString();
  r.nonce = static_cast<uint64_t>(q.getColumn(3).getInt64());
  r.purpose = q.getColumn(4).getString();
  r.call = nlohmann::json::parse(q.getColumn(5).getString(), nullptr, false);
  r.status = q.getColumn(6).getString();
  r.outcome = text_or_empty(q, 7);
  r.dispatch_error = text_or_empty(q, 8);
  r.tx_hash = text_or_empty(q, 9);
  r.note = text_or_empty(q, 10);
  r.attempts = static_cast<uint32_t>(q.getColumn(11).getInt64());
  if (!q.getColumn(12).isNull())
    r.block_number = static_cast<uint64_t>(q.getColumn(12).getInt64());
  r.block_hash = text_or_empty(q, 13);
  if (!q.getColumn(14).isNull())
    r.extrinsic_index = static_cast<uint32_t>(q.getColumn(14).getInt64());
  r.created_at = q.getColumn(15).getInt64();
  r.updated_at = q.getColumn(16).getInt64();
  return r;
}

const char* attempt_columns =
  "tx_hash, signed_hex, era_birth, era_period, spec_version, fee, attempt, status, created_at";

outbox_attempt read_attempt(SQLite::Statement& q) {
  outbox_attempt a;
  a.tx_hash = q.getColumn(0).getString();
  a.signed_hex = q.getColumn(1).getString();
  if (!q.getColumn(2).isNull())
    a.era_birth = static_cast<uint64_t>(q.getColumn(2).getInt64());
  if (!q.getColumn(3).isNull())
    a.era_period = static_cast<uint64_t>(q.getColumn(3).getInt64());
  if (!q.getColumn(4).isNull())
    a.spec_version = static_cast<uint32_t>(q.getColumn(4).getInt64());
  a.fee = text_or_empty(q, 5);
  a.attempt = static_cast<uint32_t>(q.getColumn(6).getInt64());
  a.status = q.getColumn(7).getString();
  a.created_at = q.getColumn(8).getInt64();
  return a;
}

std::optional<outbox_attempt> live_attempt(statement_cache& sc, int64_t intent_id) {
  auto& q = sc(std::string{"SELECT "} + attempt_columns
               + " FROM outbox_attempts WHERE intent_id = ? AND status = 'LIVE' "
                 "ORDER BY attempt DESC LIMIT 1");
  q.bind(1, intent_id);
  if (!q.executeStep())
    return std::nullopt;
  auto a = read_attempt(q);
  q.reset();
  return a;
}

std::optional<outbox_intent> intent_in(statement_cache& sc, int64_t id) {
  auto& q = sc(std::string{"SELECT "} + intent_columns + " FROM outbox WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep())
    return std::nullopt;
  auto r = read_intent(q);
  q.reset();
  r.live = live_attempt(sc, id);
  return r;
}

std::vector<outbox_intent> intents_where(statement_cache& sc, const std::string& where,
                                         const std::string& chain, std::optional<size_t> limit) {
  auto& q = sc(std::string{"SELECT "} + intent_columns + " FROM outbox WHERE " + where
               + (limit ? " LIMIT ?" : ""));
  q.bind(1, chain);
  if (limit)
    q.bind(2, static_cast<int64_t>(*limit));
  std::vector<outbox_intent> out;
  while (q.executeStep())
    out.push_back(read_intent(q));
  q.reset();
  for (auto& r : out)
    r.live = live_attempt(sc, r.id);
  return out;
}

[[noreturn]] void refuse(const std::string& why) {
  throw write_refused(make_refusal(refusal::intent_not_signable, why));
}

void insert_attempt(statement_cache& sc, int64_t intent_id, uint32_t number,
                    const outbox_attempt& a, int64_t now_ms) {
  auto& ins = sc("INSERT INTO outbox_attempts (tx_hash, intent_id, attempt, signed_hex, era_birth, "
                 "era_period, spec_version, fee, status, created_at) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'LIVE', ?)");
  ins.bind(1, a.tx_hash);
  ins.bind(2, intent_id);
  ins.bind(3, static_cast<int64_t>(number));
  ins.bind(4, a.signed_hex);
  if (a.era_birth) ins.bind(5, static_cast<int64_t>(*a.era_birth)); else ins.bind(5);
  if (a.era_period) ins.bind(6, static_cast<int64_t>(*a.era_period)); else ins.bind(6);
  if (a.spec_version) ins.bind(7, static_cast<int64_t>(*a.spec_version)); else ins.bind(7);
  ins.bind(8, a.fee);
  ins.bind(9, now_ms);
  ins.exec();
}

// The row -> FINALIZED through attempt `tx_hash` (which becomes INCLUDED, every
// other attempt EXPIRED); a failed outcome raises one warning alert.
void finalize_row(statement_cache& sc, const std::string& chain, int64_t id,
                  const std::string& purpose, const std::string& account, int64_t nonce,
                  const std::string& tx_hash, uint64_t block_number, const std::string& block_hash,
                  uint32_t index, bool success, const std::string& error, int64_t now_ms) {
  auto& up = sc("UPDATE outbox SET status = 'FINALIZED', outcome = ?, dispatch_error = ?, "
                "tx_hash = ?, block_number = ?, block_hash = ?, extrinsic_index = ?, "
                "updated_at = ? WHERE id = ?");
  up.bind(1, success ? "success" : "failed");
  if (success) up.bind(2); else up.bind(2, error);
  up.bind(3, tx_hash);
  up.bind(4, static_cast<int64_t>(block_number));
  up.bind(5, block_hash);
  up.bind(6, static_cast<int64_t>(index));
  up.bind(7, now_ms);
  up.bind(8, id);
  up.exec();
  auto& att = sc("UPDATE outbox_attempts SET status = CASE WHEN tx_hash = ? THEN 'INCLUDED' "
                 "ELSE 'EXPIRED' END WHERE intent_id = ?");
  att.bind(1, tx_hash);
  att.bind(2, id);
  att.exec();
  if (!success)
    raise_alert(sc, "warning", chain + "_submitter",
                "outbox " + std::to_string(id) + " (" + purpose + ", nonce "
                  + std::to_string(nonce) + " of " + account + ") failed on chain in block "
                  + std::to_string(block_number) + ": " + error,
                now_ms);
}

} // namespace

nlohmann::json outbox_intent::to_json() const {
  nlohmann::json j{{"id", id},          {"chain", chain},     {"account", account},
                   {"nonce", nonce},    {"purpose", purpose}, {"call", call},
                   {"status", status},  {"attempts", attempts}, {"created_at", created_at},
                   {"updated_at", updated_at}};
  if (!outcome.empty())
    j["outcome"] = outcome;
  if (!dispatch_error.empty())
    j["dispatch_error"] = dispatch_error;
  if (!tx_hash.empty())
    j["tx_hash"] = tx_hash;
  if (!note.empty())
    j["note"] = note;
  if (block_number) {
    j["block_number"] = *block_number;
    j["block_hash"] = block_hash;
  }
  if (extrinsic_index)
    j["extrinsic_id"] = std::to_string(*block_number) + "-" + std::to_string(*extrinsic_index);
  if (live && live->era_birth)
    j["era"] = {{"birth", *live->era_birth}, {"period", live->era_period.value_or(0)}};
  if (live && !live->fee.empty()) {
    // Ethereum attempts keep both EIP-1559 fee fields (a JSON object) for the next bump.
    auto fee = nlohmann::json::parse(live->fee, nullptr, false);
    j["fee"] = fee.is_object() ? fee : nlohmann::json(live->fee);
  }
  return j;
}

bool outbox_final(const std::string& status) {
  return status == "FINALIZED" || status == "REPLACED";
}

outbox_intent add_intent(statement_cache& sc, const std::string& chain, const std::string& account,
                         const std::string& purpose, const nlohmann::json& call,
                         uint64_t chain_next_nonce, int64_t now_ms) {
  uint64_t nonce = chain_next_nonce;
  {
    auto& q = sc("SELECT MAX(nonce) FROM outbox WHERE chain = ? AND account = ?");
    q.bind(1, chain);
    q.bind(2, account);
    if (q.executeStep() && !q.getColumn(0).isNull())
      nonce = std::max<uint64_t>(nonce, static_cast<uint64_t>(q.getColumn(0).getInt64()) + 1);
    q.reset();
  }
  auto& ins = sc("INSERT INTO outbox (chain, account, nonce, purpose, call, status, created_at, "
                 "updated_at) VALUES (?, ?, ?, ?, ?, 'INTENT', ?, ?)");
  ins.bind(1, chain);
  ins.bind(2, account);
  ins.bind(3, static_cast<int64_t>(nonce));
  ins.bind(4, purpose);
  ins.bind(5, call.dump());
  ins.bind(6, now_ms);
  ins.bind(7, now_ms);
  ins.exec();
  auto id = sc.db().getLastInsertRowid();
  return *intent_in(sc, id);
}

void record_attempt(statement_cache& sc, int64_t intent_id, const outbox_attempt& a,
                    int64_t now_ms) {
  auto row = intent_in(sc, intent_id);
  if (!row)
    refuse("no outbox intent " + std::to_string(intent_id));
  if (row->status != "INTENT" && row->status != "EXPIRED")
    refuse("outbox intent " + std::to_string(intent_id) + " is " + row->status
           + ": it is not signed again");
  {
    auto& q = sc("SELECT COUNT(*) FROM outbox WHERE chain = ? AND account = ? AND nonce < ? "
                 "AND status IN ('INTENT', 'EXPIRED')");
    q.bind(1, row->chain);
    q.bind(2, row->account);
    q.bind(3, static_cast<int64_t>(row->nonce));
    q.executeStep();
    auto waiting = q.getColumn(0).getInt64();
    q.reset();
    if (waiting > 0)
      refuse("outbox intent " + std::to_string(intent_id) + " (nonce " + std::to_string(row->nonce)
             + ") waits for " + std::to_string(waiting) + " lower nonce(s) to be signed first");
  }
  insert_attempt(sc, intent_id, row->attempts + 1, a, now_ms);
  auto& up = sc("UPDATE outbox SET status = 'SUBMITTED', tx_hash = ?, attempts = attempts + 1, "
                "note = NULL, updated_at = ? WHERE id = ?");
  up.bind(1, a.tx_hash);
  up.bind(2, now_ms);
  up.bind(3, intent_id);
  up.exec();
}

void record_replacement(statement_cache& sc, int64_t intent_id, const outbox_attempt& a,
                        int64_t now_ms) {
  auto row = intent_in(sc, intent_id);
  if (!row)
    refuse("no outbox intent " + std::to_string(intent_id));
  // A Kusama extrinsic cannot replace another in the pool by fee: it is
  // re-signed only once its era ended unused (EXPIRED, record_attempt).
  if (row->chain != "ethereum")
    refuse("outbox intent " + std::to_string(intent_id) + " is on " + row->chain
           + ": only Ethereum transactions are replaced by a higher fee");
  if (row->status != "SUBMITTED" && row->status != "IN_BLOCK")
    refuse("outbox intent " + std::to_string(intent_id) + " is " + row->status
           + ": only a sent transaction is replaced");
  if (!row->live)
    refuse("outbox intent " + std::to_string(intent_id) + " has no live attempt to replace");
  insert_attempt(sc, intent_id, row->attempts + 1, a, now_ms);
  // Back to SUBMITTED: an IN_BLOCK row is replaced only after its block left the chain.
  auto& up = sc("UPDATE outbox SET status = 'SUBMITTED', tx_hash = ?, attempts = attempts + 1, "
                "block_number = NULL, block_hash = NULL, note = NULL, updated_at = ? WHERE id = ?");
  up.bind(1, a.tx_hash);
  up.bind(2, now_ms);
  up.bind(3, intent_id);
  up.exec();
}

void note_intent(statement_cache& sc, int64_t intent_id, const std::string& note, int64_t now_ms) {
  auto& q = sc("UPDATE outbox SET note = ?, updated_at = ? WHERE id = ?");
  q.bind(1, note.substr(0, 500));
  q.bind(2, now_ms);
  q.bind(3, intent_id);
  q.exec();
}

void mark_in_block(statement_cache& sc, const std::string& tx_hash, uint64_t block_number,
                   const std::string& block_hash, int64_t now_ms) {
  auto& q = sc("UPDATE outbox SET status = 'IN_BLOCK', block_number = ?, block_hash = ?, "
               "updated_at = ? WHERE status = 'SUBMITTED' AND id = "
               "(SELECT intent_id FROM outbox_attempts WHERE tx_hash = ? AND status = 'LIVE')");
  q.bind(1, static_cast<int64_t>(block_number));
  q.bind(2, block_hash);
  q.bind(3, now_ms);
  q.bind(4, tx_hash);
  q.exec();
}

std::vector<int64_t> match_finalized_block(statement_cache& sc, const std::string& chain,
                                           uint64_t block_number, const std::string& block_hash,
                                           const std::vector<std::string>& extrinsic_hashes,
                                           const std::map<uint32_t, extrinsic_result>& results,
                                           int64_t now_ms) {
  std::vector<int64_t> done;
  for (uint32_t i = 0; i < extrinsic_hashes.size(); ++i) {
    auto& find = sc("SELECT a.intent_id, o.status, o.purpose, o.account, o.nonce "
                    "FROM outbox_attempts a JOIN outbox o ON o.id = a.intent_id "
                    "WHERE a.tx_hash = ? AND o.chain = ?");
    find.bind(1, extrinsic_hashes[i]);
    find.bind(2, chain);
    if (!find.executeStep()) {
      find.reset();
      continue;
    }
    auto id = find.getColumn(0).getInt64();
    auto status = find.getColumn(1).getString();
    auto purpose = find.getColumn(2).getString();
    auto account = find.getColumn(3).getString();
    auto nonce = find.getColumn(4).getInt64();
    find.reset();
    if (status == "FINALIZED")
      continue; // the same block applied again is refused before hooks run; be idempotent anyway
    auto it = results.find(i);
    bool success = it == results.end() ? true : it->second.success;
    std::string error = it == results.end() ? std::string{} : it->second.dispatch_error;
    finalize_row(sc, chain, id, purpose, account, nonce, extrinsic_hashes[i], block_number,
                 block_hash, i, success, error, now_ms);
    done.push_back(id);
  }
  return done;
}

std::optional<int64_t> settle_by_receipt(statement_cache& sc, const std::string& chain,
                                         const std::string& tx_hash, uint64_t block_number,
                                         const std::string& block_hash, uint32_t tx_index,
                                         bool success, const std::string& error, int64_t now_ms) {
  auto& find = sc("SELECT a.intent_id, o.status, o.purpose, o.account, o.nonce "
                  "FROM outbox_attempts a JOIN outbox o ON o.id = a.intent_id "
                  "WHERE a.tx_hash = ? AND o.chain = ?");
  find.bind(1, tx_hash);
  find.bind(2, chain);
  if (!find.executeStep())
    return std::nullopt;
  auto id = find.getColumn(0).getInt64();
  auto status = find.getColumn(1).getString();
  auto purpose = find.getColumn(2).getString();
  auto account = find.getColumn(3).getString();
  auto nonce = find.getColumn(4).getInt64();
  find.reset();
  // Final rows do not change: a receipt read twice is recorded (and alerted) once,
  // and a REPLACED row stays what the critical alert said.
  if (outbox_final(status))
    return std::nullopt;
  finalize_row(sc, chain, id, purpose, account, nonce, tx_hash, block_number, block_hash, tx_index,
               success, error, now_ms);
  return id;
}

bool mark_expired(statement_cache& sc, int64_t intent_id, const std::string& tx_hash,
                  int64_t now_ms) {
  auto& q = sc("UPDATE outbox SET status = 'EXPIRED', block_number = NULL, block_hash = NULL, "
               "updated_at = ? WHERE id = ? AND status IN ('SUBMITTED', 'IN_BLOCK') AND tx_hash = ?");
  q.bind(1, now_ms);
  q.bind(2, intent_id);
  q.bind(3, tx_hash);
  if (q.exec() == 0)
    return false;
  auto& a = sc("UPDATE outbox_attempts SET status = 'EXPIRED' WHERE tx_hash = ?");
  a.bind(1, tx_hash);
  a.exec();
  return true;
}

bool mark_replaced(statement_cache& sc, int64_t intent_id, const std::string& why, int64_t now_ms) {
  auto row = intent_in(sc, intent_id);
  if (!row || outbox_final(row->status))
    return false;
  auto& q = sc("UPDATE outbox SET status = 'REPLACED', note = ?, updated_at = ? WHERE id = ?");
  q.bind(1, why);
  q.bind(2, now_ms);
  q.bind(3, intent_id);
  q.exec();
  auto& a = sc("UPDATE outbox_attempts SET status = 'EXPIRED' WHERE intent_id = ? AND status = 'LIVE'");
  a.bind(1, intent_id);
  a.exec();
  raise_alert(sc, "critical", row->chain + "_submitter",
              "nonce " + std::to_string(row->nonce) + " of " + row->account
                + " was used on chain by a transaction this daemon did not send; outbox "
                + std::to_string(intent_id) + " (" + row->purpose + ") is not sent again: " + why,
              now_ms);
  return true;
}

std::vector<outbox_intent> open_intents(SQLite::Database& db, const std::string& chain) {
  return with_statements(db, [&](statement_cache& sc) {
    return intents_where(sc, "chain = ? AND status NOT IN ('FINALIZED', 'REPLACED') "
                             "ORDER BY account, nonce", chain, std::nullopt);
  });
}

std::vector<outbox_attempt> attempts_of(SQLite::Database& db, int64_t intent_id) {
  return with_statements(db, [&](statement_cache& sc) {
    auto& q = sc(std::string{"SELECT "} + attempt_columns
                 + " FROM outbox_attempts WHERE intent_id = ? ORDER BY attempt");
    q.bind(1, intent_id);
    std::vector<outbox_attempt> out;
    while (q.executeStep())
      out.push_back(read_attempt(q));
    q.reset();
    return out;
  });
}

std::optional<outbox_intent> intent_by_id(SQLite::Database& db, int64_t id) {
  return with_statements(db, [&](statement_cache& sc) { return intent_in(sc, id); });
}

std::vector<outbox_intent> recent_intents(SQLite::Database& db, const std::string& chain,
                                          size_t limit) {
  return with_statements(db, [&](statement_cache& sc) {
    return intents_where(sc, "chain = ? ORDER BY id DESC", chain, limit);
  });
}

std::map<std::string, uint64_t> outbox_counts(SQLite::Database& db, const std::string& chain) {
  std::map<std::string, uint64_t> out;
  for (auto s : {"INTENT", "SUBMITTED", "IN_BLOCK", "FINALIZED", "EXPIRED", "REPLACED"})
    out[s] = 0;
  SQLite::Statement q(db, "SELECT status, COUNT(*) FROM outbox WHERE chain = ? GROUP BY status");
  q.bind(1, chain);
  while (q.executeStep())
    out[q.getColumn(0).getString()] = static_cast<uint64_t>(q.getColumn(1).getInt64());
  SQLite::Statement f(db, "SELECT COUNT(*) FROM outbox WHERE chain = ? AND outcome = 'failed'");
  f.bind(1, chain);
  f.executeStep();
  out["FINALIZED_FAILED"] = static_cast<uint64_t>(f.getColumn(0).getInt64());
  return out;
}

void record_nomination_change(statement_cache& sc, const nomination_change& c) {
  std::string targets;
  for (auto& t : c.targets)
    targets += (targets.empty() ? "" : ",") + t;
  auto& q = sc("INSERT INTO nomination_changes (stash, intent_id, chain_time, targets) "
               "VALUES (?, ?, ?, ?)");
  q.bind(1, c.stash);
  q.bind(2, c.intent_id);
  q.bind(3, static_cast<int64_t>(c.chain_time_ms));
  q.bind(4, targets);
  q.exec();
}

std::optional<nomination_change> last_nomination_change(SQLite::Database& db,
                                                        const std::string& stash) {
  // A change counts unless its extrinsic failed or its nonce was taken by another.
  SQLite::Statement q(db, "SELECT n.intent_id, n.chain_time, n.targets FROM nomination_changes n "
                          "JOIN outbox o ON o.id = n.intent_id WHERE n.stash = ? "
                          "AND o.status != 'REPLACED' AND COALESCE(o.outcome, '') != 'failed' "
                          "ORDER BY n.chain_time DESC, n.intent_id DESC LIMIT 1");
  q.bind(1, stash);
  if (!q.executeStep())
    return std::nullopt;
  nomination_change c;
  c.stash = stash;
  c.intent_id = q.getColumn(0).getInt64();
  c.chain_time_ms = static_cast<uint64_t>(q.getColumn(1).getInt64());
  std::stringstream ss(q.getColumn(2).getString());
  for (std::string t; std::getline(ss, t, ',');)
    if (!t.empty())
      c.targets.push_back(t);
  return c;
}

} // namespace lstaked::ledger

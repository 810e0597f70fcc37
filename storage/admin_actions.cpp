#include "storage/admin_actions.hpp"

#include <cassert>

namespace lstaked::ledger {

namespace {

const char* columns = "id, at_ms, action, target, params, state, outcome, done_at_ms";

admin_action read_row(SQLite::Statement& q) {
  admin_action a;
  a.id = q.getColumn(0).getInt64();
  a.at_ms = q.getColumn(1).getInt64();
  a.action = q.getColumn(2).getString();
  a.target = q.getColumn(3).getString();
  a.params = nlohmann::json::parse(q.getColumn(4).getString(), nullptr, false);
  if (a.params.is_discarded())
    a.params = nlohmann::json::object();
  a.state = q.getColumn(5).getString();
  a.outcome = q.getColumn(6).getString();
  if (!q.getColumn(7).isNull())
    a.done_at_ms = q.getColumn(7).getInt64();
  return a;
}

std::vector<admin_action> read_all(SQLite::Statement& q) {
  std::vector<admin_action> out;
  while (q.executeStep())
    out.push_back(read_row(q));
  return out;
}

} // namespace

nlohmann::json admin_action::to_json() const {
  return {{"id", id},         {"atMs", at_ms},         {"action", action},
          {"target", target}, {"params", params},      {"state", state},
          {"outcome", outcome},
          {"doneAtMs", done_at_ms ? nlohmann::json(*done_at_ms) : nlohmann::json()}};
}

int64_t record_action(statement_cache& sc, const std::string& action, const std::string& target,
                      const nlohmann::json& params, int64_t now_ms) {
  auto& q = sc("INSERT INTO admin_actions (at_ms, action, target, params, state) "
               "VALUES (?, ?, ?, ?, 'PENDING')");
  q.bind(1, now_ms);
  q.bind(2, action);
  q.bind(3, target);
  q.bind(4, params.dump());
  q.exec();
  return sc.db().getLastInsertRowid();
}

int64_t record_done(statement_cache& sc, const std::string& action, const std::string& target,
                    const nlohmann::json& params, const std::string& state,
                    const std::string& outcome, int64_t now_ms) {
  assert(state == "DONE" || state == "FAILED");
  auto& q = sc("INSERT INTO admin_actions (at_ms, action, target, params, state, outcome, "
               "done_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, now_ms);
  q.bind(2, action);
  q.bind(3, target);
  q.bind(4, params.dump());
  q.bind(5, state);
  q.bind(6, outcome);
  q.bind(7, now_ms);
  q.exec();
  return sc.db().getLastInsertRowid();
}

bool complete_action(statement_cache& sc, int64_t id, const std::string& state,
                     const std::string& outcome, int64_t now_ms) {
  assert(state == "DONE" || state == "FAILED");
  auto& q = sc("UPDATE admin_actions SET state = ?, outcome = ?, done_at_ms = ? "
               "WHERE id = ? AND state = 'PENDING'");
  q.bind(1, state);
  q.bind(2, outcome);
  q.bind(3, now_ms);
  q.bind(4, id);
  return q.exec() == 1;
}

std::vector<admin_action> list_actions(SQLite::Database& db, int64_t before, int64_t limit) {
  SQLite::Statement q(db, std::string("SELECT ") + columns
                            + " FROM admin_actions WHERE id < ? ORDER BY id DESC LIMIT ?");
  q.bind(1, before);
  q.bind(2, limit);
  return read_all(q);
}

std::vector<admin_action> pending_actions(statement_cache& sc, const std::string& action) {
  auto& q = sc(std::string("SELECT ") + columns
               + " FROM admin_actions WHERE action = ? AND state = 'PENDING' ORDER BY id");
  q.bind(1, action);
  return read_all(q);
}

std::vector<admin_action> pending_actions(SQLite::Database& db, const std::string& action) {
  return with_statements(db, [&](statement_cache& sc) { return pending_actions(sc, action); });
}

std::optional<admin_action> find_action(SQLite::Database& db, int64_t id) {
  SQLite::Statement q(db, std::string("SELECT ") + columns + " FROM admin_actions WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep())
    return std::nullopt;
  return read_row(q);
}

alert_ack acknowledge_alert(statement_cache& sc, int64_t alert_id, int64_t now_ms) {
  auto& q = sc("UPDATE alerts SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL");
  q.bind(1, now_ms);
  q.bind(2, alert_id);
  if (q.exec() == 1)
    return alert_ack::acknowledged;
  auto& e = sc("SELECT 1 FROM alerts WHERE id = ?");
  e.bind(1, alert_id);
  return e.executeStep() ? alert_ack::already_resolved : alert_ack::unknown;
}

} // namespace lstaked::ledger

// The admin console's audit log (issue #15): every operator action, when it
// was asked, what it targets, its validated parameters, and its outcome.
//
// Contract: writes run inside a storage write_task (one transaction, FULL
// durability), like every other ledger write. An immediate action (pause a
// flow, release a HELD payout, acknowledge an alert) is recorded DONE in the
// same transaction as its effect (record_done), so the log can never claim an
// effect that was rolled back, nor miss one that committed. A deferred action
// (publish ratio now, rotate validators now, refund, withdraw fees) is
// recorded PENDING; the actor that carries it out completes it DONE or FAILED
// with the outcome (complete_action), preferably in the transaction of its
// effect. States only move PENDING -> DONE | FAILED, once. Reads are fine on
// a read-only connection. Nothing here moves money.
#pragma once

#include "storage/ledger.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::ledger {

struct admin_action {
  int64_t id = 0;
  int64_t at_ms = 0;
  std::string action; // pause_flow, resume_flow, release_held, ack_alert, publish_ratio, ...
  std::string target; // flow name, request id, alert id, deposit id ('' if none)
  nlohmann::json params = nlohmann::json::object();
  std::string state; // PENDING | DONE | FAILED
  std::string outcome;
  std::optional<int64_t> done_at_ms;
  nlohmann::json to_json() const;
};

/// Records a PENDING action; returns its id.
int64_t record_action(statement_cache& sc, const std::string& action, const std::string& target,
                      const nlohmann::json& params, int64_t now_ms);

/// Records an action already carried out in the caller's transaction:
/// `state` DONE or FAILED (asserted), with its outcome. Returns its id.
int64_t record_done(statement_cache& sc, const std::string& action, const std::string& target,
                    const nlohmann::json& params, const std::string& state,
                    const std::string& outcome, int64_t now_ms);

/// PENDING -> `state` (DONE or FAILED) with the outcome. False (nothing
/// changes) when the action is unknown or no longer PENDING.
bool complete_action(statement_cache& sc, int64_t id, const std::string& state,
                     const std::string& outcome, int64_t now_ms);

/// Actions with id < `before`, newest first, at most `limit`.
std::vector<admin_action> list_actions(SQLite::Database& db, int64_t before, int64_t limit);

/// PENDING actions of one kind, oldest first.
std::vector<admin_action> pending_actions(SQLite::Database& db, const std::string& action);
std::vector<admin_action> pending_actions(statement_cache& sc, const std::string& action);

std::optional<admin_action> find_action(SQLite::Database& db, int64_t id);

/// The operator acknowledges an open alert: resolved_at = now. Unknown and
/// already acknowledged alerts change nothing.
enum class alert_ack { acknowledged, unknown, already_resolved };
alert_ack acknowledge_alert(statement_cache& sc, int64_t alert_id, int64_t now_ms);

} // namespace lstaked::ledger

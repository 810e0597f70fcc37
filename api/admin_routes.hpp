// The admin console's JSON API under /admin/v1/ (issue #15, docs/console.md):
// one read endpoint per console page and the operator's actions.
//
// Contract: every route is registered on the admin_server, so it needs the
// bearer token or a console session (+ CSRF on POST). Reads use the per-thread
// read-only connection (WAL readers never block the writer) and the actors'
// own status through the supervisor, with a timeout. Every action is written
// through the storage actor (the only writer) together with its audit-log
// row (storage/admin_actions.hpp): an immediate action (pause/resume a flow,
// release a HELD payout, acknowledge an alert) is recorded DONE in the
// transaction of its effect; a deferred one (publish ratio now, rotate
// validators now, refund a BELOW_MINIMUM deposit, withdraw fees) is recorded
// PENDING with validated parameters, for the actor that carries it out. Bad
// input gets a JSON error with a stable code (400 invalid input, 404 unknown
// target, 409 wrong state, 503 not configured/not running) and changes
// nothing: validation runs inside the write transaction, so what is checked
// is what is written.
#pragma once

#include "actors/actors.hpp"
#include "api/admin_server.hpp"
#include "api/status_routes.hpp"

#include <chrono>
#include <string>

namespace lstaked::api {

struct admin_routes_context {
  caf::actor_system* system = nullptr;
  supervisor_actor supervisor;
  std::string database_path;
  uint16_t ss58_prefix = 2;
  std::string fee_withdrawal_account; // SS58; empty: withdrawals refused
  bool ratio_enabled = false;   // the ratio calculator is configured (publish ratio now)
  bool bonding_enabled = false; // the bond manager is configured (rotate validators now)
  status_context status;
  std::chrono::milliseconds timeout{10000};
};

/// Read endpoints (admin_routes.cpp) and actions (admin_action_routes.cpp).
void add_admin_routes(admin_server& admin, const admin_routes_context& ctx);
void add_admin_action_routes(admin_server& admin, const admin_routes_context& ctx);

/// A child's status JSON through the supervisor (null when it does not answer).
nlohmann::json child_status(const admin_routes_context& ctx, const std::string& name);

} // namespace lstaked::api

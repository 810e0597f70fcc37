// GET /v1/status and GET /metrics.
//
// Contract: handlers run on HTTP worker threads; they talk to the actor
// system only through request/receive with a timeout, so a stuck actor makes
// /v1/status report it unhealthy (HTTP 503) instead of hanging the caller.
#pragma once

#include "actors/actors.hpp"
#include "api/http_server.hpp"

#include <chrono>

namespace lstaked::api {

struct status_context {
  caf::actor_system* system = nullptr;
  supervisor_actor supervisor;
  std::chrono::steady_clock::time_point started;
  int schema_version = 0;
  std::chrono::milliseconds timeout{3000};
};

void add_status_routes(http_server& server, status_context ctx);

/// The GET /v1/status answer (also served by the admin listener).
void status_reply(const status_context& ctx, httplib::Response& res);
/// Its body ("ok": every actor healthy).
nlohmann::json status_body(const status_context& ctx);

} // namespace lstaked::api

// Every route the daemon serves, on both listeners, registered in one place:
// `lstaked run` calls it, and so does tests/openapi (which checks that
// docs/openapi.json lists exactly the routes registered here, both ways).
//
// Contract: registers the user API (/v1/..., /metrics, with its per-client
// rate limits) on `user` and the admin API (/admin/v1/...) on `admin`, before
// either is started. Registration only stores handlers: it touches no actor,
// no database and no node, so a test may call it with a default `config` and
// an `api_environment` whose actor handles are empty, and read
// `http_server::routes()` / `admin_server::routes()` afterwards. New routes
// (the admin console's too) are added here, never in run_daemon, so the
// OpenAPI test sees them.
#pragma once

#include "actors/actors.hpp"
#include "api/admin_server.hpp"
#include "api/http_server.hpp"
#include "config/config.hpp"

#include <chrono>

namespace lstaked::api {

/// What the handlers need from the running daemon (empty in route-list tests).
struct api_environment {
  caf::actor_system* system = nullptr;
  supervisor_actor supervisor;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  int schema_version = 0;
};

void add_api_routes(http_server& user, admin_server& admin, const config& cfg,
                    const api_environment& env);

} // namespace lstaked::api

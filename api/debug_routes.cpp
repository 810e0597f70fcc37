// `lstaked debug routes`: every route the daemon registers, per listener, as
// add_api_routes registers them for `lstaked run` (nothing is started: no
// socket, no actor, no database). tests/openapi compares it with
// docs/openapi.json on the built binary.
#include "api/api_routes.hpp"
#include "api/debug_commands.hpp"

namespace lstaked::api {

void add_debug_routes_command(CLI::App& debug) {
  auto cmd = debug.add_subcommand("routes", "Every route of the user and admin listeners, as JSON");
  cmd->callback([] {
    config cfg;
    http_server user{cfg.http};
    admin_server admin{cfg, std::string(32, '0')}; // never started: the token is not used
    add_api_routes(user, admin, cfg, api_environment{});
    auto list = [](const std::vector<route>& routes) {
      auto out = nlohmann::json::array();
      for (auto& r : routes)
        out.push_back({{"method", r.method}, {"pattern", r.pattern}});
      return out;
    };
    debug_answer({{"user", list(user.routes())}, {"admin", list(admin.routes())}});
  });
}

} // namespace lstaked::api

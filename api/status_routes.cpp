#include "api/status_routes.hpp"

#include "actors/metrics.hpp"
#include "api/version.hpp"

namespace lstaked::api {

void status_reply(const status_context& ctx, httplib::Response& res) {
  auto body = status_body(ctx);
  bool ok = body["ok"].get<bool>();
  json_reply(res, body, ok ? 200 : 503);
}

nlohmann::json status_body(const status_context& ctx) {
  nlohmann::json actors = nlohmann::json::array();
  bool all_ok = true;
  caf::scoped_actor self{*ctx.system};
  self->request(ctx.supervisor, ctx.timeout, status_atom_v)
    .receive(
      [&](std::vector<actor_health>& list) {
        for (auto& h : list) {
          all_ok = all_ok && h.ok;
          actors.push_back({{"name", h.name}, {"ok", h.ok}, {"detail", h.detail},
                            {"mailbox", h.mailbox}, {"restarts", h.restarts}});
        }
      },
      [&](caf::error& err) {
        all_ok = false;
        actors.push_back({{"name", "supervisor"}, {"ok", false}, {"detail", describe(err)}});
      });
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::steady_clock::now() - ctx.started)
                  .count();
  return {{"version", version_string()},
          {"uptimeSeconds", uptime},
          {"schemaVersion", ctx.schema_version},
          {"ok", all_ok},
          {"actors", actors}};
}

void add_status_routes(http_server& server, status_context ctx) {
  auto started = ctx.started;
  metrics_registry::global().gauge_callback(
    "lstaked_uptime_seconds", "Seconds since the daemon started", {}, [started] {
      return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now()
                                                              - started)
        .count();
    });
  server.get("/v1/status", [ctx](const httplib::Request&, httplib::Response& res) {
    status_reply(ctx, res);
  });
  server.get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_registry::global().render(), "text/plain; version=0.0.4");
  });
}

} // namespace lstaked::api

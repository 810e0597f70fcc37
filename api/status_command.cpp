#include "api/status_command.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <iomanip>

namespace lstaked::api {

namespace {

std::string cell(const nlohmann::json& j, const char* key) {
  if (!j.contains(key))
    return "";
  auto& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.dump();
}

} // namespace

int run_status_command(const config& cfg, const std::string& url, bool as_json, std::ostream& out,
                       std::ostream& err) {
  std::string target = url;
  if (target.empty()) {
    if (cfg.http.port == 0) {
      err << "error: http.listen has port 0 (chosen at start); pass --url http://HOST:PORT\n";
      return 2;
    }
    target = "http://" + cfg.http.host + ":" + std::to_string(cfg.http.port);
  }
  httplib::Client client{target};
  client.set_connection_timeout(std::chrono::seconds(3));
  client.set_read_timeout(std::chrono::seconds(30));
  auto res = client.Get("/v1/status");
  if (!res) {
    err << "error: no answer from " << target << " (" << httplib::to_string(res.error())
        << "): is the daemon running there?\n";
    return 2;
  }
  auto body = nlohmann::json::parse(res->body, nullptr, false);
  if (!body.is_object() || !body.contains("ok") || !body.contains("actors")) {
    err << "error: " << target << " answered HTTP " << res->status
        << " without a status document: is it lstaked?\n";
    return 2;
  }
  bool ok = body["ok"].is_boolean() && body["ok"].get<bool>();
  if (as_json) {
    out << body.dump() << "\n";
    return ok ? 0 : 1;
  }
  out << "lstaked " << cell(body, "version") << "  schema " << cell(body, "schemaVersion")
      << "  up " << cell(body, "uptimeSeconds") << " s  " << (ok ? "OK" : "UNHEALTHY") << "\n";
  size_t width = 5;
  for (auto& a : body["actors"])
    width = std::max(width, cell(a, "name").size());
  out << std::left << std::setw(static_cast<int>(width) + 2) << "ACTOR" << std::setw(5) << "OK"
      << std::setw(10) << "RESTARTS" << "DETAIL\n";
  for (auto& a : body["actors"]) {
    bool a_ok = a.value("ok", false);
    out << std::left << std::setw(static_cast<int>(width) + 2) << cell(a, "name") << std::setw(5)
        << (a_ok ? "yes" : "NO") << std::setw(10) << cell(a, "restarts") << cell(a, "detail")
        << "\n";
  }
  return ok ? 0 : 1;
}

} // namespace lstaked::api

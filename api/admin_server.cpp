#include "api/admin_server.hpp"

#include "actors/metrics.hpp"
#include "config/secret_file.hpp"

#include <sodium.h>

namespace lstaked::api {

namespace {

counter_metric& auth_failures() {
  return metrics_registry::global().counter(
    "lstaked_admin_auth_failures_total",
    "Admin requests refused 401 (missing or wrong bearer token)");
}

// Constant time in the token's content (its length is not a secret worth hiding).
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty())
    return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

} // namespace

http_config admin_server::listener_config(const config& cfg) {
  http_config h = cfg.http; // the same timeouts and limits as the user API
  h.host = cfg.admin.host;
  h.port = cfg.admin.port;
  if (!cfg.admin.listen_set && cfg.http.port == 0)
    h.port = 0; // an ephemeral user API (tests): an ephemeral admin listener beside it
  h.threads = cfg.admin.threads;
  h.max_connections = 64;
  h.max_connections_per_client = 64;
  h.trusted_proxies.clear(); // loopback operators only; no forwarded addresses
  return h;
}

admin_server::admin_server(const config& cfg, std::string token)
  : token_(std::move(token)), server_(listener_config(cfg), "admin") {
  auth_failures(); // present (0) in /metrics from the start
}

admin_server::~admin_server() {
  stop();
  sodium_memzero(token_.data(), token_.size());
}

http_server::handler admin_server::authenticated(http_server::handler h) const {
  return [this, h = std::move(h)](const httplib::Request& req, httplib::Response& res) {
    static const std::string scheme = "Bearer ";
    auto header = req.get_header_value("Authorization");
    bool ok = header.size() > scheme.size() && header.compare(0, scheme.size(), scheme) == 0
              && same_secret(header.substr(scheme.size()), token_);
    if (!ok) {
      auth_failures().inc();
      res.set_header("WWW-Authenticate", "Bearer");
      return json_error(res, 401, "unauthorized",
                        header.empty() ? "an Authorization: Bearer token is required"
                                       : "wrong admin token");
    }
    h(req, res);
  };
}

void admin_server::get(const std::string& pattern, http_server::handler h) {
  server_.get(pattern, authenticated(std::move(h)));
}

void admin_server::post(const std::string& pattern, http_server::handler h) {
  server_.post(pattern, authenticated(std::move(h)));
}

caf::expected<uint16_t> admin_server::start() {
  return server_.start();
}

void admin_server::stop() {
  server_.stop();
}

caf::expected<std::string> read_admin_token(const config& cfg) {
  auto token = read_secret_file(cfg.admin_token_path());
  if (!token)
    return token.error();
  return *token;
}

} // namespace lstaked::api

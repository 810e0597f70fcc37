// The admin listener: its own address, connection guard and workers, so it
// stays reachable while the user API is flooded (docs/http.md).
//
// Contract: every route registered here requires `Authorization: Bearer
// <token>` with the token of admin.token_file (read once at construction,
// compared in constant time, never logged). A missing or wrong token is
// answered 401 `unauthorized` (with `WWW-Authenticate: Bearer`), counted in
// `lstaked_admin_auth_failures_total`, and the handler does not run. Routes
// live under /admin/v1/. Register routes (`get`, `post`) before `start()`;
// the admin console adds its own the same way. Not copyable.
#pragma once

#include "api/http_server.hpp"
#include "config/config.hpp"

#include <memory>
#include <string>

namespace lstaked::api {

class admin_server {
public:
  /// `token`: the admin bearer token (the content of admin.token_file).
  admin_server(const config& cfg, std::string token);
  ~admin_server();
  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  void get(const std::string& pattern, http_server::handler h);
  void post(const std::string& pattern, http_server::handler h);

  /// Every route registered so far (all behind the token).
  const std::vector<route>& routes() const { return server_.routes(); }

  caf::expected<uint16_t> start();
  void stop();

  /// The listener's http settings derived from `cfg` (its host, port, threads).
  static http_config listener_config(const config& cfg);

private:
  http_server::handler authenticated(http_server::handler h) const;

  std::string token_;
  http_server server_;
};

/// The admin token as the daemon stores it: admin.token_file (or its default).
caf::expected<std::string> read_admin_token(const config& cfg);

} // namespace lstaked::api

// The admin listener: its own address, connection guard and workers, so it
// stays reachable while the user API is flooded (docs/http.md).
//
// Contract: every route registered with `get`/`post` requires either
// `Authorization: Bearer <token>` with the token of admin.token_file (read
// once at construction, compared in constant time, never logged), or the
// console's session cookie (api/admin_session.hpp) — and then a POST must
// also carry `X-CSRF-Token` equal to the session's CSRF token, else 403
// `csrf_mismatch` (bearer callers need none: a browser never sends a bearer
// header on its own). Anything else is answered 401 `unauthorized` (with
// `WWW-Authenticate: Bearer`), counted in `lstaked_admin_auth_failures_total`,
// and the handler does not run. The session routes are built in:
// POST /admin/v1/session {"token"} logs in (a wrong token is a counted 401),
// GET /admin/v1/session (no login needed) says whether the cookie names a
// live session and gives the page its CSRF token again, POST
// /admin/v1/session/logout ends it. `get_public` serves what needs no login:
// the console's static page (it holds no data). Routes live under /admin/.
// Register routes before `start()`. Not copyable.
#pragma once

#include "api/admin_session.hpp"
#include "api/http_server.hpp"
#include "api/rate_limiter.hpp"
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
  /// No authentication: only for the console's static files.
  void get_public(const std::string& pattern, http_server::handler h);

  /// Every route registered so far (all behind the token).
  const std::vector<route>& routes() const { return server_.routes(); }

  caf::expected<uint16_t> start();
  void stop();

  /// The listener's http settings derived from `cfg` (its host, port, threads).
  static http_config listener_config(const config& cfg);

private:
  http_server::handler authenticated(http_server::handler h, bool needs_csrf);
  bool bearer_ok(const httplib::Request& req) const;
  void add_session_routes();
  /// A presented token may be checked (a login or a Bearer header): false
  /// after answering 429 when this client has guessed wrong too often.
  bool may_check_token(const httplib::Request& req, httplib::Response& res);
  /// Gives back what may_check_token took: the token was right.
  void token_checked_right(const httplib::Request& req);

  std::string token_;
  admin_sessions sessions_;
  // Wrong tokens per client (admin.wrong_token_burst, then
  // admin.wrong_tokens_per_minute; defaults 10, then one per 10 s) and for all
  // clients together (5 times both). Every check takes one from both and a
  // right token gives them back, so only wrong ones count.
  rate_limiter token_guesses_;
  rate_limiter token_guesses_all_;
  http_server server_;
};

/// The admin token as the daemon stores it: admin.token_file (or its default).
caf::expected<std::string> read_admin_token(const config& cfg);

} // namespace lstaked::api

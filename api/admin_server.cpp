#include "api/admin_server.hpp"

#include "api/strict_json.hpp"

#include "actors/metrics.hpp"
#include "config/secret_file.hpp"

#include <sodium.h>

namespace lstaked::api {

namespace {

counter_metric& auth_failures() {
  return metrics_registry::global().counter(
    "lstaked_admin_auth_failures_total",
    "Admin requests refused 401 (missing or wrong token, or no live console session)");
}

// Constant time in the token's content (its length is not a secret worth hiding).
bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty())
    return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

counter_metric& token_lockouts() {
  return metrics_registry::global().counter(
    "lstaked_admin_token_lockouts_total",
    "Admin logins and Bearer requests refused 429 without checking the token: the client "
    "guessed wrong too often");
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
  : token_(std::move(token)),
    token_guesses_(cfg.admin.wrong_tokens_per_minute, cfg.admin.wrong_token_burst),
    token_guesses_all_(5 * cfg.admin.wrong_tokens_per_minute, 5 * cfg.admin.wrong_token_burst),
    server_(listener_config(cfg), "admin") {
  auth_failures(); // present (0) in /metrics from the start
  token_lockouts();
  add_session_routes();
}

admin_server::~admin_server() {
  stop();
  sodium_memzero(token_.data(), token_.size());
}

bool admin_server::bearer_ok(const httplib::Request& req) const {
  static const std::string scheme = "Bearer ";
  auto header = req.get_header_value("Authorization");
  return header.size() > scheme.size() && header.compare(0, scheme.size(), scheme) == 0
         && same_secret(header.substr(scheme.size()), token_);
}

http_server::handler admin_server::authenticated(http_server::handler h, bool needs_csrf) {
  return [this, needs_csrf, h = std::move(h)](const httplib::Request& req,
                                              httplib::Response& res) {
    auto session = admin_sessions::cookie_from_header(req.get_header_value("Cookie"));
    bool live = !session.empty() && sessions_.csrf_of(session).has_value();
    auto authorization = req.get_header_value("Authorization");
    if (authorization.rfind("Bearer ", 0) == 0) {
      if (live) {
        // Already logged in: a wrong bearer token here guesses nothing.
        if (bearer_ok(req))
          return h(req, res);
      } else {
        if (!may_check_token(req, res))
          return;
        if (bearer_ok(req)) {
          token_checked_right(req);
          return h(req, res);
        }
      }
    }
    if (live) {
      if (needs_csrf && !sessions_.csrf_matches(session, req.get_header_value("X-CSRF-Token")))
        return json_error(res, 403, "csrf_mismatch",
                          "a console POST must carry the session's X-CSRF-Token");
      return h(req, res);
    }
    auth_failures().inc();
    res.set_header("WWW-Authenticate", "Bearer");
    json_error(res, 401, "unauthorized",
               !authorization.empty() ? "wrong admin token"
               : !session.empty() ? "the console session expired or ended: log in again"
                                  : "an Authorization: Bearer token or a console session is required");
  };
}

void admin_server::get(const std::string& pattern, http_server::handler h) {
  server_.get(pattern, authenticated(std::move(h), false));
}

void admin_server::post(const std::string& pattern, http_server::handler h) {
  server_.post(pattern, authenticated(std::move(h), true));
}

void admin_server::get_public(const std::string& pattern, http_server::handler h) {
  server_.get(pattern, std::move(h));
}

void admin_server::add_session_routes() {
  server_.post("/admin/v1/session", [this](const httplib::Request& req, httplib::Response& res) {
    auto parsed = parse_json_body(req.body); // strict: a key given twice is refused
    auto& body = parsed.value;
    if (!parsed.ok || !body.is_object() || !body.contains("token") || !body["token"].is_string())
      return json_error(res, 400, "invalid_body", "expected {\"token\": \"<admin token>\"}");
    if (!may_check_token(req, res))
      return;
    if (!same_secret(body["token"].get<std::string>(), token_)) {
      auth_failures().inc();
      return json_error(res, 401, "unauthorized", "wrong admin token");
    }
    token_checked_right(req);
    auto login = sessions_.create();
    res.set_header("Set-Cookie", admin_sessions::set_cookie(login));
    res.set_header("Cache-Control", "no-store");
    json_reply(res, {{"csrfToken", login.csrf}, {"expiresInSeconds", login.ttl.count()}});
  });
  // Public: the login page asks whether its cookie still names a live session
  // (a page load is no failed login, so it is not counted).
  server_.get("/admin/v1/session", [this](const httplib::Request& req, httplib::Response& res) {
    auto id = admin_sessions::cookie_from_header(req.get_header_value("Cookie"));
    auto csrf = sessions_.csrf_of(id);
    res.set_header("Cache-Control", "no-store");
    json_reply(res, {{"session", csrf.has_value()}, {"csrfToken", csrf ? *csrf : ""}});
  });
  post("/admin/v1/session/logout", [this](const httplib::Request& req, httplib::Response& res) {
    // No parameters: no body or {} (as every console action without any).
    if (!req.body.empty()) {
      auto parsed = parse_json_body(req.body);
      if (!parsed.ok || !parsed.value.is_object() || !parsed.value.empty())
        return json_error(res, 400, "invalid_body", "the body must be {} or empty");
    }
    sessions_.end(admin_sessions::cookie_from_header(req.get_header_value("Cookie")));
    res.set_header("Set-Cookie", admin_sessions::clear_cookie());
    json_reply(res, {{"loggedOut", true}});
  });
}

bool admin_server::may_check_token(const httplib::Request& req, httplib::Response& res) {
  // The admin listener trusts no proxy: the peer is the client. All clients
  // together are limited too (an admin listener on a routable address meets
  // many addresses); the shared budget is checked first, so a refused guess
  // costs the client nothing and makes no bucket. A wrong token stays
  // counted in both; a right one is given back (token_checked_right).
  auto verdict = token_guesses_all_.take("");
  if (verdict.allowed) {
    verdict = token_guesses_.take(req.remote_addr);
    if (verdict.allowed)
      return true;
    token_guesses_all_.refund("");
  }
  token_lockouts().inc();
  res.set_header("Retry-After", std::to_string(verdict.retry_after_seconds));
  json_error(res, 429, "too_many_wrong_tokens",
             "too many wrong admin tokens; the token is not checked for "
               + std::to_string(verdict.retry_after_seconds) + " s");
  return false;
}

void admin_server::token_checked_right(const httplib::Request& req) {
  token_guesses_.refund(req.remote_addr);
  token_guesses_all_.refund("");
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

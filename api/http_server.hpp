// The HTTP front: cpp-httplib tuned for a custody API, with JSON errors and metrics.
//
// Contract: register routes with `get`/`post` before `start()`. Every handler
// is wrapped to count requests and observe latency per route, and to turn an
// escaped exception into a JSON 500 instead of a dropped connection. Errors
// are always `{"error": {"code": "...", "message": "..."}}`. Sockets are
// owned by a connection_guard (api/connection_guard.hpp): a worker sees a
// request only once it has wholly arrived, so slow or idle clients hold no
// worker; httplib only parses and routes. `start()` binds (backlog 1024),
// returns the actual port and serves on background threads; `stop()` stops
// accepting, lets requests being answered finish and joins. A route may be
// rate-limited per client (`rate_limit`, before the route is registered):
// beyond it, 429 `rate_limited` with Retry-After, and the handler never runs.
// The client is the peer address, or for a peer in http.trusted_proxies the
// rightmost X-Forwarded-For entry. A POST with a body whose Content-Type is
// not application/json is answered 415 `unsupported_media_type` before its handler
// (and its rate limit); a path registered only with other methods is answered
// 405 `method_not_allowed` with `Allow`. `routes()` lists what was registered, in
// order (docs/openapi.json must list exactly these: tests/openapi). Not copyable.
#pragma once

#include "chain/common/error.hpp"
#include "config/config.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace lstaked::api {

/// Writes a JSON error body with a stable code.
void json_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message);

/// Writes a JSON body (status 200 unless given).
void json_reply(httplib::Response& res, const nlohmann::json& body, int status = 200);
/// The same for a JSON text already written (api/json_writer.hpp).
void text_json_reply(httplib::Response& res, std::string body, int status = 200);

class connection_guard;
class rate_limiter;

/// One registered route: "GET" or "POST" and the pattern as given to get/post
/// ("/v1/claims/:claimId").
struct route {
  std::string method;
  std::string pattern;
  bool operator==(const route& o) const { return method == o.method && pattern == o.pattern; }
  bool operator<(const route& o) const {
    return pattern != o.pattern ? pattern < o.pattern : method < o.method;
  }
};

class http_server {
public:
  using handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  /// `listener` labels the connection metrics ("user", "admin").
  explicit http_server(const http_config& cfg, std::string listener = "user");
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// `route` names the series in metrics (the pattern, e.g. "/v1/claims/:id").
  void get(const std::string& pattern, handler h);
  void post(const std::string& pattern, handler h);

  /// Every route registered so far, in registration order.
  const std::vector<route>& routes() const { return routes_; }

  /// Per-client token bucket for `method pattern` (call before registering it).
  void rate_limit(const std::string& method, const std::string& pattern, uint32_t per_minute,
                  uint32_t burst);

  /// The client a request counts against (see the contract above).
  std::string client_address(const httplib::Request& req) const;

  /// Binds and serves; returns the port actually bound (useful with port 0).
  caf::expected<uint16_t> start();

  /// Stops accepting, finishes in-flight requests, joins the serving thread.
  void stop();

private:
  handler instrument(const std::string& method, const std::string& pattern, handler h);

  class routed_server;

  http_config cfg_;
  std::string listener_;
  std::unique_ptr<routed_server> server_;
  std::unique_ptr<connection_guard> guard_;
  std::map<std::string, std::shared_ptr<rate_limiter>> limits_; // "METHOD pattern"
  std::vector<route> routes_;
  std::vector<std::pair<std::string, std::regex>> matchers_; // method, compiled pattern
};

} // namespace lstaked::api

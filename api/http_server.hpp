// The HTTP front: cpp-httplib tuned for a custody API, with JSON errors and metrics.
//
// Contract: register routes with `get`/`post` before `start()`. Every handler
// is wrapped to count requests and observe latency per route, and to turn an
// escaped exception into a JSON 500 instead of a dropped connection. Errors
// are always `{"error": {"code": "...", "message": "..."}}`. `start()` binds
// (listen backlog 1024 — httplib's own is 5), returns the actual port and
// serves on a background thread; `stop()` stops accepting, lets in-flight
// requests finish and joins. Not copyable.
#pragma once

#include "chain/common/error.hpp"
#include "config/config.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <thread>

namespace lstaked::api {

/// Writes a JSON error body with a stable code.
void json_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message);

/// Writes a JSON body (status 200 unless given).
void json_reply(httplib::Response& res, const nlohmann::json& body, int status = 200);

class http_server {
public:
  using handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  explicit http_server(const http_config& cfg);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// `route` names the series in metrics (the pattern, e.g. "/v1/claims/:id").
  void get(const std::string& pattern, handler h);
  void post(const std::string& pattern, handler h);

  /// Binds and serves; returns the port actually bound (useful with port 0).
  caf::expected<uint16_t> start();

  /// Stops accepting, finishes in-flight requests, joins the serving thread.
  void stop();

private:
  handler instrument(const std::string& method, const std::string& pattern, handler h);

  http_config cfg_;
  httplib::Server server_;
  std::thread thread_;
  int listen_fd_ = -1;
};

} // namespace lstaked::api

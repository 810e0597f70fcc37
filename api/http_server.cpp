#include "api/http_server.hpp"

#include "actors/metrics.hpp"
#include "api/connection_guard.hpp"
#include "api/rate_limiter.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>

namespace lstaked::api {

void json_error(httplib::Response& res, int status, const std::string& code,
                const std::string& message) {
  res.status = status;
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}}}};
  res.set_content(body.dump(), "application/json");
}

void json_reply(httplib::Response& res, const nlohmann::json& body, int status) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void text_json_reply(httplib::Response& res, std::string body, int status) {
  res.status = status;
  // set_content as httplib does it, without copying the body.
  res.body = std::move(body);
  auto old = res.headers.equal_range("Content-Type");
  res.headers.erase(old.first, old.second);
  res.set_header("Content-Type", "application/json");
}

namespace {

// Stable error codes for the statuses httplib produces on its own.
const char* code_for_status(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "payload_too_large";
    case 429: return "rate_limited";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal_error" : "bad_request";
  }
}

// "application/json", any case, optionally with parameters ("; charset=utf-8").
bool is_json(const std::string& content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t'))
    type.pop_back();
  auto b = type.find_first_not_of(" \t");
  type = b == std::string::npos ? std::string{} : type.substr(b);
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type == "application/json";
}

counter_metric& unmatched_counter(int status) {
  return metrics_registry::global().counter(
    "lstaked_http_requests_total", "HTTP requests answered, by route and status",
    {{"method", "any"}, {"route", "unmatched"}, {"status", std::to_string(status)}});
}

} // namespace

// httplib's request processing (parse, route, answer) over a Stream the
// connection guard provides; httplib's own accept loop is never run.
class http_server::routed_server : public httplib::Server {
public:
  bool serve(httplib::Stream& strm, bool close_connection, bool& connection_closed) {
    return process_request(strm, close_connection, connection_closed, nullptr);
  }
};

http_server::http_server(const http_config& cfg, std::string listener)
  : cfg_(cfg), listener_(std::move(listener)), server_(std::make_unique<routed_server>()) {
  auto& server = *server_;
  server.set_payload_max_length(cfg.max_body_bytes);
  // Only for the Keep-Alive header httplib writes: the guard enforces both.
  server.set_keep_alive_max_count(1000);
  server.set_keep_alive_timeout(std::max<time_t>(1, cfg.keep_alive_idle_ms / 1000));
  guard_config g;
  g.name = listener_;
  g.host = cfg.host;
  g.port = cfg.port;
  g.threads = cfg.threads;
  g.request_timeout = std::chrono::milliseconds(cfg.read_timeout_ms);
  g.write_timeout = std::chrono::milliseconds(cfg.write_timeout_ms);
  g.keep_alive_idle = std::chrono::milliseconds(cfg.keep_alive_idle_ms);
  g.max_connections = cfg.max_connections;
  g.max_connections_per_client = cfg.max_connections_per_client;
  g.max_header_bytes = cfg.max_header_bytes;
  g.max_body_bytes = cfg.max_body_bytes;
  g.exempt_peers = cfg.trusted_proxies;
  guard_ = std::make_unique<connection_guard>(
    g, [&server](httplib::Stream& strm, bool close_connection, bool& connection_closed) {
      return server.serve(strm, close_connection, connection_closed);
    });
  server.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    // httplib calls this for every status >= 400; routes already counted theirs
    // (and wrote a JSON body), so only httplib's own refusals are counted here.
    if (!res.body.empty())
      return;
    if (res.status == 404) {
      // httplib has no 405: a path that exists under other methods is one.
      std::string allow;
      for (auto& [method, re] : matchers_)
        if (method != req.method && std::regex_match(req.path, re)
            && allow.find(method) == std::string::npos)
          allow += (allow.empty() ? "" : ", ") + method;
      if (!allow.empty()) {
        res.status = 405;
        res.set_header("Allow", allow);
        unmatched_counter(res.status).inc();
        return json_error(res, 405, "method_not_allowed",
                          req.method + " is not served here; this path takes " + allow);
      }
    }
    unmatched_counter(res.status).inc();
    if (res.body.empty())
      json_error(res, res.status, code_for_status(res.status),
                 res.status == 404   ? "no such endpoint"
                 : res.status == 413 ? "request body too large"
                                     : "request refused (HTTP " + std::to_string(res.status) + ")");
  });
  server.set_exception_handler(
    [](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
      }
      spdlog::error("http: {} {} failed: {}", req.method, req.path, what);
      json_error(res, 500, "internal_error", "internal error");
    });
}

http_server::~http_server() {
  stop();
}

http_server::handler http_server::instrument(const std::string& method, const std::string& pattern,
                                             handler h) {
  auto& latency = metrics_registry::global().histogram(
    "lstaked_http_request_seconds", "HTTP request handling time, by route",
    {{"method", method}, {"route", pattern}});
  std::shared_ptr<rate_limiter> limiter;
  if (auto it = limits_.find(method + " " + pattern); it != limits_.end())
    limiter = it->second;
  counter_metric* limited = nullptr;
  if (limiter)
    limited = &metrics_registry::global().counter(
      "lstaked_http_rate_limited_total",
      "Requests refused 429 rate_limited (the handler did not run), by route",
      {{"method", method}, {"route", pattern}});
  // The 200 series of this route, looked up once (on the first 200, so a
  // route never answered shows no series): the registry's lookup takes its
  // lock and builds the labels, which the hot read routes paid per request.
  auto ok_counter = std::make_shared<std::atomic<counter_metric*>>(nullptr);
  return [this, h = std::move(h), &latency, method, pattern, limiter, limited,
          ok_counter](const httplib::Request& req, httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    auto client = limiter ? client_address(req) : std::string{};
    if (method == "POST" && !req.body.empty() && !is_json(req.get_header_value("Content-Type"))) {
      // Bodies are JSON only: anything else is refused before the limiter and
      // the handler (so it costs no token and changes nothing). A POST with
      // no body (an action without parameters) needs no Content-Type.
      json_error(res, 415, "unsupported_media_type",
                 "the body must be sent as Content-Type: application/json");
    } else if (auto verdict = limiter ? limiter->take(client) : rate_limiter::verdict{};
               !verdict.allowed) {
      limited->inc();
      res.set_header("Retry-After", std::to_string(verdict.retry_after_seconds));
      json_error(res, 429, "rate_limited",
                 "too many requests from this client; retry in "
                   + std::to_string(verdict.retry_after_seconds) + " s");
    } else {
      h(req, res);
      // The limit is on work (a claim stored and signed, a node lookup): an
      // answer refused for the caller's mistake (4xx, e.g. a malformed id) or
      // because the service is not ready (503) did none, and gives its token
      // back, so a wallet that retries while the notary starts is not punished.
      if (limiter && ((res.status >= 400 && res.status < 500) || res.status == 503))
        limiter->refund(client);
    }
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
    latency.observe_us(static_cast<uint64_t>(us));
    // Few series: routes are patterns and statuses are few.
    auto* counter = res.status == 200 ? ok_counter->load(std::memory_order_acquire) : nullptr;
    if (!counter) {
      counter = &metrics_registry::global().counter(
        "lstaked_http_requests_total", "HTTP requests answered, by route and status",
        {{"method", method}, {"route", pattern}, {"status", std::to_string(res.status)}});
      if (res.status == 200)
        ok_counter->store(counter, std::memory_order_release);
    }
    counter->inc();
  };
}

namespace {
// cpp-httplib patterns use regex; ":id" style is documentation only.
std::string to_regex(const std::string& pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == ':') {
      while (i + 1 < pattern.size() && pattern[i + 1] != '/')
        ++i;
      out += "([^/]+)";
    } else {
      out += pattern[i];
    }
  }
  return out;
}
} // namespace

void http_server::get(const std::string& pattern, handler h) {
  routes_.push_back({"GET", pattern});
  matchers_.emplace_back("GET", std::regex(to_regex(pattern)));
  server_->Get(to_regex(pattern), instrument("GET", pattern, std::move(h)));
}

void http_server::post(const std::string& pattern, handler h) {
  routes_.push_back({"POST", pattern});
  matchers_.emplace_back("POST", std::regex(to_regex(pattern)));
  server_->Post(to_regex(pattern), instrument("POST", pattern, std::move(h)));
}

void http_server::rate_limit(const std::string& method, const std::string& pattern,
                             uint32_t per_minute, uint32_t burst) {
  limits_[method + " " + pattern] = std::make_shared<rate_limiter>(per_minute, burst);
}

std::string http_server::client_address(const httplib::Request& req) const {
  auto& proxies = cfg_.trusted_proxies;
  if (std::find(proxies.begin(), proxies.end(), req.remote_addr) == proxies.end())
    return req.remote_addr;
  // The proxy appends the address it saw last: only that entry is its word.
  auto header = req.get_header_value("X-Forwarded-For");
  auto comma = header.rfind(',');
  auto last = comma == std::string::npos ? header : header.substr(comma + 1);
  auto b = last.find_first_not_of(" \t");
  auto e = last.find_last_not_of(" \t");
  if (b == std::string::npos)
    return req.remote_addr;
  return last.substr(b, e - b + 1);
}

caf::expected<uint16_t> http_server::start() {
  return guard_->start();
}

void http_server::stop() {
  guard_->stop();
}

} // namespace lstaked::api

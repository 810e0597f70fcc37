#include "api/http_server.hpp"

#include "actors/metrics.hpp"

#include <spdlog/spdlog.h>

#include <sys/socket.h>
#include <netinet/in.h>

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

namespace {

// Stable error codes for the statuses httplib produces on its own.
const char* code_for_status(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "payload_too_large";
    case 414: return "uri_too_long";
    case 415: return "unsupported_media_type";
    case 503: return "unavailable";
    default: return status >= 500 ? "internal_error" : "bad_request";
  }
}

counter_metric& unmatched_counter(int status) {
  return metrics_registry::global().counter(
    "lstaked_http_requests_total", "HTTP requests answered, by route and status",
    {{"method", "any"}, {"route", "unmatched"}, {"status", std::to_string(status)}});
}

} // namespace

http_server::http_server(const http_config& cfg) : cfg_(cfg) {
  // Nagle + delayed ACK costs ~40 ms per keep-alive request without this.
  server_.set_tcp_nodelay(true);
  server_.set_keep_alive_max_count(1000);
  server_.set_keep_alive_timeout(5);
  server_.set_payload_max_length(cfg.max_body_bytes);
  server_.set_read_timeout(std::chrono::milliseconds(cfg.read_timeout_ms));
  server_.set_write_timeout(std::chrono::milliseconds(cfg.write_timeout_ms));
  auto threads = cfg.threads;
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Replaces httplib's default socket options: keep SO_REUSEADDR, and remember
  // the listening socket so start() can raise its backlog.
  server_.set_socket_options([this](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = sock;
  });
  server_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    // httplib calls this for every status >= 400; routes already counted theirs
    // (and wrote a JSON body), so only httplib's own refusals are counted here.
    if (!res.body.empty())
      return;
    unmatched_counter(res.status).inc();
    if (res.body.empty())
      json_error(res, res.status, code_for_status(res.status),
                 res.status == 404   ? "no such endpoint"
                 : res.status == 413 ? "request body too large"
                                     : "request refused (HTTP " + std::to_string(res.status) + ")");
  });
  server_.set_exception_handler(
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
  return [h = std::move(h), &latency, method, pattern](const httplib::Request& req,
                                                      httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    h(req, res);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
    latency.observe_us(static_cast<uint64_t>(us));
    // Few series: routes are patterns and statuses are few.
    metrics_registry::global()
      .counter("lstaked_http_requests_total", "HTTP requests answered, by route and status",
               {{"method", method}, {"route", pattern}, {"status", std::to_string(res.status)}})
      .inc();
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
  server_.Get(to_regex(pattern), instrument("GET", pattern, std::move(h)));
}

void http_server::post(const std::string& pattern, handler h) {
  server_.Post(to_regex(pattern), instrument("POST", pattern, std::move(h)));
}

caf::expected<uint16_t> http_server::start() {
  int port = cfg_.port;
  if (port == 0) {
    port = server_.bind_to_any_port(cfg_.host);
    if (port <= 0)
      return make_error(ec::io_error, "cannot bind " + cfg_.host + ":0");
  } else if (!server_.bind_to_port(cfg_.host, port)) {
    return make_error(ec::io_error, "cannot listen on " + cfg_.host + ":" + std::to_string(port)
                                      + " (address in use or not local)");
  }
  if (listen_fd_ >= 0)
    ::listen(listen_fd_, 1024);
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // httplib 0.11 has no wait_until_ready(): poll briefly so callers can connect at once.
  for (int i = 0; i < 500 && !server_.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return static_cast<uint16_t>(port);
}

void http_server::stop() {
  if (thread_.joinable()) {
    server_.stop();
    thread_.join();
  }
}

} // namespace lstaked::api

// The accept side of an HTTP listener: no client can hold a worker.
//
// Contract: one event-loop thread owns the listening socket and every
// connection that is not being answered. It accepts, applies the connection
// caps (total, per client address) and reads requests without blocking; a
// connection is handed to a worker only once a whole request (request line,
// headers and Content-Length body) is in its buffer. A request that has not
// fully arrived within `request_timeout` of its first byte (of accept, for a
// new connection) is closed by the loop, however slowly it trickles; an idle
// keep-alive connection is closed after `keep_alive_idle` (at most 1 s while
// half of `max_connections` are open). Refusals (caps, oversize head or body,
// chunked bodies, deadline) are short canned JSON answers written by the
// loop, never by a worker. After its answer a keep-alive connection goes back
// to the loop, so idle connections hold no worker either. Workers call
// `serve` (httplib's request processing) on a Stream over the buffered
// request; only writing the answer touches the socket (bounded by
// `write_timeout`). Why this and not httplib's own loop: docs/http.md.
//
// Thread-safety: start() and stop() from one thread; `serve` runs on the
// workers concurrently. stop() stops accepting, closes idle and partial
// connections, lets requests being answered finish, joins every thread.
#pragma once

#include "chain/common/error.hpp"

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lstaked::api {

struct guard_config {
  std::string name = "user"; // the `listener` label of its metrics
  std::string host = "127.0.0.1";
  uint16_t port = 0; // 0: a free port
  uint32_t threads = 8;
  std::chrono::milliseconds request_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::chrono::milliseconds keep_alive_idle{5000};
  uint32_t max_connections = 512;
  uint32_t max_connections_per_client = 16;
  uint64_t max_header_bytes = 16384;
  uint64_t max_body_bytes = 65536;
  uint32_t max_requests_per_connection = 1000;
  std::vector<std::string> exempt_peers; // trusted proxies: no per-client cap
};

class connection_guard {
public:
  /// httplib's processing of one buffered request (see http_server).
  using serve_fn =
    std::function<bool(httplib::Stream& strm, bool close_connection, bool& connection_closed)>;

  connection_guard(guard_config cfg, serve_fn serve);
  ~connection_guard();
  connection_guard(const connection_guard&) = delete;
  connection_guard& operator=(const connection_guard&) = delete;

  /// Binds (backlog 1024), starts the loop and the workers; the bound port.
  caf::expected<uint16_t> start();
  void stop();

  struct impl;

private:
  std::unique_ptr<impl> impl_;
};

} // namespace lstaked::api

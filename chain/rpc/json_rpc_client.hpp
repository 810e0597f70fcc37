// JSON-RPC 2.0 over HTTP(S): single and batched calls on one keep-alive
// connection, with timeouts and bounded retries. Used by both chains' clients.
//
// Contract:
// - Thread-safe: one mutex serialises calls on the single connection. For
//   parallel requests use one client per actor (that is the intended use: each
//   watcher owns its client). Calls block the calling thread, so an actor that
//   owns a client should be spawned `caf::detached`.
// - Retries (exponential backoff, capped) only where a retry cannot change the
//   meaning: transport failures (connect, read, write, timeout) and HTTP 5xx or
//   429. A JSON-RPC error object from the node is an answer, never retried.
//   Note: a retried request may reach the node twice (a lost response); every
//   call made through this client must therefore be idempotent for the node
//   (reads are; eth_sendRawTransaction is, by transaction hash).
// - Errors: ec::rpc_error "node error <code>: <message>" for a JSON-RPC error
//   (see `node_error_code`), ec::rpc_error for transport failures and HTTP
//   statuses after the last attempt, ec::timeout when the last attempt timed
//   out, ec::decode_error for an answer that is not valid JSON-RPC 2.0 (bad JSON,
//   wrong id, neither result nor error, batch answers missing or duplicated).
#pragma once

#include "chain/common/error.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace httplib {
class Client;
} // namespace httplib

namespace lstaked::rpc {

using json = nlohmann::json;

struct json_rpc_config {
  std::string url;                                   // http[s]://host[:port][/path]
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds read_timeout{15000};     // per attempt, also write timeout
  unsigned max_attempts = 4;                         // 1 = never retry
  std::chrono::milliseconds initial_backoff{100};    // doubled per retry
  std::chrono::milliseconds max_backoff{2000};
  size_t max_response_bytes = 256u << 20;            // larger answers are refused (decode_error)
};

caf::error validate(const json_rpc_config& cfg);

/// One call of a batch.
struct rpc_call {
  std::string method;
  json params = json::array();
};

/// Counters for metrics; monotonic over the client's lifetime.
struct rpc_stats {
  uint64_t requests = 0;     // HTTP requests sent (attempts, a batch counts once)
  uint64_t calls = 0;        // JSON-RPC calls answered (each batch item counts)
  uint64_t retries = 0;      // attempts after the first
  uint64_t node_errors = 0;  // JSON-RPC error objects received
  uint64_t failures = 0;     // requests that failed after the last attempt
};

class json_rpc_client {
public:
  /// Refuses a malformed URL or config (ec::invalid_config).
  static caf::expected<std::unique_ptr<json_rpc_client>> make(json_rpc_config cfg);
  ~json_rpc_client();
  json_rpc_client(const json_rpc_client&) = delete;
  json_rpc_client& operator=(const json_rpc_client&) = delete;

  /// One call; the `result` member of the answer.
  caf::expected<json> call(const std::string& method, json params = json::array());

  /// One HTTP request carrying all `calls` as a JSON array. The outer error is
  /// the transport's or a malformed answer's; each inner one is the node's
  /// answer to that call (results are returned in the order of `calls`,
  /// whatever order the node answered in). An empty batch is answered locally.
  caf::expected<std::vector<caf::expected<json>>> batch(const std::vector<rpc_call>& calls);

  rpc_stats stats() const;
  const json_rpc_config& config() const { return cfg_; }

private:
  explicit json_rpc_client(json_rpc_config cfg, std::string base, std::string path);
  // Posts `body`, retrying as the contract says; returns the parsed JSON body.
  caf::expected<json> post(const std::string& body, const std::string& what);

  json_rpc_config cfg_;
  std::string path_;
  mutable std::mutex mutex_;
  std::unique_ptr<httplib::Client> http_;
  uint64_t next_id_ = 1;
  rpc_stats stats_;
};

/// The node's JSON-RPC error code carried by `err` (made by this client), if any.
std::optional<int64_t> node_error_code(const caf::error& err);

/// True for answers that mean "ask for less": result-count or response-size
/// limits (geth, erigon, infura, alchemy wordings and codes -32005/-32602
/// with a range message) and timeouts. Used to shrink eth_getLogs windows.
bool is_too_much_data(const caf::error& err);

} // namespace lstaked::rpc

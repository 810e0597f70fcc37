// Per-client token buckets for the write and expensive routes.
//
// Contract: thread-safe. `take(client)` spends one token of that client's
// bucket (`burst` tokens, refilled at `per_minute`/60 per second) and says
// yes, or no with the seconds after which one token will be there (>= 1, for
// Retry-After). A refused take spends nothing. Buckets that are full again are
// forgotten once more than `max_clients` are held, so memory stays bounded
// under a flood of addresses (a forgotten client starts with a full bucket,
// which is what it would have anyway). If that frees nothing (more than
// `max_clients` addresses spent tokens within one refill interval), every
// bucket is forgotten: memory stays bounded, at the price of a fresh burst.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace lstaked::api {

class rate_limiter {
public:
  rate_limiter(uint32_t per_minute, uint32_t burst, size_t max_clients = 100000);

  struct verdict {
    bool allowed = true;
    int64_t retry_after_seconds = 0;
  };

  verdict take(const std::string& client,
               std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  /// Gives back the token a request took (it was refused without the work
  /// the limit protects: see http_server).
  void refund(const std::string& client);

private:
  struct bucket {
    double tokens;
    std::chrono::steady_clock::time_point at;
  };
  void forget_full(std::chrono::steady_clock::time_point now);

  double per_second_;
  double burst_;
  size_t max_clients_;
  std::mutex mutex_;
  std::unordered_map<std::string, bucket> buckets_;
};

} // namespace lstaked::api

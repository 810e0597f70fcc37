#include "api/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace lstaked::api {

rate_limiter::rate_limiter(uint32_t per_minute, uint32_t burst, size_t max_clients)
  : per_second_(std::max<uint32_t>(per_minute, 1) / 60.0),
    burst_(std::max<uint32_t>(burst, 1)),
    max_clients_(max_clients) {}

rate_limiter::verdict rate_limiter::take(const std::string& client,
                                         std::chrono::steady_clock::time_point now) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = buckets_.find(client);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) {
      forget_full(now);
      // Still full: more clients spent tokens in the last refill interval than
      // we keep. Start afresh (each gets its burst again) rather than grow or
      // rescan on every new client.
      if (buckets_.size() >= max_clients_)
        buckets_.clear();
    }
    it = buckets_.emplace(client, bucket{burst_, now}).first;
  }
  auto& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.at).count();
  if (elapsed > 0) {
    b.tokens = std::min(burst_, b.tokens + elapsed * per_second_);
    b.at = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {true, 0};
  }
  auto wait = static_cast<int64_t>(std::ceil((1.0 - b.tokens) / per_second_));
  return {false, std::max<int64_t>(wait, 1)};
}

void rate_limiter::refund(const std::string& client) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto it = buckets_.find(client);
  if (it != buckets_.end())
    it->second.tokens = std::min(burst_, it->second.tokens + 1.0);
}

void rate_limiter::forget_full(std::chrono::steady_clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    double elapsed = std::chrono::duration<double>(now - it->second.at).count();
    if (it->second.tokens + elapsed * per_second_ >= burst_)
      it = buckets_.erase(it);
    else
      ++it;
  }
}

} // namespace lstaked::api

// The per-client token bucket behind the 429s (api/rate_limiter.hpp), on a
// clock the test moves.
#include "api/rate_limiter.hpp"

#include <gtest/gtest.h>

using lstaked::api::rate_limiter;
using namespace std::chrono_literals;

TEST(rate_limiter, a_client_gets_its_burst_then_one_token_per_refill_interval) {
  rate_limiter limit{30, 3}; // 30/min: one token every 2 s
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(limit.take("a", t0).allowed) << i;
  auto refused = limit.take("a", t0);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 2);
  EXPECT_FALSE(limit.take("a", t0 + 1500ms).allowed);
  EXPECT_TRUE(limit.take("a", t0 + 2100ms).allowed);
  EXPECT_FALSE(limit.take("a", t0 + 2200ms).allowed);
  // Others have their own bucket; a long pause refills to the burst, not beyond.
  EXPECT_TRUE(limit.take("b", t0).allowed);
  int allowed = 0;
  for (int i = 0; i < 10; ++i)
    allowed += limit.take("a", t0 + 1h).allowed;
  EXPECT_EQ(allowed, 3);
}

TEST(rate_limiter, a_refund_gives_back_exactly_the_token_taken) {
  rate_limiter limit{1, 1};
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  ASSERT_TRUE(limit.take("a", t0).allowed);
  limit.refund("a");
  ASSERT_TRUE(limit.take("a", t0).allowed);
  EXPECT_FALSE(limit.take("a", t0).allowed);
  limit.refund("a");
  limit.refund("a"); // never above the burst
  EXPECT_TRUE(limit.take("a", t0).allowed);
  EXPECT_FALSE(limit.take("a", t0).allowed);
  EXPECT_EQ(limit.take("a", t0).retry_after_seconds, 60);
}

TEST(rate_limiter, memory_stays_bounded_under_a_flood_of_addresses) {
  rate_limiter limit{60, 2, 100};
  auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  for (int i = 0; i < 10000; ++i)
    limit.take("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256), t0 + std::chrono::seconds(i));
  // A client spent recently is still limited (its bucket was not forgotten).
  EXPECT_TRUE(limit.take("x", t0 + 20000s).allowed);
  EXPECT_TRUE(limit.take("x", t0 + 20000s).allowed);
  EXPECT_FALSE(limit.take("x", t0 + 20000s).allowed);
}

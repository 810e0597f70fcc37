// The Ethereum submitter's pure parts: the outbox call format and the fees of
// a replacement (+12.5% on both fields, following the market, under the cap).
#include "actors/eth_submitter.hpp"

#include <gtest/gtest.h>

using namespace lstaked;
using chain::eth::u256;
using nlohmann::json;

namespace {
u256 wei(uint64_t v) {
  return u256{v};
}
} // namespace

TEST(eth_replacement_fees, raise_both_fields_by_an_eighth_rounded_up) {
  auto f = bumped_fees({wei(1000), wei(100)}, {wei(0), wei(0)}, wei(1'000'000));
  ASSERT_TRUE(f) << describe(f.error());
  EXPECT_EQ(f->max_fee_per_gas, wei(1125));
  EXPECT_EQ(f->max_priority_fee_per_gas, wei(113)); // ceil(112.5)
  // Tiny values still move (geth compares with >=, anvil with >).
  auto small = bumped_fees({wei(1), wei(0)}, {wei(0), wei(0)}, wei(100));
  ASSERT_TRUE(small);
  EXPECT_EQ(small->max_fee_per_gas, wei(2));
  EXPECT_EQ(small->max_priority_fee_per_gas, wei(1));
}

TEST(eth_replacement_fees, follow_a_market_that_moved_further_up_to_the_cap) {
  auto f = bumped_fees({wei(1000), wei(100)}, {wei(5000), wei(300)}, wei(4000));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->max_fee_per_gas, wei(4000)); // the market wants 5000: capped
  EXPECT_EQ(f->max_priority_fee_per_gas, wei(300));
}

TEST(eth_replacement_fees, are_refused_when_the_raise_is_above_the_cap) {
  auto f = bumped_fees({wei(1000), wei(100)}, {wei(0), wei(0)}, wei(1124));
  ASSERT_FALSE(f);
  EXPECT_EQ(code_of(f.error()), ec::invalid_state);
  EXPECT_NE(describe(f.error()).find("above the cap"), std::string::npos);
  // A tip that would need more than the capped maxFee is refused too.
  auto tip = bumped_fees({wei(1000), wei(1000)}, {wei(0), wei(0)}, wei(1125));
  EXPECT_TRUE(tip); // 1125 / 1125: fits exactly
  auto over = bumped_fees({wei(1000), wei(1100)}, {wei(0), wei(0)}, wei(1125));
  EXPECT_FALSE(over);
}

TEST(eth_outbox_call, round_trips_and_refuses_what_cannot_be_signed) {
  json j{{"to", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"},
         {"data", "0xa9059cbb"},
         {"value", "5"},
         {"gas_limit", "60000"}};
  auto c = eth_outbox_call::parse(j);
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->gas_limit, 60000u);
  EXPECT_EQ(c->value, wei(5));
  EXPECT_EQ(c->data.size(), 4u);
  auto back = c->to_json();
  EXPECT_EQ(back["to"], "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  EXPECT_TRUE(eth_outbox_call::parse(back));
  // value is optional (0).
  j.erase("value");
  EXPECT_EQ(eth_outbox_call::parse(j)->value, wei(0));
  for (auto [key, bad] : std::vector<std::pair<std::string, json>>{
         {"to", "0x1234"}, {"to", nullptr}, {"data", "a9059cbb"}, {"data", "0xzz"},
         {"gas_limit", "0"}, {"gas_limit", 21000}, {"gas_limit", "30000001"}, {"value", 5},
         {"value", "-1"}}) {
    auto broken = j;
    broken[key] = bad;
    auto r = eth_outbox_call::parse(broken);
    EXPECT_FALSE(r) << key << " = " << bad.dump();
    if (!r) {
      EXPECT_EQ(code_of(r.error()), ec::invalid_input);
    }
  }
  json no_gas = j;
  no_gas.erase("gas_limit");
  EXPECT_FALSE(eth_outbox_call::parse(no_gas)); // the caller sets it
}

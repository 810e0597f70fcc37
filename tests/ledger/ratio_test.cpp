// The ratio formula (storage/ratio.hpp) and the contract's bounds. Expected
// values are computed with Python's arbitrary-precision integers from the
// formulas in docs/ratio.md (shown next to each), not with this code.
#include "storage/ratio.hpp"

#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::ledger;

namespace {

const u256 e18 = u256::pow10(18);
const u256 ksm = u256::pow10(12);

u256 n(const char* dec) {
  return *u256::from_dec(dec);
}

u256 times(const u256& a, uint64_t k) {
  return *chain::eth::checked_mul(a, u256{k});
}

// docs/ratio.md's worked example: 1,000 KSM deposited at ratio 1e18 (400 claimed
// on Ethereum, 600 unclaimed), 10 KSM of rewards on chain, 0.5 KSM below minimum.
ratio_inputs example() {
  ratio_inputs in;
  in.held_on_chain = n("1010500000000000");      // 1010.5 KSM
  in.refundable = n("500000000000");             // 0.5 KSM
  in.eth_total_shares = times(e18, 400);
  in.unclaimed_shares = times(e18, 600);
  in.current_ratio = e18;
  in.fee_bps = 200;
  return in;
}

} // namespace

TEST(ratio_formula, the_worked_example) {
  auto r = compute_ratio(example());
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->pool_value, times(ksm, 1010));
  EXPECT_EQ(r->all_shares, times(e18, 1000));
  EXPECT_EQ(r->implied_value, times(ksm, 1000));
  EXPECT_FALSE(r->loss);
  EXPECT_EQ(r->reward, times(ksm, 10));
  EXPECT_EQ(r->fee, n("200000000000")); // 2% of 10 KSM = 0.2 KSM
  // python: -(-1000*10**18 * 10**12 // (1009800 * 10**9)) = 990295107942166766
  EXPECT_EQ(r->new_ratio, n("990295107942166766"));
  EXPECT_EQ(r->to_json()["reward_planck"], "10000000000000");
}

TEST(ratio_formula, what_is_owed_to_others_is_never_the_pools) {
  auto in = example();
  // 250 shares burned at 1e18 (250 KSM owed, not yet paid, so still held) and
  // 2 KSM already booked in the fee ledger (held too): the reward is the same
  // 10 KSM as without them.
  in.held_on_chain = n("1012500000000000");
  in.owed_payouts = times(ksm, 250);
  in.fee_balance = times(ksm, 2);
  in.eth_total_shares = times(e18, 150);
  auto r = compute_ratio(in);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->pool_value, times(ksm, 760)); // 1012.5 - 250 - 0.5 - 2
  EXPECT_EQ(r->implied_value, times(ksm, 750));
  EXPECT_EQ(r->reward, times(ksm, 10));
  EXPECT_EQ(r->fee, n("200000000000"));
  // python: -(-750*10**18*10**12 // (7598*10**11)) = 987101868912871809
  EXPECT_EQ(r->new_ratio, n("987101868912871809"));
}

TEST(ratio_formula, a_loss_takes_no_fee_and_every_share_bears_it) {
  auto in = example();
  in.held_on_chain = n("990500000000000"); // a 20 KSM slash from 1010.5
  auto r = compute_ratio(in);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_TRUE(r->loss);
  EXPECT_EQ(r->reward, times(ksm, 10)); // 990 vs 1000 implied
  EXPECT_EQ(r->fee, u256{0});
  // python: -(-1000*10**18 * 10**12 // (990 * 10**12)) = 1010101010101010102
  EXPECT_EQ(r->new_ratio, n("1010101010101010102"));
  EXPECT_GT(r->new_ratio, e18); // the ratio rises: each share is worth less
}

TEST(ratio_formula, no_reward_leaves_the_ratio_and_takes_no_fee) {
  auto in = example();
  in.held_on_chain = n("1000500000000000");
  auto r = compute_ratio(in);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->reward.is_zero());
  EXPECT_TRUE(r->fee.is_zero());
  EXPECT_EQ(r->new_ratio, e18);
}

TEST(ratio_formula, rounding_is_in_the_pools_favour) {
  // 3 shares are worth 0 planck when floored: the dust is reward, never a loss.
  ratio_inputs in;
  in.held_on_chain = u256{1};
  in.unclaimed_shares = u256{3};
  in.current_ratio = e18;
  auto r = compute_ratio(in);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->loss);
  EXPECT_EQ(r->implied_value, u256{0});
  // fee floor(1 * 200 / 10000) = 0; ratio ceil(3e12 / 1) = 3e12
  EXPECT_EQ(r->fee, u256{0});
  EXPECT_EQ(r->new_ratio, n("3000000000000"));
  // Rounded up: at the new ratio the shares are never worth more than the pool holds.
  auto example_r = compute_ratio(example());
  auto worth = chain::eth::checked_mul_div(example_r->all_shares, ksm, example_r->new_ratio);
  EXPECT_LE(*worth, *chain::eth::checked_sub(example_r->pool_value, example_r->fee));
}

TEST(ratio_formula, refuses_what_cannot_be_computed) {
  auto in = example();
  in.fee_bps = 10001;
  EXPECT_TRUE(is(compute_ratio(in).error(), ec::invalid_input));
  in = example();
  in.current_ratio = u256{0};
  EXPECT_TRUE(is(compute_ratio(in).error(), ec::invalid_input));
  in = example();
  in.eth_total_shares = in.unclaimed_shares = u256{0};
  EXPECT_TRUE(is(compute_ratio(in).error(), ec::invalid_state));
  in = example();
  in.owed_payouts = in.held_on_chain; // owes everything it holds
  EXPECT_TRUE(is(compute_ratio(in).error(), ec::invalid_state));
}

TEST(ratio_bounds, as_the_contract_checks_them) {
  ratio_bounds b{86400, 1500, 1000}; // a day, 15%/year, 10% loss
  const auto wanted = n("990295107942166766");
  // Too soon.
  EXPECT_EQ(bound_ratio(e18, wanted, 86399, b).decision, ratio_decision::too_soon);
  // 1% in one day is far above 15%/year: clamped to the contract's minimum.
  // python: base=10000*365*86400; g=base+1500*86400; -(-10**18*base//g) = 999589209913734082
  auto day = bound_ratio(e18, wanted, 86400, b);
  EXPECT_EQ(day.decision, ratio_decision::publish_clamped);
  EXPECT_EQ(day.ratio, n("999589209913734082"));
  EXPECT_EQ(day.min_allowed, n("999589209913734082"));
  // A small reward is published as computed.
  auto small = bound_ratio(e18, n("999900000000000000"), 86400, b);
  EXPECT_EQ(small.decision, ratio_decision::publish);
  EXPECT_EQ(small.ratio, n("999900000000000000"));
  // Losses: within 10% published, beyond refused (never sent).
  EXPECT_EQ(bound_ratio(e18, n("1100000000000000000"), 86400, b).decision, ratio_decision::publish);
  EXPECT_EQ(bound_ratio(e18, n("1100000000000000001"), 86400, b).decision,
            ratio_decision::loss_beyond_bound);
  EXPECT_EQ(bound_ratio(e18, e18, 90000, b).decision, ratio_decision::no_change);
  EXPECT_EQ(bound_ratio(e18, e18, 90000, b).max_allowed, n("1100000000000000000"));
}

TEST(ratio_bounds, a_skipped_day_widens_the_ceiling_by_the_elapsed_time_as_the_contract_computes) {
  ratio_bounds b{86400, 1500, 1000};
  const auto wanted = n("990295107942166766"); // 1% earned while the daemon was down
  // Three days since aKSMb's last update: the ceiling is three days of 15%/year.
  // python: base=10000*365*86400; g=base+1500*86400*3; -(-10**18*base//g) = 998768641401012451
  auto three = bound_ratio(e18, wanted, 3 * 86400, b);
  EXPECT_EQ(three.decision, ratio_decision::publish_clamped);
  EXPECT_EQ(three.ratio, n("998768641401012451"));
  EXPECT_LT(three.ratio, bound_ratio(e18, wanted, 86400, b).ratio) << "more time, more reward allowed";
  // A reward within three days' ceiling (but above one day's) is published as computed.
  EXPECT_EQ(bound_ratio(e18, n("999000000000000000"), 3 * 86400, b).decision, ratio_decision::publish);
  EXPECT_EQ(bound_ratio(e18, n("999000000000000000"), 86400, b).decision,
            ratio_decision::publish_clamped);
}

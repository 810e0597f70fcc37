// The payout queue's pure decisions (actors/payout_policy) on hand-built
// staking snapshots: what free KSM can fund, what to sweep, withdraw, unbond
// (most active first, within the chunk limit, chilling a stash that would
// fall below the minimum bond) or rebond, when each request can be paid, and
// how many payouts one extrinsic carries.
#include "actors/payout_policy.hpp"

#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::payout_policy;

namespace {

account32 acct(uint8_t n) {
  account32 a{};
  a.fill(n);
  return a;
}

const account32 payout = acct(0xd0);
const account32 stash_a = acct(0xa1);
const account32 stash_b = acct(0xa2);
const account32 stash_c = acct(0xa3);

constexpr u128 ed = 10;
constexpr u128 fee = 5;
constexpr u128 min_bond = 1000;
constexpr uint32_t era_now = 100;
constexpr uint64_t era_ms = 21'600'000; // 6 h
constexpr uint64_t now_ms = 1'000'000'000;

kusama::staking_snapshot base_snapshot() {
  kusama::staking_snapshot s;
  s.number = 500;
  s.timestamp_ms = now_ms;
  s.constants.existential_deposit = ed;
  s.constants.max_nominations = 24;
  s.constants.bonding_duration = 28;
  s.constants.max_unlocking_chunks = 4;
  s.min_nominator_bond = min_bond;
  s.active_era = era_now;
  s.current_era = era_now;
  s.balances[payout] = {ed + fee, 0, 0, 0};
  return s;
}

void set_free(kusama::staking_snapshot& s, const account32& a, u128 free) {
  s.balances[a] = {free, 0, 0, 0};
}

// A nominating stash (hold-based: the bond is reserved) with ED + fee reserve free.
void bonded(kusama::staking_snapshot& s, const account32& a, u128 active,
            std::vector<kusama::unlocking_chunk> unlocking = {}, bool nominating = true) {
  u128 total = active;
  for (auto& c : unlocking)
    total += c.value;
  s.balances[a] = {ed + fee, total, 0, 0};
  s.ledgers[a] = {a, total, active, unlocking};
  if (nominating)
    s.nominations[a] = {acct(0x77)};
}

policy_config config() {
  policy_config cfg;
  cfg.fee_reserve = fee;
  cfg.min_rebond = 50;
  cfg.max_batch_items = 500;
  cfg.weight_safety_percent = 75;
  return cfg;
}

const std::vector<account32> stashes{stash_a, stash_b, stash_c};

queue_plan plan(const kusama::staking_snapshot& s, u128 unfunded, u128 set_aside = 0,
                u128 not_pool = 0) {
  return plan_queue(s, payout, stashes, {unfunded, set_aside}, not_pool, config());
}

} // namespace

TEST(payout_policy, fundable_free_ksm_keeps_ed_fee_reserve_and_what_is_not_the_pools) {
  auto s = base_snapshot();
  set_free(s, payout, 1000);
  EXPECT_EQ(fundable_now(s, payout, 0, config()), u128(1000 - ed - fee));
  EXPECT_EQ(fundable_now(s, payout, 85, config()), u128(900));
  EXPECT_EQ(fundable_now(s, payout, 5000, config()), u128(0)) << "floored, never negative";
  s.balances[payout] = {1000, 0, 300, 0}; // 300 frozen (a lock): untouchable
  EXPECT_EQ(fundable_now(s, payout, 0, config()), u128(1000 - 300 - fee));
}

TEST(payout_policy, free_ksm_covers_the_queue_without_unbonding_anything) {
  auto s = base_snapshot();
  set_free(s, payout, 2000 + ed + fee);
  bonded(s, stash_a, 50'000);
  auto p = plan(s, 1500, 500);
  EXPECT_EQ(p.free_for_queue, u128(1500));
  EXPECT_EQ(p.shortfall, u128(0));
  EXPECT_TRUE(p.unbonds.empty());
  EXPECT_TRUE(p.sweeps.empty());
  EXPECT_TRUE(p.rebonds.empty());
}

TEST(payout_policy, the_stash_with_the_most_active_stake_unbonds_first) {
  auto s = base_snapshot();
  bonded(s, stash_a, 5000);
  bonded(s, stash_b, 20'000);
  bonded(s, stash_c, 8000);
  auto p = plan(s, 3000);
  EXPECT_EQ(p.shortfall, u128(3000));
  ASSERT_EQ(p.unbonds.size(), 1u);
  EXPECT_EQ(p.unbonds[0].stash, stash_b);
  EXPECT_EQ(p.unbonds[0].amount, u128(3000));
  EXPECT_FALSE(p.unbonds[0].chill);
}

TEST(payout_policy, unbonding_keeps_every_stash_at_the_minimum_bond_before_chilling_any) {
  auto s = base_snapshot();
  bonded(s, stash_a, 3000);
  bonded(s, stash_b, 4000);
  auto p = plan(s, 4500); // 3000 from b (keeps 1000), 1500 from a (keeps 1500)
  ASSERT_EQ(p.unbonds.size(), 2u);
  EXPECT_EQ(p.unbonds[0].stash, stash_b);
  EXPECT_EQ(p.unbonds[0].amount, u128(3000));
  EXPECT_EQ(p.unbonds[1].stash, stash_a);
  EXPECT_EQ(p.unbonds[1].amount, u128(1500));
  EXPECT_FALSE(p.unbonds[0].chill || p.unbonds[1].chill);
  EXPECT_EQ(p.unbond_uncovered, u128(0));
}

TEST(payout_policy, a_stash_that_would_fall_below_the_minimum_bond_is_chilled_and_unbonded_whole) {
  auto s = base_snapshot();
  bonded(s, stash_a, 3000);
  bonded(s, stash_b, 4000);
  auto p = plan(s, 5500); // pass 1 gives 5000; b (most active) is chilled and emptied
  ASSERT_EQ(p.unbonds.size(), 2u);
  EXPECT_EQ(p.unbonds[0].stash, stash_b);
  EXPECT_EQ(p.unbonds[0].amount, u128(4000));
  EXPECT_TRUE(p.unbonds[0].chill);
  EXPECT_EQ(p.unbonds[1].stash, stash_a);
  EXPECT_EQ(p.unbonds[1].amount, u128(2000));
  EXPECT_FALSE(p.unbonds[1].chill);
  u128 total = 0;
  for (auto& u : p.unbonds) {
    auto& l = s.ledgers.at(u.stash);
    EXPECT_TRUE(u.amount == l.active || l.active - u.amount >= min_bond)
      << "no nominating stash is left between 0 and the minimum bond";
    total += u.amount;
  }
  EXPECT_GE(total, p.shortfall);
}

TEST(payout_policy, a_stash_that_does_not_nominate_unbonds_only_what_is_needed) {
  auto s = base_snapshot();
  bonded(s, stash_a, 3000, {}, /*nominating=*/false);
  auto p = plan(s, 2500);
  ASSERT_EQ(p.unbonds.size(), 1u);
  EXPECT_EQ(p.unbonds[0].amount, u128(2500));
  EXPECT_FALSE(p.unbonds[0].chill);
  p = plan(s, 2995); // 5 would stay bonded, under ED: all of it
  EXPECT_EQ(p.unbonds[0].amount, u128(3000));
}

TEST(payout_policy, a_stash_with_full_unlocking_chunks_is_skipped_unless_the_unbond_merges) {
  auto s = base_snapshot();
  std::vector<kusama::unlocking_chunk> full{{10, 101}, {10, 102}, {10, 103}, {10, 104}};
  bonded(s, stash_b, 50'000, full); // most active, but 4 of 4 chunks waiting
  bonded(s, stash_a, 9000);
  auto p = plan(s, 3040); // 40 already unlocking on b
  ASSERT_EQ(p.unbonds.size(), 1u);
  EXPECT_EQ(p.unbonds[0].stash, stash_a);
  EXPECT_EQ(p.unbonds[0].amount, u128(3000));
  ASSERT_EQ(p.skipped.size(), 2u);
  EXPECT_EQ(p.skipped[0].stash, stash_b);
  EXPECT_EQ(p.skipped[0].reason, "unlocking chunks full (4 of 4)");
  EXPECT_EQ(p.skipped[1].stash, stash_c);
  EXPECT_EQ(p.skipped[1].reason, "no ledger");
  // The newest chunk unlocks at era + bonding duration: a new unbond merges into it.
  full.back().era = era_now + 28;
  bonded(s, stash_b, 50'000, full);
  p = plan(s, 3040);
  ASSERT_EQ(p.unbonds.size(), 1u);
  EXPECT_EQ(p.unbonds[0].stash, stash_b);
  // A chunk whose era has come is withdrawn first and frees its slot.
  full = {{10, era_now - 1}, {10, 102}, {10, 103}, {10, 104}};
  bonded(s, stash_b, 50'000, full);
  p = plan(s, 3040);
  ASSERT_EQ(p.withdraws.size(), 1u);
  EXPECT_EQ(p.withdraws[0].stash, stash_b);
  EXPECT_EQ(p.withdraws[0].amount, u128(10));
  ASSERT_EQ(p.unbonds.size(), 1u);
  EXPECT_EQ(p.unbonds[0].stash, stash_b);
  EXPECT_EQ(p.unbonds[0].amount, u128(3000));
}

TEST(payout_policy, when_no_stash_can_unbond_the_uncovered_need_is_reported) {
  auto s = base_snapshot();
  std::vector<kusama::unlocking_chunk> full{{1, 101}, {1, 102}, {1, 103}, {1, 104}};
  bonded(s, stash_a, 9000, full);
  auto p = plan(s, 1004);
  EXPECT_EQ(p.shortfall, u128(1000));
  EXPECT_TRUE(p.unbonds.empty());
  EXPECT_EQ(p.unbond_uncovered, u128(1000));
}

TEST(payout_policy, what_is_already_unlocking_or_withdrawable_is_not_unbonded_again) {
  auto s = base_snapshot();
  bonded(s, stash_a, 9000, {{700, era_now}, {500, era_now + 5}});
  auto p = plan(s, 1200);
  EXPECT_EQ(p.withdrawable, u128(700));
  EXPECT_EQ(p.unlocking, u128(500));
  EXPECT_EQ(p.shortfall, u128(0));
  EXPECT_TRUE(p.unbonds.empty());
  ASSERT_EQ(p.withdraws.size(), 1u) << "withdraw_unbonded once a chunk's era has come";
  EXPECT_EQ(p.withdraws[0].amount, u128(700));
  p = plan(s, 1300);
  EXPECT_EQ(p.shortfall, u128(100));
}

TEST(payout_policy, withdrawn_stash_balance_is_swept_to_the_payout_account_only_up_to_the_need) {
  auto s = base_snapshot();
  bonded(s, stash_a, 9000);
  s.balances[stash_a].free = ed + fee + 800; // withdrawn earlier
  set_free(s, payout, ed + fee + 100);
  auto p = plan(s, 600);
  ASSERT_EQ(p.sweeps.size(), 1u);
  EXPECT_EQ(p.sweeps[0].amount, u128(500));
  EXPECT_TRUE(p.unbonds.empty());
}

TEST(payout_policy, the_need_vanishing_before_the_unlock_ends_rebonds_the_latest_chunks) {
  auto s = base_snapshot();
  bonded(s, stash_a, 9000, {{300, era_now + 2}, {400, era_now + 20}});
  bonded(s, stash_b, 9000, {{200, era_now + 10}});
  auto p = plan(s, 250); // 900 unlocking, 250 needed: 650 goes back to work
  EXPECT_TRUE(p.unbonds.empty());
  // Latest unlock first: a's era +20 chunk (400), b's era +10 (200), then 50
  // of a's era +2 chunk; one rebond per stash.
  ASSERT_EQ(p.rebonds.size(), 2u);
  EXPECT_EQ(p.rebonds[0].stash, stash_a);
  EXPECT_EQ(p.rebonds[0].amount, u128(450));
  EXPECT_EQ(p.rebonds[1].stash, stash_b);
  EXPECT_EQ(p.rebonds[1].amount, u128(200));
  EXPECT_EQ(p.unlocking - 650, u128(250)) << "exactly the need stays unlocking";
  p = plan(s, 0);
  u128 total = 0;
  for (auto& r : p.rebonds)
    total += r.amount;
  EXPECT_EQ(total, u128(900));
  p = plan(s, 870); // 30 excess, below min_rebond: left alone
  EXPECT_TRUE(p.rebonds.empty());
}

TEST(payout_policy, nothing_is_rebonded_while_the_queue_is_short) {
  auto s = base_snapshot();
  bonded(s, stash_a, 9000, {{300, era_now + 2}, {400, era_now + 20}});
  auto p = plan(s, 1000);
  EXPECT_EQ(p.shortfall, u128(300));
  EXPECT_TRUE(p.rebonds.empty());
  ASSERT_EQ(p.unbonds.size(), 1u);
  EXPECT_EQ(p.unbonds[0].amount, u128(300));
}

TEST(payout_policy, unbonding_adds_the_margin_and_rounds_up_to_the_step_so_fee_drain_cannot_starve_the_head) {
  auto s = base_snapshot();
  bonded(s, stash_a, 20'000);
  auto cfg = config();
  cfg.unbond_margin = 30;
  cfg.unbond_step = 100;
  auto p = plan_queue(s, payout, stashes, {1234, 0}, 0, cfg);
  EXPECT_EQ(p.shortfall, u128(1234)) << "the shortfall itself is what the queue lacks";
  ASSERT_EQ(p.unbonds.size(), 1u);
  EXPECT_EQ(p.unbonds[0].amount, u128(1300)) << "1234 + 30, rounded up to 100";
  EXPECT_EQ(p.unbond_uncovered, u128(0));
  // Exactly on the step after the margin: not rounded further.
  p = plan_queue(s, payout, stashes, {1270, 0}, 0, cfg);
  ASSERT_EQ(p.unbonds.size(), 1u);
  EXPECT_EQ(p.unbonds[0].amount, u128(1300));
}

TEST(payout_policy, the_unbond_slack_is_never_rebonded_so_rounding_does_not_churn) {
  auto s = base_snapshot();
  // 1300 unlocking for a need of 1234 (the margin and step above): 66 excess
  // is within margin + step (130) and stays.
  bonded(s, stash_a, 20'000, {{1300, era_now + 28}});
  auto cfg = config();
  cfg.unbond_margin = 30;
  cfg.unbond_step = 100;
  cfg.min_rebond = 1;
  auto p = plan_queue(s, payout, stashes, {1234, 0}, 0, cfg);
  EXPECT_EQ(p.shortfall, u128(0));
  EXPECT_TRUE(p.unbonds.empty());
  EXPECT_TRUE(p.rebonds.empty());
  // A smaller need: what exceeds need + slack goes back to work.
  p = plan_queue(s, payout, stashes, {1000, 0}, 0, cfg);
  ASSERT_EQ(p.rebonds.size(), 1u);
  EXPECT_EQ(p.rebonds[0].amount, u128(1300 - 1000 - 130));
  // The need gone: all of it goes back to work.
  p = plan_queue(s, payout, stashes, {0, 0}, 0, cfg);
  ASSERT_EQ(p.rebonds.size(), 1u);
  EXPECT_EQ(p.rebonds[0].amount, u128(1300));
}

TEST(payout_policy, a_sweep_takes_the_margin_on_top_of_the_need_when_the_stash_has_it) {
  auto s = base_snapshot();
  set_free(s, stash_a, ed + fee + 500);
  auto cfg = config();
  cfg.unbond_margin = 30;
  auto p = plan_queue(s, payout, stashes, {200, 0}, 0, cfg);
  ASSERT_EQ(p.sweeps.size(), 1u);
  EXPECT_EQ(p.sweeps[0].amount, u128(230));
  p = plan_queue(s, payout, stashes, {0, 0}, 0, cfg);
  EXPECT_TRUE(p.sweeps.empty()) << "nothing owed: nothing swept";
}

TEST(payout_policy, expected_release_is_eras_left_times_era_duration) {
  auto s = base_snapshot();
  set_free(s, payout, ed + fee + 100);
  bonded(s, stash_a, 9000, {{300, era_now + 3}});
  // Requests: 100 (free now), 200 (the chunk at +3), 500 (a new unbond: +28).
  auto p = plan(s, 800);
  ASSERT_EQ(p.unbonds.size(), 1u);
  auto at = expected_release_ms(s, stashes, p, {100, 200, 500}, era_ms);
  ASSERT_EQ(at.size(), 3u);
  EXPECT_EQ(at[0], std::optional<uint64_t>{now_ms});
  EXPECT_EQ(at[1], std::optional<uint64_t>{now_ms + 3 * era_ms});
  EXPECT_EQ(at[2], std::optional<uint64_t>{now_ms + 28 * era_ms});
  // Nothing planned covers a request beyond the plan's need.
  at = expected_release_ms(s, stashes, p, {100, 200, 500, 1}, era_ms);
  EXPECT_EQ(at[3], std::nullopt);
}

TEST(payout_policy, era_duration_comes_from_the_runtimes_constants) {
  EXPECT_EQ(era_duration_ms(600, 6, 6000), 21'600'000u); // Kusama: 6 hours
  EXPECT_EQ(era_duration_ms(0, 6, 6000), 0u);
}

TEST(payout_policy, batch_size_follows_the_reported_weights_not_a_constant) {
  auto cfg = config();
  weight item{1'000'000, 4000};
  weight base{5'000'000, 0};
  weight max{2'000'000'000, 5'000'000};
  // ref_time: (1.5e9 - 5e6) / 1e6 = 1495; proof: 3.75e6 / 4000 = 937.
  cfg.max_batch_items = 5000;
  EXPECT_EQ(max_batch_items(item, base, max, cfg), 937u);
  cfg.max_batch_items = 100;
  EXPECT_EQ(max_batch_items(item, base, max, cfg), 100u) << "the configured cap";
  cfg.max_batch_items = 5000;
  max.ref_time = 500'000'000; // a smaller block: (3.75e8 - 5e6) / 1e6 = 370
  EXPECT_EQ(max_batch_items(item, base, max, cfg), 370u);
  EXPECT_EQ(max_batch_items(item, {400'000'000, 0}, max, cfg), 0u) << "not even one fits";
  // Weight V1 runtimes meter no proof size: that dimension does not limit.
  EXPECT_EQ(max_batch_items({1'000'000, 0}, base, {500'000'000, 0}, cfg), 370u);
}

TEST(payout_policy, a_payout_to_a_missing_or_dust_account_below_ed_is_not_payable) {
  auto s = base_snapshot();
  const account32 fresh = acct(0x01), dust = acct(0x02), alive = acct(0x03);
  set_free(s, fresh, 0);
  set_free(s, dust, 4);
  set_free(s, alive, 500);
  EXPECT_EQ(check_payout(s, fresh, ed), payability::payable) << "ED or more creates the account";
  EXPECT_EQ(check_payout(s, fresh, ed - 1), payability::recipient_missing);
  EXPECT_EQ(check_payout(s, dust, 3), payability::below_existential_deposit);
  EXPECT_EQ(check_payout(s, dust, 6), payability::payable) << "4 + 6 reaches ED";
  EXPECT_EQ(check_payout(s, alive, 1), payability::payable);
  EXPECT_EQ(check_payout(s, acct(0x09), 1), payability::unknown) << "not read: never guessed";
  EXPECT_STREQ(to_string(payability::recipient_missing), "recipient_missing");
}

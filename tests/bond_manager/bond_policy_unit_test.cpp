// The bond/nominate manager's pure decisions (actors/bond_policy) on
// hand-built staking snapshots: funding by water-filling, nominations with a
// reason for every skipped candidate, payouts oldest first.
#include "actors/bond_policy.hpp"
#include "chain/sig/ss58.hpp"

#include <gtest/gtest.h>

#include <numeric>

using namespace lstaked;
using namespace lstaked::bond_policy;

namespace {

account32 acct(uint8_t n) {
  account32 a{};
  a.fill(n);
  return a;
}

const account32 deposit = acct(0xd0);
const account32 stash_a = acct(0xa1);
const account32 stash_b = acct(0xa2);
const account32 stash_c = acct(0xa3);
const account32 fresh = acct(0xa4); // a stash without a ledger

constexpr u128 ed = 10;
constexpr u128 fee = 5;
constexpr u128 min_bond = 1000;

kusama::staking_snapshot base_snapshot() {
  kusama::staking_snapshot s;
  s.number = 100;
  s.timestamp_ms = 1'000'000'000;
  s.constants.existential_deposit = ed;
  s.constants.max_nominations = 24;
  s.constants.history_depth = 84;
  s.constants.bonding_duration = 28;
  s.constants.max_unlocking_chunks = 32;
  s.min_nominator_bond = min_bond;
  s.active_era = 10;
  s.current_era = 10;
  return s;
}

void set_free(kusama::staking_snapshot& s, const account32& a, u128 free, u128 reserved = 0,
              u128 frozen = 0) {
  s.balances[a] = {free, reserved, frozen, 0};
}

// A bonded stash (hold-based: the bond is reserved) with ED + fee reserve free.
void bonded(kusama::staking_snapshot& s, const account32& a, u128 active, u128 extra_free = 0) {
  set_free(s, a, ed + fee + extra_free, active);
  s.ledgers[a] = {a, active, active, {}};
}

policy_config config() {
  policy_config cfg;
  cfg.fee_reserve = fee;
  cfg.deposit_buffer = 100;
  cfg.min_step = 1;
  cfg.max_commission_perbill = 100'000'000; // 10 %
  cfg.slash_lookback_eras = 28;
  cfg.nomination_interval_ms = 86'400'000;
  cfg.payouts_per_batch = 8;
  return cfg;
}

u128 given_to(const funding_plan& p, const account32& a) {
  for (auto& t : p.transfers)
    if (t.to == a)
      return t.amount;
  return 0;
}

const bond_step* bond_of(const funding_plan& p, const account32& a) {
  for (auto& b : p.bonds)
    if (b.stash == a)
      return &b;
  return nullptr;
}

// The next finalized snapshot: the plan's transfers have arrived, and the
// deposit account keeps only `kept`.
void arrive(kusama::staking_snapshot& s, const funding_plan& p, const account32& from, u128 kept) {
  for (auto& t : p.transfers)
    s.balances[t.to].free += t.amount;
  s.balances[from].free = kept;
}

u128 transferred(const funding_plan& p) {
  u128 sum = 0;
  for (auto& t : p.transfers)
    sum += t.amount;
  return sum;
}

} // namespace

// ---- funding -------------------------------------------------------------------

TEST(plan_funding, water_fills_three_stashes_to_one_level_and_moves_exactly_the_movable_amount) {
  auto s = base_snapshot();
  bonded(s, stash_a, 5000);
  bonded(s, stash_b, 3000);
  bonded(s, stash_c, 1000);
  auto cfg = config();
  // Kept on the deposit account: ED 10 + fee reserve 5 + buffer 100 + refundable 200.
  set_free(s, deposit, 7000 + 315);
  auto p = plan_funding(s, deposit, {stash_a, stash_b, stash_c}, 200, cfg);
  EXPECT_EQ(p.movable, u128(7000));
  EXPECT_EQ(transferred(p), u128(7000));
  // Levels 5015, 3015, 1015 + 7000 = 16045 over three: 5348 each, one planck left
  // for the lowest.
  EXPECT_EQ(given_to(p, stash_a), u128(333));
  EXPECT_EQ(given_to(p, stash_b), u128(2333));
  EXPECT_EQ(given_to(p, stash_c), u128(4334));
  // Nothing is bonded before it arrived (two signers: no order inside a block).
  EXPECT_TRUE(p.bonds.empty());
  // Next snapshot: each stash bonds what arrived (its own ED + fee reserve stay free).
  auto sent = p;
  arrive(s, p, deposit, 315);
  auto q = plan_funding(s, deposit, {stash_a, stash_b, stash_c}, 200, cfg);
  EXPECT_TRUE(q.transfers.empty());
  for (auto& st : {stash_a, stash_b, stash_c}) {
    auto* b = bond_of(q, st);
    ASSERT_NE(b, nullptr);
    EXPECT_TRUE(b->extra);
    EXPECT_EQ(b->amount, given_to(sent, st));
  }
  auto j = p.to_json();
  EXPECT_EQ(j["movable"], "7000");
  EXPECT_EQ(j["transfers"].size(), 3u);
  EXPECT_EQ(q.to_json()["bonds"][0]["call"], "bond_extra");
}

TEST(plan_funding, a_stash_above_the_water_level_receives_nothing) {
  auto s = base_snapshot();
  bonded(s, stash_a, 10'000);
  bonded(s, stash_b, 1000);
  set_free(s, deposit, 3000 + 115);
  auto p = plan_funding(s, deposit, {stash_a, stash_b}, 0, config());
  EXPECT_EQ(p.movable, u128(3000));
  EXPECT_EQ(given_to(p, stash_a), u128(0));
  EXPECT_EQ(given_to(p, stash_b), u128(3000));
  ASSERT_EQ(p.transfers.size(), 1u);
  EXPECT_EQ(bond_of(p, stash_a), nullptr);
}

TEST(plan_funding, a_new_stash_below_min_nominator_bond_gets_nothing_and_the_rest_goes_to_the_others) {
  auto s = base_snapshot();
  bonded(s, stash_a, 1000);
  // movable 1000: the fair share of the new stash (1000) is below MinNominatorBond
  // + ED + fee reserve (1015), so it gets nothing and stash_a everything.
  set_free(s, deposit, 1000 + 115);
  auto p = plan_funding(s, deposit, {stash_a, fresh}, 0, config());
  EXPECT_EQ(given_to(p, fresh), u128(0));
  EXPECT_EQ(bond_of(p, fresh), nullptr);
  EXPECT_EQ(given_to(p, stash_a), u128(1000));
  EXPECT_EQ(bond_of(p, stash_a), nullptr);
  {
    auto next = s;
    arrive(next, p, deposit, 115);
    auto q = plan_funding(next, deposit, {stash_a, fresh}, 0, config());
    ASSERT_NE(bond_of(q, stash_a), nullptr);
    EXPECT_TRUE(bond_of(q, stash_a)->extra);
    EXPECT_EQ(bond_of(q, stash_a)->amount, u128(1000));
  }

  // movable 1500: levels 0 and 1015 rise to 1257/1258; the new stash's share
  // reaches its minimum, so it is funded and bonds for the first time (bond).
  set_free(s, deposit, 1500 + 115);
  p = plan_funding(s, deposit, {stash_a, fresh}, 0, config());
  EXPECT_EQ(transferred(p), u128(1500));
  EXPECT_EQ(given_to(p, fresh), u128(1258));
  EXPECT_EQ(given_to(p, stash_a), u128(242));
  EXPECT_EQ(bond_of(p, fresh), nullptr);
  arrive(s, p, deposit, 115);
  p = plan_funding(s, deposit, {stash_a, fresh}, 0, config());
  auto* b = bond_of(p, fresh);
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(b->extra);
  EXPECT_EQ(b->amount, u128(1258 - ed - fee));
  EXPECT_GE(b->amount, min_bond);
}

TEST(plan_funding, of_two_new_stashes_only_the_one_that_can_reach_the_minimum_is_funded) {
  auto s = base_snapshot();
  auto other = acct(0xa5);
  set_free(s, deposit, 1500 + 115);
  // Both start empty: shared equally (750 each) neither reaches 1015; one drops
  // out and the other takes it all.
  auto p = plan_funding(s, deposit, {fresh, other}, 0, config());
  ASSERT_EQ(p.transfers.size(), 1u);
  EXPECT_EQ(p.transfers[0].amount, u128(1500));
  EXPECT_TRUE(p.bonds.empty());
  auto to = p.transfers[0].to;
  arrive(s, p, deposit, 115);
  p = plan_funding(s, deposit, {fresh, other}, 0, config());
  ASSERT_EQ(p.bonds.size(), 1u);
  EXPECT_EQ(p.bonds[0].stash, to);
  EXPECT_FALSE(p.bonds[0].extra);
  EXPECT_EQ(p.bonds[0].amount, u128(1500 - ed - fee));
}

TEST(plan_funding, reserves_refundable_and_frozen_funds_are_never_moved) {
  auto s = base_snapshot();
  bonded(s, stash_a, 1000);
  auto cfg = config();
  // Exactly ED + fee reserve + buffer + refundable: nothing to move.
  set_free(s, deposit, ed + fee + 100 + 5000);
  auto p = plan_funding(s, deposit, {stash_a}, 5000, cfg);
  EXPECT_EQ(p.movable, u128(0));
  EXPECT_TRUE(p.transfers.empty());
  // Less than the reserves: movable saturates at 0, never wraps.
  set_free(s, deposit, 50);
  p = plan_funding(s, deposit, {stash_a}, 5000, cfg);
  EXPECT_EQ(p.movable, u128(0));
  EXPECT_TRUE(p.transfers.empty());
  // A frozen part (a lock) larger than the ED is kept instead of the ED.
  set_free(s, deposit, 2000, 0, 1000);
  p = plan_funding(s, deposit, {stash_a}, 0, cfg);
  EXPECT_EQ(p.movable, u128(2000 - 1000 - fee - 100));
  EXPECT_EQ(transferred(p), p.movable);
}

TEST(plan_funding, amounts_below_min_step_are_neither_sent_nor_bonded) {
  auto s = base_snapshot();
  bonded(s, stash_a, 1000, 50); // 50 of rewards paid to free
  auto cfg = config();
  cfg.min_step = 100;
  set_free(s, deposit, 80 + 115);
  auto p = plan_funding(s, deposit, {stash_a}, 0, cfg);
  EXPECT_EQ(p.movable, u128(80));
  EXPECT_TRUE(p.transfers.empty());
  EXPECT_TRUE(p.bonds.empty()); // 50 own + nothing arriving < 100

  // 200 of its own above ED + fee reserve: bond_extra without any transfer.
  bonded(s, stash_a, 1000, 200);
  p = plan_funding(s, deposit, {stash_a}, 0, cfg);
  EXPECT_TRUE(p.transfers.empty());
  ASSERT_EQ(p.bonds.size(), 1u);
  EXPECT_TRUE(p.bonds[0].extra);
  EXPECT_EQ(p.bonds[0].amount, u128(200));
}

TEST(plan_funding, a_new_stash_bonds_its_own_funds_only_from_min_nominator_bond_on) {
  auto s = base_snapshot();
  auto cfg = config();
  set_free(s, deposit, 115);
  set_free(s, fresh, min_bond + ed + fee - 1);
  auto p = plan_funding(s, deposit, {fresh}, 0, cfg);
  EXPECT_TRUE(p.bonds.empty());
  set_free(s, fresh, min_bond + ed + fee);
  p = plan_funding(s, deposit, {fresh}, 0, cfg);
  ASSERT_EQ(p.bonds.size(), 1u);
  EXPECT_FALSE(p.bonds[0].extra);
  EXPECT_EQ(p.bonds[0].amount, min_bond);
  EXPECT_EQ(p.to_json()["bonds"][0]["call"], "bond");
}

TEST(plan_funding, the_deposit_account_listed_as_a_stash_and_duplicates_receive_nothing_extra) {
  auto s = base_snapshot();
  bonded(s, stash_a, 1000);
  set_free(s, deposit, 500 + 115);
  auto p = plan_funding(s, deposit, {stash_a, deposit, stash_a}, 0, config());
  ASSERT_EQ(p.transfers.size(), 1u);
  EXPECT_EQ(p.transfers[0].to, stash_a);
  EXPECT_EQ(p.transfers[0].amount, u128(500));
}

// ---- nominations ----------------------------------------------------------------

namespace {

const account32 v_ok = acct(1), v_blocked = acct(2), v_expensive = acct(3), v_slashed = acct(4),
                v_gone = acct(5), v_ok2 = acct(6), v_extra = acct(7), v_cheap_cap = acct(8);

kusama::staking_snapshot nomination_snapshot() {
  auto s = base_snapshot();
  s.active_era = 40;
  s.current_era = 40;
  s.constants.max_nominations = 2;
  for (auto& v : {v_ok, v_ok2, v_extra, v_slashed})
    s.validators[v] = {v, 0, false};
  s.validators[v_blocked] = {v_blocked, 0, true};
  s.validators[v_expensive] = {v_expensive, 125'000'000, false}; // 12.5 %
  s.validators[v_cheap_cap] = {v_cheap_cap, 100'000'000, false}; // exactly the cap
  s.last_slash_era[v_slashed] = 38;
  bonded(s, stash_a, 2000);
  s.nominations[stash_a] = {v_ok};
  return s;
}

} // namespace

TEST(plan_nominations, every_skipped_candidate_says_why) {
  auto s = nomination_snapshot();
  auto p = plan_nominations(s, stash_a,
                            {v_gone, v_blocked, v_expensive, v_slashed, v_ok, v_ok2, v_extra},
                            std::nullopt, config());
  EXPECT_EQ(p.chosen, (std::vector<account32>{v_ok, v_ok2}));
  ASSERT_EQ(p.skips.size(), 5u);
  EXPECT_EQ(p.skips[0].validator, v_gone);
  EXPECT_EQ(p.skips[0].reason, skip_reason::not_validator);
  EXPECT_EQ(p.skips[1].reason, skip_reason::blocked);
  EXPECT_EQ(p.skips[2].reason, skip_reason::commission_above_cap);
  EXPECT_EQ(p.skips[2].detail, "commission 12.5% > cap 10%");
  EXPECT_EQ(p.skips[3].reason, skip_reason::slashed);
  EXPECT_EQ(p.skips[3].detail, "slashed in era 38");
  EXPECT_EQ(p.skips[4].validator, v_extra);
  EXPECT_EQ(p.skips[4].reason, skip_reason::over_max_nominations);
  EXPECT_EQ(p.current, (std::vector<account32>{v_ok}));
  EXPECT_TRUE(p.differs);
  EXPECT_TRUE(p.change_now);
  EXPECT_FALSE(p.next_change_ms);
  EXPECT_EQ(to_string(skip_reason::over_max_nominations), "over_max_nominations");
  auto j = p.to_json(2);
  EXPECT_EQ(j["skips"][2]["reason"], "commission_above_cap");
  EXPECT_EQ(j["chosen"].size(), 2u);
  auto stash_back = chain::sig::ss58_decode_account(j["stash"].get<std::string>(), 2);
  ASSERT_TRUE(stash_back) << j.dump();
  EXPECT_EQ(*stash_back, stash_a);
}

TEST(plan_nominations, commission_equal_to_the_cap_is_allowed_and_details_are_exact_integers) {
  auto s = nomination_snapshot();
  s.validators[v_expensive].commission_perbill = 100'000'001;
  auto cfg = config();
  auto p = plan_nominations(s, stash_a, {v_cheap_cap, v_expensive}, std::nullopt, cfg);
  EXPECT_EQ(p.chosen, (std::vector<account32>{v_cheap_cap}));
  ASSERT_EQ(p.skips.size(), 1u);
  EXPECT_EQ(p.skips[0].detail, "commission 10.0000001% > cap 10%");
  cfg.max_commission_perbill = 7'654'321; // 0.7654321 %
  s.validators[v_expensive].commission_perbill = 1'000'000'000;
  p = plan_nominations(s, stash_a, {v_expensive}, std::nullopt, cfg);
  ASSERT_EQ(p.skips.size(), 1u);
  EXPECT_EQ(p.skips[0].detail, "commission 100% > cap 0.7654321%");
}

TEST(plan_nominations, a_slash_older_than_the_lookback_no_longer_excludes) {
  auto s = nomination_snapshot();
  s.last_slash_era[v_slashed] = 11; // active 40, lookback 28: eras 12..40 count
  auto p = plan_nominations(s, stash_a, {v_slashed}, std::nullopt, config());
  EXPECT_EQ(p.chosen, (std::vector<account32>{v_slashed}));
  s.last_slash_era[v_slashed] = 12;
  p = plan_nominations(s, stash_a, {v_slashed}, std::nullopt, config());
  EXPECT_TRUE(p.chosen.empty());
  ASSERT_EQ(p.skips.size(), 1u);
  EXPECT_EQ(p.skips[0].reason, skip_reason::slashed);
}

TEST(plan_nominations, inside_the_interval_a_change_waits_until_next_change_ms) {
  auto s = nomination_snapshot();
  auto cfg = config();
  uint64_t last = s.timestamp_ms - 1000;
  auto p = plan_nominations(s, stash_a, {v_ok, v_ok2}, last, cfg);
  EXPECT_TRUE(p.differs);
  EXPECT_FALSE(p.change_now);
  ASSERT_TRUE(p.next_change_ms);
  EXPECT_EQ(*p.next_change_ms, last + cfg.nomination_interval_ms);
  EXPECT_EQ(p.to_json(2)["next_change_ms"], last + cfg.nomination_interval_ms);
  // Exactly one interval later the change is allowed.
  p = plan_nominations(s, stash_a, {v_ok, v_ok2}, s.timestamp_ms - cfg.nomination_interval_ms, cfg);
  EXPECT_TRUE(p.change_now);
}

TEST(plan_nominations, the_same_set_in_another_order_is_no_change) {
  auto s = nomination_snapshot();
  s.nominations[stash_a] = {v_ok2, v_ok};
  auto p = plan_nominations(s, stash_a, {v_ok, v_ok2, v_ok}, std::nullopt, config());
  EXPECT_EQ(p.chosen, (std::vector<account32>{v_ok, v_ok2}));
  EXPECT_TRUE(p.skips.empty()); // a candidate listed twice is decided once
  EXPECT_FALSE(p.differs);
  EXPECT_FALSE(p.change_now);
}

TEST(plan_nominations, a_stash_bonded_below_min_nominator_bond_or_an_empty_choice_changes_nothing) {
  auto s = nomination_snapshot();
  s.ledgers[stash_a].active = min_bond - 1;
  auto p = plan_nominations(s, stash_a, {v_ok, v_ok2}, std::nullopt, config());
  EXPECT_TRUE(p.differs);
  EXPECT_FALSE(p.change_now);
  // No ledger at all.
  p = plan_nominations(s, fresh, {v_ok}, std::nullopt, config());
  EXPECT_TRUE(p.differs);
  EXPECT_TRUE(p.current.empty());
  EXPECT_FALSE(p.change_now);
  // Every candidate skipped: nominate([]) is refused on chain, so no change.
  s.ledgers[stash_a].active = 5000;
  p = plan_nominations(s, stash_a, {v_blocked, v_gone}, std::nullopt, config());
  EXPECT_TRUE(p.chosen.empty());
  EXPECT_TRUE(p.differs);
  EXPECT_FALSE(p.change_now);
}

// ---- payouts --------------------------------------------------------------------

namespace {

kusama::exposure exposed(uint32_t era, const account32& v, uint32_t page, bool claimed = false) {
  return {era, v, page, 100, claimed};
}

} // namespace

TEST(plan_payouts, unclaimed_ended_eras_oldest_first_each_once_at_most_a_batch) {
  auto s = base_snapshot();
  s.active_era = 10;
  s.current_era = 11; // Asset Hub plans one era ahead
  s.exposures = {
    exposed(9, v_ok, 0),
    exposed(7, v_ok2, 0),
    exposed(7, v_ok, 1),
    exposed(7, v_ok, 0, true), // claimed
    exposed(8, v_ok, 0),
    exposed(8, v_ok, 0),       // a second stash on the same page
    exposed(10, v_ok, 0),      // the active era: not paid yet
    exposed(11, v_ok, 0),      // the current (planned) era
    exposed(6, v_extra, 0),
  };
  auto cfg = config();
  auto calls = plan_payouts(s, cfg);
  std::vector<payout_call> want{{v_extra, 6, 0}, {v_ok, 7, 1}, {v_ok2, 7, 0}, {v_ok, 8, 0}, {v_ok, 9, 0}};
  EXPECT_EQ(calls, want);
  cfg.payouts_per_batch = 3;
  calls = plan_payouts(s, cfg);
  EXPECT_EQ(calls, (std::vector<payout_call>{want[0], want[1], want[2]}));

  auto sum = summarize_unclaimed(s);
  EXPECT_EQ(sum.count, 5u);
  EXPECT_EQ(sum.oldest_era, 6u);
  EXPECT_EQ(sum.last_claimable_era, 0u); // current 11 < HistoryDepth 84
}

TEST(plan_payouts, eras_outside_history_depth_and_snapshots_without_an_era_give_nothing) {
  auto s = base_snapshot();
  s.active_era = 100;
  s.current_era = 100;
  s.exposures = {exposed(15, v_ok, 0), exposed(16, v_ok, 0), exposed(99, v_ok, 0, true)};
  auto calls = plan_payouts(s, config());
  EXPECT_EQ(calls, (std::vector<payout_call>{{v_ok, 16, 0}}));
  auto sum = summarize_unclaimed(s);
  EXPECT_EQ(sum.count, 1u);
  EXPECT_EQ(sum.oldest_era, 16u);
  EXPECT_EQ(sum.last_claimable_era, 16u);

  s.active_era.reset();
  s.current_era.reset();
  EXPECT_TRUE(plan_payouts(s, config()).empty());
  sum = summarize_unclaimed(s);
  EXPECT_EQ(sum.count, 0u);
  EXPECT_FALSE(sum.oldest_era);
  EXPECT_FALSE(sum.last_claimable_era);
}

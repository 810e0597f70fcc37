// The ratio's side of the ledger (storage/ratio_ledger.hpp): the inputs it
// contributes, a ratio taking effect only from RatioUpdated (once per tx),
// the fee booked once and only for a published calculation.
#include "storage/database.hpp"
#include "storage/outbox.hpp"
#include "storage/ratio_ledger.hpp"
#include "storage/write_task.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::ledger;

namespace {

const u256 ksm = u256::pow10(12);
const u256 e18 = u256::pow10(18);
const std::string alice = "0x" + std::string(64, 'a');
const std::string bob = "0x" + std::string(64, 'b');

u256 k(uint64_t n) {
  return *chain::eth::checked_mul(ksm, u256{n});
}

struct ratio_ledger : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<SQLite::Database> db;
  void SetUp() override {
    db = std::move(*sql::open_database(dir.file("r.sqlite"), sql::open_mode::read_write));
    ASSERT_TRUE(sql::migrate(*db));
  }
  template <class F>
  void tx(F&& f) {
    SQLite::Transaction t(*db);
    with_statements(*db, [&](statement_cache& sc) { f(sc); });
    t.commit();
  }
  void deposit(uint32_t index, const u256& planck) {
    kusama_deposit d;
    d.block_hash = "0x" + std::string(64, '1');
    d.block_number = 1;
    d.extrinsic_index = index;
    d.event_index = index;
    d.account = alice;
    d.amount_planck = planck;
    ASSERT_TRUE(credit_deposit(*db, d, k(1), 1));
  }
  ratio_calculation publishing(const std::string& ratio, const u256& fee) {
    ratio_calculation c;
    c.created_at = 1;
    c.kusama_block = 10;
    c.kusama_hash = "0x" + std::string(64, '2');
    c.eth_block = 20;
    c.inputs = {{"x", 1}};
    c.decision = "publish";
    c.published_ratio = ratio;
    c.fee = fee;
    c.status = "PUBLISHING";
    return c;
  }
  ratio_updated_event updated(const std::string& ratio, char tx) {
    ratio_updated_event e;
    e.old_ratio = e18;
    e.new_ratio = *u256::from_dec(ratio);
    e.tx_hash = "0x" + std::string(64, tx);
    e.block_number = 30;
    return e;
  }
};

} // namespace

TEST_F(ratio_ledger, contributes_shares_and_what_is_owed) {
  deposit(0, k(1000));
  deposit(1, u256{500'000'000'000}); // 0.5 KSM below the 1 KSM minimum
  ledger_ratio_side s;
  tx([&](statement_cache& sc) { s = ratio_side_of(sc); });
  EXPECT_EQ(s.unclaimed_shares, *chain::eth::checked_mul(e18, u256{1000}));
  EXPECT_EQ(s.refundable, u256{500'000'000'000});
  EXPECT_TRUE(s.owed_payouts.is_zero());
  EXPECT_TRUE(s.fee_balance.is_zero());
  EXPECT_EQ(s.current_ratio, e18);
}

TEST_F(ratio_ledger, a_ratio_takes_effect_from_its_event_once_and_books_its_fee_once) {
  int64_t id = 0;
  tx([&](statement_cache& sc) { id = record_calculation(sc, publishing("990295107942166766", u256{200'000'000'000})); });
  ratio_applied first{}, again{};
  tx([&](statement_cache& sc) {
    first = apply_ratio_updated(sc, updated("990295107942166766", 'a'), 2);
    again = apply_ratio_updated(sc, updated("990295107942166766", 'a'), 3);
  });
  EXPECT_EQ(first, ratio_applied::applied);
  EXPECT_EQ(again, ratio_applied::duplicate);
  EXPECT_EQ(current_ratio(*db), *u256::from_dec("990295107942166766"));
  u256 fee;
  tx([&](statement_cache& sc) { fee = fee_balance(sc); });
  EXPECT_EQ(fee, u256{200'000'000'000}); // 0.2 KSM, once
  auto calcs = recent_calculations(*db, 5);
  ASSERT_EQ(calcs.size(), 1u);
  EXPECT_EQ(calcs[0].id, id);
  EXPECT_EQ(calcs[0].status, "IN_EFFECT");
  // New deposits are credited at the new ratio.
  deposit(2, k(10));
  ledger_ratio_side s;
  tx([&](statement_cache& sc) { s = ratio_side_of(sc); });
  EXPECT_EQ(s.fee_balance, u256{200'000'000'000});
  // python: 10*10**12 * 10**6 * 990295107942166766 // 10**18 = 9902951079421667660
  EXPECT_EQ(s.unclaimed_shares, *u256::from_dec("9902951079421667660"));
}

TEST_F(ratio_ledger, an_update_nobody_here_asked_for_takes_effect_without_a_fee_and_alerts) {
  tx([&](statement_cache& sc) {
    record_calculation(sc, publishing("999000000000000000", k(1)));
    apply_ratio_updated(sc, updated("998000000000000000", 'b'), 2);
  });
  EXPECT_EQ(current_ratio(*db), *u256::from_dec("998000000000000000"));
  u256 fee;
  tx([&](statement_cache& sc) { fee = fee_balance(sc); });
  EXPECT_TRUE(fee.is_zero());
  EXPECT_EQ(db->execAndGet("SELECT COUNT(*) FROM alerts WHERE source = 'ratio'").getInt64(), 1);
  EXPECT_EQ(recent_calculations(*db, 1)[0].status, "PUBLISHING"); // still waiting for its own
}

namespace {

// A ledger with 1,000 KSM credited (shares unclaimed) at Kusama block 5 and
// the Ethereum cursor at block 40; readings taken at those cursors.
struct deciding : ratio_ledger {
  ratio_readings r;
  ratio_policy p;
  void SetUp() override {
    ratio_ledger::SetUp();
    kusama_deposit d;
    d.block_hash = "0x" + std::string(64, '5');
    d.block_number = 5;
    d.account = alice;
    d.amount_planck = k(1000);
    tx([&](statement_cache& sc) {
      // The Kusama cursor must be the block before: start it at 4.
      sc("INSERT INTO chain_cursors (chain, block_number, block_hash, updated_at) "
         "VALUES ('kusama', 4, '0x" + std::string(64, '4') + "', 0)").exec();
      ASSERT_TRUE(apply_kusama_block(sc, {5, d.block_hash}, {d}, k(1), 1));
      eth_batch b;
      b.to = {40, "0x" + std::string(64, 'e')};
      b.blocks = {b.to};
      ASSERT_FALSE(apply_eth_batch(sc, b, 1));
    });
    r.kusama_block = 5;
    r.kusama_hash = d.block_hash;
    r.eth_block = 40;
    r.eth_hash = "0x" + std::string(64, 'e');
    r.eth_timestamp = 1'000'000 + 86'400;
    r.last_update = 1'000'000;
    r.held_on_chain = k(1010);
    r.eth_total_shares = u256{0};
    r.eth_ratio = e18;
    r.bounds = {3600, 1'000'000, 1000}; // a generous ceiling: the example publishes as computed
    p.operator_address = "0x" + std::string(40, 'f');
    p.token_address = "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512";
    p.operator_next_nonce = 7;
  }
  ratio_calculation decide() {
    ratio_calculation c;
    tx([&](statement_cache& sc) { c = decide_ratio(sc, r, p, 5); });
    return c;
  }
  // Bob deposits `planck` in the next finalized Kusama block (the readings
  // follow the cursor); returns the shares credited.
  u256 deposit_in_next_block(const u256& planck) {
    kusama_deposit d;
    d.block_number = r.kusama_block + 1;
    d.block_hash = "0x" + std::string(63, '6') + "0123456789abcdef"[d.block_number % 16];
    d.account = bob;
    d.amount_planck = planck;
    tx([&](statement_cache& sc) {
      auto out = apply_kusama_block(sc, {d.block_number, d.block_hash}, {d}, k(1), 6);
      ASSERT_TRUE(out);
      ASSERT_EQ(out->at(0), deposit_outcome::credited);
    });
    r.kusama_block = d.block_number;
    r.kusama_hash = d.block_hash;
    return *u256::from_dec(db->execAndGet("SELECT shares FROM deposits WHERE block_hash = '"
                                          + d.block_hash + "'").getString());
  }
  // The publication's transaction reverted: settle_publications ends it NOT_PUBLISHED.
  void fail_publication(const ratio_calculation& c) {
    tx([&](statement_cache& sc) {
      outbox_attempt a;
      a.tx_hash = "0x" + std::string(64, '9');
      a.signed_hex = "0x00";
      record_attempt(sc, *c.outbox_id, a, 6);
      match_finalized_block(sc, "ethereum", 41, "0x" + std::string(64, '8'), {a.tx_hash},
                            {{0, {false, "reverted"}}}, 7);
      ASSERT_EQ(settle_publications(sc), 1u);
    });
  }
  // compute_ratio on the ledger's side now, with `held` on chain and no aKSMb shares.
  ratio_result next_calculation(const u256& held) {
    ledger_ratio_side side;
    tx([&](statement_cache& sc) { side = ratio_side_of(sc); });
    ratio_inputs in;
    in.held_on_chain = held;
    in.owed_payouts = side.owed_payouts;
    in.refundable = side.refundable;
    in.fee_balance = side.fee_balance;
    in.unclaimed_shares = side.unclaimed_shares;
    in.reserved_shares = side.reserved_shares;
    in.current_ratio = side.current_ratio;
    in.fee_bps = p.fee_bps;
    auto result = compute_ratio(in);
    EXPECT_TRUE(result) << describe(result.error());
    return result ? *result : ratio_result{};
  }
  // A deposit of `d` planck holding `shares`, once `r1` is in effect: worth
  // its planck less at most the floor's planck, and the next calculation
  // (with `held` on chain) finds no reward and no loss in it, only the
  // floors' dust, for the pool.
  void expect_worth_its_planck_and_nothing_next(const u256& shares, const u256& r1, const u256& d,
                                                const u256& held) {
    auto worth = *planck_for_shares(shares, r1);
    EXPECT_LE(worth, d);
    EXPECT_GE(worth, *chain::eth::checked_sub(d, u256{1}));
    auto next = next_calculation(held);
    EXPECT_FALSE(next.loss) << "a phantom loss of " << next.reward.to_dec() << " planck";
    EXPECT_LE(next.reward, u256{2});
    EXPECT_TRUE(next.fee.is_zero());
  }
};

} // namespace

TEST_F(deciding, a_reward_is_published_through_the_outbox_and_its_fee_booked_when_in_effect) {
  auto c = decide();
  EXPECT_EQ(c.decision, "publish");
  EXPECT_EQ(c.status, "PUBLISHING");
  EXPECT_EQ(c.published_ratio, "990295107942166766");
  EXPECT_EQ(c.fee, u256{200'000'000'000});
  ASSERT_TRUE(c.outbox_id);
  auto row = *intent_by_id(*db, *c.outbox_id);
  EXPECT_EQ(row.chain, "ethereum");
  EXPECT_EQ(row.nonce, 7u);
  EXPECT_EQ(row.purpose, "update_ratio");
  EXPECT_EQ(row.call["to"], p.token_address);
  // cast calldata "updateRatio(uint256)" 990295107942166766
  EXPECT_EQ(row.call["data"], "0xdc647e290000000000000000000000000000000000000000000000000dbe3c2763b330ee");
  EXPECT_TRUE(publishing_calculation(*db));
  tx([&](statement_cache& sc) { apply_ratio_updated(sc, updated("990295107942166766", 'c'), 6); });
  EXPECT_FALSE(publishing_calculation(*db));
  u256 fee;
  tx([&](statement_cache& sc) { fee = fee_balance(sc); });
  EXPECT_EQ(fee, u256{200'000'000'000});
}

TEST_F(deciding, readings_from_other_blocks_than_the_cursors_are_refused_and_change_nothing) {
  // Typed, so the calculator reads again instead of reporting a fault (a
  // moving chain made it "unhealthy" after each such race: console_browser_e2e).
  auto refusal_of_decide = [&]() -> std::optional<refusal> {
    try {
      decide();
    } catch (const write_refused& e) {
      EXPECT_TRUE(is(e.err, ec::invalid_state)) << describe(e.err);
      return refusal_of(e.err);
    }
    return std::nullopt;
  };
  r.kusama_block = 6;
  EXPECT_EQ(refusal_of_decide(), refusal::ratio_readings_moved);
  r.kusama_block = 5;
  r.eth_hash = "0x" + std::string(64, 'd');
  EXPECT_EQ(refusal_of_decide(), refusal::ratio_readings_moved);
  r.eth_hash = "0x" + std::string(64, 'e');
  r.eth_ratio = u256{999}; // aKSMb moved on, the ledger has not seen it yet
  EXPECT_EQ(refusal_of_decide(), refusal::ratio_readings_moved);
  EXPECT_TRUE(recent_calculations(*db, 5).empty());
}

TEST_F(deciding, a_reward_above_the_ceiling_is_clamped_and_charged_for_what_it_recognizes) {
  r.bounds.max_annual_reward_bps = 1500;
  auto c = decide();
  EXPECT_EQ(c.decision, "publish_clamped");
  EXPECT_EQ(c.published_ratio, "999589209913734082");
  // python: worth = 1000*10**18*10**12 // 999589209913734082 = 1000410958904109 planck;
  // recognized 410958904109; fee 410958904109*200//10000 = 8219178082
  EXPECT_EQ(c.fee, u256{8'219'178'082});
}

TEST_F(deciding, a_loss_beyond_the_bound_is_not_published_and_pauses_claims_with_one_alert) {
  r.held_on_chain = k(800); // 20% lost, bound 10%
  auto c = decide();
  EXPECT_EQ(c.decision, "loss_beyond_bound");
  EXPECT_EQ(c.status, "NOT_PUBLISHED");
  EXPECT_FALSE(c.outbox_id);
  EXPECT_TRUE(flow_paused(*db, "claims"));
  decide();
  EXPECT_EQ(db->execAndGet("SELECT COUNT(*) FROM alerts WHERE severity = 'critical' "
                           "AND source = 'ratio'").getInt64(), 1);
  EXPECT_EQ(db->execAndGet("SELECT COUNT(*) FROM outbox").getInt64(), 0);
}

TEST_F(deciding, claims_paused_by_a_loss_resume_once_a_ratio_takes_effect_but_an_operator_pause_stays) {
  r.held_on_chain = k(800);
  decide();
  ASSERT_TRUE(flow_paused(*db, "claims"));
  // The operator raises aKSMb's loss bound: the loss is published and takes effect.
  r.bounds.max_loss_bps = 3000;
  auto c = decide();
  EXPECT_EQ(c.decision, "publish");
  EXPECT_TRUE(c.fee.is_zero());
  EXPECT_TRUE(flow_paused(*db, "claims")) << "not before the ratio is in effect";
  tx([&](statement_cache& sc) { apply_ratio_updated(sc, updated(c.published_ratio, 'a'), 6); });
  EXPECT_FALSE(flow_paused(*db, "claims"));
  EXPECT_EQ(db->execAndGet("SELECT COUNT(*) FROM alerts WHERE severity = 'info' AND source = 'ratio' "
                           "AND message LIKE 'claims resume%'").getInt64(), 1);
  // The operator's own pause keeps its reason through a loss, and a new ratio does not lift it.
  tx([&](statement_cache& sc) { set_flow_paused(sc, "claims", true, "operator: maintenance", 7); });
  r.eth_ratio = u256::from_dec(c.published_ratio).value();
  r.held_on_chain = k(500);
  r.bounds.max_loss_bps = 1000;
  EXPECT_EQ(decide().decision, "loss_beyond_bound");
  EXPECT_EQ(db->execAndGet("SELECT reason FROM flows WHERE flow = 'claims'").getString(),
            "operator: maintenance");
  tx([&](statement_cache& sc) { apply_ratio_updated(sc, updated("1", 'b'), 8); });
  EXPECT_TRUE(flow_paused(*db, "claims"));
}

TEST_F(deciding, no_reward_means_no_transaction_and_a_failed_one_takes_no_fee) {
  r.held_on_chain = k(1000);
  auto none = decide();
  EXPECT_EQ(none.decision, "no_change");
  EXPECT_FALSE(none.outbox_id);
  r.held_on_chain = k(1010);
  auto c = decide();
  ASSERT_TRUE(c.outbox_id);
  fail_publication(c);
  EXPECT_FALSE(publishing_calculation(*db));
  EXPECT_EQ(recent_calculations(*db, 1)[0].status, "NOT_PUBLISHED");
  u256 fee;
  tx([&](statement_cache& sc) { fee = fee_balance(sc); });
  EXPECT_TRUE(fee.is_zero());
}

// The window between a calculation and its ratio taking effect (minutes: the
// RatioUpdated must be final on Ethereum). 1,000 KSM are in the pool, 10 KSM
// of rewards are measured and 990295107942166766 is being published.
TEST_F(deciding, a_deposit_while_a_reward_is_published_buys_at_its_ratio_and_is_worth_its_planck_once_in_effect) {
  auto c = decide();
  ASSERT_EQ(c.status, "PUBLISHING");
  const auto r1 = *u256::from_dec(c.published_ratio);
  EXPECT_EQ(deposit_ratio(*db), r1);
  EXPECT_EQ(current_ratio(*db), e18) << "not in effect yet";
  const auto d = *chain::eth::checked_add(k(100), u256{123'456'789}); // any planck
  auto shares = deposit_in_next_block(d);
  // python: (100*10**12 + 123456789) * 10**6 * 990295107942166766 // 10**18
  EXPECT_EQ(shares, *u256::from_dec("99029633052870865548"));
  tx([&](statement_cache& sc) { apply_ratio_updated(sc, updated(c.published_ratio, 'c'), 8); });
  ASSERT_EQ(current_ratio(*db), r1);
  // At 1e18, as before the fix, it would be worth 100.98 KSM: the step's reward.
  // The next calculation has the deposit's KSM on chain and the fee booked.
  expect_worth_its_planck_and_nothing_next(shares, r1, d, *chain::eth::checked_add(k(1010), d));
}

TEST_F(deciding, a_deposit_while_a_loss_is_published_buys_at_its_ratio_and_bears_none_of_it) {
  r.held_on_chain = k(990); // 1% lost (a slash), within aKSMb's 10% bound
  auto c = decide();
  ASSERT_EQ(c.status, "PUBLISHING");
  ASSERT_EQ(c.published_ratio, "1010101010101010102"); // python: -(-1000*10**30 // (990*10**18))
  const auto r1 = *u256::from_dec(c.published_ratio);
  EXPECT_EQ(deposit_ratio(*db), r1);
  const auto d = *chain::eth::checked_add(k(40), u256{987'654'321});
  auto shares = deposit_in_next_block(d);
  tx([&](statement_cache& sc) { apply_ratio_updated(sc, updated(c.published_ratio, 'c'), 8); });
  // At 1e18 the deposit would have borne the 1% lost before it came (worth 39.60 KSM),
  // and the next calculation would have counted that 1% as a reward (and charged its fee).
  expect_worth_its_planck_and_nothing_next(shares, r1, d, *chain::eth::checked_add(k(990), d));
}

TEST_F(deciding, a_deposit_before_a_calculation_or_after_its_publication_failed_buys_at_the_ratio_in_effect) {
  EXPECT_EQ(deposit_ratio(*db), e18);
  r.held_on_chain = k(1000);
  ASSERT_EQ(decide().status, "NOT_PUBLISHED"); // no_change: nothing pending
  EXPECT_EQ(deposit_ratio(*db), e18);
  r.held_on_chain = k(1010);
  auto c = decide();
  ASSERT_EQ(c.status, "PUBLISHING");
  const auto d1 = *chain::eth::checked_add(k(100), u256{123'456'789});
  auto in_window = deposit_in_next_block(d1);
  EXPECT_EQ(in_window, *u256::from_dec("99029633052870865548"));
  fail_publication(c);
  EXPECT_EQ(recent_calculations(*db, 1)[0].status, "NOT_PUBLISHED");
  EXPECT_EQ(deposit_ratio(*db), e18);
  const auto d2 = k(7);
  EXPECT_EQ(deposit_in_next_block(d2), *chain::eth::checked_mul(d2, u256::pow10(6)));
  // The in-window deposit was valued at the measured pool value, which the
  // next calculation measures again from the ratio still in effect (1e18):
  // its planck above what its shares are worth at 1e18 counts as reward once
  // more. So the step's reward (10 KSM) is recognized whole, and the fee takes
  // fee_bps of that difference on top: here 2% of 0.970490403919 KSM. Nothing
  // else moves (docs/ratio.md, "Deposits while a ratio is being published").
  auto next = next_calculation(*chain::eth::checked_add(*chain::eth::checked_add(k(1010), d1), d2));
  ASSERT_FALSE(next.loss);
  auto at_old_ratio = *planck_for_shares(in_window, e18);
  auto difference = *chain::eth::checked_sub(d1, at_old_ratio);
  EXPECT_EQ(difference, u256{970'490'403'919});
  EXPECT_EQ(next.reward, *chain::eth::checked_add(k(10), difference));
  // python: (10*10**12 + 970490403919) * 200 // 10000 = 219409808078; had the
  // publication succeeded the fees would be 0.2 KSM (then 0: test above).
  EXPECT_EQ(next.fee, u256{219'409'808'078});
  EXPECT_EQ(*chain::eth::checked_sub(next.fee, u256{200'000'000'000}), u256{19'409'808'078});
}

TEST_F(deciding, after_a_loss_whose_publication_failed_the_in_window_deposit_shows_as_more_loss) {
  r.held_on_chain = k(990);
  auto c = decide();
  ASSERT_EQ(c.status, "PUBLISHING");
  const auto d = *chain::eth::checked_add(k(40), u256{987'654'321});
  auto in_window = deposit_in_next_block(d);
  fail_publication(c);
  EXPECT_EQ(deposit_ratio(*db), e18);
  // At 1e18 the in-window shares are worth more than their planck (they were
  // bought at the loss's ratio): the next calculation counts that as loss on
  // top of the 10 KSM, which no fee is taken from; had it been a net reward,
  // the fee would be smaller by fee_bps of it (in the users' favour).
  auto next = next_calculation(*chain::eth::checked_add(k(990), d));
  ASSERT_TRUE(next.loss);
  auto extra = *chain::eth::checked_sub(*planck_for_shares(in_window, e18), d);
  // python: d = 40000987654321; s = d*10**6*1010101010101010102//10**18; s//10**6 - d
  EXPECT_EQ(extra, u256{404'050'380'346});
  EXPECT_EQ(next.reward, *chain::eth::checked_add(k(10), extra));
  EXPECT_TRUE(next.fee.is_zero());
}

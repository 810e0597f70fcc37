// The ratio's side of the ledger (storage/ratio_ledger.hpp): the inputs it
// contributes, a ratio taking effect only from RatioUpdated (once per tx),
// the fee booked once and only for a published calculation.
#include "storage/database.hpp"
#include "storage/ratio_ledger.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::ledger;

namespace {

const u256 ksm = u256::pow10(12);
const u256 e18 = u256::pow10(18);
const std::string alice = "0x" + std::string(64, 'a');

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

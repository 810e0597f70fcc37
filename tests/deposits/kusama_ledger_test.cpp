// Kusama-side records: staking events once, deposits found by the extrinsic a
// user names, pending submissions that stop being pending once the cursor passes.
#include "storage/database.hpp"
#include "storage/kusama_ledger.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::ledger;

namespace {

const std::string alice = "0x" + std::string(64, 'a');
const std::string bob = "0x" + std::string(64, 'b');
const std::string block_hash = "0x" + std::string(64, 'd');
const std::string ext_hash = "0x" + std::string(64, 'e');
const u256 ksm = u256::pow10(12);

class kusama_ledger_test : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<SQLite::Database> db;

  void SetUp() override {
    auto opened = sql::open_database(dir.file("k.sqlite"), sql::open_mode::read_write);
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    ASSERT_TRUE(sql::migrate(*db));
  }

  int count(const std::string& sql) {
    SQLite::Statement q(*db, sql);
    q.executeStep();
    return q.getColumn(0).getInt();
  }

  staking_event event(uint32_t index, const std::string& kind) {
    return staking_event{block_hash, 10, index, 1u, kind, alice, *checked_mul(u256{5}, ksm)};
  }

  void apply_block(uint64_t number, const std::string& hash, std::vector<kusama_deposit> deposits) {
    SQLite::Transaction t(*db);
    auto r = apply_kusama_block(*db, {number, hash}, deposits, ksm, 1000);
    ASSERT_TRUE(r) << describe(r.error());
    t.commit();
  }
};

} // namespace

TEST_F(kusama_ledger_test, staking_events_are_stored_once) {
  std::vector<staking_event> events = {event(4, "Bonded"), event(5, "Rewarded")};
  events[1].extrinsic_index.reset(); // era payout: not inside an extrinsic
  ASSERT_FALSE(record_staking_events(*db, events, 1));
  ASSERT_FALSE(record_staking_events(*db, events, 2)); // replayed block: no-op
  EXPECT_EQ(count("SELECT count(*) FROM staking_events"), 2);
  auto stored = staking_events_of(*db, alice, 10);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].kind, "Rewarded");
  EXPECT_FALSE(stored[0].extrinsic_index);
  EXPECT_EQ(stored[1].kind, "Bonded");
  EXPECT_EQ(*stored[1].extrinsic_index, 1u);
  EXPECT_EQ(stored[1].amount_planck, *checked_mul(u256{5}, ksm));
  EXPECT_TRUE(staking_events_of(*db, bob, 10).empty());
}

TEST_F(kusama_ledger_test, a_bad_staking_event_writes_nothing) {
  auto good = event(4, "Bonded");
  auto unknown = event(5, "Chilled");
  auto short_account = event(6, "Slashed");
  short_account.account = "0xabc";
  EXPECT_TRUE(is(record_staking_events(*db, {good, unknown}, 1), ec::invalid_input));
  EXPECT_TRUE(is(record_staking_events(*db, {good, short_account}, 1), ec::invalid_input));
  EXPECT_EQ(count("SELECT count(*) FROM staking_events"), 0);
}

TEST_F(kusama_ledger_test, deposits_are_found_by_extrinsic_position_hash_and_account) {
  kusama_deposit two{block_hash, 10, 2, 5, ext_hash, alice, *checked_mul(u256{2}, ksm)};
  kusama_deposit small{block_hash, 10, 2, 7, ext_hash, alice, u256{1000}};
  kusama_deposit other{block_hash, 10, 3, 9, "", bob, ksm};
  apply_block(10, block_hash, {two, small, other});

  auto by_position = deposits_of_extrinsic(*db, 10, 2);
  ASSERT_EQ(by_position.size(), 2u);
  EXPECT_EQ(by_position[0].deposit.event_index, 5u);
  EXPECT_EQ(by_position[0].status, "CREDITED");
  EXPECT_EQ(by_position[1].status, "BELOW_MINIMUM");
  EXPECT_EQ(by_position[1].shares, u256{});
  EXPECT_EQ(deposits_of_extrinsic_hash(*db, ext_hash).size(), 2u);
  EXPECT_TRUE(deposits_of_extrinsic(*db, 10, 4).empty());
  EXPECT_TRUE(deposits_of_extrinsic(*db, 11, 2).empty());
  EXPECT_TRUE(deposits_of_extrinsic_hash(*db, "0x" + std::string(64, 'f')).empty());

  auto of_alice = deposits_of_account(*db, alice, 10);
  ASSERT_EQ(of_alice.size(), 2u);
  EXPECT_EQ(of_alice[0].deposit.event_index, 7u); // newest first
  EXPECT_EQ(deposits_of_account(*db, bob, 10).size(), 1u);
  EXPECT_EQ(deposits_of_account(*db, alice, 1).size(), 1u);
}

TEST_F(kusama_ledger_test, a_submission_is_pending_until_the_cursor_passes_its_block) {
  apply_block(10, block_hash, {});
  deposit_submission s{ext_hash, "0x" + std::string(64, 'c'), 12, 1, alice, ksm, 0};
  ASSERT_FALSE(record_submission(*db, s, 5));
  ASSERT_FALSE(record_submission(*db, s, 6)); // the same extrinsic again: no-op
  EXPECT_EQ(count("SELECT count(*) FROM deposit_submissions"), 1);
  auto pending = pending_submissions_of(*db, alice);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].block_number, 12u);
  EXPECT_EQ(pending[0].amount_planck, ksm);
  EXPECT_EQ(pending[0].submitted_at, 5);
  EXPECT_TRUE(pending_submissions_of(*db, bob).empty());
  // Nothing was credited by the submission.
  EXPECT_EQ(count("SELECT count(*) FROM deposits"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM history"), 0);

  apply_block(11, "0x" + std::string(64, '1'), {});
  EXPECT_EQ(pending_submissions_of(*db, alice).size(), 1u);
  apply_block(12, "0x" + std::string(64, '2'), {}); // finalized without it (a fork): not pending
  EXPECT_TRUE(pending_submissions_of(*db, alice).empty());
}

TEST_F(kusama_ledger_test, malformed_submissions_are_refused) {
  deposit_submission s{"", "0x" + std::string(64, 'c'), 12, 1, "0x12", ksm, 0};
  EXPECT_TRUE(is(record_submission(*db, s, 5), ec::invalid_input));
  s.account = alice;
  s.extrinsic_hash = "0xnothex";
  EXPECT_TRUE(is(record_submission(*db, s, 5), ec::invalid_input));
  EXPECT_EQ(count("SELECT count(*) FROM deposit_submissions"), 0);
}

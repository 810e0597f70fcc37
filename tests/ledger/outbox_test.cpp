// The outbox state machine (storage/outbox.hpp): nonces in order and never
// twice, an attempt only for INTENT/EXPIRED rows in nonce order, finalization
// through any attempt's hash, expiry and replacement rules, all refusals
// changing nothing.
#include "storage/database.hpp"
#include "storage/outbox.hpp"
#include "storage/write_task.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::ledger;
using nlohmann::json;

namespace {

const std::string alice = "0x" + std::string(64, 'a');
const std::string bob = "0x" + std::string(64, 'b');

std::string h(char c) {
  return "0x" + std::string(64, c);
}

struct outbox_fixture : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<SQLite::Database> db;
  void SetUp() override {
    auto opened = sql::open_database(dir.file("o.sqlite"), sql::open_mode::read_write);
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    ASSERT_TRUE(sql::migrate(*db));
  }
  // Runs f in a transaction as the storage actor does: a throw rolls it back.
  template <class F>
  caf::error tx(F&& f) {
    try {
      SQLite::Transaction t(*db);
      with_statements(*db, [&](statement_cache& sc) { f(sc); });
      t.commit();
      return caf::none;
    } catch (const write_refused& r) {
      return r.err;
    }
  }
  outbox_intent add(const std::string& account, uint64_t chain_nonce, const std::string& purpose = "bond") {
    outbox_intent row;
    EXPECT_FALSE(tx([&](statement_cache& sc) {
      row = add_intent(sc, "kusama", account, purpose, json{{"pallet", "Staking"}, {"call", purpose}},
                       chain_nonce, 1000);
    }));
    return row;
  }
  outbox_attempt attempt(char c) {
    outbox_attempt a;
    a.tx_hash = h(c);
    a.signed_hex = "0x" + std::string(10, c);
    a.era_birth = 100;
    a.era_period = 64;
    a.spec_version = 1009002;
    a.fee = "1000";
    return a;
  }
  size_t alerts(const std::string& severity) {
    SQLite::Statement q(*db, "SELECT COUNT(*) FROM alerts WHERE severity = ?");
    q.bind(1, severity);
    q.executeStep();
    return static_cast<size_t>(q.getColumn(0).getInt64());
  }
};

} // namespace

TEST_F(outbox_fixture, nonces_follow_the_chain_then_the_outbox_per_account) {
  EXPECT_EQ(add(alice, 5).nonce, 5u);
  EXPECT_EQ(add(alice, 5).nonce, 6u);  // the outbox knows 5 is taken
  EXPECT_EQ(add(alice, 9).nonce, 9u);  // the chain moved on (a key used by hand)
  EXPECT_EQ(add(bob, 0).nonce, 0u);    // one sequence per account
  auto open = open_intents(*db, "kusama");
  ASSERT_EQ(open.size(), 4u);
  EXPECT_EQ(open[0].account, alice);
  EXPECT_EQ(open[0].status, "INTENT");
}

TEST_F(outbox_fixture, attempts_are_recorded_in_nonce_order_and_never_twice) {
  auto first = add(alice, 0);
  auto second = add(alice, 0);
  // nonce 1 before nonce 0: refused, nothing written
  auto err = tx([&](statement_cache& sc) { record_attempt(sc, second.id, attempt('2'), 1); });
  ASSERT_TRUE(err);
  EXPECT_EQ(refusal_of(err), refusal::intent_not_signable);
  EXPECT_EQ(intent_by_id(*db, second.id)->status, "INTENT");
  EXPECT_FALSE(tx([&](statement_cache& sc) {
    record_attempt(sc, first.id, attempt('1'), 1);
    record_attempt(sc, second.id, attempt('2'), 1);
  }));
  auto row = intent_by_id(*db, first.id);
  EXPECT_EQ(row->status, "SUBMITTED");
  ASSERT_TRUE(row->live);
  EXPECT_EQ(row->live->tx_hash, h('1'));
  EXPECT_EQ(row->live->signed_hex, "0x" + std::string(10, '1'));
  // A SUBMITTED row is never signed a second time.
  err = tx([&](statement_cache& sc) { record_attempt(sc, first.id, attempt('3'), 2); });
  EXPECT_EQ(refusal_of(err), refusal::intent_not_signable);
  EXPECT_EQ(intent_by_id(*db, first.id)->attempts, 1u);
}

TEST_F(outbox_fixture, a_finalized_block_settles_the_row_with_its_outcome_once) {
  auto ok = add(alice, 0);
  auto bad = add(alice, 0, "nominate");
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    record_attempt(sc, ok.id, attempt('1'), 1);
    record_attempt(sc, bad.id, attempt('2'), 1);
    mark_in_block(sc, h('1'), 120, h('b'), 2);
  }));
  EXPECT_EQ(intent_by_id(*db, ok.id)->status, "IN_BLOCK");
  std::map<uint32_t, extrinsic_result> results{{1, {true, ""}},
                                               {2, {false, "Staking.InsufficientBond"}}};
  std::vector<int64_t> done;
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    done = match_finalized_block(sc, "kusama", 121, h('c'), {h('0'), h('1'), h('2')}, results, 3);
  }));
  EXPECT_EQ(done.size(), 2u);
  auto a = intent_by_id(*db, ok.id);
  EXPECT_EQ(a->status, "FINALIZED");
  EXPECT_EQ(a->outcome, "success");
  EXPECT_EQ(*a->block_number, 121u);
  EXPECT_EQ(a->to_json()["extrinsic_id"], "121-1");
  auto b = intent_by_id(*db, bad.id);
  EXPECT_EQ(b->outcome, "failed");
  EXPECT_EQ(b->dispatch_error, "Staking.InsufficientBond");
  EXPECT_EQ(alerts("warning"), 1u);
  // The same block again (never happens: the cursor refuses it) changes nothing.
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    done = match_finalized_block(sc, "kusama", 121, h('c'), {h('0'), h('1'), h('2')}, results, 4);
  }));
  EXPECT_TRUE(done.empty());
  EXPECT_EQ(alerts("warning"), 1u);
  EXPECT_TRUE(open_intents(*db, "kusama").empty());
  auto counts = outbox_counts(*db, "kusama");
  EXPECT_EQ(counts["FINALIZED"], 2u);
  EXPECT_EQ(counts["FINALIZED_FAILED"], 1u);
}

TEST_F(outbox_fixture, an_expired_attempt_is_re_signed_with_the_same_nonce_and_either_hash_settles_it) {
  auto row = add(alice, 3);
  ASSERT_FALSE(tx([&](statement_cache& sc) { record_attempt(sc, row.id, attempt('1'), 1); }));
  // Only the live attempt can expire.
  bool expired = true;
  ASSERT_FALSE(tx([&](statement_cache& sc) { expired = mark_expired(sc, row.id, h('9'), 2); }));
  EXPECT_FALSE(expired);
  ASSERT_FALSE(tx([&](statement_cache& sc) { expired = mark_expired(sc, row.id, h('1'), 2); }));
  EXPECT_TRUE(expired);
  EXPECT_EQ(intent_by_id(*db, row.id)->status, "EXPIRED");
  EXPECT_FALSE(intent_by_id(*db, row.id)->live);
  ASSERT_FALSE(tx([&](statement_cache& sc) { record_attempt(sc, row.id, attempt('2'), 3); }));
  auto again = intent_by_id(*db, row.id);
  EXPECT_EQ(again->nonce, 3u);
  EXPECT_EQ(again->attempts, 2u);
  EXPECT_EQ(again->tx_hash, h('2'));
  std::vector<int64_t> done;
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    done = match_finalized_block(sc, "kusama", 200, h('d'), {h('0'), h('2')}, {}, 4);
  }));
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(intent_by_id(*db, row.id)->status, "FINALIZED");
}

TEST_F(outbox_fixture, a_nonce_taken_by_another_is_replaced_with_a_critical_alert_and_is_final) {
  auto row = add(alice, 0);
  ASSERT_FALSE(tx([&](statement_cache& sc) { record_attempt(sc, row.id, attempt('1'), 1); }));
  bool replaced = false;
  ASSERT_FALSE(tx([&](statement_cache& sc) { replaced = mark_replaced(sc, row.id, "test", 2); }));
  EXPECT_TRUE(replaced);
  EXPECT_EQ(alerts("critical"), 1u);
  auto r = intent_by_id(*db, row.id);
  EXPECT_EQ(r->status, "REPLACED");
  EXPECT_FALSE(r->live);
  // Final: neither replaced again nor signed again; the next intent takes the next nonce.
  ASSERT_FALSE(tx([&](statement_cache& sc) { replaced = mark_replaced(sc, row.id, "again", 3); }));
  EXPECT_FALSE(replaced);
  EXPECT_EQ(alerts("critical"), 1u);
  auto err = tx([&](statement_cache& sc) { record_attempt(sc, row.id, attempt('2'), 3); });
  EXPECT_EQ(refusal_of(err), refusal::intent_not_signable);
  EXPECT_EQ(add(alice, 0).nonce, 1u);
}

TEST_F(outbox_fixture, nomination_changes_count_unless_their_extrinsic_failed) {
  auto first = add(alice, 0, "nominate");
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    record_nomination_change(sc, {alice, first.id, 1'000, {bob}});
  }));
  EXPECT_EQ(last_nomination_change(*db, alice)->chain_time_ms, 1'000u);
  auto second = add(alice, 0, "nominate");
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    record_nomination_change(sc, {alice, second.id, 90'000'000, {bob, alice}});
    record_attempt(sc, first.id, attempt('1'), 1);
    record_attempt(sc, second.id, attempt('2'), 1);
    match_finalized_block(sc, "kusama", 10, h('e'), {h('1'), h('2')},
                          {{1, {false, "Staking.BadTarget"}}}, 2);
  }));
  // The failed second change does not count: the first one is the last.
  auto last = last_nomination_change(*db, alice);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->intent_id, first.id);
  EXPECT_EQ(last->targets, std::vector<std::string>{bob});
}

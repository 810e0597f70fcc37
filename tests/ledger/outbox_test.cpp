// The outbox state machine (storage/outbox.hpp): nonces in order and never
// twice, an attempt only for INTENT/EXPIRED rows in nonce order, finalization
// through any attempt's hash, expiry and replacement rules, Ethereum's
// replacement by fee and settlement from receipts, all refusals changing
// nothing.
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
const std::string operator_address = "0x" + std::string(40, 'e');

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
  outbox_intent add_eth(uint64_t chain_nonce, const std::string& purpose = "update_ratio") {
    outbox_intent row;
    EXPECT_FALSE(tx([&](statement_cache& sc) {
      row = add_intent(sc, "ethereum", operator_address, purpose,
                       json{{"to", "0x" + std::string(40, 'c')}, {"data", "0x"}, {"gas_limit", "21000"}},
                       chain_nonce, 1000);
    }));
    return row;
  }
  outbox_attempt eth_attempt(char c, const std::string& max_fee) {
    outbox_attempt a;
    a.tx_hash = h(c);
    a.signed_hex = "0x02" + std::string(10, c);
    a.fee = json{{"max_fee_per_gas", max_fee}, {"max_priority_fee_per_gas", "1"},
                 {"gas_limit", "21000"}}.dump();
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

TEST_F(outbox_fixture, a_kusama_row_is_never_replaced_while_an_attempt_is_live) {
  auto row = add(alice, 0);
  // Not signed yet: nothing to replace.
  auto err = tx([&](statement_cache& sc) { record_replacement(sc, row.id, attempt('2'), 1); });
  EXPECT_EQ(refusal_of(err), refusal::intent_not_signable);
  ASSERT_FALSE(tx([&](statement_cache& sc) { record_attempt(sc, row.id, attempt('1'), 1); }));
  // Sent: still refused for Kusama (it is re-signed only after EXPIRED), nothing written.
  err = tx([&](statement_cache& sc) { record_replacement(sc, row.id, attempt('2'), 2); });
  EXPECT_EQ(refusal_of(err), refusal::intent_not_signable);
  auto r = intent_by_id(*db, row.id);
  EXPECT_EQ(r->attempts, 1u);
  EXPECT_EQ(r->tx_hash, h('1'));
  EXPECT_EQ(attempts_of(*db, row.id).size(), 1u);
}

TEST_F(outbox_fixture, an_ethereum_transaction_is_replaced_with_the_same_nonce_and_either_attempt_settles_it) {
  auto row = add_eth(7);
  EXPECT_EQ(row.chain, "ethereum");
  EXPECT_EQ(row.nonce, 7u);
  // INTENT: a replacement needs a sent transaction.
  auto err = tx([&](statement_cache& sc) { record_replacement(sc, row.id, eth_attempt('1', "10"), 1); });
  EXPECT_EQ(refusal_of(err), refusal::intent_not_signable);
  ASSERT_FALSE(tx([&](statement_cache& sc) { record_attempt(sc, row.id, eth_attempt('1', "10"), 1); }));
  // A second plain attempt is still refused: only a replacement may follow.
  err = tx([&](statement_cache& sc) { record_attempt(sc, row.id, eth_attempt('2', "12"), 2); });
  EXPECT_EQ(refusal_of(err), refusal::intent_not_signable);
  ASSERT_FALSE(tx([&](statement_cache& sc) { record_replacement(sc, row.id, eth_attempt('2', "12"), 2); }));
  auto r = intent_by_id(*db, row.id);
  EXPECT_EQ(r->status, "SUBMITTED");
  EXPECT_EQ(r->nonce, 7u);
  EXPECT_EQ(r->attempts, 2u);
  EXPECT_EQ(r->tx_hash, h('2'));
  ASSERT_TRUE(r->live);
  EXPECT_EQ(r->live->tx_hash, h('2')); // the newest is the one re-sent
  EXPECT_EQ(r->to_json()["fee"]["max_fee_per_gas"], "12");
  auto all = attempts_of(*db, row.id);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, "LIVE"); // the first stays matchable
  EXPECT_EQ(all[1].attempt, 2u);
  // Seen above the finalized head: IN_BLOCK through the OLD attempt.
  ASSERT_FALSE(tx([&](statement_cache& sc) { mark_in_block(sc, h('1'), 50, h('b'), 3); }));
  EXPECT_EQ(intent_by_id(*db, row.id)->status, "IN_BLOCK");
  // The old attempt is the one mined: it settles the row.
  std::optional<int64_t> done;
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    done = settle_by_receipt(sc, "ethereum", h('1'), 50, h('b'), 3, true, "", 4);
  }));
  ASSERT_TRUE(done);
  EXPECT_EQ(*done, row.id);
  r = intent_by_id(*db, row.id);
  EXPECT_EQ(r->status, "FINALIZED");
  EXPECT_EQ(r->outcome, "success");
  EXPECT_EQ(r->tx_hash, h('1'));
  EXPECT_EQ(*r->block_number, 50u);
  EXPECT_EQ(*r->extrinsic_index, 3u);
  all = attempts_of(*db, row.id);
  EXPECT_EQ(all[0].status, "INCLUDED");
  EXPECT_EQ(all[1].status, "EXPIRED");
  // Final: neither replaced nor settled again.
  err = tx([&](statement_cache& sc) { record_replacement(sc, row.id, eth_attempt('3', "14"), 5); });
  EXPECT_EQ(refusal_of(err), refusal::intent_not_signable);
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    done = settle_by_receipt(sc, "ethereum", h('2'), 51, h('c'), 0, true, "", 5);
  }));
  EXPECT_FALSE(done);
  EXPECT_EQ(intent_by_id(*db, row.id)->tx_hash, h('1'));
}

TEST_F(outbox_fixture, a_reverted_receipt_finalizes_the_row_failed_with_one_warning) {
  auto row = add_eth(0);
  ASSERT_FALSE(tx([&](statement_cache& sc) { record_attempt(sc, row.id, eth_attempt('1', "10"), 1); }));
  std::optional<int64_t> done;
  for (int i = 0; i < 3; ++i) // read on every step until final; recorded once
    ASSERT_FALSE(tx([&](statement_cache& sc) {
      done = settle_by_receipt(sc, "ethereum", h('1'), 9, h('b'), 0, false, "reverted: no", 2 + i);
    }));
  auto r = intent_by_id(*db, row.id);
  EXPECT_EQ(r->status, "FINALIZED");
  EXPECT_EQ(r->outcome, "failed");
  EXPECT_EQ(r->dispatch_error, "reverted: no");
  EXPECT_EQ(alerts("warning"), 1u);
  EXPECT_EQ(outbox_counts(*db, "ethereum")["FINALIZED_FAILED"], 1u);
  // A hash that is not ours, or of the other chain, settles nothing.
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    done = settle_by_receipt(sc, "ethereum", h('9'), 9, h('b'), 1, true, "", 5);
  }));
  EXPECT_FALSE(done);
  auto k = add(alice, 0);
  ASSERT_FALSE(tx([&](statement_cache& sc) { record_attempt(sc, k.id, attempt('5'), 1); }));
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    done = settle_by_receipt(sc, "ethereum", h('5'), 9, h('b'), 1, true, "", 5);
  }));
  EXPECT_FALSE(done);
  EXPECT_EQ(intent_by_id(*db, k.id)->status, "SUBMITTED");
}

TEST_F(outbox_fixture, a_replaced_ethereum_row_stays_replaced_even_if_a_receipt_appears) {
  auto row = add_eth(3);
  ASSERT_FALSE(tx([&](statement_cache& sc) { record_attempt(sc, row.id, eth_attempt('1', "10"), 1); }));
  bool replaced = false;
  ASSERT_FALSE(tx([&](statement_cache& sc) { replaced = mark_replaced(sc, row.id, "by hand", 2); }));
  EXPECT_TRUE(replaced);
  EXPECT_EQ(alerts("critical"), 1u);
  std::optional<int64_t> done;
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    done = settle_by_receipt(sc, "ethereum", h('1'), 9, h('b'), 0, true, "", 3);
  }));
  EXPECT_FALSE(done);
  EXPECT_EQ(intent_by_id(*db, row.id)->status, "REPLACED");
}

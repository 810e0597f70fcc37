// The payout queue's state machine (storage/payout_queue.hpp): every
// transition, every refusal changing nothing, FIFO by numeric (block, log
// index), never more set aside than available, exactly once through the
// outbox, fees out of the fee ledger, HELD never dropped.
#include "storage/database.hpp"
#include "storage/outbox.hpp"
#include "storage/payout_queue.hpp"
#include "storage/ratio_ledger.hpp"
#include "storage/write_task.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::ledger;
using nlohmann::json;

namespace {

const std::string pool = "0x" + std::string(64, 'd');
const std::string eth_alice = "0x" + std::string(40, '1');

std::string who(char c) {
  return "0x" + std::string(64, c);
}

std::string h(char c, int n = 0) {
  std::string s = "0x" + std::string(64, c);
  auto tail = std::to_string(n);
  s.replace(s.size() - tail.size(), tail.size(), tail);
  return s;
}

u256 planck(uint64_t n) {
  return u256{n};
}

struct payout_queue_fixture : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<SQLite::Database> db;
  uint64_t eth_block = 0; // the Ethereum cursor the next window starts after

  void SetUp() override {
    auto opened = sql::open_database(dir.file("p.sqlite"), sql::open_mode::read_write);
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    ASSERT_TRUE(sql::migrate(*db));
  }

  // Runs f in a transaction as the storage actor does: a throw rolls it back.
  template <class F>
  caf::error tx(F&& f) {
    try {
      SQLite::Transaction t(*db);
      caf::error err;
      with_statements(*db, [&](statement_cache& sc) { err = f(sc); });
      // Committed even when refused: a refusal must have written nothing by
      // itself, not merely been rolled back by its caller.
      t.commit();
      return err;
    } catch (const write_refused& r) {
      return r.err;
    }
  }

  // One finalized window carrying `burns`; each burn: (request id, block, log
  // index, planck, recipient).
  struct burn {
    uint64_t id, block, log;
    uint64_t planck;
    std::string recipient;
  };
  void apply(const std::vector<burn>& burns) {
    eth_batch b;
    uint64_t last = eth_block;
    for (auto& x : burns) {
      u256 wei = *checked_mul(u256{x.planck}, wei_per_planck());
      b.burns.push_back({u256{x.id}, eth_alice, wei, wei, x.recipient, h('b', int(x.id)), x.log,
                         x.block});
      last = std::max(last, x.block);
    }
    b.to = {last + 1, "0x" + std::to_string(last + 1)};
    eth_block = last + 1;
    ASSERT_FALSE(tx([&](statement_cache& sc) { return apply_eth_batch(sc, b, 1); }));
  }
  void queue() {
    ASSERT_FALSE(tx([&](statement_cache& sc) {
      queue_requested(sc, 2);
      return caf::error{};
    }));
  }
  funding_result fund(uint64_t available) {
    funding_result r;
    EXPECT_FALSE(tx([&](statement_cache& sc) {
      r = fund_in_order(sc, planck(available), 3);
      return caf::error{};
    }));
    return r;
  }
  std::string status(uint64_t id) {
    auto r = find_unstake(*db, std::to_string(id));
    return r ? r->status : "MISSING";
  }
  int64_t count(const std::string& sql) {
    SQLite::Statement q(*db, sql);
    q.executeStep();
    return q.getColumn(0).getInt64();
  }
  void book_fee(uint64_t amount) {
    db->exec("INSERT INTO fee_ledger (kind, amount_planck, reference, created_at) VALUES ('FEE', '"
             + std::to_string(amount) + "', 'test', 0)");
  }
  u256 fee_left() {
    return with_statements(*db, [](statement_cache& sc) { return fee_balance(sc); });
  }
  int64_t payout_intent(uint64_t chain_nonce = 0) {
    outbox_intent row;
    EXPECT_FALSE(tx([&](statement_cache& sc) {
      row = add_intent(sc, "kusama", pool, "payout", json{{"pallet", "Utility"}}, chain_nonce, 4);
      return caf::error{};
    }));
    return row.id;
  }
  outbox_attempt attempt(char c) {
    outbox_attempt a;
    a.tx_hash = h(c);
    a.signed_hex = "0x" + std::string(10, c);
    a.era_birth = 100;
    a.era_period = 64;
    a.fee = "7";
    return a;
  }
  void sign(int64_t intent, char c) {
    ASSERT_FALSE(tx([&](statement_cache& sc) {
      record_attempt(sc, intent, attempt(c), 5);
      return caf::error{};
    }));
  }
  // The payout's extrinsic (attempt `c`) lands at index 2 of finalized block 500.
  void finalize(char c, bool success = true, const std::string& error = {}) {
    ASSERT_FALSE(tx([&](statement_cache& sc) {
      std::map<uint32_t, extrinsic_result> results{{2, {success, error}}};
      match_finalized_block(sc, "kusama", 500, h('f'), {h('0'), h('1'), h(c)}, results, 6);
      return caf::error{};
    }));
  }
  caf::error begin(const std::vector<std::string>& ids, int64_t intent, uint64_t fee = 10) {
    return tx([&](statement_cache& sc) { return begin_payout(sc, ids, intent, planck(fee), 5); });
  }
  caf::expected<settle_result> settle(int64_t intent, std::vector<payout_item_result> items,
                                      uint64_t fee = 7) {
    caf::expected<settle_result> out{settle_result{}};
    auto err = tx([&](statement_cache& sc) {
      out = settle_payout(sc, intent, items, planck(fee), 7);
      return out ? caf::error{} : out.error();
    });
    if (err)
      return err;
    return out;
  }
  // A snapshot of everything the queue owns, to prove a refusal changed nothing.
  std::string state() {
    std::string s;
    SQLite::Statement q(*db, "SELECT request_id, status, coalesce(held_reason, ''), "
                             "coalesce(outbox_id, -1), coalesce(batch_index, -1) "
                             "FROM unstake_requests ORDER BY request_id");
    while (q.executeStep())
      for (int i = 0; i < 5; ++i)
        s += q.getColumn(i).getString() + "|";
    SQLite::Statement f(*db, "SELECT kind, amount_planck FROM fee_ledger ORDER BY id");
    while (f.executeStep())
      s += f.getColumn(0).getString() + "=" + f.getColumn(1).getString() + ";";
    return s;
  }
};

} // namespace

TEST_F(payout_queue_fixture, a_request_goes_requested_queued_funded_paying_paid) {
  apply({{1, 10, 0, 1000, who('a')}});
  EXPECT_EQ(status(1), "REQUESTED");
  queue();
  EXPECT_EQ(status(1), "QUEUED");
  auto funded = fund(5000);
  ASSERT_EQ(funded.funded, std::vector<std::string>{"1"});
  EXPECT_EQ(funded.set_aside_planck, planck(1000));
  EXPECT_EQ(status(1), "FUNDED");
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent));
  EXPECT_EQ(status(1), "PAYING");
  EXPECT_EQ(fee_left(), planck(100))
    << "a reserved fee is not spent: its KSM is on chain and still the operator's";
  sign(intent, 'p');
  finalize('p');
  auto settled = settle(intent, {{true, ""}});
  ASSERT_TRUE(settled) << describe(settled.error());
  EXPECT_EQ(settled->paid, std::vector<std::string>{"1"});
  auto r = find_unstake(*db, "1");
  EXPECT_EQ(r->status, "PAID");
  EXPECT_EQ(r->kusama_extrinsic, "500-2");
  EXPECT_EQ(r->amount_planck, planck(1000)) << "the user gets exactly what was burned";
  EXPECT_EQ(r->to_json()["extrinsicId"], "500-2");
  EXPECT_EQ(fee_left(), planck(93)) << "the fee actually paid replaces the reservation";
  EXPECT_EQ(count("SELECT count(*) FROM history WHERE kind = 'UNSTAKE' AND status = 'PAID' "
                  "AND chain_ref = '500-2'"),
            1);
  EXPECT_EQ(summarize_account(*db, who('a'))->pending_unstake_planck, u256{});
}

TEST_F(payout_queue_fixture, every_state_but_paid_is_pending_for_the_account_and_owed_in_the_ratio) {
  apply({{1, 10, 0, 100, who('a')}, {2, 10, 1, 200, who('a')}, {3, 10, 2, 400, who('a')},
         {4, 10, 3, 800, who('a')}});
  queue();
  fund(300); // 1 and 2
  book_fee(10);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent, 1));   // 1 PAYING, 2 FUNDED, 3 and 4 QUEUED
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    return hold_request(sc, "4", hold_reason::operator_hold, "", 8);
  }));
  EXPECT_EQ(summarize_account(*db, who('a'))->pending_unstake_planck, planck(1500));
  auto owed = with_statements(*db, [](statement_cache& sc) { return ratio_side_of(sc); });
  EXPECT_EQ(owed.owed_payouts, planck(1500));
  auto totals = queue_totals_of(*db);
  EXPECT_EQ(totals.unfunded_planck, planck(400));
  EXPECT_EQ(totals.set_aside_planck, planck(300));
  EXPECT_EQ(totals.held_planck, planck(800));
}

TEST_F(payout_queue_fixture, fifo_order_is_numeric_block_9_before_10_and_log_2_before_10) {
  // Stored in an order where text comparison would be wrong on both keys.
  apply({{1, 10, 2, 100, who('a')}, {2, 9, 50, 100, who('b')}, {3, 10, 10, 100, who('c')},
         {4, 100, 0, 100, who('d')}});
  queue();
  auto head = queue_head(*db);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->request_id, "2");
  auto funded = fund(1000);
  EXPECT_EQ(funded.funded, (std::vector<std::string>{"2", "1", "3", "4"}));
  auto page = unstakes_in_state(*db, "FUNDED", std::nullopt, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[1].request_id, "1");
  auto next = unstakes_in_state(*db, "FUNDED", std::make_pair(page[1].block_number,
                                                              page[1].log_index), 10);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].request_id, "3");
  EXPECT_EQ(next[1].request_id, "4");
}

TEST_F(payout_queue_fixture, funding_stops_at_the_first_request_that_does_not_fit) {
  apply({{1, 10, 0, 100, who('a')}, {2, 11, 0, 500, who('b')}, {3, 12, 0, 50, who('c')}});
  queue();
  auto funded = fund(300);
  EXPECT_EQ(funded.funded, std::vector<std::string>{"1"});
  EXPECT_EQ(funded.blocked_by, std::optional<std::string>{"2"});
  EXPECT_EQ(status(3), "QUEUED") << "a small later request never jumps a large head";
  // More KSM later: what is already set aside counts against it.
  funded = fund(650);
  EXPECT_EQ(funded.funded, (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(funded.set_aside_planck, planck(650));
}

TEST_F(payout_queue_fixture, funded_total_never_exceeds_available) {
  std::vector<burn> burns;
  for (uint64_t i = 1; i <= 40; ++i)
    burns.push_back({i, 10 + i % 7, i, 37 * i % 101 + 1, who('a')});
  apply(burns);
  queue();
  for (uint64_t available : {0u, 50u, 120u, 90u, 400u, 1000u, 3000u}) {
    auto r = fund(available);
    auto totals = queue_totals_of(*db);
    EXPECT_EQ(totals.set_aside_planck, r.set_aside_planck);
    // Already set aside may exceed a smaller later reading (KSM spent), but
    // nothing new is funded then.
    if (!r.funded.empty()) {
      EXPECT_LE(totals.set_aside_planck, planck(available));
    }
  }
  EXPECT_EQ(queue_totals_of(*db).unfunded_planck, u256{});
}

TEST_F(payout_queue_fixture, set_aside_and_totals_are_exact_for_amounts_of_any_length) {
  // The sums are taken in SQL for amounts of up to 18 digits and in C++ for
  // longer ones (storage/payout_queue.cpp sum_where): both paths, mixed, at
  // the 9- and 18-digit boundaries, must give the exact total.
  std::vector<std::string> amounts = {"1", "999999999", "1000000000", "999999999999999999",
                                      "1000000000000000000", "123456789012345678901234567890"};
  eth_batch b;
  u256 total{};
  for (size_t i = 0; i < amounts.size(); ++i) {
    auto planck_amount = *u256::from_dec(amounts[i]);
    total = *checked_add(total, planck_amount);
    u256 wei = *checked_mul(planck_amount, wei_per_planck());
    b.burns.push_back({u256{i + 1}, eth_alice, wei, wei, who('a'), h('b', int(i + 1)), i, 10});
  }
  b.to = {11, "0x11"};
  ASSERT_FALSE(tx([&](statement_cache& sc) { return apply_eth_batch(sc, b, 1); }));
  queue();
  EXPECT_EQ(queue_totals_of(*db).unfunded_planck, total);
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    auto r = fund_in_order(sc, total, 3);
    EXPECT_EQ(r.funded.size(), amounts.size());
    EXPECT_EQ(r.set_aside_planck, total);
    return caf::error{};
  }));
  EXPECT_EQ(queue_totals_of(*db).set_aside_planck, total);
  EXPECT_EQ(queue_totals_of(*db).unfunded_planck, u256{});
  // One planck more set aside than available: nothing else is funded.
  apply({{100, 20, 0, 1, who('b')}});
  queue();
  auto r = fund(0);
  EXPECT_TRUE(r.funded.empty());
  EXPECT_EQ(r.set_aside_planck, total);
}

TEST_F(payout_queue_fixture, funding_walks_a_queue_longer_than_one_page_in_order) {
  // fund_in_order reads the queue a page (64) at a time: a walk that crosses
  // pages funds in order and stops at the first request that does not fit.
  std::vector<burn> burns;
  for (uint64_t i = 1; i <= 150; ++i)
    burns.push_back({i, 10 + i / 7, i % 7, 10, who('a')});
  apply(burns);
  queue();
  auto r = fund(1305); // 130 requests of 10, 5 planck left
  ASSERT_EQ(r.funded.size(), 130u);
  for (uint64_t i = 0; i < 130; ++i)
    EXPECT_EQ(r.funded[i], std::to_string(i + 1));
  EXPECT_EQ(r.blocked_by, std::optional<std::string>{"131"});
  EXPECT_EQ(r.set_aside_planck, planck(1300));
  r = fund(5000);
  EXPECT_EQ(r.funded.size(), 20u);
  EXPECT_FALSE(r.blocked_by);
  EXPECT_EQ(r.set_aside_planck, planck(1500));
}

TEST_F(payout_queue_fixture, out_of_order_funding_is_refused_and_changes_nothing) {
  apply({{1, 10, 0, 100, who('a')}, {2, 11, 0, 100, who('b')}});
  queue();
  auto before = state();
  auto err = tx([&](statement_cache& sc) { return fund_request(sc, "2", planck(1000), 3); });
  EXPECT_EQ(refusal_of(err), refusal::unstake_out_of_order);
  EXPECT_TRUE(is(err, ec::invalid_state));
  EXPECT_EQ(state(), before);
  err = tx([&](statement_cache& sc) { return fund_request(sc, "1", planck(99), 3); });
  EXPECT_EQ(refusal_of(err), refusal::unstake_exceeds_available);
  EXPECT_EQ(state(), before);
  ASSERT_FALSE(tx([&](statement_cache& sc) { return fund_request(sc, "1", planck(200), 3); }));
  err = tx([&](statement_cache& sc) { return fund_request(sc, "2", planck(199), 3); });
  EXPECT_EQ(refusal_of(err), refusal::unstake_exceeds_available) << "100 is already set aside";
  err = tx([&](statement_cache& sc) { return fund_request(sc, "1", planck(1000), 3); });
  EXPECT_EQ(refusal_of(err), refusal::unstake_wrong_state);
  err = tx([&](statement_cache& sc) { return fund_request(sc, "9", planck(1000), 3); });
  EXPECT_EQ(refusal_of(err), refusal::unstake_unknown);
  ASSERT_FALSE(tx([&](statement_cache& sc) { return fund_request(sc, "2", planck(200), 3); }));
}

TEST_F(payout_queue_fixture, a_request_not_yet_queued_blocks_funding_behind_it) {
  apply({{1, 10, 0, 100, who('a')}});
  queue();
  apply({{2, 20, 0, 100, who('b')}}); // REQUESTED, after 1
  apply({{3, 30, 0, 100, who('c')}});
  db->exec("UPDATE unstake_requests SET status = 'QUEUED' WHERE request_id = '3'");
  auto funded = fund(1000);
  EXPECT_EQ(funded.funded, std::vector<std::string>{"1"});
  EXPECT_EQ(funded.blocked_by, std::optional<std::string>{"2"});
  EXPECT_EQ(status(3), "QUEUED");
}

TEST_F(payout_queue_fixture, a_held_request_does_not_block_the_queue_and_is_funded_next_once_released) {
  apply({{1, 10, 0, 100, who('a')}, {2, 11, 0, 100, who('b')}, {3, 12, 0, 100, who('c')}});
  queue();
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    return hold_request(sc, "1", hold_reason::recipient_missing, "", 3);
  }));
  EXPECT_EQ(find_unstake(*db, "1")->held_reason, "recipient_missing");
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE message LIKE '%request 1 HELD%'"), 1);
  auto funded = fund(100);
  EXPECT_EQ(funded.funded, std::vector<std::string>{"2"});
  ASSERT_FALSE(tx([&](statement_cache& sc) { return release_held(sc, "1", 4); }));
  EXPECT_EQ(status(1), "QUEUED");
  EXPECT_EQ(queue_head(*db)->request_id, "1");
  funded = fund(1000);
  EXPECT_EQ(funded.funded, (std::vector<std::string>{"1", "3"}));
}

TEST_F(payout_queue_fixture, paying_an_unfunded_request_is_refused_and_changes_nothing) {
  apply({{1, 10, 0, 100, who('a')}, {2, 11, 0, 100, who('b')}});
  queue();
  fund(100);
  book_fee(100);
  auto intent = payout_intent();
  auto before = state();
  auto err = begin({"1", "2"}, intent);
  EXPECT_EQ(refusal_of(err), refusal::unstake_wrong_state);
  EXPECT_EQ(state(), before);
  EXPECT_EQ(refusal_of(begin({}, intent)), refusal::unstake_wrong_state);
  EXPECT_EQ(refusal_of(begin({"1", "1"}, intent)), refusal::unstake_wrong_state);
  EXPECT_EQ(refusal_of(begin({"7"}, intent)), refusal::unstake_unknown);
  EXPECT_EQ(state(), before);
}

TEST_F(payout_queue_fixture, a_payout_needs_an_unused_unsigned_kusama_payout_intent) {
  apply({{1, 10, 0, 100, who('a')}, {2, 11, 0, 100, who('b')}});
  queue();
  fund(1000);
  book_fee(100);
  auto before = state();
  EXPECT_EQ(refusal_of(begin({"1"}, 999)), refusal::payout_intent_unusable);
  outbox_intent bond;
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    bond = add_intent(sc, "kusama", pool, "bond", json::object(), 0, 4);
    return caf::error{};
  }));
  EXPECT_EQ(refusal_of(begin({"1"}, bond.id)), refusal::payout_intent_unusable);
  auto signed_already = payout_intent();
  sign(bond.id, 'q');
  sign(signed_already, 's');
  EXPECT_EQ(refusal_of(begin({"1"}, signed_already)), refusal::payout_intent_unusable);
  EXPECT_EQ(state(), before);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent));
  EXPECT_EQ(refusal_of(begin({"2"}, intent)), refusal::payout_intent_unusable)
    << "one payout per intent";
}

TEST_F(payout_queue_fixture, a_payout_whose_fee_the_fee_ledger_cannot_cover_is_refused_counting_fees_in_flight) {
  apply({{1, 10, 0, 100, who('a')}});
  queue();
  fund(1000);
  book_fee(5);
  auto intent = payout_intent();
  auto before = state();
  auto err = begin({"1"}, intent, 6);
  EXPECT_EQ(refusal_of(err), refusal::payout_fee_unfunded);
  EXPECT_TRUE(is(err, ec::unavailable));
  EXPECT_EQ(state(), before);
  ASSERT_FALSE(begin({"1"}, intent, 5));
  EXPECT_EQ(fee_left(), planck(5)) << "reserved, not spent";
  // A second payout in flight cannot count on the same fee.
  apply({{2, 20, 0, 100, who('b')}});
  queue();
  fund(1000);
  auto second = payout_intent();
  before = state();
  EXPECT_EQ(refusal_of(begin({"2"}, second, 1)), refusal::payout_fee_unfunded);
  EXPECT_EQ(state(), before);
  // The first settles for 3: 2 can be reserved again.
  sign(intent, 'p');
  finalize('p');
  ASSERT_TRUE(settle(intent, {{true, ""}}, 3));
  EXPECT_EQ(fee_left(), planck(2));
  ASSERT_FALSE(begin({"2"}, second, 2));
}

TEST_F(payout_queue_fixture, settling_before_the_outbox_row_is_final_is_refused) {
  apply({{1, 10, 0, 100, who('a')}});
  queue();
  fund(1000);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent));
  EXPECT_EQ(refusal_of(settle(intent, {{true, ""}}).error()), refusal::payout_not_final);
  sign(intent, 'p');
  EXPECT_EQ(refusal_of(settle(intent, {{true, ""}}).error()), refusal::payout_not_final);
  EXPECT_EQ(status(1), "PAYING");
}

TEST_F(payout_queue_fixture, an_expired_then_resigned_payout_stays_paying_on_the_same_intent) {
  apply({{1, 10, 0, 100, who('a')}});
  queue();
  fund(1000);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent));
  sign(intent, 'p');
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    EXPECT_TRUE(mark_expired(sc, intent, h('p'), 6));
    return caf::error{};
  }));
  EXPECT_EQ(refusal_of(settle(intent, {{true, ""}}).error()), refusal::payout_not_final);
  auto r = find_unstake(*db, "1");
  EXPECT_EQ(r->status, "PAYING");
  EXPECT_EQ(r->outbox_id, std::optional<int64_t>{intent});
  sign(intent, 'r'); // same intent, same nonce, new attempt
  finalize('r');
  ASSERT_TRUE(settle(intent, {{true, ""}}));
  EXPECT_EQ(status(1), "PAID");
}

TEST_F(payout_queue_fixture, settling_twice_is_refused_and_changes_nothing) {
  apply({{1, 10, 0, 100, who('a')}});
  queue();
  fund(1000);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent));
  sign(intent, 'p');
  finalize('p');
  ASSERT_TRUE(settle(intent, {{true, ""}}));
  auto before = state();
  auto again = settle(intent, {{true, ""}}, 9);
  ASSERT_FALSE(again);
  EXPECT_EQ(refusal_of(again.error()), refusal::payout_already_settled);
  EXPECT_EQ(state(), before);
  EXPECT_EQ(refusal_of(settle(12345, {}).error()), refusal::payout_intent_unusable);
}

TEST_F(payout_queue_fixture, item_results_must_match_the_batch) {
  apply({{1, 10, 0, 100, who('a')}, {2, 10, 1, 100, who('b')}});
  queue();
  fund(1000);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1", "2"}, intent));
  sign(intent, 'p');
  finalize('p');
  auto before = state();
  auto r = settle(intent, {{true, ""}});
  EXPECT_EQ(refusal_of(r.error()), refusal::payout_results_mismatch);
  EXPECT_TRUE(is(r.error(), ec::invalid_input));
  EXPECT_EQ(state(), before);
}

TEST_F(payout_queue_fixture, a_failed_item_is_held_with_its_error_and_the_others_are_paid) {
  apply({{1, 10, 0, 100, who('a')}, {2, 10, 1, 5, who('b')}, {3, 10, 2, 100, who('c')}});
  queue();
  fund(1000);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1", "2", "3"}, intent));
  sign(intent, 'p');
  finalize('p');
  auto r = settle(intent, {{true, ""}, {false, "Balances.ExistentialDeposit"}, {true, ""}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->paid, (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(r->held, std::vector<std::string>{"2"});
  auto held = find_unstake(*db, "2");
  EXPECT_EQ(held->status, "HELD");
  EXPECT_EQ(held->held_reason, "item_failed:Balances.ExistentialDeposit");
  EXPECT_EQ(held->to_json()["heldReason"], "item_failed:Balances.ExistentialDeposit");
  EXPECT_EQ(queue_totals_of(*db).set_aside_planck, u256{}) << "a held request sets nothing aside";
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE source = 'payout_queue'"), 1);
  // Not retried by itself: funding walks past it.
  EXPECT_TRUE(fund(1000).funded.empty());
  EXPECT_EQ(status(2), "HELD");
}

TEST_F(payout_queue_fixture, a_failed_extrinsic_holds_every_request_and_still_books_its_fee) {
  apply({{1, 10, 0, 100, who('a')}, {2, 10, 1, 100, who('b')}});
  queue();
  fund(1000);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1", "2"}, intent, 20));
  sign(intent, 'p');
  finalize('p', false, "Utility.TooManyCalls");
  auto r = settle(intent, {}, 9);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->held.size(), 2u);
  EXPECT_EQ(find_unstake(*db, "1")->held_reason, "batch_failed:Utility.TooManyCalls");
  EXPECT_EQ(fee_left(), planck(91));
}

TEST_F(payout_queue_fixture, a_replaced_payout_holds_its_requests_and_books_no_fee) {
  apply({{1, 10, 0, 100, who('a')}});
  queue();
  fund(1000);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent, 20));
  sign(intent, 'p');
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    EXPECT_TRUE(mark_replaced(sc, intent, "nonce used by hand", 6));
    return caf::error{};
  }));
  ASSERT_TRUE(settle(intent, {}, 9));
  EXPECT_EQ(find_unstake(*db, "1")->held_reason, "outbox_replaced");
  EXPECT_EQ(fee_left(), planck(100));
  // The operator checked the chain and releases it: it is paid by a new intent.
  ASSERT_FALSE(tx([&](statement_cache& sc) { return release_held(sc, "1", 8); }));
  auto r = find_unstake(*db, "1");
  EXPECT_EQ(r->status, "QUEUED");
  EXPECT_FALSE(r->outbox_id);
}

TEST_F(payout_queue_fixture, a_fee_above_the_fee_ledger_books_what_it_holds_and_alerts) {
  apply({{1, 10, 0, 100, who('a')}});
  queue();
  fund(1000);
  book_fee(10);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent, 8));
  sign(intent, 'p');
  finalize('p');
  auto r = settle(intent, {{true, ""}}, 15);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->fee_booked_planck, planck(10));
  EXPECT_EQ(fee_left(), u256{}) << "the fee ledger never goes below zero";
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE severity = 'critical' "
                  "AND message LIKE '%shortfall of 5 planck%'"),
            1);
}

TEST_F(payout_queue_fixture, hold_and_release_refuse_the_wrong_states) {
  apply({{1, 10, 0, 100, who('a')}, {2, 11, 0, 100, who('b')}});
  queue();
  fund(100);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent));
  auto before = state();
  auto hold = [&](const std::string& id) {
    return tx([&](statement_cache& sc) {
      return hold_request(sc, id, hold_reason::operator_hold, "", 8);
    });
  };
  EXPECT_EQ(refusal_of(hold("1")), refusal::unstake_wrong_state) << "PAYING is the chain's now";
  EXPECT_EQ(refusal_of(hold("9")), refusal::unstake_unknown);
  auto release = [&](const std::string& id) {
    return tx([&](statement_cache& sc) { return release_held(sc, id, 8); });
  };
  EXPECT_EQ(refusal_of(release("2")), refusal::unstake_wrong_state);
  EXPECT_EQ(refusal_of(release("9")), refusal::unstake_unknown);
  EXPECT_EQ(state(), before);
  ASSERT_FALSE(hold("2"));
  EXPECT_EQ(refusal_of(hold("2")), refusal::unstake_wrong_state) << "already HELD";
}

TEST_F(payout_queue_fixture, a_malformed_recipient_is_recorded_held_with_an_alert_not_a_crash) {
  apply({{1, 10, 0, 100, "0x1234"}, {2, 10, 1, 100, who('b')}});
  auto held = find_unstake(*db, "1");
  ASSERT_TRUE(held);
  EXPECT_EQ(held->status, "HELD");
  EXPECT_EQ(held->held_reason, "malformed_recipient");
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE severity = 'warning' "
                  "AND message LIKE '%malformed_recipient%'"),
            1);
  EXPECT_EQ(status(2), "REQUESTED") << "the rest of the window applied";
  queue();
  EXPECT_EQ(fund(1000).funded, std::vector<std::string>{"2"});
  auto before = state();
  auto err = tx([&](statement_cache& sc) { return release_held(sc, "1", 8); });
  EXPECT_EQ(refusal_of(err), refusal::unstake_unpayable);
  EXPECT_EQ(state(), before);
}

TEST_F(payout_queue_fixture, an_amount_under_one_planck_is_held_and_never_released_into_the_queue) {
  eth_batch b;
  b.burns.push_back({u256{1}, eth_alice, u256{999'999}, u256{999'999}, who('a'), h('b', 1), 0, 10});
  b.to = {11, "0x11"};
  ASSERT_FALSE(tx([&](statement_cache& sc) { return apply_eth_batch(sc, b, 1); }));
  auto r = find_unstake(*db, "1");
  EXPECT_EQ(r->status, "HELD");
  EXPECT_EQ(r->held_reason, "zero_amount");
  EXPECT_EQ(r->amount_planck, u256{});
  auto err = tx([&](statement_cache& sc) { return release_held(sc, "1", 8); });
  EXPECT_EQ(refusal_of(err), refusal::unstake_unpayable);
  queue();
  EXPECT_TRUE(fund(1000).funded.empty());
}

TEST_F(payout_queue_fixture, a_replayed_burn_is_recorded_once_and_keeps_its_state) {
  apply({{1, 10, 0, 100, who('a')}});
  queue();
  fund(1000);
  apply({{1, 10, 0, 100, who('a')}}); // the same (tx hash, log index) in a later window
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests"), 1);
  EXPECT_EQ(status(1), "FUNDED");
  EXPECT_EQ(count("SELECT count(*) FROM history WHERE kind = 'UNSTAKE'"), 1);
}

TEST_F(payout_queue_fixture, expected_release_times_are_noted_only_on_queued_requests) {
  apply({{1, 10, 0, 100, who('a')}, {2, 11, 0, 100, who('b')}});
  queue();
  fund(100);
  size_t n = 0;
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    n = note_expected_release(sc, {{"1", 111}, {"2", 222}, {"9", 333}}, 5);
    return caf::error{};
  }));
  EXPECT_EQ(n, 1u);
  EXPECT_FALSE(find_unstake(*db, "1")->expected_release_at);
  EXPECT_EQ(find_unstake(*db, "2")->expected_release_at, std::optional<int64_t>{222});
  EXPECT_EQ(find_unstake(*db, "2")->to_json()["expectedReleaseTimestamp"], 222);
}

TEST_F(payout_queue_fixture, counts_by_state_and_requests_of_an_intent_read_back) {
  apply({{1, 10, 0, 100, who('a')}, {2, 10, 1, 100, who('b')}, {3, 10, 2, 100, who('c')}});
  queue();
  fund(200);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"2", "1"}, intent));
  auto counts = unstake_counts(*db);
  EXPECT_EQ(counts["PAYING"], 2u);
  EXPECT_EQ(counts["QUEUED"], 1u);
  auto linked = requests_of_intent(*db, intent);
  ASSERT_EQ(linked.size(), 2u);
  EXPECT_EQ(linked[0].request_id, "2");
  EXPECT_EQ(linked[0].batch_index, std::optional<uint32_t>{0});
  EXPECT_EQ(linked[1].request_id, "1");
  EXPECT_TRUE(funded_batch(*db, 10).empty());
}

TEST(payout_queue_migration, rebuilding_unstake_requests_keeps_every_row_and_maps_failed_to_held) {
  test::temp_dir dir;
  auto opened = sql::open_database(dir.file("m.sqlite"), sql::open_mode::read_write);
  ASSERT_TRUE(opened);
  auto& db = **opened;
  ASSERT_TRUE(sql::migrate(db, 8));
  db.exec("INSERT INTO unstake_requests (request_id, tx_hash, log_index, block_number, "
          "eth_account, recipient, amount_wei, amount_planck, shares, status, created_at, "
          "updated_at) VALUES ('1', '0xa', 0, 5, '0xe', '0xr', '1000000', '1', '1', 'REQUESTED', 1, 1), "
          "('2', '0xb', 1, 5, '0xe', '0xr', '2000000', '2', '2', 'FAILED', 1, 1)");
  db.exec("INSERT INTO fee_ledger (kind, amount_planck, reference, created_at) "
          "VALUES ('FEE', '42', 'x', 1)");
  auto applied = sql::migrate(db);
  ASSERT_TRUE(applied);
  EXPECT_EQ(*sql::schema_version(db), sql::latest_schema_version());
  SQLite::Statement q(db, "SELECT request_id, status, coalesce(held_reason, '') FROM "
                          "unstake_requests ORDER BY request_id");
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(1).getString(), "REQUESTED");
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(1).getString(), "HELD");
  EXPECT_EQ(q.getColumn(2).getString(), "legacy_failed");
  EXPECT_EQ(db.execAndGet("SELECT amount_planck FROM fee_ledger").getString(), "42");
  EXPECT_FALSE(sql::integrity_check(db));
  EXPECT_THROW(db.exec("UPDATE unstake_requests SET status = 'FAILED' WHERE request_id = '1'"),
               SQLite::Exception);
  EXPECT_THROW(db.exec("UPDATE unstake_requests SET amount_planck = '1.5' WHERE request_id = '1'"),
               SQLite::Exception);
}

// Regression (payout_outage_e2e in CI): the node did not answer the fee quote,
// the attempt was signed with fee "", and settling it threw "corrupt amount"
// inside the watcher's block transaction: the watcher stopped for good.
TEST_F(payout_queue_fixture, a_payout_signed_without_a_fee_quote_settles_from_the_chain_fee) {
  apply({{1, 10, 0, 1000, who('a')}});
  queue();
  fund(5000);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent, 10));
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    auto a = attempt('p');
    a.fee = ""; // no quote
    record_attempt(sc, intent, a, 5);
    return caf::error{};
  }));
  finalize('p');
  u256 from_chain, reserve_only;
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    EXPECT_FALSE(included_fee(sc, intent)) << "an empty quote is no quote, not an error";
    from_chain = payout_fee_to_book(sc, intent, planck(9));
    reserve_only = payout_fee_to_book(sc, intent, std::nullopt);
    return caf::error{};
  }));
  EXPECT_EQ(from_chain, planck(9)) << "TransactionFeePaid wins";
  EXPECT_EQ(reserve_only, planck(10)) << "no event, no quote: the reserve booked at signing";
  auto settled = settle(intent, {{true, ""}}, 9);
  ASSERT_TRUE(settled) << describe(settled.error());
  EXPECT_EQ(status(1), "PAID");
  EXPECT_EQ(fee_left(), planck(91));
}

TEST_F(payout_queue_fixture, the_quote_is_booked_when_the_chain_reports_no_fee) {
  apply({{1, 10, 0, 1000, who('a')}});
  queue();
  fund(5000);
  book_fee(100);
  auto intent = payout_intent();
  ASSERT_FALSE(begin({"1"}, intent, 10));
  sign(intent, 'p'); // quoted 7
  finalize('p');
  ASSERT_FALSE(tx([&](statement_cache& sc) {
    EXPECT_EQ(included_fee(sc, intent), std::optional<u256>(planck(7)));
    EXPECT_EQ(payout_fee_to_book(sc, intent, std::nullopt), planck(7));
    return caf::error{};
  }));
}

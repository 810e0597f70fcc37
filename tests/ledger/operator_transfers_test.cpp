// Operator transfers (storage/operator_transfers.hpp): a BELOW_MINIMUM deposit
// is refunded once, whole, to its sender; fee withdrawals never exceed the fee
// ledger; each settles once from its own outbox row; every refusal changes nothing.
#include "storage/database.hpp"
#include "storage/kusama_ledger.hpp"
#include "storage/operator_transfers.hpp"
#include "storage/outbox.hpp"
#include "storage/ratio_ledger.hpp"
#include "storage/write_task.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::ledger;

namespace {

const std::string alice = "0x" + std::string(64, 'a');
const std::string operator_account = "0x" + std::string(64, 'c');
const std::string pool = "0x" + std::string(64, 'd');

struct operator_transfers_test : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<SQLite::Database> db;

  void SetUp() override {
    auto opened = sql::open_database(dir.file("t.sqlite"), sql::open_mode::read_write);
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    ASSERT_TRUE(sql::migrate(*db));
  }

  template <class F>
  auto tx(F&& f) {
    SQLite::Transaction t(*db);
    std::optional<decltype(f(std::declval<statement_cache&>()))> out;
    with_statements(*db, [&](statement_cache& sc) { out.emplace(f(sc)); });
    t.commit(); // committed even when refused: a refusal must write nothing by itself
    return std::move(*out);
  }

  int64_t count(const std::string& sql) { return db->execAndGet(sql).getInt64(); }

  // A deposit of `planck` from alice, BELOW_MINIMUM when under `minimum`.
  int64_t deposit(uint64_t planck, uint64_t minimum, uint32_t event) {
    tx([&](statement_cache& sc) {
      return credit_deposit(sc.db(), kusama_deposit{"0x" + std::string(64, 'b'), 100, 2, event,
                                                    "0x" + std::string(64, 'e'), alice, u256{planck}},
                            u256{minimum}, 1);
    });
    return db->execAndGet("SELECT MAX(id) FROM deposits").getInt64();
  }

  int64_t intent(uint64_t nonce) {
    return tx([&](statement_cache& sc) {
      return add_intent(sc, "kusama", pool, "refund", nlohmann::json::object(), nonce, 5).id;
    });
  }

  std::string status_of(int64_t id) {
    return db->execAndGet("SELECT status FROM operator_transfers WHERE id = " + std::to_string(id))
      .getString();
  }
};

refusal refused(const caf::error& err) {
  auto r = refusal_of(err);
  EXPECT_TRUE(r.has_value()) << describe(err);
  return r.value_or(refusal::zero_amount);
}

} // namespace

TEST_F(operator_transfers_test, a_below_minimum_deposit_is_refunded_once_whole_to_its_sender) {
  auto id = deposit(5000, 10'000, 3);
  auto r = tx([&](statement_cache& sc) { return request_refund(sc, id, 7, 10); });
  ASSERT_TRUE(r) << describe(r.error());
  auto t = transfer_by_id(*db, *r);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, "REFUND");
  EXPECT_EQ(t->recipient, alice);
  EXPECT_EQ(t->amount_planck, u256{5000});
  EXPECT_EQ(t->action_id, 7);
  // Asked twice: refused, nothing written.
  auto again = tx([&](statement_cache& sc) { return request_refund(sc, id, std::nullopt, 11); });
  ASSERT_FALSE(again);
  EXPECT_EQ(refused(again.error()), refusal::deposit_not_refundable);
  EXPECT_EQ(count("SELECT COUNT(*) FROM operator_transfers"), 1);

  auto row = intent(0);
  ASSERT_FALSE(tx([&](statement_cache& sc) { return begin_transfer(sc, *r, row, 12); }));
  EXPECT_EQ(status_of(*r), "PAYING");
  auto twice = tx([&](statement_cache& sc) { return begin_transfer(sc, *r, row, 12); });
  EXPECT_EQ(refused(twice), refusal::transfer_wrong_state);
  // The refundable KSM stays counted until the block that moved it settles.
  EXPECT_EQ(refundable_planck(*db), u256{5000});
  auto done = tx([&](statement_cache& sc) { return settle_transfer(sc, row, true, "500-2", "", 13); });
  ASSERT_TRUE(done) << describe(done.error());
  EXPECT_EQ(done->status, "DONE");
  EXPECT_EQ(status_of(*r), "DONE");
  EXPECT_EQ(count("SELECT COUNT(*) FROM deposits WHERE status = 'REFUNDED'"), 1);
  EXPECT_TRUE(refundable_planck(*db).is_zero());
  auto settle_again = tx([&](statement_cache& sc) { return settle_transfer(sc, row, true, "500-2", "", 14); });
  EXPECT_FALSE(settle_again) << "a transfer settles once";
  // A REFUNDED deposit cannot be refunded again.
  auto after = tx([&](statement_cache& sc) { return request_refund(sc, id, std::nullopt, 15); });
  ASSERT_FALSE(after);
  EXPECT_EQ(refused(after.error()), refusal::deposit_not_refundable);
}

TEST_F(operator_transfers_test, a_credited_or_unknown_deposit_is_not_refunded) {
  auto credited = deposit(50'000, 10'000, 4);
  auto r = tx([&](statement_cache& sc) { return request_refund(sc, credited, std::nullopt, 10); });
  ASSERT_FALSE(r);
  EXPECT_EQ(refused(r.error()), refusal::deposit_not_refundable);
  auto unknown = tx([&](statement_cache& sc) { return request_refund(sc, 999, std::nullopt, 10); });
  ASSERT_FALSE(unknown);
  EXPECT_EQ(refused(unknown.error()), refusal::transfer_unknown);
  EXPECT_EQ(count("SELECT COUNT(*) FROM operator_transfers"), 0);
}

TEST_F(operator_transfers_test, a_failed_refund_keeps_the_deposit_refundable_and_may_be_asked_again) {
  auto id = deposit(5000, 10'000, 3);
  auto r = tx([&](statement_cache& sc) { return request_refund(sc, id, std::nullopt, 10); });
  ASSERT_TRUE(r);
  auto row = intent(0);
  tx([&](statement_cache& sc) { return begin_transfer(sc, *r, row, 11); });
  auto failed = tx([&](statement_cache& sc) {
    return settle_transfer(sc, row, false, "", "Balances.ExistentialDeposit", 12);
  });
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, "FAILED");
  EXPECT_EQ(failed->reason, "Balances.ExistentialDeposit");
  EXPECT_EQ(count("SELECT COUNT(*) FROM deposits WHERE status = 'BELOW_MINIMUM'"), 1);
  EXPECT_EQ(refundable_planck(*db), u256{5000});
  auto again = tx([&](statement_cache& sc) { return request_refund(sc, id, std::nullopt, 13); });
  EXPECT_TRUE(again) << "a failed refund does not block another";
}

TEST_F(operator_transfers_test, fee_withdrawals_never_exceed_the_fee_ledger_and_book_only_when_done) {
  db->exec("INSERT INTO fee_ledger (kind, amount_planck, reference, created_at) VALUES ('FEE', '1000', 'r', 1)");
  auto zero = tx([&](statement_cache& sc) {
    return request_fee_withdrawal(sc, u256{}, operator_account, std::nullopt, 2);
  });
  ASSERT_FALSE(zero);
  EXPECT_EQ(refused(zero.error()), refusal::zero_amount);
  auto bad = tx([&](statement_cache& sc) {
    return request_fee_withdrawal(sc, u256{10}, "0x1234", std::nullopt, 2);
  });
  ASSERT_FALSE(bad);
  EXPECT_EQ(refused(bad.error()), refusal::deposit_malformed);
  auto first = tx([&](statement_cache& sc) {
    return request_fee_withdrawal(sc, u256{600}, operator_account, std::nullopt, 2);
  });
  ASSERT_TRUE(first);
  // 600 already asked for: 400 is all that is left.
  auto over = tx([&](statement_cache& sc) {
    return request_fee_withdrawal(sc, u256{401}, operator_account, std::nullopt, 3);
  });
  ASSERT_FALSE(over);
  EXPECT_EQ(refused(over.error()), refusal::fee_withdrawal_exceeds_balance);
  EXPECT_EQ(count("SELECT COUNT(*) FROM operator_transfers"), 1);
  EXPECT_EQ(tx([&](statement_cache& sc) { return fee_balance(sc); }), u256{1000}) << "not booked yet";
  auto row = intent(0);
  tx([&](statement_cache& sc) { return begin_transfer(sc, *first, row, 4); });
  auto done = tx([&](statement_cache& sc) { return settle_transfer(sc, row, true, "501-1", "", 5); });
  ASSERT_TRUE(done);
  EXPECT_EQ(tx([&](statement_cache& sc) { return fee_balance(sc); }), u256{400});
  EXPECT_EQ(tx([&](statement_cache& sc) { return pending_fee_withdrawals(sc); }), u256{});
  auto rest = tx([&](statement_cache& sc) {
    return request_fee_withdrawal(sc, u256{400}, operator_account, std::nullopt, 6);
  });
  EXPECT_TRUE(rest);
}

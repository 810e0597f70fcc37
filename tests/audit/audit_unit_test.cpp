// storage/audit on temp databases built through the ledger's own functions
// (apply_kusama_block, reserve_claim, apply_eth_batch, record_calculation,
// apply_ratio_updated). Raw SQL appears only to corrupt a clean ledger on
// purpose; each corruption must be reported with its code and a message that
// names the row.
#include "storage/audit.hpp"
#include "storage/database.hpp"
#include "storage/ledger.hpp"
#include "storage/outbox.hpp"
#include "storage/ratio_ledger.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

#include <algorithm>

using namespace lstaked;
using namespace lstaked::ledger;

namespace {

const std::string alice = "0x" + std::string(64, 'a');
const std::string bob = "0x" + std::string(64, 'b');
const std::string eth_alice = "0x" + std::string(40, '1');
const std::string block1 = "0x" + std::string(64, '1');
const std::string block2 = "0x" + std::string(64, '2');

u256 planck(uint64_t whole_ksm) {
  return *chain::eth::checked_mul(u256{whole_ksm}, u256::pow10(12));
}
u256 wei_of(const u256& p) {
  return *chain::eth::checked_mul(p, wei_per_planck());
}

bool has(const audit::report& r, const std::string& code, const std::string& names = "") {
  return std::any_of(r.discrepancies().begin(), r.discrepancies().end(), [&](auto& d) {
    return d.code == code && d.message.find(names) != std::string::npos;
  });
}

std::string dump(const audit::report& r) {
  return r.to_json().dump(1);
}

class audit_unit : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<SQLite::Database> db;
  audit::eth_events events;                      // what Ethereum says, consistent with the ledger
  std::vector<kusama_deposit> transfers;         // what Kusama says
  kusama_deposit first_deposit;
  std::string claimed_id = "0x" + std::string(63, '0') + "1";
  std::string expired_id = "0x" + std::string(63, '0') + "2";
  std::string active_id = "0x" + std::string(63, '0') + "3";
  u256 total_shares; // aKSMb's, consistent with the events

  static caf::expected<std::string> fake_sign(const claim_record& c) {
    return "0xsig-" + c.claim_id;
  }

  template <class F>
  void tx(F&& f) {
    SQLite::Transaction t(*db);
    with_statements(*db, [&](statement_cache& sc) { f(sc); });
    t.commit();
  }

  kusama_deposit deposit(const std::string& hash, uint64_t number, uint32_t ext, uint32_t event,
                         const std::string& who, const u256& amount) {
    return kusama_deposit{hash, number, ext, event, "0x" + std::string(63, 'e') + char('0' + ext),
                          who, amount};
  }

  claim_intent intent(const std::string& id, const u256& amount, uint64_t before) {
    return claim_intent{id, "digest-" + id, alice, eth_alice, amount, "nonce-" + id, before, 0};
  }

  // A ledger with every kind of row: two blocks of deposits (one below the
  // minimum), a CLAIMED, an EXPIRED and an ACTIVE claim, an unstake request,
  // a ratio in effect with its fee.
  void SetUp() override {
    auto opened = sql::open_database(dir.file("a.sqlite"), sql::open_mode::read_write);
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    ASSERT_TRUE(sql::migrate(*db));

    first_deposit = deposit(block1, 1, 2, 5, alice, planck(10));
    std::vector<kusama_deposit> in1{first_deposit, deposit(block1, 1, 3, 8, bob, u256{500'000'000'000})};
    std::vector<kusama_deposit> in2{deposit(block2, 2, 1, 4, alice, planck(5))};
    tx([&](statement_cache& sc) {
      ASSERT_TRUE(apply_kusama_block(sc, {1, block1}, in1, planck(1), 1));
      ASSERT_TRUE(apply_kusama_block(sc, {2, block2}, in2, planck(1), 2));
    });
    transfers = in1;
    transfers.insert(transfers.end(), in2.begin(), in2.end());

    claim_record claimed, expired;
    tx([&](statement_cache& sc) {
      claimed = *reserve_claim(sc, intent(claimed_id, planck(3), 1000), fake_sign, 3);
      expired = *reserve_claim(sc, intent(expired_id, planck(2), 50), fake_sign, 3);
    });
    // Window 1: the first claim is paid, the second expires (claimBeforeBlock 50).
    eth_claim_event paid{claimed_id, eth_alice, claimed.amount_wei, claimed.shares,
                         "0x" + std::string(64, 'c'), 0, 55};
    eth_batch w1;
    w1.to = {60, "0x" + std::string(64, '6')};
    w1.blocks = {{55, "0x" + std::string(64, '5')}, w1.to};
    w1.claims = {paid};
    // Window 2: 1 aKSMb burned to alice's Kusama account.
    eth_burn_event burn{u256{7}, eth_alice, wei_of(planck(1)), wei_of(planck(1)), alice,
                        "0x" + std::string(64, 'f'), 2, 65};
    eth_batch w2;
    w2.to = {70, "0x" + std::string(64, '7')};
    w2.blocks = {{65, "0x" + std::string(64, '8')}, w2.to};
    w2.burns = {burn};
    tx([&](statement_cache& sc) {
      ASSERT_FALSE(apply_eth_batch(sc, w1, 4));
      ASSERT_FALSE(apply_eth_batch(sc, w2, 5));
      ASSERT_TRUE(reserve_claim(sc, intent(active_id, planck(1), 1000), fake_sign, 6));
    });
    // A ratio published by this daemon takes effect and books its fee.
    ratio_calculation calc;
    calc.created_at = 7;
    calc.kusama_block = 2;
    calc.kusama_hash = block2;
    calc.eth_block = 70;
    calc.inputs = {{"x", 1}};
    calc.decision = "publish";
    calc.published_ratio = "1000000000000000000"; // unchanged: no mint drift in this ledger
    calc.fee = u256{200'000};
    calc.status = "PUBLISHING";
    ratio_updated_event updated;
    updated.old_ratio = ratio_one();
    updated.new_ratio = ratio_one();
    updated.tx_hash = "0x" + std::string(64, '9');
    updated.block_number = 68;
    tx([&](statement_cache& sc) {
      record_calculation(sc, calc);
      apply_ratio_updated(sc, updated, 8);
    });

    events.claims = {paid};
    events.burns = {burn};
    events.ratio_updates = {updated};
    total_shares = *chain::eth::checked_sub(claimed.shares, burn.shares);
  }

  audit::report ledger_report() {
    audit::report r;
    audit::check_ledger(*db, r);
    return r;
  }

  audit::report full_report() {
    audit::report r;
    audit::check_ledger(*db, r);
    audit::check_eth_events(*db, events, r);
    audit::check_total_shares(*db, events, total_shares, u256{}, r);
    audit::check_kusama_deposits(*db, transfers, 1, 2, r);
    return r;
  }

  void exec(const std::string& sql) {
    db->exec(sql);
  }
};

} // namespace

TEST_F(audit_unit, a_clean_ledger_and_matching_chains_have_no_discrepancy) {
  auto r = full_report();
  EXPECT_TRUE(r.ok()) << dump(r);
  // Every named check ran and passed.
  std::vector<std::string> names;
  for (auto& c : r.checks()) {
    names.push_back(c.name);
    EXPECT_TRUE(c.ok) << c.name << ": " << c.detail;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"ledger.shares", "ledger.claims", "ledger.history",
                                             "ledger.unstakes", "ledger.fees", "ledger.ratio",
                                             "ethereum.claims", "ethereum.burns", "ethereum.ratio",
                                             "ethereum.total_shares", "kusama.deposits"}));
  // The ledger really holds every kind of row the checks look at.
  SQLite::Statement q(*db, "SELECT group_concat(status) FROM (SELECT status FROM claims ORDER BY claim_id)");
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(0).getString(), "CLAIMED,EXPIRED,ACTIVE");
}

TEST_F(audit_unit, a_deleted_deposit_row_is_reported_by_the_ledger_and_by_the_kusama_scan) {
  exec("DELETE FROM deposits WHERE block_number = 1 AND event_index = 5");
  auto r = full_report();
  EXPECT_TRUE(has(r, "shares_not_conserved")) << dump(r);
  EXPECT_TRUE(has(r, "account_shares_mismatch", alice)) << dump(r);
  EXPECT_TRUE(has(r, "account_deposited_mismatch", alice)) << dump(r);
  // Its STAKE entry now names a deposit that is not there: the row by its key.
  EXPECT_TRUE(has(r, "history_orphan", block1 + ":2:5")) << dump(r);
  EXPECT_TRUE(has(r, "transfer_not_in_ledger", "block 1 (" + block1 + ") event 5")) << dump(r);
}

TEST_F(audit_unit, shares_edited_on_an_account_are_reported_naming_the_account) {
  exec("UPDATE accounts SET unclaimed_shares = '999' || unclaimed_shares WHERE account = '" + alice + "'");
  auto r = ledger_report();
  EXPECT_TRUE(has(r, "account_shares_mismatch", "account " + alice)) << dump(r);
  EXPECT_TRUE(has(r, "shares_not_conserved")) << dump(r);
  EXPECT_FALSE(has(r, "account_shares_mismatch", bob)) << dump(r);
}

TEST_F(audit_unit, reserved_shares_edited_on_an_account_are_reported) {
  exec("UPDATE accounts SET reserved_shares = '0' WHERE account = '" + alice + "'");
  auto r = ledger_report();
  EXPECT_TRUE(has(r, "account_reserved_mismatch", alice)) << dump(r);
}

TEST_F(audit_unit, a_claims_amount_edited_is_reported_naming_the_claim) {
  exec("UPDATE claims SET amount_planck = '4000000000000' WHERE claim_id = '" + claimed_id + "'");
  auto r = ledger_report();
  EXPECT_TRUE(has(r, "claim_amount_mismatch", "claim " + claimed_id)) << dump(r);
  EXPECT_TRUE(has(r, "history_mismatch", "claim " + claimed_id)) << dump(r);
}

TEST_F(audit_unit, a_claims_wei_edited_consistently_is_caught_by_its_BondsClaimed) {
  exec("UPDATE claims SET amount_planck = '4000000000000', amount_wei = '4000000000000000000' "
       "WHERE claim_id = '" + claimed_id + "'");
  audit::report r;
  audit::check_eth_events(*db, events, r);
  EXPECT_TRUE(has(r, "claim_event_mismatch", claimed_id)) << dump(r);
}

TEST_F(audit_unit, payout_fees_are_spent_from_the_fee_ledger_not_fees_without_a_calculation) {
  // Found on the issue #16 data set: every paid payout's PAYOUT_FEE row was
  // reported as fee_without_calculation and counted as a fee earned.
  auto clean = ledger_report();
  ASSERT_TRUE(clean.ok()) << dump(clean);
  int64_t paid_intent = 0, reserved_intent = 0;
  tx([&](statement_cache& sc) {
    paid_intent = add_intent(sc, "kusama", alice, "payout", nlohmann::json::object(), 0, 9).id;
    reserved_intent = add_intent(sc, "kusama", alice, "payout", nlohmann::json::object(), 1, 9).id;
  });
  exec("INSERT INTO fee_ledger (kind, amount_planck, outbox_id, reference, created_at, settled_at) "
       "VALUES ('PAYOUT_FEE', '7', " + std::to_string(paid_intent) + ", '500-2', 9, 9)");
  exec("INSERT INTO fee_ledger (kind, amount_planck, outbox_id, reference, created_at) "
       "VALUES ('PAYOUT_FEE', '5', " + std::to_string(reserved_intent) + ", 'reserved', 9)");
  auto r = ledger_report();
  EXPECT_TRUE(r.ok()) << dump(r);
  auto fees = std::find_if(r.checks().begin(), r.checks().end(),
                           [](auto& c) { return c.name == "ledger.fees"; });
  ASSERT_NE(fees, r.checks().end());
  EXPECT_NE(fees->detail.find("payout fees paid 7 "), std::string::npos) << fees->detail;
}

TEST_F(audit_unit, payout_fees_paid_beyond_the_fees_booked_are_a_negative_balance) {
  int64_t intent = 0;
  tx([&](statement_cache& sc) {
    intent = add_intent(sc, "kusama", alice, "payout", nlohmann::json::object(), 0, 9).id;
  });
  exec("INSERT INTO fee_ledger (kind, amount_planck, outbox_id, reference, created_at, settled_at) "
       "VALUES ('PAYOUT_FEE', '999999999999999999999', " + std::to_string(intent)
       + ", '500-2', 9, 9)");
  auto r = ledger_report();
  EXPECT_TRUE(has(r, "fee_balance_negative", "payout fees 999999999999999999999")) << dump(r);
}

TEST_F(audit_unit, a_fee_row_without_a_calculation_is_reported_naming_the_row) {
  exec("INSERT INTO fee_ledger (kind, amount_planck, calculation_id, reference, created_at) "
       "VALUES ('FEE', '12345', NULL, 'forged', 9)");
  auto id = db->getLastInsertRowid();
  auto r = ledger_report();
  EXPECT_TRUE(has(r, "fee_without_calculation", "fee_ledger row " + std::to_string(id))) << dump(r);
  EXPECT_EQ(r.codes(), std::vector<std::string>{"fee_without_calculation"}) << dump(r);
}

TEST_F(audit_unit, withdrawals_beyond_the_fees_are_a_negative_balance) {
  exec("INSERT INTO fee_ledger (kind, amount_planck, calculation_id, reference, created_at) "
       "VALUES ('WITHDRAWAL', '200001', NULL, 'x', 9)");
  auto r = ledger_report();
  EXPECT_TRUE(has(r, "fee_balance_negative", "200001")) << dump(r);
}

TEST_F(audit_unit, an_unstake_amount_not_wei_over_1e6_is_reported) {
  exec("UPDATE unstake_requests SET amount_planck = '1000000000001' WHERE request_id = '7'");
  auto r = ledger_report();
  EXPECT_TRUE(has(r, "unstake_amount_mismatch", "unstake request 7")) << dump(r);
}

TEST_F(audit_unit, a_deleted_history_entry_is_missing) {
  exec("DELETE FROM history WHERE kind = 'UNSTAKE'");
  auto r = ledger_report();
  EXPECT_TRUE(has(r, "history_missing", "unstake request 7")) << dump(r);
}

TEST_F(audit_unit, a_corrupt_amount_is_reported_not_thrown) {
  exec("UPDATE deposits SET shares = 'lots' WHERE event_index = 4");
  auto r = ledger_report();
  EXPECT_TRUE(has(r, "corrupt_amount", "\"lots\"")) << dump(r);
}

TEST_F(audit_unit, an_in_effect_ratio_missing_from_history_is_reported) {
  exec("DELETE FROM ratio_history");
  auto r = full_report();
  EXPECT_TRUE(has(r, "ratio_not_in_history")) << dump(r);
  EXPECT_TRUE(has(r, "ratio_event_unmatched", events.ratio_updates[0].tx_hash)) << dump(r);
}

TEST_F(audit_unit, ethereum_events_and_ledger_rows_must_match_both_ways) {
  auto changed = events;
  changed.claims[0].amount_wei = u256{1};
  changed.burns.clear();
  eth_burn_event extra = events.burns[0];
  extra.log_index = 9;
  extra.request_id = u256{8};
  changed.burns.push_back(extra);
  audit::report r;
  audit::check_eth_events(*db, changed, r);
  EXPECT_TRUE(has(r, "claim_event_mismatch", claimed_id)) << dump(r);
  EXPECT_TRUE(has(r, "burn_event_unmatched", "request 8")) << dump(r);
  EXPECT_TRUE(has(r, "unstake_without_event", "unstake request 7")) << dump(r);

  auto none = events;
  none.claims.clear();
  none.ratio_updates.clear();
  audit::report r2;
  audit::check_eth_events(*db, none, r2);
  EXPECT_TRUE(has(r2, "claimed_without_event", claimed_id)) << dump(r2);
  EXPECT_TRUE(has(r2, "ratio_history_without_event")) << dump(r2);

  auto twice = events;
  twice.claims.push_back(twice.claims[0]);
  twice.claims.back().log_index = 1;
  audit::report r3;
  audit::check_eth_events(*db, twice, r3);
  EXPECT_TRUE(has(r3, "claim_event_duplicate", claimed_id)) << dump(r3);
}

TEST_F(audit_unit, total_shares_off_by_one_on_ethereum_is_reported) {
  audit::report r;
  audit::check_total_shares(*db, events, *chain::eth::checked_add(total_shares, u256{1}), u256{}, r);
  EXPECT_TRUE(has(r, "token_shares_not_from_pool")) << dump(r);
  EXPECT_TRUE(has(r, "total_shares_mismatch")) << dump(r);
  // A baseline from before start_block is subtracted.
  audit::report ok;
  audit::check_total_shares(*db, events, *chain::eth::checked_add(total_shares, u256{5}), u256{5}, ok);
  EXPECT_TRUE(ok.ok()) << dump(ok);
}

TEST_F(audit_unit, kusama_transfers_and_deposit_rows_must_match_both_ways) {
  auto changed = transfers;
  changed[0].amount_planck = planck(11);
  changed.pop_back(); // block 2's transfer "not on chain"
  auto extra = transfers[0];
  extra.event_index = 6;
  changed.push_back(extra);
  audit::report r;
  audit::check_kusama_deposits(*db, changed, 1, 2, r);
  EXPECT_TRUE(has(r, "deposit_mismatch", "block 1 event 5")) << dump(r);
  EXPECT_TRUE(has(r, "deposit_not_on_chain", "block 2 event 4")) << dump(r);
  EXPECT_TRUE(has(r, "transfer_not_in_ledger", "event 6")) << dump(r);

  audit::report narrow;
  audit::check_kusama_deposits(*db, {transfers[0], transfers[1]}, 1, 1, narrow);
  EXPECT_EQ(narrow.codes(), std::vector<std::string>{"deposit_outside_range"}) << dump(narrow);
}

TEST_F(audit_unit, the_report_json_has_the_documented_shape) {
  audit::report r;
  r.begin("x.one");
  r.add("some_code", "row 1 is wrong");
  r.finish("one row");
  r.skip("payouts", "later");
  auto j = r.to_json();
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["checks"].size(), 2u);
  EXPECT_EQ(j["checks"][0], (nlohmann::json{{"name", "x.one"}, {"ok", false}, {"detail", "one row"}}));
  EXPECT_EQ(j["checks"][1]["skipped"], true);
  EXPECT_EQ(j["checks"][1]["ok"], true);
  EXPECT_EQ(j["discrepancies"][0]["code"], "some_code");
  EXPECT_EQ(j["discrepancies"][0]["message"], "row 1 is wrong");
}

TEST_F(audit_unit, the_payout_hook_speaks_only_once_payout_tables_exist) {
  EXPECT_FALSE(audit::payout_tables_exist(*db));
  exec("CREATE TABLE payout_requests (id INTEGER PRIMARY KEY)");
  EXPECT_TRUE(audit::payout_tables_exist(*db));
}

TEST_F(audit_unit, the_first_deposit_block_bounds_a_scan_without_start_block) {
  EXPECT_EQ(audit::first_deposit_block(*db), std::optional<uint64_t>{1});
}

// ---- kusama.payouts ----------------------------------------------------------
// Unstake request 7 (1 KSM to alice) is marked PAID by SQL here: the payout
// state machine that gets it there has its own tests (tests/payout_queue); what
// is under test is the comparison with the transfers out of the pool account.
namespace {

class audit_payouts : public audit_unit {
protected:
  const std::string stash = "0x" + std::string(64, 'c');
  const std::string payout_block = "0x" + std::string(64, '2');

  void outbox_row(int64_t id, const std::string& purpose, uint64_t block, uint32_t index) {
    exec("INSERT INTO outbox (id, chain, account, nonce, purpose, call, status, outcome, block_number, "
         "block_hash, extrinsic_index, created_at, updated_at) VALUES (" + std::to_string(id)
         + ", 'kusama', '" + std::string("0x") + std::string(64, 'd') + "', " + std::to_string(id)
         + ", '" + purpose + "', '{}', 'FINALIZED', 'success', " + std::to_string(block) + ", '"
         + payout_block + "', " + std::to_string(index) + ", 0, 0)");
  }
  // Request 7 PAID by outbox row 1, extrinsic 2-1, item 0.
  void pay_request_7(const std::string& extrinsic = "2-1") {
    outbox_row(1, "payout", 2, 1);
    exec("UPDATE unstake_requests SET status = 'PAID', outbox_id = 1, batch_index = 0, "
         "kusama_extrinsic = '" + extrinsic + "' WHERE request_id = '7'");
  }
  audit::pool_transfer out(uint32_t ext, uint32_t event, const std::string& to, const u256& amount,
                           uint64_t block = 2) {
    return audit::pool_transfer{block, payout_block, ext, event, to, amount};
  }
  audit::report payouts(const std::vector<audit::pool_transfer>& chain) {
    audit::report r;
    audit::check_kusama_payouts(*db, chain, {stash}, 1, 2, r);
    return r;
  }
};

TEST_F(audit_payouts, a_paid_request_with_its_transfer_and_the_daemons_other_moves_is_clean) {
  pay_request_7();
  outbox_row(2, "bond_extra_transfer", 2, 2);
  auto r = payouts({out(1, 5, alice, planck(1)),          // the payout
                    out(2, 7, bob, planck(3)),            // the daemon's own non-payout extrinsic
                    out(3, 9, stash, planck(5))});        // to a stash: the bond manager's
  EXPECT_TRUE(r.ok()) << dump(r);
  ASSERT_EQ(r.checks().size(), 1u);
  EXPECT_EQ(r.checks()[0].name, "kusama.payouts");
  EXPECT_NE(r.checks()[0].detail.find("1 payouts matched to 1 PAID requests, 1 to the pool's stashes, "
                                      "1 in the daemon's other extrinsics"),
            std::string::npos)
    << r.checks()[0].detail;
  // And the fixture's own chain data stays clean with it.
  auto full = full_report();
  EXPECT_TRUE(full.ok()) << dump(full);
}

TEST_F(audit_payouts, a_paid_request_whose_transfer_is_not_on_chain_is_reported) {
  pay_request_7();
  auto r = payouts({});
  EXPECT_TRUE(has(r, "paid_without_transfer", "unstake request 7")) << dump(r);
  // A transfer to the right recipient in another extrinsic does not count as its payout.
  auto elsewhere = payouts({out(4, 5, alice, planck(1))});
  EXPECT_TRUE(has(elsewhere, "paid_without_transfer", "unstake request 7")) << dump(elsewhere);
}

// Found by the chaos driver (issue #16): every payout books a PAYOUT_FEE row,
// which names its outbox intent and no ratio calculation; the audit took each
// one for a forged FEE row (fee_without_calculation, exit 1) on every pool
// that had paid an unstake.
TEST_F(audit_payouts, payout_fees_paid_or_reserved_are_spent_from_the_fee_ledger_not_forged_fees) {
  pay_request_7();
  outbox_row(2, "payout", 2, 3);
  exec("INSERT INTO fee_ledger (kind, amount_planck, outbox_id, reference, created_at, settled_at) "
       "VALUES ('PAYOUT_FEE', '1000', 1, '2-1', 9, 10)");
  exec("INSERT INTO fee_ledger (kind, amount_planck, outbox_id, reference, created_at) "
       "VALUES ('PAYOUT_FEE', '500', 2, 'reserved', 9)");
  auto r = ledger_report();
  EXPECT_TRUE(r.ok()) << dump(r);
  std::string detail;
  for (auto& c : r.checks())
    if (c.name == "ledger.fees")
      detail = c.detail;
  // The fixture's one FEE of 200,000 planck, less the paid payout fee only.
  EXPECT_NE(detail.find("payout fees paid 1000 = 199000 planck (500 reserved for payouts in flight)"),
            std::string::npos)
    << detail;
}

TEST_F(audit_payouts, payout_fees_paid_beyond_the_fees_are_a_negative_balance) {
  pay_request_7();
  exec("INSERT INTO fee_ledger (kind, amount_planck, outbox_id, reference, created_at, settled_at) "
       "VALUES ('PAYOUT_FEE', '200001', 1, '2-1', 9, 10)");
  auto r = ledger_report();
  EXPECT_TRUE(has(r, "fee_balance_negative", "payout fees 200001")) << dump(r);
  EXPECT_EQ(r.codes(), std::vector<std::string>{"fee_balance_negative"}) << dump(r);
}

TEST_F(audit_payouts, a_payout_doubled_on_chain_is_reported_as_paid_twice) {
  pay_request_7();
  // The same 1 KSM to alice again, signed by hand with the pool's key (no outbox row).
  auto r = payouts({out(1, 5, alice, planck(1)), out(3, 2, alice, planck(1))});
  EXPECT_TRUE(has(r, "payout_duplicate", "PAID unstake request 7")) << dump(r);
  EXPECT_TRUE(has(r, "payout_duplicate", "extrinsic 2-3")) << dump(r);
  EXPECT_FALSE(has(r, "paid_without_transfer")) << dump(r);
  // Twice inside the payout extrinsic itself: also paid twice.
  auto in_batch = payouts({out(1, 5, alice, planck(1)), out(1, 6, alice, planck(1))});
  EXPECT_TRUE(has(in_batch, "payout_duplicate", "PAID unstake request 7")) << dump(in_batch);
}

TEST_F(audit_payouts, a_payout_of_another_amount_is_a_mismatch) {
  pay_request_7();
  auto r = payouts({out(1, 5, alice, *chain::eth::checked_add(planck(1), u256{1}))});
  EXPECT_TRUE(has(r, "payout_mismatch", "unstake request 7")) << dump(r);
}

TEST_F(audit_payouts, a_transfer_in_the_payout_extrinsic_that_no_request_names_is_reported) {
  pay_request_7();
  auto r = payouts({out(1, 5, alice, planck(1)), out(1, 6, bob, planck(2))});
  EXPECT_TRUE(has(r, "payout_transfer_unmatched", "to " + bob)) << dump(r);
}

TEST_F(audit_payouts, pool_ksm_moved_in_an_extrinsic_the_daemon_did_not_sign_is_reported) {
  // Request 7 is not PAID: paying its recipient by hand is still unaccounted
  // (the queue would pay it again).
  auto r = payouts({out(5, 1, alice, planck(1)), out(6, 1, bob, planck(2))});
  EXPECT_TRUE(has(r, "transfer_out_unaccounted", "not PAID yet")) << dump(r);
  EXPECT_TRUE(has(r, "transfer_out_unaccounted", "to " + bob)) << dump(r);
}

TEST_F(audit_payouts, a_paid_request_outside_the_scanned_blocks_or_without_an_extrinsic_is_reported) {
  pay_request_7("9-1");
  EXPECT_TRUE(has(payouts({}), "payout_outside_range", "unstake request 7"));
  exec("UPDATE unstake_requests SET kusama_extrinsic = NULL WHERE request_id = '7'");
  EXPECT_TRUE(has(payouts({}), "paid_without_transfer", "names no extrinsic"));
}

// Refunds and fee withdrawals (operator transfers, issue #16): the audit
// accepted any transfer in a daemon-signed non-payout extrinsic, so one with
// the wrong recipient or amount passed. Outbox 5 pays refund 1 (to bob,
// extrinsic 2-5), outbox 6 fee withdrawal 2 (to alice, 2-6).
class audit_operator_transfers : public audit_payouts {
protected:
  void transfers() {
    outbox_row(5, "refund", 2, 5);
    outbox_row(6, "fee_withdrawal", 2, 6);
    exec("INSERT INTO operator_transfers (id, kind, deposit_id, recipient, amount_planck, status, "
         "outbox_id, kusama_extrinsic, created_at, updated_at) VALUES (1, 'REFUND', (SELECT min(id) "
         "FROM deposits), '" + bob + "', '500000000000', 'DONE', 5, '2-5', 0, 0), (2, "
         "'FEE_WITHDRAWAL', NULL, '" + alice + "', '700', 'DONE', 6, '2-6', 0, 0)");
  }
};

TEST_F(audit_operator_transfers, a_refund_and_a_fee_withdrawal_matching_their_rows_are_clean) {
  pay_request_7(); // alice was also paid an unstake: her fee withdrawal is no second payout
  transfers();
  auto r = payouts({out(1, 5, alice, planck(1)), out(5, 9, bob, u256{500'000'000'000}),
                    out(6, 11, alice, u256{700})});
  EXPECT_TRUE(r.ok()) << dump(r);
  EXPECT_NE(r.checks()[0].detail.find("2 refunds/fee withdrawals matched"), std::string::npos)
    << r.checks()[0].detail;
}

TEST_F(audit_operator_transfers, a_wrong_recipient_or_amount_a_second_transfer_or_none_is_reported) {
  transfers();
  auto wrong_amount = payouts({out(5, 9, bob, u256{500'000'000'001}), out(6, 11, alice, u256{700})});
  EXPECT_TRUE(has(wrong_amount, "operator_transfer_mismatch", "operator transfer 1")) << dump(wrong_amount);
  auto wrong_recipient = payouts({out(5, 9, bob, u256{500'000'000'000}), out(6, 11, bob, u256{700})});
  EXPECT_TRUE(has(wrong_recipient, "operator_transfer_mismatch", "operator transfer 2")) << dump(wrong_recipient);
  auto twice = payouts({out(5, 9, bob, u256{500'000'000'000}), out(5, 10, bob, u256{500'000'000'000}),
                        out(6, 11, alice, u256{700})});
  EXPECT_TRUE(has(twice, "operator_transfer_duplicate", "operator transfer 1")) << dump(twice);
  auto missing = payouts({out(5, 9, bob, u256{500'000'000'000})});
  EXPECT_TRUE(has(missing, "operator_transfer_without_transfer", "operator transfer 2")) << dump(missing);
  outbox_row(7, "refund", 2, 7); // a refund extrinsic no operator transfer names
  auto unnamed = payouts({out(5, 9, bob, u256{500'000'000'000}), out(6, 11, alice, u256{700}),
                          out(7, 12, bob, u256{1})});
  EXPECT_TRUE(has(unnamed, "operator_transfer_unmatched", "refund extrinsic")) << dump(unnamed);
}

} // namespace

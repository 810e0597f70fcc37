// The payout queue funded from stake (issue #14), through the BUILT daemon,
// the local Kusama node (both metadata variants) and anvil. Everything staked
// is bonded (no deposit buffer), so a burn finds no free KSM: the bond manager
// unbonds just what is missing, waits the bonding duration the runtime
// declares, withdraws, sweeps the stash's free balance to the deposit account
// and the queue pays. A second burn starts another unbond; a deposit arriving
// meanwhile pays it at once and the unlocking chunk is rebonded. Proven from
// the chain's Staking and Balances events (@polkadot/api).
#include "tests/payout_queue/payout_fixture.hpp"

using namespace payout_test;

namespace {

class payout_unbond_e2e : public payout_fixture, public ::testing::WithParamInterface<std::string> {
protected:
  payout_unbond_e2e() {
    extra_node_args = {"--metadata", GetParam(), "--bonding-duration", "3"};
    deposit_buffer = "0";
  }

  std::vector<json> events(uint64_t from, const std::string& accounts) {
    auto r = run_node({repo + "/tests/payout_queue/chain_events.mjs", node->url, accounts,
                       std::to_string(from), std::to_string(node->finalized_number())});
    std::vector<json> out;
    for (auto& e : r["events"])
      out.push_back(e);
    return out;
  }

  int64_t rows(const std::string& purpose, const std::string& where = "1") {
    return count("SELECT COUNT(*) FROM outbox WHERE purpose = '" + purpose + "' AND " + where);
  }

  std::string status_of(const std::string& recipient) {
    SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement q(db, "SELECT status FROM unstake_requests WHERE recipient = ?");
    q.bind(1, recipient);
    return q.executeStep() ? q.getColumn(0).getString() : "";
  }

  std::string request_of(const std::string& recipient) {
    SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement q(db, "SELECT request_id FROM unstake_requests WHERE recipient = ?");
    q.bind(1, recipient);
    return q.executeStep() ? q.getColumn(0).getString() : "";
  }

  // On failure: what the daemon asked of the chain, and the queue's state.
  std::string outbox_dump() {
    SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    std::string out;
    SQLite::Statement q(db, "SELECT id, purpose, status, IFNULL(outcome, ''), call FROM outbox "
                            "WHERE purpose != 'payout_stakers' ORDER BY id");
    while (q.executeStep())
      out += q.getColumn(0).getString() + " " + q.getColumn(1).getString() + " "
             + q.getColumn(2).getString() + " " + q.getColumn(3).getString() + " "
             + q.getColumn(4).getString().substr(0, 160) + "\n";
    SQLite::Statement u(db, "SELECT request_id, status, amount_planck FROM unstake_requests");
    while (u.executeStep())
      out += "unstake " + u.getColumn(0).getString() + " " + u.getColumn(1).getString() + " "
             + u.getColumn(2).getString() + "\n";
    return out + lstaked->get("/v1/status").raw.substr(0, 4000);
  }

  template <class Pred>
  bool tick_until(Pred done, int max_ticks) {
    for (int i = 0; i < max_ticks && !done(); ++i)
      tick();
    return done();
  }
};

size_t count_named(const std::vector<json>& evs, const std::string& name) {
  return std::count_if(evs.begin(), evs.end(), [&](const json& e) { return e["name"] == name; });
}

} // namespace

TEST_P(payout_unbond_e2e, free_ksm_short_unbonds_withdraws_and_pays_and_a_new_deposit_pays_the_head_while_unbonding) {
  const std::string r1 = "0x" + std::string(62, '1') + "a1", r2 = "0x" + std::string(62, '2') + "b2";
  start();
  auto first_block = node->best_number();
  // 1. 1,000 KSM staked and bonded whole into //Eve (no buffer kept).
  ASSERT_NO_FATAL_FAILURE(stake("//Alice", 1000, 1));
  // (//Eve bonds its own KSM, receives the deposit, then bonds it with bond_extra.)
  ASSERT_TRUE(tick_until([&] {
    return rows("bond_extra", "status = 'FINALIZED' AND outcome = 'success'") > 0
           && count("SELECT COUNT(*) FROM outbox WHERE status NOT IN ('FINALIZED', 'REPLACED')") == 0;
  }, 200)) << lstaked->last_log();
  for (int i = 0; i < 10; ++i)
    tick();
  ASSERT_NO_FATAL_FAILURE(claim_to_account1("//Alice", "1000", "unbond-1"));
  // Nothing is unbonded while the queue is empty.
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox WHERE purpose LIKE 'queue_%'"), 0);

  // 2. A burn of 10 KSM: free KSM is short, so the stash unbonds.
  auto burn1_block = node->best_number();
  burn_for({{r1, 10 * ksm}}, "burn1.json");
  ASSERT_TRUE(tick_until([&] { return rows("queue_unbond", "status = 'FINALIZED'") > 0; }, 100))
    << lstaked->last_log();
  EXPECT_EQ(status_of(r1), "QUEUED");
  // While unbonding, the user sees when the KSM is expected (eras left × era
  // duration from the runtime: Babe's constants; Asset Hub's runtime has none).
  if (GetParam() == "kusama") {
    ASSERT_TRUE(tick_until([&] {
      auto u = lstaked->get("/v1/unstakes/" + request_of(r1));
      return u.status == 200 && u.body["unstake"].contains("expectedReleaseTimestamp");
    }, 20));
    auto u = lstaked->get("/v1/unstakes/" + request_of(r1));
    EXPECT_GT(u.body["unstake"]["expectedReleaseTimestamp"].get<int64_t>(), 0) << u.raw;
  }
  ASSERT_TRUE(tick_until([&] { return status_of(r1) == "PAID"; }, 200)) << outbox_dump();
  for (int i = 0; i < 3; ++i)
    tick();
  auto evs = events(burn1_block, eve.ss58 + "," + r1);
  EXPECT_EQ(count_named(evs, "staking.Unbonded"), 1u);
  EXPECT_EQ(count_named(evs, "staking.Withdrawn"), 1u);
  size_t sweeps = 0, paid_r1 = 0;
  for (auto& e : evs) {
    if (e["name"] == "staking.Unbonded") {
      auto v = std::stoull(e["data"][1].get<std::string>());
      // What the queue lacked, plus the fee reserve, rounded up to staking.min_step (1 KSM).
      EXPECT_LE(v, 11 * ksm) << "unbonded more than the queue lacked";
      EXPECT_GE(v, 10 * ksm);
    }
    if (e["name"] == "balances.Transfer" && e["data"][0] == eve.hex && e["data"][1] == ferdie.hex)
      ++sweeps;
    if (e["name"] == "balances.Transfer" && e["data"][1] == r1) {
      EXPECT_EQ(e["data"][0], ferdie.hex);
      EXPECT_EQ(e["data"][2], std::to_string(10 * ksm));
      ++paid_r1;
    }
  }
  EXPECT_GE(sweeps, 1u);
  EXPECT_EQ(paid_r1, 1u) << "paid exactly once";

  // 3. A burn of 20 KSM starts another unbond; //Bob's deposit arrives before
  // it unlocks: the queue's head is paid from it, the chunk is rebonded.
  auto burn2_block = node->best_number();
  burn_for({{r2, 20 * ksm}}, "burn2.json");
  ASSERT_TRUE(tick_until([&] { return rows("queue_unbond", "status = 'FINALIZED'") > 1; }, 100))
    << lstaked->last_log();
  ASSERT_NO_FATAL_FAILURE(stake("//Bob", 100, 2));
  ASSERT_TRUE(tick_until([&] { return status_of(r2) == "PAID"; }, 25)) << lstaked->last_log();
  ASSERT_TRUE(tick_until([&] { return rows("queue_rebond", "status = 'FINALIZED' AND outcome = 'success'") > 0; }, 25))
    << lstaked->last_log();
  for (int i = 0; i < 40; ++i) // past the unlock era of the rebonded chunk
    tick();
  evs = events(burn2_block, eve.ss58 + "," + r2);
  EXPECT_EQ(count_named(evs, "staking.Unbonded"), 1u);
  EXPECT_EQ(count_named(evs, "staking.Withdrawn"), 0u) << "the rebonded chunk was withdrawn";
  // rebond emits Staking.Bonded with the chunk's amount (as pallet-staking does).
  std::string unbonded2;
  for (auto& e : evs)
    if (e["name"] == "staking.Unbonded")
      unbonded2 = e["data"][1].get<std::string>();
  EXPECT_TRUE(std::any_of(evs.begin(), evs.end(), [&](const json& e) {
    return e["name"] == "staking.Bonded" && e["data"][1] == unbonded2;
  })) << "no rebond of " << unbonded2;
  size_t paid_r2 = 0;
  for (auto& e : evs)
    if (e["name"] == "balances.Transfer" && e["data"][1] == r2) {
      EXPECT_EQ(e["data"][0], ferdie.hex);
      EXPECT_EQ(e["data"][2], std::to_string(20 * ksm));
      ++paid_r2;
    }
  EXPECT_EQ(paid_r2, 1u);
  EXPECT_EQ(rows("queue_unbond"), 2) << "unbonded again although free KSM was enough";
  // Never more paid out of the deposit account than the queue asked for.
  size_t from_deposit = 0;
  for (auto& e : events(first_block, ferdie.ss58))
    if (e["name"] == "balances.Transfer" && e["data"][0] == ferdie.hex && e["data"][1] != eve.hex)
      ++from_deposit;
  EXPECT_EQ(from_deposit, 2u);
  ASSERT_TRUE(lstaked->stop());
}

INSTANTIATE_TEST_SUITE_P(metadata, payout_unbond_e2e, ::testing::Values("kusama", "asset-hub"),
                         [](const auto& info) { return info.param == "kusama" ? "relay" : "asset_hub"; });

// Node outages while the queue pays (issue #14): the local Kusama node answers
// errors, HTTP 500s, dropped connections and slow replies (dev_fault), on
// every method or only on author_submitExtrinsic, again and again while the
// daemon pays 120 unstakes in batches of 40. Nothing lost, nothing doubled —
// proven from the chain's Balances.Transfer events (@polkadot/api).
#include "tests/payout_queue/payout_fixture.hpp"

using namespace payout_test;

namespace {
class payout_outage_e2e : public payout_fixture {};
} // namespace

TEST_F(payout_outage_e2e, node_faults_during_batches_lose_and_double_nothing) {
  start();
  ASSERT_NO_FATAL_FAILURE(stake("//Alice", 1000, 1));
  ASSERT_NO_FATAL_FAILURE(claim_to_account1("//Alice", "1000", "outage-1"));
  std::mt19937_64 rng(16);
  std::vector<std::pair<std::string, uint64_t>> burns;
  for (int i = 0; i < 120; ++i) {
    std::string hex = "0x";
    for (int w = 0; w < 4; ++w) {
      char buf[17];
      std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
      hex += buf;
    }
    burns.emplace_back(hex, ksm / 100 + rng() % (ksm / 10));
  }
  auto first_block = node->best_number();
  auto sent = burn_for(burns, "burns.json");
  ASSERT_EQ(sent["txs"].size(), burns.size());

  const std::vector<json> faults{
    {{"mode", "error"}},
    // The fee quote (and the batch weighing) fail: a payout signed then has
    // no quoted fee, and its settlement books the fee the chain reports.
    {{"mode", "error"}, {"methods", {"state_call"}}},
    {{"mode", "drop"}, {"methods", {"author_submitExtrinsic"}}},
    {{"mode", "http500"}},
    {{"mode", "slow"}, {"delayMs", 1500}},
    {{"mode", "error"}, {"methods", {"author_submitExtrinsic", "chain_getFinalizedHead"}}},
    {{"mode", "drop"}},
  };
  auto paid = [&] { return count("SELECT COUNT(*) FROM unstake_requests WHERE status = 'PAID'"); };
  // Fault rounds while payouts are in flight: a fault for a few blocks, then
  // a few healthy blocks. Bounded: with the node failing most of the time the
  // daemon cannot be expected to finish (its watcher backs off, and nothing is
  // re-signed until the watcher has seen every final block), only to lose and
  // double nothing; then the node recovers and everything must be paid.
  size_t round = 0;
  while (paid() < 120 && round < 2 * faults.size()) {
    node->rpc("dev_fault", json::array({faults[round++ % faults.size()]}));
    for (int i = 0; i < 4; ++i) {
      node->new_blocks(1);
      std::this_thread::sleep_for(400ms);
    }
    node->rpc("dev_fault", json::array({json{{"mode", "none"}}}));
    for (int i = 0; i < 3; ++i)
      tick();
  }
  auto deadline = std::chrono::steady_clock::now() + 240s;
  while (paid() < 120 && std::chrono::steady_clock::now() < deadline) {
    tick();
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_EQ(paid(), 120) << lstaked->last_log();
  EXPECT_GE(round, 3u) << "the payouts should have met several faults";
  for (int i = 0; i < 3; ++i)
    tick();
  auto chain = run_node({repo + "/tests/payout_queue/payouts_on_chain.mjs", node->url, ferdie.ss58,
                         std::to_string(first_block), std::to_string(node->finalized_number())});
  std::map<std::pair<std::string, std::string>, int> on_chain;
  for (auto& t : chain["transfers"])
    if (t["to"] != eve.hex)
      ++on_chain[{t["to"].get<std::string>(), t["amount"].get<std::string>()}];
  for (auto& [recipient, planck] : burns)
    EXPECT_EQ((on_chain[{recipient, std::to_string(planck)}]), 1) << "paid once: " << recipient;
  size_t total = 0;
  for (auto& [k, n] : on_chain)
    total += n;
  EXPECT_EQ(total, burns.size()) << "a transfer nobody asked for";
  // Each payout's fee figure is what the chain says it cost (TransactionFeePaid),
  // whatever was or was not quoted at signing: booked in full, or (this pool's
  // fee ledger is empty: no ratio was published) booked as the ledger's balance
  // with a critical alert naming the chain's figure.
  {
    SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT o.id, o.block_number, o.extrinsic_index, f.amount_planck "
                            "FROM outbox o JOIN fee_ledger f ON f.outbox_id = o.id "
                            "AND f.kind = 'PAYOUT_FEE' WHERE o.purpose = 'payout' "
                            "AND o.status = 'FINALIZED'");
    int checked = 0;
    while (q.executeStep()) {
      auto key = std::to_string(q.getColumn(1).getInt64()) + "-" + std::to_string(q.getColumn(2).getInt64());
      ASSERT_TRUE(chain["fees"].contains(key)) << "no TransactionFeePaid for payout " << key;
      auto paid = chain["fees"][key].get<std::string>();
      auto booked = q.getColumn(3).getString();
      auto alert = "payout fee of outbox " + std::to_string(q.getColumn(0).getInt64()) + " was " + paid
                   + " planck%";
      SQLite::Statement a(db, "SELECT COUNT(*) FROM alerts WHERE message LIKE ?");
      a.bind(1, alert);
      a.executeStep();
      EXPECT_TRUE(booked == paid || a.getColumn(0).getInt64() == 1)
        << "payout " << key << ": booked " << booked << ", the chain says " << paid;
      ++checked;
    }
    EXPECT_GE(checked, 3);
  }
  std::cout << "outage: " << round << " fault rounds, "
            << count("SELECT COUNT(*) FROM outbox WHERE purpose = 'payout'") << " payout extrinsics, "
            << count("SELECT COALESCE(SUM(attempts), 0) FROM outbox WHERE purpose = 'payout'")
            << " signatures\n";
  auto status = lstaked->get("/v1/status");
  EXPECT_EQ(status.status, 200);
  ASSERT_TRUE(lstaked->stop());
}

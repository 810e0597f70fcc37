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
    {{"mode", "drop"}, {"methods", {"author_submitExtrinsic"}}},
    {{"mode", "http500"}},
    {{"mode", "slow"}, {"delayMs", 1500}},
    {{"mode", "error"}, {"methods", {"author_submitExtrinsic", "chain_getFinalizedHead"}}},
    {{"mode", "drop"}},
  };
  auto paid = [&] { return count("SELECT COUNT(*) FROM unstake_requests WHERE status = 'PAID'"); };
  size_t round = 0;
  auto deadline = std::chrono::steady_clock::now() + 300s;
  while (paid() < 120 && std::chrono::steady_clock::now() < deadline) {
    // A fault for a few blocks, then a few healthy blocks.
    node->rpc("dev_fault", json::array({faults[round++ % faults.size()]}));
    for (int i = 0; i < 4; ++i) {
      node->new_blocks(1);
      std::this_thread::sleep_for(400ms);
    }
    node->rpc("dev_fault", json::array({json{{"mode", "none"}}}));
    for (int i = 0; i < 3; ++i)
      tick();
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
  std::cout << "outage: " << round << " fault rounds, "
            << count("SELECT COUNT(*) FROM outbox WHERE purpose = 'payout'") << " payout extrinsics, "
            << count("SELECT COALESCE(SUM(attempts), 0) FROM outbox WHERE purpose = 'payout'")
            << " signatures\n";
  auto status = lstaked->get("/v1/status");
  EXPECT_EQ(status.status, 200);
  ASSERT_TRUE(lstaked->stop());
}

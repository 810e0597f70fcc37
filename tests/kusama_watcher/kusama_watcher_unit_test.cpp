// The Kusama follower on a scripted Substrate node (tests/kusama_watcher/
// scripted_kusama_node.hpp) and the deterministic scheduler: what it does
// when the node serves what a right node never does. The behaviour against
// the local Kusama node is in kusama_watcher_node_test.cpp.
#include "actors/kusama_watcher.hpp"
#include "storage/ledger.hpp"
#include "tests/kusama_watcher/scripted_kusama_node.hpp"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <vector>

using namespace lstaked;
using namespace std::chrono_literals;

namespace {

using test::alice_id;
using test::ferdie_id;

class kusama_watcher_scripted : public test::scripted_kusama_fixture {
protected:
  int64_t paused_kusama_flows() {
    int64_t n = 0;
    for (auto& flow : ledger::flows_depending_on("kusama"))
      n += count("SELECT paused FROM flows WHERE flow = '" + flow + "'");
    return n;
  }
};

TEST_F(kusama_watcher_scripted, applies_every_finalized_block_once_in_order_and_credits_its_deposit) {
  node.add_transfer(3, alice_id, ferdie_id, 2'000'000'000'000);
  auto w = start_watcher();
  auto s = status(w);
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_EQ(s.cursor, 8u);
  EXPECT_EQ(s.cursor_hash, node.hash_of(8));
  EXPECT_EQ(*applied, blocks(1, 8)) << "every block from start_block to the finalized head, once";
  EXPECT_EQ(count("SELECT count(*) FROM deposits WHERE block_number = 3 AND status = 'CREDITED' "
                  "AND amount_planck = '2000000000000' AND block_hash = '" + node.hash_of(3) + "'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM deposits"), 1);
  EXPECT_TRUE(health(w).ok) << health(w).detail;
  stop(w);
}

// Found by tools/chaos (issue #16): a stash sweeping withdrawn KSM back to the
// deposit account to pay unstakes was credited as that stash's deposit,
// minting shares for KSM the pool already counted.
TEST_F(kusama_watcher_scripted, a_transfer_from_a_pool_account_to_the_deposit_account_is_not_a_deposit) {
  cfg.pool_accounts = {alice_id}; // here //Alice is one of the pool's stashes
  const std::string user_id = "0x" + std::string(64, '7');
  node.add_transfer(3, alice_id, ferdie_id, 5'000'000'000'000); // the sweep
  node.add_transfer(4, user_id, ferdie_id, 2'000'000'000'000);  // a user's deposit
  auto w = start_watcher();
  auto s = status(w);
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_EQ(s.cursor, 8u);
  EXPECT_EQ(count("SELECT count(*) FROM deposits"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM deposits WHERE account = '" + user_id
                  + "' AND block_number = 4 AND status = 'CREDITED'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM accounts WHERE account = '" + alice_id + "'"), 0)
    << "no shares for the pool's own account";
  stop(w);
}

TEST_F(kusama_watcher_scripted, a_finalized_block_whose_parent_is_not_the_cursor_halts_the_follower) {
  auto w = start_watcher();
  ASSERT_EQ(status(w).cursor, 8u);
  auto cursor_hash = status(w).cursor_hash;
  ASSERT_EQ(*applied, blocks(1, 8));

  // The node now serves another finalized history from block 8 on: block 9
  // (which pays the deposit account) has a parent that is not the block applied as 8.
  node.fork_from = 8;
  finalize_with_deposit(12, 9, 5'000'000'000'000);
  poll();
  auto s = status(w);
  EXPECT_TRUE(s.halted);
  EXPECT_NE(s.last_error.find("no longer follows the applied block 8"), std::string::npos)
    << s.last_error;
  EXPECT_EQ(s.cursor, 8u) << "a halted follower does not move its cursor";
  EXPECT_EQ(s.cursor_hash, cursor_hash);
  auto h = health(w);
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.detail.find("HALTED"), std::string::npos) << h.detail;
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE severity = 'critical' AND source = "
                  "'kusama_watcher' AND resolved_at IS NULL"),
            1);
  EXPECT_EQ(paused_kusama_flows(), int64_t(ledger::flows_depending_on("kusama").size()))
    << "every flow that depends on Kusama is paused";
  EXPECT_EQ(count("SELECT count(*) FROM flows WHERE paused = 1"),
            int64_t(ledger::flows_depending_on("kusama").size()));
  EXPECT_EQ(count("SELECT block_number FROM chain_cursors WHERE chain = 'kusama'"), 8);
  EXPECT_EQ(text("SELECT block_hash FROM chain_cursors WHERE chain = 'kusama'"), cursor_hash);
  EXPECT_EQ(count("SELECT count(*) FROM deposits"), 0) << "the foreign block's deposit is not credited";

  // However long it runs, and after a restart, nothing of that history is applied.
  stop(expect_stays_halted(w, 8, 0));
}

} // namespace

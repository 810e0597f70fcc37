// Issue #19 on a scripted Kusama node (tests/kusama_watcher/scripted_kusama_node.hpp)
// and the deterministic scheduler: the follower and the extrinsic lookup
// follow one chain only, the one pinned at first start.
#include "actors/kusama_lookup.hpp"
#include "actors/kusama_watcher.hpp"
#include "actors/metrics.hpp"
#include "storage/chain_identity.hpp"
#include "storage/ledger.hpp"
#include "tests/kusama_watcher/scripted_kusama_node.hpp"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace lstaked;
using namespace std::chrono_literals;

namespace {

using test::alice_id;
using test::ferdie_id;

class kusama_identity : public test::scripted_kusama_fixture {
protected:
  std::optional<ledger::chain_identity> pinned() {
    std::optional<ledger::chain_identity> out;
    write("pinned", [&](SQLite::Database& db) { out = ledger::pinned_identity(db, "kusama"); });
    return out;
  }

  int64_t paused_flows() { return count("SELECT count(*) FROM flows WHERE paused = 1"); }

  static std::string metric_line(const std::string& name) {
    auto text = metrics_registry::global().render();
    auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? "" : text.substr(at + 1, text.find('\n', at + 1) - at - 1);
  }
};

TEST_F(kusama_identity, the_first_start_pins_what_the_node_says_before_applying_anything) {
  ASSERT_FALSE(pinned());
  auto w = start_watcher();
  auto id = pinned();
  ASSERT_TRUE(id);
  EXPECT_EQ(id->genesis_hash, node.genesis_hash());
  EXPECT_EQ(id->name, "Kusama");
  EXPECT_EQ(id->ss58_prefix, 2u);
  EXPECT_EQ(id->decimals, 12u);
  EXPECT_FALSE(id->chain_id);
  EXPECT_EQ(status(w).cursor, 8u);
  EXPECT_EQ(metric_line("lstaked_kusama_identity_mismatch"), "lstaked_kusama_identity_mismatch 0");
  // A later start keeps the pin (pinned_at unchanged).
  stop(w);
  w = start_watcher();
  EXPECT_EQ(pinned()->pinned_at, id->pinned_at);
  stop(w);
}

TEST_F(kusama_identity, another_chain_behind_the_url_halts_until_the_pinned_chain_is_back_and_loses_nothing) {
  auto w = start_watcher();
  ASSERT_EQ(status(w).cursor, 8u);
  auto cursor_hash = status(w).cursor_hash;
  auto pinned_genesis = node.genesis_hash();

  // Another chain (another genesis) answers on the same URL, with a transfer
  // to our deposit account in its finalized block 9.
  node.foreign_genesis = true;
  finalize_with_deposit(12, 9, 7'000'000'000'000);
  poll();
  auto s = status(w);
  EXPECT_TRUE(s.halted);
  EXPECT_EQ(s.last_error, "wrong chain: genesis " + node.genesis_hash() + ", pinned " + pinned_genesis);
  EXPECT_EQ(s.cursor, 8u);
  EXPECT_EQ(s.cursor_hash, cursor_hash);
  auto h = health(w);
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.detail.find("wrong chain: genesis " + node.genesis_hash() + ", pinned " + pinned_genesis),
            std::string::npos) << h.detail;
  EXPECT_EQ(metric_line("lstaked_kusama_identity_mismatch"), "lstaked_kusama_identity_mismatch 1");
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE severity = 'critical' AND source = "
                  "'kusama_watcher' AND message LIKE 'wrong chain: genesis%'"),
            1);
  EXPECT_EQ(paused_flows(), int64_t(ledger::flows_depending_on("kusama").size()));
  EXPECT_EQ(*applied, blocks(1, 8));
  EXPECT_EQ(count("SELECT count(*) FROM deposits"), 0);
  EXPECT_EQ(pinned()->genesis_hash, pinned_genesis) << "the pin never follows the node";

  // It keeps looking, alarms once, applies nothing; a restart against the
  // foreign node halts again before reading a block.
  w = expect_stays_halted(w, 8, 0);

  // The pinned chain is back (now finalized to 12, a deposit in its block 10):
  // the follower resumes at the cursor without a gap; the flows stay paused.
  node.foreign_genesis = false;
  node.add_transfer(10, alice_id, ferdie_id, 3'000'000'000'000);
  poll();
  s = status(w);
  EXPECT_FALSE(s.halted) << s.last_error;
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_EQ(s.cursor, 12u);
  EXPECT_EQ(s.cursor_hash, node.hash_of(12));
  EXPECT_EQ(*applied, blocks(1, 12)) << "every block once, in order, none skipped";
  EXPECT_EQ(count("SELECT count(*) FROM deposits"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM deposits WHERE block_hash = '" + node.hash_of(10)
                  + "' AND amount_planck = '3000000000000'"),
            1);
  EXPECT_EQ(metric_line("lstaked_kusama_identity_mismatch"), "lstaked_kusama_identity_mismatch 0");
  EXPECT_TRUE(health(w).ok) << health(w).detail;
  EXPECT_EQ(paused_flows(), int64_t(ledger::flows_depending_on("kusama").size()))
    << "only an operator resumes the paused flows";
  stop(w);
}

TEST_F(kusama_identity, the_same_genesis_under_another_name_or_token_is_not_the_pinned_chain) {
  auto w = start_watcher();
  ASSERT_EQ(status(w).cursor, 8u);
  node.finalized = 10;
  node.chain_name = "Kusama Asset Hub";
  poll();
  EXPECT_TRUE(status(w).halted);
  EXPECT_EQ(status(w).last_error, "wrong chain: name 'Kusama Asset Hub', pinned 'Kusama'");
  EXPECT_EQ(status(w).cursor, 8u);
  node.chain_name = "Kusama";
  node.token_decimals = 10;
  poll();
  EXPECT_EQ(status(w).last_error, "wrong chain: decimals 10, pinned 12");
  EXPECT_EQ(status(w).cursor, 8u);
  // Right again: on from the cursor, blocks 9 and 10 once.
  node.token_decimals = 12;
  poll();
  EXPECT_EQ(*applied, blocks(1, 10));
  EXPECT_TRUE(health(w).ok) << health(w).detail;
  stop(w);
}

TEST_F(kusama_identity, a_node_swapped_during_catch_up_is_the_wrong_chain_not_a_chain_break) {
  // Catch-up reads steps without re-reading the head: the swap shows first as
  // a step that does not follow the cursor; the identity decides.
  node.best = 40;
  node.finalized = 38;
  cfg.max_blocks_per_step = 2;
  auto w = spawn_watcher();
  // Run a few messages only: the follower is mid catch-up.
  for (int i = 0; i < 40 && sched.try_run_once(); ++i) {
  }
  auto before = applied->size();
  ASSERT_GT(before, 0u);
  ASSERT_LT(before, 38u);
  node.foreign_genesis = true;
  run();
  auto s = status(w);
  EXPECT_TRUE(s.halted);
  EXPECT_EQ(s.last_error.rfind("wrong chain: genesis", 0), 0u) << s.last_error;
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE message LIKE 'wrong chain%'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE message LIKE 'reorg%'"), 0);
  node.foreign_genesis = false;
  poll();
  s = status(w);
  EXPECT_FALSE(s.halted) << s.last_error;
  EXPECT_EQ(s.cursor, 38u);
  EXPECT_EQ(*applied, blocks(1, 38));
  stop(w);
}

TEST_F(kusama_identity, a_block_inside_a_step_that_does_not_name_the_block_before_it_applies_nothing_of_the_step) {
  node.parent_override[5] = node.hash_of(2); // block 5 claims block 2 as its parent
  node.add_transfer(5, alice_id, ferdie_id, 2'000'000'000'000);
  cfg.max_blocks_per_step = 3; // steps 1-3, 4-6: 5 is inside the second
  auto w = start_watcher();
  advance_time(cfg.error_backoff); // the step is read again (and refused again)
  auto s = status(w);
  EXPECT_EQ(s.cursor, 3u);
  EXPECT_NE(s.last_error.find("block 5 names parent"), std::string::npos) << s.last_error;
  EXPECT_FALSE(health(w).ok);
  EXPECT_EQ(*applied, blocks(1, 3));
  EXPECT_EQ(count("SELECT count(*) FROM deposits"), 0);
  stop(w);
}

TEST_F(kusama_identity, the_first_block_of_a_step_must_name_the_cursor_as_its_parent) {
  auto w = start_watcher();
  ASSERT_EQ(status(w).cursor, 8u);
  // The node still has our block 8, but its block 9 names another parent.
  node.finalized = 10;
  node.parent_override[9] = node.hash_of(7);
  node.add_transfer(9, alice_id, ferdie_id, 2'000'000'000'000);
  poll();
  auto s = status(w);
  EXPECT_TRUE(s.halted);
  EXPECT_EQ(s.cursor, 8u);
  EXPECT_EQ(count("SELECT count(*) FROM deposits"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE severity = 'critical'"), 1);
  stop(w);
}

// The lookup behind POST /v1/deposits: never answers from another chain.
TEST_F(kusama_identity, the_lookup_answers_only_from_the_pinned_chain) {
  node.add_transfer(9, alice_id, ferdie_id, 2'000'000'000'000);
  kusama_lookup_config lcfg;
  lcfg.rpc.url = node.url();
  lcfg.rpc.max_attempts = 1;
  lcfg.deposit_account = ferdie_id;
  lcfg.database = db_path;
  auto lookup = sys.spawn(kusama_lookup, lcfg);
  run();
  // Nothing pinned yet: no answer.
  auto r = try_ask<extrinsic_lookup>(lookup, lookup_atom_v, std::string("9-1"));
  ASSERT_FALSE(r);
  EXPECT_EQ(code_of(r.error()), ec::unavailable) << describe(r.error());

  stop(start_watcher()); // pins
  r = try_ask<extrinsic_lookup>(lookup, lookup_atom_v, std::string("9-1"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->outcome, "FOUND");
  ASSERT_EQ(r->transfers.size(), 1u);
  EXPECT_FALSE(r->finalized);

  // Another chain with the same transfer in its block 9.
  node.foreign_genesis = true;
  node.add_transfer(9, alice_id, ferdie_id, 2'000'000'000'000);
  for (std::string id : {std::string("9-1"), "0x" + std::string(64, 'a')}) {
    r = try_ask<extrinsic_lookup>(lookup, lookup_atom_v, id);
    ASSERT_FALSE(r) << id << " answered " << r->outcome;
    EXPECT_EQ(code_of(r.error()), ec::unavailable);
    EXPECT_EQ(describe(r.error()).find("wrong chain: genesis") != std::string::npos, true)
      << describe(r.error());
  }
  node.foreign_genesis = false;
  r = try_ask<extrinsic_lookup>(lookup, lookup_atom_v, std::string("9-1"));
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->outcome, "FOUND");
  stop_actor(lookup);
}

TEST(chain_identity_ledger, a_pin_is_never_replaced_and_mismatches_name_the_first_difference) {
  ledger::chain_identity a;
  a.chain = "ethereum";
  a.genesis_hash = "0x" + std::string(64, '1');
  a.chain_id = 31337;
  auto b = a;
  EXPECT_EQ(ledger::identity_mismatch(b, a), "");
  b.chain_id = 1;
  EXPECT_EQ(ledger::identity_mismatch(b, a), "wrong chain: chain id 1, pinned 31337");
  b.genesis_hash = "0x" + std::string(64, '2');
  EXPECT_EQ(ledger::identity_mismatch(b, a),
            "wrong chain: genesis 0x" + std::string(64, '2') + ", pinned 0x" + std::string(64, '1'));
}

} // namespace

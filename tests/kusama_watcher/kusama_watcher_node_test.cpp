// The Kusama watcher against the local Kusama node (tools/kusama-node) with
// both metadata variants. Deposits are sent by the real @polkadot/api
// (send_deposits.mjs): one transferKeepAlive, one batchAll of two and one
// under the 1 KSM minimum, from
// //Alice to //Ferdie (the deposit account). The node makes blocks only on
// demand and finalizes best - 2. The watcher and the storage actor run on
// CAF's deterministic scheduler; the watcher's blocking HTTP calls run inline.
#include "actors/kusama_lookup.hpp"
#include "actors/kusama_watcher.hpp"
#include "actors/metrics.hpp"
#include "storage/ledger.hpp"
#include "actors/storage_actor.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/kusama_node.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>
#include <set>

using namespace lstaked;
using namespace std::chrono_literals;
using rpc::json;

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;
const ledger::u256 ksm = *ledger::u256::from_dec("1000000000000");
// //Ferdie's AccountId (sr25519 dev key), the deposit account.
const std::string ferdie_id = "0x1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c";

class kusama_watcher_node
  : public test::watcher_fixture<kusama_watcher_actor, kusama_watcher_state, kusama_watcher_status,
                                 kusama_watcher_config>,
    public ::testing::WithParamInterface<std::string> {
protected:
  kusama_watcher_node() : watcher_fixture(kusama_watcher) {}

  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<rpc::json_rpc_client> rpc;
  std::string url;

  void SetUp() override {
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--block-ms", "0", "--finality-lag", "2", "--era-blocks", "5",
                                    "--bonding-duration", "1", "--metadata", GetParam()});
    ASSERT_TRUE(node->ok()) << node->log();
    url = node->url;
    rpc::json_rpc_config rc;
    rc.url = url;
    rpc = std::move(*rpc::json_rpc_client::make(rc));
    watcher_fixture::SetUp();
    cfg.rpc.url = url;
    cfg.start_block = 1;
    cfg.deposit_account = ferdie_id;
    cfg.minimum_planck = ksm;
    cfg.poll_interval = 1000ms;
    cfg.max_blocks_per_step = 2; // several storage tasks per catch-up
    cfg.detached_rpc_worker = false; // deterministic: the worker runs on the test scheduler
  }

  json call(const std::string& method, json params = json::array()) {
    auto r = rpc->call(method, std::move(params));
    EXPECT_TRUE(r) << method << ": " << describe(r.error());
    return r ? *r : json();
  }

  // Runs one of this directory's @polkadot/api scripts; its last JSON line.
  json run_script(const std::string& script) {
    auto r = test::run_process({"/usr/bin/env", "node", repo + "/tests/kusama_watcher/" + script, url},
                               dir.path(), 120s);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    auto brace = r.out.rfind("\n{");
    return json::parse(r.out.substr(brace == std::string::npos ? 0 : brace + 1));
  }

  int64_t count_deposits() {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    return db.execAndGet("SELECT COUNT(*) FROM deposits").getInt64();
  }
};

TEST_P(kusama_watcher_node, credits_transfer_and_batch_all_once_after_finality) {
  auto w = start_watcher();
  // An empty chain: the watcher reaches the finalized head with nothing to credit.
  EXPECT_TRUE(health(w).ok) << health(w).detail;

  auto info = run_script("send_deposits.mjs");
  std::string alice = info["alice"];
  EXPECT_EQ(info["ferdie"], ferdie_id);
  uint64_t last_block = info["blocks"][2];

  // The finalized head is best - 2: only the first block (the plain
  // transfer) is final; the batchAll and the small one are not credited yet.
  poll();
  poll();
  auto s = status(w);
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_EQ(s.finalized, last_block - 2);
  EXPECT_EQ(s.finalized, info["blocks"][0].get<uint64_t>());
  EXPECT_EQ(count_deposits(), 1);

  call("dev_newBlocks", {2});
  poll();
  poll();
  s = status(w);
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_GE(s.finalized, last_block);
  EXPECT_EQ(s.cursor, s.finalized);
  EXPECT_EQ(s.lag, 0u);
  EXPECT_GT(s.spec_version, 0u);
  EXPECT_EQ(s.deposits_applied, 4u); // since this watcher started
  {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT account, amount_planck, status, extrinsic_index, event_index, "
                            "block_number, extrinsic_hash FROM deposits "
                            "ORDER BY block_number, event_index");
    std::vector<std::string> amounts;
    while (q.executeStep()) {
      EXPECT_EQ(q.getColumn(0).getString(), alice);
      EXPECT_EQ(q.getColumn(3).getInt64(), 1) << "extrinsic 0 is the timestamp inherent";
      amounts.push_back(q.getColumn(1).getString() + " " + q.getColumn(2).getString());
      // The extrinsic hash is @polkadot/api's tx.hash of the extrinsic sent.
      auto block = static_cast<uint64_t>(q.getColumn(5).getInt64());
      auto at = std::find(info["blocks"].begin(), info["blocks"].end(), json(block));
      ASSERT_NE(at, info["blocks"].end());
      EXPECT_EQ(q.getColumn(6).getString(),
                info["hashes"][size_t(at - info["blocks"].begin())].get<std::string>());
    }
    EXPECT_EQ(amounts, (std::vector<std::string>{"2000000000000 CREDITED", "3000000000000 CREDITED",
                                                 "4000000000000 CREDITED",
                                                 "500000000000 BELOW_MINIMUM"}));
    auto summary = ledger::summarize_account(db, alice);
    ASSERT_TRUE(summary) << describe(summary.error());
    EXPECT_EQ(summary->deposited_planck.to_dec(), "9000000000000");
  }

  // A new watcher on the same database continues after the cursor: nothing
  // twice. Its catch-up crosses a runtime upgrade (specVersion + 1 from the
  // upgrade block on): it re-fetches the metadata there and goes on.
  auto old_spec = s.spec_version;
  stop(w);
  w = start_watcher();
  call("dev_newBlocks", {2});
  auto upgrade = call("dev_runtimeUpgrade");
  call("dev_newBlocks", {3});
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(100);
  spdlog::default_logger()->sinks().push_back(sink);
  poll();
  poll();
  spdlog::default_logger()->sinks().pop_back();
  s = status(w);
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_EQ(s.cursor, s.finalized);
  EXPECT_GT(s.finalized, upgrade["number"].get<uint64_t>());
  // The upgrade block itself ran the old runtime (its parent's state): the
  // new metadata applies from the next block on.
  auto expected_line = "runtime upgrade " + std::to_string(old_spec) + " -> "
                       + std::to_string(old_spec + 1) + " at block "
                       + std::to_string(upgrade["number"].get<uint64_t>() + 1);
  auto lines = sink->last_formatted();
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
    return l.find(expected_line) != std::string::npos;
  })) << expected_line;
  EXPECT_EQ(s.spec_version, old_spec + 1);
  EXPECT_EQ(s.spec_version, upgrade["specVersion"].get<uint32_t>());
  EXPECT_EQ(s.deposits_applied, 0u);
  EXPECT_EQ(count_deposits(), 4);
  EXPECT_TRUE(health(w).ok);
  stop(w);
}

// The pool's accounts (//Eve in pool_accounts, and the deposit account
// //Ferdie) get Bonded, Rewarded, Unbonded, Slashed and Withdrawn from the
// node's staking simulation; the watcher stores exactly the events
// @polkadot/api reads from the same blocks, in the same write as the cursor.
TEST_P(kusama_watcher_node, stores_staking_events_of_the_pool_accounts) {
  cfg.pool_accounts = {"0xe659a7a1628cdd93febc04a4e0646ea20e9f5f0ce097d9a05290d4a9e054df4e"}; // //Eve
  cfg.max_blocks_per_step = 4;
  auto w = start_watcher();
  auto info = run_script("staking_events.mjs");
  EXPECT_EQ(info["eve"], cfg.pool_accounts[0]);
  std::vector<std::string> expected;
  std::set<std::string> kinds;
  for (auto& e : info["events"]) {
    expected.push_back(std::to_string(e["block"].get<uint64_t>()) + " " + e["hash"].get<std::string>()
                       + " " + std::to_string(e["eventIndex"].get<int>()) + " "
                       + (e["extrinsicIndex"].is_null() ? "-" : std::to_string(e["extrinsicIndex"].get<int>()))
                       + " " + e["kind"].get<std::string>() + " " + e["account"].get<std::string>()
                       + " " + e["amount"].get<std::string>());
    kinds.insert(e["kind"].get<std::string>());
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"Bonded", "Rewarded", "Unbonded", "Slashed", "Withdrawn"}));
  call("dev_newBlocks", {2});
  poll();
  poll();
  auto s = status(w);
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_GE(s.cursor, info["head"].get<uint64_t>());
  EXPECT_EQ(s.staking_events_applied, expected.size());
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT block_number, block_hash, event_index, extrinsic_index, kind, "
                          "account, amount_planck FROM staking_events "
                          "ORDER BY block_number, event_index");
  std::vector<std::string> stored;
  while (q.executeStep())
    stored.push_back(std::to_string(q.getColumn(0).getInt64()) + " " + q.getColumn(1).getString()
                     + " " + std::to_string(q.getColumn(2).getInt64()) + " "
                     + (q.getColumn(3).isNull() ? "-" : std::to_string(q.getColumn(3).getInt64()))
                     + " " + q.getColumn(4).getString() + " " + q.getColumn(5).getString() + " "
                     + q.getColumn(6).getString());
  EXPECT_EQ(stored, expected);
  stop(w);
}

// start_block = 0: the first start begins at the finalized head (nothing
// older is read); a restart continues from the stored cursor.
TEST_P(kusama_watcher_node, start_block_zero_starts_at_the_finalized_head) {
  call("dev_newBlocks", {10});
  cfg.start_block = 0;
  auto w = start_watcher();
  auto s = status(w);
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_EQ(s.finalized, 8u);
  EXPECT_EQ(s.cursor, 8u);
  EXPECT_EQ(s.blocks_applied, 1u);
  stop(w);
  call("dev_newBlocks", {3});
  w = start_watcher();
  s = status(w);
  EXPECT_EQ(s.cursor, 11u);
  EXPECT_EQ(s.blocks_applied, 3u);
  stop(w);
}

// The extrinsic lookup behind POST /v1/deposits, on the same node: deposits
// found before and after finality (by "<block>-<index>" and by the hash
// @polkadot/api computed), an extrinsic that is not a deposit, an index past
// the block's extrinsics, a future block, an unknown hash, malformed ids, a
// failed and an interrupted batch, and an unreachable node.
TEST_P(kusama_watcher_node, lookup_answers_from_the_node) {
  // The watcher pins the node's identity, which every lookup checks.
  stop(start_watcher());
  kusama_lookup_config lcfg;
  lcfg.rpc.url = url;
  lcfg.deposit_account = ferdie_id;
  lcfg.hash_search_blocks = 16;
  lcfg.database = db_path;
  auto lookup = sys.spawn(kusama_lookup, lcfg);
  run();
  auto ask = [&](const kusama_lookup_actor& a, const std::string& id) {
    auto reply = self->request(a, caf::infinite, lookup_atom_v, id);
    run();
    caf::expected<extrinsic_lookup> out = caf::error{};
    reply.receive([&](extrinsic_lookup& r) { out = std::move(r); },
                  [&](caf::error& err) { out = std::move(err); });
    return out;
  };
  auto info = run_script("send_deposits.mjs");
  std::string alice = info["alice"];
  uint64_t b1 = info["blocks"][0], b2 = info["blocks"][1], b3 = info["blocks"][2];

  auto r = ask(lookup, std::to_string(b1) + "-1");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->outcome, "FOUND");
  EXPECT_EQ(r->block_number, b1);
  EXPECT_EQ(r->block_hash, call("chain_getBlockHash", {b1}).get<std::string>());
  EXPECT_EQ(r->extrinsic_index, 1u);
  EXPECT_EQ(r->extrinsic_hash, info["hashes"][0].get<std::string>());
  EXPECT_TRUE(r->finalized);
  EXPECT_TRUE(r->success);
  EXPECT_EQ(r->best_number, b3);
  EXPECT_EQ(r->finalized_number, b1);
  ASSERT_EQ(r->transfers.size(), 1u);
  EXPECT_EQ(r->transfers[0].from, alice);
  EXPECT_EQ(r->transfers[0].amount_planck, "2000000000000");

  // The batchAll: two transfers, not final yet.
  r = ask(lookup, std::to_string(b2) + "-1");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->outcome, "FOUND");
  EXPECT_FALSE(r->finalized);
  EXPECT_EQ(r->extrinsic_hash, info["hashes"][1].get<std::string>());
  ASSERT_EQ(r->transfers.size(), 2u);
  EXPECT_EQ(r->transfers[0].amount_planck, "3000000000000");
  EXPECT_EQ(r->transfers[1].amount_planck, "4000000000000");
  EXPECT_LT(r->transfers[0].event_index, r->transfers[1].event_index);

  // By the hash polkadot-js printed (upper-case hex is the same id).
  std::string h3 = info["hashes"][2];
  std::string h3_upper = "0x";
  for (size_t i = 2; i < h3.size(); ++i)
    h3_upper.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(h3[i]))));
  r = ask(lookup, h3_upper);
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->outcome, "FOUND");
  EXPECT_EQ(r->block_number, b3);
  EXPECT_EQ(r->extrinsic_index, 1u);
  EXPECT_EQ(r->extrinsic_hash, h3);
  ASSERT_EQ(r->transfers.size(), 1u);
  EXPECT_EQ(r->transfers[0].amount_planck, "500000000000");

  // The timestamp inherent: an extrinsic, but not a deposit.
  r = ask(lookup, std::to_string(b1) + "-0");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->outcome, "FOUND");
  EXPECT_TRUE(r->success);
  EXPECT_TRUE(r->transfers.empty());

  r = ask(lookup, std::to_string(b1) + "-2");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->outcome, "UNKNOWN");

  r = ask(lookup, std::to_string(b3 + 1) + "-0");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->outcome, "FUTURE_BLOCK");
  EXPECT_EQ(r->best_number, b3);

  r = ask(lookup, "0x" + std::string(63, '0') + "1");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->outcome, "UNKNOWN");

  for (std::string bad : {"", "abc", "1-", "-1", "01-1", "1-01", "1 - 1", "0x12", "1-4294967296",
                          "18446744073709551616-0"}) {
    r = ask(lookup, bad);
    ASSERT_FALSE(r) << "'" << bad << "' was accepted";
    EXPECT_EQ(code_of(r.error()), ec::invalid_input) << bad << ": " << describe(r.error());
  }

  // A failed batchAll (rolled back: no transfer) and a batch interrupted
  // after its first transfer (the extrinsic succeeds, one transfer).
  auto failing = run_script("send_failing.mjs");
  r = ask(lookup, failing["hashes"][0].get<std::string>());
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->outcome, "FOUND");
  EXPECT_EQ(r->block_number, failing["blocks"][0].get<uint64_t>());
  EXPECT_FALSE(r->success);
  EXPECT_TRUE(r->transfers.empty());
  r = ask(lookup, std::to_string(failing["blocks"][1].get<uint64_t>()) + "-1");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->extrinsic_hash, failing["hashes"][1].get<std::string>());
  EXPECT_TRUE(r->success);
  ASSERT_EQ(r->transfers.size(), 1u);
  EXPECT_EQ(r->transfers[0].amount_planck, "1000000000000");

  // After a runtime upgrade: the upgrade block was executed by the old
  // runtime (its parent's), the next one by the new; each is decoded with its
  // own metadata, fetched once per specVersion.
  auto upgrade = call("dev_runtimeUpgrade");
  call("dev_newBlocks", {1});
  uint64_t upgraded = upgrade["number"];
  for (uint64_t n : {upgraded, upgraded + 1}) {
    r = ask(lookup, std::to_string(n) + "-0");
    ASSERT_TRUE(r) << describe(r.error());
    EXPECT_EQ(r->outcome, "FOUND");
  }
  {
    auto reply = self->request(lookup, caf::infinite, health_atom_v);
    run();
    reply.receive(
      [&](actor_health& h) {
        EXPECT_TRUE(h.ok);
        EXPECT_NE(h.detail.find("2 runtime(s) cached"), std::string::npos) << h.detail;
      },
      [](caf::error& err) { ADD_FAILURE() << describe(err); });
  }

  // An unreachable node: an error, not a guess; the actor stays healthy.
  lcfg.rpc.url = "http://127.0.0.1:1";
  lcfg.rpc.max_attempts = 1;
  auto offline = sys.spawn(kusama_lookup, lcfg);
  run();
  r = ask(offline, std::to_string(b1) + "-1");
  ASSERT_FALSE(r);
  EXPECT_TRUE(code_of(r.error()) == ec::rpc_error || code_of(r.error()) == ec::timeout)
    << describe(r.error());
  caf::anon_send_exit(offline, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(lookup, caf::exit_reason::user_shutdown);
  run();
}

// Catch-up progress: the log line and the lstaked_kusama_* metrics.
TEST_P(kusama_watcher_node, reports_catch_up_progress_in_the_log_and_metrics) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  spdlog::default_logger()->sinks().push_back(sink);
  call("dev_newBlocks", {42}); // finalized: 40
  cfg.progress_interval = 0ms; // a line per step (a step takes real time)
  auto w = start_watcher();
  auto s = status(w);
  spdlog::default_logger()->sinks().pop_back();
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_EQ(s.cursor, 40u);
  EXPECT_EQ(s.blocks_applied, 40u);
  std::regex line(R"(kusama catch-up: block (\d+) of 40 \((\d+) left, [0-9.]+ blocks/s, ETA \d+(h\d\dm\d\ds|m\d\ds|s)\))");
  int lines = 0;
  for (auto& text : sink->last_formatted()) {
    std::smatch m;
    if (std::regex_search(text, m, line)) {
      ++lines;
      EXPECT_EQ(std::stoul(m[1]) + std::stoul(m[2]), 40u) << text;
    }
  }
  EXPECT_GE(lines, 10) << "one line per step of 2 blocks while behind";
  auto text = metrics_registry::global().render();
  for (auto want : {"lstaked_kusama_cursor_block 40", "lstaked_kusama_finalized_block 40",
                    "lstaked_kusama_lag_blocks 0", "lstaked_kusama_eta_seconds 0",
                    "lstaked_kusama_blocks_per_second ", "lstaked_kusama_blocks_applied_total ",
                    "lstaked_kusama_deposits_total{status=\"credited\"} ",
                    "lstaked_kusama_deposits_total{status=\"below_minimum\"} ",
                    "lstaked_kusama_rpc_errors_total "})
    EXPECT_NE(text.find(want), std::string::npos) << want << " not in\n" << text;
  stop(w);
}

// Further behind than a pruned node keeps state (256 blocks by default, as a
// Substrate node): the events of the cursor's next block cannot be read. The
// watcher does not skip it; it retries and says why once, as a critical alert
// naming the fix (an archive node), instead of retrying silently forever.
TEST_P(kusama_watcher_node, a_node_that_pruned_the_needed_state_raises_one_alert_naming_the_fix) {
  call("dev_newBlocks", {300}); // block 1's state is gone
  auto w = start_watcher();
  auto s = status(w);
  EXPECT_NE(s.last_error.find("State already discarded"), std::string::npos) << s.last_error;
  EXPECT_EQ(s.cursor, 0u) << "no block skipped";
  s = status(w); // a retry: still one alert
  stop(w);
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT severity, message FROM alerts WHERE message LIKE '%archive node%'");
  int alerts = 0;
  while (q.executeStep()) {
    ++alerts;
    EXPECT_EQ(q.getColumn(0).getString(), "critical");
    EXPECT_NE(q.getColumn(1).getString().find("kusama.rpc_url"), std::string::npos);
  }
  EXPECT_EQ(alerts, 1);
}

// Two watchers on one database (a restart overlapping the old instance): each
// refuses the other's blocks at commit, drops what it read ahead, re-reads
// from the stored cursor and goes on; every deposit is applied once.
TEST_P(kusama_watcher_node, two_watchers_on_one_database_apply_each_block_once) {
  auto info = run_script("send_deposits.mjs");
  call("dev_newBlocks", {30});
  cfg.max_blocks_per_step = 3;
  // Spawned together, so their steps interleave on the scheduler.
  auto a = sys.spawn(kusama_watcher, cfg, storage);
  auto b = sys.spawn(kusama_watcher, cfg, storage);
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(1000);
  spdlog::default_logger()->sinks().push_back(sink);
  run();
  spdlog::default_logger()->sinks().pop_back();
  size_t refused = 0;
  for (auto& text : sink->last_formatted())
    refused += text.find("does not follow the cursor") != std::string::npos;
  EXPECT_GT(refused, 0u) << "the watchers did not overlap";
  for (int i = 0; i < 10; ++i)
    poll();
  auto sa = status(a), sb = status(b);
  EXPECT_EQ(sa.cursor, sa.finalized);
  EXPECT_EQ(sb.cursor, sb.finalized);
  EXPECT_TRUE(sa.last_error.empty()) << sa.last_error;
  EXPECT_TRUE(sb.last_error.empty()) << sb.last_error;
  EXPECT_EQ(sa.deposits_applied + sb.deposits_applied, 4u);
  EXPECT_EQ(count_deposits(), 4);
  stop(a);
  stop(b);
}

INSTANTIATE_TEST_SUITE_P(metadata, kusama_watcher_node, ::testing::Values("kusama", "asset-hub"),
                         [](const auto& info) {
                           return info.param == "kusama" ? std::string("relay")
                                                         : std::string("asset_hub");
                         });

} // namespace

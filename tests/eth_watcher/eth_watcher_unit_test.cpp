// Unit-level checks of the watcher: its event descriptions against the
// committed ABI, its window adaptation and timers on the deterministic
// scheduler. The peer here is a small scripted HTTP node (timing only); the
// behaviour against a real node is in eth_watcher_anvil_test.cpp.
#include "actors/eth_watcher.hpp"
#include "chain/ethereum/keccak.hpp"
#include "actors/storage_actor.hpp"
#include "storage/chain_identity.hpp"
#include "tests/chain_identity/scripted_peer.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

using namespace lstaked;
using namespace std::chrono_literals;
using rpc::json;

namespace {

json committed_event(const std::string& name) {
  std::ifstream in{std::string(LSTAKED_SOURCE_DIR) + "/chain/ethereum/contracts/abi/PolkadotPool.json"};
  auto abi = json::parse(in);
  for (auto& item : abi)
    if (item.value("type", "") == "event" && item.value("name", "") == name)
      return item;
  return json();
}

void expect_matches_abi(const chain::eth::event_abi& ours) {
  auto theirs = committed_event(ours.name);
  ASSERT_TRUE(theirs.is_object()) << ours.name << " is not in the committed ABI";
  ASSERT_EQ(theirs["inputs"].size(), ours.params.size()) << ours.name;
  for (size_t i = 0; i < ours.params.size(); ++i) {
    EXPECT_EQ(theirs["inputs"][i]["name"], ours.params[i].name) << ours.name << " #" << i;
    EXPECT_EQ(theirs["inputs"][i]["type"], ours.params[i].type.canonical()) << ours.name << " #" << i;
    EXPECT_EQ(theirs["inputs"][i]["indexed"], ours.params[i].indexed) << ours.name << " #" << i;
  }
  EXPECT_FALSE(theirs["anonymous"].get<bool>());
}

/// A scripted node: `head` blocks with deterministic hashes, no logs, and an
/// eth_getLogs that refuses ranges wider than `max_range` like geth does.
class scripted_node {
public:
  uint64_t head = 100;
  uint64_t max_range = 8;
  uint64_t chain_id = 31337;
  std::string history; // another chain's blocks (another genesis) when not empty
  std::chrono::milliseconds logs_delay{0}; // each eth_getLogs answer waits this long
  std::atomic<int> logs_calls{0};
  std::vector<std::pair<uint64_t, uint64_t>> served; // answered eth_getLogs ranges
  std::vector<std::pair<uint64_t, uint64_t>> refused;

  std::string url() const { return peer_.url(); }

  static std::string hash_of(uint64_t n, const std::string& history = {}) {
    auto text = history + "block " + std::to_string(n);
    return chain::to_hex(chain::eth::keccak256(
      chain::byte_view(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  }

private:
  json answer(const std::string& method, const json& params) {
    if (method == "eth_chainId")
      return rpc::u256{chain_id}.to_hex();
    if (method == "eth_getBlockByNumber") {
      auto tag = params[0].get<std::string>();
      uint64_t n = tag == "finalized" || tag == "latest" ? head : *rpc::parse_quantity_u64(tag);
      if (n > head)
        return nullptr;
      return {{"number", rpc::u256{n}.to_hex()},
              {"hash", hash_of(n, history)},
              {"parentHash", n ? hash_of(n - 1, history) : "0x" + std::string(64, '0')},
              {"timestamp", "0x1"}};
    }
    if (method == "eth_getLogs") {
      ++logs_calls;
      std::this_thread::sleep_for(logs_delay);
      auto from = *rpc::parse_quantity_u64(params[0]["fromBlock"]);
      auto to = *rpc::parse_quantity_u64(params[0]["toBlock"]);
      if (to - from + 1 > max_range) {
        refused.emplace_back(from, to);
        throw test::scripted_peer::error{-32005, "query returned more than 10000 results"};
      }
      served.emplace_back(from, to);
      return json::array();
    }
    throw test::scripted_peer::error{-32601, "method not found"};
  }

  test::scripted_peer peer_{[this](const std::string& m, const json& p) { return answer(m, p); }};
};

} // namespace

TEST(eth_watcher_events, match_the_committed_pool_abi) {
  expect_matches_abi(bonds_claimed_event());
  expect_matches_abi(tokens_burned_event());
  EXPECT_EQ(tokens_burned_event().signature(),
            "TokensBurned(address,address,uint256,uint256,bytes32,uint256)");
}

TEST(eth_watcher_events, decode_refuses_foreign_and_malformed_logs) {
  rpc::eth_log log;
  ledger::eth_batch batch;
  EXPECT_TRUE(is(decode_pool_log(log, batch), ec::decode_error));
  log.topics.push_back(chain::hash256{}); // not a pool event
  EXPECT_TRUE(is(decode_pool_log(log, batch), ec::decode_error));
  log.topics = {tokens_burned_event().topic0()}; // right event, missing indexed topics
  EXPECT_TRUE(is(decode_pool_log(log, batch), ec::decode_error));
  EXPECT_TRUE(batch.burns.empty());
}

TEST(eth_watcher_events, burn_decoding_matches_the_generic_abi_decoder) {
  // decode_pool_log decodes TokensBurned word by word; it must agree with
  // chain::eth::decode_log on every field and refuse whatever that refuses.
  using chain::eth::abi_value;
  auto addr = [](uint8_t seed) {
    chain::bytes b(20);
    for (size_t i = 0; i < b.size(); ++i)
      b[i] = static_cast<uint8_t>(seed + 7 * i);
    return b;
  };
  chain::bytes recipient(32);
  for (size_t i = 0; i < recipient.size(); ++i)
    recipient[i] = static_cast<uint8_t>(0xd4 ^ (13 * i));
  auto amount = *rpc::u256::from_dec("123456789012345678901234567");
  auto shares = *rpc::u256::from_dec("98765432109876543210");
  auto request_id = *rpc::u256::from_dec("340282366920938463463374607431768211457");
  auto encoded = chain::eth::encode_log(
    tokens_burned_event(), {abi_value::address(addr(1)), abi_value::address(addr(2)),
                            abi_value::number(amount), abi_value::number(shares),
                            abi_value::blob(recipient), abi_value::number(request_id)});
  ASSERT_TRUE(encoded) << describe(encoded.error());
  rpc::eth_log log;
  log.topics = encoded->first;
  log.data = encoded->second;
  log.tx_hash[0] = 0xab;
  log.log_index = 7;
  log.block_number = 42;
  auto generic = chain::eth::decode_log(tokens_burned_event(), log.topics, log.data);
  ASSERT_TRUE(generic);
  ledger::eth_batch batch;
  ASSERT_FALSE(decode_pool_log(log, batch));
  ASSERT_EQ(batch.burns.size(), 1u);
  auto& e = batch.burns[0];
  auto be = (*generic)[0].word.to_be32();
  EXPECT_EQ(e.account, chain::to_hex(chain::byte_view(be.data() + 12, 20)));
  EXPECT_EQ(e.account, chain::to_hex(addr(1)));
  EXPECT_EQ(e.amount_wei, (*generic)[2].word);
  EXPECT_EQ(e.shares, (*generic)[3].word);
  EXPECT_EQ(e.recipient, chain::to_hex((*generic)[4].data));
  EXPECT_EQ(e.request_id, (*generic)[5].word);
  EXPECT_EQ(e.amount_wei, amount);
  EXPECT_EQ(e.request_id, request_id);
  EXPECT_EQ(e.tx_hash, chain::to_hex(log.tx_hash));
  EXPECT_EQ(e.log_index, 7u);
  EXPECT_EQ(e.block_number, 42u);

  // Whatever the generic decoder refuses, this refuses too.
  auto refused_by_both = [&](rpc::eth_log bad) {
    EXPECT_FALSE(chain::eth::decode_log(tokens_burned_event(), bad.topics, bad.data));
    ledger::eth_batch b;
    EXPECT_TRUE(is(decode_pool_log(bad, b), ec::decode_error));
    EXPECT_TRUE(b.burns.empty());
  };
  auto dirty_account = log;
  dirty_account.topics[1][0] = 1; // an address wider than 20 bytes
  refused_by_both(dirty_account);
  auto dirty_bond = log;
  dirty_bond.topics[2][11] = 1;
  refused_by_both(dirty_bond);
  auto trailing = log;
  trailing.data.push_back(0);
  refused_by_both(trailing);
  auto short_data = log;
  short_data.data.resize(64);
  refused_by_both(short_data);
  auto extra_topic = log;
  extra_topic.topics.push_back(chain::hash256{});
  refused_by_both(extra_topic);
}

TEST(eth_watcher_config, is_validated) {
  eth_watcher_config cfg;
  cfg.rpc.url = "http://127.0.0.1:8545";
  cfg.pool_address = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
  EXPECT_FALSE(validate(cfg));
  auto bad = cfg;
  bad.pool_address = "0x12";
  EXPECT_TRUE(is(validate(bad), ec::invalid_config));
  bad = cfg;
  bad.finality = "latest";
  EXPECT_TRUE(is(validate(bad), ec::invalid_config));
  bad = cfg;
  bad.finality = "confirmations";
  bad.confirmations = 0;
  EXPECT_TRUE(is(validate(bad), ec::invalid_config));
  bad = cfg;
  bad.initial_window = 0;
  EXPECT_TRUE(is(validate(bad), ec::invalid_config));
  bad = cfg;
  bad.rpc.url = "localhost:8545";
  EXPECT_TRUE(is(validate(bad), ec::invalid_config));
}

class eth_watcher_timing : public test::watcher_fixture<eth_watcher_actor, eth_watcher_state,
                                                        eth_watcher_status, eth_watcher_config> {
protected:
  eth_watcher_timing() : watcher_fixture(eth_watcher) {}

  scripted_node node;

  void SetUp() override {
    watcher_fixture::SetUp();
    cfg.rpc.url = node.url();
    cfg.rpc.max_attempts = 1;
    cfg.detached_rpc_worker = false; // deterministic: the worker runs on the test scheduler
    cfg.pool_address = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
    cfg.chain_id = 31337;
    cfg.start_block = 11;
    cfg.poll_interval = 5000ms;
    cfg.initial_window = 32;
    cfg.max_window = 64;
  }

  /// Another writer (a second watcher, a restored backup...) moves the stored
  /// Ethereum cursor to `block`.
  void move_cursor_elsewhere(uint64_t block) {
    write("move_cursor", [block](SQLite::Database& db) {
      SQLite::Statement q(db, "UPDATE chain_cursors SET block_number = ?, block_hash = ? "
                              "WHERE chain = 'ethereum'");
      q.bind(1, static_cast<int64_t>(block));
      q.bind(2, scripted_node::hash_of(block));
      q.exec();
    });
  }
};

TEST_F(eth_watcher_timing, windows_halve_on_too_many_results_and_cover_every_block_once) {
  auto w = start_watcher();
  auto s = status(w);
  EXPECT_FALSE(s.halted) << s.last_error;
  EXPECT_EQ(s.cursor, 100u) << s.last_error;
  EXPECT_EQ(s.cursor_hash, scripted_node::hash_of(100));
  EXPECT_LE(s.window, 16u);
  ASSERT_FALSE(node.refused.empty());
  EXPECT_EQ(node.refused.front(), std::make_pair(uint64_t{11}, uint64_t{42}));
  // The answered windows tile 11..100 exactly: no gap, no block twice.
  uint64_t next = 11;
  for (auto [from, to] : node.served) {
    EXPECT_EQ(from, next);
    EXPECT_LE(to - from + 1, node.max_range);
    next = to + 1;
  }
  EXPECT_EQ(next, 101u);

  // Caught up: nothing happens until the poll interval has passed.
  auto served = node.served.size();
  node.head = 104;
  advance_time(4999ms);
  EXPECT_EQ(node.served.size(), served);
  EXPECT_EQ(status(w).cursor, 100u);
  advance_time(1ms);
  EXPECT_EQ(status(w).cursor, 104u);
  EXPECT_EQ(node.served.back(), std::make_pair(uint64_t{101}, uint64_t{104}));
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_F(eth_watcher_timing, errors_back_off_exponentially) {
  cfg.error_backoff = 1000ms;
  cfg.max_error_backoff = 4000ms;
  node.max_range = 0; // every eth_getLogs fails, even a one-block window
  cfg.initial_window = 1;
  auto w = start_watcher();
  EXPECT_EQ(node.refused.size(), 1u);
  EXPECT_FALSE(status(w).last_error.empty());
  advance_time(999ms);
  EXPECT_EQ(node.refused.size(), 1u);
  advance_time(1ms);
  EXPECT_EQ(node.refused.size(), 2u);
  advance_time(1999ms);
  EXPECT_EQ(node.refused.size(), 2u);
  advance_time(1ms);
  EXPECT_EQ(node.refused.size(), 3u);
  advance_time(4000ms);
  EXPECT_EQ(node.refused.size(), 4u);
  advance_time(4000ms); // capped
  EXPECT_EQ(node.refused.size(), 5u);
  // The node recovers: the next retry applies and the error clears.
  node.max_range = 8;
  advance_time(4000ms);
  auto s = status(w);
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_EQ(s.cursor, 100u);
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_F(eth_watcher_timing, wrong_chain_halts_before_reading_anything) {
  node.chain_id = 1;
  auto w = start_watcher();
  auto s = status(w);
  EXPECT_TRUE(s.halted);
  EXPECT_FALSE(s.has_cursor);
  EXPECT_TRUE(node.served.empty() && node.refused.empty());
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_F(eth_watcher_timing, a_cursor_moved_by_another_writer_is_reloaded_never_overwritten) {
  auto w = start_watcher();
  ASSERT_EQ(status(w).cursor, 100u);
  // Someone else applied 101..103 (a second watcher, a restored backup...).
  move_cursor_elsewhere(103);
  node.head = 110;
  node.served.clear();
  advance_time(cfg.poll_interval);
  // The windows read from cursor 100 (the second while the first committed)
  // are refused at commit.
  auto s = status(w);
  EXPECT_NE(s.last_error.find("cursor moved"), std::string::npos) << s.last_error;
  EXPECT_EQ(s.cursor, 100u);
  advance_time(cfg.error_backoff);
  s = status(w);
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_EQ(s.cursor, 110u);
  ASSERT_GE(node.served.size(), 2u);
  EXPECT_EQ(node.served.back().second, 110u);
  EXPECT_EQ(node.served.front().first, 101u); // read from cursor 100, refused at commit
  EXPECT_EQ(node.served.back().first, 104u) << "continues after the stored cursor";
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

TEST_F(eth_watcher_timing, confirmations_mode_stays_that_many_blocks_behind_latest) {
  cfg.finality = "confirmations";
  cfg.confirmations = 6;
  auto w = start_watcher();
  auto s = status(w);
  EXPECT_EQ(s.final_head, 94u);
  EXPECT_EQ(s.cursor, 94u);
  EXPECT_EQ(node.served.back().second, 94u);
  node.head = 101;
  advance_time(cfg.poll_interval);
  EXPECT_EQ(status(w).cursor, 95u);
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

// On the real scheduler: the HTTP call blocks the RPC worker's thread, not the
// watcher, which keeps answering status (the supervisor asks it periodically).
TEST(eth_watcher_threads, status_is_answered_while_a_slow_call_runs) {
  test::temp_dir dir;
  scripted_node node;
  node.head = 20;
  node.max_range = 1000; // one window, one slow call
  node.logs_delay = 1500ms;
  caf::actor_system_config sys_cfg;
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{sys_cfg};
  caf::scoped_actor self{sys};
  auto storage = sys.spawn(lstaked::storage, storage_config{dir.file("ledger.sqlite")});
  eth_watcher_config cfg;
  cfg.rpc.url = node.url();
  cfg.pool_address = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
  cfg.start_block = 11;
  cfg.poll_interval = 100ms;
  auto w = sys.spawn(eth_watcher, cfg, storage);
  for (int i = 0; i < 5000 && node.logs_calls == 0; ++i)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(node.logs_calls, 1) << "the slow eth_getLogs call has started";
  auto asked = std::chrono::steady_clock::now();
  self->request(w, 500ms, status_atom_v)
    .receive([](eth_watcher_status& s) { EXPECT_FALSE(s.has_cursor); },
             [](caf::error& err) { ADD_FAILURE() << "no status during the call: " << describe(err); });
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 500ms);
  // And the window still completes once the node answers.
  eth_watcher_status s;
  for (int i = 0; i < 100 && s.cursor < 20; ++i) {
    std::this_thread::sleep_for(50ms);
    self->request(w, 5s, status_atom_v)
      .receive([&](eth_watcher_status& st) { s = st; },
               [](caf::error& err) { ADD_FAILURE() << describe(err); });
  }
  EXPECT_EQ(s.cursor, 20u) << s.last_error;
  self->send_exit(w, caf::exit_reason::user_shutdown);
  self->send_exit(storage, caf::exit_reason::user_shutdown);
}

// The follower's per-block hooks (what a transaction submitter or payout
// queue will use to see its own transactions land): every applied block
// exactly once, in order, inside the transaction that moves the cursor, so a
// refused commit leaves none of a hook's writes behind.
TEST_F(eth_watcher_timing, hooks_see_every_applied_block_once_in_order_and_roll_back_with_a_refused_commit) {
  cfg.hooks.push_back([](ledger::statement_cache& sc, const follower::applied_block& b) {
    sc.db().exec("CREATE TABLE IF NOT EXISTS hook_blocks (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                 "number INTEGER NOT NULL UNIQUE, hash TEXT NOT NULL, logs INTEGER NOT NULL)");
    SQLite::Statement q(sc.db(), "INSERT INTO hook_blocks (number, hash, logs) VALUES (?, ?, ?)");
    q.bind(1, static_cast<int64_t>(b.ref.number)); // UNIQUE: a block seen twice fails the commit
    q.bind(2, b.ref.hash);
    q.bind(3, static_cast<int64_t>(b.log_count));
    q.exec();
  });
  auto rows = [&] {
    std::vector<uint64_t> out;
    SQLite::Database db(dir.file("ledger.sqlite"), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT number FROM hook_blocks ORDER BY seq");
    while (q.executeStep())
      out.push_back(static_cast<uint64_t>(q.getColumn(0).getInt64()));
    return out;
  };
  auto w = start_watcher();
  ASSERT_EQ(status(w).cursor, 100u);
  std::vector<uint64_t> want;
  for (uint64_t n = 11; n <= 100; ++n)
    want.push_back(n);
  EXPECT_EQ(rows(), want) << "every block from start_block to the cursor, once, in order";

  // Another writer moves the cursor to 103: the windows read from 100 are
  // refused at commit, and their hook rows with them.
  move_cursor_elsewhere(103);
  node.head = 110;
  advance_time(cfg.poll_interval);
  EXPECT_NE(status(w).last_error.find("cursor moved"), std::string::npos);
  EXPECT_EQ(rows(), want) << "a refused commit left a hook's rows behind";
  advance_time(cfg.error_backoff);
  ASSERT_EQ(status(w).cursor, 110u);
  for (uint64_t n = 104; n <= 110; ++n)
    want.push_back(n);
  EXPECT_EQ(rows(), want);
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}

// Issue #19: the follower follows the chain pinned at first start (chain id
// and genesis block hash), whatever node is behind the URL later.
class eth_identity : public eth_watcher_timing {
protected:
  void SetUp() override {
    eth_watcher_timing::SetUp();
    cfg.chain_id = 0; // nothing configured: the pin alone decides
  }
  std::optional<ledger::chain_identity> pinned() {
    std::optional<ledger::chain_identity> out;
    write("pinned", [&](SQLite::Database& db) { out = ledger::pinned_identity(db, "ethereum"); });
    return out;
  }
  void expect_halted_without_applying(const eth_watcher_actor& w, const std::string& what) {
    auto s = status(w);
    EXPECT_TRUE(s.halted);
    EXPECT_EQ(s.last_error, what);
    EXPECT_EQ(s.cursor, 100u);
    EXPECT_EQ(s.cursor_hash, scripted_node::hash_of(100));
    auto h = health(w);
    EXPECT_FALSE(h.ok);
    EXPECT_NE(h.detail.find(what), std::string::npos) << h.detail;
    EXPECT_EQ(count("SELECT block_number FROM chain_cursors WHERE chain = 'ethereum'"), 100);
    EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE severity = 'critical' AND source = "
                    "'eth_watcher' AND message = '" + what + "'"),
              1);
    EXPECT_EQ(count("SELECT count(*) FROM flows WHERE paused = 1 AND flow IN ('claims', 'payouts')"), 2);
    EXPECT_EQ(count("SELECT count(*) FROM flows WHERE paused = 1"), 2);
  }
};

TEST_F(eth_identity, the_first_start_pins_the_chain_id_and_genesis_hash) {
  auto w = start_watcher();
  auto id = pinned();
  ASSERT_TRUE(id);
  EXPECT_EQ(id->chain_id, 31337u);
  EXPECT_EQ(id->genesis_hash, scripted_node::hash_of(0));
  EXPECT_EQ(status(w).cursor, 100u);
  stop(w);
}

TEST_F(eth_identity, another_chain_id_behind_the_url_halts_until_the_pinned_chain_is_back) {
  auto w = start_watcher();
  ASSERT_EQ(status(w).cursor, 100u);
  node.chain_id = 1;
  node.head = 110;
  node.served.clear();
  advance_time(cfg.poll_interval);
  expect_halted_without_applying(w, "wrong chain: chain id 1, pinned 31337");
  EXPECT_TRUE(node.served.empty()) << "no log read from the other chain";
  advance_time(cfg.poll_interval);
  advance_time(cfg.poll_interval);
  EXPECT_EQ(count("SELECT count(*) FROM alerts"), 1) << "one alarm per episode";
  // A restart against it: halted before reading anything.
  stop(w);
  w = start_watcher();
  EXPECT_TRUE(status(w).halted);
  EXPECT_TRUE(node.served.empty());
  // Back: resumes from the cursor, every block once.
  node.chain_id = 31337;
  advance_time(cfg.poll_interval);
  auto s = status(w);
  EXPECT_FALSE(s.halted) << s.last_error;
  EXPECT_EQ(s.cursor, 110u);
  ASSERT_FALSE(node.served.empty());
  EXPECT_EQ(node.served.front().first, 101u);
  EXPECT_EQ(node.served.back().second, 110u);
  EXPECT_TRUE(health(w).ok) << health(w).detail;
  EXPECT_EQ(count("SELECT count(*) FROM flows WHERE paused = 1"), 2) << "the operator resumes them";
  stop(w);
}

TEST_F(eth_identity, the_same_chain_id_with_another_genesis_is_another_chain) {
  auto w = start_watcher();
  ASSERT_EQ(status(w).cursor, 100u);
  node.history = "fresh anvil ";
  node.head = 110;
  node.served.clear();
  advance_time(cfg.poll_interval);
  expect_halted_without_applying(w, "wrong chain: genesis " + scripted_node::hash_of(0, node.history)
                                      + ", pinned " + scripted_node::hash_of(0));
  EXPECT_TRUE(node.served.empty());
  node.history.clear();
  advance_time(cfg.poll_interval);
  EXPECT_FALSE(status(w).halted);
  EXPECT_EQ(status(w).cursor, 110u);
  stop(w);
}

TEST_F(eth_identity, a_configured_chain_id_the_node_does_not_have_alerts_and_pauses_too) {
  cfg.chain_id = 31337;
  node.chain_id = 5;
  auto w = start_watcher();
  auto s = status(w);
  EXPECT_TRUE(s.halted);
  EXPECT_EQ(s.last_error, "wrong chain: chain id 5, configured 31337");
  EXPECT_FALSE(s.has_cursor);
  EXPECT_FALSE(pinned()) << "nothing is pinned from a node the config refuses";
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE severity = 'critical'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM flows WHERE paused = 1"), 2);
  stop(w);
}

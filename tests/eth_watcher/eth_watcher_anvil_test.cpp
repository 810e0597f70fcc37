// The Ethereum watcher against a real node: anvil on a free 127.0.0.1 port
// with the real contracts deployed by tools/deploy-contracts/deploy, driven by
// `cast` (anvil's well-known development keys). The watcher and the storage
// actor run on CAF's deterministic scheduler, so "poll now" is a clock step.
//
// anvil with --slots-in-an-epoch 2 reports finalized = latest - 4.
#include "actors/eth_watcher.hpp"
#include "actors/metrics.hpp"
#include "storage/ledger.hpp"
#include "actors/storage_actor.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

using namespace lstaked;
using namespace std::chrono_literals;
using rpc::json;

namespace {

// anvil's development account 0: deployer, notary, and the test's user.
const std::string deployer_key = test::anvil_key0;
const std::string deployer = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";
const std::string recipient = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
constexpr unsigned slots_in_an_epoch = 2;
constexpr uint64_t finality_depth = 2 * slots_in_an_epoch;

/// One anvil and one deployment for the whole suite; each test starts reading
/// at the block after the last one it found, so tests do not see each other.
struct chain_env {
  test::temp_dir dir;
  test::anvil_node anvil{dir, slots_in_an_epoch};
  std::string url = anvil.url;
  std::string pool, token;

  std::string cast(std::vector<std::string> args) { return anvil.cast(std::move(args)); }
  json call(const std::string& method, json params = json::array()) {
    return anvil.rpc(method, std::move(params));
  }

  uint64_t head() { return anvil.block_number(); }
  std::string block_hash(uint64_t n) {
    return call("eth_getBlockByNumber", {rpc::u256{n}.to_hex(), false})["hash"].get<std::string>();
  }
  void mine(uint64_t n) { anvil.mine(n); }
  // Replaces the last `depth` blocks with empty ones (their transactions are gone).
  void reorg(uint64_t depth) { call("anvil_reorg", {depth, json::array()}); }

  /// The notary's (deployer's) EIP-712 signature over a claim, made by cast.
  std::string sign_claim(const std::string& claim_id, const std::string& amount_wei,
                         uint64_t claim_before_block, const std::string& account) {
    json typed = {
      {"types",
       {{"EIP712Domain",
         {{{"name", "name"}, {"type", "string"}},
          {{"name", "version"}, {"type", "string"}},
          {{"name", "chainId"}, {"type", "uint256"}},
          {{"name", "verifyingContract"}, {"type", "address"}}}},
        {"Claim",
         {{{"name", "token"}, {"type", "address"}},
          {{"name", "claimId"}, {"type", "uint256"}},
          {{"name", "amount"}, {"type", "uint256"}},
          {{"name", "claimBeforeBlock"}, {"type", "uint256"}},
          {{"name", "account"}, {"type", "address"}}}}}},
      {"primaryType", "Claim"},
      {"domain",
       {{"name", "PolkadotPool"}, {"version", "1"}, {"chainId", 31337}, {"verifyingContract", pool}}},
      {"message",
       {{"token", token},
        {"claimId", rpc::u256::from_hex(claim_id)->to_dec()},
        {"amount", amount_wei},
        {"claimBeforeBlock", std::to_string(claim_before_block)},
        {"account", account}}}};
    auto file = dir.file("typed-" + claim_id + ".json");
    std::ofstream{file} << typed.dump();
    return cast({"wallet", "sign", "--private-key", deployer_key, "--data", "--from-file", file});
  }

  std::string send(const std::vector<std::string>& call_args) {
    std::vector<std::string> args{"send", "--rpc-url", url, "--private-key", deployer_key, "--json"};
    args.insert(args.end(), call_args.begin(), call_args.end());
    auto out = json::parse(cast(args), nullptr, false);
    EXPECT_TRUE(out.is_object() && out.value("status", "") == "0x1") << out.dump();
    return out.is_object() ? out.value("transactionHash", "") : "";
  }

  std::string claim_bonds(const std::string& claim_id, const std::string& amount_wei,
                          uint64_t claim_before_block, const std::string& sig) {
    return send({pool, "claimBonds(address,uint256,uint256,uint256,address,bytes)", token,
                 rpc::u256::from_hex(claim_id)->to_dec(), amount_wei,
                 std::to_string(claim_before_block), deployer, sig});
  }

  /// Burns `amount_wei` of the deployer's aKSMb; returns the tx hash.
  std::string burn(const std::string& amount_wei) {
    return send({pool, "burnBond(address,uint256,bytes)", token, amount_wei, recipient});
  }
};

chain_env* env = nullptr;

} // namespace

class eth_watcher_anvil : public test::watcher_fixture<eth_watcher_actor, eth_watcher_state,
                                                       eth_watcher_status, eth_watcher_config> {
protected:
  eth_watcher_anvil() : watcher_fixture(eth_watcher) {}

  static void SetUpTestSuite() {
    ::setenv("FOUNDRY_DISABLE_NIGHTLY_WARNING", "1", 1);
    env = new chain_env; // anvil_node points HOME at its directory (cast and anvil write there)
    ASSERT_TRUE(env->anvil.ok()) << "anvil did not start";
    auto deployed = env->anvil.deploy(deployer);
    env->pool = deployed.pool;
    env->token = deployed.token;

    // Give the deployer aKSMb to burn in the tests: one claim of 1000 tokens
    // (the ledger of the tests never sees it: it is before their start block).
    std::string id = "0x" + std::string(63, '0') + "1";
    std::string amount = "1000000000000000000000";
    auto sig = env->sign_claim(id, amount, 1000000000, deployer);
    env->claim_bonds(id, amount, 1000000000, sig);
  }

  static void TearDownTestSuite() {
    delete env;
    env = nullptr;
  }

  void SetUp() override {
    watcher_fixture::SetUp();
    ASSERT_NE(env, nullptr);
    ASSERT_FALSE(env->pool.empty());
    cfg.rpc.url = env->url;
    cfg.pool_address = env->pool;
    cfg.chain_id = 31337;
    cfg.start_block = env->head() + 1; // this test's events only
    cfg.detached_rpc_worker = false; // deterministic: the worker runs on the test scheduler
    cfg.finality = "finalized";
    cfg.poll_interval = 1000ms;
    cfg.initial_window = 2; // several windows per poll: exercises the growth
    cfg.max_window = 64;
  }

  /// Mines until `block` is finalized.
  void finalize(uint64_t block) {
    auto h = env->head();
    if (h < block + finality_depth)
      env->mine(block + finality_depth - h);
  }
};

TEST_F(eth_watcher_anvil, applies_claims_and_burns_once_and_only_when_finalized) {
  // The ledger side of a claim: a credited deposit and an ACTIVE claim signed
  // by the notary key (cast makes the EIP-712 signature).
  const std::string account = "0x" + std::string(64, 'a');
  const std::string claim_id = "0x" + std::string(60, '0') + "beef";
  ledger::claim_record claim;
  write("setup", [&](SQLite::Database& db) {
    ledger::kusama_deposit d;
    d.block_hash = "0x" + std::string(64, '1');
    d.block_number = 1;
    d.account = account;
    d.amount_planck = rpc::u256{10'000'000'000'000ull}; // 10 KSM
    auto credited = ledger::credit_deposit(db, d, rpc::u256{1'000'000'000'000ull}, 1);
    ASSERT_TRUE(credited) << describe(credited.error());
    ledger::claim_intent intent;
    intent.claim_id = claim_id;
    intent.request_digest = "0x" + std::string(64, '2');
    intent.account = account;
    intent.eth_address = deployer;
    intent.amount_planck = rpc::u256{2'000'000'000'000ull}; // 2 KSM
    intent.nonce = "nonce-1";
    intent.claim_before_block = 1000000000;
    intent.expires_at_ms = 2;
    auto r = ledger::reserve_claim(
      db, intent,
      [](const ledger::claim_record& c) -> caf::expected<std::string> {
        return env->sign_claim(c.claim_id, c.amount_wei.to_dec(), c.claim_before_block,
                               c.eth_address);
      },
      1);
    ASSERT_TRUE(r) << describe(r.error());
    claim = *r;
  });
  ASSERT_EQ(claim.status, "ACTIVE");

  auto claim_tx = env->claim_bonds(claim.claim_id, claim.amount_wei.to_dec(),
                                   claim.claim_before_block, claim.signature);
  auto burn1 = env->burn("1500000000000000000");  // 1.5 aKSMb
  auto burn2 = env->burn("250000000000000001");   // with sub-planck dust
  auto last_event_block = env->head();

  auto w = start_watcher();
  poll();
  // Nothing is final yet: nothing applied, and the cursor stays below the events.
  auto s = status(w);
  EXPECT_FALSE(s.halted) << s.last_error;
  EXPECT_LT(s.final_head, cfg.start_block);
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE block_number >= "
                  + std::to_string(cfg.start_block)),
            0);
  EXPECT_EQ(text("SELECT status FROM claims WHERE claim_id = '" + claim_id + "'"), "ACTIVE");

  // One block short of finalizing the last burn: the claim and first burn only.
  finalize(last_event_block - 1);
  poll();
  EXPECT_EQ(text("SELECT status FROM claims WHERE claim_id = '" + claim_id + "'"), "CLAIMED");
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash = '" + burn1 + "'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash = '" + burn2 + "'"), 0);
  EXPECT_EQ(status(w).cursor, last_event_block - 1);

  finalize(last_event_block);
  poll();
  s = status(w);
  EXPECT_EQ(s.cursor, last_event_block);
  EXPECT_EQ(s.cursor_hash, env->block_hash(last_event_block));
  EXPECT_EQ(s.lag, 0u);
  EXPECT_EQ(s.logs_applied, 3u);
  EXPECT_TRUE(health(w).ok) << health(w).detail;
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash = '" + burn2
                  + "' AND amount_planck = '250000000000' AND status = 'REQUESTED' AND recipient = '"
                  + recipient + "'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM history WHERE kind = 'UNSTAKE' AND account = '" + recipient
                  + "' AND chain_ref IN ('" + burn1 + "', '" + burn2 + "')"),
            2);
  EXPECT_EQ(text("SELECT settled_tx FROM claims WHERE claim_id = '" + claim_id + "'"), claim_tx);
  // Every block that carried an event is kept with its hash, for reorg checks.
  EXPECT_EQ(text("SELECT hash FROM eth_blocks WHERE number = " + std::to_string(last_event_block)),
            env->block_hash(last_event_block));
  EXPECT_EQ(count("SELECT count(*) FROM alerts"), 0);

  // Restart: the new watcher continues from the stored cursor; nothing twice.
  stop(w);
  env->mine(3);
  w = start_watcher();
  poll();
  s = status(w);
  EXPECT_EQ(s.logs_applied, 0u);
  EXPECT_GT(s.cursor, last_event_block);
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash IN ('" + burn1 + "', '"
                  + burn2 + "')"),
            2);

  // Replay: the cursor is lost, a watcher reads every window again; the
  // ledger is keyed by (tx, log index) and claim state, so nothing changes.
  stop(w);
  write("forget_cursor", [](SQLite::Database& db) {
    db.exec("DELETE FROM chain_cursors WHERE chain = 'ethereum'");
    db.exec("DELETE FROM eth_blocks");
  });
  w = start_watcher();
  poll();
  s = status(w);
  EXPECT_EQ(s.logs_applied, 3u) << "the replay reads the same three events";
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash IN ('" + burn1 + "', '"
                  + burn2 + "')"),
            2);
  EXPECT_EQ(count("SELECT count(*) FROM history WHERE kind = 'UNSTAKE' AND account = '" + recipient
                  + "' AND chain_ref IN ('" + burn1 + "', '" + burn2 + "')"),
            2);
  EXPECT_EQ(text("SELECT status FROM claims WHERE claim_id = '" + claim_id + "'"), "CLAIMED");
  EXPECT_EQ(count("SELECT count(*) FROM alerts"), 0);
  stop(w);
}

TEST_F(eth_watcher_anvil, events_in_blocks_reorged_above_finality_are_never_applied) {
  auto w = start_watcher();
  env->mine(finality_depth + 1);
  poll();
  auto before = status(w);
  ASSERT_TRUE(before.has_cursor) << before.last_error;

  auto doomed = env->burn("1000000000000000000");
  auto doomed_block = env->head();
  env->mine(1);
  poll(); // the burn is above finality: not applied
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash = '" + doomed + "'"), 0);
  EXPECT_LT(status(w).cursor, doomed_block);

  // Replace the burn's block and the one after it (both above finality).
  env->reorg(env->head() - doomed_block + 1);
  EXPECT_TRUE(env->call("eth_getTransactionReceipt", {doomed}).is_null());
  auto kept = env->burn("2000000000000000000");
  auto kept_block = env->head();
  finalize(kept_block + 1);
  poll();
  auto s = status(w);
  EXPECT_FALSE(s.halted) << s.last_error;
  EXPECT_GE(s.cursor, kept_block);
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash = '" + doomed + "'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash = '" + kept + "'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE block_number >= "
                  + std::to_string(cfg.start_block)),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM alerts"), 0);
  stop(w);
}

TEST_F(eth_watcher_anvil, a_window_over_the_event_target_commits_in_parts_at_block_boundaries) {
  // One window, three burns in three blocks, a target of one event per
  // transaction: the window goes to storage in parts, each ending at a block
  // with events (its hash from the logs) and the last at the window's end.
  cfg.initial_window = 64;
  cfg.target_events_per_window = 1;
  std::vector<std::string> burns;
  std::vector<uint64_t> blocks;
  for (int i = 0; i < 3; ++i) {
    burns.push_back(env->burn("1000000000000"));
    blocks.push_back(env->head());
  }
  finalize(blocks.back());
  auto w = start_watcher();
  poll();
  auto s = status(w);
  EXPECT_FALSE(s.halted) << s.last_error;
  EXPECT_TRUE(s.last_error.empty()) << s.last_error;
  EXPECT_GE(s.cursor, blocks.back());
  EXPECT_EQ(s.cursor_hash, env->block_hash(s.cursor));
  EXPECT_EQ(s.logs_applied, 3u);
  for (size_t i = 0; i < burns.size(); ++i) {
    EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash = '" + burns[i]
                    + "' AND block_number = " + std::to_string(blocks[i])),
              1);
    EXPECT_EQ(text("SELECT hash FROM eth_blocks WHERE number = " + std::to_string(blocks[i])),
              env->block_hash(blocks[i]));
  }
  EXPECT_EQ(count("SELECT count(*) FROM history WHERE kind = 'UNSTAKE' AND chain_ref IN ('"
                  + burns[0] + "', '" + burns[1] + "', '" + burns[2] + "')"),
            3);
  EXPECT_EQ(count("SELECT count(*) FROM alerts"), 0);
  // The window was over the target: the next one is smaller.
  EXPECT_LT(s.window, 64u);
  stop(w);
}

TEST_F(eth_watcher_anvil, reorg_below_finality_alerts_pauses_flows_and_halts) {
  auto w = start_watcher();
  auto burn = env->burn("1000000000000000000");
  finalize(env->head());
  poll();
  auto s = status(w);
  ASSERT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash = '" + burn + "'"), 1);
  ASSERT_FALSE(s.halted);
  auto cursor = s.cursor;

  // Rewrite history deeper than finality, through the applied cursor.
  env->reorg(env->head() - cursor + 3);
  EXPECT_NE(env->block_hash(cursor), s.cursor_hash);
  auto after = env->burn("1000000000000000000");
  finalize(env->head());
  poll();
  s = status(w);
  EXPECT_TRUE(s.halted);
  EXPECT_NE(s.last_error.find("reorg below finality"), std::string::npos) << s.last_error;
  EXPECT_EQ(s.cursor, cursor) << "a halted watcher does not advance";
  EXPECT_FALSE(health(w).ok);
  EXPECT_EQ(count("SELECT count(*) FROM alerts WHERE severity = 'critical' AND source = "
                  "'eth_watcher' AND message LIKE 'reorg below finality%'"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM flows WHERE paused = 1 AND flow IN ('claims', 'payouts')"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM flows WHERE paused = 1"), 2);
  // Nothing from the rewritten chain is applied, however long we wait.
  env->mine(10);
  poll();
  poll();
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash = '" + after + "'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM unstake_requests WHERE tx_hash = '" + burn + "'"), 1);
  EXPECT_EQ(status(w).cursor, cursor);
  stop(w);
}

// The typed Ethereum client against the same node.
TEST_F(eth_watcher_anvil, eth_client_typed_calls_on_a_real_node) {
  rpc::json_rpc_config rc;
  rc.url = env->url;
  auto made = rpc::eth_client::make(rc);
  ASSERT_TRUE(made) << describe(made.error());
  auto& eth = **made;
  EXPECT_EQ(*eth.chain_id(), 31337u);
  auto head = eth.block_number();
  ASSERT_TRUE(head);
  auto latest = eth.block(std::string("latest"));
  ASSERT_TRUE(latest && *latest);
  EXPECT_EQ((*latest)->number, *head);
  auto fin = eth.block(std::string("finalized"));
  ASSERT_TRUE(fin && *fin);
  EXPECT_EQ((*fin)->number, *head - finality_depth);
  auto by_number = eth.blocks({*head, *head - 1, *head + 1000});
  ASSERT_TRUE(by_number);
  EXPECT_EQ((*by_number)[0]->hash, (*latest)->hash);
  EXPECT_EQ((*by_number)[0]->parent_hash, (*by_number)[1]->hash);
  EXPECT_FALSE((*by_number)[2]) << "a block the node does not have is nullopt";

  // eth_call: the pool's lastRequestId() (selector by the codec).
  auto pool = *chain::eth::parse_address(env->pool);
  rpc::eth_call_request call;
  call.to = pool;
  auto sel = chain::eth::abi_selector("lastRequestId()");
  call.data.assign(sel.begin(), sel.end());
  auto before = eth.call(call);
  ASSERT_TRUE(before) << describe(before.error());
  ASSERT_EQ(before->size(), 32u);

  // A burn, then its receipt and its log through eth_getLogs.
  auto burn = env->burn("1000000000000000000");
  auto receipt = eth.transaction_receipt(*chain::from_hex_fixed<32>(burn));
  ASSERT_TRUE(receipt && *receipt) << (receipt ? "null" : describe(receipt.error()));
  EXPECT_TRUE((*receipt)->success);
  size_t pool_burns = 0; // besides the token's own events
  for (auto& l : (*receipt)->logs)
    pool_burns += l.emitter == *chain::eth::parse_address(env->pool) && !l.topics.empty()
                  && l.topics[0] == tokens_burned_event().topic0();
  EXPECT_EQ(pool_burns, 1u);
  rpc::log_filter filter;
  filter.addresses = {pool};
  filter.topics = {{tokens_burned_event().topic0()}};
  filter.from_block = filter.to_block = (*receipt)->block_number;
  auto logs = eth.logs(filter);
  ASSERT_TRUE(logs) << describe(logs.error());
  ASSERT_EQ(logs->size(), 1u);
  EXPECT_EQ(chain::to_hex((*logs)[0].tx_hash), burn);
  ledger::eth_batch batch;
  ASSERT_FALSE(decode_pool_log((*logs)[0], batch));
  ASSERT_EQ(batch.burns.size(), 1u);
  EXPECT_EQ(batch.burns[0].recipient, recipient);
  EXPECT_EQ(batch.burns[0].account, deployer);
  EXPECT_EQ(batch.burns[0].amount_wei.to_dec(), "1000000000000000000");
  auto after = eth.call(call);
  ASSERT_TRUE(after);
  EXPECT_EQ(*chain::eth::u256::from_be(*after), batch.burns[0].request_id);

  // A raw transaction signed by cast (an independent signer), sent by us.
  auto nonce = eth.transaction_count(*chain::eth::parse_address(deployer));
  ASSERT_TRUE(nonce);
  auto raw = env->cast({"mktx", "--rpc-url", env->url, "--private-key", deployer_key, "--nonce",
                        std::to_string(*nonce), "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                        "--value", "1"});
  auto sent = eth.send_raw_transaction(*chain::from_hex(raw));
  ASSERT_TRUE(sent) << describe(sent.error());
  // anvil mines it at once, but the receipt may trail the send by a moment.
  auto mined = eth.transaction_receipt(*sent);
  for (int i = 0; i < 100 && mined && !*mined; ++i) {
    std::this_thread::sleep_for(50ms);
    mined = eth.transaction_receipt(*sent);
  }
  ASSERT_TRUE(mined && *mined);
  EXPECT_TRUE((*mined)->success);
  // The same bytes again: the node's error, typed, not retried.
  auto again = eth.send_raw_transaction(*chain::from_hex(raw));
  ASSERT_FALSE(again);
  EXPECT_TRUE(rpc::node_error_code(again.error())) << describe(again.error());
  EXPECT_EQ(*eth.transaction_count(*chain::eth::parse_address(deployer)), *nonce + 1);

  auto gas = eth.gas_price();
  ASSERT_TRUE(gas);
  EXPECT_FALSE(gas->is_zero());
  EXPECT_TRUE(eth.max_priority_fee_per_gas());
  auto fees = eth.fee_history(4, std::string("latest"), {25, 75});
  ASSERT_TRUE(fees) << describe(fees.error());
  EXPECT_EQ(fees->base_fee_per_gas.size(), 5u);
  EXPECT_EQ(fees->reward.size(), 4u);
}

TEST_F(eth_watcher_anvil, metrics_and_health_report_the_cursor_and_lag) {
  auto w = start_watcher();
  env->mine(finality_depth + 3);
  poll();
  auto s = status(w);
  ASSERT_TRUE(s.has_cursor);
  auto text = metrics_registry::global().render();
  EXPECT_NE(text.find("lstaked_eth_cursor_block " + std::to_string(s.cursor)), std::string::npos)
    << text;
  EXPECT_NE(text.find("lstaked_eth_final_head_block " + std::to_string(s.final_head)),
            std::string::npos);
  EXPECT_NE(text.find("lstaked_eth_lag_blocks 0"), std::string::npos);
  EXPECT_NE(text.find("lstaked_eth_logs_ingested_total{event=\"TokensBurned\"}"), std::string::npos);
  auto h = health(w);
  EXPECT_TRUE(h.ok) << h.detail;
  EXPECT_EQ(h.name, "eth_watcher");
  EXPECT_NE(h.detail.find("cursor " + std::to_string(s.cursor)), std::string::npos) << h.detail;
  stop(w);
}

TEST_F(eth_watcher_anvil, a_ratio_update_takes_effect_once_and_only_when_finalized) {
  cfg.token_address = env->token;
  auto w = start_watcher();
  // aKSMb's interval (at least an hour) passes, then the operator (the deployer) publishes.
  env->call("evm_increaseTime", {31 * 24 * 3600});
  env->mine(1);
  auto tx = env->send({env->token, "updateRatio(uint256)", "999900000000000000"});
  auto block = env->head();
  poll();
  EXPECT_EQ(text("SELECT COUNT(*) FROM ratio_history"), "0"); // not final yet
  finalize(block);
  poll();
  poll();
  EXPECT_EQ(text("SELECT ratio FROM ratio_history"), "999900000000000000");
  EXPECT_EQ(text("SELECT tx_hash FROM ratio_history"), tx);
  EXPECT_EQ(text("SELECT eth_block FROM ratio_history"), std::to_string(block));
  // The ratio every ledger computation uses from now on.
  write("ratio", [](SQLite::Database& db) {
    EXPECT_EQ(ledger::current_ratio(db).to_dec(), "999900000000000000");
  });
  // No calculation of this daemon asked for it: it counts, without a fee, with one alert.
  EXPECT_EQ(count("SELECT COUNT(*) FROM alerts WHERE source = 'ratio'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM fee_ledger"), 0);
  env->mine(3);
  poll();
  EXPECT_EQ(count("SELECT COUNT(*) FROM ratio_history"), 1);
  EXPECT_TRUE(status(w).last_error.empty()) << status(w).last_error;
}

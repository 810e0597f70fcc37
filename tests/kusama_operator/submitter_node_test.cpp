// The Kusama submitter and its outbox against the local Kusama node, both
// metadata variants: the storage actor, the Kusama watcher (with the outbox
// hook) and the submitter on CAF's deterministic scheduler, their blocking
// HTTP calls inline. Every "exactly once" claim is checked by counting the
// extrinsics ON CHAIN with the real @polkadot/api (chain_extrinsics.mjs),
// never from our database.
#include "actors/kusama_submitter.hpp"
#include "actors/kusama_watcher.hpp"
#include "storage/outbox.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/kusama_node.hpp"
#include "tests/support/process.hpp"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

using namespace lstaked;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;
// //Ferdie and //Bob (sr25519 dev keys).
const std::string ferdie = "0x1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c";
const std::string bob = "0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48";

json transfer_to_bob(const std::string& planck) {
  return {{"pallet", "Balances"},
          {"call", "transfer_keep_alive"},
          {"args", {{"dest", {{"Id", bob}}}, {"value", planck}}}};
}

class submitter_node
  : public test::watcher_fixture<kusama_watcher_actor, kusama_watcher_state, kusama_watcher_status,
                                 kusama_watcher_config>,
    public ::testing::WithParamInterface<std::string> {
protected:
  submitter_node() : watcher_fixture(kusama_watcher) {}

  std::unique_ptr<test::kusama_node> node;
  kusama_submitter_config scfg;
  std::vector<kusama_submitter_actor> submitters;

  void SetUp() override {
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--block-ms", "0", "--finality-lag", "2", "--metadata", GetParam()});
    ASSERT_TRUE(node->ok()) << node->log();
    watcher_fixture::SetUp();
    cfg.rpc.url = node->url;
    cfg.start_block = 1;
    cfg.deposit_account = ferdie;
    cfg.minimum_planck = *ledger::u256::from_dec("1000000000000");
    cfg.poll_interval = 1000ms;
    cfg.detached_rpc_worker = false;
    cfg.hooks.push_back(kusama_outbox_hook());
    scfg.rpc.url = node->url;
    scfg.database = db_path;
    scfg.mortality_blocks = 8;
    scfg.poll_interval = 1000ms;
    scfg.resubmit_interval = 1ms; // every tick re-sends live attempts (benign when pooled)
    auto kp = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, "//Ferdie");
    ASSERT_TRUE(kp);
    scfg.signers[ferdie] = std::make_shared<const chain::sig::keypair>(std::move(*kp));
  }

  void TearDown() override {
    for (auto& s : submitters)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    run();
    watcher_fixture::TearDown();
  }

  kusama_submitter_actor start_submitter() {
    auto s = sys.spawn(kusama_submitter, scfg, storage);
    submitters.push_back(s);
    run();
    return s;
  }

  json status(const kusama_submitter_actor& s) {
    return json::parse(ask<std::string>(s, status_atom_v));
  }

  ledger::outbox_intent add(const json& call, const std::string& purpose = "test",
                            uint64_t chain_nonce = 0) {
    ledger::outbox_intent row;
    write("add_intent", [&](SQLite::Database& db) {
      ledger::with_statements(db, [&](ledger::statement_cache& sc) {
        row = ledger::add_intent(sc, "kusama", ferdie, purpose, call, chain_nonce, 1);
      });
    });
    return row;
  }

  ledger::outbox_intent row(int64_t id) {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    return *ledger::intent_by_id(db, id);
  }

  void blocks(uint64_t n) { node->new_blocks(n); }
  // The node refuses (error) or drops every author_submitExtrinsic until cleared.
  void refuse_submissions(const std::string& mode) {
    node->rpc("dev_fault", {{{"mode", mode}, {"methods", {"author_submitExtrinsic"}},
                             {"durationMs", 600000}}});
  }
  void tick(const kusama_submitter_actor& s) {
    self->send(s, tick_atom_v);
    run();
  }
  // Finalizes what is in blocks now (lag 2), lets the watcher apply it, and
  // the submitter look.
  void settle(const kusama_submitter_actor& s) {
    blocks(2);
    poll();
    poll();
    tick(s);
  }

  // Ferdie's signed extrinsics on chain, decoded by @polkadot/api.
  std::vector<json> on_chain() {
    auto r = test::run_process(
      {"/usr/bin/env", "node", repo + "/tests/kusama_operator/chain_extrinsics.mjs", node->url},
      dir.path(), 120s);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    auto brace = r.out.rfind("\n{");
    auto j = json::parse(r.out.substr(brace == std::string::npos ? 0 : brace + 1));
    std::vector<json> out;
    for (auto& e : j["extrinsics"])
      if (e["signer"] == ferdie)
        out.push_back(e);
    return out;
  }

  std::string remark_by_hand(uint64_t nonce) {
    auto r = test::run_process({"/usr/bin/env", "node", repo + "/tests/kusama_operator/send_remark.mjs",
                                node->url, std::to_string(nonce)},
                               dir.path(), 120s);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    return r.out;
  }
};

} // namespace

TEST_P(submitter_node, signs_submits_and_finalizes_each_intent_exactly_once) {
  auto w = start_watcher();
  auto s = start_submitter();
  auto a = add(transfer_to_bob("1000000000000"));
  auto b = add(transfer_to_bob("2000000000000"));
  EXPECT_EQ(a.nonce, 0u);
  EXPECT_EQ(b.nonce, 1u);
  tick(s);
  EXPECT_EQ(row(a.id).status, "SUBMITTED");
  EXPECT_EQ(row(b.id).status, "SUBMITTED");
  EXPECT_FALSE(row(a.id).live->fee.empty()) << "fee quoted by payment_queryInfo";
  blocks(1);
  tick(s); // re-sent (same bytes: harmless) and seen in a best block
  EXPECT_EQ(row(a.id).status, "IN_BLOCK");
  settle(s);
  for (auto id : {a.id, b.id}) {
    auto r = row(id);
    EXPECT_EQ(r.status, "FINALIZED") << r.to_json().dump();
    EXPECT_EQ(r.outcome, "success");
    EXPECT_EQ(r.attempts, 1u);
  }
  // More ticks and blocks change nothing.
  for (int i = 0; i < 3; ++i)
    settle(s);
  auto chain = on_chain();
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0]["nonce"], 0);
  EXPECT_EQ(chain[1]["nonce"], 1);
  EXPECT_EQ(chain[0]["hash"], row(a.id).tx_hash);
  EXPECT_EQ(chain[0]["call"], "balances.transferKeepAlive");
  EXPECT_EQ(status(s)["open"].size(), 0u);
}

TEST_P(submitter_node, a_dispatch_error_is_recorded_once_with_its_name_and_not_retried) {
  auto w = start_watcher();
  auto s = start_submitter();
  // Ferdie is not bonded: Staking.NotStash (the extrinsic is included, its fee paid).
  auto r = add({{"pallet", "Staking"}, {"call", "bond_extra"}, {"args", {{"max_additional", "1000"}}}});
  tick(s);
  blocks(1);
  for (int i = 0; i < 3; ++i)
    settle(s);
  auto done = row(r.id);
  EXPECT_EQ(done.status, "FINALIZED");
  EXPECT_EQ(done.outcome, "failed");
  EXPECT_EQ(done.dispatch_error, "Staking.NotStash");
  EXPECT_EQ(count("SELECT COUNT(*) FROM alerts WHERE source = 'kusama_submitter'"), 1);
  auto chain = on_chain();
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_EQ(chain[0]["success"], false);
  EXPECT_EQ(chain[0]["error"], "Staking.NotStash"); // the same name polkadot-js decodes
}

TEST_P(submitter_node, a_lost_submission_expires_and_is_re_signed_with_the_same_nonce) {
  auto w = start_watcher();
  // The node drops every submission: the attempt is signed and committed, never pooled.
  refuse_submissions("error");
  auto s = start_submitter();
  auto r = add(transfer_to_bob("1000000000000"));
  tick(s);
  auto first = row(r.id);
  EXPECT_EQ(first.status, "SUBMITTED");
  EXPECT_NE(first.note.find("submission failed"), std::string::npos) << first.note;
  // The era (8 blocks) passes unused; then the fault clears.
  for (int i = 0; i < 6; ++i)
    settle(s);
  node->rpc("dev_fault", {{{"mode", "none"}}});
  for (int i = 0; i < 3; ++i)
    settle(s);
  auto done = row(r.id);
  EXPECT_EQ(done.status, "FINALIZED") << done.to_json().dump();
  EXPECT_EQ(done.nonce, first.nonce);
  EXPECT_GE(done.attempts, 2u);
  EXPECT_NE(done.tx_hash, first.tx_hash);
  auto chain = on_chain();
  ASSERT_EQ(chain.size(), 1u); // exactly once, at the same nonce
  EXPECT_EQ(chain[0]["nonce"], first.nonce);
  EXPECT_EQ(chain[0]["hash"], done.tx_hash);
}

TEST_P(submitter_node, a_nonce_used_by_hand_is_detected_and_never_sent_twice) {
  auto w = start_watcher();
  refuse_submissions("error");
  auto s = start_submitter();
  auto r = add(transfer_to_bob("1000000000000"));
  tick(s);
  EXPECT_EQ(row(r.id).status, "SUBMITTED");
  node->rpc("dev_fault", {{{"mode", "none"}}});
  // The operator signs something else with the same key and nonce first.
  remark_by_hand(r.nonce);
  for (int i = 0; i < 3; ++i)
    settle(s);
  auto done = row(r.id);
  EXPECT_EQ(done.status, "REPLACED") << done.to_json().dump();
  EXPECT_EQ(count("SELECT COUNT(*) FROM alerts WHERE severity = 'critical' "
                  "AND source = 'kusama_submitter'"), 1);
  for (int i = 0; i < 3; ++i)
    settle(s);
  auto chain = on_chain();
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_EQ(chain[0]["call"], "system.remark"); // ours never landed
  // The next intent takes the next nonce and goes through.
  auto next = add(transfer_to_bob("1000000000000"), "test", 1);
  EXPECT_EQ(next.nonce, 1u);
  tick(s);
  blocks(1);
  settle(s);
  EXPECT_EQ(row(next.id).status, "FINALIZED");
}

TEST_P(submitter_node, a_runtime_upgrade_before_inclusion_re_encodes_and_re_signs) {
  auto w = start_watcher();
  refuse_submissions("error");
  auto s = start_submitter();
  auto r = add(transfer_to_bob("1000000000000"));
  tick(s);
  auto first = row(r.id);
  node->rpc("dev_runtimeUpgrade");
  node->rpc("dev_fault", {{{"mode", "none"}}});
  for (int i = 0; i < 4; ++i)
    settle(s);
  auto done = row(r.id);
  EXPECT_EQ(done.status, "FINALIZED") << done.to_json().dump();
  EXPECT_EQ(done.outcome, "success");
  EXPECT_EQ(done.nonce, first.nonce);
  auto chain = on_chain();
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_EQ(chain[0]["hash"], done.tx_hash);
}

TEST_P(submitter_node, a_restart_re_sends_the_committed_attempt_not_a_new_signature) {
  auto w = start_watcher();
  refuse_submissions("drop");
  auto s = start_submitter();
  auto r = add(transfer_to_bob("1000000000000"));
  tick(s);
  auto signed_once = row(r.id);
  ASSERT_EQ(signed_once.status, "SUBMITTED");
  // "Crash" between commit and submission: a new incarnation on the same database.
  stop_actor(s);
  node->rpc("dev_fault", {{{"mode", "none"}}});
  auto again = start_submitter();
  blocks(1);
  settle(again);
  auto done = row(r.id);
  EXPECT_EQ(done.status, "FINALIZED");
  EXPECT_EQ(done.attempts, 1u);
  EXPECT_EQ(done.tx_hash, signed_once.tx_hash);
  EXPECT_EQ(on_chain().size(), 1u);
}

TEST_P(submitter_node, an_unavailable_node_is_retried_with_backoff_and_nothing_is_duplicated) {
  auto w = start_watcher();
  auto s = start_submitter();
  auto r = add(transfer_to_bob("1000000000000"));
  node->rpc("dev_fault", {{{"mode", "http500"}, {"durationMs", 600000}}});
  for (int i = 0; i < 3; ++i)
    tick(s);
  auto h = ask<actor_health>(s, health_atom_v);
  EXPECT_FALSE(h.ok);
  EXPECT_FALSE(h.detail.empty());
  EXPECT_EQ(row(r.id).status, "INTENT"); // nothing signed while the chain cannot be read
  node->rpc("dev_fault", {{{"mode", "slow"}, {"delayMs", 300}, {"durationMs", 600000}}});
  tick(s); // slow but answering: signed and sent
  EXPECT_EQ(row(r.id).status, "SUBMITTED");
  refuse_submissions("error");
  for (int i = 0; i < 3; ++i)
    tick(s); // re-sent, refused: same bytes each time, never a new signature
  EXPECT_EQ(row(r.id).attempts, 1u);
  node->rpc("dev_fault", {{{"mode", "none"}}});
  blocks(1);
  for (int i = 0; i < 2; ++i)
    settle(s);
  auto done = row(r.id);
  EXPECT_EQ(done.status, "FINALIZED") << done.to_json().dump();
  EXPECT_TRUE(ask<actor_health>(s, health_atom_v).ok);
  EXPECT_EQ(on_chain().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(metadata, submitter_node, ::testing::Values("kusama", "asset-hub"));

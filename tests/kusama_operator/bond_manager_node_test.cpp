// The bond/nominate manager with the submitter and the Kusama watcher against
// the local Kusama node, both metadata variants (deterministic scheduler,
// blocking HTTP inline). Deposits get bonded across two stashes (one through a
// Staking proxy), nominations pass every filter, change at most once per
// interval of chain time, and rewards are collected for every exposed era; each
// claim is checked from the chain with the real @polkadot/api.
#include "actors/bond_manager.hpp"
#include "actors/kusama_submitter.hpp"
#include "actors/kusama_watcher.hpp"
#include "chain/common/bytes.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/kusama_node.hpp"
#include "tests/support/process.hpp"

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <set>

using namespace lstaked;
using namespace std::chrono_literals;
using nlohmann::json;
using chain::substrate::u128;

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;
const u128 KSM = 1'000'000'000'000;

std::shared_ptr<const chain::sig::keypair> key(const std::string& uri) {
  auto kp = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, uri);
  EXPECT_TRUE(kp) << uri;
  return std::make_shared<const chain::sig::keypair>(std::move(*kp));
}

std::string hex(const std::shared_ptr<const chain::sig::keypair>& k) {
  return chain::to_hex(chain::byte_view(k->account().data(), k->account().size()));
}

u128 planck(const json& j) {
  u128 v = 0;
  for (char c : j.get<std::string>())
    v = v * 10 + static_cast<u128>(c - '0');
  return v;
}

class bond_manager_node
  : public test::watcher_fixture<kusama_watcher_actor, kusama_watcher_state, kusama_watcher_status,
                                 kusama_watcher_config>,
    public ::testing::WithParamInterface<std::string> {
protected:
  bond_manager_node() : watcher_fixture(kusama_watcher) {}

  std::unique_ptr<test::kusama_node> node;
  kusama_submitter_config scfg;
  bond_manager_config mcfg;
  kusama_submitter_actor submitter;
  bond_manager_actor manager;
  std::shared_ptr<const chain::sig::keypair> ferdie = key("//Ferdie"), eve = key("//Eve"),
                                             charlie = key("//Charlie"), hot = key("//Ferdie//hot");
  std::string alice_stash = hex(key("//Alice//stash")), bob_stash = hex(key("//Bob//stash")),
              charlie_stash = hex(key("//Charlie//stash")), dave_stash = hex(key("//Dave//stash")),
              bob = hex(key("//Bob"));

  void SetUp() override {
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--block-ms", "0", "--finality-lag", "1", "--era-blocks", "10",
                                    "--metadata", GetParam()});
    ASSERT_TRUE(node->ok()) << node->log();
    watcher_fixture::SetUp();
    cfg.rpc.url = node->url;
    cfg.start_block = 1;
    cfg.deposit_account = hex(ferdie);
    cfg.pool_accounts = {hex(eve), hex(charlie)};
    cfg.minimum_planck = *ledger::u256::from_dec("1000000000000");
    cfg.poll_interval = 1000ms;
    cfg.detached_rpc_worker = false;
    cfg.hooks.push_back(kusama_outbox_hook());
    scfg.rpc.url = node->url;
    scfg.database = db_path;
    scfg.poll_interval = 1000ms;
    scfg.resubmit_interval = 1ms;
    for (auto& k : {ferdie, eve, hot})
      scfg.signers[hex(k)] = k;
    mcfg.rpc.url = node->url;
    mcfg.database = db_path;
    mcfg.deposit_account = hex(ferdie);
    mcfg.stashes = {{hex(eve), hex(eve), false}, {hex(charlie), hex(hot), true}};
    mcfg.validators = {alice_stash, bob_stash, charlie_stash, dave_stash, bob};
    mcfg.policy.fee_reserve = KSM / 10;
    mcfg.policy.min_step = KSM;
    mcfg.policy.max_commission_perbill = 60'000'000; // 6 %
    mcfg.policy.slash_lookback_eras = 28;
    mcfg.policy.nomination_interval_ms = 600'000;    // 100 blocks of chain time
    mcfg.poll_interval = 1000ms;
  }

  void TearDown() override {
    caf::anon_send_exit(manager, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(submitter, caf::exit_reason::user_shutdown);
    run();
    watcher_fixture::TearDown();
  }

  json script(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/env", "node", repo + "/tests/kusama_operator/" + args[0],
                                  node->url};
    argv.insert(argv.end(), args.begin() + 1, args.end());
    auto r = test::run_process(argv, dir.path(), 180s);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    auto brace = r.out.rfind("\n{");
    return json::parse(r.out.substr(brace == std::string::npos ? 0 : brace + 1), nullptr, false);
  }

  void start() {
    start_watcher();
    submitter = sys.spawn(kusama_submitter, scfg, storage);
    manager = sys.spawn(bond_manager, mcfg, storage);
    run();
  }

  // One block of chain life: the manager decides, the submitter signs, the
  // block is made and finalized, the watcher applies it (settling the outbox).
  void round() {
    self->send(manager, tick_atom_v);
    run();
    self->send(submitter, tick_atom_v);
    run();
    node->new_blocks(1);
    poll();
    self->send(submitter, tick_atom_v);
    run();
  }

  json manager_status() { return json::parse(ask<std::string>(manager, status_atom_v)); }
  json facts() { return script({"staking_facts.mjs", hex(eve), hex(charlie)})["stashes"]; }
  std::vector<json> extrinsics_of(const std::string& signer, const std::string& call) {
    std::vector<json> out;
    auto all = script({"chain_extrinsics.mjs"});
    EXPECT_TRUE(all.contains("extrinsics")) << all.dump().substr(0, 500);
    for (auto& e : all["extrinsics"])
      if (e["signer"] == signer && e["call"].get<std::string>().find(call) != std::string::npos)
        out.push_back(e);
    return out;
  }
};

} // namespace

TEST_P(bond_manager_node, stakes_nominates_and_collects_rewards_through_the_outbox) {
  auto setup = script({"operator_setup.mjs"});
  ASSERT_TRUE(setup.is_object());
  ASSERT_EQ(setup["hot"], hex(hot));
  start();
  for (int i = 0; i < 12; ++i)
    round();
  auto st = manager_status();
  EXPECT_EQ(st["refused"], "") << st.dump();
  auto f = facts();
  auto e = f[hex(eve)], c = f[hex(charlie)];
  // 2,500 KSM deposited + 1 KSM each: spread evenly, bonded, payee Staked.
  EXPECT_GT(planck(e["active"]), 1240 * KSM) << f.dump();
  EXPECT_GT(planck(c["active"]), 1240 * KSM) << f.dump();
  // Bonded (Staking.Bonded, as polkadot-js reads them): never more than the
  // three accounts held (2,500 deposited + 1 KSM each), and all of it but the
  // reserves (ED + 0.1 KSM fee reserve per account) and the fees.
  EXPECT_LT(planck(e["bonded"]) + planck(c["bonded"]), 2503 * KSM - 3 * (KSM / 10));
  EXPECT_GT(planck(e["bonded"]) + planck(c["bonded"]), 2502 * KSM);
  // Every filter: //Bob//stash blocked, //Charlie//stash slashed, //Dave//stash
  // above the 6 % cap, //Bob not a validator: only //Alice//stash remains.
  EXPECT_EQ(e["targets"], json::array({alice_stash}));
  EXPECT_EQ(c["targets"], json::array({alice_stash}));
  std::multiset<std::string> reasons;
  for (auto& s : st["stashes"][0]["nominations"]["skips"])
    reasons.insert(s["reason"].get<std::string>());
  EXPECT_EQ(reasons, (std::multiset<std::string>{"blocked", "commission_above_cap", "not_validator",
                                                  "slashed"}))
    << st.dump();
  // The proxied stash never signs: its Staking proxy does, through proxy.proxy.
  EXPECT_EQ(extrinsics_of(hex(charlie), "staking").size(), 0u);
  EXPECT_EQ(extrinsics_of(hex(hot), "proxy.proxy(staking.bond)").size(), 1u);
  EXPECT_EQ(extrinsics_of(hex(hot), "proxy.proxy(staking.nominate)").size(), 1u);
  EXPECT_EQ(extrinsics_of(hex(eve), "staking.bond").size(), 1u);
  EXPECT_EQ(extrinsics_of(hex(eve), "staking.nominate").size(), 1u);
  // Both transfers in one batch_all from the deposit account.
  EXPECT_EQ(extrinsics_of(hex(ferdie), "utility.batchAll(balances.transferKeepAlive,"
                                       "balances.transferKeepAlive)").size(), 1u);

  // //Bob//stash opens up: the chosen set differs, but not within 100 blocks of chain time.
  script({"validate.mjs", "//Bob//stash", "10000000", "false"});
  for (int i = 0; i < 5; ++i)
    round();
  EXPECT_EQ(extrinsics_of(hex(eve), "staking.nominate").size(), 1u);
  EXPECT_TRUE(manager_status()["stashes"][0]["nominations"]["differs"].get<bool>());
  node->new_blocks(100);
  for (int i = 0; i < 6; ++i)
    round();
  EXPECT_EQ(extrinsics_of(hex(eve), "staking.nominate").size(), 2u);
  EXPECT_EQ(extrinsics_of(hex(hot), "proxy.proxy(staking.nominate)").size(), 2u);
  f = facts();
  EXPECT_EQ(f[hex(eve)]["targets"], json::array({alice_stash, bob_stash}));

  // Eras pass: every exposed era is claimed, oldest first, and the active bond
  // grows by exactly the rewards (payee Staked), as polkadot-js reads them.
  for (int era = 0; era < 3; ++era) {
    node->rpc("dev_nextEra", {1});
    for (int i = 0; i < 6; ++i)
      round();
  }
  f = facts();
  for (auto* s : {&eve, &charlie}) {
    auto& x = f[hex(*s)];
    ASSERT_FALSE(x["exposed"].empty()) << x.dump();
    for (auto& ex : x["exposed"])
      EXPECT_TRUE(ex["claimed"].get<bool>()) << hex(*s) << " era " << ex["era"] << " " << ex["validator"];
    EXPECT_GT(planck(x["rewarded"]), 0u);
    EXPECT_EQ(planck(x["active"]), planck(x["bonded"]) + planck(x["rewarded"]) - planck(x["slashed"]))
      << x.dump();
  }
  EXPECT_GE(extrinsics_of(hex(ferdie), "staking.payoutStakersByPage").size(), 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox WHERE outcome = 'failed'"), 0);
}

TEST_P(bond_manager_node, refuses_to_act_while_the_chain_contradicts_the_configuration) {
  auto setup = script({"operator_setup.mjs"});
  ASSERT_TRUE(setup.is_object());
  // //Ferdie//cold is no proxy of //Charlie: nothing at all is decided, for any stash.
  auto cold = key("//Ferdie//cold");
  scfg.signers[hex(cold)] = cold;
  mcfg.stashes[1].signer = hex(cold);
  start();
  for (int i = 0; i < 4; ++i)
    round();
  auto st = manager_status();
  EXPECT_NE(st["refused"].get<std::string>().find("has no Staking proxy"), std::string::npos)
    << st.dump();
  EXPECT_FALSE(ask<actor_health>(manager, health_atom_v).ok);
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM alerts WHERE source = 'bond_manager'"), 1); // once
  caf::anon_send_exit(manager, caf::exit_reason::user_shutdown);
  run();
  // More validators than a stash can nominate (24): refused the same way.
  mcfg.stashes[1].signer = hex(hot);
  for (int i = 0; i < 21; ++i)
    mcfg.validators.push_back(hex(key("//validator" + std::to_string(i))));
  manager = sys.spawn(bond_manager, mcfg, storage);
  run();
  round();
  st = manager_status();
  EXPECT_NE(st["refused"].get<std::string>().find("at most 24"), std::string::npos) << st.dump();
  EXPECT_EQ(count("SELECT COUNT(*) FROM outbox"), 0);
}

INSTANTIATE_TEST_SUITE_P(metadata, bond_manager_node, ::testing::Values("kusama", "asset-hub"));

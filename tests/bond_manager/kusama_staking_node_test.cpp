// kusama_staking's read_snapshot against the local Kusama node
// (tools/kusama-node), for both metadata variants (relay and Asset Hub). The
// staking state is built by the real @polkadot/api (staking_state.mjs): bonds,
// nominations, eras, one payout, an unbond, a blocked validator, a slash and
// proxies of several types. The reference values are what polkadot-js reads
// at the same block; read_snapshot must find exactly the same.
#include "actors/bond_policy.hpp"
#include "chain/rpc/kusama_staking.hpp"
#include "chain/rpc/substrate_client.hpp"
#include "chain/sig/ss58.hpp"
#include "chain/substrate/storage.hpp"
#include "tests/chain_identity/scripted_peer.hpp"
#include "tests/support/kusama_node.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <set>

using namespace lstaked;
using namespace std::chrono_literals;
using json = nlohmann::json;
using kusama::account32;

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;

account32 acct(const json& hex) {
  auto a = chain::from_hex_fixed<32>(hex.get<std::string>());
  EXPECT_TRUE(a) << hex;
  return a ? *a : account32{};
}

std::vector<account32> accts(const json& list) {
  std::vector<account32> out;
  for (auto& h : list)
    out.push_back(acct(h));
  return out;
}

std::string hex(const account32& a) {
  return chain::to_hex(chain::byte_view(a));
}

std::string dec(kusama::u128 v) {
  return chain::substrate::to_decimal(v);
}

class kusama_staking_node : public ::testing::TestWithParam<std::string> {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<rpc::json_rpc_client> client;

  void SetUp() override {
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--block-ms", "0", "--era-blocks", "5", "--finality-lag", "0",
                                    "--metadata", GetParam()});
    ASSERT_TRUE(node->ok()) << node->log();
    rpc::json_rpc_config rc;
    rc.url = node->url;
    auto c = rpc::json_rpc_client::make(rc);
    ASSERT_TRUE(c) << describe(c.error());
    client = std::move(*c);
  }

  // The staking state script's JSON line.
  json run_script(const std::string& script) {
    auto r = test::run_process({"/usr/bin/env", "node", repo + "/tests/bond_manager/" + script, node->url},
                               dir.path(), 180s);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    auto brace = r.out.rfind("\n{");
    return json::parse(r.out.substr(brace == std::string::npos ? 0 : brace + 1));
  }

  // The metadata of the runtime at `hash`, as the daemon gets it (state_getMetadata, V14).
  chain::substrate::metadata_ptr metadata_at(const std::string& hash) {
    auto answer = client->call("state_getMetadata", json::array({hash}));
    EXPECT_TRUE(answer) << describe(answer.error());
    auto raw = kusama::hex_or_null(*answer, "state_getMetadata");
    EXPECT_TRUE(raw);
    auto md = chain::substrate::metadata::parse(chain::byte_view(*raw));
    EXPECT_TRUE(md) << describe(md.error());
    return md ? *md : nullptr;
  }
};

TEST_P(kusama_staking_node, read_snapshot_reads_what_polkadot_js_reads_at_the_same_block) {
  auto info = run_script("staking_state.mjs");
  auto& want = info["expected"];
  std::string at = info["at"];
  auto md = metadata_at(at);
  ASSERT_TRUE(md);

  kusama::snapshot_request req;
  req.accounts = accts(info["accounts"]);
  req.stashes = accts(info["stashes"]);
  req.candidates = accts(info["candidates"]);
  req.slash_lookback_eras = info["lookback"];
  auto requests_before = client->stats().requests;
  auto snap = kusama::read_snapshot(*client, *md, at, req);
  ASSERT_TRUE(snap) << describe(snap.error());
  auto& s = *snap;
  // Three rounds, each one HTTP request at this size (storage batched).
  EXPECT_LE(client->stats().requests - requests_before, 3u);

  EXPECT_EQ(s.at, at);
  EXPECT_EQ(s.number, info["number"].get<uint64_t>());
  EXPECT_EQ(s.timestamp_ms, want["timestampMs"].get<uint64_t>());

  auto& c = want["consts"];
  EXPECT_EQ(dec(s.constants.existential_deposit), c["existentialDeposit"]);
  EXPECT_EQ(s.constants.history_depth, c["historyDepth"].get<uint32_t>());
  EXPECT_EQ(s.constants.bonding_duration, c["bondingDuration"].get<uint32_t>());
  EXPECT_EQ(s.constants.max_unlocking_chunks, c["maxUnlockingChunks"].get<uint32_t>());
  // Where the metadata has no such constant (Asset Hub: the quota is a runtime
  // API the local node does not serve), Kusama's fixed quota of 24 applies.
  EXPECT_EQ(s.constants.max_nominations, c["maxNominations"].is_null() ? 24u : c["maxNominations"].get<uint32_t>());

  EXPECT_EQ(dec(s.min_nominator_bond), want["minNominatorBond"]);
  ASSERT_TRUE(s.active_era);
  EXPECT_EQ(*s.active_era, want["activeEra"].get<uint32_t>());
  ASSERT_TRUE(s.current_era);
  EXPECT_EQ(*s.current_era, want["currentEra"].get<uint32_t>());

  // Balances: every account asked for, including one that does not exist (zero).
  ASSERT_EQ(s.balances.size(), want["balances"].size());
  for (auto& [who, b] : want["balances"].items()) {
    auto it = s.balances.find(acct(json(who)));
    ASSERT_NE(it, s.balances.end()) << who;
    EXPECT_EQ(dec(it->second.free), b["free"]) << who;
    EXPECT_EQ(dec(it->second.reserved), b["reserved"]) << who;
    EXPECT_EQ(dec(it->second.frozen), b["frozen"]) << who;
    EXPECT_EQ(it->second.nonce, b["nonce"].get<uint32_t>()) << who;
  }

  ASSERT_EQ(s.ledgers.size(), want["ledgers"].size());
  for (auto& [who, l] : want["ledgers"].items()) {
    auto it = s.ledgers.find(acct(json(who)));
    ASSERT_NE(it, s.ledgers.end()) << who;
    EXPECT_EQ(hex(it->second.stash), l["stash"]);
    EXPECT_EQ(dec(it->second.total), l["total"]) << who;
    EXPECT_EQ(dec(it->second.active), l["active"]) << who;
    ASSERT_EQ(it->second.unlocking.size(), l["unlocking"].size()) << who;
    for (size_t i = 0; i < l["unlocking"].size(); ++i) {
      EXPECT_EQ(dec(it->second.unlocking[i].value), l["unlocking"][i]["value"]);
      EXPECT_EQ(it->second.unlocking[i].era, l["unlocking"][i]["era"].get<uint32_t>());
    }
  }

  ASSERT_EQ(s.nominations.size(), want["nominations"].size());
  for (auto& [who, targets] : want["nominations"].items()) {
    auto it = s.nominations.find(acct(json(who)));
    ASSERT_NE(it, s.nominations.end()) << who;
    EXPECT_EQ(it->second, accts(targets)) << who;
  }

  ASSERT_EQ(s.validators.size(), want["validators"].size());
  for (auto& [who, p] : want["validators"].items()) {
    auto it = s.validators.find(acct(json(who)));
    ASSERT_NE(it, s.validators.end()) << who;
    EXPECT_EQ(hex(it->second.account), who);
    EXPECT_EQ(it->second.commission_perbill, p["commission"].get<uint32_t>()) << who;
    EXPECT_EQ(it->second.blocked, p["blocked"].get<bool>()) << who;
  }

  std::map<std::string, uint32_t> slashes;
  for (auto& [who, era] : s.last_slash_era)
    slashes[hex(who)] = era;
  EXPECT_EQ(slashes, want["lastSlashEra"].get<decltype(slashes)>());

  std::map<std::string, std::vector<std::string>> proxies;
  for (auto& [who, delegates] : s.staking_proxies)
    for (auto& d : delegates)
      proxies[hex(who)].push_back(hex(d));
  EXPECT_EQ(proxies, want["proxies"].get<decltype(proxies)>());

  std::vector<std::string> got_exposures, want_exposures;
  for (auto& e : s.exposures)
    got_exposures.push_back(std::to_string(e.era) + " " + hex(e.validator) + " " + std::to_string(e.page)
                            + " " + dec(e.value) + (e.claimed ? " claimed" : " unclaimed"));
  for (auto& e : want["exposures"])
    want_exposures.push_back(std::to_string(e["era"].get<uint32_t>()) + " " + e["validator"].get<std::string>()
                             + " " + std::to_string(e["page"].get<uint32_t>()) + " "
                             + e["value"].get<std::string>() + (e["claimed"].get<bool>() ? " claimed" : " unclaimed"));
  EXPECT_EQ(got_exposures, want_exposures);

  // The script's state is what this test means to cover (not an empty chain).
  auto& facts = info["facts"];
  auto paid = acct(facts["paidValidator"]);
  uint32_t paid_era = facts["exposedEra"];
  size_t claimed = 0, unclaimed = 0;
  for (auto& e : s.exposures) {
    EXPECT_EQ(e.claimed, e.validator == paid && e.era == paid_era);
    (e.claimed ? claimed : unclaimed)++;
  }
  EXPECT_EQ(claimed, 2u); // Eve and Ferdie both backed the paid validator
  EXPECT_GE(unclaimed, 6u);
  EXPECT_TRUE(s.validators.at(acct(facts["blockedValidator"])).blocked);
  EXPECT_EQ(s.validators.count(acct(facts["slashedValidator"])), 0u) << "a slashed validator is chilled";
  EXPECT_EQ(s.last_slash_era.count(acct(facts["slashedValidator"])), 1u);
  EXPECT_EQ(s.ledgers.at(req.stashes[0]).unlocking.size(), 1u);
  EXPECT_EQ(s.ledgers.count(req.stashes[2]), 0u) << "//Charlie never bonded";
  EXPECT_EQ(s.balances.at(req.accounts.back()).free, 0u) << "an account that does not exist";
  EXPECT_EQ(s.staking_proxies.at(req.stashes[0]).size(), 2u) << "Staking and NonTransfer, not Governance";
  EXPECT_EQ(s.staking_proxies.at(req.stashes[1]).size(), 1u) << "Any, not a delayed Staking or CancelProxy";

  // The policy on a real snapshot: every unclaimed page, oldest era first.
  bond_policy::policy_config cfg;
  cfg.payouts_per_batch = 100;
  auto calls = bond_policy::plan_payouts(s, cfg);
  std::set<std::string> expected_calls;
  for (auto& e : s.exposures)
    if (!e.claimed)
      expected_calls.insert(std::to_string(e.era) + hex(e.validator));
  EXPECT_EQ(calls.size(), expected_calls.size());
  for (size_t i = 1; i < calls.size(); ++i)
    EXPECT_LE(calls[i - 1].era, calls[i].era);
  for (auto& call : calls)
    EXPECT_NE(call.validator == paid && call.era == paid_era, true);
}

TEST_P(kusama_staking_node, genesis_reads_and_an_unknown_block_is_not_found) {
  auto genesis = client->call("chain_getBlockHash", json::array({0}));
  ASSERT_TRUE(genesis) << describe(genesis.error());
  auto md = metadata_at(*genesis);
  ASSERT_TRUE(md);
  auto info = node->rpc("dev_info");
  kusama::snapshot_request req;
  for (auto& v : info["validators"]) {
    auto id = chain::sig::ss58_decode_account(v["address"].get<std::string>(), 2);
    ASSERT_TRUE(id);
    req.candidates.push_back(*id);
  }
  req.stashes = req.candidates; // validators' own stashes have ledgers
  auto snap = kusama::read_snapshot(*client, *md, *genesis, req);
  ASSERT_TRUE(snap) << describe(snap.error());
  EXPECT_EQ(snap->number, 0u);
  EXPECT_EQ(snap->active_era, 0u);
  EXPECT_TRUE(snap->exposures.empty()); // no era has ended
  EXPECT_TRUE(snap->last_slash_era.empty());
  EXPECT_EQ(snap->validators.size(), 4u);
  EXPECT_EQ(snap->ledgers.size(), 4u);
  EXPECT_TRUE(snap->nominations.empty());
  EXPECT_TRUE(snap->staking_proxies.empty());

  auto unknown = kusama::read_snapshot(*client, *md, "0x" + std::string(64, '1'), req);
  ASSERT_FALSE(unknown);
  EXPECT_TRUE(is(unknown.error(), ec::not_found)) << describe(unknown.error());
}

// Between read_snapshot and the real node, a proxy that changes one answer the
// way a broken or hostile node could: every such answer is refused with a
// clear error, never read as a default.
TEST_P(kusama_staking_node, a_tampered_answer_is_an_error_never_a_default) {
  auto info = run_script("staking_state.mjs");
  std::string at = info["at"];
  auto md = metadata_at(at);
  ASSERT_TRUE(md);
  kusama::snapshot_request req;
  req.accounts = accts(info["accounts"]);
  req.stashes = accts(info["stashes"]);
  req.candidates = accts(info["candidates"]);

  namespace sub = chain::substrate;
  auto key = [&](const char* pallet, const char* item, std::vector<json> args) {
    auto k = sub::storage_key(*md, pallet, item, args);
    EXPECT_TRUE(k) << describe(k.error());
    return chain::to_hex(chain::byte_view(*k));
  };
  const std::string account_key = key("System", "Account", {hex(req.accounts[0])});
  const std::string ledger_key = key("Staking", "Ledger", {hex(req.stashes[0])});
  auto& first_exposure = info["expected"]["exposures"][0];
  const std::string page_key = key("Staking", "ErasStakersPaged",
                                   {first_exposure["era"], first_exposure["validator"], first_exposure["page"]});

  enum class tamper { none, truncate_account, drop_ledger, null_page, other_block, node_error };
  tamper mode = tamper::none;
  auto upstream = std::move(*rpc::json_rpc_client::make({node->url}));
  test::scripted_peer proxy([&](const std::string& method, const json& params) -> json {
    auto r = upstream->call(method, params);
    if (!r)
      throw test::scripted_peer::error{-32603, describe(r.error())};
    if (method != "state_queryStorageAt")
      return *r;
    if (mode == tamper::node_error)
      throw test::scripted_peer::error{4003, "State already discarded"};
    for (auto& set : *r) {
      if (mode == tamper::other_block)
        set["block"] = "0x" + std::string(64, '2');
      auto& changes = set["changes"];
      for (size_t i = 0; i < changes.size(); ++i) {
        auto k = changes[i][0].get<std::string>();
        if (mode == tamper::truncate_account && k == account_key) {
          auto v = changes[i][1].get<std::string>();
          changes[i][1] = v.substr(0, v.size() - 2);
        } else if (mode == tamper::drop_ledger && k == ledger_key) {
          changes.erase(i);
          break;
        } else if (mode == tamper::null_page && k == page_key) {
          changes[i][1] = nullptr;
        }
      }
    }
    return *r;
  });
  auto through = rpc::json_rpc_client::make({proxy.url()});
  ASSERT_TRUE(through);
  auto read = [&](tamper m) {
    mode = m;
    return kusama::read_snapshot(**through, *md, at, req);
  };
  auto clean = read(tamper::none);
  ASSERT_TRUE(clean) << describe(clean.error());
  EXPECT_FALSE(clean->exposures.empty());

  struct expectation {
    tamper mode;
    ec code;
    std::string words;
  };
  for (auto& e : {expectation{tamper::truncate_account, ec::decode_error, "System.Account"},
                  expectation{tamper::drop_ledger, ec::decode_error, "no answer for key"},
                  expectation{tamper::null_page, ec::decode_error, "absent but counted"},
                  expectation{tamper::other_block, ec::decode_error, "answered for block"},
                  expectation{tamper::node_error, ec::rpc_error, "State already discarded"}}) {
    auto r = read(e.mode);
    ASSERT_FALSE(r) << e.words;
    EXPECT_TRUE(is(r.error(), e.code)) << describe(r.error());
    EXPECT_NE(describe(r.error()).find(e.words), std::string::npos) << describe(r.error());
  }
}

INSTANTIATE_TEST_SUITE_P(metadata, kusama_staking_node, ::testing::Values("kusama", "asset-hub"),
                         [](const auto& p) { return p.param == "asset-hub" ? std::string("asset_hub")
                                                                            : p.param; });

} // namespace

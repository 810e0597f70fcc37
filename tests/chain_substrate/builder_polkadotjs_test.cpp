// Integration: extrinsics built by chain/substrate and signed by chain/sig keys (ed25519,
// randomized sr25519, ecdsa) for Kusama V15/V14 and Asset Hub V15, checked by polkadot-js
// (tools/vectors/substrate/verify_extrinsic.mjs): each must decode, re-encode identically and
// carry a signature that verifies over the payload polkadot-js rebuilds. A tampered copy of
// each must fail. Needs node and the repository's node_modules.
#include "chain/sig/keypair.hpp"
#include "chain/substrate/extrinsic.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

using namespace lstaked::chain;
using namespace lstaked::chain::substrate;
using namespace lstaked::chain::substrate::test;
using lstaked::describe;
using nlohmann::json;

namespace {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p)
    return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    out.append(buf, n);
  pclose(p);
  return out;
}

} // namespace

TEST(builder_polkadotjs, signed_extrinsics_verify_in_polkadot_js) {
  if (run("node --version 2>/dev/null").empty())
    GTEST_SKIP() << "node not available";
  json batch = json::array();
  std::vector<bool> expect_ok;
  uint32_t round = 0;
  for (std::string chain : {"kusama-v15", "asset-hub-kusama-v15", "kusama-v14"}) {
    auto md = load_metadata(chain + ".bin");
    for (auto [kind, scheme] : {std::pair{sig::scheme::ed25519, signature_scheme::ed25519},
                                std::pair{sig::scheme::sr25519, signature_scheme::sr25519},
                                std::pair{sig::scheme::ecdsa, signature_scheme::ecdsa}}) {
      auto kp = sig::keypair::from_uri(kind, "//Alice//stash");
      ASSERT_TRUE(kp) << describe(kp.error());
      signer s;
      s.scheme = scheme;
      s.account_id.assign(kp->account().begin(), kp->account().end());
      s.sign = [&kp = *kp](byte_view msg) { return kp.sign(msg); };
      json dest = {{"Id", "0x" + std::string(64, 'c')}};
      json transfer = {{"Balances", {{"transfer_keep_alive", {{"dest", dest}, {"value", "1000000000000"}}}}}};
      std::vector<std::pair<std::string, std::pair<std::string, json>>> calls = {
        {"Balances", {"transfer_keep_alive", {{"dest", dest}, {"value", "123456789"}}}},
        {"Utility", {"batch_all", {{"calls", json::array({transfer, transfer, transfer, transfer, transfer, transfer, transfer, transfer})}}}},
        {"Staking", {"bond", {{"value", "5000000000000"}, {"payee", {{"Staked", nullptr}}}}}},
        {"Staking", {"nominate", {{"targets", json::array({dest, dest})}}}},
        {"Staking", {"withdraw_unbonded", {{"num_slashing_spans", 0}}}},
      };
      for (auto& [pallet, c] : calls) {
        auto call = encode_call(*md, pallet, c.first, c.second);
        ASSERT_TRUE(call) << chain << " " << pallet << "." << c.first << ": " << describe(call.error());
        tx_params p;
        p.nonce = 7 + round;
        p.tip = round % 2 ? 0 : 1000 * round;
        if (round % 3 != 0)
          p.era = make_mortal_era(64, 25'000'000 + round);
        p.genesis_hash = blake2b_256(bytes{1, 2, 3});
        p.block_hash = blake2b_256(bytes{static_cast<uint8_t>(round)});
        p.spec_version = 1'009'002;
        p.tx_version = 26;
        auto ext = build_signed_extrinsic(*md, *call, p, s);
        ASSERT_TRUE(ext) << describe(ext.error());
        json item = {{"chain", chain},
                     {"hex", to_hex(*ext)},
                     {"genesis_hash", to_hex(p.genesis_hash)},
                     {"block_hash", to_hex(p.era ? p.block_hash : p.genesis_hash)},
                     {"spec_version", p.spec_version},
                     {"tx_version", p.tx_version}};
        batch.push_back(item);
        expect_ok.push_back(true);
        // Tampered: one bit of the last byte (the call's tail) flipped.
        auto bad = *ext;
        bad.back() ^= 1;
        item["hex"] = to_hex(bad);
        batch.push_back(item);
        expect_ok.push_back(false);
        ++round;
      }
    }
  }
  auto in = std::string(LSTAKED_BINARY_DIR) + "/substrate_builder_polkadotjs.json";
  std::ofstream(in) << batch.dump();
  auto out = run("cd " + std::string(LSTAKED_SOURCE_DIR)
                 + " && node tools/vectors/substrate/verify_extrinsic.mjs < " + in);
  auto results = json::parse(out, nullptr, false);
  ASSERT_TRUE(results.is_array()) << out;
  ASSERT_EQ(results.size(), expect_ok.size());
  size_t good = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(results[i]["ok"].get<bool>(), expect_ok[i]) << batch[i].dump() << " -> " << results[i].dump();
    good += expect_ok[i];
  }
  EXPECT_EQ(good, 45u);
}

// Writes signatures made by OUR signers to sig_ours.json in the build tree; the CTest
// `chain_sig_polkadot_js_verifies_ours` then has polkadot-js verify every one of them
// (tools/vectors/sig/check_ours.mjs). Keys come from fixed test seeds, never real keys.
#include "chain/common/hash.hpp"
#include "chain/sig/ecdsa.hpp"
#include "chain/sig/ed25519.hpp"
#include "chain/sig/keypair.hpp"
#include "chain/sig/sign_raw.hpp"
#include "chain/sig/sr25519.hpp"
#include "chain/sig/ss58.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace lstaked::chain::sig {
namespace {

secret_key32 test_seed(const std::string& label) {
  auto h = blake2b_256(bytes(label.begin(), label.end()));
  return secret_key32(h.data());
}

bytes test_message(size_t i) {
  bytes m((i * 37) % 301);
  for (size_t j = 0; j < m.size(); ++j)
    m[j] = static_cast<uint8_t>(i * 7 + j * 13);
  return m;
}

TEST(chain_sig_export, writes_our_signatures) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < 200; ++i) {
    auto msg = test_message(i);
    auto seed = test_seed("ours-" + std::to_string(i % 10));
    nlohmann::json entry{{"message", to_hex(msg)}, {"seed", to_hex(seed.view())}};
    std::string name;
    bytes account;
    switch (i % 3) {
      case 0: {
        auto pair = sr25519_from_seed(seed);
        ASSERT_TRUE(pair);
        entry["scheme"] = "sr25519";
        entry["publicKey"] = to_hex(pair->public_key);
        entry["signature"] = to_hex(sr25519_sign(*pair, msg));
        entry["signRaw"] = to_hex(sr25519_sign(*pair, wrap_bytes(msg)));
        account.assign(pair->public_key.begin(), pair->public_key.end());
        break;
      }
      case 1: {
        auto pair = ed25519_from_seed(seed);
        entry["scheme"] = "ed25519";
        entry["publicKey"] = to_hex(pair.public_key);
        entry["signature"] = to_hex(ed25519_sign(pair, msg));
        entry["signRaw"] = to_hex(ed25519_sign(pair, wrap_bytes(msg)));
        account.assign(pair.public_key.begin(), pair.public_key.end());
        break;
      }
      case 2: {
        auto pair = ecdsa_from_seed(seed);
        ASSERT_TRUE(pair);
        entry["scheme"] = "ecdsa";
        entry["publicKey"] = to_hex(pair->public_key);
        entry["signature"] = to_hex(*ecdsa_sign(*pair, msg));
        entry["signRaw"] = to_hex(*ecdsa_sign(*pair, wrap_bytes(msg)));
        auto id = ecdsa_account_id(pair->public_key);
        account.assign(id.begin(), id.end());
        break;
      }
    }
    entry["address"] = *ss58_encode(account, ss58_kusama);
    out.push_back(entry);
  }
  // Operator-style keys from secret URIs (dev and hex-seed roots, hard junctions), signing
  // through the scheme-generic keypair: polkadot-js derives the same address from the URI.
  const char* uris[] = {"//Alice", "//Bob//stash", "//Charlie//0",
                        "0x5f1d1c8e6d0b7e3c2a4f9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d//operator"};
  for (auto kind : {scheme::sr25519, scheme::ed25519, scheme::ecdsa}) {
    for (const char* uri : uris) {
      auto pair = keypair::from_uri(kind, uri);
      ASSERT_TRUE(pair) << uri;
      for (size_t i = 0; i < 5; ++i) {
        auto msg = test_message(1000 + i);
        auto sig = pair->sign(msg);
        auto raw = pair->sign(wrap_bytes(msg));
        ASSERT_TRUE(sig && raw);
        out.push_back({{"scheme", to_string(kind)}, {"uri", uri},
                       {"publicKey", to_hex(pair->public_key())},
                       {"address", pair->address(ss58_kusama)}, {"message", to_hex(msg)},
                       {"signature", to_hex(*sig)}, {"signRaw", to_hex(*raw)}});
      }
    }
  }
  std::ofstream file(std::string(LSTAKED_BINARY_DIR) + "/tests/chain_sig/sig_ours.json");
  ASSERT_TRUE(file);
  file << out.dump(1) << "\n";
}

} // namespace
} // namespace lstaked::chain::sig

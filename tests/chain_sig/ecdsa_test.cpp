#include "chain/sig/ecdsa.hpp"

#include "vectors.hpp"

namespace lstaked::chain::sig {
namespace {

using namespace test;

TEST(ecdsa, keys_accounts_and_addresses_match_polkadot_js) {
  auto v = load_vectors("ecdsa.json");
  for (const auto& k : v["keys"]) {
    auto pair = ecdsa_from_seed(secret_hex<32>(k["seed"]));
    ASSERT_TRUE(pair);
    EXPECT_EQ(to_hex(pair->public_key), k["publicKey"].get<std::string>());
    auto id = ecdsa_account_id(pair->public_key);
    EXPECT_EQ(to_hex(id), k["accountId"].get<std::string>());
    EXPECT_EQ(*ss58_encode(id, ss58_kusama), k["kusama"].get<std::string>());
    // The raw-key form polkadot-js's encodeAddress gives a 33-byte key.
    EXPECT_EQ(*ss58_encode(pair->public_key, ss58_kusama), k["kusamaRawKey"].get<std::string>());
    auto raw = ss58_decode(k["kusamaRawKey"].get<std::string>(), ss58_kusama);
    ASSERT_TRUE(raw);
    EXPECT_EQ(raw->payload, bytes(pair->public_key.begin(), pair->public_key.end()));
  }
}

TEST(ecdsa, signatures_match_polkadot_js_byte_for_byte) {
  auto v = load_vectors("ecdsa.json");
  for (const auto& c : v["signatures"]) {
    auto pair = ecdsa_from_seed(secret_hex<32>(v["keys"][c["key"].get<size_t>()]["seed"]));
    ASSERT_TRUE(pair);
    auto sig = ecdsa_sign(*pair, hex(c["message"]));
    ASSERT_TRUE(sig);
    EXPECT_EQ(to_hex(*sig), c["signature"].get<std::string>());
  }
}

TEST(ecdsa, verification_agrees_with_polkadot_js) {
  auto v = load_vectors("ecdsa.json");
  size_t valid = 0, invalid = 0;
  for (const auto& c : v["signatures"]) {
    auto key = hex_fixed<33>(c["verifyKey"]);
    auto msg = hex(c["verifyMessage"]);
    auto sig = hex(c["verifySignature"]);
    bool theirs = c["valid"].get<bool>();
    EXPECT_EQ(ecdsa_verify(key, msg, sig), theirs) << c["case"] << " #" << (valid + invalid);
    EXPECT_EQ(ecdsa_verify_account(ecdsa_account_id(key), msg, sig), theirs);
    (theirs ? valid : invalid)++;
  }
  EXPECT_GE(valid, 100u);
  EXPECT_GE(invalid, 150u);
}

TEST(ecdsa, refuses_malformed_input) {
  secret_key32 zero;
  EXPECT_FALSE(ecdsa_from_seed(zero));
  EXPECT_FALSE(ecdsa_recover(bytes{1}, bytes(64, 1)));
  EXPECT_FALSE(ecdsa_recover(bytes{1}, bytes(65, 0)));
}

} // namespace
} // namespace lstaked::chain::sig

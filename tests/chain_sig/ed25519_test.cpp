#include "chain/sig/ed25519.hpp"

#include "vectors.hpp"

namespace lstaked::chain::sig {
namespace {

using namespace test;

TEST(ed25519, keys_from_seed_match_polkadot_js) {
  auto v = load_vectors("ed25519.json");
  for (const auto& k : v["keys"]) {
    auto pair = ed25519_from_seed(secret_hex<32>(k["seed"]));
    EXPECT_EQ(to_hex(pair.public_key), k["publicKey"].get<std::string>());
  }
}

TEST(ed25519, signatures_match_polkadot_js_byte_for_byte) {
  auto v = load_vectors("ed25519.json");
  size_t n = 0;
  for (const auto& c : v["signatures"]) {
    auto pair = ed25519_from_seed(secret_hex<32>(v["keys"][c["key"].get<size_t>()]["seed"]));
    auto sig = ed25519_sign(pair, hex(c["message"]));
    EXPECT_EQ(to_hex(sig), c["signature"].get<std::string>());
    ++n;
  }
  EXPECT_GE(n, 300u);
}

TEST(ed25519, verification_agrees_with_polkadot_js) {
  auto v = load_vectors("ed25519.json");
  size_t valid = 0, invalid = 0;
  for (const auto& c : v["signatures"]) {
    bool ours = ed25519_verify(hex_fixed<32>(c["verifyKey"]), hex(c["verifyMessage"]),
                               hex(c["verifySignature"]));
    bool theirs = c["valid"].get<bool>();
    EXPECT_EQ(ours, theirs) << c["case"] << " #" << (valid + invalid);
    (theirs ? valid : invalid)++;
  }
  EXPECT_GE(valid, 100u);
  EXPECT_GE(invalid, 150u);
}

TEST(ed25519, wrong_length_signature_is_invalid) {
  auto pair = ed25519_from_seed(secret_key32{});
  auto sig = ed25519_sign(pair, bytes{1, 2, 3});
  EXPECT_TRUE(ed25519_verify(pair.public_key, bytes{1, 2, 3}, sig));
  EXPECT_FALSE(ed25519_verify(pair.public_key, bytes{1, 2, 3}, byte_view{sig.data(), 63}));
}

} // namespace
} // namespace lstaked::chain::sig

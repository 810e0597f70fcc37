#include "chain/sig/sr25519.hpp"

#include "vectors.hpp"

#include <sodium.h>

namespace lstaked::chain::sig {
namespace {

using namespace test;

TEST(sr25519, keys_from_seed_match_polkadot_js) {
  auto v = load_vectors("sr25519.json");
  for (const auto& k : v["keys"]) {
    auto pair = sr25519_from_seed(secret_hex<32>(k["seed"]));
    ASSERT_TRUE(pair);
    EXPECT_EQ(to_hex(pair->public_key), k["publicKey"].get<std::string>());
    // The same key from polkadot-js's 64-byte secret form.
    auto from_secret = sr25519_from_secret(secret_hex<64>(k["secretKey"]));
    ASSERT_TRUE(from_secret);
    EXPECT_EQ(from_secret->public_key, pair->public_key);
  }
}

TEST(sr25519, verification_agrees_with_polkadot_js) {
  auto v = load_vectors("sr25519.json");
  size_t valid = 0, invalid = 0;
  for (const auto& c : v["signatures"]) {
    bool ours = sr25519_verify(hex_fixed<32>(c["verifyKey"]), hex(c["verifyMessage"]),
                               hex(c["verifySignature"]));
    bool theirs = c["valid"].get<bool>();
    EXPECT_EQ(ours, theirs) << c["case"] << " #" << (valid + invalid);
    (theirs ? valid : invalid)++;
  }
  EXPECT_GE(valid, 150u);
  EXPECT_GE(invalid, 250u);
}

// With the witness RNG's external entropy fixed, schnorrkel signing is deterministic:
// our signature must equal the reference's byte for byte (transcript, witness, R, s, marker).
TEST(sr25519, deterministic_signatures_match_reference) {
  auto v = load_vectors("merlin.json");
  size_t n = 0;
  for (const auto& c : v["deterministic"]) {
    auto pair = sr25519_from_seed(secret_hex<32>(c["seed"]));
    ASSERT_TRUE(pair);
    auto sig = sr25519_sign_with_entropy(*pair, hex(c["message"]), hex_fixed<32>(c["entropy"]));
    EXPECT_EQ(to_hex(sig), c["signature"].get<std::string>());
    ++n;
  }
  EXPECT_GE(n, 40u);
}

TEST(sr25519, sign_then_verify) {
  auto v = load_vectors("sr25519.json");
  for (size_t i = 0; i < 20; ++i) {
    auto pair = sr25519_from_seed(secret_hex<32>(v["keys"][i]["seed"]));
    ASSERT_TRUE(pair);
    bytes msg(i * 13, static_cast<uint8_t>(i));
    auto a = sr25519_sign(*pair, msg);
    auto b = sr25519_sign(*pair, msg);
    EXPECT_NE(a, b); // randomized
    EXPECT_TRUE(sr25519_verify(pair->public_key, msg, a));
    EXPECT_TRUE(sr25519_verify(pair->public_key, msg, b));
    EXPECT_FALSE(sr25519_verify(pair->public_key, msg, a, "another context"));
    msg.push_back(0);
    EXPECT_FALSE(sr25519_verify(pair->public_key, msg, a));
  }
}

TEST(sr25519, refuses_malformed_keys_and_signatures) {
  auto pair = sr25519_from_seed(secret_key32{});
  ASSERT_TRUE(pair);
  bytes msg{'h', 'i'};
  auto sig = sr25519_sign(*pair, msg);
  ASSERT_TRUE(sr25519_verify(pair->public_key, msg, sig));
  EXPECT_FALSE(sr25519_verify(pair->public_key, msg, byte_view{sig.data(), 63}));
  public_key32 not_a_point;
  not_a_point.fill(0xff);
  EXPECT_FALSE(sr25519_verify(not_a_point, msg, sig));
  EXPECT_FALSE(sr25519_verify(public_key32{}, msg, sig)); // the identity
  // A forgery for the identity key: R = s·B satisfies the equation whatever k is.
  signature64 forged{};
  forged[32] = 5; // s = 5
  std::array<uint8_t, 32> five{};
  five[0] = 5;
  ASSERT_EQ(crypto_scalarmult_ristretto255_base(forged.data(), five.data()), 0);
  forged[63] |= 0x80;
  EXPECT_FALSE(sr25519_verify(public_key32{}, msg, forged));
  secret_bytes<64> zero_scalar;
  EXPECT_FALSE(sr25519_from_secret(zero_scalar));
}

} // namespace
} // namespace lstaked::chain::sig

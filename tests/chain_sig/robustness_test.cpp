// Parsers and verifiers on garbage: never a crash, never a read past the input (run this
// under -DLSTAKED_SANITIZE=ON), never "valid". Inputs are pseudo-random but seeded, so a
// failure reproduces.
#include "chain/sig/bip39.hpp"
#include "chain/sig/keypair.hpp"
#include "chain/sig/sign_raw.hpp"
#include "chain/sig/ss58.hpp"

#include <gtest/gtest.h>

#include <random>

namespace lstaked::chain::sig {
namespace {

std::string random_text(std::mt19937_64& rng, const std::string& alphabet, size_t max_len) {
  std::string out(rng() % (max_len + 1), ' ');
  for (auto& c : out)
    c = alphabet[rng() % alphabet.size()];
  return out;
}

bytes random_bytes(std::mt19937_64& rng, size_t max_len) {
  bytes out(rng() % (max_len + 1));
  for (auto& b : out)
    b = static_cast<uint8_t>(rng());
  return out;
}

TEST(robustness, ss58_and_signer_parsing) {
  std::mt19937_64 rng(20261123);
  const std::string b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0OIl x/";
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    auto text = random_text(rng, b58, 60);
    auto decoded = ss58_decode(text);
    if (decoded) {
      ++accepted; // a random string passes a 16-bit checksum about once in 65536
      EXPECT_TRUE(decoded->payload.size() == 32 || decoded->payload.size() == 33);
    }
    (void)parse_signer(text, ss58_kusama);
    (void)parse_signer("0x" + random_text(rng, "0123456789abcdefx", 70));
  }
  EXPECT_LE(accepted, 3u);
}

TEST(robustness, verifiers_refuse_random_signatures) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    auto s = static_cast<scheme>(rng() % 3);
    auto signer = random_bytes(rng, 34);
    auto message = random_bytes(rng, 300);
    auto sig = random_bytes(rng, 67);
    auto r = verify_sign_raw(s, signer, message, sig);
    if (r) {
      EXPECT_FALSE(*r);
    }
  }
  // Well-formed lengths, random content.
  for (int i = 0; i < 3000; ++i) {
    auto s = static_cast<scheme>(i % 3);
    bytes signer(s == scheme::ecdsa && i % 2 ? 33 : 32);
    for (auto& b : signer)
      b = static_cast<uint8_t>(rng());
    bytes sig(s == scheme::ecdsa ? 65 : 64);
    for (auto& b : sig)
      b = static_cast<uint8_t>(rng());
    auto r = verify_sign_raw(s, signer, bytes{1, 2, 3}, sig);
    ASSERT_TRUE(r);
    EXPECT_FALSE(*r);
  }
}

TEST(robustness, uris_and_mnemonics) {
  std::mt19937_64 rng(11);
  const std::string chars = "abcdefxyz0123456789/ ";
  for (int i = 0; i < 500; ++i) { // each dev URI runs PBKDF2 on the dev phrase
    auto text = random_text(rng, chars, 40);
    (void)mnemonic_to_entropy(text);
    (void)keypair::from_uri(scheme::ed25519, "//" + text);
    (void)junction_chain_code(text);
  }
}

} // namespace
} // namespace lstaked::chain::sig

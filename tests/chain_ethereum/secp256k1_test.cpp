#include "chain/common/secp256k1.hpp"

#include "vectors.hpp"

#include <gtest/gtest.h>

#include <cstring>

using namespace lstaked;
using namespace lstaked::chain;

namespace {

secret_key32 key_from_hex(const std::string& hex) {
  auto raw = from_hex_fixed<32>(hex);
  EXPECT_TRUE(raw);
  return secret_key32{raw->data()};
}

hash256 digest_from_hex(const std::string& hex) {
  auto raw = from_hex_fixed<32>(hex);
  EXPECT_TRUE(raw);
  return *raw;
}

// With v in {27,28} as cast prints it, converted to our 0/1.
recoverable_signature sig_from_cast(const std::string& hex) {
  auto raw = from_hex_fixed<65>(hex);
  EXPECT_TRUE(raw);
  auto sig = *raw;
  sig[64] -= 27;
  return sig;
}

} // namespace

TEST(secp256k1, self_check_passes) {
  auto err = secp256k1::instance().self_check();
  EXPECT_FALSE(err) << describe(err);
}

TEST(secp256k1, signatures_match_cast) {
  auto& curve = secp256k1::instance();
  auto vectors = test::load_eth_vectors("secp256k1.json");
  ASSERT_GE(vectors.size(), 200u);
  for (auto& v : vectors) {
    auto key = key_from_hex(v["key"]);
    auto digest = digest_from_hex(v["digest"]);
    auto expected = sig_from_cast(v["signature"]);
    auto sig = curve.sign(digest, key);
    ASSERT_TRUE(sig) << describe(sig.error());
    EXPECT_EQ(to_hex(*sig), to_hex(expected)) << v["key"] << " " << v["digest"];
    auto pub = curve.public_key(key);
    ASSERT_TRUE(pub);
    // cast prints the 64-byte x||y without the 0x04 tag.
    EXPECT_EQ(to_hex(byte_view{pub->data() + 1, 64}), v["public_key"].get<std::string>());
    auto recovered = curve.recover(digest, expected);
    ASSERT_TRUE(recovered) << describe(recovered.error());
    EXPECT_EQ(*recovered, *pub);
  }
}

TEST(secp256k1, accepts_v_27_and_28) {
  auto& curve = secp256k1::instance();
  auto v = test::load_eth_vectors("secp256k1.json").at(0);
  auto digest = digest_from_hex(v["digest"]);
  auto legacy = from_hex_fixed<65>(v["signature"].get<std::string>());
  ASSERT_TRUE(legacy);
  ASSERT_TRUE((*legacy)[64] == 27 || (*legacy)[64] == 28);
  auto key = curve.public_key(key_from_hex(v["key"]));
  auto recovered = curve.recover(digest, *legacy);
  ASSERT_TRUE(recovered) << describe(recovered.error());
  EXPECT_EQ(*recovered, *key);
}

TEST(secp256k1, refuses_bad_v_and_length) {
  auto& curve = secp256k1::instance();
  auto v = test::load_eth_vectors("secp256k1.json").at(0);
  auto digest = digest_from_hex(v["digest"]);
  auto sig = sig_from_cast(v["signature"]);
  for (uint8_t bad_v : {2, 3, 26, 29, 35, 255}) {
    auto copy = sig;
    copy[64] = bad_v;
    auto r = curve.recover(digest, copy);
    EXPECT_FALSE(r) << int(bad_v);
    EXPECT_TRUE(is(r.error(), ec::crypto_error));
  }
  EXPECT_FALSE(curve.recover(digest, byte_view{sig.data(), 64}));
  bytes longer(sig.begin(), sig.end());
  longer.push_back(0);
  EXPECT_FALSE(curve.recover(digest, longer));
}

TEST(secp256k1, refuses_high_s) {
  // s' = n - s with the other recovery id is the same signature's malleable twin:
  // libsecp256k1 would recover the same key from it, so the wrapper must refuse it.
  auto& curve = secp256k1::instance();
  auto v = test::load_eth_vectors("secp256k1.json").at(3);
  auto digest = digest_from_hex(v["digest"]);
  auto sig = sig_from_cast(v["signature"]);
  static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
  auto twin = sig;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = int(n[i]) - int(sig[32 + i]) - borrow;
    borrow = d < 0;
    twin[32 + i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  twin[64] ^= 1;
  auto r = curve.recover(digest, twin);
  ASSERT_FALSE(r);
  EXPECT_TRUE(is(r.error(), ec::crypto_error));
  EXPECT_NE(describe(r.error()).find("high s"), std::string::npos);
}

TEST(secp256k1, wrong_digest_recovers_another_key) {
  auto& curve = secp256k1::instance();
  auto v = test::load_eth_vectors("secp256k1.json").at(5);
  auto digest = digest_from_hex(v["digest"]);
  auto sig = sig_from_cast(v["signature"]);
  auto key = curve.public_key(key_from_hex(v["key"]));
  digest[31] ^= 0x80;
  auto r = curve.recover(digest, sig);
  if (r) {
    EXPECT_NE(*r, *key);
  }
}

TEST(secp256k1, refuses_invalid_secret_keys) {
  auto& curve = secp256k1::instance();
  secret_key32 zero;
  EXPECT_FALSE(curve.public_key(zero));
  EXPECT_FALSE(curve.sign(hash256{}, zero));
  uint8_t all_ff[32];
  std::fill(all_ff, all_ff + 32, 0xff);
  secret_key32 too_big{all_ff};
  EXPECT_FALSE(curve.public_key(too_big));
  EXPECT_FALSE(curve.sign(hash256{}, too_big));
}

TEST(secp256k1, compress_round_trip) {
  auto& curve = secp256k1::instance();
  auto v = test::load_eth_vectors("secp256k1.json").at(7);
  auto pub = curve.public_key(key_from_hex(v["key"]));
  ASSERT_TRUE(pub);
  auto compressed = curve.compress(*pub);
  ASSERT_TRUE(compressed);
  EXPECT_TRUE((*compressed)[0] == 2 || (*compressed)[0] == 3);
  EXPECT_EQ(0, std::memcmp(compressed->data() + 1, pub->data() + 1, 32));
  auto back = curve.decompress(*compressed);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, *pub);
  auto bad = *compressed;
  bad[0] = 5;
  EXPECT_FALSE(curve.decompress(bad));
  EXPECT_FALSE(curve.compress(byte_view{pub->data(), 64}));
}

#include "chain/sig/ss58.hpp"

#include "vectors.hpp"

namespace lstaked::chain::sig {
namespace {

using test::hex;
using test::load_vectors;

TEST(ss58, encodes_and_decodes_polkadot_js_addresses) {
  auto v = load_vectors("ss58.json");
  ASSERT_GE(v["valid"].size(), 50u);
  for (const auto& c : v["valid"]) {
    auto key = hex(c["publicKey"]);
    auto prefix = c["prefix"].get<uint16_t>();
    auto address = c["address"].get<std::string>();
    auto encoded = ss58_encode(key, prefix);
    ASSERT_TRUE(encoded) << address;
    EXPECT_EQ(*encoded, address);
    auto decoded = ss58_decode(address, prefix);
    ASSERT_TRUE(decoded) << address << ": " << describe(decoded.error());
    EXPECT_EQ(decoded->prefix, prefix);
    EXPECT_EQ(decoded->payload, key);
    auto account = ss58_decode_account(address);
    ASSERT_TRUE(account);
    EXPECT_EQ(bytes(account->begin(), account->end()), key);
  }
}

TEST(ss58, refuses_corrupted_addresses) {
  auto v = load_vectors("ss58.json");
  ASSERT_GE(v["invalid"].size(), 20u);
  for (const auto& c : v["invalid"]) {
    auto address = c["address"].get<std::string>();
    // No corrupted address is ever an account on any network.
    EXPECT_FALSE(ss58_decode_account(address)) << address << " (" << c["why"] << ")";
    // polkadot-js accepts some of them as a 33-byte key; we agree on exactly those.
    auto decoded = ss58_decode(address);
    EXPECT_EQ(static_cast<bool>(decoded), c["polkadotJsAccepts"].get<bool>()) << address;
    if (decoded) {
      EXPECT_EQ(decoded->payload.size(), 33u);
    }
  }
}

TEST(ss58, dev_accounts_on_each_network) {
  auto v = load_vectors("ss58.json");
  for (const auto& d : v["dev"]) {
    auto key = hex(d["publicKey"]);
    EXPECT_EQ(*ss58_encode(key, ss58_polkadot), d["polkadot"].get<std::string>());
    EXPECT_EQ(*ss58_encode(key, ss58_kusama), d["kusama"].get<std::string>());
    EXPECT_EQ(*ss58_encode(key, ss58_substrate), d["substrate"].get<std::string>());
  }
  // Alice on Kusama, as every Substrate developer knows it.
  auto alice = ss58_decode_account("HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F", ss58_kusama);
  ASSERT_TRUE(alice);
  EXPECT_EQ(to_hex(*alice), "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
}

TEST(ss58, refuses_the_wrong_network) {
  auto v = load_vectors("ss58.json");
  auto polkadot_alice = v["dev"][0]["polkadot"].get<std::string>();
  auto r = ss58_decode_account(polkadot_alice, ss58_kusama);
  ASSERT_FALSE(r);
  EXPECT_TRUE(is(r.error(), ec::invalid_input));
  EXPECT_TRUE(ss58_decode_account(polkadot_alice, ss58_polkadot));
}

TEST(ss58, refuses_bad_input) {
  EXPECT_FALSE(ss58_decode(""));
  EXPECT_FALSE(ss58_decode("1"));
  EXPECT_FALSE(ss58_decode("HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74f")); // case flip
  EXPECT_FALSE(ss58_decode("HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F "));
  EXPECT_FALSE(ss58_decode(std::string(200, 'z')));
  bytes key(32, 7);
  EXPECT_FALSE(ss58_encode(key, 16384));
  EXPECT_FALSE(ss58_encode(bytes(31, 1), 2));
  EXPECT_FALSE(ss58_encode(bytes(34, 1), 2));
}

TEST(ss58, checksum_error_is_a_crypto_error) {
  auto bad = load_vectors("ss58.json")["invalid"][1]["address"].get<std::string>();
  auto r = ss58_decode(bad);
  ASSERT_FALSE(r);
  EXPECT_TRUE(is(r.error(), ec::crypto_error)) << describe(r.error());
}

TEST(base58, round_trips_leading_zeros) {
  bytes in{0, 0, 1, 2, 255};
  auto text = base58_encode(in);
  EXPECT_EQ(text.substr(0, 2), "11");
  EXPECT_EQ(*base58_decode(text), in);
  EXPECT_FALSE(base58_decode("0OIl"));
}

// The textbook byte-at-a-time conversion, as a reference for the decoder
// (which works on 32-bit limbs, 5 digits a step).
bytes reference_base58_decode(const std::string& text) {
  static const std::string alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  size_t zeros = 0;
  while (zeros < text.size() && text[zeros] == '1')
    ++zeros;
  std::vector<uint8_t> value; // least significant first
  for (size_t i = zeros; i < text.size(); ++i) {
    unsigned carry = static_cast<unsigned>(alphabet.find(text[i]));
    for (auto& b : value) {
      carry += unsigned(b) * 58;
      b = static_cast<uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    for (; carry; carry >>= 8)
      value.push_back(static_cast<uint8_t>(carry & 0xff));
  }
  bytes out(zeros, 0);
  out.insert(out.end(), value.rbegin(), value.rend());
  return out;
}

TEST(base58, decodes_as_the_textbook_conversion_does) {
  const std::string alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  auto next = [&] { seed ^= seed << 13; seed ^= seed >> 7; seed ^= seed << 17; return seed; };
  for (int round = 0; round < 5000; ++round) {
    std::string text(next() % 4, '1'); // leading zero bytes
    size_t len = 1 + next() % 70;
    for (size_t i = 0; i < len; ++i)
      text.push_back(alphabet[next() % (round % 3 == 0 ? 2 : 58)]); // also runs of '1' and '2' inside
    auto got = base58_decode(text);
    ASSERT_TRUE(got) << text;
    EXPECT_EQ(*got, reference_base58_decode(text)) << text;
    EXPECT_EQ(base58_encode(*got), text);
  }
  for (std::string text : {"1", "111", "2", "z", "1z", "zzzzz", "zzzzzz", "211111", "1111121111"})
    EXPECT_EQ(*base58_decode(text), reference_base58_decode(text)) << text;
}

} // namespace
} // namespace lstaked::chain::sig

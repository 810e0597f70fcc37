#include "chain/ethereum/address.hpp"

#include "vectors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

using namespace lstaked;
using namespace lstaked::chain;

TEST(address, eip55_matches_cast) {
  auto vectors = test::load_eth_vectors("checksum.json");
  ASSERT_EQ(vectors.size(), 200u);
  for (auto& v : vectors) {
    std::string lower = v["lower"], mixed = v["checksummed"];
    auto a = eth::parse_address(lower);
    ASSERT_TRUE(a);
    EXPECT_EQ(eth::to_checksum_address(*a), mixed);
    EXPECT_TRUE(eth::parse_address_checksummed(mixed));
    EXPECT_TRUE(eth::parse_address(mixed));
    // all lower case carries no checksum: accepted by the lenient parser only
    // (unless it happens to contain no letters a-f at all)
    if (lower != mixed) {
      EXPECT_FALSE(eth::parse_address_checksummed(lower));
    }
  }
}

TEST(address, wrong_checksum_refused) {
  auto vectors = test::load_eth_vectors("checksum.json");
  int flipped = 0;
  for (auto& v : vectors) {
    std::string mixed = v["checksummed"];
    // Flip the case of one letter: the mixed-case text is now a bad checksum.
    for (size_t i = 2; i < mixed.size(); ++i) {
      if (std::isalpha(static_cast<unsigned char>(mixed[i]))) {
        std::string bad = mixed;
        bad[i] = std::isupper(static_cast<unsigned char>(bad[i])) ? std::tolower(bad[i])
                                                                  : std::toupper(bad[i]);
        bool still_mixed = std::any_of(bad.begin() + 2, bad.end(), ::isupper)
                           && std::any_of(bad.begin() + 2, bad.end(), ::islower);
        if (!still_mixed)
          continue;
        auto r = eth::parse_address(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_TRUE(is(r.error(), ec::crypto_error));
        ++flipped;
        break;
      }
    }
  }
  EXPECT_GT(flipped, 150);
}

TEST(address, malformed_refused) {
  for (std::string bad : {"", "0x", "f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
                          "0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226",
                          "0xf39fd6e51aad88f6f4ce6ab8827279cfffb922666",
                          "0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226g",
                          " 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
                          "0Xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"})
    EXPECT_FALSE(eth::parse_address(bad)) << bad;
}

TEST(address, from_public_key_matches_cast) {
  auto vectors = test::load_eth_vectors("secp256k1.json");
  for (size_t i = 0; i < vectors.size(); i += 4) {
    auto& v = vectors[i];
    auto xy = from_hex_fixed<64>(v["public_key"].get<std::string>());
    ASSERT_TRUE(xy);
    auto a = eth::address_from_public_key(*xy);
    ASSERT_TRUE(a);
    EXPECT_EQ(eth::to_checksum_address(*a), v["address"].get<std::string>());
    // the same key, uncompressed and compressed
    public_key_uncompressed full{};
    full[0] = 4;
    std::copy(xy->begin(), xy->end(), full.begin() + 1);
    EXPECT_EQ(*eth::address_from_public_key(full), *a);
    auto compressed = secp256k1::instance().compress(full);
    ASSERT_TRUE(compressed);
    EXPECT_EQ(*eth::address_from_public_key(*compressed), *a);
  }
  uint8_t junk[33] = {7};
  EXPECT_FALSE(eth::address_from_public_key(byte_view{junk, 33}));
}

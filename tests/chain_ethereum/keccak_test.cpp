#include "chain/ethereum/keccak.hpp"

#include "vectors.hpp"

#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::chain;

TEST(keccak, matches_cast) {
  auto vectors = test::load_eth_vectors("keccak.json");
  ASSERT_GE(vectors.size(), 300u);
  for (auto& v : vectors) {
    hash256 got;
    if (v.contains("input_hex")) {
      auto in = from_hex(v["input_hex"].get<std::string>());
      ASSERT_TRUE(in);
      got = eth::keccak256(byte_view{*in});
    } else {
      got = eth::keccak256(v["input_text"].get<std::string>());
    }
    EXPECT_EQ(to_hex(got), v["hash"].get<std::string>()) << v;
  }
}

TEST(keccak, incremental_equals_one_shot_for_every_split) {
  auto vectors = test::load_eth_vectors("keccak.json");
  for (auto& v : vectors) {
    if (!v.contains("input_hex"))
      continue;
    auto in = from_hex(v["input_hex"].get<std::string>());
    if (in->size() > 300)
      continue;
    for (size_t split = 0; split <= in->size(); split += 7) {
      eth::keccak256_hasher h;
      h.update(byte_view{in->data(), split});
      h.update(byte_view{in->data() + split, in->size() - split});
      ASSERT_EQ(to_hex(h.finish()), v["hash"].get<std::string>());
    }
  }
}

TEST(keccak, is_not_sha3) {
  // SHA3-256("") = a7ffc6f8...; Ethereum's keccak-256("") = c5d24601...
  EXPECT_EQ(to_hex(eth::keccak256(std::string_view{})),
            "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

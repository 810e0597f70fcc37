#include "chain/ethereum/rlp.hpp"

#include "vectors.hpp"

#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::chain;
using eth::rlp_item;

namespace {

rlp_item from_json(const nlohmann::json& j) {
  if (j.is_array()) {
    std::vector<rlp_item> items;
    for (auto& x : j)
      items.push_back(from_json(x));
    return rlp_item::list(std::move(items));
  }
  return rlp_item::string(*from_hex(j.get<std::string>()));
}

} // namespace

TEST(rlp, encode_and_decode_match_cast) {
  auto vectors = test::load_eth_vectors("rlp.json");
  ASSERT_GE(vectors["valid"].size(), 250u);
  for (auto& v : vectors["valid"]) {
    auto item = from_json(v["value"]);
    auto expected = *from_hex(v["encoded"].get<std::string>());
    EXPECT_EQ(to_hex(eth::rlp_encode(item)), to_hex(expected));
    auto decoded = eth::rlp_decode(expected);
    ASSERT_TRUE(decoded) << describe(decoded.error()) << " " << v["encoded"];
    EXPECT_TRUE(*decoded == item);
  }
}

TEST(rlp, refuses_what_cast_refuses) {
  auto vectors = test::load_eth_vectors("rlp.json");
  ASSERT_GE(vectors["invalid"].size(), 10u);
  for (auto& v : vectors["invalid"]) {
    auto r = eth::rlp_decode(*from_hex(v["encoded"].get<std::string>()));
    ASSERT_FALSE(r) << v["encoded"];
    EXPECT_TRUE(is(r.error(), ec::decode_error));
  }
}

TEST(rlp, strict_beyond_cast) {
  // cast tolerates trailing bytes; a transaction with junk after it is not ours to accept.
  for (std::string bad : {"0xc0c0", "0x0000", "0x8001", "0x", "0xc1c0c0"})
    EXPECT_FALSE(eth::rlp_decode(*from_hex(bad))) << bad;
  // a length field wider than size_t cannot be honoured
  EXPECT_FALSE(eth::rlp_decode(*from_hex("0xbf" + std::string(16, 'f'))));
}

TEST(rlp, depth_limit) {
  // 101 nested lists [[[...[]...]]], deeper than rlp_max_depth
  bytes enc = {0xc0};
  for (int i = 0; i < 100; ++i) {
    bytes outer;
    eth::rlp_append_list(outer, enc);
    enc = outer;
  }
  auto r = eth::rlp_decode(enc);
  EXPECT_FALSE(r);
  bytes shallow = {0xc0};
  for (int i = 0; i < 10; ++i) {
    bytes outer;
    eth::rlp_append_list(outer, shallow);
    shallow = outer;
  }
  EXPECT_TRUE(eth::rlp_decode(shallow));
}

TEST(rlp, integers) {
  bytes out;
  eth::rlp_append_uint(out, eth::u256{0});
  eth::rlp_append_uint(out, eth::u256{0x7f});
  eth::rlp_append_uint(out, eth::u256{0x80});
  eth::rlp_append_uint(out, eth::u256{1024});
  EXPECT_EQ(to_hex(out), "0x807f81808204" "00");
  EXPECT_EQ(eth::rlp_to_uint(*eth::rlp_decode(*from_hex("0x820400")))->to_dec(), "1024");
  EXPECT_FALSE(eth::rlp_to_uint(*eth::rlp_decode(*from_hex("0x820004"))));
  EXPECT_FALSE(eth::rlp_to_uint(*eth::rlp_decode(*from_hex("0xc0"))));
  bytes big(33, 1);
  EXPECT_FALSE(eth::rlp_to_uint(eth::rlp_item::string(big)));
}

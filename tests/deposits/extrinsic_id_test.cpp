// Extrinsic ids as users paste them from explorers: strict, bounded, one clear error.
#include "chain/substrate/extrinsic_id.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace lstaked;
using namespace lstaked::chain::substrate;

TEST(extrinsic_id, block_and_index) {
  auto id = parse_extrinsic_id("123456-2");
  ASSERT_TRUE(id);
  EXPECT_FALSE(id->by_hash);
  EXPECT_EQ(id->block_number, 123456u);
  EXPECT_EQ(id->extrinsic_index, 2u);
  EXPECT_EQ(to_string(*id), "123456-2");
  auto zero = parse_extrinsic_id("0-0");
  ASSERT_TRUE(zero);
  EXPECT_EQ(to_string(*zero), "0-0");
  auto max = parse_extrinsic_id("18446744073709551615-4294967295");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->block_number, UINT64_MAX);
  EXPECT_EQ(max->extrinsic_index, UINT32_MAX);
}

TEST(extrinsic_id, hash_is_lower_cased) {
  std::string hash = "0x" + std::string(32, 'A') + std::string(32, '9');
  auto id = parse_extrinsic_id(hash);
  ASSERT_TRUE(id);
  EXPECT_TRUE(id->by_hash);
  EXPECT_EQ(id->hash, "0x" + std::string(32, 'a') + std::string(32, '9'));
  EXPECT_EQ(to_string(*id), id->hash);
}

TEST(extrinsic_id, malformed_forms_are_refused_with_the_expected_form) {
  using namespace std::string_literals;
  for (const std::string& bad : std::vector<std::string>{"", "12", "a-b", "1-2-3", "-1-0", "1--0", "01-2", "1-02", "+1-2", " 1-2", "1-2 ", "1-",
        "-2", "0x12", "0x" + std::string(63, 'a'), "0x" + std::string(65, 'a'),
        "0x" + std::string(63, 'a') + "g", "18446744073709551616-0", "1-4294967296",
        std::string(10000, '1'), "1\0-2"s, "１-2"}) {
    auto id = parse_extrinsic_id(bad);
    ASSERT_FALSE(id) << "accepted \"" << bad << "\"";
    EXPECT_TRUE(is(id.error(), ec::invalid_input));
    EXPECT_NE(describe(id.error()).find("<blockNumber>-<extrinsicIndex>"), std::string::npos);
  }
}

#include "chain/ethereum/amount.hpp"
#include "chain/ethereum/u256.hpp"

#include "vectors.hpp"

#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::chain;
using eth::u256;

namespace {

u256 dec(const std::string& s) {
  auto v = u256::from_dec(s);
  EXPECT_TRUE(v) << s;
  return v ? *v : u256{};
}

void expect_result(const caf::expected<u256>& got, const std::string& want, const char* op) {
  if (want == "overflow") {
    ASSERT_FALSE(got) << op;
    EXPECT_TRUE(is(got.error(), ec::overflow)) << op;
  } else if (want == "div0") {
    ASSERT_FALSE(got) << op;
    EXPECT_TRUE(is(got.error(), ec::invalid_input)) << op;
  } else {
    ASSERT_TRUE(got) << op << ": " << describe(got.error());
    EXPECT_EQ(got->to_dec(), want) << op;
  }
}

} // namespace

TEST(u256, conversions_match_cast) {
  for (auto& v : test::load_eth_vectors("u256_conv.json")) {
    std::string hex = v["hex"], decimal = v["dec"];
    auto from_hex = u256::from_hex(hex);
    ASSERT_TRUE(from_hex) << hex;
    EXPECT_EQ(from_hex->to_dec(), decimal);
    EXPECT_EQ(from_hex->to_hex(), hex);
    auto from_dec = u256::from_dec(decimal);
    ASSERT_TRUE(from_dec);
    EXPECT_EQ(*from_dec, *from_hex);
    auto be = from_hex->to_be32();
    EXPECT_EQ(*u256::from_be(be), *from_hex);
    auto minimal = from_hex->to_be_minimal();
    EXPECT_TRUE(minimal.empty() || minimal[0] != 0);
    EXPECT_EQ(*u256::from_be(minimal), *from_hex);
  }
}

TEST(u256, checked_arithmetic_matches_reference) {
  for (auto& v : test::load_eth_vectors("u256_arith.json")) {
    u256 a = dec(v["a"]), b = dec(v["b"]), d = dec(v["d"]);
    expect_result(eth::checked_add(a, b), v["add"], "add");
    expect_result(eth::checked_sub(a, b), v["sub"], "sub");
    expect_result(eth::checked_mul(a, b), v["mul"], "mul");
    expect_result(eth::checked_div(a, b), v["div"], "div");
    expect_result(eth::checked_mod(a, b), v["mod"], "mod");
    expect_result(eth::checked_mul_div(a, b, d), v["mul_div"], "mul_div");
    EXPECT_EQ(a < b, v["a"].get<std::string>().size() < v["b"].get<std::string>().size()
                       || (v["a"].get<std::string>().size() == v["b"].get<std::string>().size()
                           && v["a"].get<std::string>() < v["b"].get<std::string>()));
  }
}

TEST(u256, strict_parsing) {
  for (std::string bad : {"", "-1", "+1", " 1", "1 ", "01", "1e18", "1.0", "0x1", "abc",
                          "115792089237316195423570985008687907853269984665640564039457584007913129639936"})
    EXPECT_FALSE(u256::from_dec(bad)) << bad;
  EXPECT_TRUE(u256::from_dec(
    "115792089237316195423570985008687907853269984665640564039457584007913129639935"));
  for (std::string bad : {"", "0x", "ff", "0xg", "0X1", " 0x1",
                          "0x10000000000000000000000000000000000000000000000000000000000000000"})
    EXPECT_FALSE(u256::from_hex(bad)) << bad;
  EXPECT_EQ(u256::from_hex("0x00ff")->to_dec(), "255");
  EXPECT_EQ(u256{}.to_hex(), "0x0");
  bytes too_long(33, 0);
  EXPECT_FALSE(u256::from_be(too_long));
}

TEST(u256, two_complement_helpers) {
  u256 minus_one = ~u256{};
  EXPECT_EQ(minus_one, u256::max());
  EXPECT_EQ(u256::wrapping_add(minus_one, 1), u256{});
  EXPECT_EQ(u256::wrapping_sub(u256{}, 1), u256::max());
  EXPECT_EQ(u256{1}.shl(255).shr(255), u256{1});
  EXPECT_EQ(u256{1}.shl(256), u256{});
  EXPECT_EQ(u256::max().bit_length(), 256u);
  EXPECT_EQ(u256::pow10(18).to_dec(), "1000000000000000000");
}

TEST(amount, parse_and_format_match_cast) {
  auto vectors = test::load_eth_vectors("amounts.json");
  ASSERT_GE(vectors.size(), 100u);
  for (auto& v : vectors) {
    std::string text = v["text"];
    unsigned decimals = v["decimals"];
    auto units = eth::parse_amount(text, decimals);
    ASSERT_TRUE(units) << text << ": " << describe(units.error());
    EXPECT_EQ(units->to_dec(), v["units"].get<std::string>()) << text;
    // cast pads the fraction with zeros; we print the shortest exact form.
    std::string cast_form = v["formatted"];
    if (cast_form.find('.') != std::string::npos) {
      cast_form.erase(cast_form.find_last_not_of('0') + 1);
      if (cast_form.back() == '.')
        cast_form.pop_back();
    }
    EXPECT_EQ(eth::format_amount(*units, decimals), cast_form) << text;
    EXPECT_EQ(*eth::parse_amount(eth::format_amount(*units, decimals), decimals), *units);
  }
}

TEST(amount, rejects_bad_forms) {
  for (std::string bad : {"", "-1", "+1", " 1", "1 ", "1,5", "1e12", "1E3", ".5", "1.", ".",
                          "01", "00.1", "0x10", "1..2", "1.2.3", "NaN", "inf", "١"})
    EXPECT_FALSE(eth::parse_amount(bad, 12)) << bad;
  // excess precision is refused, never rounded or truncated
  EXPECT_FALSE(eth::parse_amount("1.0000000000001", 12));
  EXPECT_FALSE(eth::parse_amount("0.0000000000000000001", 18));
  EXPECT_TRUE(eth::parse_amount("0.000000000000000001", 18));
  EXPECT_EQ(eth::parse_amount("1.000000000000", 12)->to_dec(), "1000000000000");
  EXPECT_EQ(eth::format_amount(u256{1}, 12), "0.000000000001");
  EXPECT_EQ(eth::format_amount(u256{}, 18), "0");
  // the digits form (format_amount goes through it, so the cast vectors above cover it too)
  EXPECT_EQ(eth::format_amount_digits("0", 12), "0");
  EXPECT_EQ(eth::format_amount_digits("1000000000000", 12), "1");
  EXPECT_EQ(eth::format_amount_digits("10000000000000", 12), "10");
  EXPECT_EQ(eth::format_amount_digits("10000000000001", 12), "10.000000000001");
  EXPECT_EQ(eth::format_amount_digits("120", 2), "1.2");
  EXPECT_EQ(eth::format_amount_digits("5", 2), "0.05");
  EXPECT_EQ(eth::format_amount_digits("1230", 0), "1230");
  EXPECT_FALSE(eth::parse_amount("1" + std::string(60, '0') + ".5", 18)); // > 2^256
}

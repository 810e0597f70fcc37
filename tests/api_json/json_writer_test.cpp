// api/json_writer.hpp writes what nlohmann::json::dump() wrote before it
// replaced the trees of the history page, account summary and claim routes:
// the same bytes for every string, number and nesting the routes use.
#include "api/json_writer.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>

using lstaked::api::json_writer;
using nlohmann::json;

namespace {

std::string written(const std::string& s) {
  json_writer w;
  w.string(s);
  return w.take();
}

} // namespace

TEST(json_writer, every_ascii_byte_is_escaped_as_nlohmann_escapes_it) {
  for (int c = 0; c < 0x80; ++c) {
    std::string s{"a"};
    s.push_back(static_cast<char>(c));
    s += "b";
    EXPECT_EQ(written(s), json(s).dump()) << "byte " << c;
  }
  for (std::string s : {"", "\"\\\"\\", "\x01\x1f\x7f", "line\nnext\ttab\r\b\f", "0x12ab"})
    EXPECT_EQ(written(s), json(s).dump());
}

TEST(json_writer, a_special_byte_anywhere_in_a_long_string_is_escaped) {
  // Long strings are checked 8 bytes at a time: every special byte (and a
  // plain one next to it) at every position of a 24-byte string.
  for (int c = 0; c < 0x80; ++c)
    for (size_t at = 0; at < 24; ++at) {
      std::string s(24, 'f');
      s[at] = static_cast<char>(c);
      EXPECT_EQ(written(s), json(s).dump()) << "byte " << c << " at " << at;
    }
  std::string hash = "0x" + std::string(64, 'a');
  EXPECT_EQ(written(hash), "\"" + hash + "\"");
  std::string utf8 = std::string(9, 'x') + "\xc3\xa9";
  EXPECT_EQ(written(utf8), json(utf8).dump());
  EXPECT_THROW(written(std::string(15, 'x') + "\xff"), json::exception);
}

TEST(json_writer, utf8_is_kept_and_invalid_utf8_throws_as_before) {
  std::string ok = "Kusama \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xb0";
  EXPECT_EQ(written(ok), json(ok).dump());
  std::string bad = "a\xff" "b";
  EXPECT_THROW(json(bad).dump(), json::type_error);
  EXPECT_THROW(written(bad), json::type_error);
}

TEST(json_writer, numbers_null_and_nesting_match_a_sorted_nlohmann_object) {
  json_writer w;
  w.begin_object()
    .key("a")
    .begin_array()
    .number(std::numeric_limits<int64_t>::min())
    .number(0)
    .number(std::numeric_limits<int64_t>::max())
    .begin_object()
    .end_object()
    .begin_array()
    .end_array()
    .null()
    .end_array()
    .field("b", "x")
    .key("c")
    .begin_object()
    .field("d", int64_t{-5})
    .field_null("e")
    .end_object()
    .end_object();
  json want = {{"c", {{"e", nullptr}, {"d", -5}}},
               {"b", "x"},
               {"a", {std::numeric_limits<int64_t>::min(), 0, std::numeric_limits<int64_t>::max(),
                      json::object(), json::array(), nullptr}}};
  EXPECT_EQ(w.text(), want.dump());
  EXPECT_EQ(json::parse(w.text()), want);
}

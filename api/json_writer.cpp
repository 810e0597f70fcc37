#include "api/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstring>

namespace lstaked::api {

void json_writer::separate() {
  if (after_key_) {
    after_key_ = false;
    return; // the value of a member: the comma came before its key
  }
  if (!first_.empty()) {
    if (!first_.back())
      out_.push_back(',');
    first_.back() = false;
  }
}

json_writer& json_writer::open(char c) {
  separate();
  out_.push_back(c);
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::close(char c) {
  out_.push_back(c);
  first_.pop_back();
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  separate();
  escape(k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

json_writer& json_writer::string(std::string_view v) {
  separate();
  escape(v);
  return *this;
}

json_writer& json_writer::number(int64_t v) {
  separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec; // 24 bytes hold any int64
  out_.append(buf, end);
  return *this;
}

json_writer& json_writer::null() {
  separate();
  out_.append("null");
  return *this;
}

namespace {
// Bytes a JSON string cannot hold as they are: controls, '"', '\\'; and
// bytes >= 0x80 (UTF-8, left to nlohmann). One table lookup per byte keeps the
// common case (hex, digits, ids: nothing to escape) one pass and one append.
struct special_bytes {
  bool table[256] = {};
  constexpr special_bytes() {
    for (int c = 0; c < 0x20; ++c)
      table[c] = true;
    for (int c = 0x80; c < 256; ++c)
      table[c] = true;
    table[static_cast<unsigned char>('"')] = true;
    table[static_cast<unsigned char>('\\')] = true;
  }
};
constexpr special_bytes special{};

// True if none of the 8 bytes in x is special: the classic "has a byte less
// than n" test (exact for n <= 128) for controls and for '"' and '\\' (as a
// zero byte after xor), and the high bit for bytes >= 0x80.
bool plain8(uint64_t x) {
  constexpr uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
  uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
  uint64_t special8 = ((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote)
                      | ((backslash - ones) & ~backslash) | x;
  return (special8 & highs) == 0;
}
} // namespace

void json_writer::escape(std::string_view v) {
  size_t i = 0;
  for (uint64_t word; i + 8 <= v.size(); i += 8) { // 8 bytes a step: most strings are hex or digits
    std::memcpy(&word, v.data() + i, 8);
    if (!plain8(word))
      break;
  }
  while (i < v.size() && !special.table[static_cast<unsigned char>(v[i])])
    ++i;
  if (i == v.size()) { // nothing to escape (the usual case)
    out_.push_back('"');
    out_.append(v);
    out_.push_back('"');
    return;
  }
  for (size_t k = i; k < v.size(); ++k) {
    if (static_cast<unsigned char>(v[k]) >= 0x80) { // UTF-8: nlohmann validates it (and throws on invalid bytes) as before
      out_.append(nlohmann::json(std::string{v}).dump());
      return;
    }
  }
  static const char* hex = "0123456789abcdef";
  out_.push_back('"');
  size_t run = 0; // start of the pending run of bytes that need no escape
  for (; i < v.size(); ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    if (!special.table[c])
      continue;
    out_.append(v.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out_.append("\\\""); break;
      case '\\': out_.append("\\\\"); break;
      case '\b': out_.append("\\b"); break;
      case '\f': out_.append("\\f"); break;
      case '\n': out_.append("\\n"); break;
      case '\r': out_.append("\\r"); break;
      case '\t': out_.append("\\t"); break;
      default:
        out_.append("\\u00");
        out_.push_back(hex[c >> 4]);
        out_.push_back(hex[c & 0xf]);
    }
  }
  out_.append(v.data() + run, v.size() - run);
  out_.push_back('"');
}

} // namespace lstaked::api

#include "chain/substrate/scale.hpp"

#include <algorithm>

namespace lstaked::chain::substrate {

namespace {
caf::error short_input(size_t want, size_t have) {
  return make_error(ec::decode_error, "SCALE: need " + std::to_string(want) + " bytes, "
                                        + std::to_string(have) + " left");
}
template <class T>
T load_le(const uint8_t* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<T>(p[i]) << (8 * i);
  return v;
}
} // namespace

caf::error scale_reader::skip(size_t n) {
  if (remaining() < n)
    return short_input(n, remaining());
  cur_ += n;
  return {};
}

caf::expected<byte_view> scale_reader::take(size_t n) {
  if (remaining() < n)
    return short_input(n, remaining());
  byte_view out{cur_, n};
  cur_ += n;
  return out;
}

caf::expected<uint8_t> scale_reader::u8() {
  if (cur_ == end_)
    return short_input(1, 0);
  return *cur_++;
}

#define LSTAKED_FIXED(name, T)                                                                     \
  caf::expected<T> scale_reader::name() {                                                          \
    if (remaining() < sizeof(T))                                                                   \
      return short_input(sizeof(T), remaining());                                                  \
    T v = load_le<T>(cur_);                                                                        \
    cur_ += sizeof(T);                                                                             \
    return v;                                                                                      \
  }
LSTAKED_FIXED(u16, uint16_t)
LSTAKED_FIXED(u32, uint32_t)
LSTAKED_FIXED(u64, uint64_t)
LSTAKED_FIXED(u128_le, u128)
#undef LSTAKED_FIXED

caf::expected<bool> scale_reader::boolean() {
  auto b = u8();
  if (!b)
    return b.error();
  if (*b > 1)
    return make_error(ec::decode_error, "SCALE: bool byte " + std::to_string(*b));
  return *b == 1;
}

caf::expected<u128> scale_reader::compact() {
  if (cur_ == end_)
    return short_input(1, 0);
  uint8_t first = *cur_;
  switch (first & 3) {
    case 0:
      ++cur_;
      return static_cast<u128>(first >> 2);
    case 1: {
      if (remaining() < 2)
        return short_input(2, remaining());
      uint32_t v = load_le<uint16_t>(cur_) >> 2;
      if (v < 64)
        return make_error(ec::decode_error, "SCALE: non-canonical compact (2-byte form)");
      cur_ += 2;
      return static_cast<u128>(v);
    }
    case 2: {
      if (remaining() < 4)
        return short_input(4, remaining());
      uint32_t v = load_le<uint32_t>(cur_) >> 2;
      if (v < (1u << 14))
        return make_error(ec::decode_error, "SCALE: non-canonical compact (4-byte form)");
      cur_ += 4;
      return static_cast<u128>(v);
    }
    default: {
      size_t n = (first >> 2) + 4;
      if (n > 16)
        return make_error(ec::decode_error, "SCALE: compact wider than 128 bits");
      if (remaining() < 1 + n)
        return short_input(1 + n, remaining());
      const uint8_t* p = cur_ + 1;
      if (p[n - 1] == 0)
        return make_error(ec::decode_error, "SCALE: non-canonical compact (leading zero byte)");
      u128 v = 0;
      for (size_t i = 0; i < n; ++i)
        v |= static_cast<u128>(p[i]) << (8 * i);
      if (v < (static_cast<u128>(1) << 30))
        return make_error(ec::decode_error, "SCALE: non-canonical compact (big form)");
      cur_ += 1 + n;
      return v;
    }
  }
}

caf::expected<uint32_t> scale_reader::compact_u32() {
  auto v = compact();
  if (!v)
    return v.error();
  if (*v > 0xffffffffu)
    return make_error(ec::decode_error, "SCALE: compact exceeds u32");
  return static_cast<uint32_t>(*v);
}

caf::expected<byte_view> scale_reader::length_prefixed() {
  auto n = compact_u32();
  if (!n)
    return n.error();
  return take(*n);
}

caf::expected<std::string> scale_reader::string() {
  auto raw = length_prefixed();
  if (!raw)
    return raw.error();
  std::string s(reinterpret_cast<const char*>(raw->data), raw->size);
  if (!valid_utf8(s))
    return make_error(ec::decode_error, "SCALE: string is not valid UTF-8");
  return s;
}

caf::error scale_reader::expect_end() const {
  if (!at_end())
    return make_error(ec::decode_error,
                      "SCALE: " + std::to_string(remaining()) + " trailing bytes");
  return {};
}

bool valid_utf8(std::string_view s) {
  auto p = reinterpret_cast<const uint8_t*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n)
      return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80)
        return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
        || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

void put_u8(bytes& out, uint8_t v) {
  out.push_back(v);
}
template <class T>
static void put_le(bytes& out, T v) {
  for (size_t i = 0; i < sizeof(T); ++i)
    out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_u16(bytes& out, uint16_t v) {
  put_le(out, v);
}
void put_u32(bytes& out, uint32_t v) {
  put_le(out, v);
}
void put_u64(bytes& out, uint64_t v) {
  put_le(out, v);
}
void put_u128(bytes& out, u128 v) {
  put_le(out, v);
}

void put_compact(bytes& out, u128 v) {
  if (v < 64) {
    out.push_back(static_cast<uint8_t>(v << 2));
  } else if (v < (1u << 14)) {
    put_u16(out, static_cast<uint16_t>((v << 2) | 1));
  } else if (v < (1u << 30)) {
    put_u32(out, static_cast<uint32_t>((v << 2) | 2));
  } else {
    size_t n = 0;
    for (u128 t = v; t != 0; t >>= 8)
      ++n;
    out.push_back(static_cast<uint8_t>(((n - 4) << 2) | 3));
    for (size_t i = 0; i < n; ++i)
      out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
}

void put_bytes_prefixed(bytes& out, byte_view b) {
  put_compact(out, b.size);
  append(out, b);
}

void put_string(bytes& out, std::string_view s) {
  put_compact(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

std::string to_decimal(u128 v) {
  if (v == 0)
    return "0";
  char buf[48];
  size_t i = sizeof(buf);
  while (v != 0) {
    buf[--i] = static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  return std::string(buf + i, sizeof(buf) - i);
}

std::string to_decimal_signed(i128 v) {
  if (v >= 0)
    return to_decimal(static_cast<u128>(v));
  return "-" + to_decimal(static_cast<u128>(0) - static_cast<u128>(v));
}

caf::expected<u128> parse_u128(std::string_view s) {
  if (s.empty() || s.size() > 39)
    return make_error(ec::invalid_input, "not a decimal integer: '" + std::string(s) + "'");
  u128 v = 0;
  const u128 max = ~static_cast<u128>(0);
  for (char c : s) {
    if (c < '0' || c > '9')
      return make_error(ec::invalid_input, "not a decimal integer: '" + std::string(s) + "'");
    unsigned d = static_cast<unsigned>(c - '0');
    if (v > (max - d) / 10)
      return make_error(ec::overflow, "integer exceeds 128 bits: " + std::string(s));
    v = v * 10 + d;
  }
  return v;
}

} // namespace lstaked::chain::substrate

// Byte strings and hex, shared by both chains' codecs.
//
// Contract: pure functions, thread-safe. Hex decoding is strict: an optional
// "0x" prefix, an even number of [0-9a-fA-F] digits, nothing else.
#pragma once

#include "chain/common/error.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lstaked::chain {

using bytes = std::vector<uint8_t>;

/// A read-only view of bytes (pointer + size), like std::span<const uint8_t>.
struct byte_view {
  const uint8_t* data = nullptr;
  size_t size = 0;
  byte_view() = default;
  byte_view(const uint8_t* d, size_t n) : data(d), size(n) {}
  byte_view(const bytes& b) : data(b.data()), size(b.size()) {}
  template <size_t N>
  byte_view(const std::array<uint8_t, N>& a) : data(a.data()), size(N) {}
  const uint8_t* begin() const { return data; }
  const uint8_t* end() const { return data + size; }
  bool empty() const { return size == 0; }
  uint8_t operator[](size_t i) const { return data[i]; }
};

/// Lower-case hex with a "0x" prefix.
std::string to_hex(byte_view in, bool prefix = true);

/// Strict hex decoding (see contract above).
caf::expected<bytes> from_hex(std::string_view text);

/// Strict hex decoding into exactly N bytes.
template <size_t N>
caf::expected<std::array<uint8_t, N>> from_hex_fixed(std::string_view text) {
  auto raw = from_hex(text);
  if (!raw)
    return raw.error();
  if (raw->size() != N)
    return make_error(ec::decode_error, "expected " + std::to_string(N) + " bytes of hex, got "
                                          + std::to_string(raw->size()));
  std::array<uint8_t, N> out{};
  std::copy(raw->begin(), raw->end(), out.begin());
  return out;
}

/// Appends `b` to `a`.
inline void append(bytes& a, byte_view b) {
  a.insert(a.end(), b.begin(), b.end());
}

} // namespace lstaked::chain

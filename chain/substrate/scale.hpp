// SCALE primitives: a strict reader and an appending writer.
//
// Contract: `scale_reader` never reads past its view; every read checks the
// remaining length first and fails with ec::decode_error. Compacts must be
// canonical (smallest mode, no overlong big-integer form), bools 0 or 1,
// lengths may not exceed the remaining input. The reader does not own the
// bytes: the buffer must outlive it. All functions are thread-compatible
// (no shared state).
#pragma once

#include "chain/common/bytes.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace lstaked::chain::substrate {

using u128 = unsigned __int128;
using i128 = __int128;

class scale_reader {
public:
  explicit scale_reader(byte_view in) : cur_(in.data), end_(in.data + in.size), begin_(in.data) {}

  size_t remaining() const { return static_cast<size_t>(end_ - cur_); }
  size_t offset() const { return static_cast<size_t>(cur_ - begin_); }
  bool at_end() const { return cur_ == end_; }
  const uint8_t* position() const { return cur_; }

  caf::expected<uint8_t> u8();
  caf::expected<uint16_t> u16();
  caf::expected<uint32_t> u32();
  caf::expected<uint64_t> u64();
  caf::expected<u128> u128_le();
  caf::expected<bool> boolean();
  /// Canonical compact integer up to 128 bits.
  caf::expected<u128> compact();
  /// Compact that must fit in 32 bits (lengths, type ids, indices).
  caf::expected<uint32_t> compact_u32();
  /// A compact length followed by that many bytes; the length must fit the input.
  caf::expected<byte_view> length_prefixed();
  /// Exactly n bytes.
  caf::expected<byte_view> take(size_t n);
  /// A length-prefixed UTF-8 string (validated).
  caf::expected<std::string> string();
  /// Fails unless the whole input was consumed.
  caf::error expect_end() const;

  /// Skips n bytes (checked).
  caf::error skip(size_t n);

private:
  const uint8_t* cur_;
  const uint8_t* end_;
  const uint8_t* begin_;
};

/// True if `s` is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool valid_utf8(std::string_view s);

// Writers append to `out`.
void put_u8(bytes& out, uint8_t v);
void put_u16(bytes& out, uint16_t v);
void put_u32(bytes& out, uint32_t v);
void put_u64(bytes& out, uint64_t v);
void put_u128(bytes& out, u128 v);
void put_compact(bytes& out, u128 v);
void put_bytes_prefixed(bytes& out, byte_view b);
void put_string(bytes& out, std::string_view s);

/// Decimal rendering of a 128-bit unsigned / signed integer.
std::string to_decimal(u128 v);
std::string to_decimal_signed(i128 v);
/// Strict decimal parsing (digits only, optional leading '-' when signed); overflow -> error.
caf::expected<u128> parse_u128(std::string_view s);

} // namespace lstaked::chain::substrate

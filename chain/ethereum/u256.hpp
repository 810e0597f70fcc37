// A 256-bit unsigned integer for money and EVM words.
//
// Contract: a plain value type, thread-safe as any int. Arithmetic that could
// leave the range [0, 2^256) is only offered checked: `checked_add` & co. return
// ec::overflow (or ec::invalid_input for division by zero) instead of wrapping,
// because a wrapped balance is a silent loss. The explicitly named `wrapping_*`
// and `operator~` exist for two's-complement EVM encodings (ABI int<N>), never
// for amounts. Parsing is strict: decimal is [0-9]+ with no sign, no
// whitespace and no leading zeros (except "0"); hex is "0x" + 1..64 digits.
#pragma once

#include "chain/common/error.hpp"
#include "chain/common/bytes.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lstaked::chain::eth {

class u256 {
public:
  constexpr u256() = default;
  constexpr u256(uint64_t v) : limbs_{v, 0, 0, 0} {} // NOLINT: implicit from small ints is safe

  static constexpr u256 max() {
    u256 r;
    r.limbs_ = {~0ull, ~0ull, ~0ull, ~0ull};
    return r;
  }
  /// 10^n for n <= 77.
  static u256 pow10(unsigned n);

  static caf::expected<u256> from_dec(std::string_view text);
  static caf::expected<u256> from_hex(std::string_view text);
  /// Big-endian bytes, at most 32 (leading zeros allowed).
  static caf::expected<u256> from_be(byte_view in);
  /// From little-endian 64-bit limbs (limbs[0] least significant).
  static constexpr u256 from_limbs(const std::array<uint64_t, 4>& limbs) {
    u256 r;
    r.limbs_ = limbs;
    return r;
  }

  std::string to_dec() const;
  /// "0x" + minimal hex ("0x0" for zero), Ethereum's JSON-RPC QUANTITY form.
  std::string to_hex() const;
  std::array<uint8_t, 32> to_be32() const;
  /// Big-endian without leading zeros (empty for zero), as RLP wants integers.
  bytes to_be_minimal() const;

  bool is_zero() const { return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  /// Number of significant bits (0 for zero).
  unsigned bit_length() const;
  bool bit(unsigned i) const { return (limbs_[i / 64] >> (i % 64)) & 1; }
  bool fits_u64() const { return (limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  uint64_t low_u64() const { return limbs_[0]; }
  uint64_t limb(unsigned i) const { return limbs_[i]; }

  friend bool operator==(const u256& a, const u256& b) { return a.limbs_ == b.limbs_; }
  friend bool operator!=(const u256& a, const u256& b) { return !(a == b); }
  friend bool operator<(const u256& a, const u256& b);
  friend bool operator>(const u256& a, const u256& b) { return b < a; }
  friend bool operator<=(const u256& a, const u256& b) { return !(b < a); }
  friend bool operator>=(const u256& a, const u256& b) { return !(a < b); }

  /// Shifts (bits shifted out are dropped; shifting by >= 256 gives 0).
  u256 shl(unsigned n) const;
  u256 shr(unsigned n) const;

  /// Two's-complement helpers for EVM words (mod 2^256, by name only).
  u256 operator~() const;
  static u256 wrapping_add(const u256& a, const u256& b);
  static u256 wrapping_sub(const u256& a, const u256& b);

  /// Quotient and remainder; precondition: divisor != 0.
  static void divmod(const u256& a, const u256& b, u256& quotient, u256& remainder);

private:
  std::array<uint64_t, 4> limbs_{}; // little-endian limbs
};

caf::expected<u256> checked_add(const u256& a, const u256& b);
caf::expected<u256> checked_sub(const u256& a, const u256& b);
caf::expected<u256> checked_mul(const u256& a, const u256& b);
caf::expected<u256> checked_div(const u256& a, const u256& b);
caf::expected<u256> checked_mod(const u256& a, const u256& b);
/// a * b / d with a 512-bit intermediate (e.g. shares = amount * ratio / 1e18):
/// rounds down; ec::overflow only if the quotient itself does not fit.
caf::expected<u256> checked_mul_div(const u256& a, const u256& b, const u256& d);

} // namespace lstaked::chain::eth

#include "chain/ethereum/u256.hpp"

#include <algorithm>

namespace lstaked::chain::eth {

namespace {

using u128 = unsigned __int128;

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Multiply by a small factor and add a small term; false on overflow (x is
// then unchanged). Works on the limbs: this is on the path of every amount
// the API reads from the database.
bool mul_small_add(u256& x, uint64_t factor, uint64_t term) {
  std::array<uint64_t, 4> limbs{};
  u128 carry = term;
  for (unsigned i = 0; i < 4; ++i) {
    u128 p = u128(x.limb(i)) * factor + carry;
    limbs[i] = uint64_t(p);
    carry = p >> 64;
  }
  if (carry != 0)
    return false;
  x = u256::from_limbs(limbs);
  return true;
}

// Divides by a small divisor in place, returns the remainder.
uint64_t div_small(std::array<uint64_t, 4>& limbs, uint64_t divisor) {
  u128 rem = 0;
  for (int i = 3; i >= 0; --i) {
    u128 cur = (rem << 64) | limbs[i];
    limbs[i] = uint64_t(cur / divisor);
    rem = cur % divisor;
  }
  return uint64_t(rem);
}

} // namespace

u256 u256::pow10(unsigned n) {
  u256 r = 1;
  for (unsigned i = 0; i < n; ++i)
    if (!mul_small_add(r, 10, 0))
      return max(); // n > 77 is a programmer error; saturate visibly
  return r;
}

caf::expected<u256> u256::from_dec(std::string_view text) {
  if (text.empty())
    return make_error(ec::decode_error, "empty decimal number");
  if (text.size() > 1 && text[0] == '0')
    return make_error(ec::decode_error, "decimal number with a leading zero");
  for (char c : text)
    if (c < '0' || c > '9')
      return make_error(ec::decode_error, "not a decimal digit in a number");
  // Up to 19 digits at a time (10^19 < 2^64): one multiply per chunk, not per digit.
  u256 r;
  while (!text.empty()) {
    size_t n = std::min<size_t>(text.size(), 19);
    uint64_t chunk = 0, scale = 1;
    for (size_t i = 0; i < n; ++i) {
      chunk = chunk * 10 + uint64_t(text[i] - '0');
      scale *= 10;
    }
    if (!mul_small_add(r, scale, chunk))
      return make_error(ec::overflow, "decimal number does not fit in 256 bits");
    text.remove_prefix(n);
  }
  return r;
}

caf::expected<u256> u256::from_hex(std::string_view text) {
  if (text.size() < 3 || text[0] != '0' || text[1] != 'x')
    return make_error(ec::decode_error, "hex number must be 0x followed by digits");
  text.remove_prefix(2);
  if (text.size() > 64)
    return make_error(ec::overflow, "hex number does not fit in 256 bits");
  u256 r;
  for (char c : text) {
    int d = hex_digit(c);
    if (d < 0)
      return make_error(ec::decode_error, "not a hex digit in a number");
    r = r.shl(4);
    r.limbs_[0] |= uint64_t(d);
  }
  return r;
}

caf::expected<u256> u256::from_be(byte_view in) {
  if (in.size > 32)
    return make_error(ec::overflow, "more than 32 bytes for a 256-bit integer");
  u256 r;
  for (size_t i = 0; i < in.size; ++i) {
    size_t pos = in.size - 1 - i; // byte i counted from the least significant end
    r.limbs_[i / 8] |= uint64_t(in[pos]) << (8 * (i % 8));
  }
  return r;
}

std::string u256::to_dec() const {
  if (is_zero())
    return "0";
  std::array<uint64_t, 4> limbs = limbs_;
  std::string out;
  auto nonzero = [&] { return (limbs[0] | limbs[1] | limbs[2] | limbs[3]) != 0; };
  // 19 decimal digits per division keeps this cheap.
  constexpr uint64_t chunk = 10000000000000000000ull;
  while (nonzero()) {
    uint64_t part = div_small(limbs, chunk);
    for (int i = 0; i < 19; ++i) {
      out.push_back(char('0' + part % 10));
      part /= 10;
      if (!nonzero() && part == 0)
        break;
    }
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string u256::to_hex() const {
  if (is_zero())
    return "0x0";
  auto be = to_be32();
  std::string digits = chain::to_hex(be, false);
  size_t first = digits.find_first_not_of('0');
  return "0x" + digits.substr(first);
}

std::array<uint8_t, 32> u256::to_be32() const {
  std::array<uint8_t, 32> out{};
  for (unsigned i = 0; i < 32; ++i)
    out[31 - i] = uint8_t(limbs_[i / 8] >> (8 * (i % 8)));
  return out;
}

bytes u256::to_be_minimal() const {
  auto be = to_be32();
  size_t first = 0;
  while (first < 32 && be[first] == 0)
    ++first;
  return bytes(be.begin() + first, be.end());
}

unsigned u256::bit_length() const {
  for (int i = 3; i >= 0; --i)
    if (limbs_[i] != 0)
      return 64 * i + (64 - __builtin_clzll(limbs_[i]));
  return 0;
}

bool operator<(const u256& a, const u256& b) {
  for (int i = 3; i >= 0; --i)
    if (a.limbs_[i] != b.limbs_[i])
      return a.limbs_[i] < b.limbs_[i];
  return false;
}

u256 u256::shl(unsigned n) const {
  u256 r;
  if (n >= 256)
    return r;
  unsigned words = n / 64, bits = n % 64;
  for (int i = 3; i >= int(words); --i) {
    uint64_t v = limbs_[i - words] << bits;
    if (bits != 0 && i - int(words) - 1 >= 0)
      v |= limbs_[i - words - 1] >> (64 - bits);
    r.limbs_[i] = v;
  }
  return r;
}

u256 u256::shr(unsigned n) const {
  u256 r;
  if (n >= 256)
    return r;
  unsigned words = n / 64, bits = n % 64;
  for (unsigned i = 0; i + words < 4; ++i) {
    uint64_t v = limbs_[i + words] >> bits;
    if (bits != 0 && i + words + 1 < 4)
      v |= limbs_[i + words + 1] << (64 - bits);
    r.limbs_[i] = v;
  }
  return r;
}

u256 u256::operator~() const {
  u256 r;
  for (unsigned i = 0; i < 4; ++i)
    r.limbs_[i] = ~limbs_[i];
  return r;
}

u256 u256::wrapping_add(const u256& a, const u256& b) {
  u256 r;
  u128 carry = 0;
  for (unsigned i = 0; i < 4; ++i) {
    u128 s = u128(a.limbs_[i]) + b.limbs_[i] + carry;
    r.limbs_[i] = uint64_t(s);
    carry = s >> 64;
  }
  return r;
}

u256 u256::wrapping_sub(const u256& a, const u256& b) {
  return wrapping_add(a, wrapping_add(~b, u256{1}));
}

void u256::divmod(const u256& a, const u256& b, u256& quotient, u256& remainder) {
  // Shift-subtract long division: 256 steps at most, fine for money and
  // formatting (hot paths divide by small numbers via div_small).
  quotient = u256{};
  remainder = u256{};
  if (b.fits_u64()) {
    auto limbs = a.limbs_;
    uint64_t rem = div_small(limbs, b.limbs_[0]);
    quotient.limbs_ = limbs;
    remainder = u256{rem};
    return;
  }
  for (int i = int(a.bit_length()) - 1; i >= 0; --i) {
    remainder = remainder.shl(1);
    remainder.limbs_[0] |= uint64_t(a.bit(unsigned(i)));
    if (remainder >= b) {
      remainder = wrapping_sub(remainder, b);
      quotient.limbs_[i / 64] |= uint64_t(1) << (i % 64);
    }
  }
}

caf::expected<u256> checked_add(const u256& a, const u256& b) {
  u256 r = u256::wrapping_add(a, b);
  if (r < a)
    return make_error(ec::overflow, "256-bit addition overflows");
  return r;
}

caf::expected<u256> checked_sub(const u256& a, const u256& b) {
  if (a < b)
    return make_error(ec::overflow, "256-bit subtraction underflows");
  return u256::wrapping_sub(a, b);
}

namespace {

// Full 512-bit product as 8 little-endian limbs.
std::array<uint64_t, 8> mul_full(const u256& a, const u256& b) {
  std::array<uint64_t, 8> out{};
  for (unsigned i = 0; i < 4; ++i) {
    u128 carry = 0;
    for (unsigned j = 0; j < 4; ++j) {
      u128 p = u128(a.limb(i)) * b.limb(j) + out[i + j] + carry;
      out[i + j] = uint64_t(p);
      carry = p >> 64;
    }
    out[i + 4] = uint64_t(carry);
  }
  return out;
}

u256 from_limbs(const uint64_t* limbs) {
  std::array<uint8_t, 32> be{};
  for (unsigned i = 0; i < 32; ++i)
    be[31 - i] = uint8_t(limbs[i / 8] >> (8 * (i % 8)));
  return *u256::from_be(be);
}

} // namespace

caf::expected<u256> checked_mul(const u256& a, const u256& b) {
  auto p = mul_full(a, b);
  if ((p[4] | p[5] | p[6] | p[7]) != 0)
    return make_error(ec::overflow, "256-bit multiplication overflows");
  return from_limbs(p.data());
}

caf::expected<u256> checked_div(const u256& a, const u256& b) {
  if (b.is_zero())
    return make_error(ec::invalid_input, "division by zero");
  u256 q, r;
  u256::divmod(a, b, q, r);
  return q;
}

caf::expected<u256> checked_mod(const u256& a, const u256& b) {
  if (b.is_zero())
    return make_error(ec::invalid_input, "division by zero");
  u256 q, r;
  u256::divmod(a, b, q, r);
  return r;
}

caf::expected<u256> checked_mul_div(const u256& a, const u256& b, const u256& d) {
  if (d.is_zero())
    return make_error(ec::invalid_input, "division by zero");
  auto p = mul_full(a, b);
  if (d.fits_u64()) {
    // A one-limb divisor (the ratio, 1e18-scaled, is one): limb-by-limb
    // division of the 512-bit product, exact like the general path below.
    uint64_t div = d.low_u64();
    u128 rem = 0;
    std::array<uint64_t, 8> q{};
    for (int i = 7; i >= 0; --i) {
      u128 cur = (rem << 64) | p[i];
      q[i] = uint64_t(cur / div);
      rem = cur % div;
    }
    if ((q[4] | q[5] | q[6] | q[7]) != 0)
      return make_error(ec::overflow, "mul_div quotient does not fit in 256 bits");
    return from_limbs(q.data());
  }
  // 512-by-256 long division, bit by bit; the remainder stays below d < 2^256,
  // but shifting it left can need a 257th bit, tracked in `top`.
  std::array<uint64_t, 8> q{};
  u256 rem;
  for (int i = 511; i >= 0; --i) {
    bool top = rem.bit(255);
    rem = rem.shl(1);
    if ((p[i / 64] >> (i % 64)) & 1)
      rem = u256::wrapping_add(rem, u256{1});
    if (top || rem >= d) {
      rem = u256::wrapping_sub(rem, d);
      q[i / 64] |= uint64_t(1) << (i % 64);
    }
  }
  if ((q[4] | q[5] | q[6] | q[7]) != 0)
    return make_error(ec::overflow, "mul_div quotient does not fit in 256 bits");
  return from_limbs(q.data());
}

} // namespace lstaked::chain::eth

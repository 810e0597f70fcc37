#include "chain/ethereum/keccak.hpp"

#include <nettle/sha3.h>

#include <cstring>

namespace lstaked::chain::eth {

namespace {

constexpr size_t rate = 136; // 1600 bits - 2 * 256 bits of capacity

void permute(uint64_t* lanes) {
  static_assert(sizeof(sha3_state) == 25 * sizeof(uint64_t));
  sha3_state state;
  std::memcpy(state.a, lanes, sizeof state.a);
  sha3_permute(&state);
  std::memcpy(lanes, state.a, sizeof state.a);
}

// Lanes are little-endian 64-bit words, whatever the host's byte order.
inline void xor_byte(uint64_t* lanes, size_t pos, uint8_t b) {
  lanes[pos / 8] ^= uint64_t(b) << (8 * (pos % 8));
}

inline uint64_t load_le64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

} // namespace

keccak256_hasher::keccak256_hasher() {
  std::memset(lanes_, 0, sizeof lanes_);
}

void keccak256_hasher::update(byte_view in) {
  const uint8_t* p = in.data;
  size_t n = in.size;
  // Finish a partly filled block byte by byte.
  while (n > 0 && fill_ != 0) {
    xor_byte(lanes_, fill_++, *p++);
    --n;
    if (fill_ == rate) {
      permute(lanes_);
      fill_ = 0;
    }
  }
  // Whole blocks a lane at a time.
  while (n >= rate) {
    for (size_t i = 0; i < rate / 8; ++i)
      lanes_[i] ^= load_le64(p + 8 * i);
    permute(lanes_);
    p += rate;
    n -= rate;
  }
  while (n > 0) {
    xor_byte(lanes_, fill_++, *p++);
    --n;
  }
}

void keccak256_hasher::update(std::string_view text) {
  update(byte_view{reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

hash256 keccak256_hasher::finish() {
  // Keccak's pad10*1 with the 0x01 domain byte (SHA3 would use 0x06).
  xor_byte(lanes_, fill_, 0x01);
  xor_byte(lanes_, rate - 1, 0x80);
  permute(lanes_);
  hash256 out{};
  for (size_t i = 0; i < 32; ++i)
    out[i] = static_cast<uint8_t>(lanes_[i / 8] >> (8 * (i % 8)));
  std::memset(lanes_, 0, sizeof lanes_);
  fill_ = 0;
  return out;
}

hash256 keccak256(byte_view in) {
  keccak256_hasher h;
  h.update(in);
  return h.finish();
}

hash256 keccak256(std::string_view text) {
  keccak256_hasher h;
  h.update(text);
  return h.finish();
}

} // namespace lstaked::chain::eth

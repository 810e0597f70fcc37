#include "chain/common/hash.hpp"

#include <sodium.h>
#include <xxhash.h>

#include <cstdlib>
#include <mutex>

namespace lstaked::chain {

void ensure_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0)
      std::abort(); // no crypto, no service: nothing sensible to continue with
  });
}

bytes blake2b(byte_view in, size_t out_len) {
  ensure_sodium();
  bytes out(out_len);
  crypto_generichash(out.data(), out.size(), in.data, in.size, nullptr, 0);
  return out;
}

hash256 blake2b_256(byte_view in) {
  ensure_sodium();
  hash256 out{};
  crypto_generichash(out.data(), out.size(), in.data, in.size, nullptr, 0);
  return out;
}

hash128 blake2b_128(byte_view in) {
  ensure_sodium();
  hash128 out{};
  crypto_generichash(out.data(), out.size(), in.data, in.size, nullptr, 0);
  return out;
}

namespace {
template <size_t Rounds>
std::array<uint8_t, Rounds * 8> twox(byte_view in) {
  std::array<uint8_t, Rounds * 8> out{};
  for (size_t seed = 0; seed < Rounds; ++seed) {
    uint64_t h = XXH64(in.data, in.size, seed);
    for (size_t i = 0; i < 8; ++i)
      out[seed * 8 + i] = static_cast<uint8_t>(h >> (8 * i));
  }
  return out;
}
} // namespace

std::array<uint8_t, 8> twox64(byte_view in) {
  return twox<1>(in);
}
hash128 twox128(byte_view in) {
  return twox<2>(in);
}
hash256 twox256(byte_view in) {
  return twox<4>(in);
}

} // namespace lstaked::chain

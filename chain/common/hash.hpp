// Hashes Substrate uses: blake2b (libsodium) and xxhash64-based twox (libxxhash).
//
// Contract: pure functions, thread-safe; libsodium must be initialised
// (sodium_init) before use, which `ensure_sodium()` does idempotently.
#pragma once

#include "chain/common/bytes.hpp"

#include <array>

namespace lstaked::chain {

/// Calls sodium_init() once; aborts if libsodium cannot initialise.
void ensure_sodium();

using hash256 = std::array<uint8_t, 32>;
using hash128 = std::array<uint8_t, 16>;

/// blake2b with an N-byte digest (N in 16..64), no key.
bytes blake2b(byte_view in, size_t out_len);
hash256 blake2b_256(byte_view in);
hash128 blake2b_128(byte_view in);

/// Substrate's twox: xxhash64 with seeds 0,1,... concatenated little-endian.
std::array<uint8_t, 8> twox64(byte_view in);
hash128 twox128(byte_view in);
hash256 twox256(byte_view in);

} // namespace lstaked::chain

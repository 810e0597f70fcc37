// Ethereum's keccak-256: the original Keccak submission's padding (0x01 ...
// 0x80), not FIPS-202 SHA3-256's (0x06 ... 0x80), so the digests differ from
// SHA3-256 on every input. Built on nettle's keccak-f[1600] permutation.
//
// Contract: `keccak256()` is a pure function, thread-safe. A `keccak256_hasher`
// is a plain value (not thread-safe per instance); `finish()` may be called once.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/hash.hpp"

#include <string_view>

namespace lstaked::chain::eth {

/// Incremental keccak-256 (rate 136 bytes).
class keccak256_hasher {
public:
  keccak256_hasher();
  void update(byte_view in);
  void update(std::string_view text);
  hash256 finish();

private:
  uint64_t lanes_[25];
  size_t fill_ = 0; // bytes absorbed into the current block
};

hash256 keccak256(byte_view in);
hash256 keccak256(std::string_view text);

} // namespace lstaked::chain::eth

// Secret key material that is wiped when it goes out of scope.
//
// Contract: never log, print or serialise the contents; `view()` is for handing
// the bytes to a crypto primitive only. Copying is allowed (each copy wipes itself).
#pragma once

#include "chain/common/bytes.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>

namespace lstaked::chain {

template <size_t N>
class secret_bytes {
public:
  secret_bytes() { data_.fill(0); }
  explicit secret_bytes(const uint8_t* src) { std::copy(src, src + N, data_.begin()); }
  secret_bytes(const secret_bytes&) = default;
  secret_bytes& operator=(const secret_bytes&) = default;
  ~secret_bytes() { sodium_memzero(data_.data(), N); }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  static constexpr size_t size() { return N; }
  byte_view view() const { return byte_view{data_.data(), N}; }

private:
  std::array<uint8_t, N> data_;
};

using secret_key32 = secret_bytes<32>;

} // namespace lstaked::chain

// A user's reference to a Kusama extrinsic: "<blockNumber>-<extrinsicIndex>"
// (as explorers print it) or the extrinsic hash ("0x" + 64 hex).
//
// Contract: parsing is strict and bounded: decimal digits only (no sign, no
// spaces, no leading zeros except "0"), the block fits 64 bits and the index
// 32 bits; a hash is exactly 32 bytes of hex, returned lower-case. Anything
// else is ec::invalid_input with a message that says which form was expected.
#pragma once

#include "chain/common/error.hpp"

#include <cstdint>
#include <string>

namespace lstaked::chain::substrate {

struct extrinsic_id {
  bool by_hash = false;
  uint64_t block_number = 0;   // when !by_hash
  uint32_t extrinsic_index = 0;
  std::string hash;            // when by_hash: 0x + 64 lower-case hex
};

caf::expected<extrinsic_id> parse_extrinsic_id(const std::string& text);

/// "<block>-<index>" or the hash.
std::string to_string(const extrinsic_id& id);

} // namespace lstaked::chain::substrate

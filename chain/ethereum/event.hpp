// Solidity events: signatures, topic0, and decoding a log's topics and data.
//
// Contract: pure functions, thread-safe. topic0 is keccak-256 of the canonical
// signature "Name(type1,type2,...)" (names and `indexed` removed). Indexed
// parameters of static type are decoded from their topic with the ABI's range
// checks; an indexed string, bytes, array or tuple is stored in the log only as
// keccak-256 of its in-place encoding, so `decode_log` returns that 32-byte
// hash as the value's `data` (there is nothing else to recover).
#pragma once

#include "chain/common/hash.hpp"
#include "chain/ethereum/abi.hpp"

#include <string>
#include <vector>

namespace lstaked::chain::eth {

struct event_param {
  std::string name;
  abi_type type;
  bool indexed = false;
};

struct event_abi {
  std::string name;
  std::vector<event_param> params;

  /// "Name(type1,type2,...)".
  std::string signature() const;
  hash256 topic0() const;
};

/// Parses "Name(type [indexed] [name], ...)", e.g.
/// "Transfer(address indexed from, address indexed to, uint256 value)".
caf::expected<event_abi> parse_event(std::string_view text);

/// Decodes a log of `event` into one value per parameter, in declaration
/// order. Refuses a wrong topic0, a wrong number of topics and bad data.
caf::expected<std::vector<abi_value>> decode_log(const event_abi& event,
                                                 const std::vector<hash256>& topics,
                                                 byte_view data);

/// Encodes a log (the inverse of decode_log; indexed dynamic values are hashed).
caf::expected<std::pair<std::vector<hash256>, bytes>>
encode_log(const event_abi& event, const std::vector<abi_value>& values);

} // namespace lstaked::chain::eth

// RLP (Ethereum's recursive length prefix) encoding and strict decoding.
//
// Contract: pure functions, thread-safe. Decoding accepts only the canonical
// encoding: a single byte < 0x80 must stand for itself, a length that fits the
// short form must use it, long lengths have no leading zero byte, nothing may
// follow the top-level item, and nothing is read past the input. Nesting is
// limited to `rlp_max_depth` so hostile input cannot exhaust the stack.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/ethereum/u256.hpp"

#include <vector>

namespace lstaked::chain::eth {

constexpr size_t rlp_max_depth = 64;

/// A decoded item: a byte string, or a list of items.
struct rlp_item {
  bool is_list = false;
  bytes value;                 // when !is_list
  std::vector<rlp_item> items; // when is_list

  static rlp_item string(byte_view b) { return rlp_item{false, bytes(b.begin(), b.end()), {}}; }
  static rlp_item list(std::vector<rlp_item> xs) { return rlp_item{true, {}, std::move(xs)}; }
  friend bool operator==(const rlp_item& a, const rlp_item& b) {
    return a.is_list == b.is_list && a.value == b.value && a.items == b.items;
  }
};

/// Appends the encoding of a byte string.
void rlp_append_string(bytes& out, byte_view in);
/// Appends the encoding of an unsigned integer (big-endian, no leading zeros; 0 is "").
void rlp_append_uint(bytes& out, const u256& value);
/// Appends a list header for `payload_size` bytes of already encoded items, then the items.
void rlp_append_list(bytes& out, byte_view encoded_items);

bytes rlp_encode(const rlp_item& item);

/// Decodes exactly one item spanning all of `in`.
caf::expected<rlp_item> rlp_decode(byte_view in);

/// Reads a string item as an integer: at most 32 bytes, no leading zero byte.
caf::expected<u256> rlp_to_uint(const rlp_item& item);

} // namespace lstaked::chain::eth

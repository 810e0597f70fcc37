// Solidity ABI: type descriptions, values, encoding and strict decoding.
//
// Contract: pure functions, thread-safe. `abi_decode` never reads past its
// input and refuses anything `abi_encode` would not have produced for some
// value: offsets or lengths outside the data, non-zero padding, integers or
// addresses with stray high bits, int<N> not sign-extended, bool not 0/1.
// Allocation is bounded by the input size (an array's claimed length must fit
// in the bytes that remain), and type nesting by `abi_max_depth`.
//
// Values are a small tree (`abi_value`) that mirrors the type tree; integers
// are 256-bit words, int<N> in two's complement. `abi_value_from_json` /
// `abi_value_to_json` give the JSON form used by the debug command and the test
// vectors: integers as decimal strings (with '-' for negatives; 0x-hex or a JSON
// integer also accepted on input), address as
// EIP-55 text, bool, bytes as 0x-hex, string as text, arrays and tuples as arrays.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/ethereum/u256.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace lstaked::chain::eth {

constexpr size_t abi_max_depth = 32;

struct abi_type {
  enum class kind { uint, int_, address, boolean, fixed_bytes, bytes, string, array, fixed_array,
                    tuple };
  kind k = kind::uint;
  unsigned size = 256;            // bits (uint/int), bytes (fixed_bytes), length (fixed_array)
  std::vector<abi_type> children; // the element (arrays) or the components (tuple)

  bool is_dynamic() const;
  /// Bytes this type takes in the head of an enclosing tuple.
  size_t head_size() const;
  /// Canonical Solidity spelling, as in function and event signatures.
  std::string canonical() const;

  friend bool operator==(const abi_type& a, const abi_type& b) {
    return a.k == b.k && a.size == b.size && a.children == b.children;
  }
};

/// Parses one type: uint8..uint256 (step 8), int.., uint/int (=256), address,
/// bool, bytes1..bytes32, bytes, string, T[], T[N], (T1,T2,...) or tuple(...).
caf::expected<abi_type> parse_abi_type(std::string_view text);
/// Parses a parameter list "(T1,T2,...)" or "T1,T2,..." (names after types are ignored).
caf::expected<std::vector<abi_type>> parse_abi_types(std::string_view text);

struct abi_value {
  u256 word;                    // uint, int (two's complement), bool, address (low 160 bits)
  bytes data;                   // bytes, bytesN, string (UTF-8 as given)
  std::vector<abi_value> items; // array elements, tuple components

  static abi_value number(const u256& w) { return abi_value{w, {}, {}}; }
  static abi_value boolean(bool b) { return abi_value{u256{b ? 1u : 0u}, {}, {}}; }
  static abi_value address(byte_view twenty_bytes);
  static abi_value blob(bytes b) { return abi_value{{}, std::move(b), {}}; }
  static abi_value text(std::string_view s) { return blob(bytes(s.begin(), s.end())); }
  static abi_value list(std::vector<abi_value> xs) { return abi_value{{}, {}, std::move(xs)}; }

  friend bool operator==(const abi_value& a, const abi_value& b) {
    return a.word == b.word && a.data == b.data && a.items == b.items;
  }
};

/// Encodes `values` as the tuple of `types` (function arguments without the selector).
caf::expected<bytes> abi_encode(const std::vector<abi_type>& types,
                                const std::vector<abi_value>& values);
/// Decodes a tuple of `types` spanning all of `data` (trailing bytes after the
/// tuple's last tail are refused).
caf::expected<std::vector<abi_value>> abi_decode(const std::vector<abi_type>& types,
                                                 byte_view data);

/// Function selector: the first 4 bytes of keccak-256 of the signature.
std::array<uint8_t, 4> abi_selector(std::string_view signature);

/// The JSON form (see the contract above).
caf::expected<abi_value> abi_value_from_json(const abi_type& type, const nlohmann::json& j);
nlohmann::json abi_value_to_json(const abi_type& type, const abi_value& value);

} // namespace lstaked::chain::eth

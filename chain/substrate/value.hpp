// The dynamic decoder: any registry type id -> a value tree, and back.
//
// Contract: decoding is strict (see scale.hpp) and bounded: nesting deeper than
// `max_depth` and sequences longer than the remaining input are errors, so a
// hostile input or metadata cannot exhaust the stack or memory. Values hold
// pointers into the metadata (variant and field names): the metadata must
// outlive them. `skip_value` validates the same way but builds nothing and
// jumps over fixed-size types in one step (the watcher's fast path).
//
// Canonical JSON (`to_json` / `encode_value`), shared with the polkadot-js
// vector generator: integers of every width as decimal strings; bool; str and
// char as strings; Vec<u8> and [u8; N] as "0x" hex; other sequences, arrays and
// tuples as arrays; a composite with named fields as an object in field order,
// with exactly one unnamed field as that field's value, otherwise an array;
// a variant as {"Name": payload} where payload follows the composite rule and
// is null when the variant has no fields; a bit sequence as the hex of its SCALE
// encoding (length prefix included).
#pragma once

#include "chain/substrate/metadata.hpp"
#include "chain/substrate/scale.hpp"

#include <nlohmann/json.hpp>

#include <vector>

namespace lstaked::chain::substrate {

enum class value_kind : uint8_t {
  boolean,   // num: 0/1
  uint,      // num (u8..u128 and compacts)
  sint,      // num holds the two's complement bits of an i8..i128
  big,       // data: 32 bytes little-endian (u256 / i256); num: 1 if signed
  character, // num: the code point
  string,    // data: UTF-8
  bytes,     // data: Vec<u8> / [u8; N]
  composite, // items + fields (names)
  variant,   // items + var
  sequence,  // items (Vec<T>, [T; N])
  tuple,     // items
  bits,      // data: the SCALE encoding of the bit sequence
};

struct value {
  value_kind kind = value_kind::tuple;
  uint32_t type = 0;
  u128 num = 0;
  chain::bytes data;
  const variant_def* var = nullptr;           // variant
  const std::vector<field>* fields = nullptr; // composite/variant: the names of items
  std::vector<value> items;

  /// Named field of a composite or variant value, or nullptr.
  const value* find(std::string_view name) const;
  /// Follows single-field composites (newtypes such as AccountId32 or Perbill) to their content.
  const value& unwrap() const;
};

constexpr int max_depth = 128;

caf::error decode_value(const metadata& md, uint32_t type, scale_reader& r, value& out,
                        int depth = 0);
/// Decodes `in` as one value of `type`; trailing bytes are an error.
caf::expected<value> decode_value(const metadata& md, uint32_t type, byte_view in);
caf::error skip_value(const metadata& md, uint32_t type, scale_reader& r, int depth = 0);

nlohmann::json to_json(const value& v);
/// The canonical JSON of a variant's or composite's fields (see the contract above).
nlohmann::json fields_to_json(const std::vector<value>& items, const std::vector<field>* fields);

/// Encodes canonical JSON `in` as `type`, appending to `out`. Integers may also be
/// given as JSON numbers; out-of-range values and unknown names are errors.
caf::error encode_value(const metadata& md, uint32_t type, const nlohmann::json& in,
                        chain::bytes& out, int depth = 0);

} // namespace lstaked::chain::substrate

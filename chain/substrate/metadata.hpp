// Runtime metadata V14 / V15: the portable type registry, pallets (calls, events,
// storage, constants, errors) and the extrinsic format with its signed extensions.
//
// Contract: `metadata::parse` accepts the bytes a node returns ("meta" magic +
// version byte + body), optionally wrapped as Vec<u8> or Option<Vec<u8>> (the
// answer of `Metadata_metadata_at_version`). It validates every type id the
// registry and pallets reference, so decoders may index `types` without checks.
// An immutable metadata object is safe to share between threads. Decoded values
// point into the metadata (names, field lists): keep it alive while they are used.
// Look things up by name; never hard-code a pallet or call index.
#pragma once

#include "chain/common/bytes.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lstaked::chain::substrate {

enum class primitive : uint8_t {
  boolean, character, str, u8, u16, u32, u64, u128, u256, i8, i16, i32, i64, i128, i256
};

enum class type_kind : uint8_t {
  composite, variant, sequence, array, tuple, primitive, compact, bit_sequence
};

struct field {
  std::string name; // empty when unnamed
  uint32_t type = 0;
  std::string type_name;
};

struct variant_def {
  std::string name;
  uint8_t index = 0;
  std::vector<field> fields;
};

struct type_param {
  std::string name;
  std::optional<uint32_t> type;
};

struct type_def {
  type_kind kind = type_kind::tuple;
  std::vector<std::string> path;
  std::vector<type_param> params;
  std::vector<field> fields;           // composite
  std::vector<variant_def> variants;   // variant
  std::vector<int16_t> variant_at;     // variant: index byte -> position in variants, -1 if none
  std::vector<uint32_t> tuple;         // tuple
  uint32_t elem = 0;                   // sequence, array, compact; bit_sequence: store type
  uint32_t order = 0;                  // bit_sequence: order type
  uint32_t len = 0;                    // array
  primitive prim = primitive::boolean; // primitive
  // Derived at parse time.
  int64_t fixed_size = -1; // encoded size when it never varies, else -1
  bool byte_like = false;  // sequence or array of u8: decoded as raw bytes
  bool plain = false;      // fixed size and every bit pattern valid (no bool/char/enum): skip blindly

  const variant_def* find_variant(uint8_t index) const {
    int16_t pos = variant_at.empty() ? -1 : variant_at[index];
    return pos < 0 ? nullptr : &variants[static_cast<size_t>(pos)];
  }
  const variant_def* find_variant(std::string_view name) const;
  std::string path_string() const;
};

enum class storage_hasher : uint8_t {
  blake2_128, blake2_256, blake2_128_concat, twox128, twox256, twox64_concat, identity
};

struct storage_entry {
  std::string name;
  bool optional = false; // modifier: Optional (None when absent) vs Default
  bool is_map = false;
  std::vector<storage_hasher> hashers; // map only
  uint32_t key_type = 0;               // map only (a tuple when several hashers)
  uint32_t value_type = 0;
  bytes default_value;
};

struct constant_def {
  std::string name;
  uint32_t type = 0;
  bytes value;
};

struct pallet_def {
  std::string name;
  uint8_t index = 0;
  std::string storage_prefix;
  std::vector<storage_entry> storage;
  std::optional<uint32_t> call_type, event_type, error_type;
  std::vector<constant_def> constants;

  const storage_entry* find_storage(std::string_view name) const;
  const constant_def* find_constant(std::string_view name) const;
};

struct signed_extension {
  std::string identifier;
  uint32_t type = 0;            // the "extra" part, encoded in the extrinsic
  uint32_t additional_type = 0; // the "additional signed" part, only in the signing payload
};

struct extrinsic_def {
  uint8_t version = 0;
  uint32_t type = 0; // the UncheckedExtrinsic type (V14; 0 when absent in V15)
  uint32_t address_type = 0, call_type = 0, signature_type = 0, extra_type = 0;
  std::vector<signed_extension> extensions;
};

/// A pallet call or event resolved by name.
struct variant_ref {
  const pallet_def* pallet = nullptr;
  const variant_def* variant = nullptr;
};

class metadata {
public:
  static caf::expected<std::shared_ptr<const metadata>> parse(byte_view raw);

  uint8_t version = 0;
  std::vector<type_def> types;
  std::vector<pallet_def> pallets;
  extrinsic_def extrinsic;
  uint32_t runtime_type = 0;
  /// Outer RuntimeCall / RuntimeEvent enums and the System.Events record type.
  uint32_t call_enum_type = 0, event_enum_type = 0, event_record_type = 0;
  bool has_events = false;

  const type_def& type(uint32_t id) const { return types[id]; }
  const pallet_def* find_pallet(std::string_view name) const;
  const pallet_def* pallet_at(uint8_t index) const {
    int16_t pos = pallet_at_[index];
    return pos < 0 ? nullptr : &pallets[static_cast<size_t>(pos)];
  }
  caf::expected<variant_ref> find_call(std::string_view pallet, std::string_view call) const;
  caf::expected<variant_ref> find_event(std::string_view pallet, std::string_view event) const;
  caf::expected<const storage_entry*> find_storage(std::string_view pallet,
                                                   std::string_view item) const;
  caf::expected<const constant_def*> find_constant(std::string_view pallet,
                                                   std::string_view name) const;
  const signed_extension* find_extension(std::string_view identifier) const;

  // Indexes built at parse time (internal; read through the functions above).
  int16_t pallet_at_[256];
  std::unordered_map<std::string, size_t> pallet_by_name_;
};

using metadata_ptr = std::shared_ptr<const metadata>;

} // namespace lstaked::chain::substrate

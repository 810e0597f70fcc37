// Storage keys and constants, by pallet and item NAME.
//
// Contract: key = twox128(pallet prefix) ‖ twox128(item name) ‖ hasher_i(encode(key_i))
// for each hasher of a map, exactly as FRAME builds them. Keys are given either
// already SCALE-encoded or as canonical JSON (value.hpp) encoded through the
// metadata's key type. Pure functions; thread-safe on a shared metadata.
#pragma once

#include "chain/substrate/value.hpp"

#include <string_view>
#include <vector>

namespace lstaked::chain::substrate {

/// Appends hasher(data) (with the data itself for the *_concat and identity hashers).
void apply_hasher(storage_hasher h, byte_view data, bytes& out);

/// The key prefix of an item: twox128(pallet prefix) ‖ twox128(item).
caf::expected<bytes> storage_prefix(const metadata& md, std::string_view pallet,
                                    std::string_view item);

/// Full key from already-encoded key parts (one per hasher; none for a plain item;
/// fewer than the hashers give a prefix for iteration).
caf::expected<bytes> storage_key_encoded(const metadata& md, std::string_view pallet,
                                         std::string_view item,
                                         const std::vector<bytes>& encoded_keys);

/// Full key from canonical JSON key parts, encoded with the item's key types.
caf::expected<bytes> storage_key(const metadata& md, std::string_view pallet,
                                 std::string_view item, const std::vector<nlohmann::json>& keys);

/// Decodes a storage value (the bytes state_getStorage returns) of an item; an
/// absent value (no bytes) yields the item's default.
caf::expected<value> decode_storage_value(const metadata& md, std::string_view pallet,
                                          std::string_view item, const bytes* raw);

/// Decodes a pallet constant.
caf::expected<value> constant_value(const metadata& md, std::string_view pallet,
                                    std::string_view name);

} // namespace lstaked::chain::substrate

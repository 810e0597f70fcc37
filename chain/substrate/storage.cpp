#include "chain/substrate/storage.hpp"

#include "chain/common/hash.hpp"

namespace lstaked::chain::substrate {

void apply_hasher(storage_hasher h, byte_view data, bytes& out) {
  switch (h) {
    case storage_hasher::blake2_128:
      append(out, blake2b_128(data));
      break;
    case storage_hasher::blake2_256:
      append(out, blake2b_256(data));
      break;
    case storage_hasher::blake2_128_concat:
      append(out, blake2b_128(data));
      append(out, data);
      break;
    case storage_hasher::twox128:
      append(out, twox128(data));
      break;
    case storage_hasher::twox256:
      append(out, twox256(data));
      break;
    case storage_hasher::twox64_concat:
      append(out, twox64(data));
      append(out, data);
      break;
    case storage_hasher::identity:
      append(out, data);
      break;
  }
}

namespace {
byte_view text(std::string_view s) {
  return byte_view{reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
} // namespace

caf::expected<bytes> storage_prefix(const metadata& md, std::string_view pallet,
                                    std::string_view item) {
  auto entry = md.find_storage(pallet, item);
  if (!entry)
    return entry.error();
  bytes out;
  append(out, twox128(text(md.find_pallet(pallet)->storage_prefix)));
  append(out, twox128(text((*entry)->name)));
  return out;
}

caf::expected<bytes> storage_key_encoded(const metadata& md, std::string_view pallet,
                                         std::string_view item,
                                         const std::vector<bytes>& encoded_keys) {
  auto entry = md.find_storage(pallet, item);
  if (!entry)
    return entry.error();
  auto& e = **entry;
  if (encoded_keys.size() > e.hashers.size())
    return make_error(ec::invalid_input, std::string(pallet) + "." + std::string(item) + " takes "
                                           + std::to_string(e.hashers.size()) + " keys");
  auto out = storage_prefix(md, pallet, item);
  if (!out)
    return out;
  for (size_t i = 0; i < encoded_keys.size(); ++i)
    apply_hasher(e.hashers[i], encoded_keys[i], *out);
  return out;
}

caf::expected<bytes> storage_key(const metadata& md, std::string_view pallet,
                                 std::string_view item, const std::vector<nlohmann::json>& keys) {
  auto entry = md.find_storage(pallet, item);
  if (!entry)
    return entry.error();
  auto& e = **entry;
  if (keys.size() > e.hashers.size())
    return make_error(ec::invalid_input, std::string(pallet) + "." + std::string(item) + " takes "
                                           + std::to_string(e.hashers.size()) + " keys");
  // With one hasher the key type is the key itself; with several it is a tuple of them.
  std::vector<uint32_t> key_types;
  if (e.hashers.size() == 1) {
    key_types.push_back(e.key_type);
  } else if (!e.hashers.empty()) {
    auto& t = md.type(e.key_type);
    if (t.kind != type_kind::tuple || t.tuple.size() != e.hashers.size())
      return make_error(ec::decode_error, "storage key type is not a tuple matching its hashers");
    key_types = t.tuple;
  }
  std::vector<bytes> encoded(keys.size());
  for (size_t i = 0; i < keys.size(); ++i)
    if (auto err = encode_value(md, key_types[i], keys[i], encoded[i]))
      return err;
  return storage_key_encoded(md, pallet, item, encoded);
}

caf::expected<value> decode_storage_value(const metadata& md, std::string_view pallet,
                                          std::string_view item, const bytes* raw) {
  auto entry = md.find_storage(pallet, item);
  if (!entry)
    return entry.error();
  if (!raw) {
    if ((*entry)->optional)
      return make_error(ec::not_found, std::string(pallet) + "." + std::string(item) + " is absent");
    return decode_value(md, (*entry)->value_type, (*entry)->default_value);
  }
  return decode_value(md, (*entry)->value_type, *raw);
}

caf::expected<value> constant_value(const metadata& md, std::string_view pallet,
                                    std::string_view name) {
  auto c = md.find_constant(pallet, name);
  if (!c)
    return c.error();
  return decode_value(md, (*c)->type, (*c)->value);
}

} // namespace lstaked::chain::substrate

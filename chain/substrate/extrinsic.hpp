// Extrinsics: decoding (v4, signed and unsigned) and building signed v4 extrinsics.
//
// Contract: decoding takes the extrinsic as it appears in a block body (its
// compact length prefix included) and is strict; versions other than 4 are a
// clear ec::decode_error. The builder encodes calls from canonical JSON (see
// value.hpp) looked up by pallet and call NAME, walks the metadata's signed
// extensions in order to produce the signing payload exactly as the runtime
// does (payload > 256 bytes is blake2-256 hashed before signing) and assembles
// the signed extrinsic. Signing is delegated to a `signer` so that this code
// never touches key material. Decoded values point into the metadata.
#pragma once

#include "chain/common/hash.hpp"
#include "chain/substrate/value.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::chain::substrate {

struct mortal_era {
  uint64_t period = 0; // a power of two in [4, 65536]
  uint64_t phase = 0;  // birth block number modulo period (quantized)
};

/// Era encoding as sp_runtime defines it: 0x00 for immortal, two bytes for mortal.
bytes encode_era(const std::optional<mortal_era>& era);
/// A mortal era starting at `block_number` lasting about `period` blocks (rounded
/// up to a power of two, clamped to [4, 65536]).
mortal_era make_mortal_era(uint64_t period, uint64_t block_number);

struct decoded_call {
  const pallet_def* pallet = nullptr;
  const variant_def* call = nullptr;
  value full; // the RuntimeCall value: {Pallet: {call: {args}}}
  /// The pallet call enum value (variant whose items are the named arguments).
  const value& args() const { return full.items[0]; }
};

enum class signature_scheme : uint8_t { ed25519, sr25519, ecdsa };

struct decoded_extrinsic {
  uint8_t version = 0;
  bool is_signed = false;
  std::optional<value> address;   // e.g. MultiAddress
  std::optional<value> signature; // e.g. MultiSignature
  std::optional<signature_scheme> scheme; // from the MultiSignature variant
  bytes signer_id;                        // the 32-byte AccountId when the address is one
  std::vector<std::pair<const signed_extension*, value>> extensions;
  std::optional<mortal_era> era; // none when immortal or unsigned
  u128 nonce = 0;
  u128 tip = 0;
  decoded_call call;
  hash256 hash{}; // blake2-256 of the whole encoding (length prefix included)

  /// {"version","signed","address","signature","scheme","signer","extensions":{id: json},
  ///  "era":{"period","phase"}|"Immortal"|null, "nonce","tip","call","pallet","method","hash"}
  nlohmann::json to_json() const;
};

/// Decodes one extrinsic (with its length prefix); trailing bytes are an error.
caf::expected<decoded_extrinsic> decode_extrinsic(const metadata& md, byte_view in);
/// Same, reading from `r` (e.g. a block body's Vec<Extrinsic>).
caf::expected<decoded_extrinsic> decode_extrinsic(const metadata& md, scale_reader& r);

/// Encodes a call: pallet index, call index, arguments (canonical JSON object).
caf::expected<bytes> encode_call(const metadata& md, std::string_view pallet,
                                 std::string_view call, const nlohmann::json& args);

/// Signs on behalf of an account; implementations live in chain/sig/.
struct signer {
  signature_scheme scheme = signature_scheme::ed25519;
  bytes account_id; // 32 bytes (for ecdsa: blake2-256 of the compressed key)
  std::function<caf::expected<bytes>(byte_view payload)> sign;
};

struct tx_params {
  uint32_t nonce = 0;
  u128 tip = 0;
  std::optional<mortal_era> era; // none: immortal
  hash256 genesis_hash{};
  hash256 block_hash{}; // the era's birth block (ignored when immortal: genesis is used)
  uint32_t spec_version = 0;
  uint32_t tx_version = 0;
};

struct signing_parts {
  bytes extra;      // the signed extensions' values, as they go into the extrinsic
  bytes additional; // the implicit part, only in the payload
};

/// Encodes each signed extension of the metadata. Unknown extensions are accepted
/// only when both of their parts are empty types; otherwise an error.
caf::expected<signing_parts> encode_extensions(const metadata& md, const tx_params& p);
/// call ‖ extra ‖ additional (not yet hashed).
caf::expected<bytes> signing_payload(const metadata& md, byte_view call, const tx_params& p);
/// The signed v4 extrinsic with its length prefix, ready for author_submitExtrinsic.
caf::expected<bytes> build_signed_extrinsic(const metadata& md, byte_view call,
                                            const tx_params& p, const signer& s);

} // namespace lstaked::chain::substrate

// Verifying what the polkadot.js extension's `signRaw` produces, for any of the three schemes.
//
// Contract: thread-safe pure functions. signRaw signs `<Bytes>` ‖ message ‖ `</Bytes>`
// (polkadot-js u8aWrapBytes: a message already wrapped, or starting with Ethereum's
// "\x19Ethereum Signed Message:\n" prefix, is left as is). The wrapping is what keeps a
// signed claim from ever being a valid transaction payload, so `verify_sign_raw` accepts
// only the wrapped form; `verify_message` checks a signature over the bytes as given.
// A signer is a public key (32 bytes ed25519/sr25519, 33 bytes ecdsa), an AccountId
// (32 bytes; for ecdsa the blake2-256 of the key) or an SS58 address of either.
// A signature may also come as a SCALE MultiSignature (the scheme's variant byte first, as
// some wallets return it); the byte must name the scheme given.
// Malformed input (lengths, address) is an error; a wrong signature is `false`.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/sig/types.hpp"

#include <optional>
#include <string_view>

namespace lstaked::chain::sig {

/// polkadot-js u8aIsWrapped: `<Bytes>`…`</Bytes>` (or, with_ethereum, the Ethereum prefix).
bool is_wrapped(byte_view message, bool with_ethereum);

/// polkadot-js u8aWrapBytes.
bytes wrap_bytes(byte_view message);

/// The bare signature: `signature` itself, or without its MultiSignature variant byte
/// (64+1 bytes for ed25519/sr25519, 65+1 for ecdsa) when that byte matches `s`.
caf::expected<bytes> bare_signature(scheme s, byte_view signature);

/// Checks `signature` over `message` exactly as given.
caf::expected<bool> verify_message(scheme s, byte_view signer, byte_view message,
                                   byte_view signature);

/// Checks a signRaw signature: over wrap_bytes(message).
caf::expected<bool> verify_sign_raw(scheme s, byte_view signer, byte_view message,
                                    byte_view signature);

/// The signer given as text: "0x" hex (key or account id) or an SS58 address, whose
/// prefix must equal `expected_prefix` when set. Returns the bytes to pass as `signer`.
caf::expected<bytes> parse_signer(std::string_view text,
                                  std::optional<uint16_t> expected_prefix = std::nullopt);

} // namespace lstaked::chain::sig

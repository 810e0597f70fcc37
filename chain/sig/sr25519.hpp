// sr25519: schnorrkel's Schnorr signatures on ristretto255, Substrate's default scheme.
//
// Contract: thread-safe pure functions (each call builds its own transcript). Built from
// libsodium's ristretto255 and our merlin transcript; interoperates with schnorrkel, substrate
// and polkadot-js byte for byte: keys from a 32-byte mini secret in schnorrkel's ExpandEd25519
// mode, signing context "substrate", signatures R ‖ s with the schnorrkel marker bit
// (s[31] |= 0x80) that verification requires. Signing is randomized (a merlin witness RNG over
// the nonce, the transcript and 32 bytes of OS randomness), so two signatures of the same
// message differ: compare by verifying, never by bytes.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/secret.hpp"
#include "chain/sig/types.hpp"

#include <string_view>

namespace lstaked::chain::sig {

inline constexpr std::string_view sr25519_substrate_context = "substrate";

struct sr25519_keypair {
  public_key32 public_key{};
  secret_bytes<32> key;   // the secret scalar, reduced mod l, little-endian
  secret_bytes<32> nonce; // seed of the signing witness
};

/// Keys from a mini secret key (polkadot-js sr25519PairFromSeed, substrate's `from_seed`):
/// SHA-512 of the seed, ed25519 clamping, the scalar divided by the cofactor.
caf::expected<sr25519_keypair> sr25519_from_seed(const secret_key32& mini_secret);

/// Keys from a 64-byte secret in the ed25519-compatible form polkadot-js stores
/// (scalar × 8 ‖ nonce), e.g. a keyring pair's secretKey after derivation.
caf::expected<sr25519_keypair> sr25519_from_secret(const secret_bytes<64>& secret);

signature64 sr25519_sign(const sr25519_keypair& pair, byte_view message,
                         std::string_view context = sr25519_substrate_context);

/// Same, with the witness RNG's external entropy given: deterministic, for tests only.
signature64 sr25519_sign_with_entropy(const sr25519_keypair& pair, byte_view message,
                                      const std::array<uint8_t, 32>& entropy,
                                      std::string_view context = sr25519_substrate_context);

/// True iff `signature` (64 bytes, marker bit set, canonical s) is valid for `message`
/// under `public_key` (a valid ristretto255 encoding other than the identity, for which
/// anyone can forge).
bool sr25519_verify(const public_key32& public_key, byte_view message, byte_view signature,
                    std::string_view context = sr25519_substrate_context);

} // namespace lstaked::chain::sig

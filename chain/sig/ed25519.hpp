// ed25519 keys and signatures (libsodium), as Substrate and polkadot-js use them.
//
// Contract: thread-safe pure functions. A key pair is derived from a 32-byte seed exactly as
// polkadot-js's ed25519PairFromSeed does (RFC 8032: the seed is the secret). Messages are
// signed as given (no prehash). The secret half lives in wiping secret_bytes; never print it.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/secret.hpp"
#include "chain/sig/types.hpp"

namespace lstaked::chain::sig {

struct ed25519_keypair {
  public_key32 public_key{};
  secret_bytes<64> secret; // libsodium's form: seed ‖ public key
};

ed25519_keypair ed25519_from_seed(const secret_key32& seed);

signature64 ed25519_sign(const ed25519_keypair& pair, byte_view message);

/// True iff `signature` (64 bytes) is valid for `message` under `public_key`.
/// libsodium's strict checks apply (canonical s, no small-order keys).
bool ed25519_verify(const public_key32& public_key, byte_view message, byte_view signature);

} // namespace lstaked::chain::sig

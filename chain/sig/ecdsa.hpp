// Substrate's ecdsa scheme: secp256k1 over blake2-256 of the message.
//
// Contract: thread-safe (uses the process-wide secp256k1 context). Public keys are 33-byte
// compressed points; signatures are 65 bytes r ‖ s ‖ v, v the recovery id 0/1 (27/28 are
// accepted on input), s low. An ecdsa account's AccountId is blake2-256 of its compressed key,
// so checking a signature against an account (address) recovers the key and hashes it.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/secp256k1.hpp"
#include "chain/common/secret.hpp"
#include "chain/sig/ss58.hpp"

namespace lstaked::chain::sig {

struct ecdsa_keypair {
  public_key_compressed public_key{};
  secret_key32 secret;
};

/// polkadot-js secp256k1PairFromSeed: the seed is the secret key (error if it is 0 or ≥ n).
caf::expected<ecdsa_keypair> ecdsa_from_seed(const secret_key32& seed);

/// Signs blake2-256(message) (RFC 6979, deterministic).
caf::expected<recoverable_signature> ecdsa_sign(const ecdsa_keypair& pair, byte_view message);

/// The compressed key that made `signature` over `message`.
caf::expected<public_key_compressed> ecdsa_recover(byte_view message, byte_view signature);

/// True iff `signature` over `message` recovers to `public_key`.
bool ecdsa_verify(const public_key_compressed& public_key, byte_view message,
                  byte_view signature);

/// True iff `signature` over `message` recovers to a key whose AccountId is `account`.
bool ecdsa_verify_account(const account_id& account, byte_view message, byte_view signature);

/// blake2-256 of the compressed key: the AccountId (and SS58 payload) of an ecdsa account.
account_id ecdsa_account_id(const public_key_compressed& public_key);

} // namespace lstaked::chain::sig

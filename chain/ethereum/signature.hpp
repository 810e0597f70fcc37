// Ethereum-style signatures over a 32-byte digest: r||s||v with v = 27/28, as
// ecrecover and OpenZeppelin's ECDSA.recover take them, and the signer's address.
//
// Contract: thread-safe (uses the process-wide secp256k1 context). High-s
// signatures are refused on recovery (EIP-2), as OpenZeppelin does.
#pragma once

#include "chain/common/secp256k1.hpp"
#include "chain/ethereum/address.hpp"

namespace lstaked::chain::eth {

/// Signs `digest`; v is 27 or 28.
caf::expected<recoverable_signature> sign_digest(const hash256& digest, const secret_key32& key);

/// The address whose key made `sig` (v in {0,1} or {27,28}) over `digest`.
caf::expected<address> recover_address(const hash256& digest, byte_view sig);

/// The address of a secret key.
caf::expected<address> address_of(const secret_key32& key);

/// EIP-191 personal message hash: keccak256("\x19Ethereum Signed Message:\n" + len + msg).
hash256 personal_message_hash(byte_view message);

} // namespace lstaked::chain::eth

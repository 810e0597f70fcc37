// The claim the notary signs for PolkadotPool.claimBonds: EIP-712 over
//   Claim(address token,uint256 claimId,uint256 amount,uint256 claimBeforeBlock,address account)
// in the domain {name "PolkadotPool", version "1", chainId, verifyingContract = pool}.
// This must match CLAIM_TYPEHASH and the EIP712 constructor in
// chain/ethereum/contracts/src/PolkadotPool.sol; a test pins both strings.
//
// Contract: pure functions, thread-safe. `sign_claim` returns r||s||v with
// v = 27/28, the form OpenZeppelin's ECDSA.recover accepts.
#pragma once

#include "chain/common/secp256k1.hpp"
#include "chain/ethereum/address.hpp"
#include "chain/ethereum/eip712.hpp"
#include "chain/ethereum/u256.hpp"

namespace lstaked::chain::eth {

constexpr const char* claim_struct_name = "Claim";
constexpr const char* claim_type_string =
  "Claim(address token,uint256 claimId,uint256 amount,uint256 claimBeforeBlock,address account)";
constexpr const char* pool_domain_name = "PolkadotPool";
constexpr const char* pool_domain_version = "1";

struct claim_authorization {
  address token;            // the bond token (aKSMb) the pool mints
  u256 claim_id;            // unique per claim; the contract refuses a reuse
  u256 amount;              // in the token's base units (18 decimals)
  u256 claim_before_block;  // valid while block.number < this
  address account;          // the recipient; part of the signed message
};

eip712_domain pool_domain(const u256& chain_id, const address& pool);
hash256 claim_struct_hash(const claim_authorization& claim);
hash256 claim_digest(const eip712_domain& domain, const claim_authorization& claim);
/// The same with a domain separator computed once (it only changes with chain or pool).
hash256 claim_digest(const hash256& domain_separator, const claim_authorization& claim);
caf::expected<recoverable_signature> sign_claim(const eip712_domain& domain,
                                                const claim_authorization& claim,
                                                const secret_key32& key);

} // namespace lstaked::chain::eth

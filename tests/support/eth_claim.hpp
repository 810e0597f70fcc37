// One EIP-712 claim for tests and tools: the domain for (chainId, pool), the
// Claim struct PolkadotPool.claimBonds checks, its digest, a signature made
// with a test key, and the signer of a signature. It wraps the production code
// (chain/ethereum/claim_digest.hpp), so a test states a claim in its own words
// (0x addresses, decimal amounts) without building the codec types by hand.
//
// Contract: pure; thread-safe. Malformed addresses or keys are programmer
// errors here: they throw std::invalid_argument naming the field.
#pragma once

#include "chain/ethereum/claim_digest.hpp"
#include "tests/support/anvil.hpp"

#include <string>

namespace lstaked::test {

struct eth_claim {
  uint64_t chain_id = 31337;
  std::string pool;  // the EIP-712 verifyingContract
  std::string token; // the bond token the pool mints
  chain::eth::u256 claim_id;
  chain::eth::u256 amount; // token base units (18 decimals)
  uint64_t claim_before_block = 0;
  std::string account; // the recipient

  chain::eth::eip712_domain domain() const;
  chain::eth::claim_authorization authorization() const;
  chain::hash256 digest() const;
  /// r||s||v (v = 27/28) as 0x hex, signed with `key` (0x hex; anvil's
  /// account 0, the tests' notary, unless told).
  std::string sign(const std::string& key = anvil_key0) const;
  /// The address that made `signature` (r||s||v) over this claim.
  caf::expected<chain::eth::address> signer(chain::byte_view signature) const;
};

} // namespace lstaked::test

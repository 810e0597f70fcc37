#include "chain/ethereum/claim_digest.hpp"

#include "chain/ethereum/signature.hpp"

namespace lstaked::chain::eth {

eip712_domain pool_domain(const u256& chain_id, const address& pool) {
  return eip712_domain{pool_domain_name, pool_domain_version, chain_id, pool};
}

hash256 claim_struct_hash(const claim_authorization& claim) {
  auto h = eip712_hash_flat_struct(
    claim_struct_name, {{"token", "address", abi_value::address(claim.token)},
                        {"claimId", "uint256", abi_value::number(claim.claim_id)},
                        {"amount", "uint256", abi_value::number(claim.amount)},
                        {"claimBeforeBlock", "uint256", abi_value::number(claim.claim_before_block)},
                        {"account", "address", abi_value::address(claim.account)}});
  return *h; // cannot fail: atomic members, all in range
}

hash256 claim_digest(const eip712_domain& domain, const claim_authorization& claim) {
  return eip712_digest(eip712_domain_separator(domain), claim_struct_hash(claim));
}

caf::expected<recoverable_signature> sign_claim(const eip712_domain& domain,
                                                const claim_authorization& claim,
                                                const secret_key32& key) {
  return sign_digest(claim_digest(domain, claim), key);
}

} // namespace lstaked::chain::eth

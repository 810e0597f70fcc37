#include "chain/ethereum/claim_digest.hpp"

#include "chain/ethereum/keccak.hpp"
#include "chain/ethereum/signature.hpp"

namespace lstaked::chain::eth {

eip712_domain pool_domain(const u256& chain_id, const address& pool) {
  return eip712_domain{pool_domain_name, pool_domain_version, chain_id, pool};
}

hash256 claim_struct_hash(const claim_authorization& claim) {
  // keccak256(abi.encode(CLAIM_TYPEHASH, token, claimId, amount, claimBeforeBlock, account)),
  // exactly as PolkadotPool.claimDigest builds it: six 32-byte words. (The
  // generic eip712_hash_flat_struct gives the same; this path is the notary's
  // hot one and the test pins the two together.)
  static const hash256 type_hash = keccak256(std::string_view{claim_type_string});
  uint8_t words[6 * 32] = {};
  std::copy(type_hash.begin(), type_hash.end(), words);
  std::copy(claim.token.begin(), claim.token.end(), words + 32 + 12);
  auto put = [&](size_t slot, const u256& value) {
    auto be = value.to_be32();
    std::copy(be.begin(), be.end(), words + 32 * slot);
  };
  put(2, claim.claim_id);
  put(3, claim.amount);
  put(4, claim.claim_before_block);
  std::copy(claim.account.begin(), claim.account.end(), words + 5 * 32 + 12);
  return keccak256(byte_view{words, sizeof words});
}

hash256 claim_digest(const eip712_domain& domain, const claim_authorization& claim) {
  return claim_digest(eip712_domain_separator(domain), claim);
}

hash256 claim_digest(const hash256& domain_separator, const claim_authorization& claim) {
  return eip712_digest(domain_separator, claim_struct_hash(claim));
}

caf::expected<recoverable_signature> sign_claim(const eip712_domain& domain,
                                                const claim_authorization& claim,
                                                const secret_key32& key) {
  return sign_digest(claim_digest(domain, claim), key);
}

} // namespace lstaked::chain::eth

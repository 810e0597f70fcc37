#include "tests/support/eth_claim.hpp"

#include "chain/ethereum/signature.hpp"

#include <stdexcept>

namespace lstaked::test {

namespace {

chain::eth::address address_of(const std::string& field, const std::string& text) {
  auto a = chain::eth::parse_address(text);
  if (!a)
    throw std::invalid_argument("eth_claim: " + field + " is not an address: " + text);
  return *a;
}

} // namespace

chain::eth::eip712_domain eth_claim::domain() const {
  return chain::eth::pool_domain(chain::eth::u256{chain_id}, address_of("pool", pool));
}

chain::eth::claim_authorization eth_claim::authorization() const {
  return {address_of("token", token), claim_id, amount, chain::eth::u256{claim_before_block},
          address_of("account", account)};
}

chain::hash256 eth_claim::digest() const {
  return chain::eth::claim_digest(domain(), authorization());
}

std::string eth_claim::sign(const std::string& key) const {
  auto raw = chain::from_hex(key);
  if (!raw || raw->size() != 32)
    throw std::invalid_argument("eth_claim: the key is not 32 bytes of hex");
  auto sig = chain::eth::sign_claim(domain(), authorization(), chain::secret_key32{raw->data()});
  if (!sig)
    throw std::runtime_error("eth_claim: signing failed: " + describe(sig.error()));
  return chain::to_hex(*sig);
}

caf::expected<chain::eth::address> eth_claim::signer(chain::byte_view signature) const {
  return chain::eth::recover_address(digest(), signature);
}

} // namespace lstaked::test

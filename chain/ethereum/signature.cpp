#include "chain/ethereum/signature.hpp"

#include "chain/ethereum/keccak.hpp"

namespace lstaked::chain::eth {

caf::expected<recoverable_signature> sign_digest(const hash256& digest, const secret_key32& key) {
  auto sig = secp256k1::instance().sign(digest, key);
  if (!sig)
    return sig.error();
  (*sig)[64] += 27;
  return *sig;
}

caf::expected<address> recover_address(const hash256& digest, byte_view sig) {
  auto pub = secp256k1::instance().recover(digest, sig);
  if (!pub)
    return pub.error();
  return address_from_public_key(*pub);
}

caf::expected<address> address_of(const secret_key32& key) {
  auto pub = secp256k1::instance().public_key(key);
  if (!pub)
    return pub.error();
  return address_from_public_key(*pub);
}

hash256 personal_message_hash(byte_view message) {
  keccak256_hasher h;
  h.update(std::string_view{"\x19" "Ethereum Signed Message:\n"});
  h.update(std::to_string(message.size));
  h.update(message);
  return h.finish();
}

} // namespace lstaked::chain::eth

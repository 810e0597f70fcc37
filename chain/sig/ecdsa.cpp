#include "chain/sig/ecdsa.hpp"

#include "chain/common/hash.hpp"

#include <sodium.h>

namespace lstaked::chain::sig {

caf::expected<ecdsa_keypair> ecdsa_from_seed(const secret_key32& seed) {
  const auto& ctx = secp256k1::instance();
  auto full = ctx.public_key(seed);
  if (!full)
    return full.error();
  auto compressed = ctx.compress(*full);
  if (!compressed)
    return compressed.error();
  ecdsa_keypair pair;
  pair.public_key = *compressed;
  pair.secret = seed;
  return pair;
}

caf::expected<recoverable_signature> ecdsa_sign(const ecdsa_keypair& pair, byte_view message) {
  return secp256k1::instance().sign(blake2b_256(message), pair.secret);
}

caf::expected<public_key_compressed> ecdsa_recover(byte_view message, byte_view signature) {
  if (signature.size != 65)
    return make_error(ec::crypto_error, "ecdsa: signature must be 65 bytes");
  const auto& ctx = secp256k1::instance();
  auto full = ctx.recover(blake2b_256(message), signature);
  if (!full)
    return full.error();
  return ctx.compress(*full);
}

bool ecdsa_verify(const public_key_compressed& public_key, byte_view message,
                  byte_view signature) {
  auto recovered = ecdsa_recover(message, signature);
  return recovered && *recovered == public_key;
}

bool ecdsa_verify_account(const account_id& account, byte_view message, byte_view signature) {
  auto recovered = ecdsa_recover(message, signature);
  return recovered && ecdsa_account_id(*recovered) == account;
}

account_id ecdsa_account_id(const public_key_compressed& public_key) {
  return blake2b_256(public_key);
}

} // namespace lstaked::chain::sig

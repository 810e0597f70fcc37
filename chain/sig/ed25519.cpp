#include "chain/sig/ed25519.hpp"

#include "chain/common/hash.hpp"

#include <sodium.h>

namespace lstaked::chain::sig {

namespace {
// An empty byte_view may hold a null pointer; libsodium wants a valid one.
const uint8_t* nonnull(byte_view v) {
  static const uint8_t empty = 0;
  return v.data ? v.data : &empty;
}
} // namespace

const char* to_string(scheme s) {
  switch (s) {
    case scheme::ed25519: return "ed25519";
    case scheme::sr25519: return "sr25519";
    case scheme::ecdsa: return "ecdsa";
  }
  return "?";
}

std::optional<scheme> scheme_from_string(std::string_view name) {
  if (name == "ed25519") return scheme::ed25519;
  if (name == "sr25519") return scheme::sr25519;
  if (name == "ecdsa") return scheme::ecdsa;
  return std::nullopt;
}

ed25519_keypair ed25519_from_seed(const secret_key32& seed) {
  ensure_sodium();
  ed25519_keypair pair;
  crypto_sign_seed_keypair(pair.public_key.data(), pair.secret.data(), seed.data());
  return pair;
}

signature64 ed25519_sign(const ed25519_keypair& pair, byte_view message) {
  ensure_sodium();
  signature64 sig{};
  crypto_sign_detached(sig.data(), nullptr, nonnull(message), message.size, pair.secret.data());
  return sig;
}

bool ed25519_verify(const public_key32& public_key, byte_view message, byte_view signature) {
  ensure_sodium();
  if (signature.size != crypto_sign_BYTES)
    return false;
  return crypto_sign_verify_detached(signature.data, nonnull(message), message.size,
                                     public_key.data())
         == 0;
}

} // namespace lstaked::chain::sig

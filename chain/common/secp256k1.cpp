#include "chain/common/secp256k1.hpp"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <cstdlib>
#include <cstring>

namespace lstaked::chain {

struct secp256k1::impl {
  secp256k1_context* ctx = nullptr;
};

namespace {

// The group order n, big-endian; n/2 is the bound for a low s (EIP-2).
constexpr uint8_t half_order[32] = {
  0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

bool is_high_s(const uint8_t* s) {
  return std::memcmp(s, half_order, 32) > 0;
}

} // namespace

secp256k1::secp256k1() : impl_(new impl) {
  impl_->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  if (impl_->ctx == nullptr)
    std::abort(); // no signing context: nothing sensible to continue with
  // Randomisation blinds the signing computations against side channels; the
  // seed comes from libsodium's CSPRNG.
  ensure_sodium();
  uint8_t seed[32];
  randombytes_buf(seed, sizeof seed);
  if (secp256k1_context_randomize(impl_->ctx, seed) != 1)
    std::abort();
  sodium_memzero(seed, sizeof seed);
}

secp256k1::~secp256k1() {
  secp256k1_context_destroy(impl_->ctx);
  delete impl_;
}

const secp256k1& secp256k1::instance() {
  // A function-local static: initialised once, thread-safe (C++11 magic statics).
  static const secp256k1 object;
  return object;
}

caf::expected<recoverable_signature> secp256k1::sign(const hash256& digest,
                                                     const secret_key32& key) const {
  if (secp256k1_ec_seckey_verify(impl_->ctx, key.data()) != 1)
    return make_error(ec::crypto_error, "secret key is zero or not below the group order");
  secp256k1_ecdsa_recoverable_signature sig;
  // nullptr noncefp = RFC 6979, which libsecp256k1 uses by default; it always yields low s.
  if (secp256k1_ecdsa_sign_recoverable(impl_->ctx, &sig, digest.data(), key.data(), nullptr,
                                       nullptr)
      != 1)
    return make_error(ec::crypto_error, "secp256k1 signing failed");
  recoverable_signature out{};
  int recid = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(impl_->ctx, out.data(), &recid, &sig);
  out[64] = static_cast<uint8_t>(recid);
  return out;
}

caf::expected<public_key_uncompressed> secp256k1::recover(const hash256& digest,
                                                          byte_view sig) const {
  if (sig.size != 65)
    return make_error(ec::crypto_error,
                      "signature must be 65 bytes, got " + std::to_string(sig.size));
  int recid = sig[64];
  if (recid == 27 || recid == 28)
    recid -= 27;
  if (recid != 0 && recid != 1)
    return make_error(ec::crypto_error, "signature v must be 0, 1, 27 or 28");
  if (is_high_s(sig.data + 32))
    return make_error(ec::crypto_error, "signature has a high s (malleable)");
  secp256k1_ecdsa_recoverable_signature parsed;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(impl_->ctx, &parsed, sig.data, recid)
      != 1)
    return make_error(ec::crypto_error, "signature r or s is out of range");
  secp256k1_pubkey pubkey;
  if (secp256k1_ecdsa_recover(impl_->ctx, &pubkey, &parsed, digest.data()) != 1)
    return make_error(ec::crypto_error, "no public key recovers from this signature");
  public_key_uncompressed out{};
  size_t len = out.size();
  secp256k1_ec_pubkey_serialize(impl_->ctx, out.data(), &len, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  return out;
}

caf::expected<public_key_uncompressed> secp256k1::public_key(const secret_key32& key) const {
  secp256k1_pubkey pubkey;
  if (secp256k1_ec_pubkey_create(impl_->ctx, &pubkey, key.data()) != 1)
    return make_error(ec::crypto_error, "secret key is zero or not below the group order");
  public_key_uncompressed out{};
  size_t len = out.size();
  secp256k1_ec_pubkey_serialize(impl_->ctx, out.data(), &len, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  return out;
}

caf::expected<public_key_compressed> secp256k1::compress(byte_view pubkey) const {
  secp256k1_pubkey parsed;
  if (secp256k1_ec_pubkey_parse(impl_->ctx, &parsed, pubkey.data, pubkey.size) != 1)
    return make_error(ec::crypto_error, "not a valid secp256k1 public key");
  public_key_compressed out{};
  size_t len = out.size();
  secp256k1_ec_pubkey_serialize(impl_->ctx, out.data(), &len, &parsed, SECP256K1_EC_COMPRESSED);
  return out;
}

caf::expected<public_key_uncompressed> secp256k1::decompress(byte_view pubkey) const {
  secp256k1_pubkey parsed;
  if (secp256k1_ec_pubkey_parse(impl_->ctx, &parsed, pubkey.data, pubkey.size) != 1)
    return make_error(ec::crypto_error, "not a valid secp256k1 public key");
  public_key_uncompressed out{};
  size_t len = out.size();
  secp256k1_ec_pubkey_serialize(impl_->ctx, out.data(), &len, &parsed, SECP256K1_EC_UNCOMPRESSED);
  return out;
}

caf::error secp256k1::self_check() const {
  // A fixed key and digest; sign, recover, and compare with the derived key.
  // Catches a broken library build or a corrupted context before any money moves.
  uint8_t raw_key[32];
  for (size_t i = 0; i < 32; ++i)
    raw_key[i] = static_cast<uint8_t>(i + 1);
  secret_key32 key{raw_key};
  sodium_memzero(raw_key, sizeof raw_key);
  hash256 digest{};
  for (size_t i = 0; i < 32; ++i)
    digest[i] = static_cast<uint8_t>(0xa5 ^ i);
  auto expected_key = public_key(key);
  if (!expected_key)
    return expected_key.error();
  auto sig = sign(digest, key);
  if (!sig)
    return sig.error();
  if (is_high_s(sig->data() + 32))
    return make_error(ec::crypto_error, "self-check: signer produced a high s");
  auto recovered = recover(digest, *sig);
  if (!recovered)
    return recovered.error();
  if (*recovered != *expected_key)
    return make_error(ec::crypto_error, "self-check: recovered key differs from the signer's");
  // A different digest must not recover the same key.
  digest[0] ^= 1;
  auto other = recover(digest, *sig);
  if (other && *other == *expected_key)
    return make_error(ec::crypto_error, "self-check: signature verified for the wrong digest");
  return caf::none;
}

} // namespace lstaked::chain

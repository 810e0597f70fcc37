#include "chain/sig/sr25519.hpp"

#include "chain/common/hash.hpp"
#include "chain/sig/merlin.hpp"

#include <sodium.h>

#include <algorithm>
#include <optional>

namespace lstaked::chain::sig {

namespace {

using scalar = std::array<uint8_t, 32>;
using point = std::array<uint8_t, 32>;

// The order l of the ristretto255 group, little-endian.
constexpr scalar group_order = {0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
                                0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
                                0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};

// schnorrkel refuses signatures whose s is not reduced (s < l), else s and s + l
// would both verify (malleability).
bool is_canonical(const scalar& s) {
  for (int i = 31; i >= 0; --i) {
    if (s[i] < group_order[i])
      return true;
    if (s[i] > group_order[i])
      return false;
  }
  return false; // s == l
}

// Little-endian 256-bit shift right by 3: schnorrkel's division by the cofactor.
void divide_by_cofactor(uint8_t* s) {
  uint8_t low = 0;
  for (int i = 31; i >= 0; --i) {
    uint8_t r = s[i] & 0x07;
    s[i] = static_cast<uint8_t>((s[i] >> 3) | (low << 5));
    low = r;
  }
}

// libsodium's ristretto255 scalar multiplications refuse to return the identity
// (they report it as an error). The identity is a legitimate intermediate of a
// verification equation, encoded as 32 zero bytes, so map it back here.
// Scalars passed in are < l < 2^253: the top bit libsodium clears is always 0.
point mul_base(const scalar& k) {
  point out{};
  if (crypto_scalarmult_ristretto255_base(out.data(), k.data()) != 0)
    out.fill(0);
  return out;
}

std::optional<point> mul(const scalar& k, const point& p) {
  point out{};
  if (crypto_core_ristretto255_is_valid_point(p.data()) != 1 && p != point{})
    return std::nullopt;
  if (crypto_scalarmult_ristretto255(out.data(), k.data(), p.data()) != 0)
    out.fill(0);
  return out;
}

merlin_transcript signing_transcript(std::string_view context, byte_view message,
                                     const public_key32& public_key) {
  byte_view ctx{reinterpret_cast<const uint8_t*>(context.data()), context.size()};
  static constexpr uint8_t proto[] = {'S', 'c', 'h', 'n', 'o', 'r', 'r', '-', 's', 'i', 'g'};
  merlin_transcript t{"SigningContext"};
  t.append_message("", ctx);
  t.append_message("sign-bytes", message);
  t.append_message("proto-name", {proto, sizeof proto});
  t.append_message("sign:pk", public_key);
  return t;
}

scalar challenge_scalar(merlin_transcript& t, std::string_view label) {
  uint8_t wide[64];
  t.challenge_bytes(label, wide, sizeof wide);
  scalar k;
  crypto_core_ristretto255_scalar_reduce(k.data(), wide);
  return k;
}

caf::expected<sr25519_keypair> finish_keypair(sr25519_keypair pair) {
  scalar key;
  std::copy(pair.key.data(), pair.key.data() + 32, key.begin());
  bool ok = is_canonical(key) && key != scalar{};
  if (ok)
    pair.public_key = mul_base(key);
  sodium_memzero(key.data(), key.size());
  if (!ok || pair.public_key == point{})
    return make_error(ec::crypto_error, "sr25519: invalid secret scalar");
  return pair;
}

signature64 sign_impl(const sr25519_keypair& pair, byte_view message,
                      const std::array<uint8_t, 32>* entropy, std::string_view context) {
  ensure_sodium();
  auto t = signing_transcript(context, message, pair.public_key);
  scalar r{};
  point big_r{};
  // r is uniform mod l; r = 0 (probability 2^-252) would make R the identity, so redraw.
  do {
    auto rng = t.build_rng();
    rng.rekey_with_witness_bytes("signing", pair.nonce.view());
    if (entropy)
      rng.finalize_with(*entropy);
    else
      rng.finalize();
    uint8_t wide[64];
    rng.fill_bytes(wide, sizeof wide);
    crypto_core_ristretto255_scalar_reduce(r.data(), wide);
    sodium_memzero(wide, sizeof wide);
    big_r = mul_base(r);
  } while (big_r == point{} && entropy == nullptr);
  t.append_message("sign:R", big_r);
  scalar k = challenge_scalar(t, "sign:c");
  scalar s;
  crypto_core_ristretto255_scalar_mul(s.data(), k.data(), pair.key.data());
  crypto_core_ristretto255_scalar_add(s.data(), s.data(), r.data());
  sodium_memzero(r.data(), r.size());
  signature64 sig;
  std::copy(big_r.begin(), big_r.end(), sig.begin());
  std::copy(s.begin(), s.end(), sig.begin() + 32);
  sig[63] |= 0x80; // schnorrkel's marker: tells sr25519 from ed25519 signatures
  return sig;
}

} // namespace

caf::expected<sr25519_keypair> sr25519_from_seed(const secret_key32& mini_secret) {
  ensure_sodium();
  secret_bytes<64> h;
  crypto_hash_sha512(h.data(), mini_secret.data(), 32);
  sr25519_keypair pair;
  uint8_t* key = pair.key.data();
  std::copy(h.data(), h.data() + 32, key);
  // ed25519 clamping, then division by the cofactor: the result is in [2^251, 2^252),
  // below l, so no reduction is needed (schnorrkel's ExpandEd25519 mode).
  key[0] &= 248;
  key[31] &= 63;
  key[31] |= 64;
  divide_by_cofactor(key);
  std::copy(h.data() + 32, h.data() + 64, pair.nonce.data());
  return finish_keypair(std::move(pair));
}

caf::expected<sr25519_keypair> sr25519_from_secret(const secret_bytes<64>& secret) {
  ensure_sodium();
  sr25519_keypair pair;
  std::copy(secret.data(), secret.data() + 32, pair.key.data());
  divide_by_cofactor(pair.key.data());
  std::copy(secret.data() + 32, secret.data() + 64, pair.nonce.data());
  return finish_keypair(std::move(pair));
}

signature64 sr25519_sign(const sr25519_keypair& pair, byte_view message,
                         std::string_view context) {
  return sign_impl(pair, message, nullptr, context);
}

signature64 sr25519_sign_with_entropy(const sr25519_keypair& pair, byte_view message,
                                      const std::array<uint8_t, 32>& entropy,
                                      std::string_view context) {
  return sign_impl(pair, message, &entropy, context);
}

bool sr25519_verify(const public_key32& public_key, byte_view message, byte_view signature,
                    std::string_view context) {
  ensure_sodium();
  if (signature.size != 64)
    return false;
  if ((signature[63] & 0x80) == 0)
    return false; // not marked as schnorrkel (could be an ed25519 signature)
  point big_r;
  scalar s;
  std::copy(signature.begin(), signature.begin() + 32, big_r.begin());
  std::copy(signature.begin() + 32, signature.end(), s.begin());
  s[31] &= 0x7f;
  if (!is_canonical(s))
    return false;
  // The identity as a public key satisfies s·B − k·identity = s·B for any k, so anyone
  // could "sign" for it with R = s·B. schnorrkel accepts that key; we refuse it, which only
  // ever turns such forgeries away.
  if (public_key == point{})
    return false;
  auto t = signing_transcript(context, message, public_key);
  t.append_message("sign:R", big_r);
  scalar k = challenge_scalar(t, "sign:c");
  // R' = s·B − k·A must equal R, compared as encodings (as schnorrkel compares
  // the compressed points), so a non-canonical R never verifies.
  auto k_a = mul(k, public_key);
  if (!k_a)
    return false;
  point s_b = mul_base(s);
  point expected_r{};
  if (crypto_core_ristretto255_sub(expected_r.data(), s_b.data(), k_a->data()) != 0)
    return false;
  return sodium_memcmp(expected_r.data(), big_r.data(), 32) == 0;
}

} // namespace lstaked::chain::sig

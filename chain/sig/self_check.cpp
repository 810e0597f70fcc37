#include "chain/sig/self_check.hpp"

#include "chain/sig/ecdsa.hpp"
#include "chain/sig/ed25519.hpp"
#include "chain/sig/sr25519.hpp"
#include "chain/sig/ss58.hpp"

namespace lstaked::chain::sig {

namespace {

template <size_t N>
std::array<uint8_t, N> must_hex(std::string_view text) {
  auto raw = from_hex_fixed<N>(text);
  return raw ? *raw : std::array<uint8_t, N>{};
}

caf::error fail(const char* what) {
  return make_error(ec::crypto_error, std::string("chain/sig self-check failed: ") + what);
}

} // namespace

caf::error self_check() {
  // Answers from polkadot-js: merlin.json "deterministic"[3] (sr25519 with fixed witness
  // entropy) and ed25519.json signature 0 (key 0, empty message). Test keys only.
  {
    auto seed = must_hex<32>("0x8ba422d66eea1ac4534ee93814af73ce6449aff1ea71a34b842644d22910c5e0");
    auto entropy = must_hex<32>(
      "0x63024553a0bc220b8a31ee5a0fe7354e6f9065698104c848bc95198c1f7ce2cc");
    auto msg = from_hex("0x91c4b802cda4b9e8f872f11e3eda38dea0ef245f05c290058b81de53331be1044b");
    auto pair = sr25519_from_seed(secret_key32(seed.data()));
    if (!pair || !msg)
      return fail("sr25519 key");
    auto sig = sr25519_sign_with_entropy(*pair, *msg, entropy);
    if (to_hex(sig)
        != "0x5429d259a8d2a21af2e717479be1f3b8d73f2c8f5b7c709633f382bf188bce0939e48361d39a4088649d9a10cea13dd246460d7cd988cefcf859772271775081")
      return fail("sr25519 known answer");
    if (!sr25519_verify(pair->public_key, *msg, sig))
      return fail("sr25519 verify");
    sig[0] ^= 1;
    if (sr25519_verify(pair->public_key, *msg, sig))
      return fail("sr25519 accepts a tampered signature");
    if (!sr25519_verify(pair->public_key, *msg, sr25519_sign(*pair, *msg)))
      return fail("sr25519 randomized sign");
  }
  {
    auto seed = must_hex<32>("0x2d42218a17e1af3c7c36aa8aac478a2564031185a8f437ca02869155b3343125");
    auto pair = ed25519_from_seed(secret_key32(seed.data()));
    if (to_hex(pair.public_key)
        != "0x57deb0e935c34977905078a6576c2f0caa7d9289dc75421df8b89ee3800ab42f")
      return fail("ed25519 key");
    auto sig = ed25519_sign(pair, bytes{});
    if (to_hex(sig)
        != "0x39b1697516f3767e4c25f095ba4015ae4ab7e4006d8e122efc54b39e27ba488e8be3fc2a94e58075a5beefdd9834c63f92628dd5b7325af9104c302e4929ec09")
      return fail("ed25519 known answer");
    if (!ed25519_verify(pair.public_key, bytes{}, sig))
      return fail("ed25519 verify");
  }
  {
    auto pair = ecdsa_from_seed(secret_key32(
      must_hex<32>("0x2d42218a17e1af3c7c36aa8aac478a2564031185a8f437ca02869155b3343125").data()));
    if (!pair)
      return fail("ecdsa key");
    bytes msg{'s', 'e', 'l', 'f'};
    auto sig = ecdsa_sign(*pair, msg);
    if (!sig || !ecdsa_verify_account(ecdsa_account_id(pair->public_key), msg, *sig))
      return fail("ecdsa sign/recover");
  }
  {
    // //Alice on Kusama.
    auto alice = ss58_decode_account("HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F", ss58_kusama);
    if (!alice
        || to_hex(*alice) != "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d")
      return fail("ss58 decode");
    auto again = ss58_encode(*alice, ss58_kusama);
    if (!again || *again != "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F")
      return fail("ss58 encode");
  }
  return caf::none;
}

} // namespace lstaked::chain::sig

#include "chain/sig/keypair.hpp"

#include "chain/sig/sign_raw.hpp"
#include "vectors.hpp"

namespace lstaked::chain::sig {
namespace {

using namespace test;

TEST(keypair, secret_uris_derive_like_the_polkadot_js_keyring) {
  auto v = load_vectors("uris.json");
  size_t n = 0;
  for (const auto& k : v["keys"]) {
    auto kind = *scheme_from_string(k["scheme"].get<std::string>());
    auto uri = k["uri"].get<std::string>();
    auto pair = keypair::from_uri(kind, uri);
    ASSERT_TRUE(pair) << uri << ": " << describe(pair.error());
    EXPECT_EQ(to_hex(pair->public_key()), k["publicKey"].get<std::string>())
      << to_string(kind) << " " << uri;
    EXPECT_EQ(pair->address(ss58_kusama), k["address"].get<std::string>());
    ++n;
  }
  EXPECT_EQ(n, 51u);
}

TEST(keypair, dev_uris_use_the_dev_phrase) {
  auto v = load_vectors("uris.json");
  auto direct = keypair::from_uri(scheme::sr25519, v["devSeed"].get<std::string>() + "//Alice");
  auto dev = keypair::from_uri(scheme::sr25519, "//Alice");
  ASSERT_TRUE(direct && dev);
  EXPECT_EQ(direct->public_key(), dev->public_key());
  EXPECT_EQ(dev->address(ss58_kusama), "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F");
}

TEST(keypair, signs_verifiably_in_every_scheme) {
  bytes msg{'p', 'a', 'y', 'l', 'o', 'a', 'd'};
  for (auto kind : {scheme::ed25519, scheme::sr25519, scheme::ecdsa}) {
    auto pair = keypair::from_uri(kind, "//Alice//stash");
    ASSERT_TRUE(pair);
    auto sig = pair->sign(msg);
    ASSERT_TRUE(sig);
    EXPECT_EQ(sig->size(), kind == scheme::ecdsa ? 65u : 64u);
    EXPECT_TRUE(*verify_message(kind, pair->public_key(), msg, *sig));
    EXPECT_TRUE(*verify_message(kind, pair->account(), msg, *sig));
    auto multi = pair->sign_multi(msg);
    ASSERT_TRUE(multi);
    EXPECT_EQ((*multi)[0], static_cast<uint8_t>(kind));
    EXPECT_EQ(multi->size(), sig->size() + 1);
  }
}

TEST(keypair, refuses_what_it_does_not_support) {
  EXPECT_FALSE(keypair::from_uri(scheme::sr25519, "//Alice/soft"));
  EXPECT_FALSE(keypair::from_uri(scheme::sr25519, "bottom drive obey lake curtain smoke basket "
                                                   "hold race lonely fit walks"));
  EXPECT_FALSE(keypair::from_uri(scheme::sr25519, "0x" + std::string(64, 'a') + "///pw"));
  EXPECT_FALSE(keypair::from_uri(scheme::ed25519, "0x1234//a"));
  EXPECT_FALSE(keypair::from_uri(scheme::ed25519, "//"));
  EXPECT_FALSE(keypair::from_uri(scheme::ed25519, "//a//"));
  EXPECT_FALSE(keypair::from_uri(scheme::ecdsa, "//99999999999999999999"));
  EXPECT_FALSE(keypair::from_uri(scheme::ecdsa, ""));
}

} // namespace
} // namespace lstaked::chain::sig

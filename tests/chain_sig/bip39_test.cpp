#include "chain/sig/bip39.hpp"

#include "chain/sig/keypair.hpp"
#include "vectors.hpp"

namespace lstaked::chain::sig {
namespace {

using namespace test;

TEST(bip39, mini_secrets_match_polkadot_js) {
  auto v = load_vectors("bip39.json");
  for (const auto& c : v["valid"]) {
    auto mini = mnemonic_to_mini_secret(c["phrase"].get<std::string>(),
                                        c["password"].get<std::string>());
    ASSERT_TRUE(mini) << describe(mini.error());
    EXPECT_EQ(to_hex(mini->view()), c["miniSecret"].get<std::string>());
  }
  auto dev = mnemonic_to_mini_secret(v["devPhrase"].get<std::string>());
  ASSERT_TRUE(dev);
  EXPECT_EQ(to_hex(dev->view()), load_vectors("uris.json")["devSeed"].get<std::string>());
}

TEST(bip39, refuses_what_polkadot_js_refuses) {
  auto v = load_vectors("bip39.json");
  ASSERT_GE(v["invalid"].size(), 10u);
  for (const auto& p : v["invalid"])
    EXPECT_FALSE(mnemonic_to_entropy(p.get<std::string>())) << p;
  EXPECT_FALSE(mnemonic_to_mini_secret(v["devPhrase"].get<std::string>(), "p\xc3\xa4ss"));
}

TEST(bip39, mnemonic_uris_derive_like_the_keyring) {
  auto v = load_vectors("bip39.json");
  for (const auto& k : v["uris"]) {
    auto kind = *scheme_from_string(k["scheme"].get<std::string>());
    auto pair = keypair::from_uri(kind, k["uri"].get<std::string>());
    ASSERT_TRUE(pair) << describe(pair.error());
    EXPECT_EQ(to_hex(pair->public_key()), k["publicKey"].get<std::string>()) << k["scheme"];
    EXPECT_EQ(pair->address(ss58_kusama), k["address"].get<std::string>());
  }
}

TEST(bip39, generated_phrases_are_valid_and_distinct) {
  for (size_t words : {12u, 15u, 18u, 21u, 24u}) {
    auto a = generate_mnemonic(words);
    auto b = generate_mnemonic(words);
    ASSERT_TRUE(a && b);
    EXPECT_NE(*a, *b);
    EXPECT_EQ(static_cast<size_t>(std::count(a->begin(), a->end(), ' ')), words - 1);
    auto entropy = mnemonic_to_entropy(*a);
    ASSERT_TRUE(entropy) << words;
    EXPECT_EQ(entropy->size(), words * 4 / 3);
  }
  EXPECT_FALSE(generate_mnemonic(13));
}

} // namespace
} // namespace lstaked::chain::sig

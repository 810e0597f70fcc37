#include "chain/sig/sign_raw.hpp"

#include "chain/sig/ss58.hpp"
#include "vectors.hpp"

namespace lstaked::chain::sig {
namespace {

using namespace test;

bytes text(std::string_view s) {
  return bytes(s.begin(), s.end());
}

TEST(sign_raw, wraps_like_polkadot_js) {
  EXPECT_EQ(wrap_bytes(text("hi")), text("<Bytes>hi</Bytes>"));
  EXPECT_EQ(wrap_bytes(text("")), text("<Bytes></Bytes>"));
  EXPECT_EQ(wrap_bytes(text("<Bytes>x</Bytes>")), text("<Bytes>x</Bytes>"));
  EXPECT_EQ(wrap_bytes(text("\x19" "Ethereum Signed Message:\n5hello")),
            text("\x19" "Ethereum Signed Message:\n5hello"));
  EXPECT_EQ(wrap_bytes(text("<Bytes>")), text("<Bytes><Bytes></Bytes>"));
  EXPECT_TRUE(is_wrapped(text("<Bytes></Bytes>"), false));
  EXPECT_FALSE(is_wrapped(text("<Bytes>"), true));
}

// Signatures the polkadot-js keyring made over wrapped messages (what the extension's
// signRaw does), for //Alice, //Bob and //Dave in each scheme, checked against the
// SS58 address (Kusama prefix) and against the public key.
TEST(sign_raw, verifies_extension_signatures) {
  auto v = load_vectors("sign_raw.json");
  size_t n = 0;
  for (const auto& c : v["cases"]) {
    auto s = *scheme_from_string(c["scheme"].get<std::string>());
    auto msg = text(c["messageText"].get<std::string>());
    auto sig = hex(c["signature"]);
    auto by_address = parse_signer(c["address"].get<std::string>(), ss58_kusama);
    ASSERT_TRUE(by_address) << c["address"];
    auto by_key = parse_signer(c["publicKey"].get<std::string>());
    ASSERT_TRUE(by_key);
    auto other = parse_signer(c["otherAddress"].get<std::string>(), ss58_kusama);
    ASSERT_TRUE(other);
    std::string where = std::string(to_string(s)) + " " + c["who"].get<std::string>() + " '"
                        + c["messageText"].get<std::string>() + "'";
    EXPECT_EQ(*verify_sign_raw(s, *by_address, msg, sig), c["valid"].get<bool>()) << where;
    EXPECT_EQ(*verify_sign_raw(s, *by_key, msg, sig), c["valid"].get<bool>()) << where;
    EXPECT_EQ(*verify_sign_raw(s, *other, msg, sig), c["validForOther"].get<bool>()) << where;
    EXPECT_EQ(*verify_message(s, *by_key, msg, sig), c["validUnwrapped"].get<bool>()) << where;
    // The same signature as a SCALE MultiSignature (variant byte first) is accepted;
    // with another scheme's variant byte it is malformed.
    auto multi = sig;
    multi.insert(multi.begin(), static_cast<uint8_t>(s));
    EXPECT_EQ(*verify_sign_raw(s, *by_address, msg, multi), c["valid"].get<bool>()) << where;
    multi[0] = static_cast<uint8_t>((multi[0] + 1) % 3);
    EXPECT_FALSE(verify_sign_raw(s, *by_address, msg, multi)) << where;
    // A different message never verifies.
    auto changed = msg;
    changed.push_back('!');
    EXPECT_FALSE(*verify_sign_raw(s, *by_key, changed, sig)) << where;
    ++n;
  }
  EXPECT_EQ(n, 45u);
}

TEST(sign_raw, malformed_input_is_an_error_not_false) {
  bytes key(32, 1), sig64(64, 0), sig65(65, 0), msg = text("m");
  EXPECT_FALSE(verify_sign_raw(scheme::sr25519, bytes(31, 1), msg, sig64));
  bytes sr_multi(65, 0);
  sr_multi[0] = 1; // a MultiSignature of sr25519 is not an ed25519 signature
  EXPECT_FALSE(verify_sign_raw(scheme::ed25519, key, msg, sr_multi));
  EXPECT_FALSE(verify_sign_raw(scheme::ed25519, key, msg, bytes(66, 0)));
  EXPECT_FALSE(verify_sign_raw(scheme::sr25519, key, msg, bytes(63, 0)));
  // sig65 is a well-formed ed25519 MultiSignature (variant 0) that does not verify.
  ASSERT_TRUE(verify_sign_raw(scheme::ed25519, key, msg, sig65));
  EXPECT_FALSE(*verify_sign_raw(scheme::ed25519, key, msg, sig65));
  EXPECT_FALSE(verify_sign_raw(scheme::ecdsa, key, msg, sig64));
  EXPECT_FALSE(verify_sign_raw(scheme::ecdsa, bytes(34, 2), msg, sig65));
  EXPECT_FALSE(parse_signer("0x1234"));
  EXPECT_FALSE(parse_signer("not an address"));
  // A Polkadot address where a Kusama one is expected.
  auto v = load_vectors("ss58.json");
  EXPECT_FALSE(parse_signer(v["dev"][0]["polkadot"].get<std::string>(), ss58_kusama));
}

} // namespace
} // namespace lstaked::chain::sig

#include "chain/sig/self_check.hpp"

namespace lstaked::chain::sig {
namespace {

TEST(chain_sig, self_check_passes) {
  auto err = self_check();
  EXPECT_FALSE(err) << describe(err);
}

} // namespace
} // namespace lstaked::chain::sig

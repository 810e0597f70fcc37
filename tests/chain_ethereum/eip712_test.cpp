#include "chain/ethereum/claim_digest.hpp"
#include "chain/ethereum/eip712.hpp"
#include "chain/ethereum/keccak.hpp"
#include "chain/ethereum/signature.hpp"

#include "vectors.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

using namespace lstaked;
using namespace lstaked::chain;
using namespace lstaked::chain::eth;

namespace {

secret_key32 key_from_hex(const std::string& hex) {
  auto raw = from_hex_fixed<32>(hex);
  EXPECT_TRUE(raw);
  return secret_key32{raw->data()};
}

} // namespace

TEST(eip712, typed_data_signatures_match_cast) {
  // RFC 6979 signatures are deterministic: the same signature proves the same digest.
  auto vectors = test::load_eth_vectors("eip712.json");
  ASSERT_GE(vectors.size(), 160u);
  for (auto& v : vectors) {
    auto data = parse_typed_data(v["typed_data"]);
    ASSERT_TRUE(data) << describe(data.error());
    auto hashes = eip712_hash(*data);
    ASSERT_TRUE(hashes) << describe(hashes.error()) << "\n" << v["typed_data"].dump();
    auto key = key_from_hex(v["key"]);
    auto sig = sign_digest(hashes->digest, key);
    ASSERT_TRUE(sig);
    EXPECT_EQ(to_hex(*sig), v["signature"].get<std::string>()) << v["typed_data"].dump();
    auto signer = recover_address(hashes->digest, *from_hex(v["signature"].get<std::string>()));
    ASSERT_TRUE(signer);
    EXPECT_EQ(*signer, *address_of(key));
  }
}

TEST(eip712, claim_helper_matches_cast_and_json_path) {
  auto vectors = test::load_eth_vectors("eip712.json");
  size_t claims = 0;
  for (auto& v : vectors) {
    auto& doc = v["typed_data"];
    if (doc["primaryType"] != "Claim")
      continue;
    auto& d = doc["domain"];
    auto& m = doc["message"];
    auto domain = pool_domain(u256{d["chainId"].get<uint64_t>()},
                              *parse_address(d["verifyingContract"].get<std::string>()));
    claim_authorization claim{*parse_address(m["token"].get<std::string>()),
                              *u256::from_dec(m["claimId"].get<std::string>()),
                              *u256::from_dec(m["amount"].get<std::string>()),
                              u256{m["claimBeforeBlock"].get<uint64_t>()},
                              *parse_address(m["account"].get<std::string>())};
    auto sig = sign_claim(domain, claim, key_from_hex(v["key"]));
    ASSERT_TRUE(sig);
    EXPECT_EQ(to_hex(*sig), v["signature"].get<std::string>());
    auto via_json = eip712_hash(*parse_typed_data(doc));
    EXPECT_EQ(via_json->digest, claim_digest(domain, claim));
    EXPECT_EQ(via_json->domain_separator, eip712_domain_separator(domain));
    EXPECT_EQ(via_json->struct_hash, claim_struct_hash(claim));
    auto generic = eip712_hash_flat_struct(
      claim_struct_name, {{"token", "address", abi_value::address(claim.token)},
                          {"claimId", "uint256", abi_value::number(claim.claim_id)},
                          {"amount", "uint256", abi_value::number(claim.amount)},
                          {"claimBeforeBlock", "uint256", abi_value::number(claim.claim_before_block)},
                          {"account", "address", abi_value::address(claim.account)}});
    EXPECT_EQ(*generic, claim_struct_hash(claim));
    EXPECT_EQ(claim_digest(via_json->domain_separator, claim), via_json->digest);
    ++claims;
  }
  EXPECT_GE(claims, 100u);
}

TEST(eip712, claim_type_matches_the_contract) {
  // The digest is only useful if the pool computes the same one: pin the type
  // string and domain against PolkadotPool.sol's source.
  std::ifstream in(std::string(LSTAKED_SOURCE_DIR)
                   + "/chain/ethereum/contracts/src/PolkadotPool.sol");
  if (!in)
    GTEST_SKIP() << "PolkadotPool.sol not present";
  std::stringstream source;
  source << in.rdbuf();
  EXPECT_NE(source.str().find(std::string("keccak256(\"") + claim_type_string + "\")"),
            std::string::npos);
  EXPECT_NE(source.str().find(std::string("EIP712(\"") + pool_domain_name + "\", \""
                              + pool_domain_version + "\")"),
            std::string::npos);
}

TEST(eip712, encode_type_orders_dependencies) {
  eip712_types types = {{"Mail", {{"from", "Person"}, {"to", "Person"}, {"contents", "string"}, {"att", "Attachment[]"}}},
                        {"Person", {{"name", "string"}, {"wallet", "address"}}},
                        {"Attachment", {{"name", "string"}}}};
  EXPECT_EQ(*eip712_encode_type(types, "Mail"),
            "Mail(Person from,Person to,string contents,Attachment[] att)Attachment(string name)"
            "Person(string name,address wallet)");
}

TEST(eip712, refuses_bad_documents) {
  auto good = test::load_eth_vectors("eip712.json").at(0)["typed_data"];
  ASSERT_TRUE(eip712_hash(*parse_typed_data(good)));
  auto broken = [&](auto mutate) {
    auto doc = good;
    mutate(doc);
    auto parsed = parse_typed_data(doc);
    if (!parsed)
      return true;
    return !eip712_hash(*parsed);
  };
  EXPECT_TRUE(broken([](auto& d) { d.erase("types"); }));
  EXPECT_TRUE(broken([](auto& d) { d["primaryType"] = "Nope"; }));
  EXPECT_TRUE(broken([](auto& d) { d["message"].erase("amount"); }));
  EXPECT_TRUE(broken([](auto& d) { d["message"]["extra"] = 1; }));
  EXPECT_TRUE(broken([](auto& d) { d["message"]["amount"] = "-1"; }));
  EXPECT_TRUE(broken([](auto& d) { d["message"]["amount"] = "1.5"; }));
  EXPECT_TRUE(broken([](auto& d) { d["message"]["token"] = "0x1234"; }));
  EXPECT_TRUE(broken([](auto& d) { d["types"]["Claim"][0]["type"] = "uint7"; }));
  EXPECT_TRUE(broken([](auto& d) { d["types"]["Claim"][0]["type"] = "Missing"; }));
  EXPECT_TRUE(broken([](auto& d) { d["domain"]["chainId"] = "0x"; }));
  EXPECT_TRUE(broken([](auto& d) { d = nlohmann::json::array(); }));
}

TEST(signature, personal_messages_match_cast) {
  for (auto& v : test::load_eth_vectors("personal.json")) {
    auto msg = *from_hex(v["message_hex"].get<std::string>());
    auto sig = sign_digest(personal_message_hash(msg), key_from_hex(v["key"]));
    ASSERT_TRUE(sig);
    EXPECT_EQ(to_hex(*sig), v["signature"].get<std::string>());
  }
}

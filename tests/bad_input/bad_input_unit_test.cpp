// The pieces under the bad-input corpus: strict JSON bodies (a key given twice
// is refused, the same key in two different objects is not), strict page
// parameters, and the corpus generator itself (every documented operation gets
// cases; values the document's schema accepts are never sent as "bad").
#include "api/claim_request.hpp"
#include "api/strict_json.hpp"
#include "tests/bad_input/corpus.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>

using namespace lstaked;
namespace bi = lstaked::test::bad_input;
using nlohmann::json;

namespace {

json read_json(const std::string& path) {
  std::ifstream in{std::string(LSTAKED_SOURCE_DIR) + "/" + path};
  return json::parse(in);
}

TEST(strict_json, a_key_given_twice_in_one_object_is_refused) {
  auto twice = api::parse_json_body(R"({"extrinsic":"1-0","extrinsic":"2-0"})");
  EXPECT_FALSE(twice.ok);
  EXPECT_EQ(twice.duplicate_key, "extrinsic");
  auto nested = api::parse_json_body(R"({"a":{"b":1,"b":2}})");
  EXPECT_FALSE(nested.ok);
  EXPECT_EQ(nested.duplicate_key, "b");
}

TEST(strict_json, the_same_key_in_different_objects_and_plain_bodies_are_fine) {
  auto siblings = api::parse_json_body(R"({"a":{"k":1},"b":{"k":2},"k":[{"k":3},{"k":4}]})");
  EXPECT_TRUE(siblings.ok);
  EXPECT_TRUE(api::parse_json_body(R"({"extrinsic":"1-0"})").ok);
  EXPECT_FALSE(api::parse_json_body("{").ok);
  EXPECT_TRUE(api::parse_json_body("{").duplicate_key.empty());
}

TEST(strict_json, a_claim_request_with_a_field_twice_is_refused_duplicate_field) {
  auto parsed = api::parse_claim_request(R"({"address":"x","address":"y"})", {});
  auto* e = std::get_if<api::api_error>(&parsed);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->status, 400);
  EXPECT_EQ(e->code, "duplicate_field");
}

TEST(bad_input_corpus, every_documented_operation_gets_cases_and_no_valid_value_is_sent_as_bad) {
  auto doc = read_json("docs/openapi.json");
  auto mutations = read_json("tests/bad_input/mutations.json");
  bi::valid_values valid;
  valid.admin_token = std::string(32, 't');
  valid.fields = {{"address", "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F"},
                  {"claimId", "0x" + std::string(64, 'a')}, {"requestId", "1"}, {"limit", 10},
                  {"before", 5}, {"flow", "deposits"}, {"id", "1"}, {"status", "CREDITED"}};
  valid.bodies = {{"requestClaim", json{{"address", "x"}, {"ethAddress", "y"}, {"amount", "1"},
                                        {"nonce", "n"}, {"expiresAt", 1}, {"scheme", "sr25519"},
                                        {"signature", "0x"}}},
                  {"submitDeposit", json{{"extrinsic", "1-0"}}},
                  {"adminLogin", json{{"token", std::string(32, 't')}}},
                  {"adminLogout", json::object()},
                  {"adminPauseFlow", json{{"reason", "r"}}},
                  {"adminResumeFlow", json::object()},
                  {"adminReleasePayout", json::object()},
                  {"adminAckAlert", json::object()},
                  {"adminPublishRatio", json::object()},
                  {"adminRotateValidators", json::object()},
                  {"adminRefundDeposit", json::object()},
                  {"adminWithdrawFees", json{{"nativeAmount", "1"}}}};
  auto c = bi::build_corpus(doc, mutations, valid);
  EXPECT_TRUE(c.missing.empty()) << c.missing.front();
  std::set<std::string> covered;
  for (auto& r : c.requests)
    covered.insert(r.operation);
  for (auto& [path, item] : doc["paths"].items())
    for (auto& [method, op] : item.items())
      if (op.is_object() && op.contains("operationId"))
        EXPECT_TRUE(covered.count(op["operationId"].get<std::string>())) << path;
  // Path parameters the schema accepts are not "bad": "1" for requestId, a
  // 0x + 64 hex claim id, 10 for limit.
  size_t request_id_cases = 0;
  for (auto& r : c.requests)
    if (r.what.find(": requestId = ") != std::string::npos) {
      ++request_id_cases;
      EXPECT_NE(r.target, "/v1/unstakes/1") << r.what;
      EXPECT_NE(r.target, "/v1/unstakes/0") << r.what;
    }
  EXPECT_GT(request_id_cases, 10u);
  EXPECT_GT(c.requests.size(), 300u);
}

TEST(bad_input_corpus, schema_checks_follow_the_document) {
  auto doc = read_json("docs/openapi.json");
  json limit = {{"type", "integer"}, {"minimum", 1}, {"maximum", 500}};
  EXPECT_TRUE(bi::schema_accepts(doc, limit, "5"));
  for (auto* bad : {"5abc", " 5", "+5", "0", "501", "1e3", "", "-1"})
    EXPECT_FALSE(bi::schema_accepts(doc, limit, bad)) << bad;
  json ref = {{"$ref", "#/components/schemas/DepositSubmission"}};
  EXPECT_TRUE(bi::schema_accepts(doc, ref, json{{"extrinsic", "12-3"}}));
  EXPECT_FALSE(bi::schema_accepts(doc, ref, json{{"extrinsic", "12-3"}, {"x", 1}}));
  EXPECT_FALSE(bi::schema_accepts(doc, ref, json{{"extrinsic", 12}}));
  EXPECT_EQ(bi::percent_decode(bi::percent_encode("a b/é")), "a b/é");
}

} // namespace

// The built binary's own route list (`lstaked debug routes`, which registers
// the routes with the same add_api_routes as `lstaked run`) against
// docs/openapi.json, both ways: what ships is what is documented.
#include "tests/support/daemon.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>

using nlohmann::json;

namespace {

TEST(openapi_routes_e2e, the_binarys_route_list_is_exactly_the_documents) {
  lstaked::test::temp_dir dir;
  auto r = lstaked::test::run_process({lstaked::test::lstaked_binary(), "debug", "routes"}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto served = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(served.is_object()) << r.out;
  std::ifstream in{std::string(LSTAKED_SOURCE_DIR) + "/docs/openapi.json"};
  auto doc = json::parse(in, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());

  using route = std::pair<std::string, std::string>; // "GET /v1/claims/:claimId" as (method, pattern)
  std::set<route> documented, binary;
  for (auto& [path, item] : doc["paths"].items())
    for (auto& [method, op] : item.items()) {
      if (method == "servers" || method == "parameters" || method == "summary" || method == "description")
        continue;
      std::string m = method;
      for (auto& c : m)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert({m, std::regex_replace(path, std::regex("\\{([^}]+)\\}"), ":$1")});
    }
  for (auto* listener : {"user", "admin"})
    for (auto& x : served[listener])
      binary.insert({x["method"].get<std::string>(), x["pattern"].get<std::string>()});
  for (auto& x : binary)
    EXPECT_TRUE(documented.count(x)) << "lstaked serves " << x.first << " " << x.second
                                     << ", docs/openapi.json does not document it";
  for (auto& x : documented)
    EXPECT_TRUE(binary.count(x)) << "docs/openapi.json documents " << x.first << " " << x.second
                                 << ", lstaked does not serve it";
  EXPECT_GE(binary.size(), 14u);
}

} // namespace

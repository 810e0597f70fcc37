#include "tests/support/claim_vectors.hpp"

#include <fstream>
#include <stdexcept>

namespace lstaked::test {

nlohmann::json claim_vectors() {
  std::ifstream in{std::string{LSTAKED_TEST_SOURCE_DIR} + "/tools/vectors/claims/claim_requests.json"};
  if (!in)
    throw std::runtime_error("tools/vectors/claims/claim_requests.json is missing");
  return nlohmann::json::parse(in);
}

nlohmann::json claim_vector(const std::string& name) {
  auto all = claim_vectors();
  for (auto& r : all["requests"])
    if (r["name"] == name)
      return r;
  throw std::runtime_error("no claim vector " + name);
}

} // namespace lstaked::test

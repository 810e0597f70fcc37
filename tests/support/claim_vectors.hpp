// The claim requests polkadot-js signed for the tests
// (tools/vectors/claims/claim_requests.json; how they were made is noted in
// that file's `generatedBy`).
//
// Contract: reads the file on each call; throws if it or the name is missing.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace lstaked::test {

/// The whole file.
nlohmann::json claim_vectors();

/// One request by name: {"name", "accountId", "body", ...}.
nlohmann::json claim_vector(const std::string& name);

/// cast prints "123 [1.23e2]" for big numbers: the integer alone.
inline std::string cast_integer(const std::string& printed) {
  return printed.substr(0, printed.find(' '));
}

} // namespace lstaked::test

// JSON request bodies, parsed strictly: a key that appears twice in one
// object is refused (parsers disagree on which value wins — nlohmann keeps the
// last, others the first — so a body with both is ambiguous, and a signed
// claim must mean one thing).
//
// Contract: pure; never throws. Returns the document, or why it is refused.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace lstaked::api {

struct json_body {
  nlohmann::json value;      // discarded when not ok
  bool ok = false;
  std::string duplicate_key; // set when refused for a repeated key
};

json_body parse_json_body(const std::string& text);

} // namespace lstaked::api

// The bad-input corpus of the HTTP API, generated from data: every operation,
// parameter and body field of docs/openapi.json crossed with the bad values of
// tests/bad_input/mutations.json (missing, wrong type, empty, oversized,
// out of range, malformed hex/SS58/addresses, unicode, duplicated keys, wrong
// content type, wrong method, path traversal, query junk, bad admin tokens).
//
// Contract: pure (no I/O). A generated value that the field's own schema in
// the document accepts is not bad input and is left out, so a new route or
// field is covered as soon as it is documented. Valid values for the fields a
// case does not spoil come from `valid_values` (by parameter/field name, then
// the schema's `example`); an operation whose valid values are unknown is
// reported in `missing` rather than silently skipped.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace lstaked::test::bad_input {

using nlohmann::json;

enum class expect {
  refused,     // a 4xx JSON error, documented for the operation, nothing changed
  not_5xx,     // junk the route may ignore (2xx) or refuse (4xx), never 5xx
  status_405,  // exactly 405 method_not_allowed
  status_401,  // exactly 401 unauthorized (admin token cases)
};

struct bad_request {
  std::string what;      // one line for failure messages
  std::string operation; // operationId
  bool admin = false;    // on the admin listener
  std::string method;
  std::string target;    // path and query as sent
  bool has_content_type = false;
  std::string content_type;
  bool has_authorization = false; // admin ops: the valid token unless a token case
  std::string authorization;
  std::string body;
  expect expected = expect::refused;
};

struct valid_values {
  std::map<std::string, json> fields;     // path/query parameter or body field -> a valid value
  std::map<std::string, json> bodies;     // operationId -> a valid body (never sent as is)
  std::string admin_token;
};

struct corpus {
  std::vector<bad_request> requests;
  std::vector<std::string> missing; // what valid values the corpus lacked
};

corpus build_corpus(const json& openapi, const json& mutations, const valid_values& valid);

/// Whether `schema` (after $ref) accepts `value`: type, enum, pattern,
/// minLength/maxLength, minimum/maximum, required, properties,
/// additionalProperties, items, allOf, nullable.
bool schema_accepts(const json& openapi, const json& schema, const json& value);

/// The documented response of `operation` for `status` (null if none).
json documented_response(const json& openapi, const std::string& operation_id, int status);

std::string percent_encode(const std::string& s);
std::string percent_decode(const std::string& s);

} // namespace lstaked::test::bad_input

// POST /v1/claims bodies: strict parsing, and the exact message a wallet signs.
//
// Contract: pure functions. `parse_claim_request` accepts only the documented
// fields (unknown ones are refused), checks every field's form and range, and
// builds the message with `claim_message`; it does not check the signature
// (the notary does) nor the balance (the ledger does). Each refusal carries a
// stable code for the JSON error body (docs/claims.md lists them).
#pragma once

#include "actors/actors.hpp"

#include <string>
#include <variant>

namespace lstaked::api {

struct api_error {
  int status;
  std::string code;
  std::string message;
};

struct claim_message_fields {
  std::string address;     // SS58 as given
  std::string eth_address; // EIP-55 checksummed
  std::string amount;      // as given, e.g. "12.1234"
  uint64_t chain_id = 0;
  std::string nonce;
  int64_t expires_at = 0; // unix seconds
};

/// The text a user signs with the polkadot.js extension's signRaw.
std::string claim_message(const claim_message_fields& f);

struct claim_request_limits {
  uint16_t ss58_prefix = 2;
  uint64_t chain_id = 0;
  int64_t now = 0;             // unix seconds
  int64_t max_ttl_seconds = 3600; // how far ahead `expiresAt` may be
};

std::variant<claim_request, api_error> parse_claim_request(const std::string& body,
                                                           const claim_request_limits& limits);

} // namespace lstaked::api

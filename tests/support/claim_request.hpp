// POST /v1/claims requests for tests and tools, signed as the polkadot.js
// extension's signRaw signs them: the key signs <Bytes>message</Bytes>, the
// message built by api::claim_message from the request's fields.
//
// Contract: pure; thread-safe. (tests/stake_flow/sign_claim.mjs builds the
// same request with polkadot-js, independently of this code.)
#pragma once

#include "api/claim_request.hpp"
#include "chain/sig/keypair.hpp"

#include <nlohmann/json.hpp>

namespace lstaked::test {

struct signed_claim_request {
  api::claim_message_fields fields;
  std::string scheme;    // "sr25519", "ed25519" or "ecdsa"
  std::string message;   // what the wallet shows (signed inside <Bytes>…</Bytes>)
  chain::bytes signature;

  /// The request body the API expects.
  nlohmann::json body() const;
};

/// Signs `fields` (its `address` is the signer's SS58 address) with `key`.
caf::expected<signed_claim_request> sign_claim_request(const chain::sig::keypair& key,
                                                       const api::claim_message_fields& fields);

} // namespace lstaked::test

// The user API under /v1: claims and accounts (docs/claims.md, README).
//
// Contract: reads use a read-only SQLite connection per HTTP worker thread
// (WAL readers never block the writer); every write goes through an actor.
// Every refusal is a JSON error with a stable code and changes nothing.
#pragma once

#include "actors/actors.hpp"
#include "api/claim_request.hpp"
#include "api/http_server.hpp"

#include <optional>

namespace lstaked::api {

struct user_routes_context {
  caf::actor_system* system = nullptr;
  supervisor_actor supervisor; // hands out the current notary
  std::string database_path;
  uint16_t ss58_prefix = 2;
  uint64_t chain_id = 0;
  std::string token_address;          // checksummed, for claim bodies
  int64_t max_request_ttl_seconds = 3600;
  std::chrono::milliseconds timeout{30000};
  // claims.validity_blocks x the Ethereum slot time: how long after its
  // creation a claim's claimBeforeBlock is expected (expiresTimestamp).
  int64_t claim_validity_ms = 7200 * ethereum_slot_ms;
  static constexpr int64_t ethereum_slot_ms = 12000;
};

void add_user_routes(http_server& server, user_routes_context ctx);

/// The JSON error for a claim the notary refused (POST /v1/claims). Decided by
/// the ledger's refusal (ledger::refusal_of) or else the error's ec, never by
/// its message text: rewording a message changes no status and no code.
api_error claim_error_http(const caf::error& err);

} // namespace lstaked::api

// One unstake request under /v1 (issue #14; docs/payouts.md):
// GET /v1/unstakes/{requestId} — its state (REQUESTED, QUEUED, FUNDED,
// PAYING, PAID, HELD with the reason), amounts, recipient (SS58 and
// AccountId), the expected release time while waiting for unbonding, and the
// Kusama extrinsic id ("<block>-<index>") once PAID.
//
// Contract: read-only (a read-only SQLite connection per HTTP thread);
// requestId is the contract's decimal uint256; errors are JSON with a stable
// code (invalid_request_id 400, not_found 404).
#pragma once

#include "api/http_server.hpp"

#include <string>

namespace lstaked::api {

struct unstake_routes_context {
  std::string database_path;
  uint16_t ss58_prefix = 2;
};

void add_unstake_routes(http_server& server, unstake_routes_context ctx);

} // namespace lstaked::api

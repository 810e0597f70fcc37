// The stake side of the user API: the deposit address, a deposit looked up by
// the extrinsic a user names, and an account's deposits (docs/deposits.md).
//
// Contract: the ledger (finalized, credited by the Kusama watcher) answers
// first; only an extrinsic it does not know is looked up on the node through
// the kusama_lookup actor. A deposit found in a block that is not finalized
// yet is answered PENDING and remembered (a display hint, never a credit).
// Every refusal is a JSON error with a stable code and changes nothing. Node
// lookups in flight are bounded (max_node_lookups): beyond it the answer is
// 503 deposits_busy at once, so unknown ids cannot pile up behind a slow node.
#pragma once

#include "actors/actors.hpp"
#include "api/http_server.hpp"

#include <chrono>
#include <string>

namespace lstaked::api {

struct deposit_routes_context {
  caf::actor_system* system = nullptr;
  supervisor_actor supervisor; // hands out the lookup and the storage actor
  std::string database_path;
  uint16_t ss58_prefix = 2;
  std::string deposit_address; // SS58; empty: deposits disabled (503)
  chain::eth::u256 minimum_planck;
  std::chrono::milliseconds timeout{30000};
  // Node lookups in flight at once (more: 503 deposits_busy). Keep it below
  // the HTTP thread count, so a hung node never holds every HTTP thread.
  int max_node_lookups = 4;
};

/// The bound the daemon uses: half the HTTP threads, at least 1, at most 8.
int node_lookup_bound(uint32_t http_threads);

void add_deposit_routes(http_server& server, deposit_routes_context ctx);

/// "kusama" for prefix 2, "polkadot" for 0, "substrate" for 42, else "ss58-<n>".
std::string network_name(uint16_t ss58_prefix);

} // namespace lstaked::api

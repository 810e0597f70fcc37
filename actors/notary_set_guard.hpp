// The notary-set guard: keeps the ledger's reading of the pool's notary set
// fresh, so the notary signs claims only while no claim can reach the pool's
// threshold without a signature of this daemon (the rule and why:
// storage/ledger.hpp, "the notary set").
//
// Contract: every `poll_interval` (and at start) it reads, at the final block
// (the `finalized`/`safe` tag, or latest - confirmations), the pool's
// notaryCount(), threshold() and isNotary(a) for each address this daemon
// holds a key for, and stores the reading (ledger::record_notary_set: an alert
// when safety changes). So NotaryAdded, NotaryRemoved and ThresholdChanged take
// effect once their block is final, and claims resume by themselves when the
// set is safe again. A failed read leaves the last reading, which the notary
// stops trusting once it is older than its bound (claims.notary_set_max_age_seconds).
// Each reading first asks the node's chain id and genesis hash and is stored
// only if they are the pinned Ethereum identity (storage/chain_identity.hpp;
// pinned here if no follower pinned it yet): a foreign chain's notary set never
// decides our claims, and the last good reading goes stale instead.
// Health is ok while the last reading succeeded and is safe. It makes blocking
// JSON-RPC calls: spawned detached. It never sees a key, only addresses.
#pragma once

#include "actors/actors.hpp"
#include "actors/child_spec.hpp"
#include "chain/rpc/eth_client.hpp"
#include "config/config.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lstaked {

struct notary_set_guard_config {
  rpc::json_rpc_config rpc;           // the Ethereum node
  std::string pool_address;           // PolkadotPool
  std::vector<std::string> held;      // addresses of this daemon's notary keys
  std::string finality = "finalized"; // as ethereum.finality
  uint64_t confirmations = 12;
  std::chrono::milliseconds poll_interval{4000};
  std::chrono::milliseconds storage_timeout{30000};
};

caf::error validate(const notary_set_guard_config& cfg);

struct notary_set_guard_state {
  notary_set_guard_config cfg;
  storage_actor storage;
  std::unique_ptr<rpc::eth_client> eth;
  chain::eth::address pool{};
  std::optional<bool> safe; // of the last stored reading
  std::string detail;       // the last reading or why reading failed
  bool read_failed = false;
  static constexpr const char* name = "notary_set_guard";
};

notary_set_guard_actor::behavior_type
notary_set_guard(notary_set_guard_actor::stateful_pointer<notary_set_guard_state> self,
                 notary_set_guard_config cfg, storage_actor storage);

/// [claims] and [ethereum] -> the guard's config; absent when claims are off
/// (no notary key). Derives the addresses from the key files.
caf::expected<std::optional<notary_set_guard_config>>
make_notary_set_guard_config(const config& cfg);

/// The guard as a supervised child: its own thread, restarted with storage.
child_spec notary_set_guard_child(notary_set_guard_config cfg);

} // namespace lstaked

// The Kusama watcher: credits Balances.Transfer events to the deposit account
// from finalized Kusama (relay or Asset Hub) blocks, exactly once, in order.
//
// Contract:
// - Follows chain_getFinalizedHead only; nothing above it is read into the ledger.
// - From cursor+1 (or `start_block` without a cursor) it reads up to
//   `max_blocks_per_step` blocks: hashes, runtime versions and System.Events in
//   JSON-RPC batches; re-fetches the metadata at a block whose specVersion
//   differs from the one in use (so a runtime upgrade mid-catch-up decodes
//   with the right names). Pallet and event names come from metadata.
// - Each Balances.Transfer whose `to` is `deposit_account` is a deposit
//   keyed by (block hash, extrinsic index, event index); the step's blocks are
//   applied in ONE storage write_task with ledger::apply_kusama_block each, in
//   order. apply_kusama_block refuses a block that is not cursor+1, so a step
//   is never applied twice (a second watcher, a restart after a crash).
// - Its HTTP calls block the calling thread: spawn this actor `caf::detached`
//   (tests on the deterministic scheduler may spawn it inline: the node
//   answers quickly and the test steps the scheduler).
// - Not yet: extrinsic hashes (empty), staking events of the pool's accounts,
//   metrics, websocket subscriptions.
#pragma once

#include "actors/actors.hpp"
#include "chain/rpc/json_rpc_client.hpp"
#include "chain/substrate/metadata.hpp"
#include "storage/ledger.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace lstaked {

// Local until the lead moves it into actors.hpp (CAF_ADD_ATOM there).
using ksm_status_atom = caf::atom_constant<caf::atom("ksmstatus")>;
constexpr ksm_status_atom ksm_status_atom_v{};

/// What the watcher knows, for the console and tests.
struct kusama_watcher_status {
  bool has_cursor = false;
  uint64_t cursor = 0;        // last applied block (valid if has_cursor)
  std::string cursor_hash;
  uint64_t finalized = 0;     // last seen finalized head number
  uint64_t lag = 0;           // finalized - cursor
  uint32_t spec_version = 0;  // runtime whose metadata is in use
  uint64_t blocks_applied = 0;   // since start
  uint64_t deposits_applied = 0; // since start (credited or below minimum)
  std::string last_error;     // empty when the last step succeeded
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kusama_watcher_status& x) {
  return f(caf::meta::type_name("kusama_watcher_status"), x.has_cursor, x.cursor, x.cursor_hash,
           x.finalized, x.lag, x.spec_version, x.blocks_applied, x.deposits_applied,
           x.last_error);
}

/// Credits KSM deposits from finalized Kusama blocks. (actors/kusama_watcher.hpp)
using kusama_watcher_actor = caf::typed_actor<
  // Internal timer (and a nudge from tests): read the next blocks if any.
  caf::reacts_to<tick_atom>,
  // Cursor, finalized head, lag, runtime, counters.
  caf::replies_to<ksm_status_atom>::with<kusama_watcher_status>>::extend_with<health_protocol>;

struct kusama_watcher_config {
  rpc::json_rpc_config rpc;               // the node (url, timeouts, retries)
  std::string deposit_account;            // AccountId32, 0x + 64 hex
  uint64_t start_block = 1;               // first block read when there is no cursor
  ledger::u256 minimum_planck;            // deposits below it are BELOW_MINIMUM
  uint64_t max_blocks_per_step = 64;      // blocks per storage transaction
  std::chrono::milliseconds poll_interval{3000};      // when caught up
  std::chrono::milliseconds error_backoff{1000};      // first retry after a failure
  std::chrono::milliseconds max_error_backoff{60000}; // doubled up to this
  std::chrono::milliseconds storage_timeout{30000};
};

caf::error validate(const kusama_watcher_config& cfg);

/// The deposits among a block's System.Events (SCALE bytes, as state_getStorage
/// returns them) under metadata `md`: Balances.Transfer to `deposit_account`.
caf::expected<std::vector<ledger::kusama_deposit>>
find_deposits(const chain::substrate::metadata& md, chain::byte_view events,
              const chain::bytes& deposit_account, uint64_t block_number,
              const std::string& block_hash);

struct kusama_watcher_state {
  kusama_watcher_config cfg;
  storage_actor storage;
  std::unique_ptr<rpc::json_rpc_client> client;
  chain::bytes deposit_account;           // 32 bytes
  chain::substrate::metadata_ptr md;      // of runtime `spec_version`
  uint32_t spec_version = 0;
  std::string events_key;                 // System.Events storage key, 0x-hex
  bool loaded = false;                    // cursor read from storage
  std::optional<ledger::kusama_block_ref> cursor;
  uint64_t finalized = 0;
  bool busy = false;                      // a storage task is in flight
  bool tick_armed = false;
  std::string last_error;
  std::chrono::milliseconds backoff{0};
  uint64_t blocks_applied = 0;
  uint64_t deposits_applied = 0;
  static constexpr const char* name = "kusama_watcher";
};

kusama_watcher_actor::behavior_type
kusama_watcher(kusama_watcher_actor::stateful_pointer<kusama_watcher_state> self,
               kusama_watcher_config cfg, storage_actor storage);

} // namespace lstaked

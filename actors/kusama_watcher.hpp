// The Kusama watcher: credits Balances.Transfer events to the deposit account
// from finalized Kusama (relay or Asset Hub) blocks, exactly once, in order,
// and records the staking events of the pool's accounts.
//
// Contract:
// - Follows chain_getFinalizedHead only; nothing above it is read into the ledger.
// - From cursor+1 (without a cursor: `start_block`, or with `start_block = 0`
//   the finalized head seen at first start) it reads up to
//   `max_blocks_per_step` blocks: their hashes in one JSON-RPC batch, then
//   bodies (chain_getBlock) and System.Events in a second, with the runtime
//   versions at the step's two ends. A block's events are decoded with the
//   metadata of its PARENT's runtime (the one that executed it, as
//   polkadot-js' api.at does); a step that crosses a runtime upgrade asks for
//   every parent's version and fetches the new metadata once per specVersion.
//   Pallet and event names come from metadata. The finalized head is re-read
//   only when the last one seen would cut a step short.
// - Each Balances.Transfer whose `to` is `deposit_account` is a deposit
//   keyed by (block hash, extrinsic index, event index), with the extrinsic's
//   hash (blake2-256 of its SCALE bytes, length prefix included: polkadot-js'
//   `tx.hash`). Staking.{Bonded,Unbonded,Withdrawn,Rewarded,Slashed} of the
//   deposit account or a `pool_accounts` entry are staking events. A step's
//   blocks are applied in ONE storage write_task: apply_kusama_block and
//   record_staking_events per block, in order. apply_kusama_block refuses a
//   block that is not cursor+1, so a step is never applied twice (a second
//   watcher, a restart after a crash).
// - Pipelined: while a step's write_task is in flight the next step's blocks
//   are fetched; they are applied only after that commit, and dropped (re-read
//   from the stored cursor) if it fails.
// - Progress: every `progress_interval` (5 s) during catch-up a log line
//   "kusama catch-up: block X of Y (Z left, N blocks/s, ETA …)"; the
//   lstaked_kusama_* metrics (cursor, finalized, lag, blocks/s, ETA, blocks
//   applied, deposits by status, staking events, RPC errors) after each step.
// - Its HTTP calls block the calling thread: spawn this actor `caf::detached`
//   (tests on the deterministic scheduler may spawn it inline: the node
//   answers quickly and the test steps the scheduler).
#pragma once

#include "actors/actors.hpp"
#include "actors/child_spec.hpp"
#include "chain/rpc/json_rpc_client.hpp"
#include "chain/substrate/events.hpp"
#include "chain/substrate/metadata.hpp"
#include "config/config.hpp"
#include "storage/kusama_ledger.hpp"
#include "storage/ledger.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lstaked {



struct kusama_watcher_config {
  rpc::json_rpc_config rpc;               // the node (url, timeouts, retries)
  std::string deposit_account;            // AccountId32, 0x + 64 hex
  std::vector<std::string> pool_accounts; // 0x + 64 hex: stashes whose staking events are kept
                                          // (the deposit account counts too)
  // First block read when there is no cursor; 0: the finalized head seen at
  // first start (nothing before it is read).
  uint64_t start_block = 1;
  ledger::u256 minimum_planck;            // deposits below it are BELOW_MINIMUM
  uint64_t max_blocks_per_step = 64;      // blocks per storage transaction
  std::chrono::milliseconds poll_interval{3000};      // when caught up
  std::chrono::milliseconds error_backoff{1000};      // first retry after a failure
  std::chrono::milliseconds max_error_backoff{60000}; // doubled up to this
  std::chrono::milliseconds storage_timeout{30000};
  std::chrono::milliseconds progress_interval{5000}; // catch-up log line and rate window
};

caf::error validate(const kusama_watcher_config& cfg);

// ---- shared with the extrinsic lookup (actors/kusama_lookup.hpp) ----------

namespace kusama {

/// A header number or specVersion: "0x1a" or a JSON number.
caf::expected<uint64_t> parse_number(const nlohmann::json& j);

/// What decoding a runtime's blocks needs, built once per specVersion.
struct runtime {
  uint32_t spec_version = 0;
  chain::substrate::metadata_ptr md;
  chain::substrate::event_selector selected; // Balances.Transfer, Staking.* kept
};
using runtime_ptr = std::shared_ptr<const runtime>;

/// Runtimes by specVersion, fetched (state_getMetadata at a block of that
/// runtime) the first time one is seen. Not thread-safe: one per actor.
class runtime_cache {
public:
  /// The runtime of `block_hash`, whose state_getRuntimeVersion answer is `version`.
  caf::expected<runtime_ptr> at(rpc::json_rpc_client& client, const std::string& block_hash,
                                const nlohmann::json& version);
  size_t size() const { return by_spec_.size(); }

private:
  std::map<uint32_t, runtime_ptr> by_spec_;
};

/// The System.Events storage key, 0x-hex (twox128("System") ‖ twox128("Events"):
/// FRAME's layout, the same in every runtime, so it is read in the same batch
/// as the runtime version).
const std::string& events_key();

/// The number of the header at `hash` (null: the best head).
caf::expected<uint64_t> header_number(rpc::json_rpc_client& client, const nlohmann::json& hash);

/// The finalized head's number.
caf::expected<uint64_t> finalized_number(rpc::json_rpc_client& client);

/// blake2-256 of an extrinsic's SCALE bytes (the hex chain_getBlock lists,
/// length prefix included), 0x-hex: what polkadot-js calls `tx.hash`.
caf::expected<std::string> extrinsic_hash(const std::string& extrinsic_hex);

/// The hashes (extrinsic_hash) of every extrinsic of a chain_getBlock answer,
/// in block order.
caf::expected<std::vector<std::string>> extrinsic_hashes(const nlohmann::json& signed_block);

/// What the watcher and the lookup read from one block's System.Events.
struct block_scan {
  std::vector<ledger::kusama_deposit> deposits;      // Balances.Transfer to the deposit account
  std::vector<ledger::staking_event> staking_events; // of the watched accounts
  std::map<uint32_t, bool> extrinsic_success;        // ExtrinsicSuccess / ExtrinsicFailed
};

/// Decodes a block's System.Events (SCALE bytes, as state_getStorage returns
/// them; empty = no events) under `rt`. Deposits are transfers to
/// `deposit_account` inside an extrinsic (extrinsic_hash left empty);
/// staking events are those whose stash is one of `stashes`.
caf::expected<block_scan> scan_events(const runtime& rt, chain::byte_view events,
                                      const chain::bytes& deposit_account,
                                      const std::vector<chain::bytes>& stashes,
                                      const ledger::kusama_block_ref& block);

/// Hex string -> bytes; a JSON null (absent storage) -> no bytes.
caf::expected<chain::bytes> hex_or_null(const nlohmann::json& j, const char* what);

/// "0x" + 64 hex -> 32 bytes, else ec::invalid_config naming `what`.
caf::expected<chain::bytes> account_id(const std::string& hex, const std::string& what);

} // namespace kusama

/// One finalized block as read from the node, ready for the ledger.
struct kusama_fetched_block {
  ledger::kusama_block_ref ref;
  std::vector<ledger::kusama_deposit> deposits;
  std::vector<ledger::staking_event> staking_events;
};

struct kusama_watcher_state {
  kusama_watcher_config cfg;
  storage_actor storage;
  std::unique_ptr<rpc::json_rpc_client> client;
  chain::bytes deposit_account;           // 32 bytes
  std::vector<chain::bytes> stashes;      // deposit account + pool accounts, 32 bytes each
  kusama::runtime_cache runtimes;
  uint32_t spec_version = 0;              // of the last block read
  bool loaded = false;                    // cursor read from storage
  std::optional<ledger::kusama_block_ref> cursor;
  std::optional<uint64_t> first_block;    // start_block = 0: fixed at the first step
  uint64_t finalized = 0;
  bool busy = false;                      // a storage task is in flight
  uint64_t in_flight_last = 0;            // last block of that task
  // Blocks fetched while a task was in flight; applied after it commits.
  std::optional<std::vector<kusama_fetched_block>> prefetched;
  bool tick_armed = false;
  std::string last_error;
  std::chrono::milliseconds backoff{0};
  uint64_t blocks_applied = 0;
  uint64_t deposits_applied = 0;
  uint64_t staking_events_applied = 0;
  // Progress: rate over windows of progress_interval.
  std::chrono::steady_clock::time_point window_start{};
  uint64_t window_blocks = 0;
  double blocks_per_second = 0;
  static constexpr const char* name = "kusama_watcher";
};

kusama_watcher_actor::behavior_type
kusama_watcher(kusama_watcher_actor::stateful_pointer<kusama_watcher_state> self,
               kusama_watcher_config cfg, storage_actor storage);

/// [kusama] -> the watcher's config; absent when kusama.deposit_address is empty.
caf::expected<std::optional<kusama_watcher_config>> make_kusama_watcher_config(const config& cfg);

/// The watcher as a supervised child: its own thread, restarted with storage.
child_spec kusama_watcher_child(kusama_watcher_config cfg);

} // namespace lstaked

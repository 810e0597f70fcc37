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
// - Continuity: a step is applied only if its first block's parent hash (read
//   with the step's hashes) is the stored cursor's hash; otherwise the chain
//   broke below finality: a critical alert, the flows depending on Kusama
//   paused, and the watcher halts (status and health say so) until an
//   operator restarts it.
// - Identity (issue #19): the node's genesis hash, chain name, SS58 prefix and
//   token decimals are read with every finalized head (one batch) and pinned
//   at first start; another chain halts the follower with a critical alert
//   and the Kusama-dependent flows paused until the pinned chain is back
//   (actors/chain_follower.hpp). Inside a step every block's header must name
//   the block before it as its parent, else nothing of the step is applied.
// - Pipelined: while a step's write_task is in flight the next step's blocks
//   are fetched and decoded on the RPC worker; they are applied only after
//   that commit, and dropped (re-read from the stored cursor) if it fails.
// - It runs on the chain follower (actors/chain_follower.hpp): cursor, steps,
//   pipelining, continuity, halting, timers, progress and the per-block hooks
//   are the follower's; this file holds the Kusama reader (hashes, bodies,
//   events, runtimes) and applier (apply_kusama_block, staking events).
// - Progress: every `progress_interval` (5 s) during catch-up a log line
//   "kusama catch-up: block X of Y (Z left, N blocks/s, ETA …)"; the
//   lstaked_kusama_* metrics (cursor, finalized, lag, blocks/s, ETA, blocks
//   applied, deposits by status, staking events, RPC errors) after each step.
// - Its HTTP calls block, so they run on a linked RPC worker actor (detached:
//   its own thread); the watcher stays responsive to status and health and
//   may be spawned either way. Tests set `detached_rpc_worker = false` so the
//   deterministic scheduler runs everything inline.
#pragma once

#include "actors/actors.hpp"
#include "actors/chain_follower.hpp"
#include "actors/child_spec.hpp"
#include "actors/kusama_reader.hpp"
#include "chain/rpc/substrate_client.hpp"
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
  bool detached_rpc_worker = true;        // false only in deterministic tests
  // Run for every applied block (its extrinsic hashes, deposits and staking
  // events) in the step's transaction (actors/chain_follower.hpp).
  std::vector<follower::block_hook> hooks;
};

caf::error validate(const kusama_watcher_config& cfg);

struct kusama_watcher_state {
  /// The mechanism: cursor, windows, pipelining, continuity, timers, halting.
  std::unique_ptr<follower::chain_follower> follower;
  /// The Kusama part on the watcher's side (the runtime in use, for status).
  std::shared_ptr<follower::chain_applier> applier;
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

// The Ethereum watcher: applies PolkadotPool's events from finalized blocks to
// the ledger, exactly once, in order.
//
// Contract:
// - Follows a final head: the node's `finalized` (or `safe`) tag, or
//   `latest - confirmations` for chains without the tag. Nothing above it is
//   ever read into the ledger.
// - Reads the pool's BondsClaimed and TokensBurned logs from cursor+1 in
//   adaptive windows (doubled after a full window succeeds, halved when the
//   node says "too many results" or times out, or when a window carried more
//   than `target_events_per_window` events) and applies each window with
//   storage write_tasks: ledger::apply_eth_batch stores the events, the kept
//   block hashes and the new cursor in one transaction. A window carrying
//   more than `target_events_per_window` events goes in parts cut at block
//   boundaries (each part ends at a block with events, its hash from the
//   logs; the last at the window's end), so the first parts commit while the
//   rest is decoded and no transaction holds the storage actor for long.
//   Each task first checks that the stored cursor is where the previous part
//   or window ended, so nothing is applied twice or skipped (even by a second
//   watcher or after a crash).
// - Pipelined: as soon as a window's answer is in (its end block known), the
//   next window is read on the RPC worker while this one is decoded here and
//   committed by storage; at most `max_inflight` windows are read and not yet
//   committed. A failed part or window drops whatever was read after it and
//   re-reads the cursor from storage.
// - Before each window it compares the chain's block at the cursor with the
//   stored hash (and the window's first block's parent with it). A different
//   hash is a reorg below finality: it raises a critical alert, pauses the
//   `claims` and `payouts` flows, and halts (no more windows) until restarted
//   by an operator.
// - The first start without a cursor begins at `start_block` (the pool's
//   deploy block).
// - Identity (issue #19): the chain id and the genesis block's hash are read
//   with every head (same batch) and pinned at first start; a node with
//   another chain id than `chain_id` (when set) or than the pin, or another
//   genesis, halts the watcher with a critical alert and `claims`/`payouts`
//   paused until the pinned chain is back (actors/chain_follower.hpp).
// - It runs on the chain follower (actors/chain_follower.hpp): cursor,
//   windows, pipelining, continuity, halting, timers and the per-block hooks
//   are the follower's; this file holds the Ethereum reader (heads, logs and
//   the window's two headers) and applier (decoding, parts, window size).
// - Its HTTP calls block, so they run on a linked RPC worker actor (detached:
//   its own thread); the watcher itself stays responsive to status and health
//   and may be spawned either way. Tests set `detached_rpc_worker = false` so
//   the deterministic scheduler runs everything inline.
#pragma once

#include "actors/actors.hpp"
#include "actors/chain_follower.hpp"
#include "actors/child_spec.hpp"
#include "chain/rpc/eth_client.hpp"
#include "chain/ethereum/event.hpp"
#include "config/config.hpp"
#include "storage/chain_identity.hpp"
#include "storage/ledger.hpp"
#include "storage/ratio_ledger.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace lstaked {

struct eth_watcher_config {
  rpc::json_rpc_config rpc;                   // the node (url, timeouts, retries)
  std::string pool_address;                   // PolkadotPool, 0x + 40 hex
  std::string token_address;                  // aKSMb (its RatioUpdated); empty: not read
  uint64_t chain_id = 0;                      // refuse a node reporting another (0: the pin alone)
  uint64_t start_block = 0;                   // first block read when there is no cursor
  std::string finality = "finalized";         // "finalized" | "safe" | "confirmations"
  uint64_t confirmations = 12;                // used when finality == "confirmations"
  std::chrono::milliseconds poll_interval{4000};       // when caught up
  std::chrono::milliseconds error_backoff{1000};       // first retry after a failure
  std::chrono::milliseconds max_error_backoff{60000};  // doubled up to this
  uint64_t initial_window = 1000;             // blocks per eth_getLogs
  uint64_t max_window = 10000;
  // Events per window the watcher aims for: a window that returned more is
  // halved, one that returned under half of it (and was full) doubles. Keeps
  // each ledger transaction short, since the storage actor is every writer's
  // queue (a notary claim waits behind a window's commit).
  uint64_t target_events_per_window = 2000;
  std::chrono::milliseconds storage_timeout{30000};
  bool detached_rpc_worker = true;            // false only in deterministic tests
  // Run for every applied block (its pool logs) in the window's transaction
  // (actors/chain_follower.hpp).
  std::vector<follower::block_hook> hooks;
};

caf::error validate(const eth_watcher_config& cfg);

/// The pool events the watcher applies (signatures as in PolkadotPool.sol).
const chain::eth::event_abi& bonds_claimed_event();
const chain::eth::event_abi& tokens_burned_event();

/// aKSMb's RatioUpdated (signature as in aKSMb.sol).
const chain::eth::event_abi& ratio_updated_event();
/// Decodes one aKSMb RatioUpdated log.
caf::expected<ledger::ratio_updated_event> decode_ratio_updated(const rpc::eth_log& log);

/// Decodes one pool log into `batch` (claims or burns). Refuses other topics.
caf::error decode_pool_log(const rpc::eth_log& log, ledger::eth_batch& batch);

/// What makes an Ethereum node this chain (storage/chain_identity.hpp): its
/// chain id and its genesis block (as eth_getBlockByNumber(0) answered).
/// Shared by the watcher and the notary-set guard, so both pin and compare
/// the same fields.
caf::expected<ledger::chain_identity>
ethereum_identity(uint64_t chain_id,
                  const caf::expected<std::optional<rpc::eth_block_header>>& genesis);

struct eth_watcher_state {
  /// The mechanism: cursor, windows, pipelining, timers, halting.
  std::unique_ptr<follower::chain_follower> follower;
  /// The Ethereum part on the watcher's side (decoding, window size).
  std::shared_ptr<follower::chain_applier> applier;
  static constexpr const char* name = "eth_watcher";
};

eth_watcher_actor::behavior_type eth_watcher(eth_watcher_actor::stateful_pointer<eth_watcher_state> self,
                                             eth_watcher_config cfg, storage_actor storage);

/// [ethereum] -> the watcher's config; absent when ethereum.pool_address is empty.
caf::expected<std::optional<eth_watcher_config>> make_eth_watcher_config(const config& cfg);

/// The watcher as a supervised child: its own thread, restarted with storage.
child_spec eth_watcher_child(eth_watcher_config cfg);

} // namespace lstaked

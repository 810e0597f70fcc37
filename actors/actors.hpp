// How the whole system talks: every atom, message type and actor interface.
//
// Reading this file should tell a newcomer which actors exist and what each
// one answers. One `typed_actor` alias per role; shared protocols are
// composed with `extend_with`. Implementations live in one header/source
// pair per actor (see each alias's comment for where).
#pragma once

#include "chain/common/error.hpp"
#include "chain/ethereum/u256.hpp"
#include "storage/ledger.hpp"
#include "storage/write_task.hpp"

#include <caf/all.hpp>
#include <caf/type_id.hpp>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

CAF_BEGIN_TYPE_ID_BLOCK(lstaked, caf::first_custom_type_id)
  CAF_ADD_ATOM(lstaked, lstaked, tick_atom, "tick")
  CAF_ADD_ATOM(lstaked, lstaked, health_atom, "health")
  CAF_ADD_ATOM(lstaked, lstaked, status_atom, "status")
  CAF_ADD_ATOM(lstaked, lstaked, write_atom, "write")
  CAF_ADD_ATOM(lstaked, lstaked, checkpoint_atom, "checkpoint")
  CAF_ADD_ATOM(lstaked, lstaked, storage_atom, "storage")
  CAF_ADD_ATOM(lstaked, lstaked, shutdown_atom, "shutdown")
  CAF_ADD_ATOM(lstaked, lstaked, restart_atom, "restart")
  CAF_ADD_ATOM(lstaked, lstaked, claim_atom, "claim")
  CAF_ADD_ATOM(lstaked, lstaked, eth_head_atom, "ethhead")
  CAF_ADD_ATOM(lstaked, lstaked, notary_atom, "notary")
  CAF_ADD_ATOM(lstaked, lstaked, kusama_lookup_atom, "ksmlkp")
  CAF_ADD_ATOM(lstaked, lstaked, lookup_atom, "lookup")
  CAF_ADD_ATOM(lstaked, lstaked, publish_atom, "publish")
CAF_END_TYPE_ID_BLOCK(lstaked)

namespace lstaked {

/// What an actor says about itself when asked for health.
struct actor_health {
  std::string name;   // role name, e.g. "storage"
  bool ok = false;    // false while failed or restarting
  std::string detail; // one line for the console
  uint64_t mailbox = 0;
  uint64_t restarts = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_health& x) {
  return f(caf::meta::type_name("actor_health"), x.name, x.ok, x.detail, x.mailbox, x.restarts);
}

/// A user's claim request, parsed and checked for form by the API; the
/// notary verifies its signature. See docs/claims.md for the message format.
struct claim_request {
  std::string address;       // the Kusama address as the user gave it (SS58)
  std::string account;       // its AccountId, 0x + 64 hex
  uint8_t scheme = 0;        // chain::sig::scheme of the signature
  std::vector<uint8_t> signer;    // what verifies: AccountId (or ecdsa key)
  std::string eth_address;   // recipient, 0x + 40 lower-case hex
  chain::eth::u256 amount_planck;
  std::string amount_text;   // as the user wrote it (shown in the message)
  std::string nonce;
  int64_t expires_at = 0;    // unix seconds
  std::string message;       // the exact text the wallet signed (before <Bytes>)
  std::vector<uint8_t> signature;
};

} // namespace lstaked

// These carry closures or big integers and only travel between local actors.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(lstaked::write_task)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(lstaked::claim_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(lstaked::ledger::claim_record)

namespace lstaked {

/// Anything that can report its health.
using health_protocol = caf::typed_actor<
  // Name, whether it works, mailbox size.
  caf::replies_to<health_atom>::with<actor_health>>;

/// The only read-write SQLite connection; its mailbox is the write queue, so
/// SQLITE_BUSY never happens. (actors/storage_actor.hpp)
using storage_actor = caf::typed_actor<
  // Runs the task in one transaction; replies with the commit's sequence number.
  caf::replies_to<write_atom, write_task>::with<uint64_t>,
  // Checkpoints the WAL into the database file (TRUNCATE); replies with frames moved.
  caf::replies_to<checkpoint_atom>::with<int64_t>>::extend_with<health_protocol>;

/// Verifies users' claim requests, reserves the amount and signs EIP-712
/// claims for PolkadotPool; the claim is stored (FULL sync) before the reply.
/// (actors/notary.hpp)
using notary_actor = caf::typed_actor<
  // A checked request -> the stored, signed claim (or the same claim again).
  caf::replies_to<claim_atom, claim_request>::with<ledger::claim_record>,
  // The latest Ethereum block number seen (claimBeforeBlock is counted from it).
  caf::reacts_to<eth_head_atom, uint64_t>,
  // The storage actor to use from now on (sent again after a storage restart).
  caf::reacts_to<storage_atom, storage_actor>>::extend_with<health_protocol>;

/// What the Ethereum watcher knows, for the console and tests.
struct eth_watcher_status {
  bool has_cursor = false;
  uint64_t cursor = 0;          // last applied block (valid if has_cursor)
  std::string cursor_hash;
  uint64_t final_head = 0;      // last seen finalized (or confirmed) head
  uint64_t lag = 0;             // final_head - cursor
  uint64_t window = 0;          // current eth_getLogs window, in blocks
  uint64_t windows_applied = 0; // since start
  uint64_t logs_applied = 0;    // since start
  bool halted = false;          // reorg below finality (or wrong chain): stopped
  std::string last_error;       // empty when the last step succeeded
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, eth_watcher_status& x) {
  return f(caf::meta::type_name("eth_watcher_status"), x.has_cursor, x.cursor, x.cursor_hash,
           x.final_head, x.lag, x.window, x.windows_applied, x.logs_applied, x.halted,
           x.last_error);
}

/// Follows PolkadotPool's events on finalized Ethereum blocks. (actors/eth_watcher.hpp)
using eth_watcher_actor = caf::typed_actor<
  // Internal timer (and a nudge from tests): read the next window if any.
  caf::reacts_to<tick_atom>,
  // Cursor, final head, lag, window, halted.
  caf::replies_to<status_atom>::with<eth_watcher_status>>::extend_with<health_protocol>;

/// What the Kusama watcher knows, for the console and tests.
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
  uint64_t staking_events_applied = 0; // since start
  double blocks_per_second = 0; // applied, over the last progress window (0 when caught up)
  uint64_t eta_seconds = 0;     // lag / blocks_per_second (0 when caught up or unknown)
  bool halted = false;          // the chain broke below finality: stopped
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kusama_watcher_status& x) {
  return f(caf::meta::type_name("kusama_watcher_status"), x.has_cursor, x.cursor, x.cursor_hash,
           x.finalized, x.lag, x.spec_version, x.blocks_applied, x.deposits_applied,
           x.last_error, x.staking_events_applied, x.blocks_per_second, x.eta_seconds,
           x.halted);
}

/// Credits KSM deposits from finalized Kusama blocks. (actors/kusama_watcher.hpp)
using kusama_watcher_actor = caf::typed_actor<
  // Internal timer (and a nudge from tests): read the next blocks if any.
  caf::reacts_to<tick_atom>,
  // Cursor, finalized head, lag, runtime, counters.
  caf::replies_to<status_atom>::with<kusama_watcher_status>>::extend_with<health_protocol>;

/// A Balances.Transfer to the deposit account inside the looked-up extrinsic.
struct lookup_transfer {
  uint32_t event_index = 0;
  std::string from;          // sender AccountId, 0x + 64 hex
  std::string amount_planck; // decimal
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lookup_transfer& x) {
  return f(caf::meta::type_name("lookup_transfer"), x.event_index, x.from, x.amount_planck);
}

/// What the node says about one extrinsic.
struct extrinsic_lookup {
  // "FOUND" (the extrinsic exists; transfers may be empty), "FUTURE_BLOCK"
  // (number above the best head), "UNKNOWN" (index beyond the block's
  // extrinsics, or hash not found in the searched range).
  std::string outcome;
  uint64_t block_number = 0;
  std::string block_hash;
  uint32_t extrinsic_index = 0;
  std::string extrinsic_hash;
  bool finalized = false; // block_number <= finalized head at lookup time
  bool success = true;    // System.ExtrinsicSuccess (false: ExtrinsicFailed)
  std::vector<lookup_transfer> transfers; // Balances.Transfer to the deposit account
  uint64_t best_number = 0;
  uint64_t finalized_number = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, extrinsic_lookup& x) {
  return f(caf::meta::type_name("extrinsic_lookup"), x.outcome, x.block_number, x.block_hash,
           x.extrinsic_index, x.extrinsic_hash, x.finalized, x.success, x.transfers,
           x.best_number, x.finalized_number);
}

/// Looks a user's extrinsic id up on the Kusama node. (actors/kusama_lookup.hpp)
using kusama_lookup_actor = caf::typed_actor<
  // The id as the user sent it ("<block>-<index>" or "0x<hash>").
  caf::replies_to<lookup_atom, std::string>::with<extrinsic_lookup>>::
  extend_with<health_protocol>;


/// Reads the pool's notary set (notaryCount, threshold, isNotary of this
/// daemon's keys) at the final Ethereum block and stores it; the notary signs
/// only while it is safe (ledger::notary_set_is_safe). (actors/notary_set_guard.hpp)
using notary_set_guard_actor = caf::typed_actor<
  // Internal timer (and a nudge from tests): read the set now.
  caf::reacts_to<tick_atom>>::extend_with<health_protocol>;

/// Signs, submits and reconciles the Kusama outbox (storage/outbox.hpp):
/// every extrinsic the daemon signs. (actors/kusama_submitter.hpp)
using kusama_submitter_actor = caf::typed_actor<
  // Internal timer (and a nudge from tests): one reconcile/sign/submit step.
  caf::reacts_to<tick_atom>,
  // JSON: finalized head, cursor, per-account nonces, open rows, stuck rows.
  caf::replies_to<status_atom>::with<std::string>>::extend_with<health_protocol>;
/// Signs, sends and settles the Ethereum outbox rows of the operator address
/// (storage/outbox.hpp): every Ethereum transaction the daemon signs.
/// (actors/eth_submitter.hpp)
using eth_submitter_actor = caf::typed_actor<
  // Internal timer (and a nudge from tests): one settle/sign/send step.
  caf::reacts_to<tick_atom>,
  // JSON: final and latest block, nonces, fee quote and cap (fee_blocked),
  // open rows, stuck rows.
  caf::replies_to<status_atom>::with<std::string>>::extend_with<health_protocol>;
/// Policy only: spreads the pool's free KSM over the stashes and bonds it,
/// nominates the trusted validators, collects rewards, through the outbox.
/// (actors/bond_manager.hpp)
using bond_manager_actor = caf::typed_actor<
  // Internal timer (and a nudge from tests): read a snapshot and act on it.
  caf::reacts_to<tick_atom>,
  // JSON: per stash balances and bond, nominations (and why others were
  // skipped), unclaimed eras, pending outbox rows.
  caf::replies_to<status_atom>::with<std::string>>::extend_with<health_protocol>;
/// Policy only: pays unstake requests in FIFO order from free KSM, in
/// force_batch payouts through the outbox. (actors/payout_queue.hpp)
using payout_queue_actor = caf::typed_actor<
  // Internal timer (and a nudge from tests): settle, queue, fund, pay.
  caf::reacts_to<tick_atom>,
  // JSON: queue counts by state, head of the queue, fundable KSM, batch size.
  caf::replies_to<status_atom>::with<std::string>>::extend_with<health_protocol>;
/// Computes the aKSMb ratio from both chains and the ledger on a schedule and
/// asks for its publication through the outbox. (actors/ratio_calculator.hpp)
using ratio_calculator_actor = caf::typed_actor<
  // Internal timer (and a nudge from tests): calculate if due.
  caf::reacts_to<tick_atom>,
  // The console's "publish now": a calculation is due at once (within aKSMb's interval).
  caf::reacts_to<publish_atom>,
  // JSON: the last calculation, the next one due, what it waits for.
  caf::replies_to<status_atom>::with<std::string>>::extend_with<health_protocol>;
/// Starts the actors from config, restarts failed ones with backoff and
/// reports their health. (actors/supervisor.hpp)
using supervisor_actor = caf::typed_actor<
  // Health of every supervised actor, restarting ones included.
  caf::replies_to<status_atom>::with<std::vector<actor_health>>,
  // The current storage actor (a new handle after a restart).
  caf::replies_to<storage_atom>::with<storage_actor>,
  // The current notary (error ec::unavailable when claims are not configured).
  caf::replies_to<notary_atom>::with<notary_actor>,
  // The current Kusama extrinsic lookup, or ec::unavailable when deposits are off.
  caf::replies_to<kusama_lookup_atom>::with<kusama_lookup_actor>,
  // The named child's status as JSON text, for the console: the watchers'
  // status structs, the operators' own JSON (ec::unavailable: not running).
  caf::replies_to<status_atom, std::string>::with<std::string>,
  // The latest Ethereum block number, forwarded to the notary.
  caf::reacts_to<eth_head_atom, uint64_t>,
  // Drains the storage queue, checkpoints, stops every child; then quits.
  caf::replies_to<shutdown_atom>::with<bool>,
  // Internal timer: restart the named child now.
  caf::reacts_to<restart_atom, std::string>,
  // Internal timer: forward the Ethereum watcher's final head to the notary.
  caf::reacts_to<tick_atom>>;

} // namespace lstaked

// The payout queue: policy only (actors/payout_policy.hpp decides, the
// ledger's storage/payout_queue.hpp enforces FIFO and exactly once, the Kusama
// submitter signs). It pays unstake requests (SPEC §2.4, issue #14).
//
// Contract, every `poll_interval`:
// - Does nothing while the `payouts` flow is paused.
// - Settles what the chain decided without the follower's hook: a payout row
//   REPLACED (its nonce used by a foreign extrinsic) or FINALIZED failed holds
//   its requests (ledger::settle_payout). A payout row FINALIZED with success
//   is settled per item by `payout_settle_hook`, inside the Kusama follower's
//   transaction that finalizes it, so a finalized payout is never seen by the
//   ratio as KSM gone without its requests PAID.
// - Decides only while no outbox row of the paying account (the deposit
//   account) is open: its snapshot then contains everything the daemon asked
//   for, so free KSM is never counted twice (the bond manager waits the same
//   way and never moves what the queue holds: unfunded, set aside or held).
// - Reads one snapshot at the finalized head (balances of the payer and of the
//   recipients at the head of the queue), the weights the runtime reports
//   (System.BlockWeights' normal max_extrinsic; TransactionPaymentApi_query_info
//   of an unsigned force_batch with one and with two transfers), then, in ONE
//   storage transaction: REQUESTED -> QUEUED; requests the chain could not pay
//   with transfer_keep_alive (recipient missing or dust below ED) -> HELD with
//   the reason; funds the queue in FIFO order from free KSM
//   (payout_policy::fundable_now: free − ED − fee reserve − what is not the
//   pool's: BELOW_MINIMUM deposits and the fee ledger); writes one outbox
//   intent `Utility.force_batch([Balances.transfer_keep_alive...])` for the
//   first FUNDED requests (as many as the weights allow) and links them to it
//   (FUNDED -> PAYING). Fees are booked from the fee ledger at settlement.
// Not done here yet (docs/payouts.md): unbond / withdraw / sweep / rebond when
// free KSM is short; the queue then waits for deposits (which pay its head).
// Blocking JSON-RPC: spawned detached.
#pragma once

#include "actors/actors.hpp"
#include "actors/chain_follower.hpp"
#include "actors/child_spec.hpp"
#include "actors/payout_policy.hpp"
#include "chain/rpc/json_rpc_client.hpp"
#include "chain/rpc/substrate_client.hpp"
#include "config/config.hpp"

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace lstaked {

struct payout_queue_config {
  rpc::json_rpc_config rpc;
  std::string database;
  uint16_t ss58_prefix = 2;
  std::string payer; // the deposit account, 0x-hex: signs every payout
  payout_policy::policy_config policy;
  size_t lookahead = 1000; // queued requests whose recipients are checked per step
  std::chrono::milliseconds poll_interval{6000};
  std::chrono::milliseconds storage_timeout{30000};
};

caf::error validate(const payout_queue_config& cfg);

struct payout_queue_state {
  payout_queue_config cfg;
  storage_actor storage;
  std::unique_ptr<rpc::json_rpc_client> client;
  std::unique_ptr<SQLite::Database> db;
  kusama::runtime_cache runtimes;
  bool busy = false;
  nlohmann::json view = nlohmann::json::object();
  std::string detail = "starting";
  std::string last_error;
  static constexpr const char* name = "payout_queue";
};

payout_queue_actor::behavior_type
payout_queue(payout_queue_actor::stateful_pointer<payout_queue_state> self, payout_queue_config cfg,
             storage_actor storage);

/// Settles the payout rows finalized in the applied block from each
/// force_batch's ItemCompleted / ItemFailed events (after kusama_outbox_hook,
/// in the same transaction). A result that does not match its batch raises a
/// critical alert and leaves the requests PAYING (never guessed).
follower::block_hook payout_settle_hook();

caf::expected<std::optional<payout_queue_config>> make_payout_queue_config(const config& cfg);
child_spec payout_queue_child(payout_queue_config cfg);

} // namespace lstaked

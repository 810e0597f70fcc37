// The bond/nominate manager: policy only (actors/bond_policy.hpp decides,
// the Kusama submitter signs). It makes the pool stake (SPEC §2.1 step 5,
// §2.5, §2.6).
//
// Contract, every `poll_interval`:
// - Does nothing while the `bonding` flow is paused, or while any outbox row
//   of its accounts is open: it decides only from a chain state that already
//   contains every action it asked for (no double bond, no double payout).
// - Reads one snapshot at the finalized head (chain/rpc/kusama_staking.hpp)
//   and checks it against the configuration: while a proxied stash's key is not
//   its Staking proxy (at that block), or more trusted validators are listed
//   than MaxNominations, it decides nothing at all (critical alert once per
//   reason, health false, status "refused") instead of acting on a guess; it
//   acts again by itself once the chain agrees (a proxy added later).
// - Writes, in ONE storage transaction, the outbox intents the plans call for:
//   transfers from the deposit account (one batch_all), bond / bond_extra per
//   stash (payee Staked; through Proxy.proxy for a proxied stash), nominate
//   when the chosen set differs and the interval of chain time has passed
//   (the change is recorded with the snapshot's block timestamp), and
//   payout_stakers_by_page for every unclaimed exposed era, oldest first
//   (batch_all, signed by the deposit account: anyone may call it).
// - Never moves what the ledger says is not the pool's (BELOW_MINIMUM deposits:
//   ledger::refundable_planck), what the payout queue owes (unfunded, set
//   aside or held: ledger::queue_totals_of) nor the configured reserves.
// - Funds the payout queue from stake when free KSM is short
//   (actors/queue_funding.hpp): withdraw_unbonded, sweeps to the deposit
//   account, chill + unbond just what is missing, rebond what is no longer
//   needed; bonds no stash free balance while the queue is short; writes each
//   waiting request's expected release time (eras left × era duration).
// - The console's "rotate validators now" (a PENDING rotate_validators action,
//   storage/admin_actions.hpp, read each tick) lifts the once-a-day interval
//   for that tick: the nominations are re-planned as if never changed, and
//   the action is completed DONE in the transaction writing the nominate
//   intents (or DONE "nothing to change" when the chosen set is current),
//   FAILED while the bonding flow is paused or when a stash that should
//   change cannot nominate (bonded below MinNominatorBond) and nothing is
//   under way. While outbox rows are open, or while other intents (a bond)
//   are written first, it waits, PENDING.
// Status (JSON) shows per stash free/bonded/active/unlocking, nominations and
// why every other candidate was skipped, the next allowed change, unclaimed
// eras, open outbox rows; /metrics has the same as lstaked_staking_* gauges.
// Blocking JSON-RPC: spawned detached.
#pragma once

#include "actors/actors.hpp"
#include "actors/bond_policy.hpp"
#include "actors/child_spec.hpp"
#include "actors/kusama_submitter.hpp"
#include "chain/rpc/json_rpc_client.hpp"
#include "config/config.hpp"

#include "chain/rpc/substrate_client.hpp"
#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace lstaked {

struct bond_manager_config {
  rpc::json_rpc_config rpc;
  std::string database;
  uint16_t ss58_prefix = 2;
  std::string deposit_account;               // 0x-hex
  std::vector<operator_keys::stash> stashes; // public part only
  std::vector<std::string> validators;       // 0x-hex, in order of preference
  bond_policy::policy_config policy;
  std::chrono::milliseconds poll_interval{6000};
  std::chrono::milliseconds storage_timeout{30000};
};

caf::error validate(const bond_manager_config& cfg);

struct bond_manager_state {
  bond_manager_config cfg;
  storage_actor storage;
  std::unique_ptr<rpc::json_rpc_client> client;
  std::unique_ptr<SQLite::Database> db;
  kusama::runtime_cache runtimes;
  std::string refused;    // why the chain contradicts the configuration ('' when it does not)
  std::vector<std::pair<std::string, int64_t>> noted_releases; // last expected release times written
  bool busy = false;
  std::vector<int64_t> rotate_actions; // the console's PENDING rotate_validators actions
  nlohmann::json view = nlohmann::json::object();
  std::string detail = "starting";
  std::string last_error;
  static constexpr const char* name = "bond_manager";
};

bond_manager_actor::behavior_type
bond_manager(bond_manager_actor::stateful_pointer<bond_manager_state> self, bond_manager_config cfg,
             storage_actor storage);

caf::expected<std::optional<bond_manager_config>> make_bond_manager_config(const config& cfg);
child_spec bond_manager_child(bond_manager_config cfg);

} // namespace lstaked

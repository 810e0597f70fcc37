// Funding the payout queue from stake: the bond manager's half of the queue
// (docs/payouts.md "Funding"). The payout actor pays from free KSM on the
// deposit account; when that is short, the stashes give back: withdraw what
// has unlocked, sweep stash free balances to the deposit account, unbond what
// is still missing (chilling a stash that would fall below MinNominatorBond),
// and rebond what is unlocking beyond the need once the need is gone.
//
// Contract: pure over one finalized snapshot and the ledger's queue; decides
// with actors/payout_policy.hpp (plan_queue, expected_release_ms) and turns
// the plan into outbox intents signed by each stash's signer (Proxy.proxy for
// a proxied stash's staking calls). A proxied stash cannot transfer (its
// proxy is a Staking proxy): its sweep is not planned and `blocked_sweeps`
// says so, the operator moves that balance. `holds_stash_bonds` tells the
// bond manager not to bond stash free balances while the queue is short (the
// sweep would otherwise be undone by bond_extra).
#pragma once

#include "actors/kusama_submitter.hpp"
#include "actors/payout_policy.hpp"
#include "chain/substrate/metadata.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace lstaked::queue_funding {

using kusama::u128;

struct intent {
  std::string account; // signer, 0x-hex
  std::string purpose; // queue_withdraw | queue_sweep | queue_chill | queue_unbond | queue_rebond
  nlohmann::json call; // storage/outbox.hpp format
};

struct inputs {
  u128 unfunded = 0;  // REQUESTED + QUEUED (ledger::queue_totals_of)
  u128 set_aside = 0; // FUNDED + PAYING
  u128 not_pool = 0;  // BELOW_MINIMUM deposits: on the deposit account, not the pool's
  std::vector<std::pair<std::string, u128>> waiting; // unfunded requests in queue order (id, planck)
  uint64_t era_duration_ms = 0; // 0: unknown (no release times)
};

struct decision {
  payout_policy::queue_plan plan;
  std::vector<intent> intents;
  bool holds_stash_bonds = false; // the queue needs more than free KSM: stash free balance is the queue's
  std::vector<std::string> blocked_sweeps; // proxied stashes whose free balance the queue needs
  std::vector<std::pair<std::string, int64_t>> release_times; // request id -> unix ms
  nlohmann::json to_json() const;
};

decision decide(const kusama::staking_snapshot& s, const std::string& deposit_account,
                const std::vector<operator_keys::stash>& stashes, const inputs& in,
                const payout_policy::policy_config& cfg);

/// EpochDuration × SessionsPerEra × ExpectedBlockTime from the runtime's
/// constants (Babe, Staking); 0 when the runtime has not all three (then no
/// release time is shown rather than a guessed one).
uint64_t era_duration_from_metadata(const chain::substrate::metadata& md);

} // namespace lstaked::queue_funding

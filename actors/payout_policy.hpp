// The payout queue's decisions, as pure functions of one staking snapshot
// (chain/rpc/kusama_staking.hpp), the ledger's queue totals
// (storage/payout_queue.hpp queue_totals) and the configuration: how much
// free KSM can fund the queue now, what to withdraw, sweep, unbond or rebond
// so the queue is paid, when each waiting request should be paid, and how
// many payouts fit one extrinsic. The payout actor only carries them out
// through the submitter; docs/payouts.md explains them.
//
// Contract: pure, deterministic, integers only (planck, weights); thread-safe.
// A plan never counts as fundable what the payout account must keep (ED or
// its frozen part, the fee reserve, what is not the pool's); never unbonds
// more than the queue lacks after free KSM, sweepable stash balances and
// everything already unlocking; never opens an unlocking chunk on a stash
// whose chunks are full; never leaves a nominating stash below
// MinNominatorBond (it is chilled and unbonded whole instead); rebonds only
// what is unlocking beyond the queue's need. Amounts are u128 planck: the
// caller converts the ledger's u256 totals (KSM's supply fits 2^128).
#pragma once

#include "chain/rpc/kusama_staking.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::payout_policy {

using kusama::account32;
using kusama::u128;

struct policy_config {
  u128 fee_reserve = 0;  // kept free on every pool account for fees (as bond_policy's)
  u128 min_rebond = 0;   // smallest rebond worth a transaction (churn guard)
  // Unbonding for the queue takes shortfall + unbond_margin rounded up to a
  // multiple of unbond_step (0: exact). Fees keep draining the payout account
  // while a chunk unlocks; unbonding exactly the shortfall would chase that
  // drain one bonding duration at a time and never pay the head. Sweeps take
  // the margin too. While a need remains, that slack (margin + step) is not
  // rebonded, so the rounding does not churn; with nothing owed, all is.
  u128 unbond_margin = 0;
  u128 unbond_step = 0;
  uint32_t max_batch_items = 500;      // configured cap on payouts per extrinsic
  uint32_t weight_safety_percent = 75; // share of the block's max extrinsic weight a batch may use
};

/// The ledger's queue, in planck (queue_totals_of, converted).
struct queue_need {
  u128 unfunded = 0;  // REQUESTED + QUEUED
  u128 set_aside = 0; // FUNDED + PAYING (still on the payout account)
};

// ---- (a) funding from free KSM ---------------------------------------------------

/// Free KSM on the payout account that may pay the queue: free − max(ED,
/// frozen not covered by holds) − fee reserve − `not_pool` (BELOW_MINIMUM
/// deposits and anything else on it that is not the pool's), floored at 0.
/// This is `available_planck` for ledger::fund_in_order, which subtracts what
/// is already set aside itself.
u128 fundable_now(const kusama::staking_snapshot& s, const account32& payout_account,
                  u128 not_pool, const policy_config& cfg);

// ---- (b, c, d) unbond, withdraw, sweep, rebond --------------------------------------

struct stash_amount {
  account32 stash{};
  u128 amount = 0;
};
struct unbond_step {
  account32 stash{};
  u128 amount = 0;
  bool chill = false; // chill first: the stash is unbonded whole (it would fall below MinNominatorBond)
};
struct skipped_stash {
  account32 stash{};
  std::string reason; // "unlocking chunks full (32 of 32)", "no ledger"
};

struct queue_plan {
  u128 fundable = 0;        // fundable_now
  u128 free_for_queue = 0;  // fundable − set aside: what may fund QUEUED requests now
  u128 sweepable = 0;       // stash free balances above ED + fee reserve (all stashes)
  u128 withdrawable = 0;    // unlocking chunks whose era has come (all stashes)
  u128 unlocking = 0;       // unlocking chunks still waiting (all stashes)
  u128 shortfall = 0;       // unfunded − everything above: what this plan unbonds
  std::vector<stash_amount> withdraws; // withdraw_unbonded: every stash with withdrawable chunks
  std::vector<stash_amount> sweeps;    // transfer stash -> payout account, only up to the need
  std::vector<unbond_step> unbonds;    // most active stake first, within the chunk limit
  std::vector<stash_amount> rebonds;   // the need vanished before the unlock ended
  std::vector<skipped_stash> skipped;  // stashes that could not unbond, with why
  u128 unbond_uncovered = 0;           // shortfall no stash could unbond now (chunks full)
  nlohmann::json to_json() const;
};

/// One decision over the snapshot:
/// - the need left after free KSM = unfunded − free_for_queue is covered, in
///   this order, by stash free balances (swept now), withdrawable chunks
///   (withdrawn now, swept next time), chunks still unlocking (waited for),
///   and only then by new unbonds (the shortfall);
/// - withdraw_unbonded for every stash with a chunk whose era <= CurrentEra
///   (whether or not the queue needs it: it also frees a chunk slot);
/// - unbonds: pass 1 takes from stashes in order of active stake (most first)
///   at most active − MinNominatorBond each; if still short, pass 2 chills and
///   unbonds whole the stashes (most active first) until covered. A stash
///   whose unlocking chunks are full (MaxUnlockingChunks) and whose unbond
///   would not merge into its newest chunk (same unlock era) is skipped;
/// - rebond: when nothing is short, what is still unlocking beyond the need
///   is rebonded (latest unlock first), if at least cfg.min_rebond.
queue_plan plan_queue(const kusama::staking_snapshot& s, const account32& payout_account,
                      const std::vector<account32>& stashes, const queue_need& need,
                      u128 not_pool, const policy_config& cfg);

// ---- pre-check of one payout --------------------------------------------------------

/// Whether transfer_keep_alive(recipient, amount) can succeed, as far as the
/// snapshot tells (keep-alive protects the sender; a recipient must end at or
/// above ED unless it exists already):
enum class payability {
  payable,
  recipient_missing,         // no balance at all and amount < ED: the account would not be created
  below_existential_deposit, // a dust balance (< ED) that the amount does not lift to ED
  unknown,                   // the recipient's balance was not read: read it first
};
const char* to_string(payability p);
/// The payout actor holds what is not payable with the same-named reason
/// (ledger::hold_reason) before it signs anything.
payability check_payout(const kusama::staking_snapshot& s, const account32& recipient, u128 amount);

// ---- (e) expected release time --------------------------------------------------------

/// For unfunded requests in queue order (their amounts), the chain time (ms)
/// from which each can be paid: now when free KSM and sweeps cover it, else
/// now + (unlock era − CurrentEra) × era_duration_ms of the chunk (waiting,
/// or planned by `plan`'s unbonds at CurrentEra + BondingDuration) that
/// completes its cumulative need. nullopt when nothing planned covers it.
std::vector<std::optional<uint64_t>>
expected_release_ms(const kusama::staking_snapshot& s, const std::vector<account32>& stashes,
                    const queue_plan& plan, const std::vector<u128>& unfunded_in_order,
                    uint64_t era_duration_ms);

/// Era duration from the runtime's constants: EpochDuration (slots) ×
/// SessionsPerEra × ExpectedBlockTime (ms). 0 when any is 0.
uint64_t era_duration_ms(uint64_t epoch_duration_slots, uint32_t sessions_per_era,
                         uint64_t expected_block_time_ms);

// ---- (f) batch sizing ------------------------------------------------------------------

/// A weight as the runtime reports it (Weight V2).
struct weight {
  uint64_t ref_time = 0;
  uint64_t proof_size = 0;
};

/// How many transfer_keep_alive items one utility.force_batch may carry:
///   min(cfg.max_batch_items, floor((max_extrinsic · safety% − base) / item))
/// in each dimension of the weight (a zero item dimension does not limit).
/// `item`: the weight of one transfer_keep_alive (plus force_batch's per-item
/// weight); `base`: force_batch's base weight; `max_extrinsic`: the block's
/// max_extrinsic weight for the normal class (BlockWeights). 0 when not even
/// one item fits.
uint32_t max_batch_items(const weight& item, const weight& base, const weight& max_extrinsic,
                         const policy_config& cfg);

} // namespace lstaked::payout_policy

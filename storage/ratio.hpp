// The exchange ratio: how rewards reach users (SPEC §2.3, issue #13). The one
// formula, integers only; docs/ratio.md has the same with a worked example.
//
// Units: planck (KSM, 12 decimals); shares and aKSMb wei (18 decimals); the
// ratio is shares per 1 KSM-equivalent at 1e18 scale (starts at 1e18 and FALLS
// as rewards accrue; balanceOf = shares * 1e18 / ratio).
//
//   pool_value   = held_on_chain − owed_payouts − refundable − fee_balance      [planck]
//   all_shares   = eth_total_shares + unclaimed_shares + reserved_shares         [shares]
//   implied      = floor(all_shares * 1e18 / current_ratio / 1e6)                [planck]
//                  (what the shares are worth at the current ratio)
//   reward       = pool_value − implied          (negative: a loss, e.g. a slash)
//   fee          = floor(max(reward, 0) * fee_bps / 10000)                       [planck]
//   new_ratio    = ceil(all_shares * 1e18 / ((pool_value − fee) * 1e6))
//
// Why no period bookkeeping: a credited deposit mints shares at the current
// ratio (or, while a calculation is being published, at the ratio that is in
// effect by the next calculation: ledger::deposit_ratio), so it raises
// pool_value and implied by the same amount; a burn removes
// shares and adds an owed payout of the same worth. What is left between the
// two is exactly what nobody put in: rewards (or, negative, slashes).
// Rounding is always in the pool's favour (the users who stay): `implied` is
// floored (a planck of dust counts as reward, never as a loss), the fee is
// floored (the operator gets at most 2%), and the ratio is rounded UP (every
// share is worth at most its exact part, so the pool never pays out more than
// it holds). The fee is taken only from a positive reward, never from principal
// and never from a loss, which all shares bear.
#pragma once

#include "chain/common/error.hpp"
#include "chain/ethereum/u256.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

namespace lstaked::ledger {

using chain::eth::u256;

struct ratio_inputs {
  u256 held_on_chain;    // planck: every pool account's free + bonded (incl. unlocking)
  u256 owed_payouts;     // planck: unstake requests not yet paid
  u256 refundable;       // planck: BELOW_MINIMUM deposits not refunded
  u256 fee_balance;      // planck: the fee ledger's balance (already the operator's)
  u256 eth_total_shares; // aKSMb.totalShares() at the finalized Ethereum block
  u256 unclaimed_shares; // ledger: credited, not in a claim
  u256 reserved_shares;  // ledger: held by ACTIVE claims
  u256 current_ratio;    // in effect (1e18 at the start)
  uint32_t fee_bps = 200;
};

struct ratio_result {
  u256 pool_value;    // planck
  u256 all_shares;
  u256 implied_value; // planck
  bool loss = false;  // reward < 0
  u256 reward;        // planck, magnitude (a loss when `loss`)
  u256 fee;           // planck
  u256 new_ratio;     // 1e18 scale
  nlohmann::json to_json() const;
};

/// The formula above. Errors (nothing computed): no shares, a pool value of
/// zero or below what it owes (ec::invalid_state), a zero current ratio,
/// fee_bps above 10000 (ec::invalid_input), overflow.
caf::expected<ratio_result> compute_ratio(const ratio_inputs& in);

/// aKSMb.updateRatio's bounds as the contract checks them (read from it).
struct ratio_bounds {
  uint64_t min_interval = 0;        // seconds between updates
  uint64_t max_annual_reward_bps = 0;
  uint64_t max_loss_bps = 0;
};

enum class ratio_decision {
  publish,          // within the bounds: send new_ratio
  publish_clamped,  // a reward above the annual ceiling: send the ceiling's ratio (the rest counts later)
  no_change,        // the ratio would not move: no transaction
  too_soon,         // the contract's interval has not passed
  loss_beyond_bound // a loss the contract refuses: not published, claims paused, alert
};
const char* to_string(ratio_decision d);

struct bounded_ratio {
  ratio_decision decision = ratio_decision::no_change;
  u256 ratio;          // what to publish (publish, publish_clamped)
  u256 min_allowed;    // the lowest ratio the contract accepts after `elapsed` (reward ceiling)
  u256 max_allowed;    // the highest (loss bound)
};

/// Applies the contract's checks to `wanted` after `elapsed` seconds since the
/// last update, exactly as aKSMb.updateRatio computes them:
///   reward: newRatio * (BPS*YEAR + maxAnnualRewardBps*elapsed) >= ratio * BPS*YEAR
///   loss:   newRatio * BPS <= ratio * (BPS + maxLossBps)
bounded_ratio bound_ratio(const u256& current, const u256& wanted, uint64_t elapsed,
                          const ratio_bounds& b);

} // namespace lstaked::ledger

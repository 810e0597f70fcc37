// The bond/nominate manager's decisions, as pure functions of one staking
// snapshot (chain/rpc/kusama_staking.hpp) and the configuration: what to
// transfer and bond, whom to nominate (and why each other candidate is
// skipped), which eras' rewards to collect. The manager actor only carries
// them out through the submitter.
//
// Contract: pure, deterministic, integers only (planck); thread-safe. A plan
// never moves more than `movable` says is the pool's, never leaves an account
// below existential deposit + fee reserve, never bonds a new stash below the
// chain's MinNominatorBond.
#pragma once

#include "chain/rpc/kusama_staking.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::bond_policy {

using kusama::account32;
using kusama::u128;

struct policy_config {
  u128 fee_reserve = 0;    // kept free on every pool account for fees
  u128 deposit_buffer = 0; // kept free on the deposit account (the payout queue's need)
  u128 min_step = 0;       // smallest transfer or bond worth a transaction
  uint32_t max_commission_perbill = 1'000'000'000;
  uint32_t slash_lookback_eras = 28;
  uint64_t nomination_interval_ms = 86'400'000; // chain time between two nomination changes
  uint32_t payouts_per_batch = 8;
};

// ---- funding: deposit account -> stashes -> bonded -------------------------

struct transfer_step {
  account32 to{};
  u128 amount = 0;
};
struct bond_step {
  account32 stash{};
  u128 amount = 0;
  bool extra = false; // bond_extra (the stash already has a ledger) or bond (payee Staked)
};
struct funding_plan {
  u128 movable = 0;                     // what the deposit account may give (after the reserves)
  std::vector<transfer_step> transfers; // from the deposit account (one batch)
  std::vector<bond_step> bonds;         // one per stash, each signed by (or for) that stash
  nlohmann::json to_json() const;
};

/// `refundable`: planck on the deposit account that is not the pool's (deposits
/// BELOW_MINIMUM, later the fee ledger), from the ledger. Transfers spread the
/// movable amount so the stashes' (active + free) totals come as close to
/// equal as possible (water-filling); a stash without a ledger receives either
/// enough for MinNominatorBond + ED + fee reserve or nothing; amounts below
/// min_step are not sent. A stash's own free balance above ED + fee reserve is
/// bonded (bond the first time, if it reaches MinNominatorBond; bond_extra after);
/// what this plan transfers is bonded by a later plan, once it has arrived.
funding_plan plan_funding(const kusama::staking_snapshot& s, const account32& deposit_account,
                          const std::vector<account32>& stashes, u128 refundable,
                          const policy_config& cfg);

// ---- nominations ------------------------------------------------------------

enum class skip_reason { not_validator, blocked, commission_above_cap, slashed, over_max_nominations };
std::string to_string(skip_reason r);

struct skipped {
  account32 validator{};
  skip_reason reason{};
  std::string detail; // "commission 12.5% > cap 10%", "slashed in era 41", ...
};

struct nomination_plan {
  account32 stash{};
  std::vector<account32> chosen;  // eligible candidates in configured order, at most MaxNominations
  std::vector<skipped> skips;     // every other candidate, with why
  std::vector<account32> current; // Staking.Nominators(stash) targets now
  bool differs = false;           // chosen != current as sets
  bool change_now = false;        // differs, allowed by the interval, stash bonded >= MinNominatorBond
  std::optional<uint64_t> next_change_ms; // chain time from which a change is allowed again
  nlohmann::json to_json(uint16_t ss58_prefix) const;
};

/// `last_change_ms`: chain time (block timestamp) of this stash's last nomination
/// change made by the daemon (nullopt: never).
nomination_plan plan_nominations(const kusama::staking_snapshot& s, const account32& stash,
                                 const std::vector<account32>& candidates,
                                 std::optional<uint64_t> last_change_ms, const policy_config& cfg);

// ---- rewards ----------------------------------------------------------------

struct payout_call {
  account32 validator{};
  uint32_t era = 0;
  uint32_t page = 0;
  // Spelled out: the project builds as C++17 (no defaulted operator==).
  bool operator==(const payout_call& o) const {
    return validator == o.validator && era == o.era && page == o.page;
  }
};

/// Every (validator, era, page) in which a pool stash is exposed and the reward
/// is unclaimed, for eras that have ended (< active era), oldest era first,
/// each once, at most `payouts_per_batch`.
std::vector<payout_call> plan_payouts(const kusama::staking_snapshot& s, const policy_config& cfg);

/// Unclaimed exposures (for status): count and the oldest era.
struct unclaimed_summary {
  size_t count = 0;
  std::optional<uint32_t> oldest_era;
  std::optional<uint32_t> last_claimable_era; // oldest era still inside HistoryDepth
};
unclaimed_summary summarize_unclaimed(const kusama::staking_snapshot& s);

} // namespace lstaked::bond_policy

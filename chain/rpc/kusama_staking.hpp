// Reads of the Staking, Balances and System state the bond/nominate manager
// decides on, all at ONE block (normally the finalized head), decoded through
// the metadata of that block's runtime (storage keys, types and constants by
// NAME, so relay and Asset Hub metadata both work).
//
// Contract: blocking on the client (same thread-safety as the client). Every
// answer is checked: a malformed value is ec::decode_error, never a default;
// an ABSENT storage value is the item's default where FRAME defines one
// (e.g. an account that does not exist has free = 0) and std::nullopt where the
// item is an Option (no ledger, not a validator). Amounts are planck (u128).
// Chain layer: nothing here knows the ledger or the policy.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/error.hpp"
#include "chain/rpc/json_rpc_client.hpp"
#include "chain/substrate/metadata.hpp"
#include "chain/substrate/scale.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::kusama {

using chain::substrate::u128;
using account32 = std::array<uint8_t, 32>;

/// The runtime's constants the manager needs (metadata constants by name).
struct staking_constants {
  u128 existential_deposit = 0; // Balances.ExistentialDeposit
  uint32_t max_nominations = 0; // Staking.MaxNominations (24 on Kusama)
  uint32_t history_depth = 0;   // Staking.HistoryDepth (84)
  uint32_t bonding_duration = 0; // Staking.BondingDuration (eras)
  uint32_t max_unlocking_chunks = 0; // Staking.MaxUnlockingChunks
};
caf::expected<staking_constants> read_constants(const chain::substrate::metadata& md);

struct account_balance {
  u128 free = 0;     // System.Account data.free
  u128 reserved = 0; // data.reserved
  u128 frozen = 0;   // data.frozen (misc_frozen on old runtimes)
  uint32_t nonce = 0;
};

struct unlocking_chunk {
  u128 value = 0;
  uint32_t era = 0;
};

struct staking_ledger {
  account32 stash{};
  u128 total = 0;
  u128 active = 0;
  std::vector<unlocking_chunk> unlocking;
};

struct validator_info {
  account32 account{};
  uint32_t commission_perbill = 0;
  bool blocked = false;
};

/// One pool stash's nominator exposure to a validator in an era.
struct exposure {
  uint32_t era = 0;
  account32 validator{};
  uint32_t page = 0;   // the ErasStakersPaged page the stash is on
  u128 value = 0;      // the stash's exposed stake
  bool claimed = false; // ClaimedRewards(era, validator) holds `page`
};

/// Everything at one block. `at` is the block hash (0x-hex) it was read at.
struct staking_snapshot {
  std::string at;
  uint64_t number = 0;
  uint64_t timestamp_ms = 0; // Timestamp.Now
  staking_constants constants;
  u128 min_nominator_bond = 0;               // Staking.MinNominatorBond
  std::optional<uint32_t> active_era;        // Staking.ActiveEra index
  std::optional<uint32_t> current_era;       // Staking.CurrentEra
  std::map<account32, account_balance> balances;        // every account asked for
  std::map<account32, staking_ledger> ledgers;          // stashes with a ledger (controller = stash)
  std::map<account32, std::vector<account32>> nominations; // Staking.Nominators(stash).targets
  std::map<account32, validator_info> validators;       // of the asked candidates that ARE validators
  std::map<account32, uint32_t> last_slash_era;         // candidate -> latest era in the
                                                        // lookback with ValidatorSlashInEra set
  std::vector<exposure> exposures; // of the asked stashes, eras [active-history_depth+1, active-1],
                                   // through the stashes' CURRENT nominations... and any validator
                                   // in `candidates`; oldest era first
  /// Staking proxies: stash -> delegates with a Staking, NonTransfer or Any proxy.
  std::map<account32, std::vector<account32>> staking_proxies;
};

struct snapshot_request {
  std::vector<account32> accounts;   // balances read for these (deposit account, stashes, keys)
  std::vector<account32> stashes;    // ledgers, nominations, exposures, proxies read for these
  std::vector<account32> candidates; // validators checked (prefs, slashes, exposures)
  uint32_t slash_lookback_eras = 28; // ValidatorSlashInEra over [active - lookback, active]
};

/// Reads a snapshot at `block_hash` (0x-hex; the metadata must be the one of
/// that block's runtime).
caf::expected<staking_snapshot> read_snapshot(rpc::json_rpc_client& client,
                                              const chain::substrate::metadata& md,
                                              const std::string& block_hash,
                                              const snapshot_request& req);

// ---- small helpers both staking policies use (bond_policy, payout_policy) ----

/// Saturating u128 arithmetic for planck amounts (never wraps).
inline u128 sat_sub(u128 a, u128 b) { return a > b ? a - b : 0; }
inline u128 sat_add(u128 a, u128 b) {
  u128 r = a + b;
  return r < a ? ~u128(0) : r;
}

/// The snapshot's balance of `a`, or an empty one when it was not read / does not exist.
inline const account_balance& balance_of(const staking_snapshot& s, const account32& a) {
  static const account_balance none{};
  auto it = s.balances.find(a);
  return it == s.balances.end() ? none : it->second;
}

/// What the runtime never lets leave an account that stays alive: the frozen
/// part not covered by holds (locks on older runtimes), and at least the ED.
inline u128 untouchable(const account_balance& b, u128 ed) {
  return std::max(sat_sub(b.frozen, b.reserved), ed);
}

} // namespace lstaked::kusama

// The money ledger: deposits, off-chain shares, claims, unstake requests, and
// the chain cursors they move with. Every function here runs inside a storage
// write_task (one transaction, FULL durability) or on a read-only connection.
//
// Money rules enforced here (SPEC §6):
// - a deposit is keyed by (block hash, extrinsic index, event index): crediting
//   the same event twice is a no-op, never a second credit;
// - an account's shares only move between "unclaimed" and a claim's
//   reservation; a claim is ACTIVE, CLAIMED or EXPIRED, and only ACTIVE ->
//   CLAIMED or ACTIVE -> EXPIRED exist (an expired claim's shares go back);
// - a claim id is signed at most once (PRIMARY KEY), a request nonce is used
//   at most once per account;
// - Ethereum events are applied with the cursor in the same transaction and
//   keyed by (tx hash, log index), so replaying a window changes nothing.
// Amounts are decimal TEXT of integers (planck, wei, shares exceed 64 bits).
#pragma once

#include "actors/error.hpp"
#include "chain/ethereum/u256.hpp"

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::ledger {

using chain::eth::u256;

/// 1 KSM-equivalent in ratio units: ratio = shares per 1e18 wei of aKSMb.
u256 ratio_one();
/// aKSMb wei per planck (18 - 12 decimals).
u256 wei_per_planck();

/// Shares minted for `planck` at `ratio`: planck·1e6·ratio/1e18, rounded down.
caf::expected<u256> shares_for_planck(const u256& planck, const u256& ratio);
/// Planck worth `shares` at `ratio`, rounded down (the pool never over-pays).
caf::expected<u256> planck_for_shares(const u256& shares, const u256& ratio);

// ---- Ethereum side --------------------------------------------------------

struct eth_block_ref {
  uint64_t number = 0;
  std::string hash; // 0x-prefixed lower-case
};

/// PolkadotPool's claim event, as the watcher decoded it.
struct eth_claim_event {
  std::string claim_id;   // 0x + 64 hex
  std::string account;    // recipient, 0x + 40 hex lower-case
  u256 amount_wei;
  u256 shares;
  std::string tx_hash;
  uint64_t log_index = 0;
  uint64_t block_number = 0;
};

/// PolkadotPool's TokensBurned event.
struct eth_burn_event {
  u256 request_id;
  std::string account;   // burner, 0x + 40 hex lower-case
  u256 amount_wei;
  u256 shares;
  std::string recipient; // Kusama AccountId, 0x + 64 hex
  std::string tx_hash;
  uint64_t log_index = 0;
  uint64_t block_number = 0;
};

/// One finalized window of the pool's logs.
struct eth_batch {
  /// Hashes of the blocks in the window that are kept for reorg detection:
  /// every block that carried an event, and the window's last block.
  std::vector<eth_block_ref> blocks;
  /// The window's last block: the new cursor.
  eth_block_ref to;
  std::vector<eth_claim_event> claims;
  std::vector<eth_burn_event> burns;
};

/// Applies a finalized window: stores the blocks, marks claims CLAIMED, turns
/// burns into REQUESTED unstake requests with an UNSTAKE history entry,
/// expires ACTIVE claims whose claimBeforeBlock <= to.number (their shares
/// return to the account), and moves the Ethereum cursor to `to`.
/// Refuses (nothing changes) a window that does not start after the cursor.
caf::error apply_eth_batch(SQLite::Database& db, const eth_batch& batch, int64_t now_ms);

/// The Ethereum cursor (last applied finalized block), if any.
std::optional<eth_block_ref> eth_cursor(SQLite::Database& db);

/// The stored hash of an applied block, if it was kept.
std::optional<std::string> eth_block_hash(SQLite::Database& db, uint64_t number);

// ---- alerts and flow switches ---------------------------------------------

/// Raises an alert (severity info|warning|critical) visible on the console.
void raise_alert(SQLite::Database& db, const std::string& severity, const std::string& source,
                 const std::string& message, int64_t now_ms);

/// Pauses (or resumes) a flow: deposits, claims, ratio, bonding, payouts.
void set_flow_paused(SQLite::Database& db, const std::string& flow, bool paused,
                     const std::string& reason, int64_t now_ms);
bool flow_paused(SQLite::Database& db, const std::string& flow);

} // namespace lstaked::ledger

// Kusama-side records beside the money ledger: the pool accounts' staking
// events (for the ratio calculator and the audit), deposits looked up by the
// extrinsic a user names, and deposits users pointed at before finality.
//
// Contract: writes run inside a storage write_task (one transaction) and are
// idempotent: a staking event is keyed by (block hash, event index), a
// submission by its "<block>-<index>". A submission is only a display hint:
// it never credits anything; once the Kusama cursor passes its block the
// deposits table is authoritative and the submission stops being pending.
#pragma once

#include "storage/ledger.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::ledger {

/// Staking.{Bonded,Unbonded,Withdrawn,Rewarded,Slashed} of a pool account.
struct staking_event {
  std::string block_hash; // 0x + 64 hex
  uint64_t block_number = 0;
  uint32_t event_index = 0;
  std::optional<uint32_t> extrinsic_index; // absent outside ApplyExtrinsic
  std::string kind;    // Bonded | Unbonded | Withdrawn | Rewarded | Slashed
  std::string account; // stash AccountId, 0x + 64 hex
  u256 amount_planck;
};

/// Stores the events (a replayed one is a no-op). An unknown kind or a
/// malformed account is ec::invalid_input and nothing is written.
caf::error record_staking_events(SQLite::Database& db, const std::vector<staking_event>& events,
                                 int64_t now_ms);
caf::error record_staking_events(statement_cache& sc, const std::vector<staking_event>& events,
                                 int64_t now_ms);

/// An account's staking events, newest first.
std::vector<staking_event> staking_events_of(SQLite::Database& db, const std::string& account,
                                             size_t limit);

/// A stored deposit row.
struct deposit_record {
  kusama_deposit deposit;
  u256 shares;
  std::string status; // CREDITED | BELOW_MINIMUM | REFUNDED
  int64_t created_at = 0;
};

/// Deposits made by one extrinsic, in event order (empty: none recorded).
std::vector<deposit_record> deposits_of_extrinsic(SQLite::Database& db, uint64_t block_number,
                                                  uint32_t extrinsic_index);
std::vector<deposit_record> deposits_of_extrinsic_hash(SQLite::Database& db,
                                                       const std::string& extrinsic_hash);

/// An account's deposits (any status), newest first.
std::vector<deposit_record> deposits_of_account(SQLite::Database& db, const std::string& account,
                                                size_t limit);

/// Planck on the deposit account that is not the pool's: deposits BELOW_MINIMUM
/// not yet refunded (the bond manager never moves them).
u256 refundable_planck(SQLite::Database& db);

/// A deposit a user pointed at while its block was not yet finalized.
struct deposit_submission {
  std::string extrinsic_hash; // may be empty
  std::string block_hash;
  uint64_t block_number = 0;
  uint32_t extrinsic_index = 0;
  std::string account;        // sender
  u256 amount_planck;         // sum of the extrinsic's transfers to the deposit address
  int64_t submitted_at = 0;
};

/// Remembers a pending deposit (the same extrinsic again: no-op).
caf::error record_submission(SQLite::Database& db, const deposit_submission& s, int64_t now_ms);

/// The account's submissions whose block the watcher has not reached yet.
std::vector<deposit_submission> pending_submissions_of(SQLite::Database& db,
                                                       const std::string& account);

} // namespace lstaked::ledger

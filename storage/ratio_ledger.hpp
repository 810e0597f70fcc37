// The ratio's side of the ledger: what the ledger contributes to the formula
// (storage/ratio.hpp), every calculation as it was made, the fee ledger, and
// the moment a new ratio takes effect.
//
// Contract: functions taking a statement_cache run inside a storage write_task.
// Rules enforced here:
// - a ratio takes effect only from a RatioUpdated event seen final on Ethereum
//   (apply_ratio_updated), once per transaction (unique tx hash); from then on
//   ledger::current_ratio returns it, for claims and account summaries alike;
// - the fee of a calculation is booked once (UNIQUE (kind, calculation_id)),
//   and only when the ratio it was computed for took effect: a calculation
//   never published takes no fee;
// - the fee ledger's balance is owed to the operator, so compute_ratio never
//   counts it as the pool's.
#pragma once

#include "storage/ledger.hpp"
#include "storage/ratio.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace lstaked::ledger {

/// The ledger's inputs of compute_ratio, read together (one transaction).
struct ledger_ratio_side {
  u256 owed_payouts;     // unstake requests not PAID, planck
  u256 refundable;       // BELOW_MINIMUM deposits, planck
  u256 fee_balance;      // FEE - WITHDRAWAL, planck
  u256 unclaimed_shares;
  u256 reserved_shares;
  u256 current_ratio;
};
ledger_ratio_side ratio_side_of(statement_cache& sc);

/// The fee ledger's balance (planck).
u256 fee_balance(statement_cache& sc);

struct ratio_calculation {
  int64_t id = 0;
  int64_t created_at = 0;
  uint64_t kusama_block = 0;
  std::string kusama_hash;
  uint64_t eth_block = 0;
  nlohmann::json inputs;
  nlohmann::json result; // null when nothing could be computed
  std::string decision;  // to_string(ratio_decision) or "error"
  std::string published_ratio;
  u256 fee;
  std::string reason;
  std::optional<int64_t> outbox_id;
  std::string status = "RECORDED"; // RECORDED | PUBLISHING | IN_EFFECT | NOT_PUBLISHED
  nlohmann::json to_json() const;
};

/// Stores a calculation (whether or not it is published); returns its id.
int64_t record_calculation(statement_cache& sc, const ratio_calculation& c);
/// The newest calculations, newest first.
std::vector<ratio_calculation> recent_calculations(SQLite::Database& db, size_t limit);

/// aKSMb's RatioUpdated as the Ethereum watcher decoded it from a final block.
struct ratio_updated_event {
  u256 old_ratio, new_ratio, total_shares;
  uint64_t elapsed = 0;
  std::string tx_hash;
  uint64_t log_index = 0;
  uint64_t block_number = 0;
};

enum class ratio_applied { applied, duplicate };

/// The ratio takes effect (ratio_history), and the fee of the PUBLISHING
/// calculation that asked for exactly this ratio is booked. An update this
/// daemon did not ask for takes effect too (the contract accepted it) and
/// raises a warning alert, with no fee.
ratio_applied apply_ratio_updated(statement_cache& sc, const ratio_updated_event& e, int64_t now_ms);

} // namespace lstaked::ledger

// The ratio's side of the ledger: what the ledger contributes to the formula
// (storage/ratio.hpp), every calculation as it was made, the fee ledger, and
// the moment a new ratio takes effect.
//
// Contract: functions taking a statement_cache run inside a storage write_task.
// Rules enforced here:
// - a ratio takes effect only from a RatioUpdated event seen final on Ethereum
//   (apply_ratio_updated), once per transaction (unique tx hash); from then on
//   ledger::current_ratio returns it, for claims and account summaries alike;
//   deposits are credited at it already while its calculation is PUBLISHING
//   (ledger::deposit_ratio), so that a deposit in that window neither takes
//   the step's reward nor bears its loss;
// - the fee of a calculation is booked once (UNIQUE (kind, calculation_id)),
//   and only when the ratio it was computed for took effect: a calculation
//   never published takes no fee;
// - the fee ledger's balance is owed to the operator, so compute_ratio never
//   counts it as the pool's;
// - a loss beyond aKSMb's bound pauses claims (minting at a ratio that ignores
//   the loss would give new holders value that is gone); the pause is lifted
//   here only when a ratio takes effect, and only if this rule set it (an
//   operator's own pause keeps its reason and stays).
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
  u256 fee_balance;      // FEE - WITHDRAWAL - PAYOUT_FEE paid, planck
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

/// What the calculator read from the chains, each at the block its follower's
/// cursor stood on (so the ledger's shares and the chain's holdings describe
/// the same moment): the Kusama pool accounts' holdings, aKSMb's state.
struct ratio_readings {
  uint64_t kusama_block = 0;
  std::string kusama_hash;
  uint64_t eth_block = 0;
  std::string eth_hash;
  uint64_t eth_timestamp = 0;  // of eth_block (seconds): elapsed is measured to it
  u256 held_on_chain;          // planck
  nlohmann::json held_detail;  // per account, for the record
  u256 eth_total_shares;
  u256 eth_ratio;              // aKSMb.ratio() at eth_block
  ratio_bounds bounds;         // aKSMb's, at eth_block
  uint64_t last_update = 0;    // aKSMb.lastRatioUpdate() at eth_block
};

struct ratio_policy {
  uint32_t fee_bps = 200;
  std::string operator_address; // signs updateRatio (0x + 40 hex)
  std::string token_address;    // aKSMb
  uint64_t gas_limit = 200'000;
  uint64_t operator_next_nonce = 0; // eth_getTransactionCount(operator, latest)
};

/// One calculation, in the caller's transaction. Refuses (write_refused,
/// refusal::ratio_readings_moved; nothing written) readings taken at blocks other than the
/// followers' cursors now, or an on-chain ratio other than the ledger's (a
/// RatioUpdated not applied yet). Otherwise computes (compute_ratio), bounds
/// (bound_ratio, elapsed = eth_timestamp - last_update) and records it; for
/// publish / publish_clamped it also writes the outbox intent
/// aKSMb.updateRatio(ratio) (status PUBLISHING); loss_beyond_bound pauses the
/// claims flow and raises a critical alert (once while losses persist). The
/// fee of a clamped update is that of the reward the clamped ratio recognizes.
ratio_calculation decide_ratio(statement_cache& sc, const ratio_readings& r, const ratio_policy& p,
                               int64_t now_ms);

/// PUBLISHING calculations whose transaction failed or whose nonce was taken
/// become NOT_PUBLISHED (no fee). Returns how many.
size_t settle_publications(statement_cache& sc);

/// The calculation still being published, if any.
std::optional<ratio_calculation> publishing_calculation(SQLite::Database& db);

/// The calldata of aKSMb.updateRatio(ratio).
chain::bytes update_ratio_calldata(const u256& ratio);

/// One ratio that took effect (ratio_history).
struct ratio_point {
  int64_t id = 0;
  u256 ratio;
  int64_t published_at = 0; // unix ms when the daemon applied it
  std::optional<uint64_t> eth_block;
  std::string tx_hash;
};
/// Ratios that took effect, newest first, with id < before.
std::vector<ratio_point> ratio_history_page(SQLite::Database& db, int64_t before, int64_t limit);

/// The annualised growth of one aKSMb over the ratios in effect since
/// `now - window` (the newest against the last one in effect at the window's
/// start): (old/new - 1) * year / elapsed, as a decimal percent with 4
/// decimals, integers only (rounded down). Absent with fewer than two ratios.
std::optional<std::string> trailing_apr_percent(SQLite::Database& db, int64_t window_ms,
                                                int64_t now_ms);

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

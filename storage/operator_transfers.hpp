// Operator transfers: KSM the operator sends out of the deposit account on
// purpose, from the admin console (issue #15) — a refund of a BELOW_MINIMUM
// deposit to its sender, or a withdrawal from the fee ledger to a configured
// account. The payout actor signs them through the outbox like payouts
// (actors/payout_queue.hpp); every state change happens here, inside a
// storage write_task.
//
// States (operator_transfers.status):
//   REQUESTED  asked for (request_refund / request_fee_withdrawal).
//   PAYING     linked to its outbox intent before signing (begin_transfer).
//   DONE       the intent's block was finalized and the transfer succeeded
//              (settle_transfer, in the Kusama follower's transaction): a
//              refund turns its deposit REFUNDED, a withdrawal books a
//              WITHDRAWAL row in the fee ledger — in the same transaction as
//              the block that moved the KSM, so the ratio sees both at once.
//   FAILED     the transfer failed or its nonce was taken (reason says why);
//              nothing was booked, the deposit stays BELOW_MINIMUM and may be
//              refunded again.
//
// Money rules (each refusal changes nothing):
// - a deposit is refunded at most once, whole, to its sender, and only while
//   BELOW_MINIMUM (deposit_not_refundable; a unique index backs it);
// - fee withdrawals asked for (REQUESTED + PAYING) never exceed the fee
//   ledger's balance (fee_withdrawal_exceeds_balance);
// - a transfer settles once, from its own final outbox row (transfer_wrong_state).
#pragma once

#include "storage/ledger.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace lstaked::ledger {

struct operator_transfer {
  int64_t id = 0;
  std::string kind; // REFUND | FEE_WITHDRAWAL
  std::optional<int64_t> deposit_id;
  std::string recipient; // 0x + 64 hex
  u256 amount_planck;
  std::string status;
  std::optional<int64_t> outbox_id, action_id;
  std::string reason, kusama_extrinsic;
  int64_t created_at = 0, updated_at = 0;
  nlohmann::json to_json() const;
};

/// A refund of deposit `deposit_id` (its whole amount, to its sender).
/// transfer_unknown (no such deposit), deposit_not_refundable.
caf::expected<int64_t> request_refund(statement_cache& sc, int64_t deposit_id,
                                      std::optional<int64_t> action_id, int64_t now_ms);

/// A withdrawal of `amount` planck from the fee ledger to `recipient` (0x +
/// 64 hex). zero_amount, deposit_malformed (recipient), fee_withdrawal_exceeds_balance.
caf::expected<int64_t> request_fee_withdrawal(statement_cache& sc, const u256& amount,
                                              const std::string& recipient,
                                              std::optional<int64_t> action_id, int64_t now_ms);

/// REQUESTED -> PAYING, linked to `intent_id` (a Kusama outbox row).
/// transfer_unknown, transfer_wrong_state.
caf::error begin_transfer(statement_cache& sc, int64_t transfer_id, int64_t intent_id,
                          int64_t now_ms);

/// Settles the transfer paying through `intent_id`: success -> DONE (deposit
/// REFUNDED / fee WITHDRAWAL booked, `extrinsic` = "<block>-<index>"),
/// otherwise FAILED with `reason`. transfer_unknown (no PAYING transfer on
/// that intent).
caf::expected<operator_transfer> settle_transfer(statement_cache& sc, int64_t intent_id,
                                                 bool success, const std::string& extrinsic,
                                                 const std::string& reason, int64_t now_ms);

/// Reads. `transfers_in_state`: oldest first; only of `kind` when given.
std::vector<operator_transfer> transfers_in_state(SQLite::Database& db, const std::string& status,
                                                  size_t limit, const std::string& kind = "");
std::optional<operator_transfer> transfer_by_id(SQLite::Database& db, int64_t id);
std::optional<operator_transfer> transfer_of_intent(statement_cache& sc, int64_t intent_id);
/// Newest first (the console's list).
std::vector<operator_transfer> recent_transfers(SQLite::Database& db, size_t limit);
/// Fee withdrawals REQUESTED or PAYING, planck.
u256 pending_fee_withdrawals(statement_cache& sc);

/// Outbox ids of PAYING transfers whose row was REPLACED (nonce taken): to FAIL.
std::vector<int64_t> transfers_replaced(SQLite::Database& db);
/// PAYING transfers whose outbox row was FINALIZED in block `block_hash`.
struct finalized_transfer {
  int64_t intent_id = 0;
  bool success = false;
  std::string dispatch_error;
  int64_t extrinsic_index = -1;
};
std::vector<finalized_transfer> transfers_finalized_in(statement_cache& sc,
                                                       const std::string& block_hash);

} // namespace lstaked::ledger

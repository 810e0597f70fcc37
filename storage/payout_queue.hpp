// The payout queue's side of the ledger: unstake requests from a finalized
// TokensBurned to KSM paid on Kusama (SPEC §2.4, §2.7, issue #14). The payout
// actor decides (actors/payout_policy.hpp) and signs through the outbox
// (storage/outbox.hpp); every state change of a request happens here, inside a
// storage write_task (one transaction, FULL durability). Reads are fine on a
// read-only connection. docs/payouts.md tells the same story for operators.
//
// States of a request (unstake_requests.status):
//   REQUESTED  recorded from a finalized TokensBurned (ledger::apply_eth_batch).
//   QUEUED     accepted into the queue (queue_requested), waiting for KSM.
//   FUNDED     free KSM on the payout account is set aside for it (fund_*).
//   PAYING     in one payout extrinsic: linked to its outbox intent and its
//              item index in the batch (begin_payout). An intent that EXPIRED
//              is re-signed with the same nonce: its requests stay PAYING on
//              the same intent, nothing here changes.
//   PAID       final: the extrinsic's block was finalized and its item
//              completed (settle_payout); kusama_extrinsic = "<block>-<index>".
//   HELD       cannot be paid as asked; held_reason says why (hold_reason
//              below). Never dropped, never retried by itself: only the
//              operator's release_held puts it back to QUEUED.
//
// Money rules enforced here (each refusal changes nothing):
// - FIFO. The queue's order is (Ethereum block number, log index), both
//   INTEGER (block 9 before block 10, log 2 before log 10). A request is
//   funded only when every earlier request that is not HELD is already
//   FUNDED, PAYING or PAID: fund_in_order walks the queue and stops at the
//   first request that does not fit (it never skips a large head to fund a
//   smaller later one); fund_request refuses unstake_out_of_order. A HELD
//   request does not block the queue: it waits for the operator, and once
//   released it is the earliest unfunded request again, so it is funded next.
// - Never more than the pool has: the caller passes the free KSM available
//   for payouts as read at a finalized block (actors/payout_policy.hpp
//   fundable_now); what is already set aside (FUNDED + PAYING) is subtracted
//   first, so the set-aside total never exceeds it (unstake_exceeds_available).
// - Exactly once: a request is paid only through an outbox intent it was
//   linked to before signing (begin_payout: FUNDED -> PAYING only), and it
//   turns PAID only from that row's final outcome, once
//   (payout_already_settled). A request is in at most one live payout.
// - Users receive exactly what they burned (amount_planck = amount_wei / 1e6,
//   rounded down): the payout extrinsic's fee is reserved in the fee ledger
//   (kind PAYOUT_FEE, one row per intent, settled_at NULL) at begin_payout —
//   payout_fee_unfunded when the fee ledger's balance less the fees reserved
//   for other payouts in flight cannot cover it — and set to the fee actually
//   paid, settled, at settle_payout. Only settled payout fees reduce the fee
//   ledger's balance (and so the ratio's fee_balance): until then the KSM is
//   still on chain and still the operator's. The fee ledger never goes below
//   zero: a paid fee above its balance books the balance and raises a
//   critical alert with the shortfall (the pool bore it).
// - Every request not PAID counts as owed in the ratio (ratio_side_of); the
//   account summary's pending amount is the same set.
// Refusals: unstake_unknown, unstake_wrong_state, unstake_out_of_order,
// unstake_exceeds_available, unstake_unpayable, payout_intent_unusable,
// payout_not_final, payout_already_settled, payout_results_mismatch,
// payout_fee_unfunded (storage/ledger.hpp says what each refines).
// Functions that refuse return caf::error / caf::expected and write nothing.
#pragma once

#include "storage/ledger.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::ledger {

/// Why a request is HELD. Stored as text: to_string(reason), with
/// ":<detail>" for item_failed and batch_failed ("item_failed:Token.BelowMinimum").
enum class hold_reason {
  recipient_missing,         // the account does not exist and the amount is below ED
  below_existential_deposit, // the amount alone could never keep a new account alive
  malformed_recipient,       // TokensBurned's recipient is not a 32-byte AccountId
  zero_amount,               // burned less than one planck: nothing payable
  item_failed,               // the batch item failed on chain (ItemFailed)
  batch_failed,              // the whole payout extrinsic failed on chain
  outbox_replaced,           // the payout's nonce was used by a foreign extrinsic
  operator_hold,             // the operator held it from the console
};
const char* to_string(hold_reason r);
/// The stored text: to_string(r), then ":" + detail when detail is not empty.
std::string hold_reason_text(hold_reason r, const std::string& detail = {});
/// malformed_recipient and zero_amount can never be paid: release refuses them.
bool hold_is_final(const std::string& held_reason_text);

struct unstake_request {
  std::string request_id; // decimal uint256 from the contract
  std::string tx_hash;
  uint64_t log_index = 0;
  uint64_t block_number = 0;
  std::string eth_account;
  std::string recipient;  // 0x + 64 hex (anything, when HELD malformed_recipient)
  u256 amount_wei;
  u256 amount_planck;
  std::string status;     // REQUESTED | QUEUED | FUNDED | PAYING | PAID | HELD
  std::string held_reason;                 // '' unless HELD
  std::optional<int64_t> outbox_id;        // PAYING / PAID (and HELD after a payout)
  std::optional<uint32_t> batch_index;
  std::string kusama_extrinsic;            // "<block>-<index>" once PAID
  std::optional<int64_t> expected_release_at; // unix ms, while waiting for unbonding
  int64_t created_at = 0, updated_at = 0;
  nlohmann::json to_json() const;
};

// ---- writes (inside a storage write_task) ------------------------------------

/// REQUESTED -> QUEUED for every REQUESTED request, in queue order; returns
/// how many. Refuses nothing (a malformed burn is already HELD).
size_t queue_requested(statement_cache& sc, int64_t now_ms);

struct funding_result {
  std::vector<std::string> funded; // request ids, in queue order
  u256 funded_planck;              // their total
  u256 set_aside_planck;           // FUNDED + PAYING after this call
  std::optional<std::string> blocked_by; // the first unfunded request that did not fit
};

/// Funds QUEUED requests in queue order with `available_planck` (free KSM for
/// payouts at a finalized block) minus what is already set aside, stopping at
/// the first that does not fit or at a REQUESTED one. Refuses nothing; funds
/// nothing when the set-aside total already exceeds `available_planck`.
funding_result fund_in_order(statement_cache& sc, const u256& available_planck, int64_t now_ms);

/// QUEUED -> FUNDED for one request. Refuses unstake_unknown,
/// unstake_wrong_state (not QUEUED), unstake_out_of_order (an earlier request
/// is REQUESTED or QUEUED), unstake_exceeds_available.
caf::error fund_request(statement_cache& sc, const std::string& request_id,
                        const u256& available_planck, int64_t now_ms);

/// Links FUNDED requests (batch item i = request_ids[i]) to the outbox intent
/// that will pay them and reserves `fee_reserve_planck` in the fee ledger:
/// FUNDED -> PAYING. Refuses unstake_unknown, unstake_wrong_state (any not
/// FUNDED, a duplicate id, an empty list), payout_intent_unusable (not a
/// Kusama INTENT row with purpose "payout", or already linked),
/// payout_fee_unfunded.
caf::error begin_payout(statement_cache& sc, const std::vector<std::string>& request_ids,
                        int64_t intent_id, const u256& fee_reserve_planck, int64_t now_ms);

/// One batch item's result, from utility.force_batch's ItemCompleted /
/// ItemFailed events in batch order.
struct payout_item_result {
  bool completed = false;
  std::string error; // "Pallet.Error" when failed
};

struct settle_result {
  std::vector<std::string> paid;
  std::vector<std::string> held;
  u256 fee_booked_planck;
};

/// Settles the requests PAYING on `intent_id` from the outbox row's final
/// state, in the caller's transaction (the follower's, for a finalized block):
/// FINALIZED success: item i completed -> PAID with the extrinsic id, failed
///   -> HELD item_failed:<error>; `items` must have one result per request.
/// FINALIZED failed: every request -> HELD batch_failed:<dispatch error>.
/// REPLACED: every request -> HELD outbox_replaced (our transfer did not run).
/// A failed item goes HELD, not back to FUNDED: what failed once on chain
/// (ED, a frozen account) fails again, and the queue never retries in a loop.
/// The PAYOUT_FEE row is set to `fee_paid_planck` (0 when REPLACED).
/// Refuses payout_not_final (INTENT, SUBMITTED, IN_BLOCK, EXPIRED),
/// payout_already_settled, payout_results_mismatch, payout_intent_unusable
/// (no such row or no request was ever linked to it).
caf::expected<settle_result> settle_payout(statement_cache& sc, int64_t intent_id,
                                           const std::vector<payout_item_result>& items,
                                           const u256& fee_paid_planck, int64_t now_ms);

/// REQUESTED, QUEUED or FUNDED -> HELD with the reason (the payout actor, when
/// the recipient does not exist and the amount is below ED; the operator).
/// Refuses unstake_unknown, unstake_wrong_state (PAYING, PAID, HELD).
caf::error hold_request(statement_cache& sc, const std::string& request_id, hold_reason reason,
                        const std::string& detail, int64_t now_ms);

/// The operator's release: HELD -> QUEUED, back at its place in the queue
/// (its block number and log index). Refuses unstake_unknown,
/// unstake_wrong_state (not HELD), unstake_unpayable (hold_is_final).
caf::error release_held(statement_cache& sc, const std::string& request_id, int64_t now_ms);

/// Stores the expected release time (unix ms) of QUEUED requests (the policy's
/// expected_release_ms); other states and unknown ids are skipped. Returns how
/// many were set. Display only: it moves no money.
size_t note_expected_release(statement_cache& sc,
                             const std::vector<std::pair<std::string, int64_t>>& times,
                             int64_t now_ms);

// ---- reads --------------------------------------------------------------------

struct queue_totals {
  u256 unfunded_planck;  // REQUESTED + QUEUED: the queue's need for the bond manager
  u256 set_aside_planck; // FUNDED + PAYING: still on the payout account, spoken for
  u256 held_planck;      // HELD: owed, waiting for the operator
};
queue_totals queue_totals_of(statement_cache& sc);
queue_totals queue_totals_of(SQLite::Database& db);

std::optional<unstake_request> find_unstake(SQLite::Database& db, const std::string& request_id);
/// The first unfunded request (REQUESTED or QUEUED) in queue order.
std::optional<unstake_request> queue_head(SQLite::Database& db);
/// Requests in `status`, in queue order, after position (block, log) when
/// given, at most `limit` (a page for the console).
std::vector<unstake_request> unstakes_in_state(SQLite::Database& db, const std::string& status,
                                               std::optional<std::pair<uint64_t, uint64_t>> after,
                                               size_t limit);
/// FUNDED requests in queue order, at most `limit` (the next batch).
std::vector<unstake_request> funded_batch(SQLite::Database& db, size_t limit);
/// The requests linked to an outbox intent, in batch order.
std::vector<unstake_request> requests_of_intent(SQLite::Database& db, int64_t intent_id);
/// Requests per status (metrics, console).
std::map<std::string, uint64_t> unstake_counts(SQLite::Database& db);

/// Payout outbox rows the chain decided without per-item results (REPLACED,
/// or FINALIZED failed: every item shares the extrinsic's fate) whose
/// requests are still PAYING: the payout actor settles them.
std::vector<int64_t> payouts_decided_without_items(SQLite::Database& db);
/// Payout outbox rows FINALIZED with success in block `block_hash` whose
/// requests are still PAYING: (outbox id, extrinsic index or -1). Read in the
/// follower's transaction, right after the outbox hook matched the block.
std::vector<std::pair<int64_t, int64_t>> payouts_finalized_in(statement_cache& sc,
                                                              const std::string& block_hash);
/// The fee quoted at signing for the attempt the chain included for
/// `intent_id`; nullopt when there is none or the quote was not taken (the
/// node did not answer): never throws on an empty quote.
std::optional<u256> included_fee(statement_cache& sc, int64_t intent_id);

/// The fee to book when settling payout `intent_id`: what the chain says was
/// paid (`from_chain`, TransactionFeePaid) when known, else the quote taken
/// at signing, else the reserve booked when it was signed (a payout is never
/// left unsettled for want of a fee figure).
u256 payout_fee_to_book(statement_cache& sc, int64_t intent_id,
                        const std::optional<u256>& from_chain);

} // namespace lstaked::ledger

// The outbox: every transaction the daemon signs, as a state machine written
// BEFORE each side effect, so a crash at any point leaves a row that says what
// may be on chain and how to find out (issue #12; SPEC "exactly once").
//
// States of an intent (one row per (chain, account, nonce)):
//   INTENT     committed, not yet signed. Its nonce is fixed at this point.
//   SUBMITTED  an attempt (signed bytes + hash) is committed; it is sent, and
//              re-sent as the SAME bytes after a crash or a node error.
//   IN_BLOCK   seen in a best (not yet finalized) block.
//   FINALIZED  seen in a finalized block, with outcome success | failed and
//              the decoded dispatch error ("Staking.InsufficientBond").
//   EXPIRED    the last attempt's mortal era ended and the account's nonce on
//              chain (read at a finalized block the follower has applied) is
//              still unused: it must be re-signed with the SAME nonce.
//   REPLACED   the nonce was consumed on chain by an extrinsic that is none of
//              our attempts (someone used the key by hand): nothing is re-sent,
//              a critical alert is raised.
// Rules enforced here (each refusal changes nothing):
// - nonces per (chain, account) are handed out in order, never twice, and never
//   below what the chain says is next (`add_intent`);
// - an attempt is recorded only for an INTENT or EXPIRED row, and only when
//   every lower nonce of the account already has a live or final attempt
//   (`record_attempt`): refusal::intent_not_signable;
// - Ethereum only: a sent (SUBMITTED/IN_BLOCK) row may get a REPLACEMENT
//   attempt, the same nonce at a higher fee (`record_replacement`); the
//   earlier attempts stay LIVE, since whichever the chain mines settles the
//   row. A Kusama row is never re-signed while an attempt is live;
// - Ethereum rows settle from receipts (`settle_by_receipt`) through any of
//   their attempts' hashes, once: a final row does not change;
// - FINALIZED and REPLACED are final; a finalized block matches an intent
//   through ANY of its attempts' hashes (`match_finalized_block`), inside the
//   follower's transaction, so the match commits with the cursor.
#pragma once

#include "storage/ledger.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::ledger {

struct outbox_attempt {
  std::string tx_hash;    // 0x + 64 hex
  std::string signed_hex; // the exact bytes sent
  std::optional<uint64_t> era_birth, era_period; // Kusama: the mortal era
  std::optional<uint32_t> spec_version;          // Kusama: the runtime signed for
  // Kusama: decimal planck ('' if unknown). Ethereum: JSON object
  // {"max_fee_per_gas", "max_priority_fee_per_gas", "gas_limit"} (decimal wei / gas).
  std::string fee;
  // Read back only (record_* ignore them): 1-based number, LIVE | EXPIRED | INCLUDED, unix ms.
  uint32_t attempt = 0;
  std::string status;
  int64_t created_at = 0;
};

struct outbox_intent {
  int64_t id = 0;
  std::string chain;   // kusama | ethereum
  std::string account; // signer, 0x-hex
  uint64_t nonce = 0;
  std::string purpose;
  nlohmann::json call;
  std::string status;
  std::string outcome, dispatch_error, tx_hash, note;
  uint32_t attempts = 0;
  std::optional<uint64_t> block_number;
  std::string block_hash;
  std::optional<uint32_t> extrinsic_index;
  int64_t created_at = 0, updated_at = 0;
  std::optional<outbox_attempt> live; // the current attempt, if one is LIVE
  nlohmann::json to_json() const;
};

/// Final states: nothing more happens to the row.
bool outbox_final(const std::string& status);

/// Writes a new INTENT. Its nonce = max(chain_next_nonce, last nonce of the
/// account in the outbox + 1). Returns the row.
outbox_intent add_intent(statement_cache& sc, const std::string& chain, const std::string& account,
                         const std::string& purpose, const nlohmann::json& call,
                         uint64_t chain_next_nonce, int64_t now_ms);

/// Records a signed attempt and moves the row to SUBMITTED (see the rules).
/// Throws write_refused(intent_not_signable) when the row is not INTENT/EXPIRED
/// or a lower nonce of the account has no attempt yet.
void record_attempt(statement_cache& sc, int64_t intent_id, const outbox_attempt& a, int64_t now_ms);

/// Ethereum: records a replacement of a sent transaction (same nonce, higher
/// fee; the caller chose the fee) and keeps the row SUBMITTED with it as the
/// live attempt; earlier attempts stay LIVE and still settle the row. Throws
/// write_refused(intent_not_signable) for a Kusama row, or a row that is not
/// SUBMITTED/IN_BLOCK or has no live attempt.
void record_replacement(statement_cache& sc, int64_t intent_id, const outbox_attempt& a,
                        int64_t now_ms);

/// Notes a submission error (kept on the row for status; state unchanged).
void note_intent(statement_cache& sc, int64_t intent_id, const std::string& note, int64_t now_ms);

/// SUBMITTED -> IN_BLOCK when the live attempt is seen in a best block.
void mark_in_block(statement_cache& sc, const std::string& tx_hash, uint64_t block_number,
                   const std::string& block_hash, int64_t now_ms);

/// One extrinsic's result as read from a finalized block's events.
struct extrinsic_result {
  bool success = true;
  std::string dispatch_error; // "Pallet.Error" (or the DispatchError variant) when failed
};

/// For every extrinsic hash of a finalized block that is one of our attempts:
/// FINALIZED with its outcome (a failed one raises a warning alert once).
/// Returns the ids of the intents finalized here.
std::vector<int64_t> match_finalized_block(statement_cache& sc, const std::string& chain,
                                           uint64_t block_number, const std::string& block_hash,
                                           const std::vector<std::string>& extrinsic_hashes,
                                           const std::map<uint32_t, extrinsic_result>& results,
                                           int64_t now_ms);

/// A receipt of one of our attempts in a FINAL block (the caller checked the
/// block is at or below the finalized head): the row -> FINALIZED with outcome
/// success, or failed with `error` (one warning alert); that attempt INCLUDED,
/// the others EXPIRED. Returns the intent id, or nullopt when the hash is none
/// of `chain`'s attempts or its row is already final (nothing changes).
std::optional<int64_t> settle_by_receipt(statement_cache& sc, const std::string& chain,
                                         const std::string& tx_hash, uint64_t block_number,
                                         const std::string& block_hash, uint32_t tx_index,
                                         bool success, const std::string& error, int64_t now_ms);

/// The live attempt's era ended unused: EXPIRED (only from SUBMITTED/IN_BLOCK
/// with that attempt live; otherwise nothing happens and false is returned).
bool mark_expired(statement_cache& sc, int64_t intent_id, const std::string& tx_hash, int64_t now_ms);

/// The nonce was consumed by a foreign extrinsic: REPLACED + critical alert.
bool mark_replaced(statement_cache& sc, int64_t intent_id, const std::string& why, int64_t now_ms);

/// Every non-final intent of a chain, by account then nonce.
std::vector<outbox_intent> open_intents(SQLite::Database& db, const std::string& chain);
std::optional<outbox_intent> intent_by_id(SQLite::Database& db, int64_t id);
/// Every attempt of an intent, oldest first.
std::vector<outbox_attempt> attempts_of(SQLite::Database& db, int64_t intent_id);
/// The newest intents (any state), newest first.
std::vector<outbox_intent> recent_intents(SQLite::Database& db, const std::string& chain,
                                          size_t limit);
/// Rows per status (for metrics).
std::map<std::string, uint64_t> outbox_counts(SQLite::Database& db, const std::string& chain);

/// The last nomination change the daemon made for a stash (its extrinsic
/// pending or succeeded; one that failed on chain or was REPLACED does not count).
struct nomination_change {
  std::string stash;
  int64_t intent_id = 0;
  uint64_t chain_time_ms = 0;
  std::vector<std::string> targets;
};
void record_nomination_change(statement_cache& sc, const nomination_change& c);
std::optional<nomination_change> last_nomination_change(SQLite::Database& db,
                                                        const std::string& stash);

} // namespace lstaked::ledger

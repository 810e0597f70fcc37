// The money ledger: deposits, off-chain shares, claims, unstake requests, and
// the chain cursors they move with. Every function here runs inside a storage
// write_task (one transaction, FULL durability) or on a read-only connection.
//
// Money rules enforced here (SPEC §6):
// - a deposit is keyed by (block hash, extrinsic index, event index): crediting
//   the same event twice is a no-op, never a second credit;
// - a deposit buys shares (rounded down) at the ratio that will be in effect:
//   a PUBLISHING calculation's ratio while there is one, else the current
//   ratio (deposit_ratio), so it is worth its planck once that ratio is in
//   effect and takes no part of a reward or loss that accrued before it;
// - an account's shares only move between "unclaimed" and a claim's
//   reservation; a claim is ACTIVE, CLAIMED or EXPIRED, and only ACTIVE ->
//   CLAIMED or ACTIVE -> EXPIRED exist (an expired claim's shares go back; a
//   CLAIMED one keeps the shares aKSMb minted for it, the rest of the
//   reservation goes back, a loss's extra comes from unclaimed);
// - a claim id is signed at most once (PRIMARY KEY), a request nonce is used
//   at most once per account;
// - Ethereum events are applied with the cursor in the same transaction and
//   keyed by (tx hash, log index), so replaying a window changes nothing;
// - FIFO payouts: an unstake request is funded only when every earlier one
//   (Ethereum block number, then log index, compared as integers) that is not
//   HELD is funded; a request is paid only through the outbox intent it was
//   linked to while FUNDED, and settled once (storage/payout_queue.hpp, this
//   ledger's payout part, enforces both).
// Amounts are decimal TEXT of integers (planck, wei, shares exceed 64 bits).
//
// Refusals: every money rule above that says no says it with a `refusal`
// (below), carried as a caf::error of the "refusal" category that refines an
// ec (make_refusal): `refusal_of(err)` gives the reason, and `is(err, ec::x)`,
// `code_of` and `describe` ("<ec>: <message>") see the ec the refusal refines,
// exactly as before refusals were typed. Callers decide on the refusal (the
// HTTP status, say), never on the message text, which is for humans only.
// Each refusal, the ec it refines, and where it is enforced:
// - claims_paused (unavailable): check_claims_open, which the notary calls in
//   the group-commit transaction that would store the claims;
// - zero_amount, nonce_used, exceeds_claimable (invalid_input) and
//   reservation_exceeds_shares (invalid_state): reserve_claim;
// - claim_fields_mismatch (invalid_state): check_signed_fields, which the
//   notary's claim_signer calls before a signature is stored;
// - deposit_malformed (invalid_input): credit_deposit;
// - deposit_of_other_block (invalid_input), kusama_block_not_next
//   (invalid_state): apply_kusama_block;
// - eth_window_not_after_cursor (invalid_state): apply_eth_batch;
// - unsafe_notary_set (unavailable): check_claims_open, from the reading
//   record_notary_set stored (the rule itself: notary_set_is_safe);
// - intent_not_signable (invalid_state): record_attempt (storage/outbox.hpp);
// - unstake_unknown (invalid_input), unstake_wrong_state,
//   unstake_out_of_order, unstake_exceeds_available, unstake_unpayable,
//   payout_intent_unusable, payout_not_final, payout_already_settled
//   (invalid_state), payout_results_mismatch (invalid_input) and
//   payout_fee_unfunded (unavailable): the payout queue (storage/payout_queue.hpp),
//   where the FIFO rule is written and enforced;
// - transfer_unknown (invalid_input), transfer_wrong_state,
//   deposit_not_refundable, fee_withdrawal_exceeds_balance (invalid_state):
//   operator transfers (storage/operator_transfers.hpp);
// - ratio_readings_moved (invalid_state): decide_ratio (storage/ratio_ledger.hpp).
// A TokensBurned that cannot be paid as asked (recipient not 32 bytes, an
// amount under one planck) is not refused, which would stall the window: it is
// recorded HELD with the reason and a warning alert (apply_eth_batch).
// A refused call changes nothing. Malformed records that move no money
// (staking events, deposit submissions: kusama_ledger.hpp) and arithmetic
// failures stay plain ec errors.
#pragma once

#include "chain/common/error.hpp"
#include "chain/ethereum/u256.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lstaked::ledger {

using chain::eth::u256;

/// Why a money rule refused (see the contract above). Values are stable:
/// they travel in caf::error codes. 0 is not a refusal (CAF: "no error").
enum class refusal : uint8_t {
  /// The operator (or a chain-break halt) paused the claims flow: no claim is
  /// reserved or signed while it is paused. Refines ec::unavailable.
  claims_paused = 1,
  /// A claim must reserve a positive amount. Refines ec::invalid_input.
  zero_amount,
  /// A request nonce is used at most once per account; another request with
  /// it is refused (the same request again is answered, not refused).
  /// Refines ec::invalid_input.
  nonce_used,
  /// A claim may not exceed the account's unclaimed shares at the current
  /// ratio. Refines ec::invalid_input.
  exceeds_claimable,
  /// The rounded-up reservation may never exceed the unclaimed shares (a
  /// guard: exceeds_claimable refuses first). Refines ec::invalid_state.
  reservation_exceeds_shares,
  /// The stored claim must be exactly what the notary signed (claim id,
  /// amount, claimBeforeBlock, recipient). Refines ec::invalid_state.
  claim_fields_mismatch,
  /// A deposit needs a 32-byte sender and a positive amount. Refines ec::invalid_input.
  deposit_malformed,
  /// A block's deposits must all belong to that block. Refines ec::invalid_input.
  deposit_of_other_block,
  /// Kusama blocks are applied in order, each exactly once: only the
  /// cursor's successor is accepted. Refines ec::invalid_state.
  kusama_block_not_next,
  /// An Ethereum window (and every block it keeps) must lie after the
  /// cursor, so no window is applied twice. Refines ec::invalid_state.
  eth_window_not_after_cursor,
  /// Claims are signed only while every claim the pool would accept needs a
  /// signature of this daemon (notary_set_is_safe), as last read at a
  /// finalized block and not older than the caller's bound. Unread, stale or
  /// unsafe: refused. Refines ec::unavailable.
  unsafe_notary_set,
  /// A transaction is signed only for an outbox row that is INTENT or EXPIRED
  /// and whose lower nonces all have an attempt already (storage/outbox.hpp):
  /// never a second live signature for a nonce. Refines ec::invalid_state.
  intent_not_signable,
  // ---- the payout queue (storage/payout_queue.hpp) ----
  /// No unstake request has that id. Refines ec::invalid_input.
  unstake_unknown,
  /// The request is not in the state this transition starts from (paying a
  /// request that is not FUNDED, holding a PAYING one, releasing one that is
  /// not HELD). Refines ec::invalid_state.
  unstake_wrong_state,
  /// FIFO: a request is funded only after every earlier request (by Ethereum
  /// block number, then log index) that is not HELD is funded. Refines ec::invalid_state.
  unstake_out_of_order,
  /// Funding may never set aside more than the free KSM the caller says is
  /// available minus what is already set aside. Refines ec::invalid_state.
  unstake_exceeds_available,
  /// A HELD request that can never be paid as asked (malformed recipient,
  /// zero amount) is not released into the queue. Refines ec::invalid_state.
  unstake_unpayable,
  /// A payout is linked only to an unused Kusama outbox INTENT row with
  /// purpose "payout", never to a row already carrying requests. Refines ec::invalid_state.
  payout_intent_unusable,
  /// A payout settles only from a final outbox row (FINALIZED or REPLACED);
  /// EXPIRED is re-signed with the same nonce and settles later. Refines ec::invalid_state.
  payout_not_final,
  /// A payout settles once: its requests are no longer PAYING. Refines ec::invalid_state.
  payout_already_settled,
  /// The per-item results do not match the batch (one result per request, in
  /// batch order). Refines ec::invalid_input.
  payout_results_mismatch,
  /// The fee ledger cannot cover the payout's fee reservation (fees are paid
  /// by the pool out of the fee ledger, never by users). Refines ec::unavailable.
  payout_fee_unfunded,
  // ---- operator transfers (storage/operator_transfers.hpp) ----
  /// No operator transfer (or deposit) has that id. Refines ec::invalid_input.
  transfer_unknown,
  /// The operator transfer is not in the state this step starts from.
  /// Refines ec::invalid_state.
  transfer_wrong_state,
  /// Only a BELOW_MINIMUM deposit without a live refund may be refunded (once).
  /// Refines ec::invalid_state.
  deposit_not_refundable,
  /// A fee withdrawal may not exceed the fee ledger's balance less the
  /// withdrawals already asked for. Refines ec::invalid_state.
  fee_withdrawal_exceeds_balance,
  // ---- the ratio (storage/ratio_ledger.hpp) ----
  /// A ratio is decided only on readings taken at the followers' cursors and
  /// at the ledger's ratio: a cursor that moved since the reading, or a
  /// RatioUpdated not applied yet, is refused and read again (a race of a
  /// moving chain, not a fault). Refines ec::invalid_state.
  ratio_readings_moved,
};

/// Every refusal, in enum order (tests iterate it).
inline constexpr refusal all_refusals[] = {
  refusal::claims_paused,          refusal::zero_amount,
  refusal::nonce_used,             refusal::exceeds_claimable,
  refusal::reservation_exceeds_shares, refusal::claim_fields_mismatch,
  refusal::deposit_malformed,      refusal::deposit_of_other_block,
  refusal::kusama_block_not_next,  refusal::eth_window_not_after_cursor,
  refusal::unsafe_notary_set,      refusal::intent_not_signable,
  refusal::unstake_unknown,        refusal::unstake_wrong_state,
  refusal::unstake_out_of_order,   refusal::unstake_exceeds_available,
  refusal::unstake_unpayable,      refusal::payout_intent_unusable,
  refusal::payout_not_final,       refusal::payout_already_settled,
  refusal::payout_results_mismatch, refusal::payout_fee_unfunded,
  refusal::transfer_unknown,       refusal::transfer_wrong_state,
  refusal::deposit_not_refundable, refusal::fee_withdrawal_exceeds_balance,
  refusal::ratio_readings_moved,
};

/// Stable lower_snake_case name of a refusal (logs, tests).
const char* to_string(refusal r);

/// The ec a refusal refines (listed in the contract above).
ec base_code(refusal r);

/// A caf::error of the "refusal" category: refusal_of() gives `r`, code_of()
/// gives base_code(r), describe() gives "<base_code>: <message>".
caf::error make_refusal(refusal r, std::string message);

/// The refusal `err` carries, if it is one.
std::optional<refusal> refusal_of(const caf::error& err);

/// Prepared statements reused within one transaction: preparing costs more
/// than most ledger statements themselves when a window or a group commit
/// carries many rows. Each returned statement is reset with no bindings. Not
/// thread-safe; must not outlive the connection. Every function below that
/// takes a Database& uses its own cache; pass one cache to many calls to share.
///
/// The storage actor also keeps one cache per writer connection across
/// transactions (`keep_for_connection`): the notary's group commits and the
/// watchers' windows then prepare nothing after the first. It resets every
/// statement at the end of each transaction (`end_transaction`), so no read
/// cursor or failed step outlives the transaction that made it.
class statement_cache {
public:
  explicit statement_cache(SQLite::Database& db) : db_(db) {}
  ~statement_cache();
  statement_cache(const statement_cache&) = delete;
  statement_cache& operator=(const statement_cache&) = delete;
  SQLite::Statement& operator()(const std::string& sql);
  SQLite::Database& db() { return db_; }
  /// Resets every statement; forgets them all past `max_kept` distinct ones.
  void end_transaction();
  /// From now until destruction, `with_statements` on this connection uses this cache.
  void keep_for_connection();
  static constexpr size_t max_kept = 256;

private:
  SQLite::Database& db_;
  std::map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
  bool kept_ = false;
};

/// The cache kept for `db` by keep_for_connection, or nullptr.
statement_cache* kept_statements(SQLite::Database& db);

/// Runs f(statement_cache&) with the connection's kept cache when it has one
/// (inside a storage write_task), else with a cache of its own.
template <class F>
auto with_statements(SQLite::Database& db, F&& f) {
  if (auto* kept = kept_statements(db))
    return f(*kept);
  statement_cache local{db};
  return f(local);
}

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
/// burns into REQUESTED unstake requests with an UNSTAKE history entry (HELD
/// with a reason and an alert when the recipient is not 0x + 64 hex or the
/// amount is under one planck: malformed_recipient, zero_amount),
/// expires ACTIVE claims whose claimBeforeBlock <= to.number (their shares
/// return to the account), and moves the Ethereum cursor to `to`.
/// Refuses (nothing changes) a window that does not start after the cursor.
caf::error apply_eth_batch(SQLite::Database& db, const eth_batch& batch, int64_t now_ms);
caf::error apply_eth_batch(statement_cache& sc, const eth_batch& batch, int64_t now_ms);

/// The Ethereum cursor (last applied finalized block), if any.
std::optional<eth_block_ref> eth_cursor(SQLite::Database& db);
std::optional<eth_block_ref> eth_cursor(statement_cache& sc);

/// The stored hash of an applied block, if it was kept.
std::optional<std::string> eth_block_hash(SQLite::Database& db, uint64_t number);

// ---- Kusama side ----------------------------------------------------------

/// A Balances.Transfer to the deposit address, from a finalized block.
struct kusama_deposit {
  std::string block_hash; // 0x + 64 hex
  uint64_t block_number = 0;
  uint32_t extrinsic_index = 0;
  uint32_t event_index = 0;
  std::string extrinsic_hash;
  std::string account; // sender AccountId, 0x + 64 hex
  u256 amount_planck;
};

enum class deposit_outcome { credited, below_minimum, duplicate };

/// Records a deposit and, at or above `minimum_planck`, credits its shares at
/// deposit_ratio (floor, shares_for_planck) to the sender with a STAKE history
/// entry. The same event twice is `duplicate` and changes nothing.
caf::expected<deposit_outcome> credit_deposit(SQLite::Database& db, const kusama_deposit& deposit,
                                              const u256& minimum_planck, int64_t now_ms);

struct kusama_block_ref {
  uint64_t number = 0;
  std::string hash; // 0x + 64 hex
};

/// Applies one finalized Kusama block: credits its deposits (credit_deposit
/// each) and moves the Kusama cursor to it, in the caller's transaction.
/// Refuses (nothing changes) a block that is not the cursor's successor, so
/// a block is never applied twice nor skipped. Returns the outcomes in order.
caf::expected<std::vector<deposit_outcome>>
apply_kusama_block(SQLite::Database& db, const kusama_block_ref& block,
                   const std::vector<kusama_deposit>& deposits, const u256& minimum_planck,
                   int64_t now_ms);
/// The same with a caller's cache: a watcher step applying many blocks in one
/// transaction prepares each statement once.
caf::expected<std::vector<deposit_outcome>>
apply_kusama_block(statement_cache& sc, const kusama_block_ref& block,
                   const std::vector<kusama_deposit>& deposits, const u256& minimum_planck,
                   int64_t now_ms);

/// The Kusama cursor (last applied finalized block), if any.
std::optional<kusama_block_ref> kusama_cursor(SQLite::Database& db);
std::optional<kusama_block_ref> kusama_cursor(statement_cache& sc);

/// The ratio in force: the last published one, or ratio_one() before any.
u256 current_ratio(SQLite::Database& db);

/// The ratio a deposit credited now buys shares at: while a ratio calculation
/// is PUBLISHING (storage/ratio_ledger.hpp), its published ratio, the pool's
/// value as last measured and the ratio about to take effect; otherwise
/// current_ratio. At the ratio still in effect, a deposit credited between a
/// calculation and its RatioUpdated being final would, once the new ratio
/// takes effect, be worth its planck plus that step's reward (taken from
/// everyone else's by the next calculation) or minus a loss that happened
/// before it (docs/ratio.md, "Deposits while a ratio is being published").
/// Read it in the write transaction that credits (credit_deposit does), so
/// that a deposit and a calculation are ordered.
u256 deposit_ratio(SQLite::Database& db);
u256 deposit_ratio(statement_cache& sc);

// ---- accounts and claims --------------------------------------------------

struct account_summary {
  u256 deposited_planck;       // principal credited
  u256 unclaimed_shares;       // not in any claim
  u256 reserved_shares;        // in ACTIVE claims
  u256 claimable_planck;       // unclaimed shares at the current ratio
  u256 in_active_claims_planck;
  u256 pending_unstake_planck; // unstake requests to this account not PAID yet
                               // (REQUESTED, QUEUED, FUNDED, PAYING, HELD)
};

/// Zeroes for an unknown account.
caf::expected<account_summary> summarize_account(SQLite::Database& db, const std::string& account);
/// The same with a caller's cache (the API's per-thread read statements).
caf::expected<account_summary> summarize_account(statement_cache& sc, const std::string& account);

struct claim_record {
  std::string claim_id;
  std::string account;
  std::string eth_address;
  u256 amount_planck;
  u256 amount_wei;
  u256 shares;
  uint64_t claim_before_block = 0;
  std::string status; // ACTIVE | CLAIMED | EXPIRED
  std::string signature;
  int64_t created_at = 0;
  int64_t expires_at = 0;
};

/// What the notary asks the ledger to reserve, after verifying the user's signature.
struct claim_intent {
  std::string claim_id;       // derived from request_digest by the notary
  std::string request_digest; // hash of the exact signed request
  std::string account;
  std::string eth_address;
  u256 amount_planck;
  std::string nonce;
  uint64_t claim_before_block = 0;
  int64_t expires_at_ms = 0;
};

/// Signs the claim (EIP-712); called inside the transaction so the signature
/// is stored before anyone can see it.
using claim_signer = std::function<caf::expected<std::string>(const claim_record&)>;

/// The fields an EIP-712 claim signature covers.
struct signed_claim_fields {
  std::string claim_id;
  u256 amount_wei;
  uint64_t claim_before_block = 0;
  std::string eth_address;
};

/// Refuses (claim_fields_mismatch) a claim record that differs from what was
/// signed: a claim_signer calls it before handing its signature to the ledger.
caf::error check_signed_fields(const claim_record& c, const signed_claim_fields& signed_as);

/// Reserves `amount_planck` worth of the account's unclaimed shares (rounded
/// up, so the account never gets more than it holds), signs, and stores the
/// ACTIVE claim with a CLAIM history entry. The same request_digest again
/// returns the stored claim unchanged; refuses (nothing changes) zero_amount,
/// nonce_used (the nonce with another request), exceeds_claimable (above
/// `claimable`), reservation_exceeds_shares (a guard). It does not read the
/// pause switch: its caller runs check_claims_open in the same transaction.
caf::expected<claim_record> reserve_claim(SQLite::Database& db, const claim_intent& intent,
                                          const claim_signer& sign, int64_t now_ms);
caf::expected<claim_record> reserve_claim(statement_cache& sc, const claim_intent& intent,
                                          const claim_signer& sign, int64_t now_ms);

std::optional<claim_record> find_claim(SQLite::Database& db, const std::string& claim_id);
std::optional<claim_record> find_claim(statement_cache& sc, const std::string& claim_id);
std::vector<claim_record> claims_of(SQLite::Database& db, const std::string& account,
                                    size_t limit);

/// One STAKE, CLAIM or UNSTAKE entry of an account's history.
struct history_entry {
  int64_t id = 0;
  std::string kind;   // STAKE | CLAIM | UNSTAKE
  u256 amount_planck; // a corrupt stored amount reads as 0 (display only)
  std::string status;
  std::string reference;
  std::optional<std::string> chain_ref;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

/// The account's entries with id < `before`, newest first, at most `limit`.
/// Read-only; fine on a read-only connection.
std::vector<history_entry> history_of(SQLite::Database& db, const std::string& account,
                                      int64_t before, int64_t limit);
std::vector<history_entry> history_of(statement_cache& sc, const std::string& account,
                                      int64_t before, int64_t limit);

/// One history row as stored, for writing it out without copies: the views
/// point into SQLite's row and are valid only during the callback.
struct history_row {
  int64_t id = 0;
  std::string_view kind;
  std::string_view amount_planck; // canonical decimal digits; "0" for a corrupt stored amount
  std::string_view status;
  std::string_view reference;
  std::optional<std::string_view> chain_ref;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};
/// history_of's rows, each passed to `f` in order; returns how many.
size_t for_each_history(statement_cache& sc, const std::string& account, int64_t before,
                        int64_t limit, const std::function<void(const history_row&)>& f);

// ---- alerts and flow switches ---------------------------------------------

/// Raises an alert (severity info|warning|critical) visible on the console.
void raise_alert(SQLite::Database& db, const std::string& severity, const std::string& source,
                 const std::string& message, int64_t now_ms);
void raise_alert(statement_cache& sc, const std::string& severity, const std::string& source,
                 const std::string& message, int64_t now_ms);

/// Pauses (or resumes) a flow: deposits, claims, ratio, bonding, payouts.
void set_flow_paused(SQLite::Database& db, const std::string& flow, bool paused,
                     const std::string& reason, int64_t now_ms);
void set_flow_paused(statement_cache& sc, const std::string& flow, bool paused,
                     const std::string& reason, int64_t now_ms);
bool flow_paused(SQLite::Database& db, const std::string& flow);
bool flow_paused(statement_cache& sc, const std::string& flow);

/// Refuses (claims_paused) while the claims flow is paused. Run it in the
/// transaction that would reserve the claims: a pause committed before that
/// transaction stops every claim in it.
caf::error check_claims_open(statement_cache& sc);

// ---- the notary set ---------------------------------------------------------
//
// Each daemon reserves claimable amounts in its own database only. If a claim
// could reach the pool's threshold without a signature of this daemon, another
// notary (another daemon, another ledger) could sign against the same deposit
// and the pool would mint twice. So claims are signed only while the pool's
// notaries whose keys this daemon does NOT hold are fewer than the threshold
// (then every valid claim carries one of our signatures, hence passed our
// ledger), and while this daemon holds at least `threshold` on-chain notary
// keys (else its claims could never be valid). The pool cannot list its
// notaries, but notaryCount(), threshold() and isNotary(ours) suffice.

/// The pool's notary set as read at one finalized Ethereum block.
struct notary_set_reading {
  uint64_t block_number = 0;
  uint64_t notary_count = 0;           // PolkadotPool.notaryCount()
  uint64_t threshold = 0;              // PolkadotPool.threshold()
  std::vector<std::string> held;       // our addresses with isNotary() true, 0x + 40 lower hex
};

/// The rule above: empty when safe, else why not (one line for humans).
std::string notary_set_unsafe_reason(const notary_set_reading& r);
inline bool notary_set_is_safe(const notary_set_reading& r) {
  return notary_set_unsafe_reason(r).empty();
}

/// What the notary signs with: the first `threshold` held addresses in
/// ascending order (the pool wants signers strictly ascending). Empty when unsafe.
std::vector<std::string> notary_signers(const notary_set_reading& r);

/// The stored reading and when it was made.
struct notary_set_state {
  notary_set_reading reading;
  bool safe = false;
  std::string reason;  // why not safe ('' when safe)
  int64_t checked_at_ms = 0;
};

/// Stores a reading (replacing the last). When safety changes (or on the
/// first reading) raises an alert (critical when unsafe, info when safe
/// again). Returns the stored state.
notary_set_state record_notary_set(statement_cache& sc, const notary_set_reading& r,
                                   int64_t now_ms);
std::optional<notary_set_state> notary_set_of(statement_cache& sc);
std::optional<notary_set_state> notary_set_of(SQLite::Database& db);

/// Refuses (unsafe_notary_set) unless a reading exists, is at most `max_age_ms`
/// old at `now_ms`, is safe, and names exactly `signers` as the keys to sign
/// with (the notary presigned with them). Run it with check_claims_open in the
/// transaction that would store the claims.
caf::error check_notary_set(statement_cache& sc, const std::vector<std::string>& signers,
                            int64_t now_ms, int64_t max_age_ms);

/// The flows that move money on the strength of `chain`'s finalized history
/// ("ethereum": claims, payouts; "kusama": deposits, claims, bonding, payouts,
/// ratio).
const std::vector<std::string>& flows_depending_on(const std::string& chain);

/// A chain's finalized history is not what was applied (a reorg below
/// finality, a block that does not continue the cursor, another chain behind
/// the URL): raises a critical alert from `source` and pauses every flow that
/// depends on `chain`, in one transaction. Only an operator resumes them.
void halt_on_chain_break(SQLite::Database& db, const std::string& chain,
                         const std::string& source, const std::string& what, int64_t now_ms);

} // namespace lstaked::ledger

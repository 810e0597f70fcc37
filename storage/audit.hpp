// `lstaked audit`, the database side: the ledger's own money rules checked on
// one read snapshot, and the comparison of the ledger with what the chains say
// (the chain reads themselves are api/audit_command.cpp's; here they arrive as
// the same ledger records the watchers apply, so the matching is testable on a
// temp database).
//
// Contract: every function only reads (it is meant for a read-only connection
// inside one read transaction, so all checks see the same snapshot) and never
// throws for bad data: a corrupt amount, a missing row, a row that disagrees is
// a discrepancy with a stable `code` and a message naming the row. Not
// thread-safe on one connection. Money is integers (u256) throughout.
//
// The rules, each one named check (codes in brackets):
// - ledger.shares — shares are conserved (ledger.cpp moves them only so):
//     Σ shares of CREDITED deposits
//       = Σ accounts.unclaimed + Σ shares of ACTIVE claims + Σ shares of CLAIMED claims
//   (an EXPIRED claim's shares went back to `unclaimed`; a CLAIMED claim's
//   shares left the ledger for Ethereum), and per account: unclaimed =
//   its credited − its ACTIVE − its CLAIMED, reserved = its ACTIVE, deposited =
//   its CREDITED planck [shares_not_conserved, account_shares_mismatch,
//   account_reserved_mismatch, account_deposited_mismatch, account_missing,
//   deposit_shares_invalid (a BELOW_MINIMUM/REFUNDED row holding shares, a
//   CREDITED one holding none), corrupt_amount].
// - ledger.claims — amount_wei = amount_planck × 1e6 [claim_amount_mismatch].
// - ledger.history — every deposit has its STAKE entry, every claim its CLAIM
//   entry, every unstake request its UNSTAKE entry, with the same account and
//   amount (and the deposit's / claim's status); no entry without its row
//   [history_missing, history_mismatch, history_orphan].
// - ledger.unstakes — amount_planck = amount_wei / 1e6 rounded down
//   [unstake_amount_mismatch].
// - ledger.fees — every FEE row belongs to an IN_EFFECT calculation with the
//   same fee, every IN_EFFECT calculation with a fee has its FEE row, and
//   Σ FEE − Σ WITHDRAWAL − Σ PAYOUT_FEE settled ≥ 0 (a PAYOUT_FEE row names a
//   payout intent, not a calculation; unsettled it is only a reservation)
//   [fee_without_calculation, fee_amount_mismatch, fee_not_booked,
//   fee_balance_negative].
// - ledger.ratio — every IN_EFFECT calculation's ratio is in ratio_history
//   [ratio_not_in_history].
// - ethereum.claims / ethereum.burns / ethereum.ratio (check_eth_events) —
//   every BondsClaimed matches exactly one CLAIMED claim (claimId, amount,
//   recipient, tx) and every CLAIMED claim has its event; every TokensBurned
//   matches exactly one unstake request (tx hash, log index, request id,
//   amount, shares, recipient) and vice versa; every aKSMb RatioUpdated is a
//   ratio_history row (tx, ratio, block) and every row with a tx hash has its
//   event [claim_event_unmatched, claim_event_mismatch, claim_event_duplicate,
//   claimed_without_event, burn_event_unmatched, burn_event_mismatch,
//   unstake_without_event, ratio_event_unmatched, ratio_history_without_event].
// - ethereum.total_shares (check_total_shares) — with E = aKSMb.totalShares()
//   at the Ethereum cursor, E0 = the same just before ethereum.start_block (0
//   when the token did not exist yet), M / B = Σ shares of the BondsClaimed /
//   TokensBurned events read, U / R = Σ accounts' unclaimed / reserved shares,
//   D = Σ shares of CREDITED deposits, X = Σ shares of the ledger's unstake
//   requests and, per CLAIMED claim, drift = the claim's shares − minted shares
//   (0: at the mint the ledger keeps the minted shares on the claim and moves
//   the rest of the reservation back to unclaimed, or takes a loss's
//   difference from unclaimed; not 0 only where unclaimed could not cover it):
//     (token)  E − E0 = M − B                   [token_shares_not_from_pool]
//     (ledger) (E − E0) + X + U + R = D − Σ drift   [total_shares_mismatch]
//   i.e. "aKSMb's shares + burned + unclaimed + reserved = the ledger's total".
// - kusama.deposits (check_kusama_deposits) — every Balances.Transfer to the
//   deposit account in the scanned finalized range is in `deposits` exactly
//   once (by block number + event index) with the same block hash, extrinsic,
//   sender and amount, and every deposits row is one of them
//   [transfer_not_in_ledger, deposit_mismatch, deposit_duplicate,
//   deposit_not_on_chain, deposit_outside_range].
// - kusama.payouts (check_kusama_payouts, storage/audit_payouts.cpp) — every
//   Balances.Transfer out of the deposit account (the payout account) in the
//   scanned finalized range is accounted for: a transfer to one of the pool's
//   own accounts (stashes) is the bond manager's; every PAID unstake request is
//   exactly one transfer in the extrinsic it names (kusama_extrinsic), to its
//   recipient, of its amount; a transfer left over to the recipient of a PAID
//   request pays it twice; one left over in the daemon's payout extrinsic
//   (outbox purpose "payout") pays nobody the ledger knows; one in no extrinsic
//   the daemon signed moved pool KSM behind the ledger's back. A transfer in
//   the daemon's refund or fee-withdrawal extrinsic (outbox purpose "refund" /
//   "fee_withdrawal") is exactly its operator transfer's recipient and amount,
//   once, and every DONE operator transfer in the range has its transfer. A
//   transfer in another extrinsic the daemon signed (the bond manager's) is not
//   a payout [paid_without_transfer, payout_mismatch, payout_duplicate,
//   payout_transfer_unmatched, transfer_out_unaccounted, payout_outside_range,
//   operator_transfer_unmatched, operator_transfer_duplicate,
//   operator_transfer_mismatch, operator_transfer_without_transfer,
//   corrupt_amount].
#pragma once

#include "storage/ledger.hpp"
#include "storage/ratio_ledger.hpp"

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lstaked::audit {

using ledger::u256;

struct discrepancy {
  std::string check; // the check that found it
  std::string code;  // stable, lower_snake_case
  std::string message;
};

struct check_result {
  std::string name;
  bool ok = true;
  bool skipped = false;
  std::string detail;
};

/// The checks run so far and what they found. A check is begun, collects
/// discrepancies, and is finished with a detail line (ok: none found).
class report {
public:
  void begin(std::string name);
  void add(std::string code, std::string message);
  void finish(std::string detail);
  /// A check that did not run, and why (it does not make the report fail).
  void skip(std::string name, std::string detail);
  /// Appends to the detail of the last check (a caveat about how it ran).
  void note(const std::string& more);

  bool ok() const { return discrepancies_.empty(); }
  const std::vector<check_result>& checks() const { return checks_; }
  const std::vector<discrepancy>& discrepancies() const { return discrepancies_; }
  /// Codes found, in order (tests).
  std::vector<std::string> codes() const;
  /// {"ok", "checks": [{"name","ok","detail"[,"skipped"]}],
  ///  "discrepancies": [{"code","message","check"}]}
  nlohmann::json to_json() const;

private:
  std::string current_;
  size_t found_at_begin_ = 0;
  std::vector<check_result> checks_;
  std::vector<discrepancy> discrepancies_;
};

/// The ledger-internal checks (ledger.*), in the order above.
void check_ledger(SQLite::Database& db, report& r);

/// The pool's and aKSMb's events read from [from, to] of Ethereum.
struct eth_events {
  std::vector<ledger::eth_claim_event> claims;
  std::vector<ledger::eth_burn_event> burns;
  std::vector<ledger::ratio_updated_event> ratio_updates;
};

/// ethereum.claims, ethereum.burns, ethereum.ratio.
void check_eth_events(SQLite::Database& db, const eth_events& events, report& r);

/// ethereum.total_shares: `at_cursor` = E, `before_start` = E0 (see above).
void check_total_shares(SQLite::Database& db, const eth_events& events, const u256& at_cursor,
                        const u256& before_start, report& r);

/// kusama.deposits: `on_chain` = every transfer to the deposit account in the
/// finalized blocks [from, to], as scan_events decodes them (extrinsic_hash
/// filled when known; an empty one is not compared).
void check_kusama_deposits(SQLite::Database& db, const std::vector<ledger::kusama_deposit>& on_chain,
                           uint64_t from, uint64_t to, report& r);

/// A Balances.Transfer out of the deposit (payout) account, as read from a
/// finalized block.
struct pool_transfer {
  uint64_t block_number = 0;
  std::string block_hash;
  uint32_t extrinsic_index = 0;
  uint32_t event_index = 0;
  std::string to; // recipient AccountId, 0x + 64 hex (lower case)
  u256 amount_planck;
};

/// kusama.payouts: `out_of_pool` = every transfer out of the deposit account
/// in the finalized blocks [from, to]; `own_accounts` = the pool's other
/// accounts (0x AccountIds of the stashes), whose incoming transfers are not
/// payouts.
void check_kusama_payouts(SQLite::Database& db, const std::vector<pool_transfer>& out_of_pool,
                          const std::vector<std::string>& own_accounts, uint64_t from, uint64_t to,
                          report& r);

/// The block of the oldest deposits row, if any (the Kusama scan's start when
/// kusama.start_block = 0 left the daemon's first block unrecorded).
std::optional<uint64_t> first_deposit_block(SQLite::Database& db);

/// Whether tables named payout* exist (the old payouts hook; kept for its test).
bool payout_tables_exist(SQLite::Database& db);

} // namespace lstaked::audit

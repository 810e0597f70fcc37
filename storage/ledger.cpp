#include "storage/ledger.hpp"

#include <algorithm>

#include <SQLiteCpp/Statement.h>

#include <mutex>
#include <optional>
#include <stdexcept>

namespace lstaked::ledger {

namespace {
// Writer connections with a kept cache (one per storage actor incarnation).
std::mutex kept_mutex;
std::map<sqlite3*, statement_cache*> kept_caches;
} // namespace

statement_cache::~statement_cache() {
  if (kept_) {
    std::lock_guard<std::mutex> lock{kept_mutex};
    kept_caches.erase(db_.getHandle());
  }
}

SQLite::Statement& statement_cache::operator()(const std::string& sql) {
  auto& slot = statements_[sql];
  if (!slot)
    slot = std::make_unique<SQLite::Statement>(db_, sql);
  // tryReset: a failed last step (say a constraint, rolled back to a
  // savepoint) must not fail the next, unrelated use of the statement.
  slot->tryReset();
  slot->clearBindings();
  return *slot;
}

void statement_cache::end_transaction() {
  for (auto& [_, statement] : statements_)
    statement->tryReset();
  if (statements_.size() > max_kept)
    statements_.clear();
}

void statement_cache::keep_for_connection() {
  std::lock_guard<std::mutex> lock{kept_mutex};
  kept_caches[db_.getHandle()] = this;
  kept_ = true;
}

statement_cache* kept_statements(SQLite::Database& db) {
  std::lock_guard<std::mutex> lock{kept_mutex};
  auto it = kept_caches.find(db.getHandle());
  return it == kept_caches.end() ? nullptr : it->second;
}

namespace {
constexpr caf::atom_value refusal_category = caf::atom("refusal");
} // namespace

const char* to_string(refusal r) {
  switch (r) {
    case refusal::claims_paused: return "claims_paused";
    case refusal::zero_amount: return "zero_amount";
    case refusal::nonce_used: return "nonce_used";
    case refusal::exceeds_claimable: return "exceeds_claimable";
    case refusal::reservation_exceeds_shares: return "reservation_exceeds_shares";
    case refusal::claim_fields_mismatch: return "claim_fields_mismatch";
    case refusal::deposit_malformed: return "deposit_malformed";
    case refusal::deposit_of_other_block: return "deposit_of_other_block";
    case refusal::kusama_block_not_next: return "kusama_block_not_next";
    case refusal::eth_window_not_after_cursor: return "eth_window_not_after_cursor";
    case refusal::unsafe_notary_set: return "unsafe_notary_set";
    case refusal::intent_not_signable: return "intent_not_signable";
    case refusal::unstake_unknown: return "unstake_unknown";
    case refusal::unstake_wrong_state: return "unstake_wrong_state";
    case refusal::unstake_out_of_order: return "unstake_out_of_order";
    case refusal::unstake_exceeds_available: return "unstake_exceeds_available";
    case refusal::unstake_unpayable: return "unstake_unpayable";
    case refusal::payout_intent_unusable: return "payout_intent_unusable";
    case refusal::payout_not_final: return "payout_not_final";
    case refusal::payout_already_settled: return "payout_already_settled";
    case refusal::payout_results_mismatch: return "payout_results_mismatch";
    case refusal::payout_fee_unfunded: return "payout_fee_unfunded";
    case refusal::transfer_unknown: return "transfer_unknown";
    case refusal::transfer_wrong_state: return "transfer_wrong_state";
    case refusal::deposit_not_refundable: return "deposit_not_refundable";
    case refusal::fee_withdrawal_exceeds_balance: return "fee_withdrawal_exceeds_balance";
    case refusal::ratio_readings_moved: return "ratio_readings_moved";
  }
  return "unknown";
}

ec base_code(refusal r) {
  switch (r) {
    case refusal::claims_paused:
    case refusal::unsafe_notary_set:
    case refusal::payout_fee_unfunded:
      return ec::unavailable;
    case refusal::unstake_unknown:
    case refusal::transfer_unknown:
    case refusal::payout_results_mismatch:
    case refusal::zero_amount:
    case refusal::nonce_used:
    case refusal::exceeds_claimable:
    case refusal::deposit_malformed:
    case refusal::deposit_of_other_block:
      return ec::invalid_input;
    case refusal::reservation_exceeds_shares:
    case refusal::claim_fields_mismatch:
    case refusal::kusama_block_not_next:
    case refusal::eth_window_not_after_cursor:
    case refusal::intent_not_signable:
    case refusal::unstake_wrong_state:
    case refusal::unstake_out_of_order:
    case refusal::unstake_exceeds_available:
    case refusal::transfer_wrong_state:
    case refusal::deposit_not_refundable:
    case refusal::fee_withdrawal_exceeds_balance:
    case refusal::ratio_readings_moved:
    case refusal::unstake_unpayable:
    case refusal::payout_intent_unusable:
    case refusal::payout_not_final:
    case refusal::payout_already_settled:
      return ec::invalid_state;
  }
  return ec::invalid_state;
}

caf::error make_refusal(refusal r, std::string message) {
  return make_refined_error(refusal_category, static_cast<uint8_t>(r), base_code(r),
                            std::move(message));
}

std::optional<refusal> refusal_of(const caf::error& err) {
  if (!err || err.category() != refusal_category)
    return std::nullopt;
  for (auto r : all_refusals)
    if (static_cast<uint8_t>(r) == err.code())
      return r;
  return std::nullopt;
}

// The statement_cache versions do the work; the Database& ones (end of file) wrap them.
void raise_alert(statement_cache& sc, const std::string& severity, const std::string& source,
                 const std::string& message, int64_t now_ms);

namespace {

// Ledger functions run inside a storage write_task: throwing rolls the whole
// transaction back, which is what every money invariant below relies on.
[[noreturn]] void abort_tx(const std::string& why) {
  throw std::runtime_error(why);
}

u256 dec(const std::string& text) {
  auto v = u256::from_dec(text);
  if (!v)
    abort_tx("corrupt amount in ledger: \"" + text + "\"");
  return *v;
}

u256 must(caf::expected<u256> v, const char* what) {
  if (!v)
    abort_tx(std::string{what} + ": " + describe(v.error()));
  return *v;
}

void ensure_account(statement_cache& sc, const std::string& account, int64_t now_ms) {
  auto& q = sc("INSERT INTO accounts (account, updated_at) VALUES (?, ?) "
                          "ON CONFLICT (account) DO NOTHING");
  q.bind(1, account);
  q.bind(2, now_ms);
  q.exec();
}

struct account_row {
  u256 unclaimed, reserved, deposited;
};

std::optional<account_row> load_account(statement_cache& sc, const std::string& account) {
  auto& q = sc("SELECT unclaimed_shares, reserved_shares, deposited_planck "
                          "FROM accounts WHERE account = ?");
  q.bind(1, account);
  if (!q.executeStep())
    return std::nullopt;
  return account_row{dec(q.getColumn(0).getString()), dec(q.getColumn(1).getString()),
                     dec(q.getColumn(2).getString())};
}

void store_account(statement_cache& sc, const std::string& account, const account_row& row,
                   int64_t now_ms) {
  auto& q = sc("UPDATE accounts SET unclaimed_shares = ?, reserved_shares = ?, "
                          "deposited_planck = ?, updated_at = ? WHERE account = ?");
  q.bind(1, row.unclaimed.to_dec());
  q.bind(2, row.reserved.to_dec());
  q.bind(3, row.deposited.to_dec());
  q.bind(4, now_ms);
  q.bind(5, account);
  if (q.exec() != 1)
    abort_tx("account " + account + " vanished");
}

constexpr const char* history_insert_sql =
  "INSERT INTO history (account, kind, amount_planck, status, reference, chain_ref, created_at, "
  "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

void add_history(statement_cache& sc, const std::string& account, const char* kind,
                 const std::string& planck_dec, const std::string& status,
                 const std::string& reference, const std::string& chain_ref, int64_t now_ms) {
  auto& q = sc(history_insert_sql);
  q.bind(1, account);
  q.bind(2, kind);
  q.bind(3, planck_dec);
  q.bind(4, status);
  q.bind(5, reference);
  if (chain_ref.empty())
    q.bind(6);
  else
    q.bind(6, chain_ref);
  q.bind(7, now_ms);
  q.bind(8, now_ms);
  q.exec();
}

void set_history_status(statement_cache& sc, const char* kind, const std::string& reference,
                        const std::string& status, const std::string& chain_ref, int64_t now_ms) {
  auto& q = sc("UPDATE history SET status = ?, chain_ref = coalesce(?, chain_ref), "
                          "updated_at = ? WHERE kind = ? AND reference = ?");
  q.bind(1, status);
  if (chain_ref.empty())
    q.bind(2);
  else
    q.bind(2, chain_ref);
  q.bind(3, now_ms);
  q.bind(4, kind);
  q.bind(5, reference);
  q.exec();
}

claim_record read_claim(SQLite::Statement& q) {
  claim_record c;
  c.claim_id = q.getColumn(0).getString();
  c.account = q.getColumn(1).getString();
  c.eth_address = q.getColumn(2).getString();
  c.amount_planck = dec(q.getColumn(3).getString());
  c.amount_wei = dec(q.getColumn(4).getString());
  c.shares = dec(q.getColumn(5).getString());
  c.claim_before_block = static_cast<uint64_t>(q.getColumn(6).getInt64());
  c.status = q.getColumn(7).getString();
  c.signature = q.getColumn(8).getString();
  c.created_at = q.getColumn(9).getInt64();
  c.expires_at = q.getColumn(10).getInt64();
  return c;
}

constexpr const char* claim_columns =
  "claim_id, account, eth_address, amount_planck, amount_wei, shares, claim_before_block, "
  "status, signature, created_at, expires_at";

std::string deposit_reference(const kusama_deposit& d) {
  return d.block_hash + ":" + std::to_string(d.extrinsic_index) + ":"
         + std::to_string(d.event_index);
}

} // namespace

u256 ratio_one() {
  static const u256 one = u256::pow10(18); // computed once: used per claim and per event
  return one;
}

u256 wei_per_planck() {
  static const u256 scale = u256::pow10(6);
  return scale;
}

caf::expected<u256> shares_for_planck(const u256& planck, const u256& ratio) {
  auto wei = checked_mul(planck, wei_per_planck());
  if (!wei)
    return wei.error();
  return checked_mul_div(*wei, ratio, ratio_one());
}

caf::expected<u256> planck_for_shares(const u256& shares, const u256& ratio) {
  if (ratio.is_zero())
    return make_error(ec::invalid_state, "ratio is zero");
  auto wei = checked_mul_div(shares, ratio_one(), ratio);
  if (!wei)
    return wei.error();
  return checked_div(*wei, wei_per_planck());
}

u256 current_ratio(statement_cache& sc) {
  auto& q = sc("SELECT ratio FROM ratio_history ORDER BY id DESC LIMIT 1");
  if (q.executeStep())
    return dec(q.getColumn(0).getString());
  return ratio_one();
}

u256 deposit_ratio(statement_cache& sc) {
  // The newest calculation is the one being published, if any: the ratio
  // calculator makes no calculation while one is PUBLISHING
  // (actors/ratio_calculator.cpp). Reading it by rowid keeps this O(log n) per
  // deposit on a ledger with years of calculations.
  auto& q = sc("SELECT status, published_ratio FROM ratio_calculations ORDER BY id DESC LIMIT 1");
  if (q.executeStep() && q.getColumn(0).getString() == "PUBLISHING") {
    // The pool was last measured at this ratio and it is about to take effect:
    // a deposit credited now buys shares worth its planck at it. At the ratio
    // still in effect it would get, once this one takes effect, this step's
    // reward on its deposit (taken from everyone else's by the next
    // calculation), or bear a loss that happened before it deposited.
    auto pending = dec(q.getColumn(1).getString());
    q.reset();
    if (pending.is_zero())
      abort_tx("ratio calculation being published has a zero ratio");
    return pending;
  }
  q.reset();
  return current_ratio(sc);
}

caf::expected<deposit_outcome> credit_deposit(statement_cache& sc, const kusama_deposit& d,
                                              const u256& minimum_planck, int64_t now_ms) {
  if (d.account.size() != 66 || d.amount_planck.is_zero())
    return make_refusal(refusal::deposit_malformed,
                        "deposit needs a 32-byte account and a positive amount");
  bool credit = d.amount_planck >= minimum_planck;
  // Read in this write transaction (the single writer): a deposit and a
  // calculation, or its taking effect, are ordered one way or the other.
  auto ratio = deposit_ratio(sc);
  auto shares = credit ? shares_for_planck(d.amount_planck, ratio) : caf::expected<u256>{u256{}};
  if (!shares)
    return shares.error();
  // The UNIQUE key makes a replayed event a no-op: credited exactly once.
  auto& ins = sc("INSERT INTO deposits (block_hash, block_number, extrinsic_index, "
                            "event_index, extrinsic_hash, account, amount_planck, shares, status, "
                            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT (block_hash, extrinsic_index, event_index) DO NOTHING");
  ins.bind(1, d.block_hash);
  ins.bind(2, static_cast<int64_t>(d.block_number));
  ins.bind(3, static_cast<int64_t>(d.extrinsic_index));
  ins.bind(4, static_cast<int64_t>(d.event_index));
  ins.bind(5, d.extrinsic_hash);
  ins.bind(6, d.account);
  ins.bind(7, d.amount_planck.to_dec());
  ins.bind(8, shares->to_dec());
  ins.bind(9, credit ? "CREDITED" : "BELOW_MINIMUM");
  ins.bind(10, now_ms);
  if (ins.exec() == 0)
    return deposit_outcome::duplicate;
  ensure_account(sc, d.account, now_ms);
  if (credit) {
    auto row = *load_account(sc, d.account);
    row.unclaimed = must(checked_add(row.unclaimed, *shares), "unclaimed shares");
    row.deposited = must(checked_add(row.deposited, d.amount_planck), "deposited planck");
    store_account(sc, d.account, row, now_ms);
  }
  add_history(sc, d.account, "STAKE", d.amount_planck.to_dec(), credit ? "CREDITED" : "BELOW_MINIMUM",
              deposit_reference(d),
              std::to_string(d.block_number) + "-" + std::to_string(d.extrinsic_index), now_ms);
  return credit ? deposit_outcome::credited : deposit_outcome::below_minimum;
}

std::optional<kusama_block_ref> kusama_cursor(statement_cache& sc) {
  auto& q = sc("SELECT block_number, block_hash FROM chain_cursors WHERE chain = 'kusama'");
  if (!q.executeStep())
    return std::nullopt;
  return kusama_block_ref{static_cast<uint64_t>(q.getColumn(0).getInt64()),
                          q.getColumn(1).getString()};
}

caf::expected<std::vector<deposit_outcome>>
apply_kusama_block(statement_cache& sc, const kusama_block_ref& block,
                   const std::vector<kusama_deposit>& deposits, const u256& minimum_planck,
                   int64_t now_ms) {
  auto cursor = kusama_cursor(sc);
  if (cursor && block.number != cursor->number + 1)
    return make_refusal(refusal::kusama_block_not_next,
                        "block " + std::to_string(block.number) + " does not follow the cursor "
                          + std::to_string(cursor->number));
  std::vector<deposit_outcome> outcomes;
  for (auto& d : deposits) {
    if (d.block_hash != block.hash || d.block_number != block.number)
      return make_refusal(refusal::deposit_of_other_block,
                          "deposit of another block in block " + std::to_string(block.number));
    auto outcome = credit_deposit(sc, d, minimum_planck, now_ms);
    if (!outcome)
      throw std::runtime_error(describe(outcome.error())); // roll the whole block back
    outcomes.push_back(*outcome);
  }
  auto& cur = sc("INSERT INTO chain_cursors (chain, block_number, block_hash, updated_at) "
                            "VALUES ('kusama', ?, ?, ?) ON CONFLICT (chain) DO UPDATE SET "
                            "block_number = excluded.block_number, block_hash = excluded.block_hash, "
                            "updated_at = excluded.updated_at");
  cur.bind(1, static_cast<int64_t>(block.number));
  cur.bind(2, block.hash);
  cur.bind(3, now_ms);
  cur.exec();
  return outcomes;
}

caf::expected<account_summary> summarize_account(statement_cache& sc,
                                                 const std::string& account) {
  account_summary s;
  auto ratio = current_ratio(sc);
  if (auto row = load_account(sc, account)) {
    s.deposited_planck = row->deposited;
    s.unclaimed_shares = row->unclaimed;
    s.reserved_shares = row->reserved;
    auto claimable = planck_for_shares(row->unclaimed, ratio);
    if (!claimable)
      return claimable.error();
    s.claimable_planck = *claimable;
  }
  auto& claims = sc("SELECT amount_planck FROM claims WHERE account = ? AND status = 'ACTIVE'");
  claims.bind(1, account);
  while (claims.executeStep())
    s.in_active_claims_planck = must(checked_add(s.in_active_claims_planck,
                                                 dec(claims.getColumn(0).getString())),
                                     "claims");
  auto& unstakes = sc("SELECT amount_planck FROM unstake_requests WHERE recipient = ? "
                                 "AND status != 'PAID'");
  unstakes.bind(1, account);
  while (unstakes.executeStep())
    s.pending_unstake_planck = must(checked_add(s.pending_unstake_planck,
                                                dec(unstakes.getColumn(0).getString())),
                                    "unstakes");
  return s;
}

caf::expected<claim_record> reserve_claim(statement_cache& sc, const claim_intent& intent,
                                          const claim_signer& sign, int64_t now_ms) {
  {
    // Idempotent resubmission: the same signed request gets the same claim.
    auto& q = sc(std::string{"SELECT "} + claim_columns
                              + " FROM claims WHERE request_digest = ?");
    q.bind(1, intent.request_digest);
    if (q.executeStep())
      return read_claim(q);
  }
  if (intent.amount_planck.is_zero())
    return make_refusal(refusal::zero_amount, "amount must be positive");
  {
    auto& used = sc("SELECT 1 FROM claim_nonces WHERE account = ? AND nonce = ?");
    used.bind(1, intent.account);
    used.bind(2, intent.nonce);
    if (used.executeStep())
      return make_refusal(refusal::nonce_used, "nonce already used by another request");
  }
  auto row = load_account(sc, intent.account);
  auto ratio = current_ratio(sc);
  auto claimable = row ? planck_for_shares(row->unclaimed, ratio) : caf::expected<u256>{u256{}};
  if (!claimable)
    return claimable.error();
  if (intent.amount_planck > *claimable)
    return make_refusal(refusal::exceeds_claimable,
                        "amount " + intent.amount_planck.to_dec() + " planck exceeds claimable "
                          + claimable->to_dec() + " planck");
  auto wei = checked_mul(intent.amount_planck, wei_per_planck());
  if (!wei)
    return wei.error();
  // Round the reservation up: the account pays the rounding, never the pool.
  auto scaled = checked_mul(*wei, ratio);
  if (!scaled)
    return scaled.error();
  u256 shares, rest;
  u256::divmod(*scaled, ratio_one(), shares, rest);
  if (!rest.is_zero())
    shares = must(checked_add(shares, u256{1}), "shares");
  if (shares > row->unclaimed) // cannot happen when amount <= claimable; guard anyway
    return make_refusal(refusal::reservation_exceeds_shares,
                        "reservation exceeds unclaimed shares");

  claim_record c;
  c.claim_id = intent.claim_id;
  c.account = intent.account;
  c.eth_address = intent.eth_address;
  c.amount_planck = intent.amount_planck;
  c.amount_wei = *wei;
  c.shares = shares;
  c.claim_before_block = intent.claim_before_block;
  c.status = "ACTIVE";
  c.created_at = now_ms;
  c.expires_at = intent.expires_at_ms;
  auto signature = sign(c);
  if (!signature)
    return signature.error();
  c.signature = *signature;

  row->unclaimed = must(checked_sub(row->unclaimed, shares), "unclaimed shares");
  row->reserved = must(checked_add(row->reserved, shares), "reserved shares");
  store_account(sc, intent.account, *row, now_ms);
  auto& nonce = sc("INSERT INTO claim_nonces (account, nonce, used_at) VALUES (?, ?, ?)");
  nonce.bind(1, intent.account);
  nonce.bind(2, intent.nonce);
  nonce.bind(3, now_ms);
  nonce.exec();
  // PRIMARY KEY (claim_id): a claim id is signed at most once.
  auto& ins = sc("INSERT INTO claims (claim_id, account, eth_address, amount_planck, "
                            "amount_wei, shares, claim_before_block, status, signature, "
                            "request_digest, created_at, expires_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, 'ACTIVE', ?, ?, ?, ?)");
  ins.bind(1, c.claim_id);
  ins.bind(2, c.account);
  ins.bind(3, c.eth_address);
  ins.bind(4, c.amount_planck.to_dec());
  ins.bind(5, c.amount_wei.to_dec());
  ins.bind(6, c.shares.to_dec());
  ins.bind(7, static_cast<int64_t>(c.claim_before_block));
  ins.bind(8, c.signature);
  ins.bind(9, intent.request_digest);
  ins.bind(10, c.created_at);
  ins.bind(11, c.expires_at);
  ins.exec();
  add_history(sc, c.account, "CLAIM", c.amount_planck.to_dec(), "ACTIVE", c.claim_id, "", now_ms);
  return c;
}

caf::error check_signed_fields(const claim_record& c, const signed_claim_fields& signed_as) {
  // The signature was made over exactly these fields: storing anything else
  // would publish a claim whose signature pays something different.
  if (c.claim_id != signed_as.claim_id || c.amount_wei != signed_as.amount_wei
      || c.claim_before_block != signed_as.claim_before_block
      || c.eth_address != signed_as.eth_address)
    return make_refusal(refusal::claim_fields_mismatch, "claim fields differ from the signed ones");
  return caf::none;
}

std::optional<claim_record> find_claim(statement_cache& sc, const std::string& claim_id) {
  auto& q = sc(std::string{"SELECT "} + claim_columns + " FROM claims WHERE claim_id = ?");
  q.bind(1, claim_id);
  if (!q.executeStep())
    return std::nullopt;
  return read_claim(q);
}

std::vector<claim_record> claims_of(statement_cache& sc, const std::string& account,
                                    size_t limit) {
  auto& q = sc(std::string{"SELECT "} + claim_columns
                            + " FROM claims WHERE account = ? ORDER BY created_at DESC, claim_id LIMIT ?");
  q.bind(1, account);
  q.bind(2, static_cast<int64_t>(limit));
  std::vector<claim_record> out;
  while (q.executeStep())
    out.push_back(read_claim(q));
  return out;
}

std::optional<eth_block_ref> eth_cursor(statement_cache& sc) {
  auto& q = sc("SELECT block_number, block_hash FROM chain_cursors WHERE chain = 'ethereum'");
  if (!q.executeStep())
    return std::nullopt;
  return eth_block_ref{static_cast<uint64_t>(q.getColumn(0).getInt64()), q.getColumn(1).getString()};
}

std::optional<std::string> eth_block_hash(statement_cache& sc, uint64_t number) {
  auto& q = sc("SELECT hash FROM eth_blocks WHERE number = ?");
  q.bind(1, static_cast<int64_t>(number));
  if (!q.executeStep())
    return std::nullopt;
  return q.getColumn(0).getString();
}

namespace {

void apply_claim_event(statement_cache& sc, const eth_claim_event& e, int64_t now_ms) {
  auto claim = find_claim(sc, e.claim_id);
  if (!claim) {
    // The contract only accepts notary-signed claims: an unknown id means a
    // notary key is used elsewhere. Record it loudly; never credit anything.
    raise_alert(sc, "critical", "eth_watcher",
                "claim event for unknown claimId " + e.claim_id + " in tx " + e.tx_hash, now_ms);
    return;
  }
  if (claim->status == "CLAIMED")
    return; // the same event again (replayed window): already applied
  if (claim->status != "ACTIVE") {
    raise_alert(sc, "critical", "eth_watcher",
                "claim " + e.claim_id + " paid on chain while " + claim->status + " in the ledger",
                now_ms);
    return;
  }
  bool as_signed = claim->amount_wei == e.amount_wei && claim->eth_address == e.account;
  if (!as_signed)
    raise_alert(sc, "critical", "eth_watcher",
                "claim " + e.claim_id + " paid with different amount or recipient", now_ms);
  auto row = load_account(sc, claim->account);
  if (!row)
    abort_tx("claim " + e.claim_id + " has no account");
  row->reserved = must(checked_sub(row->reserved, claim->shares), "reserved shares");
  // The ledger reserved at its ratio (rounded up), aKSMb minted at the ratio
  // in force at the mint (rounded down). When a new ratio took effect in
  // between, the two differ by the reward (or loss) of that step on the
  // claim: the claim keeps exactly the shares minted and the difference goes
  // back to (or, for a loss, comes from, as far as there are) the account's
  // unclaimed shares. Without this a claimant lost the reward accrued while
  // its claim was active, and the ratio calculator counted those shares a
  // second time as reward (and took its fee on them again).
  auto kept = claim->shares;
  if (as_signed && e.shares < claim->shares) {
    row->unclaimed = must(checked_add(row->unclaimed, *checked_sub(claim->shares, e.shares)), "unclaimed shares");
    kept = e.shares;
  } else if (as_signed && e.shares > claim->shares) {
    auto more = *checked_sub(e.shares, claim->shares);
    if (more > row->unclaimed)
      more = row->unclaimed;
    row->unclaimed = must(checked_sub(row->unclaimed, more), "unclaimed shares");
    kept = must(checked_add(claim->shares, more), "claim shares");
  }
  store_account(sc, claim->account, *row, now_ms);
  auto& q = sc("UPDATE claims SET status = 'CLAIMED', shares = ?, settled_tx = ?, settled_block = ? "
                          "WHERE claim_id = ? AND status = 'ACTIVE'");
  q.bind(1, kept.to_dec());
  q.bind(2, e.tx_hash);
  q.bind(3, static_cast<int64_t>(e.block_number));
  q.bind(4, e.claim_id);
  q.exec();
  set_history_status(sc, "CLAIM", e.claim_id, "CLAIMED", e.tx_hash, now_ms);
}

bool is_account_id_hex(const std::string& s) {
  if (s.size() != 66 || s[0] != '0' || s[1] != 'x')
    return false;
  for (size_t i = 2; i < s.size(); ++i)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
      return false;
  return true;
}

void apply_burn_event(statement_cache& sc, const eth_burn_event& e, int64_t now_ms) {
  u256 planck, dust;
  u256::divmod(e.amount_wei, wei_per_planck(), planck, dust); // sub-planck dust is not payable
  // A burn that cannot be paid as asked is still recorded (the tokens are
  // gone), HELD with the reason for the operator: refusing it would refuse
  // the whole finalized window and stall the watcher behind it.
  std::string held_reason;
  if (!is_account_id_hex(e.recipient))
    held_reason = "malformed_recipient";
  else if (planck.is_zero())
    held_reason = "zero_amount";
  auto& q = sc("INSERT INTO unstake_requests (request_id, tx_hash, log_index, block_number, "
               "eth_account, recipient, amount_wei, amount_planck, shares, status, held_reason, "
               "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
               "ON CONFLICT DO NOTHING");
  auto request_id = e.request_id.to_dec();
  auto planck_dec = planck.to_dec();
  q.bind(1, request_id);
  q.bind(2, e.tx_hash);
  q.bind(3, static_cast<int64_t>(e.log_index));
  q.bind(4, static_cast<int64_t>(e.block_number));
  q.bind(5, e.account);
  q.bind(6, e.recipient);
  q.bind(7, e.amount_wei.to_dec());
  q.bind(8, planck_dec);
  q.bind(9, e.shares.to_dec());
  q.bind(10, held_reason.empty() ? "REQUESTED" : "HELD");
  if (held_reason.empty()) q.bind(11); else q.bind(11, held_reason);
  q.bind(12, now_ms);
  q.bind(13, now_ms);
  if (q.exec() == 0)
    return; // already recorded
  if (!held_reason.empty())
    raise_alert(sc, "warning", "eth_watcher",
                "unstake request " + request_id + " (tx " + e.tx_hash + ") HELD: " + held_reason,
                now_ms);
  add_history(sc, e.recipient, "UNSTAKE", planck_dec, held_reason.empty() ? "REQUESTED" : "HELD",
              request_id, e.tx_hash, now_ms);
}

void expire_claims(statement_cache& sc, uint64_t finalized, int64_t now_ms) {
  // The contract refuses block.number >= claimBeforeBlock, so once a finalized
  // block at or past it is fully processed, no claim event can still come.
  auto& q = sc(std::string{"SELECT "} + claim_columns
                            + " FROM claims WHERE status = 'ACTIVE' AND claim_before_block <= ?");
  q.bind(1, static_cast<int64_t>(finalized));
  std::vector<claim_record> due;
  while (q.executeStep())
    due.push_back(read_claim(q));
  for (auto& c : due) {
    auto row = load_account(sc, c.account);
    if (!row)
      abort_tx("claim " + c.claim_id + " has no account");
    row->reserved = must(checked_sub(row->reserved, c.shares), "reserved shares");
    row->unclaimed = must(checked_add(row->unclaimed, c.shares), "unclaimed shares");
    store_account(sc, c.account, *row, now_ms);
    auto& upd = sc("UPDATE claims SET status = 'EXPIRED' WHERE claim_id = ? AND status = 'ACTIVE'");
    upd.bind(1, c.claim_id);
    upd.exec();
    set_history_status(sc, "CLAIM", c.claim_id, "EXPIRED", "", now_ms);
  }
}

} // namespace

caf::error apply_eth_batch(statement_cache& sc, const eth_batch& batch, int64_t now_ms) {
  auto cursor = eth_cursor(sc);
  if (cursor && batch.to.number <= cursor->number)
    return make_refusal(refusal::eth_window_not_after_cursor,
                        "window ends at " + std::to_string(batch.to.number)
                          + ", not after the cursor " + std::to_string(cursor->number));
  for (auto& b : batch.blocks) {
    if (cursor && b.number <= cursor->number)
      return make_refusal(refusal::eth_window_not_after_cursor,
                          "block " + std::to_string(b.number) + " is at or below the cursor");
    auto& q = sc("INSERT INTO eth_blocks (number, hash) VALUES (?, ?) "
                            "ON CONFLICT (number) DO UPDATE SET hash = excluded.hash");
    q.bind(1, static_cast<int64_t>(b.number));
    q.bind(2, b.hash);
    q.exec();
  }
  for (auto& e : batch.claims)
    apply_claim_event(sc, e, now_ms);
  for (auto& e : batch.burns)
    apply_burn_event(sc, e, now_ms);
  expire_claims(sc, batch.to.number, now_ms);
  auto& cur = sc("INSERT INTO chain_cursors (chain, block_number, block_hash, updated_at) "
                            "VALUES ('ethereum', ?, ?, ?) ON CONFLICT (chain) DO UPDATE SET "
                            "block_number = excluded.block_number, block_hash = excluded.block_hash, "
                            "updated_at = excluded.updated_at");
  cur.bind(1, static_cast<int64_t>(batch.to.number));
  cur.bind(2, batch.to.hash);
  cur.bind(3, now_ms);
  cur.exec();
  return caf::none;
}

void raise_alert(statement_cache& sc, const std::string& severity, const std::string& source,
                 const std::string& message, int64_t now_ms) {
  auto& q = sc("INSERT INTO alerts (created_at, severity, source, message) VALUES (?, ?, ?, ?)");
  q.bind(1, now_ms);
  q.bind(2, severity);
  q.bind(3, source);
  q.bind(4, message);
  q.exec();
}

void set_flow_paused(statement_cache& sc, const std::string& flow, bool paused,
                     const std::string& reason, int64_t now_ms) {
  auto& q = sc("UPDATE flows SET paused = ?, reason = ?, changed_at = ? WHERE flow = ?");
  q.bind(1, paused ? 1 : 0);
  q.bind(2, reason);
  q.bind(3, now_ms);
  q.bind(4, flow);
  if (q.exec() != 1)
    abort_tx("unknown flow " + flow);
}

bool flow_paused(statement_cache& sc, const std::string& flow) {
  auto& q = sc("SELECT paused FROM flows WHERE flow = ?");
  q.bind(1, flow);
  return q.executeStep() && q.getColumn(0).getInt() == 1;
}

caf::error check_claims_open(statement_cache& sc) {
  if (flow_paused(sc, "claims"))
    return make_refusal(refusal::claims_paused, "claims are paused by the operator");
  return caf::none;
}

std::string notary_set_unsafe_reason(const notary_set_reading& r) {
  auto held = static_cast<uint64_t>(r.held.size());
  if (r.threshold == 0)
    return "the pool's threshold is 0";
  if (held > r.notary_count)
    return "the pool counts fewer notaries than this daemon holds on chain";
  if (r.notary_count - held >= r.threshold)
    return std::to_string(r.notary_count - held) + " of the pool's " + std::to_string(r.notary_count)
           + " notaries are not held by this daemon and the threshold is "
           + std::to_string(r.threshold)
           + ": they could sign claims this ledger never reserved";
  if (held < r.threshold)
    return "this daemon holds " + std::to_string(held) + " on-chain notary key(s), a claim needs "
           + std::to_string(r.threshold);
  return {};
}

std::vector<std::string> notary_signers(const notary_set_reading& r) {
  if (!notary_set_is_safe(r))
    return {};
  auto held = r.held;
  std::sort(held.begin(), held.end());
  held.resize(static_cast<size_t>(r.threshold));
  return held;
}

namespace {

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (auto& s : items)
    out += (out.empty() ? "" : ",") + s;
  return out;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    auto comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

} // namespace

notary_set_state record_notary_set(statement_cache& sc, const notary_set_reading& r,
                                   int64_t now_ms) {
  notary_set_state st;
  st.reading = r;
  std::sort(st.reading.held.begin(), st.reading.held.end());
  st.reason = notary_set_unsafe_reason(st.reading);
  st.safe = st.reason.empty();
  st.checked_at_ms = now_ms;
  auto before = notary_set_of(sc);
  auto& q = sc("INSERT INTO notary_set (id, block_number, notary_count, threshold, held, held_count, "
               "safe, reason, checked_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO "
               "UPDATE SET block_number = excluded.block_number, notary_count = "
               "excluded.notary_count, threshold = excluded.threshold, held = excluded.held, "
               "held_count = excluded.held_count, safe = excluded.safe, reason = excluded.reason, "
               "checked_at = excluded.checked_at");
  q.bind(1, static_cast<int64_t>(r.block_number));
  q.bind(2, static_cast<int64_t>(r.notary_count));
  q.bind(3, static_cast<int64_t>(r.threshold));
  q.bind(4, join(st.reading.held));
  q.bind(5, static_cast<int64_t>(st.reading.held.size()));
  q.bind(6, st.safe ? 1 : 0);
  q.bind(7, st.reason);
  q.bind(8, now_ms);
  q.exec();
  if (!before || before->safe != st.safe) {
    if (st.safe)
      raise_alert(sc, "info", "notary_set",
                  "claims may be signed: the pool's notary set is safe (threshold "
                    + std::to_string(r.threshold) + ", " + std::to_string(st.reading.held.size())
                    + " of " + std::to_string(r.notary_count) + " notaries held here) at block "
                    + std::to_string(r.block_number),
                  now_ms);
    else
      raise_alert(sc, "critical", "notary_set",
                  "claims refused (unsafe_notary_set) at block " + std::to_string(r.block_number)
                    + ": " + st.reason,
                  now_ms);
  }
  return st;
}

std::optional<notary_set_state> notary_set_of(statement_cache& sc) {
  auto& q = sc("SELECT block_number, notary_count, threshold, held, safe, reason, checked_at "
               "FROM notary_set WHERE id = 1");
  if (!q.executeStep())
    return std::nullopt;
  notary_set_state st;
  st.reading.block_number = static_cast<uint64_t>(q.getColumn(0).getInt64());
  st.reading.notary_count = static_cast<uint64_t>(q.getColumn(1).getInt64());
  st.reading.threshold = static_cast<uint64_t>(q.getColumn(2).getInt64());
  st.reading.held = split_list(q.getColumn(3).getString());
  st.safe = q.getColumn(4).getInt() == 1;
  st.reason = q.getColumn(5).getString();
  st.checked_at_ms = q.getColumn(6).getInt64();
  return st;
}

std::optional<notary_set_state> notary_set_of(SQLite::Database& db) {
  return with_statements(db, [](statement_cache& sc) { return notary_set_of(sc); });
}

caf::error check_notary_set(statement_cache& sc, const std::vector<std::string>& signers,
                            int64_t now_ms, int64_t max_age_ms) {
  auto st = notary_set_of(sc);
  if (!st)
    return make_refusal(refusal::unsafe_notary_set,
                        "the pool's notary set has not been read yet; claims wait for it");
  if (now_ms - st->checked_at_ms > max_age_ms)
    return make_refusal(refusal::unsafe_notary_set,
                        "the pool's notary set was last read "
                          + std::to_string((now_ms - st->checked_at_ms) / 1000)
                          + " s ago; claims wait for a fresh reading");
  if (!st->safe)
    return make_refusal(refusal::unsafe_notary_set, st->reason);
  if (notary_signers(st->reading) != signers)
    return make_refusal(refusal::unsafe_notary_set,
                        "the pool's notary set changed while the claim was signed; retry");
  return caf::none;
}

std::vector<history_entry> history_of(SQLite::Database& db, const std::string& account,
                                      int64_t before, int64_t limit) {
  statement_cache sc{db};
  return history_of(sc, account, before, limit);
}

namespace {
std::string_view text_of(const SQLite::Column& c) {
  auto* text = c.getText(); // before getBytes, as SQLite asks
  return {text, static_cast<size_t>(c.getBytes())};
}
} // namespace

size_t for_each_history(statement_cache& sc, const std::string& account, int64_t before,
                        int64_t limit, const std::function<void(const history_row&)>& f) {
  auto& q = sc("SELECT id, kind, amount_planck, status, reference, chain_ref, "
               "created_at, updated_at FROM history WHERE account = ? AND id < ? "
               "ORDER BY id DESC LIMIT ?");
  q.bind(1, account);
  q.bind(2, before);
  q.bind(3, limit);
  size_t n = 0;
  std::string reparsed;
  while (q.executeStep()) {
    history_row r;
    r.id = q.getColumn(0).getInt64();
    r.kind = text_of(q.getColumn(1));
    r.amount_planck = text_of(q.getColumn(2));
    // Stored by u256::to_dec, so canonical; anything else is read as
    // u256::from_dec reads it, and a corrupt amount shows as 0 (display only,
    // as the API always read it). 77 digits always fit in 256 bits.
    auto canonical = [](std::string_view d) {
      if (d.empty() || d.size() > 77 || (d.size() > 1 && d[0] == '0'))
        return false;
      for (char c : d)
        if (c < '0' || c > '9')
          return false;
      return true;
    };
    if (!canonical(r.amount_planck)) {
      auto planck = u256::from_dec(std::string{r.amount_planck});
      reparsed = planck ? planck->to_dec() : "0";
      r.amount_planck = reparsed;
    }
    r.status = text_of(q.getColumn(3));
    r.reference = text_of(q.getColumn(4));
    if (!q.getColumn(5).isNull())
      r.chain_ref = text_of(q.getColumn(5));
    r.created_at = q.getColumn(6).getInt64();
    r.updated_at = q.getColumn(7).getInt64();
    f(r);
    ++n;
  }
  q.reset();
  return n;
}

std::vector<history_entry> history_of(statement_cache& sc, const std::string& account,
                                      int64_t before, int64_t limit) {
  std::vector<history_entry> out;
  out.reserve(static_cast<size_t>(std::clamp<int64_t>(limit, 0, 500)));
  for_each_history(sc, account, before, limit, [&](const history_row& r) {
    history_entry e;
    e.id = r.id;
    e.kind = r.kind;
    e.amount_planck = *u256::from_dec(std::string{r.amount_planck}); // canonical by now
    e.status = r.status;
    e.reference = r.reference;
    if (r.chain_ref)
      e.chain_ref = std::string{*r.chain_ref};
    e.created_at = r.created_at;
    e.updated_at = r.updated_at;
    out.push_back(std::move(e));
  });
  return out;
}

// ---- the Database& entry points: one statement cache per call --------------

u256 current_ratio(SQLite::Database& db) {
  statement_cache sc{db};
  return current_ratio(sc);
}
u256 deposit_ratio(SQLite::Database& db) {
  statement_cache sc{db};
  return deposit_ratio(sc);
}
caf::expected<deposit_outcome> credit_deposit(SQLite::Database& db, const kusama_deposit& d,
                                              const u256& minimum_planck, int64_t now_ms) {
  statement_cache sc{db};
  return credit_deposit(sc, d, minimum_planck, now_ms);
}
std::optional<kusama_block_ref> kusama_cursor(SQLite::Database& db) {
  statement_cache sc{db};
  return kusama_cursor(sc);
}
caf::expected<std::vector<deposit_outcome>>
apply_kusama_block(SQLite::Database& db, const kusama_block_ref& block,
                   const std::vector<kusama_deposit>& deposits, const u256& minimum_planck,
                   int64_t now_ms) {
  statement_cache sc{db};
  return apply_kusama_block(sc, block, deposits, minimum_planck, now_ms);
}
caf::expected<account_summary> summarize_account(SQLite::Database& db, const std::string& account) {
  statement_cache sc{db};
  return summarize_account(sc, account);
}
caf::expected<claim_record> reserve_claim(SQLite::Database& db, const claim_intent& intent,
                                          const claim_signer& sign, int64_t now_ms) {
  statement_cache sc{db};
  return reserve_claim(sc, intent, sign, now_ms);
}
std::optional<claim_record> find_claim(SQLite::Database& db, const std::string& claim_id) {
  statement_cache sc{db};
  return find_claim(sc, claim_id);
}
std::vector<claim_record> claims_of(SQLite::Database& db, const std::string& account,
                                    size_t limit) {
  statement_cache sc{db};
  return claims_of(sc, account, limit);
}
std::optional<eth_block_ref> eth_cursor(SQLite::Database& db) {
  statement_cache sc{db};
  return eth_cursor(sc);
}
std::optional<std::string> eth_block_hash(SQLite::Database& db, uint64_t number) {
  statement_cache sc{db};
  return eth_block_hash(sc, number);
}
caf::error apply_eth_batch(SQLite::Database& db, const eth_batch& batch, int64_t now_ms) {
  statement_cache sc{db};
  return apply_eth_batch(sc, batch, now_ms);
}
void raise_alert(SQLite::Database& db, const std::string& severity, const std::string& source,
                 const std::string& message, int64_t now_ms) {
  statement_cache sc{db};
  raise_alert(sc, severity, source, message, now_ms);
}
void set_flow_paused(SQLite::Database& db, const std::string& flow, bool paused,
                     const std::string& reason, int64_t now_ms) {
  statement_cache sc{db};
  set_flow_paused(sc, flow, paused, reason, now_ms);
}

const std::vector<std::string>& flows_depending_on(const std::string& chain) {
  static const std::vector<std::string> ethereum{"claims", "payouts"};
  static const std::vector<std::string> kusama{"deposits", "claims", "bonding", "payouts", "ratio"};
  static const std::vector<std::string> none;
  return chain == "ethereum" ? ethereum : chain == "kusama" ? kusama : none;
}

void halt_on_chain_break(SQLite::Database& db, const std::string& chain,
                         const std::string& source, const std::string& what, int64_t now_ms) {
  statement_cache sc{db};
  raise_alert(sc, "critical", source, what, now_ms);
  for (auto& flow : flows_depending_on(chain))
    set_flow_paused(sc, flow, true, what, now_ms);
}

bool flow_paused(SQLite::Database& db, const std::string& flow) {
  statement_cache sc{db};
  return flow_paused(sc, flow);
}

} // namespace lstaked::ledger

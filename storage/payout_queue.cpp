#include "storage/payout_queue.hpp"

#include "storage/ratio_ledger.hpp"
#include "storage/write_task.hpp"

#include <SQLiteCpp/Statement.h>

#include <set>
#include <stdexcept>

namespace lstaked::ledger {

namespace {

// Arithmetic or a corrupt row inside a write_task: throwing rolls the whole
// transaction back (refusals are returned, not thrown).
[[noreturn]] void abort_tx(const std::string& why) {
  throw std::runtime_error("payout queue: " + why);
}

u256 dec(const std::string& text) {
  auto v = u256::from_dec(text);
  if (!v)
    abort_tx("corrupt amount \"" + text + "\"");
  return *v;
}

u256 add(const u256& a, const u256& b) {
  auto r = chain::eth::checked_add(a, b);
  if (!r)
    abort_tx("sum overflows");
  return *r;
}

u256 sub_or_zero(const u256& a, const u256& b) {
  return a > b ? u256::wrapping_sub(a, b) : u256{};
}

constexpr const char* request_columns =
  "request_id, tx_hash, log_index, block_number, eth_account, recipient, amount_wei, "
  "amount_planck, status, held_reason, outbox_id, batch_index, kusama_extrinsic, "
  "expected_release_at, created_at, updated_at";

// An amount sum_where can add in SQL: at most 18 decimal digits. The table's
// CHECK (amount_planck <> '' AND NOT GLOB '*[^0-9]*') already guarantees
// digits only, so the length is all that is left to test (a GLOB per row here
// cost more than the sum itself).
constexpr const char* plain_amount = "(length(amount_planck) <= 18)";

// The queue's order: numeric block number, then numeric log index.
constexpr const char* queue_order = " ORDER BY block_number, log_index, request_id";

std::string text_or_empty(SQLite::Statement& q, int col) {
  auto c = q.getColumn(col);
  return c.isNull() ? std::string{} : c.getString();
}

unstake_request read_request(SQLite::Statement& q) {
  unstake_request r;
  r.request_id = q.getColumn(0).getString();
  r.tx_hash = q.getColumn(1).getString();
  r.log_index = static_cast<uint64_t>(q.getColumn(2).getInt64());
  r.block_number = static_cast<uint64_t>(q.getColumn(3).getInt64());
  r.eth_account = q.getColumn(4).getString();
  r.recipient = q.getColumn(5).getString();
  r.amount_wei = dec(q.getColumn(6).getString());
  r.amount_planck = dec(q.getColumn(7).getString());
  r.status = q.getColumn(8).getString();
  r.held_reason = text_or_empty(q, 9);
  if (!q.getColumn(10).isNull())
    r.outbox_id = q.getColumn(10).getInt64();
  if (!q.getColumn(11).isNull())
    r.batch_index = static_cast<uint32_t>(q.getColumn(11).getInt64());
  r.kusama_extrinsic = text_or_empty(q, 12);
  if (!q.getColumn(13).isNull())
    r.expected_release_at = q.getColumn(13).getInt64();
  r.created_at = q.getColumn(14).getInt64();
  r.updated_at = q.getColumn(15).getInt64();
  return r;
}

std::vector<unstake_request> requests_where(statement_cache& sc, const std::string& where,
                                            const std::function<void(SQLite::Statement&)>& bind) {
  auto& q = sc(std::string{"SELECT "} + request_columns + " FROM unstake_requests WHERE " + where);
  bind(q);
  std::vector<unstake_request> out;
  while (q.executeStep())
    out.push_back(read_request(q));
  q.reset();
  return out;
}

std::optional<unstake_request> request_in(statement_cache& sc, const std::string& id) {
  auto rows = requests_where(sc, "request_id = ?", [&](SQLite::Statement& q) { q.bind(1, id); });
  if (rows.empty())
    return std::nullopt;
  return rows.front();
}

// Sum of amount_planck over the rows matching `where`. Amounts are decimal
// TEXT (u256), so SQLite cannot sum them directly; decoding every row in C++
// made each payout step cost O(rows set aside) several times over (issue #16:
// 5k -> 20k requests took 6-7x longer). One aggregate pass instead: every
// amount of at most 18 digits is split into its high and low 9 digits, each
// summed as INTEGER (no overflow below 9.2e9 rows), and recombined exactly
// here. Rows over 18 digits (> 10^6 KSM in one request) are summed by the
// exact slow path.
u256 sum_where(statement_cache& sc, const std::string& where) {
  const std::string plain = plain_amount;
  // substr(a, 1, length(a) - 9) is '' (0) for 9 digits or fewer.
  auto& q = sc("SELECT coalesce(sum(CASE WHEN " + plain + " THEN CAST(substr(amount_planck, 1, "
               "length(amount_planck) - 9) AS INTEGER) ELSE 0 END), 0), "
               "coalesce(sum(CASE WHEN " + plain + " THEN CAST(substr(amount_planck, -9) "
               "AS INTEGER) ELSE 0 END), 0), "
               "coalesce(sum(CASE WHEN " + plain + " THEN 0 ELSE 1 END), 0) "
               "FROM unstake_requests WHERE " + where);
  if (!q.executeStep())
    abort_tx("sum of unstake amounts returned no row");
  auto high = q.getColumn(0).getInt64(), low = q.getColumn(1).getInt64();
  auto odd = q.getColumn(2).getInt64();
  q.reset();
  static const u256 billion{1'000'000'000ULL};
  auto high_part = chain::eth::checked_mul(u256{static_cast<uint64_t>(high)}, billion);
  if (!high_part)
    abort_tx("sum overflows");
  u256 total = add(*high_part, u256{static_cast<uint64_t>(low)});
  if (odd == 0)
    return total;
  auto& slow = sc("SELECT amount_planck FROM unstake_requests WHERE (" + where + ") AND NOT "
                  + plain);
  while (slow.executeStep())
    total = add(total, dec(slow.getColumn(0).getString()));
  slow.reset();
  return total;
}

u256 set_aside(statement_cache& sc) {
  return sum_where(sc, "status IN ('FUNDED', 'PAYING')");
}

// The UNSTAKE history entry follows its request (chain_ref: the Kusama
// extrinsic once paid; kept otherwise).
void set_history(statement_cache& sc, const std::string& id, const std::string& status,
                 const std::string& chain_ref, int64_t now_ms) {
  auto& q = sc("UPDATE history SET status = ?, chain_ref = coalesce(?, chain_ref), "
               "updated_at = ? WHERE kind = 'UNSTAKE' AND reference = ?");
  q.bind(1, status);
  if (chain_ref.empty()) q.bind(2); else q.bind(2, chain_ref);
  q.bind(3, now_ms);
  q.bind(4, id);
  q.exec();
}

void to_funded(statement_cache& sc, const std::string& id, int64_t now_ms) {
  auto& q = sc("UPDATE unstake_requests SET status = 'FUNDED', funded_at = ?, "
               "expected_release_at = NULL, updated_at = ? WHERE request_id = ? "
               "AND status = 'QUEUED'");
  q.bind(1, now_ms);
  q.bind(2, now_ms);
  q.bind(3, id);
  if (q.exec() != 1)
    abort_tx("request " + id + " left QUEUED under us");
  set_history(sc, id, "FUNDED", "", now_ms);
}

void to_held(statement_cache& sc, const std::string& id, const std::string& reason,
             int64_t now_ms) {
  auto& q = sc("UPDATE unstake_requests SET status = 'HELD', held_reason = ?, updated_at = ? "
               "WHERE request_id = ?");
  q.bind(1, reason);
  q.bind(2, now_ms);
  q.bind(3, id);
  q.exec();
  set_history(sc, id, "HELD", "", now_ms);
}

struct outbox_row {
  std::string chain, status, purpose, outcome, dispatch_error;
  std::optional<int64_t> block_number, extrinsic_index;
};

std::optional<outbox_row> outbox_row_of(statement_cache& sc, int64_t id) {
  auto& q = sc("SELECT chain, status, purpose, outcome, dispatch_error, block_number, "
               "extrinsic_index FROM outbox WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep())
    return std::nullopt;
  outbox_row r;
  r.chain = q.getColumn(0).getString();
  r.status = q.getColumn(1).getString();
  r.purpose = q.getColumn(2).getString();
  r.outcome = text_or_empty(q, 3);
  r.dispatch_error = text_or_empty(q, 4);
  if (!q.getColumn(5).isNull())
    r.block_number = q.getColumn(5).getInt64();
  if (!q.getColumn(6).isNull())
    r.extrinsic_index = q.getColumn(6).getInt64();
  q.reset();
  return r;
}

// Fee reserved for payouts still in flight (PAYOUT_FEE rows not settled).
u256 fee_reserved(statement_cache& sc) {
  auto& q = sc("SELECT amount_planck FROM fee_ledger WHERE kind = 'PAYOUT_FEE' "
               "AND settled_at IS NULL");
  u256 total{};
  while (q.executeStep())
    total = add(total, dec(q.getColumn(0).getString()));
  q.reset();
  return total;
}

std::optional<u256> payout_fee_row(statement_cache& sc, int64_t intent_id) {
  auto& q = sc("SELECT amount_planck FROM fee_ledger WHERE kind = 'PAYOUT_FEE' AND outbox_id = ?");
  q.bind(1, intent_id);
  if (!q.executeStep())
    return std::nullopt;
  auto v = dec(q.getColumn(0).getString());
  q.reset();
  return v;
}

// Sets the intent's PAYOUT_FEE to what was paid and marks it settled (spent);
// the fee ledger never goes below zero (a shortfall is booked as what the
// ledger holds, loudly). fee_balance counts settled payout fees only, so it
// is exactly what can still be spent.
u256 book_payout_fee(statement_cache& sc, int64_t intent_id, const u256& paid,
                     const std::string& reference, int64_t now_ms) {
  auto could_cover = fee_balance(sc);
  u256 booked = paid;
  if (paid > could_cover) {
    booked = could_cover;
    raise_alert(sc, "critical", "payout_queue",
                "payout fee of outbox " + std::to_string(intent_id) + " was " + paid.to_dec()
                  + " planck, the fee ledger held " + could_cover.to_dec()
                  + ": the pool bore the shortfall of "
                  + u256::wrapping_sub(paid, could_cover).to_dec() + " planck",
                now_ms);
  }
  auto& q = sc("INSERT INTO fee_ledger (kind, amount_planck, outbox_id, reference, created_at, "
               "settled_at) VALUES ('PAYOUT_FEE', ?, ?, ?, ?, ?) "
               "ON CONFLICT (outbox_id) WHERE kind = 'PAYOUT_FEE' "
               "DO UPDATE SET amount_planck = excluded.amount_planck, "
               "reference = excluded.reference, settled_at = excluded.settled_at");
  q.bind(1, booked.to_dec());
  q.bind(2, intent_id);
  q.bind(3, reference);
  q.bind(4, now_ms);
  q.bind(5, now_ms);
  q.exec();
  return booked;
}

bool earlier_unfunded(statement_cache& sc, const unstake_request& r) {
  auto& q = sc("SELECT 1 FROM unstake_requests WHERE status IN ('REQUESTED', 'QUEUED') "
               "AND (block_number < ? OR (block_number = ? AND log_index < ?)) LIMIT 1");
  q.bind(1, static_cast<int64_t>(r.block_number));
  q.bind(2, static_cast<int64_t>(r.block_number));
  q.bind(3, static_cast<int64_t>(r.log_index));
  bool found = q.executeStep();
  q.reset();
  return found;
}

} // namespace

const char* to_string(hold_reason r) {
  switch (r) {
    case hold_reason::recipient_missing: return "recipient_missing";
    case hold_reason::below_existential_deposit: return "below_existential_deposit";
    case hold_reason::malformed_recipient: return "malformed_recipient";
    case hold_reason::zero_amount: return "zero_amount";
    case hold_reason::item_failed: return "item_failed";
    case hold_reason::batch_failed: return "batch_failed";
    case hold_reason::outbox_replaced: return "outbox_replaced";
    case hold_reason::operator_hold: return "operator_hold";
  }
  return "unknown";
}

std::string hold_reason_text(hold_reason r, const std::string& detail) {
  std::string out = to_string(r);
  if (!detail.empty())
    out += ":" + detail;
  return out;
}

bool hold_is_final(const std::string& text) {
  return text == to_string(hold_reason::malformed_recipient)
         || text == to_string(hold_reason::zero_amount);
}

nlohmann::json unstake_request::to_json() const {
  nlohmann::json j{{"requestId", request_id},
                   {"status", status},
                   {"recipient", recipient},
                   {"amountPlanck", amount_planck.to_dec()},
                   {"amountWei", amount_wei.to_dec()},
                   {"ethAccount", eth_account},
                   {"ethTxHash", tx_hash},
                   {"ethBlock", block_number},
                   {"logIndex", log_index},
                   {"createdTimestamp", created_at},
                   {"updatedTimestamp", updated_at}};
  if (!held_reason.empty())
    j["heldReason"] = held_reason;
  if (!kusama_extrinsic.empty())
    j["extrinsicId"] = kusama_extrinsic;
  if (expected_release_at)
    j["expectedReleaseTimestamp"] = *expected_release_at;
  if (outbox_id)
    j["outboxId"] = *outbox_id;
  if (batch_index)
    j["batchIndex"] = *batch_index;
  return j;
}

size_t queue_requested(statement_cache& sc, int64_t now_ms) {
  auto rows = requests_where(sc, std::string{"status = 'REQUESTED'"} + queue_order,
                             [](SQLite::Statement&) {});
  auto& q = sc("UPDATE unstake_requests SET status = 'QUEUED', updated_at = ? "
               "WHERE request_id = ? AND status = 'REQUESTED'");
  for (auto& r : rows) {
    q.reset();
    q.clearBindings();
    q.bind(1, now_ms);
    q.bind(2, r.request_id);
    q.exec();
    set_history(sc, r.request_id, "QUEUED", "", now_ms);
  }
  return rows.size();
}

funding_result fund_in_order(statement_cache& sc, const u256& available_planck, int64_t now_ms) {
  funding_result out;
  auto aside = set_aside(sc);
  auto room = sub_or_zero(available_planck, aside);
  // The queue is read a page at a time, not whole: the walk usually stops
  // after a few requests (room runs out), and reading every queued row on
  // every call made a long queue cost O(queue) per tick. A funded request
  // leaves the IN (...) set, so each page starts at the first one not funded.
  constexpr int64_t page = 64;
  for (bool walking = true; walking;) {
    auto rows = requests_where(
      sc, std::string{"status IN ('REQUESTED', 'QUEUED')"} + queue_order + " LIMIT ?",
      [](SQLite::Statement& q) { q.bind(1, page); });
    for (auto& r : rows) {
      // FIFO: the first request that cannot be funded now (not queued yet, or
      // too large for what is left) stops the walk; nothing behind it is funded.
      if (r.status != "QUEUED" || r.amount_planck > room) {
        out.blocked_by = r.request_id;
        walking = false;
        break;
      }
      to_funded(sc, r.request_id, now_ms);
      room = u256::wrapping_sub(room, r.amount_planck);
      out.funded_planck = add(out.funded_planck, r.amount_planck);
      out.funded.push_back(r.request_id);
    }
    walking = walking && rows.size() == static_cast<size_t>(page);
  }
  out.set_aside_planck = add(aside, out.funded_planck);
  return out;
}

caf::error fund_request(statement_cache& sc, const std::string& request_id,
                        const u256& available_planck, int64_t now_ms) {
  auto r = request_in(sc, request_id);
  if (!r)
    return make_refusal(refusal::unstake_unknown, "no unstake request " + request_id);
  if (r->status != "QUEUED")
    return make_refusal(refusal::unstake_wrong_state,
                        "request " + request_id + " is " + r->status + ", not QUEUED");
  if (earlier_unfunded(sc, *r))
    return make_refusal(refusal::unstake_out_of_order,
                        "an earlier request than " + request_id + " is not funded yet");
  auto room = sub_or_zero(available_planck, set_aside(sc));
  if (r->amount_planck > room)
    return make_refusal(refusal::unstake_exceeds_available,
                        "request " + request_id + " needs " + r->amount_planck.to_dec()
                          + " planck, " + room.to_dec() + " is available");
  to_funded(sc, request_id, now_ms);
  return caf::none;
}

caf::error begin_payout(statement_cache& sc, const std::vector<std::string>& request_ids,
                        int64_t intent_id, const u256& fee_reserve_planck, int64_t now_ms) {
  if (request_ids.empty())
    return make_refusal(refusal::unstake_wrong_state, "a payout needs at least one request");
  std::set<std::string> seen;
  for (auto& id : request_ids) {
    if (!seen.insert(id).second)
      return make_refusal(refusal::unstake_wrong_state, "request " + id + " twice in one payout");
    auto r = request_in(sc, id);
    if (!r)
      return make_refusal(refusal::unstake_unknown, "no unstake request " + id);
    if (r->status != "FUNDED")
      return make_refusal(refusal::unstake_wrong_state,
                          "request " + id + " is " + r->status + ", not FUNDED");
  }
  auto row = outbox_row_of(sc, intent_id);
  if (!row || row->chain != "kusama" || row->status != "INTENT" || row->purpose != "payout")
    return make_refusal(refusal::payout_intent_unusable,
                        "outbox " + std::to_string(intent_id)
                          + " is not an unsigned Kusama payout intent");
  {
    auto& q = sc("SELECT 1 FROM unstake_requests WHERE outbox_id = ? LIMIT 1");
    q.bind(1, intent_id);
    bool linked = q.executeStep();
    q.reset();
    if (linked || payout_fee_row(sc, intent_id))
      return make_refusal(refusal::payout_intent_unusable,
                          "outbox " + std::to_string(intent_id) + " already carries a payout");
  }
  // What the fee ledger can still promise: its balance less the fees already
  // reserved for payouts in flight.
  auto spare = sub_or_zero(fee_balance(sc), fee_reserved(sc));
  if (fee_reserve_planck > spare)
    return make_refusal(refusal::payout_fee_unfunded,
                        "payout fee reserve " + fee_reserve_planck.to_dec()
                          + " planck exceeds what the fee ledger can still cover ("
                          + spare.to_dec() + ")");
  // Nothing refused past this point: write.
  auto& q = sc("UPDATE unstake_requests SET status = 'PAYING', outbox_id = ?, batch_index = ?, "
               "updated_at = ? WHERE request_id = ? AND status = 'FUNDED'");
  for (size_t i = 0; i < request_ids.size(); ++i) {
    q.reset();
    q.clearBindings();
    q.bind(1, intent_id);
    q.bind(2, static_cast<int64_t>(i));
    q.bind(3, now_ms);
    q.bind(4, request_ids[i]);
    if (q.exec() != 1)
      abort_tx("request " + request_ids[i] + " left FUNDED under us");
    set_history(sc, request_ids[i], "PAYING", "", now_ms);
  }
  auto& fee = sc("INSERT INTO fee_ledger (kind, amount_planck, outbox_id, reference, created_at) "
                 "VALUES ('PAYOUT_FEE', ?, ?, 'reserved', ?)");
  fee.bind(1, fee_reserve_planck.to_dec());
  fee.bind(2, intent_id);
  fee.bind(3, now_ms);
  fee.exec();
  return caf::none;
}

caf::expected<settle_result> settle_payout(statement_cache& sc, int64_t intent_id,
                                           const std::vector<payout_item_result>& items,
                                           const u256& fee_paid_planck, int64_t now_ms) {
  auto row = outbox_row_of(sc, intent_id);
  auto linked = requests_where(sc, "outbox_id = ? ORDER BY batch_index",
                               [&](SQLite::Statement& q) { q.bind(1, intent_id); });
  if (!row || linked.empty())
    return make_refusal(refusal::payout_intent_unusable,
                        "outbox " + std::to_string(intent_id) + " carries no payout");
  std::vector<unstake_request> paying;
  for (auto& r : linked)
    if (r.status == "PAYING")
      paying.push_back(r);
  if (paying.empty())
    return make_refusal(refusal::payout_already_settled,
                        "payout of outbox " + std::to_string(intent_id) + " is settled");
  if (row->status != "FINALIZED" && row->status != "REPLACED")
    return make_refusal(refusal::payout_not_final,
                        "outbox " + std::to_string(intent_id) + " is " + row->status);
  const bool success = row->status == "FINALIZED" && row->outcome == "success";
  if (success && items.size() != paying.size())
    return make_refusal(refusal::payout_results_mismatch,
                        std::to_string(items.size()) + " item results for a batch of "
                          + std::to_string(paying.size()));
  settle_result out;
  std::string extrinsic;
  if (row->status == "FINALIZED" && row->block_number && row->extrinsic_index)
    extrinsic = std::to_string(*row->block_number) + "-" + std::to_string(*row->extrinsic_index);
  for (size_t i = 0; i < paying.size(); ++i) {
    auto& r = paying[i];
    if (success && items[i].completed) {
      auto& q = sc("UPDATE unstake_requests SET status = 'PAID', kusama_extrinsic = ?, "
                   "paid_at = ?, updated_at = ? WHERE request_id = ? AND status = 'PAYING'");
      q.bind(1, extrinsic);
      q.bind(2, now_ms);
      q.bind(3, now_ms);
      q.bind(4, r.request_id);
      q.exec();
      set_history(sc, r.request_id, "PAID", extrinsic, now_ms);
      out.paid.push_back(r.request_id);
      continue;
    }
    std::string reason =
      success ? hold_reason_text(hold_reason::item_failed,
                                 items[i].error.empty() ? "unknown" : items[i].error)
      : row->status == "REPLACED"
        ? hold_reason_text(hold_reason::outbox_replaced)
        : hold_reason_text(hold_reason::batch_failed,
                           row->dispatch_error.empty() ? "unknown" : row->dispatch_error);
    to_held(sc, r.request_id, reason, now_ms);
    out.held.push_back(r.request_id);
  }
  if (!out.held.empty())
    raise_alert(sc, "warning", "payout_queue",
                std::to_string(out.held.size()) + " unstake request(s) of outbox "
                  + std::to_string(intent_id) + " HELD (first: " + out.held.front() + ")",
                now_ms);
  // A REPLACED nonce ran someone else's extrinsic: no fee of ours was paid.
  out.fee_booked_planck = book_payout_fee(
    sc, intent_id, row->status == "REPLACED" ? u256{} : fee_paid_planck,
    extrinsic.empty() ? row->status : extrinsic, now_ms);
  return out;
}

caf::error hold_request(statement_cache& sc, const std::string& request_id, hold_reason reason,
                        const std::string& detail, int64_t now_ms) {
  auto r = request_in(sc, request_id);
  if (!r)
    return make_refusal(refusal::unstake_unknown, "no unstake request " + request_id);
  if (r->status != "REQUESTED" && r->status != "QUEUED" && r->status != "FUNDED")
    return make_refusal(refusal::unstake_wrong_state,
                        "request " + request_id + " is " + r->status + ": it cannot be held");
  auto text = hold_reason_text(reason, detail);
  to_held(sc, request_id, text, now_ms);
  raise_alert(sc, "warning", "payout_queue", "unstake request " + request_id + " HELD: " + text,
              now_ms);
  return caf::none;
}

caf::error release_held(statement_cache& sc, const std::string& request_id, int64_t now_ms) {
  auto r = request_in(sc, request_id);
  if (!r)
    return make_refusal(refusal::unstake_unknown, "no unstake request " + request_id);
  if (r->status != "HELD")
    return make_refusal(refusal::unstake_wrong_state,
                        "request " + request_id + " is " + r->status + ", not HELD");
  if (hold_is_final(r->held_reason))
    return make_refusal(refusal::unstake_unpayable,
                        "request " + request_id + " can never be paid as asked: " + r->held_reason);
  auto& q = sc("UPDATE unstake_requests SET status = 'QUEUED', held_reason = NULL, "
               "outbox_id = NULL, batch_index = NULL, funded_at = NULL, updated_at = ? "
               "WHERE request_id = ? AND status = 'HELD'");
  q.bind(1, now_ms);
  q.bind(2, request_id);
  q.exec();
  set_history(sc, request_id, "QUEUED", "", now_ms);
  raise_alert(sc, "info", "payout_queue",
              "unstake request " + request_id + " released from " + r->held_reason, now_ms);
  return caf::none;
}

size_t note_expected_release(statement_cache& sc,
                             const std::vector<std::pair<std::string, int64_t>>& times,
                             int64_t now_ms) {
  size_t n = 0;
  auto& q = sc("UPDATE unstake_requests SET expected_release_at = ?, updated_at = ? "
               "WHERE request_id = ? AND status = 'QUEUED'");
  for (auto& [id, at] : times) {
    q.reset();
    q.clearBindings();
    q.bind(1, at);
    q.bind(2, now_ms);
    q.bind(3, id);
    n += static_cast<size_t>(q.exec());
  }
  return n;
}

queue_totals queue_totals_of(statement_cache& sc) {
  queue_totals t;
  t.unfunded_planck = sum_where(sc, "status IN ('REQUESTED', 'QUEUED')");
  t.set_aside_planck = set_aside(sc);
  t.held_planck = sum_where(sc, "status = 'HELD'");
  return t;
}

queue_totals queue_totals_of(SQLite::Database& db) {
  return with_statements(db, [](statement_cache& sc) { return queue_totals_of(sc); });
}

std::optional<unstake_request> find_unstake(SQLite::Database& db, const std::string& request_id) {
  return with_statements(db, [&](statement_cache& sc) { return request_in(sc, request_id); });
}

std::optional<unstake_request> queue_head(SQLite::Database& db) {
  return with_statements(db, [](statement_cache& sc) -> std::optional<unstake_request> {
    auto rows = requests_where(
      sc, std::string{"status IN ('REQUESTED', 'QUEUED')"} + queue_order + " LIMIT 1",
      [](SQLite::Statement&) {});
    if (rows.empty())
      return std::nullopt;
    return rows.front();
  });
}

std::vector<unstake_request> unstakes_in_state(SQLite::Database& db, const std::string& status,
                                               std::optional<std::pair<uint64_t, uint64_t>> after,
                                               size_t limit) {
  return with_statements(db, [&](statement_cache& sc) {
    return requests_where(
      sc,
      std::string{"status = ? AND (block_number, log_index) > (?, ?)"} + queue_order + " LIMIT ?",
      [&](SQLite::Statement& q) {
        q.bind(1, status);
        q.bind(2, after ? static_cast<int64_t>(after->first) : int64_t{-1});
        q.bind(3, after ? static_cast<int64_t>(after->second) : int64_t{-1});
        q.bind(4, static_cast<int64_t>(limit));
      });
  });
}

std::vector<unstake_request> funded_batch(SQLite::Database& db, size_t limit) {
  return unstakes_in_state(db, "FUNDED", std::nullopt, limit);
}

std::vector<unstake_request> requests_of_intent(SQLite::Database& db, int64_t intent_id) {
  return with_statements(db, [&](statement_cache& sc) {
    return requests_where(sc, "outbox_id = ? ORDER BY batch_index",
                          [&](SQLite::Statement& q) { q.bind(1, intent_id); });
  });
}

std::map<std::string, uint64_t> unstake_counts(SQLite::Database& db) {
  std::map<std::string, uint64_t> out;
  SQLite::Statement q(db, "SELECT status, COUNT(*) FROM unstake_requests GROUP BY status");
  while (q.executeStep())
    out[q.getColumn(0).getString()] = static_cast<uint64_t>(q.getColumn(1).getInt64());
  return out;
}

std::vector<int64_t> payouts_decided_without_items(SQLite::Database& db) {
  std::vector<int64_t> out;
  SQLite::Statement q(db, "SELECT DISTINCT o.id FROM unstake_requests u JOIN outbox o ON o.id = u.outbox_id "
                          "WHERE u.status = 'PAYING' AND (o.status = 'REPLACED' OR "
                          "(o.status = 'FINALIZED' AND o.outcome = 'failed')) ORDER BY o.id");
  while (q.executeStep())
    out.push_back(q.getColumn(0).getInt64());
  return out;
}

std::vector<std::pair<int64_t, int64_t>> payouts_finalized_in(statement_cache& sc,
                                                              const std::string& block_hash) {
  auto& q = sc("SELECT DISTINCT o.id, o.extrinsic_index FROM outbox o JOIN unstake_requests u "
               "ON u.outbox_id = o.id WHERE u.status = 'PAYING' AND o.chain = 'kusama' "
               "AND o.status = 'FINALIZED' AND o.outcome = 'success' AND o.block_hash = ?");
  q.bind(1, block_hash);
  std::vector<std::pair<int64_t, int64_t>> rows;
  while (q.executeStep())
    rows.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).isNull() ? -1 : q.getColumn(1).getInt64());
  q.reset();
  return rows;
}

std::optional<u256> included_fee(statement_cache& sc, int64_t intent_id) {
  auto& q = sc("SELECT fee FROM outbox_attempts WHERE intent_id = ? AND status = 'INCLUDED' "
               "ORDER BY attempt DESC LIMIT 1");
  q.bind(1, intent_id);
  std::optional<u256> fee;
  if (q.executeStep() && !q.getColumn(0).isNull())
    if (auto v = u256::from_dec(q.getColumn(0).getString()))
      fee = *v;
  q.reset();
  return fee;
}

u256 payout_fee_to_book(statement_cache& sc, int64_t intent_id,
                        const std::optional<u256>& from_chain) {
  if (from_chain)
    return *from_chain;
  if (auto quoted = included_fee(sc, intent_id))
    return *quoted;
  return payout_fee_row(sc, intent_id).value_or(u256{});
}

} // namespace lstaked::ledger

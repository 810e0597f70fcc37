#include "actors/payout_queue.hpp"

#include "actors/kusama_submitter.hpp"
#include "actors/metrics.hpp"
#include "chain/ethereum/amount.hpp"
#include "chain/substrate/extrinsic.hpp"
#include "chain/substrate/scale.hpp"
#include "chain/substrate/storage.hpp"
#include "storage/kusama_ledger.hpp"
#include "storage/operator_transfers.hpp"
#include "storage/outbox.hpp"
#include "storage/payout_queue.hpp"

#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace lstaked {

using nlohmann::json;
using kusama::account32;
using kusama::u128;
namespace sub = chain::substrate;

namespace {

using self_ptr = payout_queue_actor::stateful_pointer<payout_queue_state>;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string dec(u128 v) {
  return sub::to_decimal(v);
}

std::optional<account32> account_of(const std::string& hex_text) {
  auto b = chain::from_hex(hex_text);
  if (!b || b->size() != 32)
    return std::nullopt;
  account32 a{};
  std::copy(b->begin(), b->end(), a.begin());
  return a;
}

std::optional<u128> to_u128(const ledger::u256& v) {
  if (v.limb(2) != 0 || v.limb(3) != 0)
    return std::nullopt;
  return (u128{v.limb(1)} << 64) | u128{v.limb(0)};
}

struct gauges {
  gauge_metric& queued = metrics_registry::global().gauge(
    "lstaked_payouts_unfunded_planck", "Planck owed to REQUESTED and QUEUED unstake requests");
  gauge_metric& set_aside = metrics_registry::global().gauge(
    "lstaked_payouts_set_aside_planck", "Planck set aside for FUNDED and PAYING requests");
  gauge_metric& held = metrics_registry::global().gauge(
    "lstaked_payouts_held", "Unstake requests HELD for the operator");
  gauge_metric& batch = metrics_registry::global().gauge(
    "lstaked_payouts_batch_items", "Payouts one force_batch may carry (from the runtime's weights)");
  counter_metric& intents = metrics_registry::global().counter(
    "lstaked_payouts_intents_total", "Payout extrinsics written to the outbox");
  counter_metric& paid = metrics_registry::global().counter(
    "lstaked_payouts_paid_total", "Unstake requests PAID (settled from finalized blocks)");
};
gauges& metrics() {
  static gauges g;
  return g;
}

void schedule(self_ptr self) {
  self->delayed_send(self, self->state.cfg.poll_interval, tick_atom_v);
}

json transfer_call(const std::string& recipient, const ledger::u256& planck) {
  return {{"Balances",
           {{"transfer_keep_alive", {{"dest", {{"Id", recipient}}}, {"value", planck.to_dec()}}}}}};
}

// An unsigned v4 extrinsic of `call` (length prefix, version 0x04, call): what
// query_info weighs. Never submitted.
caf::expected<std::string> unsigned_extrinsic(const sub::metadata& md, const json& calls) {
  auto call = sub::encode_call(md, "Utility", "force_batch", {{"calls", calls}});
  if (!call)
    return call.error();
  chain::bytes body{0x04};
  body.insert(body.end(), call->begin(), call->end());
  chain::bytes out;
  sub::put_compact(out, body.size());
  out.insert(out.end(), body.begin(), body.end());
  return chain::to_hex(chain::byte_view(out.data(), out.size()));
}

// System.BlockWeights' per_class.normal.max_extrinsic (Option<Weight>), else max_block.
caf::expected<payout_policy::weight> max_extrinsic_weight(const sub::metadata& md) {
  auto v = sub::constant_value(md, "System", "BlockWeights");
  if (!v)
    return v.error();
  auto j = sub::to_json(*v);
  auto weight_of = [](const json& w) -> std::optional<payout_policy::weight> {
    if (!w.is_object() || !w.contains("ref_time") || !w.contains("proof_size"))
      return std::nullopt;
    auto num = [](const json& x) -> std::optional<uint64_t> {
      if (x.is_number_unsigned())
        return x.get<uint64_t>();
      if (x.is_string()) {
        auto s = x.get<std::string>();
        if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
          return std::nullopt;
        try {
          return static_cast<uint64_t>(std::stoull(s)); // u64::MAX fits; above throws
        } catch (const std::exception&) {
          return std::nullopt;
        }
      }
      return std::nullopt;
    };
    auto r = num(w["ref_time"]), p = num(w["proof_size"]);
    if (!r || !p)
      return std::nullopt;
    return payout_policy::weight{*r, *p};
  };
  try {
    auto& normal = j.at("per_class").at("normal");
    auto& max = normal.at("max_extrinsic");
    // Option<Weight> as canonical JSON: {"Some": w} | {"None": ...} | w | null.
    const json* inner = &max;
    if (max.is_object() && max.contains("Some"))
      inner = &max["Some"];
    if (auto w = weight_of(*inner))
      return *w;
    if (auto w = weight_of(j.at("max_block")))
      return *w;
  } catch (const std::exception&) {
  }
  return make_error(ec::decode_error, "System.BlockWeights: no max_extrinsic / max_block weight");
}

// How many transfers one force_batch may carry, from the weights the runtime reports.
caf::expected<uint32_t> batch_limit(payout_queue_state& st, const sub::metadata& md,
                                    const std::string& at, const std::string& sample_recipient) {
  auto max = max_extrinsic_weight(md);
  if (!max)
    return max.error();
  auto one = transfer_call(sample_recipient, ledger::u256{1});
  auto w1_hex = unsigned_extrinsic(md, json::array({one}));
  auto w2_hex = unsigned_extrinsic(md, json::array({one, one}));
  if (!w1_hex || !w2_hex)
    return make_error(ec::invalid_state, "cannot encode a payout batch: "
                                           + describe(w1_hex ? w2_hex.error() : w1_hex.error()));
  auto w1 = kusama::query_info(*st.client, *w1_hex, at);
  auto w2 = w1 ? kusama::query_info(*st.client, *w2_hex, at) : w1;
  if (!w1 || !w2)
    return make_error(ec::unavailable, "cannot weigh a payout batch (TransactionPaymentApi_query_info): "
                                         + describe(w1 ? w2.error() : w1.error()));
  payout_policy::weight item{w2->ref_time > w1->ref_time ? w2->ref_time - w1->ref_time : 0,
                             w2->proof_size > w1->proof_size ? w2->proof_size - w1->proof_size : 0};
  payout_policy::weight base{w1->ref_time > item.ref_time ? w1->ref_time - item.ref_time : 0,
                             w1->proof_size > item.proof_size ? w1->proof_size - item.proof_size : 0};
  auto n = payout_policy::max_batch_items(item, base, *max, st.cfg.policy);
  st.view["weights"] = {{"item_ref_time", item.ref_time}, {"item_proof_size", item.proof_size},
                        {"base_ref_time", base.ref_time}, {"base_proof_size", base.proof_size},
                        {"max_extrinsic_ref_time", max->ref_time},
                        {"max_extrinsic_proof_size", max->proof_size}, {"batch_items", n}};
  return n;
}

// Open rows of the payout account that change what it may pay: transfers
// out. payout_stakers (anyone may call it; it costs only a fee, covered by
// the fee reserve) does not, so the queue does not wait for it: the bond
// manager collects rewards every era and would otherwise starve the queue.
bool moves_funds(const std::string& purpose) {
  return purpose != "payout_stakers";
}

struct hold_decision {
  std::string request_id;
  ledger::hold_reason reason;
};

void tick(self_ptr self) {
  auto& st = self->state;
  if (st.busy)
    return;
  auto fail = [&](const std::string& why) {
    st.last_error = why;
    st.detail = why;
    spdlog::warn("payout_queue: {}", why);
    schedule(self);
  };
  bool paused = false;
  size_t open = 0;
  std::vector<int64_t> unsettled;
  ledger::queue_totals totals;
  ledger::u256 not_pool{};
  std::vector<ledger::unstake_request> queued, funded;
  std::map<std::string, uint64_t> counts;
  std::vector<ledger::operator_transfer> transfers;
  std::vector<int64_t> transfers_unsettled;
  try {
    st.db->exec("BEGIN");
    paused = ledger::flow_paused(*st.db, "payouts");
    for (auto& r : ledger::open_intents(*st.db, "kusama"))
      open += r.account == st.cfg.payer && moves_funds(r.purpose);
    unsettled = ledger::payouts_decided_without_items(*st.db);
    totals = ledger::queue_totals_of(*st.db);
    // What is on the payout account but not the pool's. The fee ledger's
    // balance is not: fees are restaked with the rewards (payee Staked), so
    // it is a claim on the pool's total, not KSM held here.
    not_pool = ledger::refundable_planck(*st.db);
    // Pre-checked: the queue's head as it will be once REQUESTED ones are queued.
    queued = ledger::unstakes_in_state(*st.db, "QUEUED", std::nullopt, st.cfg.lookahead);
    auto requested = ledger::unstakes_in_state(*st.db, "REQUESTED", std::nullopt, st.cfg.lookahead);
    queued.insert(queued.end(), requested.begin(), requested.end());
    funded = ledger::funded_batch(*st.db, st.cfg.policy.max_batch_items);
    counts = ledger::unstake_counts(*st.db);
    // The oldest REQUESTED transfer, and the oldest REQUESTED refund behind
    // it when it is a fee withdrawal: a withdrawal waiting for free KSM must
    // not hold up a refund (below).
    transfers = ledger::transfers_in_state(*st.db, "REQUESTED", 1);
    if (!transfers.empty() && transfers.front().kind != "REFUND")
      for (auto& r : ledger::transfers_in_state(*st.db, "REQUESTED", 1, "REFUND"))
        transfers.push_back(r);
    transfers_unsettled = ledger::transfers_replaced(*st.db);
    st.db->exec("COMMIT");
  } catch (const std::exception& e) {
    try { st.db->exec("ROLLBACK"); } catch (...) {}
    return fail(std::string("database: ") + e.what());
  }
  auto& m = metrics();
  auto clamp = [](const ledger::u256& v) {
    return v.fits_u64() ? static_cast<int64_t>(std::min<uint64_t>(v.low_u64(), INT64_MAX)) : INT64_MAX;
  };
  m.queued.set(clamp(totals.unfunded_planck));
  m.set_aside.set(clamp(totals.set_aside_planck));
  m.held.set(counts.count("HELD") ? static_cast<int64_t>(counts.at("HELD")) : 0);
  st.view["counts"] = counts;
  st.view["unfunded_planck"] = totals.unfunded_planck.to_dec();
  st.view["set_aside_planck"] = totals.set_aside_planck.to_dec();
  st.view["held_planck"] = totals.held_planck.to_dec();
  st.view["paused"] = paused;
  st.view["open_outbox_rows"] = open;
  if (paused) {
    st.detail = "payouts flow paused";
    st.last_error.clear();
    return schedule(self);
  }

  // 1. What the chain decided without item results.
  if (!transfers_unsettled.empty()) {
    st.busy = true;
    write_task task{"operator_transfer_settle", sql::durability::full,
                    [transfers_unsettled](SQLite::Database& db) {
                      ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                        for (auto id : transfers_unsettled) {
                          auto r = ledger::settle_transfer(
                            sc, id, false, "", "its nonce was used by a transaction this daemon did not sign",
                            now_ms());
                          if (r)
                            spdlog::warn("payout_queue: operator transfer {} FAILED: {}", r->id, r->reason);
                        }
                      });
                    }};
    self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
      .then([self](uint64_t) { self->state.busy = false; self->send(self, tick_atom_v); },
            [self](caf::error& err) {
              self->state.busy = false;
              self->state.last_error = "cannot settle an operator transfer: " + describe(err);
              schedule(self);
            });
    return;
  }
  if (!unsettled.empty()) {
    st.busy = true;
    write_task task{"payout_settle", sql::durability::full, [unsettled](SQLite::Database& db) {
                      ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                        for (auto id : unsettled) {
                          auto r = ledger::settle_payout(sc, id, {}, ledger::payout_fee_to_book(sc, id, std::nullopt),
                                                                        now_ms());
                          if (!r)
                            spdlog::error("payout_queue: cannot settle outbox {}: {}", id,
                                          describe(r.error()));
                          else
                            spdlog::warn("payout_queue: outbox {} did not pay: {} request(s) HELD",
                                         id, r->held.size());
                        }
                      });
                    }};
    self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
      .then([self](uint64_t) { self->state.busy = false; self->send(self, tick_atom_v); },
            [self](caf::error& err) {
              self->state.busy = false;
              self->state.last_error = "cannot settle: " + describe(err);
              schedule(self);
            });
    return;
  }
  bool requested = counts.count("REQUESTED") && counts.at("REQUESTED") > 0;
  if (!requested && queued.empty() && funded.empty() && transfers.empty()) {
    st.detail = "nothing to pay";
    st.last_error.clear();
    return schedule(self);
  }
  if (open > 0) {
    st.detail = "waiting for " + std::to_string(open) + " outbox row(s) of the deposit account to be final";
    return schedule(self);
  }

  // 2. One snapshot at the finalized head: the payer and the recipients in view.
  auto fin = st.client->call("chain_getFinalizedHead");
  if (!fin || !fin->is_string())
    return fail("cannot read the finalized head: " + (fin ? fin->dump() : describe(fin.error())));
  auto at = fin->get<std::string>();
  auto version = st.client->call("state_getRuntimeVersion", json::array({at}));
  if (!version)
    return fail("cannot read the runtime version: " + describe(version.error()));
  auto rt = st.runtimes.at(*st.client, at, *version);
  if (!rt)
    return fail("cannot read the metadata: " + describe(rt.error()));
  auto payer = *account_of(st.cfg.payer);
  kusama::snapshot_request req;
  req.accounts.push_back(payer);
  for (auto* list : {&queued, &funded})
    for (auto& r : *list)
      if (auto a = account_of(r.recipient))
        req.accounts.push_back(*a);
  auto snap = kusama::read_snapshot(*st.client, *(*rt)->md, at, req);
  if (!snap)
    return fail("cannot read balances at " + at + ": " + describe(snap.error()));
  // Every requested account was read: one without System.Account is empty
  // (it does not exist), not unknown.
  for (auto& a : req.accounts)
    snap->balances.try_emplace(a);
  auto limit = batch_limit(st, *(*rt)->md, at, st.cfg.payer);
  if (!limit)
    return fail(describe(limit.error()));
  if (*limit == 0)
    return fail("not one transfer fits a payout extrinsic's weight: nothing can be paid");
  m.batch.set(*limit);
  auto not_pool128 = to_u128(not_pool);
  if (!not_pool128)
    return fail("what is not the pool's exceeds 2^128 planck");
  auto fundable = payout_policy::fundable_now(*snap, payer, *not_pool128, st.cfg.policy);
  st.view["fundable_planck"] = dec(fundable);
  st.view["at_block"] = snap->number;
  // Requests the chain could not pay as asked: HELD before anything is signed.
  std::vector<hold_decision> holds;
  for (auto& r : queued) {
    auto a = account_of(r.recipient);
    auto amount = to_u128(r.amount_planck);
    if (!a || !amount)
      continue; // a malformed one is already HELD by the ledger
    auto p = payout_policy::check_payout(*snap, *a, *amount);
    if (p == payout_policy::payability::recipient_missing)
      holds.push_back({r.request_id, ledger::hold_reason::recipient_missing});
    else if (p == payout_policy::payability::below_existential_deposit)
      holds.push_back({r.request_id, ledger::hold_reason::below_existential_deposit});
  }
  auto nonce = snap->balances.count(payer) ? snap->balances.at(payer).nonce : 0;
  auto available_dec = ledger::u256::from_dec(dec(fundable));
  if (!available_dec)
    return fail("fundable amount: " + describe(available_dec.error()));
  auto available = *available_dec;
  auto items = static_cast<size_t>(*limit);
  auto written = std::make_shared<std::pair<int64_t, size_t>>(0, 0); // intent id, requests
  auto payer_hex = st.cfg.payer;
  // An operator transfer goes when no payout is waiting for funds: a refund
  // always (its KSM is kept aside as not the pool's), a fee withdrawal only
  // from free KSM nobody in the queue is owed. Fee withdrawals go in order;
  // a refund does not wait behind one (it could wait for a whole unbonding).
  std::optional<ledger::operator_transfer> transfer;
  st.view.erase("operator_transfer_waits");
  for (auto& t : transfers) {
    bool queue_waits = totals.unfunded_planck != ledger::u256{};
    auto aside = totals.set_aside_planck;
    auto room = available > aside ? ledger::u256::wrapping_sub(available, aside) : ledger::u256{};
    if (t.kind == "REFUND" || (!queue_waits && funded.empty() && t.amount_planck <= room)) {
      transfer = t;
      break;
    }
    st.view["operator_transfer_waits"] = "fee withdrawal " + std::to_string(t.id)
                                         + " waits for free KSM the queue is not owed";
  }
  st.busy = true;
  write_task task{
    "payout_step", sql::durability::full,
    [holds, available, items, nonce, payer_hex, written, transfer](SQLite::Database& db) {
      ledger::with_statements(db, [&](ledger::statement_cache& sc) {
        if (ledger::flow_paused(sc, "payouts"))
          return;
        if (transfer) {
          json call{{"pallet", "Balances"},
                    {"call", "transfer_keep_alive"},
                    {"args", {{"dest", {{"Id", transfer->recipient}}},
                              {"value", transfer->amount_planck.to_dec()}}}};
          auto purpose = transfer->kind == "REFUND" ? "refund" : "fee_withdrawal";
          auto row = ledger::add_intent(sc, "kusama", payer_hex, purpose, call, nonce, now_ms());
          if (auto err = ledger::begin_transfer(sc, transfer->id, row.id, now_ms()))
            throw write_refused(err);
          spdlog::info("payout_queue: outbox {}: {} {} of {} planck to {}", row.id, purpose,
                       transfer->id, transfer->amount_planck.to_dec(), transfer->recipient);
          return; // one step at a time: the next tick sees it open and waits
        }
        auto now = now_ms();
        ledger::queue_requested(sc, now);
        for (auto& h : holds) {
          auto err = ledger::hold_request(sc, h.request_id, h.reason, "", now);
          if (!err)
            spdlog::warn("payout_queue: request {} HELD: {}", h.request_id, ledger::to_string(h.reason));
        }
        ledger::fund_in_order(sc, available, now);
        // The first FUNDED requests, in queue order, in one force_batch.
        std::vector<std::string> ids;
        json calls = json::array();
        for (auto& r : ledger::funded_batch(db, items)) {
          ids.push_back(r.request_id);
          calls.push_back(transfer_call(r.recipient, r.amount_planck));
        }
        if (ids.empty())
          return;
        json call{{"pallet", "Utility"}, {"call", "force_batch"}, {"args", {{"calls", calls}}}};
        auto row = ledger::add_intent(sc, "kusama", payer_hex, "payout", call, nonce, now);
        // Fees are booked from the fee ledger when the payout settles (the
        // fee actually paid); one payout is in flight at a time, so nothing
        // is reserved ahead.
        if (auto err = ledger::begin_payout(sc, ids, row.id, ledger::u256{}, now))
          throw write_refused(err);
        *written = {row.id, ids.size()};
      });
    }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then(
      [self, written](uint64_t) {
        auto& st = self->state;
        st.busy = false;
        st.last_error.clear();
        if (written->second > 0) {
          metrics().intents.inc();
          spdlog::info("payout_queue: outbox {}: payout of {} request(s)", written->first,
                       written->second);
          st.detail = "outbox " + std::to_string(written->first) + " pays "
                      + std::to_string(written->second) + " request(s)";
        } else {
          st.detail = "nothing funded to pay (free KSM short or queue empty)";
        }
        schedule(self);
      },
      [self](caf::error& err) {
        auto& st = self->state;
        st.busy = false;
        st.last_error = "cannot write the payout step: " + describe(err);
        st.detail = st.last_error;
        schedule(self);
      });
}

} // namespace

caf::error validate(const payout_queue_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  if (cfg.database.empty())
    return make_error(ec::invalid_config, "the payout queue needs the database path");
  if (!account_of(cfg.payer))
    return make_error(ec::invalid_config, "payout queue: bad paying account");
  if (cfg.poll_interval.count() <= 0)
    return make_error(ec::invalid_config, "payouts.poll_interval_ms must be > 0");
  if (cfg.policy.max_batch_items == 0)
    return make_error(ec::invalid_config, "payouts.max_batch_items must be > 0");
  return caf::none;
}

payout_queue_actor::behavior_type
payout_queue(payout_queue_actor::stateful_pointer<payout_queue_state> self, payout_queue_config cfg,
             storage_actor storage) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.storage = std::move(storage);
  if (auto err = start_operator(st))
    return stopped_operator<payout_queue_actor>(self, payout_queue_state::name, std::move(err));
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) { tick(self); },
    [self](status_atom) {
      auto j = self->state.view;
      j["detail"] = self->state.detail;
      j["last_error"] = self->state.last_error;
      return j.dump();
    },
    [self](health_atom) {
      auto& st = self->state;
      return actor_health{payout_queue_state::name, st.last_error.empty(), st.detail,
                          static_cast<uint64_t>(self->mailbox().size()), 0};
    },
  };
}

follower::block_hook payout_settle_hook() {
  return [](ledger::statement_cache& sc, const follower::applied_block& b) {
    // Payout rows and operator transfers finalized in this very block
    // (kusama_outbox_hook ran first).
    auto rows = ledger::payouts_finalized_in(sc, b.ref.hash);
    auto finished = ledger::transfers_finalized_in(sc, b.ref.hash);
    for (auto& f : finished) {
      auto id = f.intent_id;
      bool ok = f.success;
      auto& error = f.dispatch_error;
      auto index = f.extrinsic_index;
      auto r = ledger::settle_transfer(sc, id, ok,
                                       std::to_string(b.ref.number) + "-" + std::to_string(index),
                                       error.empty() ? "the transfer failed" : error, follower::now_ms());
      if (!r) {
        spdlog::critical("payout_queue: operator transfer on outbox {}: {}", id, describe(r.error()));
        continue;
      }
      if (ok)
        spdlog::info("payout_queue: operator transfer {} ({}) DONE in block {}", r->id, r->kind,
                     b.ref.number);
      else {
        auto why = "operator transfer " + std::to_string(r->id) + " (" + r->kind + ") failed: " + r->reason;
        spdlog::warn("payout_queue: {}", why);
        ledger::raise_alert(sc, "warning", "payout_queue", why, follower::now_ms());
      }
    }
    for (auto [id, index] : rows) {
      std::vector<ledger::payout_item_result> items;
      if (b.batch_items && index >= 0) {
        auto it = b.batch_items->find(static_cast<uint32_t>(index));
        if (it != b.batch_items->end())
          for (auto& e : it->second)
            items.push_back({e.empty(), e});
      }
      std::optional<ledger::u256> paid_fee;
      if (b.fees_paid && index >= 0)
        if (auto f = b.fees_paid->find(static_cast<uint32_t>(index)); f != b.fees_paid->end())
          paid_fee = f->second;
      auto r = ledger::settle_payout(sc, id, items, ledger::payout_fee_to_book(sc, id, paid_fee),
                                     follower::now_ms());
      if (!r) {
        auto why = "payout outbox " + std::to_string(id) + " finalized in block "
                   + std::to_string(b.ref.number) + " cannot be settled: " + describe(r.error())
                   + " (its requests stay PAYING; nothing is re-sent)";
        spdlog::critical("payout_queue: {}", why);
        ledger::raise_alert(sc, "critical", "payout_queue", why, follower::now_ms());
        continue;
      }
      metrics().paid.inc(r->paid.size());
      spdlog::info("payout_queue: outbox {} settled in block {}: {} paid, {} held", id,
                   b.ref.number, r->paid.size(), r->held.size());
    }
  };
}

caf::expected<std::optional<payout_queue_config>> make_payout_queue_config(const config& cfg) {
  auto keys = load_operator_keys(cfg);
  if (!keys)
    return keys.error();
  if (!*keys)
    return std::optional<payout_queue_config>{};
  payout_queue_config c;
  c.rpc.url = cfg.kusama.rpc_url;
  c.database = cfg.database_path();
  c.ss58_prefix = cfg.kusama.ss58_prefix;
  c.payer = (*keys)->deposit_account;
  auto reserve = chain::eth::parse_amount(cfg.staking.fee_reserve, chain::eth::ksm_decimals);
  if (!reserve)
    return make_error(ec::invalid_config, "staking.fee_reserve: " + describe(reserve.error()));
  auto r128 = to_u128(*reserve);
  if (!r128)
    return make_error(ec::invalid_config, "staking.fee_reserve: above 2^128 planck");
  c.policy.fee_reserve = *r128;
  c.policy.max_batch_items = static_cast<uint32_t>(cfg.payouts.max_batch_items);
  c.policy.weight_safety_percent = static_cast<uint32_t>(cfg.payouts.weight_safety_percent);
  c.poll_interval = std::chrono::milliseconds(cfg.payouts.poll_interval_ms);
  return std::optional<payout_queue_config>{std::move(c)};
}

child_spec payout_queue_child(payout_queue_config cfg) {
  return child_with_storage("payout_queue", storage_use::restart, spawn_mode::detached, payout_queue,
                            std::move(cfg));
}

} // namespace lstaked

#include "actors/bond_manager.hpp"

#include "actors/metrics.hpp"
#include "actors/queue_funding.hpp"
#include "chain/ethereum/amount.hpp"
#include "chain/rpc/substrate_client.hpp"
#include "chain/sig/ss58.hpp"
#include "storage/admin_actions.hpp"
#include "storage/kusama_ledger.hpp"
#include "storage/operator_transfers.hpp"
#include "storage/outbox.hpp"
#include "storage/payout_queue.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <set>

namespace lstaked {

using nlohmann::json;
using kusama::account32;
using kusama::u128;

namespace {

using self_ptr = bond_manager_actor::stateful_pointer<bond_manager_state>;

// Waiting unstakes whose expected release time is computed each round.
constexpr size_t max_release_lookahead = 2000;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string dec(u128 v) {
  if (v == 0)
    return "0";
  std::string out;
  while (v != 0) {
    out.push_back(static_cast<char>('0' + static_cast<unsigned>(v % 10)));
    v /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string ss58(const account32& a, uint16_t prefix) {
  auto s = chain::sig::ss58_encode(chain::byte_view(a.data(), a.size()), prefix);
  return s ? *s : chain::to_hex(chain::byte_view(a.data(), a.size()));
}

std::string hex(const account32& a) {
  return chain::to_hex(chain::byte_view(a.data(), a.size()));
}

caf::expected<account32> account_of(const std::string& hex_text) {
  auto b = chain::from_hex(hex_text);
  if (!b || b->size() != 32)
    return make_error(ec::invalid_config, "not an AccountId: " + hex_text);
  account32 a{};
  std::copy(b->begin(), b->end(), a.begin());
  return a;
}

caf::expected<u128> to_u128(const chain::eth::u256& v) {
  if (v.limb(2) != 0 || v.limb(3) != 0)
    return make_error(ec::overflow, "amount above 2^128");
  return (u128{v.limb(1)} << 64) | u128{v.limb(0)};
}

caf::expected<u128> ksm(const std::string& text, const char* key) {
  auto v = chain::eth::parse_amount(text, chain::eth::ksm_decimals);
  if (!v)
    return make_error(ec::invalid_config, std::string(key) + ": " + describe(v.error()));
  return to_u128(*v);
}

// Gauges by stash (planck as int64: 9.2e18 planck = 9.2 million KSM per stash).
void publish_metrics(const kusama::staking_snapshot& s, const bond_manager_config& cfg,
                     const bond_policy::unclaimed_summary& unclaimed) {
  auto& r = metrics_registry::global();
  auto clamp = [](u128 v) {
    return static_cast<int64_t>(std::min<u128>(v, static_cast<u128>(INT64_MAX)));
  };
  for (auto& st : cfg.stashes) {
    auto a = account_of(st.account);
    if (!a)
      continue;
    metric_labels l{{"stash", st.account}};
    auto bal = s.balances.count(*a) ? s.balances.at(*a) : kusama::account_balance{};
    r.gauge("lstaked_staking_free_planck", "Free balance of each pool stash", l).set(clamp(bal.free));
    auto led = s.ledgers.find(*a);
    u128 total = led == s.ledgers.end() ? 0 : led->second.total;
    u128 active = led == s.ledgers.end() ? 0 : led->second.active;
    r.gauge("lstaked_staking_bonded_planck", "Bonded (ledger total) of each pool stash", l).set(clamp(total));
    r.gauge("lstaked_staking_active_planck", "Active bond of each pool stash", l).set(clamp(active));
    r.gauge("lstaked_staking_unlocking_planck", "Unlocking (total - active) of each pool stash", l)
      .set(clamp(total - active));
    auto noms = s.nominations.find(*a);
    r.gauge("lstaked_staking_nominations", "Validators each pool stash nominates", l)
      .set(noms == s.nominations.end() ? 0 : static_cast<int64_t>(noms->second.size()));
  }
  r.gauge("lstaked_staking_unclaimed_eras", "Exposures of pool stashes whose reward is unclaimed")
    .set(static_cast<int64_t>(unclaimed.count));
  r.gauge("lstaked_staking_active_era", "The chain's active era").set(s.active_era.value_or(0));
}

json snapshot_view(const kusama::staking_snapshot& s, const bond_manager_config& cfg,
                   const std::vector<bond_policy::nomination_plan>& noms,
                   const bond_policy::funding_plan& funding,
                   const bond_policy::unclaimed_summary& unclaimed) {
  json stashes = json::array();
  for (size_t i = 0; i < cfg.stashes.size(); ++i) {
    auto a = *account_of(cfg.stashes[i].account);
    auto bal = s.balances.count(a) ? s.balances.at(a) : kusama::account_balance{};
    auto led = s.ledgers.find(a);
    json j{{"stash", ss58(a, cfg.ss58_prefix)},
           {"account", cfg.stashes[i].account},
           {"proxied", cfg.stashes[i].proxied},
           {"free", dec(bal.free)},
           {"bonded", dec(led == s.ledgers.end() ? 0 : led->second.total)},
           {"active", dec(led == s.ledgers.end() ? 0 : led->second.active)},
           {"unlocking", json::array()}};
    if (led != s.ledgers.end())
      for (auto& c : led->second.unlocking)
        j["unlocking"].push_back({{"value", dec(c.value)}, {"era", c.era}});
    if (i < noms.size())
      j["nominations"] = noms[i].to_json(cfg.ss58_prefix);
    stashes.push_back(std::move(j));
  }
  // The trusted validators as the chain has them (commission, blocked): the console's table.
  json validators = json::array();
  for (auto& [a, v] : s.validators)
    validators.push_back({{"validator", ss58(a, cfg.ss58_prefix)},
                          {"commission_perbill", v.commission_perbill},
                          {"blocked", v.blocked}});
  return {{"block", s.number},
          {"block_hash", s.at},
          {"validators", validators},
          {"chain_time_ms", s.timestamp_ms},
          {"active_era", s.active_era ? json(*s.active_era) : json()},
          {"min_nominator_bond", dec(s.min_nominator_bond)},
          {"max_nominations", s.constants.max_nominations},
          {"history_depth", s.constants.history_depth},
          {"stashes", stashes},
          {"funding", funding.to_json()},
          {"unclaimed", {{"count", unclaimed.count},
                         {"oldest_era", unclaimed.oldest_era ? json(*unclaimed.oldest_era) : json()},
                         {"last_claimable_era", unclaimed.last_claimable_era
                                                  ? json(*unclaimed.last_claimable_era)
                                                  : json()}}}};
}

/// An intent to write: signer, purpose, call (storage/outbox.hpp format).
struct planned_intent {
  std::string account;
  std::string purpose;
  json call;
  std::optional<ledger::nomination_change> nomination; // recorded with the intent
};

json runtime_call(const std::string& pallet, const std::string& call, json args) {
  return {{pallet, {{call, std::move(args)}}}};
}

std::vector<planned_intent> plan_intents(const bond_manager_config& cfg,
                                         const kusama::staking_snapshot& s,
                                         const bond_policy::funding_plan& funding,
                                         const std::vector<bond_policy::nomination_plan>& noms,
                                         const std::vector<bond_policy::payout_call>& payouts) {
  std::vector<planned_intent> out;
  if (!funding.transfers.empty()) {
    json calls = json::array();
    for (auto& t : funding.transfers)
      calls.push_back(runtime_call("Balances", "transfer_keep_alive",
                                   {{"dest", {{"Id", hex(t.to)}}}, {"value", dec(t.amount)}}));
    json c = calls.size() == 1
               ? json{{"pallet", "Balances"}, {"call", "transfer_keep_alive"},
                      {"args", calls[0]["Balances"]["transfer_keep_alive"]}}
               : json{{"pallet", "Utility"}, {"call", "batch_all"}, {"args", {{"calls", calls}}}};
    out.push_back({cfg.deposit_account, "fund_stashes", std::move(c), std::nullopt});
  }
  auto stash_cfg = [&](const account32& a) -> const operator_keys::stash* {
    for (auto& st : cfg.stashes)
      if (st.account == hex(a))
        return &st;
    return nullptr;
  };
  auto staking_call = [](const operator_keys::stash& st, const std::string& name, json args) {
    json c{{"pallet", "Staking"}, {"call", name}, {"args", std::move(args)}};
    if (st.proxied)
      c["proxy_for"] = st.account;
    return c;
  };
  for (auto& b : funding.bonds) {
    auto* st = stash_cfg(b.stash);
    if (!st)
      continue;
    auto c = b.extra ? staking_call(*st, "bond_extra", {{"max_additional", dec(b.amount)}})
                     : staking_call(*st, "bond", {{"value", dec(b.amount)},
                                                  {"payee", {{"Staked", nullptr}}}});
    out.push_back({st->signer, b.extra ? "bond_extra" : "bond", std::move(c), std::nullopt});
  }
  for (auto& n : noms) {
    if (!n.change_now)
      continue;
    auto* st = stash_cfg(n.stash);
    if (!st)
      continue;
    json targets = json::array();
    ledger::nomination_change change;
    change.stash = st->account;
    change.chain_time_ms = s.timestamp_ms;
    for (auto& v : n.chosen) {
      targets.push_back({{"Id", hex(v)}});
      change.targets.push_back(hex(v));
    }
    out.push_back({st->signer, "nominate", staking_call(*st, "nominate", {{"targets", targets}}),
                   change});
  }
  if (!payouts.empty()) {
    json calls = json::array();
    for (auto& p : payouts)
      calls.push_back(runtime_call("Staking", "payout_stakers_by_page",
                                   {{"validator_stash", hex(p.validator)},
                                    {"era", p.era},
                                    {"page", p.page}}));
    out.push_back({cfg.deposit_account, "payout_stakers",
                   {{"pallet", "Utility"}, {"call", "batch_all"}, {"args", {{"calls", calls}}}},
                   std::nullopt});
  }
  return out;
}

void schedule(self_ptr self) {
  self->delayed_send(self, self->state.cfg.poll_interval, tick_atom_v);
}

// The chain contradicts the configuration: nothing is decided until it does
// not (checked again every tick; the alert is raised once per reason).
void refuse(self_ptr self, const std::string& why) {
  auto& st = self->state;
  st.detail = "refusing to act: " + why;
  st.last_error = st.detail;
  schedule(self);
  if (st.refused == why)
    return;
  st.refused = why;
  spdlog::critical("bond_manager: {}", why);
  write_task task{"bond_manager_halt", sql::durability::full, [why](SQLite::Database& db) {
                    ledger::raise_alert(db, "critical", "bond_manager", why, now_ms());
                  }};
  self->request(self->state.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then([](uint64_t) {}, [](caf::error&) {});
}

// Start checks against the runtime: refuse to act on a configuration the chain contradicts.
std::string check_runtime(const bond_manager_config& cfg, const kusama::staking_snapshot& s) {
  if (cfg.validators.size() > s.constants.max_nominations)
    return "staking.validators lists " + std::to_string(cfg.validators.size())
           + " validators but a stash can nominate at most " + std::to_string(s.constants.max_nominations)
           + " (Staking.MaxNominations)";
  for (auto& st : cfg.stashes) {
    if (!st.proxied)
      continue;
    auto a = *account_of(st.account);
    auto d = *account_of(st.signer);
    auto p = s.staking_proxies.find(a);
    if (p == s.staking_proxies.end()
        || std::find(p->second.begin(), p->second.end(), d) == p->second.end())
      return "stash " + ss58(a, cfg.ss58_prefix) + " has no Staking proxy "
             + ss58(d, cfg.ss58_prefix) + " (its key file's account)";
  }
  return {};
}

// Completes the console's rotate_validators actions read this tick.
void complete_rotation(self_ptr self, const std::string& state, const std::string& outcome) {
  auto ids = std::move(self->state.rotate_actions);
  self->state.rotate_actions.clear();
  if (ids.empty())
    return;
  write_task task{"rotate_actions", sql::durability::full, [ids, state, outcome](SQLite::Database& db) {
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                      for (auto id : ids)
                        ledger::complete_action(sc, id, state, outcome, now_ms());
                    });
                  }};
  self->request(self->state.storage, self->state.cfg.storage_timeout, write_atom_v, std::move(task))
    .then([](uint64_t) {}, [](caf::error& err) {
      spdlog::warn("bond_manager: console actions not completed: {}", describe(err));
    });
}

void tick(self_ptr self) {
  auto& st = self->state;
  if (st.busy)
    return;
  auto fail = [&](const std::string& why) {
    st.last_error = why;
    st.detail = why;
    spdlog::warn("bond_manager: {}", why);
    schedule(self);
  };
  // The accounts whose outbox rows must be final before anything is decided.
  std::set<std::string> ours{st.cfg.deposit_account};
  for (auto& s : st.cfg.stashes)
    ours.insert(s.signer);
  size_t open = 0;
  ledger::u256 refundable{};
  bool paused = false;
  std::map<std::string, std::optional<ledger::nomination_change>> last_changes;
  ledger::queue_totals q;
  ledger::u256 not_pool{};
  std::vector<ledger::unstake_request> waiting;
  try {
    for (auto& r : ledger::open_intents(*st.db, "kusama"))
      open += ours.count(r.account);
    paused = ledger::flow_paused(*st.db, "bonding");
    refundable = ledger::refundable_planck(*st.db);
    not_pool = refundable; // as the payout actor counts it (fees are restaked: not held here)
    waiting = ledger::unstakes_in_state(*st.db, "QUEUED", std::nullopt, max_release_lookahead);
    // What the payout queue owes stays on the deposit account: never bonded.
    q = ledger::queue_totals_of(*st.db);
    // Fee withdrawals asked for are paid from free KSM too: funded like the queue.
    ledger::with_statements(*st.db, [&](ledger::statement_cache& sc) {
      if (auto sum = chain::eth::checked_add(q.unfunded_planck, ledger::pending_fee_withdrawals(sc)))
        q.unfunded_planck = *sum;
    });
    for (auto* owed : {&q.unfunded_planck, &q.set_aside_planck, &q.held_planck})
      if (auto sum = chain::eth::checked_add(refundable, *owed))
        refundable = *sum;
    for (auto& s : st.cfg.stashes)
      last_changes[s.account] = ledger::last_nomination_change(*st.db, s.account);
    st.rotate_actions.clear();
    for (auto& a : ledger::pending_actions(*st.db, "rotate_validators"))
      st.rotate_actions.push_back(a.id);
  } catch (const std::exception& e) {
    return fail(std::string("database: ") + e.what());
  }
  st.view["open_outbox_rows"] = open;
  st.view["paused"] = paused;
  if (paused) {
    st.detail = "bonding flow paused";
    complete_rotation(self, "FAILED", "the bonding flow is paused");
    return schedule(self);
  }
  if (open > 0) {
    st.detail = "waiting for " + std::to_string(open) + " outbox row(s) to be final";
    return schedule(self);
  }
  // One snapshot at the finalized head.
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
  kusama::snapshot_request req;
  req.accounts.push_back(*account_of(st.cfg.deposit_account));
  std::vector<account32> stashes;
  for (auto& s : st.cfg.stashes) {
    stashes.push_back(*account_of(s.account));
    req.accounts.push_back(stashes.back());
    if (s.signer != s.account)
      req.accounts.push_back(*account_of(s.signer));
  }
  req.stashes = stashes;
  std::vector<account32> candidates;
  for (auto& v : st.cfg.validators)
    candidates.push_back(*account_of(v));
  req.candidates = candidates;
  req.slash_lookback_eras = st.cfg.policy.slash_lookback_eras;
  auto snap = kusama::read_snapshot(*st.client, *(*rt)->md, at, req);
  if (!snap)
    return fail("cannot read the staking state at " + at + ": " + describe(snap.error()));
  if (auto why = check_runtime(st.cfg, *snap); !why.empty())
    return refuse(self, why);
  if (!st.refused.empty()) {
    spdlog::info("bond_manager: the chain now agrees with the configuration; acting again");
    st.refused.clear();
  }
  auto refundable128 = to_u128(refundable);
  if (!refundable128)
    return fail(describe(refundable128.error()));
  auto deposit = *account_of(st.cfg.deposit_account);
  auto funding = bond_policy::plan_funding(*snap, deposit, stashes, *refundable128, st.cfg.policy);
  // The payout queue's need: withdraw, sweep, unbond or rebond (queue_funding.hpp).
  queue_funding::inputs qin;
  auto unfunded = to_u128(q.unfunded_planck), set_aside = to_u128(q.set_aside_planck),
       not_pool128 = to_u128(not_pool);
  if (!unfunded || !set_aside || !not_pool128)
    return fail("the payout queue's totals exceed 2^128 planck");
  qin.unfunded = *unfunded;
  qin.set_aside = *set_aside;
  qin.not_pool = *not_pool128;
  for (auto& w : waiting)
    if (auto a = to_u128(w.amount_planck))
      qin.waiting.emplace_back(w.request_id, *a);
  qin.era_duration_ms = queue_funding::era_duration_from_metadata(*(*rt)->md);
  payout_policy::policy_config qcfg;
  qcfg.fee_reserve = st.cfg.policy.fee_reserve;
  qcfg.min_rebond = st.cfg.policy.min_step;
  qcfg.unbond_margin = st.cfg.policy.fee_reserve;
  qcfg.unbond_step = st.cfg.policy.min_step;
  auto queue = queue_funding::decide(*snap, st.cfg.deposit_account, st.cfg.stashes, qin, qcfg);
  if (!queue.intents.empty())
    spdlog::info("bond_manager: payout queue at block {}: owes {} unfunded, {} set aside; free for "
                 "it {}, sweepable {}, withdrawable {}, unlocking {}: unbond {}",
                 snap->number, dec(qin.unfunded), dec(qin.set_aside), dec(queue.plan.free_for_queue),
                 dec(queue.plan.sweepable), dec(queue.plan.withdrawable), dec(queue.plan.unlocking),
                 dec(queue.plan.shortfall));
  if (queue.holds_stash_bonds)
    funding.bonds.clear(); // stash free balance is the queue's now: swept, not bonded
  if (!queue.blocked_sweeps.empty())
    spdlog::warn("bond_manager: the payout queue needs the free balance of {} proxied stash(es), "
                 "which only their owner can transfer (first: {})",
                 queue.blocked_sweeps.size(), queue.blocked_sweeps.front());
  std::vector<bond_policy::nomination_plan> noms;
  for (size_t i = 0; i < stashes.size(); ++i) {
    auto& last = last_changes[st.cfg.stashes[i].account];
    // The operator's rotation: planned as if the stash had never changed its nominations.
    bool rotate = !st.rotate_actions.empty();
    noms.push_back(bond_policy::plan_nominations(
      *snap, stashes[i], candidates,
      last && !rotate ? std::optional<uint64_t>(last->chain_time_ms) : std::nullopt, st.cfg.policy));
  }
  auto payouts = bond_policy::plan_payouts(*snap, st.cfg.policy);
  auto unclaimed = bond_policy::summarize_unclaimed(*snap);
  publish_metrics(*snap, st.cfg, unclaimed);
  auto view = snapshot_view(*snap, st.cfg, noms, funding, unclaimed);
  view["open_outbox_rows"] = 0;
  view["paused"] = false;
  view["payout_queue"] = queue.to_json();
  view["era_duration_ms"] = qin.era_duration_ms;
  st.view = std::move(view);
  st.last_error.clear();
  auto intents = plan_intents(st.cfg, *snap, funding, noms, payouts);
  for (auto& i : queue.intents)
    intents.push_back({i.account, i.purpose, i.call, std::nullopt});
  auto releases = queue.release_times;
  bool new_releases = releases != st.noted_releases;
  if (intents.empty() && new_releases && !releases.empty()) {
    // Display only: the expected release times of waiting unstakes.
    st.busy = true;
    write_task task{"unstake_release_times", sql::durability::normal, [releases](SQLite::Database& db) {
                      ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                        ledger::note_expected_release(sc, releases, now_ms());
                      });
                    }};
    self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
      .then([self, releases](uint64_t) {
              self->state.busy = false;
              self->state.noted_releases = releases;
              schedule(self);
            },
            [self](caf::error& err) {
              self->state.busy = false;
              self->state.last_error = "cannot note release times: " + describe(err);
              schedule(self);
            });
    return;
  }
  // A rotation cannot change a stash whose nominations differ but that may not
  // nominate yet (with the interval lifted: bonded below MinNominatorBond).
  std::string cannot_nominate;
  for (size_t i = 0; i < noms.size(); ++i)
    if (noms[i].differs && !noms[i].change_now)
      cannot_nominate += (cannot_nominate.empty() ? "" : ", ")
                         + noms[i].to_json(st.cfg.ss58_prefix).value("stash", std::string());
  if (intents.empty()) {
    st.detail = "nothing to do at block " + std::to_string(snap->number);
    if (cannot_nominate.empty())
      complete_rotation(self, "DONE", "the nominations already are the chosen validators at block "
                                        + std::to_string(snap->number) + ": nothing to change");
    else
      complete_rotation(self, "FAILED", "cannot nominate now (bonded below MinNominatorBond): "
                                          + cannot_nominate);
    return schedule(self);
  }
  size_t nominate_count = std::count_if(intents.begin(), intents.end(),
                                        [](auto& i) { return i.purpose == "nominate"; });
  // Other intents (a bond, say) first: the rotation waits, PENDING, for them.
  std::vector<int64_t> rotation;
  if (nominate_count > 0 || cannot_nominate.empty())
    rotation = std::move(st.rotate_actions);
  st.rotate_actions.clear();
  std::map<std::string, uint64_t> nonces;
  for (auto& [a, b] : snap->balances)
    nonces[hex(a)] = b.nonce;
  st.busy = true;
  auto ids = std::make_shared<std::vector<int64_t>>();
  write_task task{"bond_manager_intents", sql::durability::full,
                  [intents, nonces, ids, rotation, nominate_count](SQLite::Database& db) {
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                      // The flow may have been paused since the read: checked in the transaction.
                      if (ledger::flow_paused(sc, "bonding")) {
                        for (auto id : rotation)
                          ledger::complete_action(sc, id, "FAILED", "the bonding flow is paused",
                                                  now_ms());
                        return;
                      }
                      for (auto& i : intents) {
                        auto n = nonces.count(i.account) ? nonces.at(i.account) : 0;
                        auto row = ledger::add_intent(sc, "kusama", i.account, i.purpose, i.call, n,
                                                      now_ms());
                        ids->push_back(row.id);
                        if (i.nomination) {
                          auto c = *i.nomination;
                          c.intent_id = row.id;
                          ledger::record_nomination_change(sc, c);
                        }
                      }
                      for (auto id : rotation)
                        ledger::complete_action(
                          sc, id, "DONE",
                          nominate_count == 0
                            ? "the nominations already are the chosen validators: nothing to change"
                            : std::to_string(nominate_count) + " nominate extrinsic(s) written to the outbox",
                          now_ms());
                    });
                  }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then(
      [self, intents, ids](uint64_t) {
        auto& st = self->state;
        st.busy = false;
        for (size_t i = 0; i < ids->size() && i < intents.size(); ++i)
          spdlog::info("bond_manager: outbox {}: {} by {}", (*ids)[i], intents[i].purpose,
                       intents[i].account);
        st.detail = std::to_string(ids->size()) + " intent(s) written";
        schedule(self);
      },
      [self](caf::error& err) {
        auto& st = self->state;
        st.busy = false;
        st.last_error = "cannot write intents: " + describe(err);
        st.detail = st.last_error;
        schedule(self);
      });
}

} // namespace

caf::error validate(const bond_manager_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  if (cfg.database.empty())
    return make_error(ec::invalid_config, "the bond manager needs the database path");
  if (!account_of(cfg.deposit_account))
    return make_error(ec::invalid_config, "bond manager: bad deposit account");
  if (cfg.stashes.empty())
    return make_error(ec::invalid_config, "staking.stashes: at least one stash is needed");
  for (auto& s : cfg.stashes)
    if (!account_of(s.account) || !account_of(s.signer))
      return make_error(ec::invalid_config, "bond manager: bad stash " + s.account);
  for (auto& v : cfg.validators)
    if (!account_of(v))
      return make_error(ec::invalid_config, "bond manager: bad validator " + v);
  if (cfg.poll_interval.count() <= 0)
    return make_error(ec::invalid_config, "staking.poll_interval_ms must be > 0");
  return caf::none;
}

bond_manager_actor::behavior_type
bond_manager(bond_manager_actor::stateful_pointer<bond_manager_state> self, bond_manager_config cfg,
             storage_actor storage) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.storage = std::move(storage);
  if (auto err = start_operator(st))
    return stopped_operator<bond_manager_actor>(self, bond_manager_state::name, std::move(err));
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) { tick(self); },
    [self](status_atom) {
      auto j = self->state.view;
      j["detail"] = self->state.detail;
      j["refused"] = self->state.refused;
      j["last_error"] = self->state.last_error;
      return j.dump();
    },
    [self](health_atom) {
      auto& st = self->state;
      return actor_health{bond_manager_state::name, st.last_error.empty(), st.detail,
                          static_cast<uint64_t>(self->mailbox().size()), 0};
    },
  };
}

caf::expected<std::optional<bond_manager_config>> make_bond_manager_config(const config& cfg) {
  auto keys = load_operator_keys(cfg);
  if (!keys)
    return keys.error();
  if (!*keys)
    return std::optional<bond_manager_config>{};
  auto& s = cfg.staking;
  bond_manager_config c;
  c.rpc.url = cfg.kusama.rpc_url;
  c.database = cfg.database_path();
  c.ss58_prefix = cfg.kusama.ss58_prefix;
  c.deposit_account = (*keys)->deposit_account;
  c.stashes = (*keys)->stashes;
  std::vector<std::string> validators = s.validators;
  if (!s.validators_file.empty()) {
    std::ifstream in(s.validators_file);
    if (!in)
      return make_error(ec::invalid_config, "staking.validators_file: cannot read " + s.validators_file);
    for (std::string line; std::getline(in, line);) {
      if (auto hash = line.find('#'); hash != std::string::npos)
        line.erase(hash);
      line.erase(0, line.find_first_not_of(" \t\r"));
      line.erase(line.find_last_not_of(" \t\r") + 1);
      if (!line.empty())
        validators.push_back(line);
    }
  }
  std::set<std::string> seen;
  for (auto& v : validators) {
    auto h = kusama_account_hex(cfg.kusama, v);
    if (!h)
      return make_error(ec::invalid_config, "staking.validators: unknown validator address \"" + v
                                              + "\": " + describe(h.error()));
    if (seen.insert(*h).second)
      c.validators.push_back(*h);
  }
  auto& p = c.policy;
  for (auto [text, out, key] :
       {std::tuple{&s.fee_reserve, &p.fee_reserve, "staking.fee_reserve"},
        std::tuple{&s.deposit_buffer, &p.deposit_buffer, "staking.deposit_buffer"},
        std::tuple{&s.min_step, &p.min_step, "staking.min_step"}}) {
    auto v = ksm(*text, key);
    if (!v)
      return v.error();
    *out = *v;
  }
  auto perbill = chain::eth::parse_amount(s.max_commission_percent, 7);
  if (!perbill || !perbill->fits_u64() || perbill->low_u64() > 1'000'000'000)
    return make_error(ec::invalid_config, "staking.max_commission_percent: not a percentage");
  p.max_commission_perbill = static_cast<uint32_t>(perbill->low_u64());
  p.slash_lookback_eras = static_cast<uint32_t>(s.slash_lookback_eras);
  p.nomination_interval_ms = s.nomination_interval_seconds * 1000;
  p.payouts_per_batch = static_cast<uint32_t>(s.payouts_per_batch);
  c.poll_interval = std::chrono::milliseconds(s.poll_interval_ms);
  return std::optional<bond_manager_config>{std::move(c)};
}

child_spec bond_manager_child(bond_manager_config cfg) {
  return child_with_storage("bond_manager", storage_use::restart, spawn_mode::detached, bond_manager,
                            std::move(cfg));
}

} // namespace lstaked

#include "actors/queue_funding.hpp"

#include "chain/substrate/scale.hpp"
#include "chain/substrate/storage.hpp"
#include "chain/substrate/value.hpp"

#include <algorithm>

namespace lstaked::queue_funding {

namespace sub = chain::substrate;
using nlohmann::json;
using kusama::account32;

namespace {

std::string hex(const account32& a) {
  return chain::to_hex(chain::byte_view(a.data(), a.size()));
}

std::string dec(u128 v) {
  return sub::to_decimal(v);
}

const operator_keys::stash* stash_of(const std::vector<operator_keys::stash>& stashes,
                                     const account32& a) {
  auto h = hex(a);
  for (auto& st : stashes)
    if (st.account == h)
      return &st;
  return nullptr;
}

json staking_call(const operator_keys::stash& st, const std::string& name, json args) {
  json c{{"pallet", "Staking"}, {"call", name}, {"args", std::move(args)}};
  if (st.proxied)
    c["proxy_for"] = st.account;
  return c;
}

std::optional<uint64_t> number_of(const json& j) {
  if (j.is_number_unsigned())
    return j.get<uint64_t>();
  if (j.is_string()) {
    auto s = j.get<std::string>();
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoull(s);
  }
  return std::nullopt;
}

std::optional<uint64_t> constant_u64(const sub::metadata& md, const char* pallet, const char* name) {
  auto v = sub::constant_value(md, pallet, name);
  if (!v)
    return std::nullopt;
  return number_of(sub::to_json(*v));
}

} // namespace

decision decide(const kusama::staking_snapshot& s, const std::string& deposit_account,
                const std::vector<operator_keys::stash>& stashes, const inputs& in,
                const payout_policy::policy_config& cfg) {
  decision d;
  account32 deposit{};
  if (auto b = chain::from_hex(deposit_account); b && b->size() == 32)
    std::copy(b->begin(), b->end(), deposit.begin());
  std::vector<account32> list;
  for (auto& st : stashes)
    if (auto b = chain::from_hex(st.account); b && b->size() == 32) {
      account32 a{};
      std::copy(b->begin(), b->end(), a.begin());
      list.push_back(a);
    }
  d.plan = payout_policy::plan_queue(s, deposit, list, {in.unfunded, in.set_aside}, in.not_pool, cfg);
  d.holds_stash_bonds = in.unfunded > d.plan.free_for_queue;

  // Order: withdraw first (frees chunk slots and balance), then sweeps, then
  // chill + unbond, then rebonds; add_intent numbers each signer's nonces in
  // this order.
  for (auto& w : d.plan.withdraws)
    if (auto* st = stash_of(stashes, w.stash))
      d.intents.push_back({st->signer, "queue_withdraw",
                           staking_call(*st, "withdraw_unbonded", {{"num_slashing_spans", 0}})});
  for (auto& sw : d.plan.sweeps) {
    auto* st = stash_of(stashes, sw.stash);
    if (!st)
      continue;
    if (st->proxied) {
      d.blocked_sweeps.push_back(st->account);
      continue;
    }
    d.intents.push_back({st->signer, "queue_sweep",
                         {{"pallet", "Balances"},
                          {"call", "transfer_keep_alive"},
                          {"args", {{"dest", {{"Id", deposit_account}}}, {"value", dec(sw.amount)}}}}});
  }
  for (auto& u : d.plan.unbonds) {
    auto* st = stash_of(stashes, u.stash);
    if (!st)
      continue;
    if (u.chill)
      d.intents.push_back({st->signer, "queue_chill", staking_call(*st, "chill", json::object())});
    d.intents.push_back(
      {st->signer, "queue_unbond", staking_call(*st, "unbond", {{"value", dec(u.amount)}})});
  }
  for (auto& r : d.plan.rebonds)
    if (auto* st = stash_of(stashes, r.stash))
      d.intents.push_back(
        {st->signer, "queue_rebond", staking_call(*st, "rebond", {{"value", dec(r.amount)}})});

  if (in.era_duration_ms > 0 && !in.waiting.empty()) {
    std::vector<u128> amounts;
    for (auto& w : in.waiting)
      amounts.push_back(w.second);
    auto times = payout_policy::expected_release_ms(s, list, d.plan, amounts, in.era_duration_ms);
    for (size_t i = 0; i < times.size() && i < in.waiting.size(); ++i)
      if (times[i] && *times[i] <= static_cast<uint64_t>(INT64_MAX))
        d.release_times.emplace_back(in.waiting[i].first, static_cast<int64_t>(*times[i]));
  }
  return d;
}

json decision::to_json() const {
  auto j = plan.to_json();
  j["holds_stash_bonds"] = holds_stash_bonds;
  j["blocked_sweeps"] = blocked_sweeps;
  j["intents"] = intents.size();
  return j;
}

uint64_t era_duration_from_metadata(const sub::metadata& md) {
  auto epoch = constant_u64(md, "Babe", "EpochDuration");
  auto sessions = constant_u64(md, "Staking", "SessionsPerEra");
  auto block = constant_u64(md, "Babe", "ExpectedBlockTime");
  if (!epoch || !sessions || !block || *sessions > UINT32_MAX)
    return 0;
  return payout_policy::era_duration_ms(*epoch, static_cast<uint32_t>(*sessions), *block);
}

} // namespace lstaked::queue_funding

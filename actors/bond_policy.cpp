#include "actors/bond_policy.hpp"

#include "chain/sig/ss58.hpp"

#include <algorithm>
#include <set>
#include <tuple>

namespace lstaked::bond_policy {

namespace sub = chain::substrate;
using json = nlohmann::json;

namespace {

constexpr uint32_t perbill_per_percent = 10'000'000;

using kusama::balance_of;
using kusama::sat_add;
using kusama::sat_sub;
using kusama::untouchable;

// Free balance not tied up by a freeze: on hold-based staking this is `free`;
// on lock-based runtimes the bonded part of `free` is frozen and left out, so
// active stake is not counted twice.
u128 unlocked_free(const kusama::account_balance& b) {
  return sat_sub(b.free, sat_sub(b.frozen, b.reserved));
}

std::string hex(const account32& a) {
  return chain::to_hex(chain::byte_view(a));
}

std::string address(const account32& a, uint16_t prefix) {
  auto s = chain::sig::ss58_encode(chain::byte_view(a), prefix);
  return s ? *s : hex(a);
}

// "12.5%" from 125_000_000 perbill: integer digits, trailing zeros trimmed.
std::string percent(uint32_t perbill) {
  std::string out = std::to_string(perbill / perbill_per_percent);
  if (uint32_t frac = perbill % perbill_per_percent) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 7 - digits.size(), '0');
    while (digits.back() == '0')
      digits.pop_back();
    out += "." + digits;
  }
  return out + "%";
}

struct fill_slot {
  size_t index = 0; // position in the stash list
  u128 level = 0;   // active + unlocked free now
  u128 need = 0;    // a stash without a ledger: the least transfer that lets it bond; else 0
  u128 give = 0;
};

// Water-filling: gives `amount` to `slots` so the lowest levels rise to one
// common level T (the remainder of the integer division one planck each to the
// lowest); a slot already above T gets nothing. Exactly `amount` is given.
void water_fill(std::vector<fill_slot*>& slots, u128 amount) {
  for (auto* s : slots)
    s->give = 0;
  if (slots.empty() || amount == 0)
    return;
  std::stable_sort(slots.begin(), slots.end(),
                   [](const fill_slot* a, const fill_slot* b) { return a->level < b->level; });
  // The largest k whose k-th lowest level is still under the water when the
  // k lowest share `amount`: level[k-1] * k <= amount + sum(level[0..k)).
  size_t k = 1;
  u128 sum = slots[0]->level;
  for (size_t next = 1; next < slots.size(); ++next) {
    u128 with = sat_add(sum, slots[next]->level);
    if (slots[next]->level * u128(next + 1) > sat_add(amount, with))
      break;
    sum = with;
    k = next + 1;
  }
  u128 pool = sat_add(amount, sum);
  u128 level = pool / k;
  u128 remainder = pool % k;
  for (size_t i = 0; i < k; ++i)
    slots[i]->give = level - slots[i]->level + (u128(i) < remainder ? 1 : 0);
}

} // namespace

// ---- funding ------------------------------------------------------------------

funding_plan plan_funding(const kusama::staking_snapshot& s, const account32& deposit_account,
                          const std::vector<account32>& stashes, u128 refundable,
                          const policy_config& cfg) {
  funding_plan plan;
  const u128 ed = s.constants.existential_deposit;
  // The deposit account keeps its ED (or its frozen part), the fee reserve, the
  // payout queue's buffer, and every planck that is not the pool's.
  auto& dep = balance_of(s, deposit_account);
  u128 keep = sat_add(sat_add(sat_add(untouchable(dep, ed), cfg.fee_reserve), cfg.deposit_buffer),
                      refundable);
  plan.movable = sat_sub(dep.free, keep);

  // Each stash once, never the deposit account itself.
  std::vector<account32> list;
  for (auto& st : stashes)
    if (st != deposit_account && std::find(list.begin(), list.end(), st) == list.end())
      list.push_back(st);

  std::vector<fill_slot> slots(list.size());
  for (size_t i = 0; i < list.size(); ++i) {
    auto& b = balance_of(s, list[i]);
    auto ledger = s.ledgers.find(list[i]);
    u128 active = ledger == s.ledgers.end() ? 0 : ledger->second.active;
    slots[i].index = i;
    slots[i].level = sat_add(active, unlocked_free(b));
    if (ledger == s.ledgers.end()) {
      // Enough to bond MinNominatorBond and still keep ED + fee reserve, or nothing.
      u128 floor = sat_add(sat_add(s.min_nominator_bond, cfg.fee_reserve), untouchable(b, ed));
      slots[i].need = sat_sub(floor, b.free);
    }
  }
  std::vector<fill_slot*> in;
  for (auto& sl : slots)
    in.push_back(&sl);
  // A new stash whose share cannot reach its minimum drops out (the one with the
  // smallest share first) and the rest is shared again among the others.
  for (;;) {
    water_fill(in, plan.movable);
    fill_slot* out = nullptr;
    for (auto* sl : in)
      if (sl->give > 0 && sl->give < sl->need && (!out || sl->give <= out->give))
        out = sl;
    if (!out)
      break;
    out->give = 0;
    in.erase(std::find(in.begin(), in.end(), out));
  }

  for (auto& sl : slots) {
    auto& stash = list[sl.index];
    auto& b = balance_of(s, stash);
    u128 give = sl.give;
    // Not worth a transaction, or (defensively) too little to create the account.
    if (give < cfg.min_step || give == 0 || (b.free == 0 && give < ed))
      give = 0;
    if (give > 0)
      plan.transfers.push_back({stash, give});
    // What the stash can bond NOW: its spendable free balance less the fee
    // reserve. A transfer planned in this round is bonded in a later one, once
    // a finalized snapshot shows it arrived: the two extrinsics have different
    // signers, so nothing orders them inside a block.
    u128 bondable = sat_sub(sat_sub(b.free, untouchable(b, ed)), cfg.fee_reserve);
    if (bondable == 0 || bondable < cfg.min_step)
      continue;
    bool has_ledger = s.ledgers.count(stash) != 0;
    if (!has_ledger && bondable < s.min_nominator_bond)
      continue; // never bond a new stash below MinNominatorBond
    plan.bonds.push_back({stash, bondable, has_ledger});
  }
  return plan;
}

json funding_plan::to_json() const {
  json transfers_j = json::array(), bonds_j = json::array();
  for (auto& t : transfers)
    transfers_j.push_back({{"to", hex(t.to)}, {"amount", sub::to_decimal(t.amount)}});
  for (auto& b : bonds)
    bonds_j.push_back({{"stash", hex(b.stash)},
                       {"amount", sub::to_decimal(b.amount)},
                       {"extra", b.extra},
                       {"call", b.extra ? "bond_extra" : "bond"}});
  return {{"movable", sub::to_decimal(movable)}, {"transfers", transfers_j}, {"bonds", bonds_j}};
}

// ---- nominations --------------------------------------------------------------

std::string to_string(skip_reason r) {
  switch (r) {
    case skip_reason::not_validator:
      return "not_validator";
    case skip_reason::blocked:
      return "blocked";
    case skip_reason::commission_above_cap:
      return "commission_above_cap";
    case skip_reason::slashed:
      return "slashed";
    case skip_reason::over_max_nominations:
      return "over_max_nominations";
  }
  return "unknown";
}

nomination_plan plan_nominations(const kusama::staking_snapshot& s, const account32& stash,
                                 const std::vector<account32>& candidates,
                                 std::optional<uint64_t> last_change_ms, const policy_config& cfg) {
  nomination_plan plan;
  plan.stash = stash;
  std::set<account32> seen;
  for (auto& c : candidates) {
    if (!seen.insert(c).second)
      continue; // listed twice: decided once
    auto v = s.validators.find(c);
    if (v == s.validators.end()) {
      plan.skips.push_back({c, skip_reason::not_validator, "not a validator"});
      continue;
    }
    if (v->second.blocked) {
      plan.skips.push_back({c, skip_reason::blocked, "blocks new nominations"});
      continue;
    }
    if (v->second.commission_perbill > cfg.max_commission_perbill) {
      plan.skips.push_back({c, skip_reason::commission_above_cap,
                            "commission " + percent(v->second.commission_perbill) + " > cap "
                              + percent(cfg.max_commission_perbill)});
      continue;
    }
    auto slash = s.last_slash_era.find(c);
    if (slash != s.last_slash_era.end()) {
      // Within the configured lookback of the active era (the snapshot may have looked further).
      bool recent = !s.active_era || uint64_t(slash->second) + cfg.slash_lookback_eras >= *s.active_era;
      if (recent) {
        plan.skips.push_back({c, skip_reason::slashed, "slashed in era " + std::to_string(slash->second)});
        continue;
      }
    }
    if (plan.chosen.size() >= s.constants.max_nominations) {
      plan.skips.push_back({c, skip_reason::over_max_nominations,
                            "MaxNominations " + std::to_string(s.constants.max_nominations)
                              + " already chosen"});
      continue;
    }
    plan.chosen.push_back(c);
  }
  if (auto n = s.nominations.find(stash); n != s.nominations.end())
    plan.current = n->second;
  plan.differs = std::set<account32>(plan.chosen.begin(), plan.chosen.end())
                 != std::set<account32>(plan.current.begin(), plan.current.end());
  bool interval_passed = true;
  if (last_change_ms) {
    uint64_t next = *last_change_ms + cfg.nomination_interval_ms;
    if (next < *last_change_ms)
      next = UINT64_MAX;
    plan.next_change_ms = next;
    interval_passed = s.timestamp_ms >= next;
  }
  auto ledger = s.ledgers.find(stash);
  bool bonded = ledger != s.ledgers.end() && ledger->second.active >= s.min_nominator_bond;
  // An empty choice is never sent: `nominate` refuses an empty list, and
  // chilling the stash is the operator's call, not the policy's.
  plan.change_now = plan.differs && interval_passed && bonded && !plan.chosen.empty();
  return plan;
}

json nomination_plan::to_json(uint16_t ss58_prefix) const {
  auto list = [&](const std::vector<account32>& v) {
    json out = json::array();
    for (auto& a : v)
      out.push_back(address(a, ss58_prefix));
    return out;
  };
  json skips_j = json::array();
  for (auto& sk : skips)
    skips_j.push_back({{"validator", address(sk.validator, ss58_prefix)},
                       {"reason", to_string(sk.reason)},
                       {"detail", sk.detail}});
  return {{"stash", address(stash, ss58_prefix)},
          {"chosen", list(chosen)},
          {"skips", skips_j},
          {"current", list(current)},
          {"differs", differs},
          {"change_now", change_now},
          {"next_change_ms", next_change_ms ? json(*next_change_ms) : json(nullptr)}};
}

// ---- rewards ------------------------------------------------------------------

namespace {

// The oldest era payout_stakers still accepts: current_era - HistoryDepth.
std::optional<uint32_t> oldest_claimable(const kusama::staking_snapshot& s) {
  auto base = s.current_era ? s.current_era : s.active_era;
  if (!base)
    return std::nullopt;
  return *base > s.constants.history_depth ? *base - s.constants.history_depth : 0;
}

// Unclaimed (validator, era, page) of ended eras still inside HistoryDepth,
// each once, oldest era first.
std::vector<payout_call> unclaimed(const kusama::staking_snapshot& s) {
  std::vector<payout_call> out;
  if (!s.active_era)
    return out;
  auto oldest = oldest_claimable(s);
  std::set<std::tuple<uint32_t, account32, uint32_t>> seen;
  for (auto& e : s.exposures) {
    if (e.claimed || e.era >= *s.active_era || (oldest && e.era < *oldest))
      continue;
    if (seen.insert({e.era, e.validator, e.page}).second)
      out.push_back({e.validator, e.era, e.page});
  }
  std::sort(out.begin(), out.end(), [](const payout_call& a, const payout_call& b) {
    return std::tie(a.era, a.validator, a.page) < std::tie(b.era, b.validator, b.page);
  });
  return out;
}

} // namespace

std::vector<payout_call> plan_payouts(const kusama::staking_snapshot& s, const policy_config& cfg) {
  auto calls = unclaimed(s);
  if (calls.size() > cfg.payouts_per_batch)
    calls.resize(cfg.payouts_per_batch);
  return calls;
}

unclaimed_summary summarize_unclaimed(const kusama::staking_snapshot& s) {
  unclaimed_summary out;
  auto calls = unclaimed(s);
  out.count = calls.size();
  if (!calls.empty())
    out.oldest_era = calls.front().era;
  out.last_claimable_era = oldest_claimable(s);
  return out;
}

} // namespace lstaked::bond_policy

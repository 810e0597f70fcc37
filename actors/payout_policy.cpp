#include "actors/payout_policy.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace lstaked::payout_policy {

namespace sub = chain::substrate;
using json = nlohmann::json;

namespace {

using kusama::balance_of;
using kusama::sat_add;
using kusama::sat_sub;
using kusama::untouchable;

// Free balance an account may send away and still pay its own fees.
u128 spendable(const kusama::account_balance& b, u128 ed, u128 fee_reserve) {
  return sat_sub(sat_sub(b.free, untouchable(b, ed)), fee_reserve);
}

uint32_t current_era_of(const kusama::staking_snapshot& s) {
  if (s.current_era)
    return *s.current_era;
  return s.active_era.value_or(0);
}

std::string hex(const account32& a) {
  return chain::to_hex(chain::byte_view(a));
}

// Each stash once, never the payout account itself, in the caller's order.
std::vector<account32> distinct_stashes(const std::vector<account32>& stashes,
                                        const account32& payout_account) {
  std::vector<account32> out;
  for (auto& st : stashes)
    if (st != payout_account && std::find(out.begin(), out.end(), st) == out.end())
      out.push_back(st);
  return out;
}

const kusama::staking_ledger* ledger_of(const kusama::staking_snapshot& s, const account32& a) {
  auto it = s.ledgers.find(a);
  return it == s.ledgers.end() ? nullptr : &it->second;
}

json amounts_json(const std::vector<stash_amount>& v) {
  json out = json::array();
  for (auto& x : v)
    out.push_back({{"stash", hex(x.stash)}, {"amount", sub::to_decimal(x.amount)}});
  return out;
}

} // namespace

u128 fundable_now(const kusama::staking_snapshot& s, const account32& payout_account,
                  u128 not_pool, const policy_config& cfg) {
  auto& b = balance_of(s, payout_account);
  return sat_sub(spendable(b, s.constants.existential_deposit, cfg.fee_reserve), not_pool);
}

queue_plan plan_queue(const kusama::staking_snapshot& s, const account32& payout_account,
                      const std::vector<account32>& stashes, const queue_need& need,
                      u128 not_pool, const policy_config& cfg) {
  queue_plan plan;
  const u128 ed = s.constants.existential_deposit;
  const uint32_t era = current_era_of(s);
  const uint32_t unlock_era = era + s.constants.bonding_duration;
  const auto list = distinct_stashes(stashes, payout_account);

  plan.fundable = fundable_now(s, payout_account, not_pool, cfg);
  plan.free_for_queue = sat_sub(plan.fundable, need.set_aside);
  u128 need_left = sat_sub(need.unfunded, plan.free_for_queue);

  // What the stashes already have on the way, and withdraw_unbonded wherever
  // a chunk's era has come.
  for (auto& st : list) {
    plan.sweepable = sat_add(plan.sweepable, spendable(balance_of(s, st), ed, cfg.fee_reserve));
    auto* l = ledger_of(s, st);
    if (!l)
      continue;
    u128 ready = 0;
    for (auto& c : l->unlocking) {
      if (c.era <= era)
        ready = sat_add(ready, c.value);
      else
        plan.unlocking = sat_add(plan.unlocking, c.value);
    }
    if (ready > 0)
      plan.withdraws.push_back({st, ready});
    plan.withdrawable = sat_add(plan.withdrawable, ready);
  }

  // Sweeps: stash free balances to the payout account, only what the queue lacks.
  // (With the unbond margin on top: fees drain the payout account between
  // two rounds, and a sweep of exactly the need would be chased forever.)
  u128 to_sweep = std::min(need_left == 0 ? 0 : sat_add(need_left, cfg.unbond_margin), plan.sweepable);
  for (auto& st : list) {
    if (to_sweep == 0)
      break;
    u128 take = std::min(to_sweep, spendable(balance_of(s, st), ed, cfg.fee_reserve));
    if (take > 0)
      plan.sweeps.push_back({st, take});
    to_sweep -= take;
  }
  u128 after_sweeps = sat_sub(need_left, plan.sweepable);
  u128 after_withdraws = sat_sub(after_sweeps, plan.withdrawable);
  plan.shortfall = sat_sub(after_withdraws, plan.unlocking);

  if (plan.shortfall > 0) {
    // Candidates: stashes with active stake and a chunk slot (this plan's
    // withdraws run first and free the slots of chunks whose era has come).
    struct candidate {
      account32 stash{};
      u128 active = 0;
      bool nominating = false;
      u128 taken = 0;
      bool whole = false;
    };
    std::vector<candidate> cands;
    for (auto& st : list) {
      auto* l = ledger_of(s, st);
      if (!l) {
        plan.skipped.push_back({st, "no ledger"});
        continue;
      }
      if (l->active == 0)
        continue;
      size_t waiting = 0;
      for (auto& c : l->unlocking)
        if (c.era > era)
          ++waiting;
      bool merges = !l->unlocking.empty() && l->unlocking.back().era == unlock_era;
      if (!merges && waiting >= s.constants.max_unlocking_chunks) {
        plan.skipped.push_back({st, "unlocking chunks full (" + std::to_string(waiting) + " of "
                                      + std::to_string(s.constants.max_unlocking_chunks) + ")"});
        continue;
      }
      cands.push_back({st, l->active, s.nominations.count(st) != 0});
    }
    // Most active stake first; the account bytes break ties (deterministic).
    std::stable_sort(cands.begin(), cands.end(), [](const candidate& a, const candidate& b) {
      return std::tie(b.active, a.stash) < std::tie(a.active, b.stash);
    });
    u128 left = sat_add(plan.shortfall, cfg.unbond_margin);
    if (cfg.unbond_step > 0 && left % cfg.unbond_step != 0)
      left = sat_add(left - left % cfg.unbond_step, cfg.unbond_step);
    const u128 slack = left - plan.shortfall; // beyond the need: not "uncovered" when short of it
    // Pass 1: every stash keeps MinNominatorBond and goes on nominating.
    for (auto& c : cands) {
      if (left == 0)
        break;
      c.taken = std::min(left, sat_sub(c.active, s.min_nominator_bond));
      left -= c.taken;
    }
    // Pass 2: still short. A nominating stash cannot go below MinNominatorBond:
    // it is chilled and unbonded whole. One that does not nominate unbonds
    // what is left to cover, or whole if less than ED would stay bonded.
    for (auto& c : cands) {
      if (left == 0)
        break;
      u128 rest = c.active - c.taken;
      if (rest == 0)
        continue;
      u128 take = c.nominating ? rest : std::min(left, rest);
      if (rest - take > 0 && rest - take < ed)
        take = rest;
      c.taken += take;
      c.whole = c.taken == c.active;
      left = sat_sub(left, take);
    }
    for (auto& c : cands)
      if (c.taken > 0)
        plan.unbonds.push_back({c.stash, c.taken, c.whole && c.nominating});
    plan.unbond_uncovered = sat_sub(left, slack);
  } else if (plan.unlocking > 0) {
    // Nothing short: what is still unlocking beyond the need goes back to
    // work, latest unlock first (rebond takes a stash's newest chunks first).
    // While a need remains, the unbond's slack stays (no rounding churn);
    // once nothing is owed everything unlocking goes back to work.
    u128 excess = sat_sub(plan.unlocking, after_withdraws);
    if (after_withdraws > 0)
      excess = sat_sub(excess, sat_add(cfg.unbond_margin, cfg.unbond_step));
    if (excess > 0 && excess >= cfg.min_rebond) {
      struct chunk_ref {
        uint32_t era;
        account32 stash;
        u128 value;
      };
      std::vector<chunk_ref> chunks;
      for (auto& st : list)
        if (auto* l = ledger_of(s, st))
          for (auto& c : l->unlocking)
            if (c.era > era)
              chunks.push_back({c.era, st, c.value});
      std::stable_sort(chunks.begin(), chunks.end(), [](const chunk_ref& a, const chunk_ref& b) {
        return std::tie(b.era, a.stash) < std::tie(a.era, b.stash);
      });
      std::map<account32, u128> per_stash;
      for (auto& c : chunks) {
        if (excess == 0)
          break;
        u128 take = std::min(excess, c.value);
        per_stash[c.stash] += take;
        excess -= take;
      }
      for (auto& st : list)
        if (auto it = per_stash.find(st); it != per_stash.end())
          plan.rebonds.push_back({st, it->second});
    }
  }
  return plan;
}

json queue_plan::to_json() const {
  json unbonds_j = json::array(), skipped_j = json::array();
  for (auto& u : unbonds)
    unbonds_j.push_back(
      {{"stash", hex(u.stash)}, {"amount", sub::to_decimal(u.amount)}, {"chill", u.chill}});
  for (auto& k : skipped)
    skipped_j.push_back({{"stash", hex(k.stash)}, {"reason", k.reason}});
  return {{"fundable", sub::to_decimal(fundable)},
          {"free_for_queue", sub::to_decimal(free_for_queue)},
          {"sweepable", sub::to_decimal(sweepable)},
          {"withdrawable", sub::to_decimal(withdrawable)},
          {"unlocking", sub::to_decimal(unlocking)},
          {"shortfall", sub::to_decimal(shortfall)},
          {"unbond_uncovered", sub::to_decimal(unbond_uncovered)},
          {"withdraws", amounts_json(withdraws)},
          {"sweeps", amounts_json(sweeps)},
          {"unbonds", unbonds_j},
          {"rebonds", amounts_json(rebonds)},
          {"skipped", skipped_j}};
}

const char* to_string(payability p) {
  switch (p) {
    case payability::payable: return "payable";
    case payability::recipient_missing: return "recipient_missing";
    case payability::below_existential_deposit: return "below_existential_deposit";
    case payability::unknown: return "unknown";
  }
  return "unknown";
}

payability check_payout(const kusama::staking_snapshot& s, const account32& recipient,
                        u128 amount) {
  auto it = s.balances.find(recipient);
  if (it == s.balances.end())
    return payability::unknown;
  const u128 ed = s.constants.existential_deposit;
  u128 total = sat_add(it->second.free, it->second.reserved);
  if (amount >= ed || total >= ed)
    return payability::payable;
  if (total == 0)
    return payability::recipient_missing;
  return sat_add(it->second.free, amount) >= ed ? payability::payable
                                                : payability::below_existential_deposit;
}

std::vector<std::optional<uint64_t>>
expected_release_ms(const kusama::staking_snapshot& s, const std::vector<account32>& stashes,
                    const queue_plan& plan, const std::vector<u128>& unfunded_in_order,
                    uint64_t era_duration_ms) {
  const uint32_t era = current_era_of(s);
  // Supply over time: (era it can pay from, amount), earliest first.
  std::vector<std::pair<uint32_t, u128>> supply;
  supply.emplace_back(era, sat_add(sat_add(plan.free_for_queue, plan.sweepable), plan.withdrawable));
  std::vector<account32> seen;
  for (auto& st : stashes) {
    if (std::find(seen.begin(), seen.end(), st) != seen.end())
      continue;
    seen.push_back(st);
    if (auto* l = ledger_of(s, st))
      for (auto& c : l->unlocking)
        if (c.era > era)
          supply.emplace_back(c.era, c.value);
  }
  for (auto& u : plan.unbonds)
    supply.emplace_back(era + s.constants.bonding_duration, u.amount);
  std::stable_sort(supply.begin(), supply.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  std::vector<std::optional<uint64_t>> out;
  size_t next = 0;
  u128 supplied = 0, needed = 0;
  uint32_t reached = era;
  for (auto amount : unfunded_in_order) {
    needed = sat_add(needed, amount);
    while (supplied < needed && next < supply.size()) {
      supplied = sat_add(supplied, supply[next].second);
      reached = supply[next].first;
      ++next;
    }
    if (supplied < needed) {
      out.emplace_back(std::nullopt);
      continue;
    }
    uint64_t eras_left = reached > era ? reached - era : 0;
    out.emplace_back(s.timestamp_ms + eras_left * era_duration_ms);
  }
  return out;
}

uint64_t era_duration_ms(uint64_t epoch_duration_slots, uint32_t sessions_per_era,
                         uint64_t expected_block_time_ms) {
  u128 ms = u128(epoch_duration_slots) * sessions_per_era * expected_block_time_ms;
  return ms > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(ms);
}

uint32_t max_batch_items(const weight& item, const weight& base, const weight& max_extrinsic,
                         const policy_config& cfg) {
  u128 n = cfg.max_batch_items;
  auto limit_by = [&](uint64_t item_w, uint64_t base_w, uint64_t max_w) {
    if (item_w == 0 && base_w == 0)
      return; // a dimension the runtime does not meter (proof_size on Weight V1) does not limit
    u128 budget = u128(max_w) * cfg.weight_safety_percent / 100;
    if (base_w >= budget) {
      n = 0;
      return;
    }
    if (item_w > 0)
      n = std::min(n, (budget - base_w) / item_w);
  };
  limit_by(item.ref_time, base.ref_time, max_extrinsic.ref_time);
  limit_by(item.proof_size, base.proof_size, max_extrinsic.proof_size);
  return static_cast<uint32_t>(n);
}

} // namespace lstaked::payout_policy

#include "actors/kusama_reader.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace lstaked::kusama {

namespace sub = chain::substrate;

namespace {

std::string u128_to_dec(sub::u128 v) {
  if (v == 0)
    return "0";
  std::string out;
  while (v != 0) {
    out.push_back(char('0' + unsigned(v % 10)));
    v /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

} // namespace

caf::expected<block_scan> scan_events(const runtime& rt, chain::byte_view events,
                                      const chain::bytes& deposit_account,
                                      const std::vector<chain::bytes>& stashes,
                                      const ledger::kusama_block_ref& block) {
  auto records = sub::decode_events(*rt.md, events, rt.selected);
  if (!records)
    return records.error();
  auto to_planck = [](const sub::value& amount) {
    return ledger::u256::from_dec(u128_to_dec(amount.unwrap().num));
  };
  block_scan out;
  for (auto& r : *records) {
    auto pallet = r.pallet_name();
    auto name = r.event_name();
    bool in_extrinsic = r.phase == sub::event_phase::apply_extrinsic;
    if (pallet == "System" && in_extrinsic) {
      if (name == "ExtrinsicSuccess")
        out.extrinsic_success[r.extrinsic_index] = true;
      else if (name == "ExtrinsicFailed")
        out.extrinsic_success[r.extrinsic_index] = false;
      continue;
    }
    if (!r.fields)
      continue;
    if (pallet == "Balances" && name == "Transfer") {
      auto* from = r.fields->find("from");
      auto* to = r.fields->find("to");
      auto* amount = r.fields->find("amount");
      if (!from || !to || !amount)
        return make_error(ec::decode_error, "Balances.Transfer without from/to/amount");
      if (to->unwrap().data != deposit_account)
        continue;
      // A deposit is a user's extrinsic; a transfer from on_initialize or
      // on_finalize has no sender to credit and is not expected here.
      if (!in_extrinsic) {
        spdlog::warn("kusama: transfer to the deposit account outside an extrinsic in block {}",
                     block.number);
        continue;
      }
      auto planck = to_planck(*amount);
      if (!planck)
        return planck.error();
      ledger::kusama_deposit d;
      d.block_hash = block.hash;
      d.block_number = block.number;
      d.extrinsic_index = r.extrinsic_index;
      d.event_index = r.index;
      d.account = hex_of(from->unwrap().data);
      d.amount_planck = *planck;
      out.deposits.push_back(std::move(d));
    } else if (pallet == "Staking") {
      auto& items = r.fields->items;
      const sub::value* stash = r.fields->find("stash");
      if (!stash)
        stash = r.fields->find("staker");
      const sub::value* amount = r.fields->find("amount");
      if (!stash && !items.empty())
        stash = &items.front();
      if (!amount && items.size() >= 2)
        amount = &items.back();
      if (!stash || !amount)
        return make_error(ec::decode_error,
                          "Staking." + std::string(name) + " without a stash and an amount");
      auto& who = stash->unwrap().data;
      if (std::find(stashes.begin(), stashes.end(), who) == stashes.end())
        continue;
      auto planck = to_planck(*amount);
      if (!planck)
        return planck.error();
      ledger::staking_event e;
      e.block_hash = block.hash;
      e.block_number = block.number;
      e.event_index = r.index;
      if (in_extrinsic)
        e.extrinsic_index = r.extrinsic_index;
      e.kind = std::string(name);
      e.account = hex_of(who);
      e.amount_planck = *planck;
      out.staking_events.push_back(std::move(e));
    }
  }
  return out;
}

} // namespace lstaked::kusama

#include "actors/kusama_reader.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

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
      else if (name == "ExtrinsicFailed") {
        out.extrinsic_success[r.extrinsic_index] = false;
        auto* e = r.fields ? r.fields->find("dispatch_error") : nullptr;
        out.extrinsic_errors[r.extrinsic_index] =
          e ? dispatch_error_name(*rt.md, *e) : std::string("DispatchError");
      }
      continue;
    }
    if (pallet == "Utility" && in_extrinsic && (name == "ItemCompleted" || name == "ItemFailed")) {
      auto& items = out.batch_items[r.extrinsic_index];
      if (name == "ItemCompleted") {
        items.emplace_back();
      } else {
        const sub::value* e = r.fields ? r.fields->find("error") : nullptr;
        if (!e && r.fields && !r.fields->items.empty())
          e = &r.fields->items.front(); // ItemFailed(DispatchError), unnamed on some runtimes
        items.push_back(e ? dispatch_error_name(*rt.md, *e) : std::string("DispatchError"));
      }
      continue;
    }
    if (!r.fields)
      continue;
    if (pallet == "TransactionPayment" && name == "TransactionFeePaid" && in_extrinsic) {
      auto& items = r.fields->items;
      const sub::value* fee = r.fields->find("actual_fee");
      const sub::value* tip = r.fields->find("tip");
      if (!fee && items.size() == 3) { // (who, actual_fee, tip), unnamed
        fee = &items[1];
        tip = &items[2];
      }
      if (!fee || !tip)
        return make_error(ec::decode_error, "TransactionPayment.TransactionFeePaid without actual_fee/tip");
      auto f = to_planck(*fee);
      auto t = to_planck(*tip);
      if (!f)
        return f.error();
      if (!t)
        return t.error();
      auto sum = chain::eth::checked_add(*f, *t);
      if (!sum)
        return make_error(ec::decode_error, "TransactionFeePaid: fee + tip overflows");
      out.fees_paid[r.extrinsic_index] = *sum;
      continue;
    }
    if (pallet == "Balances" && name == "Transfer") {
      auto* from = r.fields->find("from");
      auto* to = r.fields->find("to");
      auto* amount = r.fields->find("amount");
      if (!from || !to || !amount)
        return make_error(ec::decode_error, "Balances.Transfer without from/to/amount");
      // One transfer as a ledger record; `account` is the other side.
      auto record = [&](const sub::value& account) -> caf::expected<ledger::kusama_deposit> {
        auto planck = to_planck(*amount);
        if (!planck)
          return planck.error();
        ledger::kusama_deposit t;
        t.block_hash = block.hash;
        t.block_number = block.number;
        t.extrinsic_index = r.extrinsic_index;
        t.event_index = r.index;
        t.account = hex_of(account.unwrap().data);
        t.amount_planck = *planck;
        return t;
      };
      if (from->unwrap().data == deposit_account && in_extrinsic) {
        auto t = record(*to);
        if (!t)
          return t.error();
        out.outgoing.push_back(std::move(*t));
      }
      if (to->unwrap().data != deposit_account)
        continue;
      // A deposit is a user's extrinsic; a transfer from on_initialize or
      // on_finalize has no sender to credit and is not expected here.
      if (!in_extrinsic) {
        spdlog::warn("kusama: transfer to the deposit account outside an extrinsic in block {}",
                     block.number);
        continue;
      }
      // The pool's own accounts (its stashes sweeping withdrawn KSM back to
      // pay unstakes) are not users: crediting such a move would mint shares
      // for KSM the pool already counts (found by tools/chaos, issue #16).
      if (std::find(stashes.begin(), stashes.end(), from->unwrap().data) != stashes.end())
        continue;
      auto d = record(*from);
      if (!d)
        return d.error();
      out.deposits.push_back(std::move(*d));
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

std::vector<rpc::rpc_call> identity_calls() {
  return {{"chain_getBlockHash", nlohmann::json::array({0})},
          {"system_chain", nlohmann::json::array()},
          {"system_properties", nlohmann::json::array()}};
}

caf::expected<ledger::chain_identity>
parse_identity(const std::vector<caf::expected<nlohmann::json>>& answers, size_t first) {
  if (answers.size() < first + 3)
    return make_error(ec::rpc_error, "the node did not answer the identity calls");
  for (size_t i = first; i < first + 3; ++i)
    if (!answers[i])
      return answers[i].error();
  auto& genesis = *answers[first];
  auto& name = *answers[first + 1];
  auto& props = *answers[first + 2];
  if (!genesis.is_string() || genesis.get<std::string>().size() != 66)
    return make_error(ec::decode_error, "chain_getBlockHash(0): no genesis hash");
  if (!name.is_string())
    return make_error(ec::decode_error, "system_chain: not a string");
  if (!props.is_object())
    return make_error(ec::decode_error, "system_properties: not an object");
  // A node with several tokens lists each property per token: the first is the native one.
  auto first_of = [&](const char* key) -> caf::expected<uint64_t> {
    if (!props.contains(key))
      return make_error(ec::decode_error, std::string("system_properties: no ") + key);
    auto& v = props[key];
    if (v.is_array() && !v.empty())
      return parse_number(v[0]);
    return parse_number(v);
  };
  auto ss58 = first_of("ss58Format");
  if (!ss58)
    return ss58.error();
  auto decimals = first_of("tokenDecimals");
  if (!decimals)
    return decimals.error();
  ledger::chain_identity id;
  id.chain = "kusama";
  id.genesis_hash = genesis.get<std::string>();
  for (auto& c : id.genesis_hash)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  id.name = name.get<std::string>();
  id.ss58_prefix = *ss58;
  id.decimals = *decimals;
  return id;
}

caf::expected<ledger::chain_identity> node_identity(rpc::json_rpc_client& client) {
  auto answers = client.batch(identity_calls());
  if (!answers)
    return answers.error();
  return parse_identity(*answers, 0);
}

} // namespace lstaked::kusama

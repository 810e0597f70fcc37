#include "chain/rpc/substrate_client.hpp"

#include "chain/common/hash.hpp"

#include <algorithm>
#include <stdexcept>

namespace lstaked::kusama {

namespace sub = chain::substrate;
using json = nlohmann::json;

std::string hex_of(const chain::bytes& b) {
  return chain::to_hex(chain::byte_view(b.data(), b.size()));
}

namespace {

// The staking events kept, and which field holds the stash: pallet-staking
// names it `stash`, except Slashed (`staker`); older runtimes had unnamed
// (AccountId, Balance) fields, read by position.
constexpr const char* staking_kinds[] = {"Bonded", "Unbonded", "Withdrawn", "Rewarded", "Slashed"};

} // namespace

caf::expected<uint64_t> parse_number(const json& j) {
  if (j.is_number_unsigned())
    return j.get<uint64_t>();
  if (!j.is_string())
    return make_error(ec::decode_error, "expected a number, got " + j.dump());
  auto s = j.get<std::string>();
  try {
    size_t used = 0;
    uint64_t v = std::stoull(s, &used, 0);
    if (used != s.size())
      throw std::invalid_argument(s);
    return v;
  } catch (const std::exception&) {
    return make_error(ec::decode_error, "not a number: " + s);
  }
}

const std::string& events_key() {
  static const std::string key = [] {
    std::string system = "System", events = "Events";
    auto a = chain::twox128(chain::byte_view(reinterpret_cast<const uint8_t*>(system.data()),
                                             system.size()));
    auto b = chain::twox128(chain::byte_view(reinterpret_cast<const uint8_t*>(events.data()),
                                             events.size()));
    chain::bytes k(a.begin(), a.end());
    k.insert(k.end(), b.begin(), b.end());
    return hex_of(k);
  }();
  return key;
}

caf::expected<uint64_t> header_number(rpc::json_rpc_client& client, const json& hash) {
  auto header = client.call("chain_getHeader", hash.is_null() ? json::array() : json::array({hash}));
  if (!header)
    return header.error();
  if (!header->is_object() || !header->contains("number"))
    return make_error(ec::decode_error, "chain_getHeader: no number");
  return parse_number((*header)["number"]);
}

caf::expected<uint64_t> finalized_number(rpc::json_rpc_client& client) {
  auto head = client.call("chain_getFinalizedHead");
  if (!head)
    return head.error();
  return header_number(client, *head);
}

caf::expected<runtime_ptr> runtime_cache::at(rpc::json_rpc_client& client,
                                             const std::string& block_hash, const json& version) {
  if (!version.is_object() || !version.contains("specVersion"))
    return make_error(ec::decode_error, "state_getRuntimeVersion: no specVersion");
  auto spec = parse_number(version["specVersion"]);
  if (!spec)
    return spec.error();
  auto it = by_spec_.find(static_cast<uint32_t>(*spec));
  if (it != by_spec_.end())
    return it->second;
  auto answer = client.call("state_getMetadata", json::array({block_hash}));
  if (!answer)
    return answer.error();
  auto raw = hex_or_null(*answer, "state_getMetadata");
  if (!raw)
    return raw.error();
  auto md = sub::metadata::parse(chain::byte_view(raw->data(), raw->size()));
  if (!md)
    return md.error();
  auto rt = std::make_shared<runtime>();
  rt->spec_version = static_cast<uint32_t>(*spec);
  rt->md = *md;
  // Fail now, not per block, if this runtime has no Balances.Transfer.
  if (auto err = rt->selected.add(**md, "Balances", "Transfer"))
    return err;
  // Its dispatch error is decoded for the outbox (storage/outbox.hpp).
  if ((*md)->find_event("System", "ExtrinsicFailed"))
    rt->selected.add(**md, "System", "ExtrinsicFailed");
  // A force_batch item's error, for the payout queue's per-item settlement.
  if ((*md)->find_event("Utility", "ItemFailed"))
    rt->selected.add(**md, "Utility", "ItemFailed");
  // Staking may live on the other chain (relay vs Asset Hub): optional.
  for (auto kind : staking_kinds)
    if ((*md)->find_event("Staking", kind))
      rt->selected.add(**md, "Staking", kind);
  by_spec_[rt->spec_version] = rt;
  return runtime_ptr{rt};
}

caf::expected<dispatch_info> query_info(rpc::json_rpc_client& client, const std::string& extrinsic_hex,
                                        const std::string& at) {
  auto ext = chain::from_hex(extrinsic_hex);
  if (!ext)
    return ext.error();
  auto params = *ext;
  auto len = static_cast<uint32_t>(ext->size());
  for (int i = 0; i < 4; ++i)
    params.push_back(static_cast<uint8_t>(len >> (8 * i)));
  auto answer = client.call("state_call", nlohmann::json::array({"TransactionPaymentApi_query_info",
                                                                 hex_of(params), at}));
  if (!answer)
    return answer.error();
  auto raw = hex_or_null(*answer, "TransactionPaymentApi_query_info");
  if (!raw)
    return raw.error();
  // RuntimeDispatchInfo { weight: Weight { ref_time: Compact<u64>, proof_size: Compact<u64> },
  //                       class: DispatchClass (u8), partial_fee: u128 }
  sub::scale_reader r(chain::byte_view(raw->data(), raw->size()));
  auto ref_time = r.compact();
  auto proof_size = ref_time ? r.compact() : caf::expected<sub::u128>(ref_time.error());
  auto cls = proof_size ? r.u8() : caf::expected<uint8_t>(proof_size.error());
  auto fee = cls ? r.u128_le() : caf::expected<sub::u128>(cls.error());
  if (!fee || !r.at_end() || *ref_time > UINT64_MAX || *proof_size > UINT64_MAX)
    return make_error(ec::decode_error, "TransactionPaymentApi_query_info: not a RuntimeDispatchInfo");
  dispatch_info out;
  out.ref_time = static_cast<uint64_t>(*ref_time);
  out.proof_size = static_cast<uint64_t>(*proof_size);
  out.partial_fee = *fee;
  return out;
}

caf::expected<sub::u128> query_fee(rpc::json_rpc_client& client, const std::string& extrinsic_hex,
                                   const std::string& at) {
  auto info = query_info(client, extrinsic_hex, at);
  if (!info)
    return info.error();
  return info->partial_fee;
}

std::string dispatch_error_name(const sub::metadata& md, const sub::value& error) {
  const auto& e = error.unwrap();
  if (e.kind != sub::value_kind::variant || !e.var)
    return "DispatchError";
  std::string name = e.var->name;
  if (e.items.empty())
    return name;
  const auto& payload = e.items[0].unwrap();
  if (name == "Module") {
    auto* index = payload.find("index");
    auto* err = payload.find("error");
    if (!index || !err)
      return "Module";
    auto idx = static_cast<uint8_t>(index->unwrap().num);
    auto bytes = err->unwrap().data;
    auto* pallet = md.pallet_at(idx);
    if (!pallet)
      return "Module(" + std::to_string(idx) + ")";
    if (!pallet->error_type || bytes.empty())
      return pallet->name + ".Unknown";
    auto* v = md.type(*pallet->error_type).find_variant(uint8_t{bytes[0]});
    return pallet->name + "." + (v ? v->name : "Error(" + std::to_string(bytes[0]) + ")");
  }
  if (payload.kind == sub::value_kind::variant && payload.var)
    return name + "." + payload.var->name;
  return name;
}

caf::expected<std::string> extrinsic_hash(const std::string& extrinsic_hex) {
  auto raw = chain::from_hex(extrinsic_hex);
  if (!raw)
    return raw.error();
  auto h = chain::blake2b_256(chain::byte_view(raw->data(), raw->size()));
  return chain::to_hex(chain::byte_view(h.data(), h.size()));
}

caf::expected<std::vector<std::string>> extrinsic_hashes(const json& signed_block) {
  auto* block = signed_block.is_object() && signed_block.contains("block")
                  ? &signed_block["block"] : nullptr;
  if (!block || !block->is_object() || !block->contains("extrinsics")
      || !(*block)["extrinsics"].is_array())
    return make_error(ec::decode_error, "chain_getBlock: no extrinsics");
  std::vector<std::string> out;
  for (auto& ext : (*block)["extrinsics"]) {
    if (!ext.is_string())
      return make_error(ec::decode_error, "chain_getBlock: an extrinsic is not a hex string");
    auto h = extrinsic_hash(ext.get<std::string>());
    if (!h)
      return h.error();
    out.push_back(std::move(*h));
  }
  return out;
}

caf::expected<chain::bytes> hex_or_null(const json& j, const char* what) {
  if (j.is_null())
    return chain::bytes{};
  if (!j.is_string())
    return make_error(ec::decode_error, std::string(what) + ": not a hex string");
  return chain::from_hex(j.get<std::string>());
}

caf::expected<chain::bytes> account_id(const std::string& hex, const std::string& what) {
  auto raw = chain::from_hex(hex);
  if (!raw || raw->size() != 32)
    return make_error(ec::invalid_config, what + " must be 0x + 64 hex (an AccountId32)");
  return std::move(*raw);
}

} // namespace lstaked::kusama

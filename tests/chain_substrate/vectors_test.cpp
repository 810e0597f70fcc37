// The decoder, events, extrinsics, builder and storage keys against polkadot-js's answers
// for the real Kusama (V14, V15) and Kusama Asset Hub (V15) metadata.
// Vectors: tools/vectors/substrate/vectors-*.json (node tools/vectors/substrate/gen_vectors.mjs).
#include "chain/substrate/events.hpp"
#include "chain/substrate/extrinsic.hpp"
#include "chain/substrate/storage.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

using namespace lstaked::chain;
using namespace lstaked::chain::substrate;
using namespace lstaked::chain::substrate::test;
using nlohmann::json;
using lstaked::describe;

namespace {

struct chain_vectors {
  std::string name;
  metadata_ptr md;
  json doc;
};

const chain_vectors& vectors(const std::string& name) {
  static std::map<std::string, chain_vectors> cache;
  auto it = cache.find(name);
  if (it == cache.end()) {
    chain_vectors v{name, load_metadata(name + ".bin"), read_json("vectors-" + name + ".json")};
    it = cache.emplace(name, std::move(v)).first;
  }
  return it->second;
}

class substrate_vectors : public ::testing::TestWithParam<std::string> {
protected:
  const chain_vectors& v() { return vectors(GetParam()); }
};

// Reports the first differing path, so a mismatch reads like "a/b/3/c: x != y".
std::string first_difference(const json& a, const json& b, const std::string& path = "") {
  if (a.type() != b.type())
    return path + ": " + a.dump().substr(0, 200) + " != " + b.dump().substr(0, 200);
  if (a.is_object()) {
    for (auto& [k, va] : a.items()) {
      if (!b.contains(k))
        return path + "/" + k + ": missing on the right";
      auto d = first_difference(va, b[k], path + "/" + k);
      if (!d.empty())
        return d;
    }
    for (auto& [k, vb] : b.items())
      if (!a.contains(k))
        return path + "/" + k + ": missing on the left";
    return "";
  }
  if (a.is_array()) {
    if (a.size() != b.size())
      return path + ": " + std::to_string(a.size()) + " items != " + std::to_string(b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      auto d = first_difference(a[i], b[i], path + "/" + std::to_string(i));
      if (!d.empty())
        return d;
    }
    return "";
  }
  return a == b ? "" : path + ": " + a.dump() + " != " + b.dump();
}

} // namespace

TEST_P(substrate_vectors, metadata_matches_polkadot_js) {
  auto& md = *v().md;
  auto& s = v().doc["summary"];
  EXPECT_EQ(md.version, s["version"].get<int>());
  EXPECT_EQ(md.types.size(), s["types"].get<size_t>());
  ASSERT_EQ(md.pallets.size(), s["pallets"].size());
  for (size_t i = 0; i < md.pallets.size(); ++i) {
    EXPECT_EQ(md.pallets[i].name, s["pallets"][i][0].get<std::string>());
    EXPECT_EQ(md.pallets[i].index, s["pallets"][i][1].get<int>());
  }
  ASSERT_EQ(md.extrinsic.extensions.size(), s["extensions"].size());
  for (size_t i = 0; i < md.extrinsic.extensions.size(); ++i)
    EXPECT_EQ(md.extrinsic.extensions[i].identifier, s["extensions"][i].get<std::string>());
  EXPECT_EQ(md.extrinsic.version, 4);
  for (auto& c : s["calls"]) {
    auto name = c[0].get<std::string>();
    auto dot = name.find('.');
    auto ref = md.find_call(name.substr(0, dot), name.substr(dot + 1));
    ASSERT_TRUE(ref) << name;
    EXPECT_EQ(ref->pallet->index, c[1].get<int>()) << name;
    EXPECT_EQ(ref->variant->index, c[2].get<int>()) << name;
  }
  EXPECT_FALSE(md.find_call("Balances", "no_such_call"));
  EXPECT_FALSE(md.find_call("NoSuchPallet", "transfer_keep_alive"));
  EXPECT_TRUE(md.find_event("Balances", "Transfer"));
  EXPECT_TRUE(md.has_events);
}

TEST_P(substrate_vectors, extrinsics_decode_like_polkadot_js) {
  auto& md = *v().md;
  size_t n = 0;
  for (auto& x : v().doc["extrinsics"]) {
    auto raw = hex(x["hex"]);
    auto dec = decode_extrinsic(md, raw);
    ASSERT_TRUE(dec) << describe(dec.error()) << " " << x["hex"];
    auto mine = dec->to_json();
    auto diff = first_difference(mine, x["json"]);
    EXPECT_EQ(diff, "") << x["hex"];
    ++n;
  }
  EXPECT_EQ(n, 16u);
}

TEST_P(substrate_vectors, extrinsic_decoding_is_strict) {
  auto& md = *v().md;
  auto raw = hex(v().doc["extrinsics"][0]["hex"]);
  // Every truncation fails cleanly.
  for (size_t len = 0; len < raw.size(); ++len)
    EXPECT_FALSE(decode_extrinsic(md, byte_view{raw.data(), len})) << len;
  // Trailing bytes after the extrinsic.
  auto longer = raw;
  longer.push_back(0);
  EXPECT_FALSE(decode_extrinsic(md, longer));
  // A length prefix that promises one byte more than the body holds, with the byte present.
  // Version 5 (general transactions) and version 3 are refused with a clear error.
  for (uint8_t version : {uint8_t{0x85}, uint8_t{0x05}, uint8_t{0x83}}) {
    auto other = raw;
    // raw = compact(len) ‖ version ‖ ...; the prefix of these vectors is 2 bytes.
    size_t prefix = (raw[0] & 3) == 1 ? 2 : (raw[0] & 3) == 0 ? 1 : 4;
    other[prefix] = version;
    auto dec = decode_extrinsic(md, other);
    ASSERT_FALSE(dec);
    EXPECT_NE(describe(dec.error()).find("version"), std::string::npos) << describe(dec.error());
  }
}

TEST_P(substrate_vectors, hostile_lengths_fail_without_allocating) {
  auto& md = *v().md;
  // utility.batch(batch(batch(...))) where every level claims 2^29 calls: each level must fail
  // or recurse without reserving memory for the claimed count.
  auto batch = md.find_call("Utility", "batch");
  ASSERT_TRUE(batch);
  bytes body{0x04};
  for (int i = 0; i < 200; ++i) {
    body.push_back(batch->pallet->index);
    body.push_back(batch->variant->index);
    put_compact(body, u128{1} << 29);
  }
  bytes x;
  put_bytes_prefixed(x, body);
  auto dec = decode_extrinsic(md, x);
  ASSERT_FALSE(dec);
  // An events value claiming four billion records.
  bytes ev;
  put_compact(ev, 0xffffffffu);
  ev.resize(ev.size() + 64, 0);
  EXPECT_FALSE(decode_events(md, ev));
}

TEST_P(substrate_vectors, events_decode_like_polkadot_js) {
  auto& md = *v().md;
  size_t records = 0;
  for (auto& blob : v().doc["events"]) {
    auto raw = hex(blob["hex"]);
    auto all = decode_events(md, raw);
    ASSERT_TRUE(all) << blob["pallet"] << ": " << describe(all.error());
    ASSERT_EQ(all->size(), blob["records"].size());
    for (size_t i = 0; i < all->size(); ++i) {
      auto diff = first_difference((*all)[i].to_json(), blob["records"][i]);
      EXPECT_EQ(diff, "") << blob["pallet"] << " record " << i;
    }
    records += all->size();
    // The fast path: nothing selected, everything skipped, same records otherwise.
    auto skipped = decode_events(md, raw, event_selector::none());
    ASSERT_TRUE(skipped) << blob["pallet"] << ": " << describe(skipped.error());
    ASSERT_EQ(skipped->size(), all->size());
    for (size_t i = 0; i < all->size(); ++i) {
      auto j = blob["records"][i];
      j["fields"] = nullptr;
      EXPECT_EQ(first_difference((*skipped)[i].to_json(), j), "");
    }
    // Truncated and extended inputs are errors.
    EXPECT_FALSE(decode_events(md, byte_view{raw.data(), raw.size() - 1}));
    auto longer = raw;
    longer.push_back(0);
    EXPECT_FALSE(decode_events(md, longer));
  }
  EXPECT_GT(records, 500u);
}

TEST_P(substrate_vectors, selector_picks_transfers_only) {
  auto& md = *v().md;
  event_selector sel;
  ASSERT_FALSE(sel.add(md, "Balances", "Transfer"));
  EXPECT_TRUE(sel.add(md, "Balances", "NoSuchEvent"));
  for (auto& blob : v().doc["events"]) {
    if (blob["pallet"] != "Balances")
      continue;
    auto recs = decode_events(md, hex(blob["hex"]), sel);
    ASSERT_TRUE(recs);
    size_t transfers = 0;
    for (auto& r : *recs) {
      EXPECT_EQ(r.fields.has_value(), r.event_name() == "Transfer");
      if (r.fields) {
        ++transfers;
        EXPECT_TRUE(r.fields->find("from"));
        EXPECT_TRUE(r.fields->find("to"));
        EXPECT_EQ(r.fields->find("amount")->kind, value_kind::uint);
      }
    }
    EXPECT_GT(transfers, 0u);
  }
}

TEST_P(substrate_vectors, builder_reproduces_polkadot_js_extrinsics) {
  ASSERT_EQ(sodium_init() >= 0, true);
  auto& md = *v().md;
  size_t n = 0, hashed = 0;
  for (auto& b : v().doc["builder"]) {
    auto& call_doc = b["call"];
    auto pallet = call_doc.begin().key();
    auto call_name = call_doc.begin().value().begin().key();
    auto args = call_doc.begin().value().begin().value();
    auto call = encode_call(md, pallet, call_name, args);
    ASSERT_TRUE(call) << describe(call.error());
    EXPECT_EQ(to_hex(*call), b["call_hex"].get<std::string>());

    tx_params p;
    p.nonce = b["nonce"].get<uint32_t>();
    p.tip = *parse_u128(b["tip"].get<std::string>());
    if (!b["era"].is_null()) {
      p.era = make_mortal_era(std::stoull(b["era"]["period"].get<std::string>()),
                              b["era"]["block_number"].get<uint64_t>());
      EXPECT_EQ(std::to_string(p.era->phase), b["era"]["phase"].get<std::string>());
    }
    p.genesis_hash = *from_hex_fixed<32>(b["genesis_hash"].get<std::string>());
    p.block_hash = *from_hex_fixed<32>(b["block_hash"].get<std::string>());
    p.spec_version = b["spec_version"].get<uint32_t>();
    p.tx_version = b["tx_version"].get<uint32_t>();

    auto payload = signing_payload(md, *call, p);
    ASSERT_TRUE(payload) << describe(payload.error());
    auto signed_bytes = hex(b["signed_bytes"]);
    if (payload->size() > 256) {
      ++hashed;
      auto h = blake2b_256(*payload);
      EXPECT_EQ(to_hex(h), to_hex(signed_bytes));
    } else {
      EXPECT_EQ(to_hex(*payload), to_hex(signed_bytes));
    }

    // ed25519 is deterministic: the same seed must give polkadot-js's exact bytes.
    auto seed = hex(b["seed"]);
    std::array<uint8_t, crypto_sign_PUBLICKEYBYTES> pk{};
    std::array<uint8_t, crypto_sign_SECRETKEYBYTES> sk{};
    crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
    EXPECT_EQ(to_hex(pk), b["account"].get<std::string>());
    signer s;
    s.scheme = signature_scheme::ed25519;
    s.account_id.assign(pk.begin(), pk.end());
    s.sign = [&](byte_view msg) -> caf::expected<bytes> {
      bytes sig(crypto_sign_BYTES);
      crypto_sign_detached(sig.data(), nullptr, msg.data, msg.size, sk.data());
      return sig;
    };
    auto ext = build_signed_extrinsic(md, *call, p, s);
    ASSERT_TRUE(ext) << describe(ext.error());
    EXPECT_EQ(to_hex(*ext), b["extrinsic"].get<std::string>());
    // And it decodes back to the same call, nonce and era.
    auto dec = decode_extrinsic(md, *ext);
    ASSERT_TRUE(dec);
    EXPECT_EQ(to_json(dec->call.full), call_doc);
    EXPECT_EQ(dec->nonce, p.nonce);
    ++n;
  }
  EXPECT_EQ(n, 14u);
  EXPECT_GE(hashed, 1u);
}

TEST_P(substrate_vectors, builder_rejects_bad_arguments) {
  auto& md = *v().md;
  json dest = {{"Id", "0x" + std::string(64, 'a')}};
  EXPECT_TRUE(encode_call(md, "Balances", "transfer_keep_alive", {{"dest", dest}, {"value", "1"}}));
  // JSON numbers are accepted too (nlohmann keeps small literals as signed integers).
  auto by_number = encode_call(md, "Balances", "transfer_keep_alive", {{"dest", dest}, {"value", 1}});
  ASSERT_TRUE(by_number);
  EXPECT_EQ(*by_number, *encode_call(md, "Balances", "transfer_keep_alive", {{"dest", dest}, {"value", "1"}}));
  EXPECT_TRUE(encode_call(md, "Staking", "withdraw_unbonded", {{"num_slashing_spans", 0}}));
  // Unknown names, missing/unknown fields, out-of-range and malformed values.
  EXPECT_FALSE(encode_call(md, "Balances", "transfer_kept_alive", {{"dest", dest}, {"value", "1"}}));
  EXPECT_FALSE(encode_call(md, "Balances", "transfer_keep_alive", {{"dest", dest}}));
  EXPECT_FALSE(encode_call(md, "Balances", "transfer_keep_alive",
                           {{"dest", dest}, {"value", "1"}, {"extra", 1}}));
  EXPECT_FALSE(encode_call(md, "Balances", "transfer_keep_alive",
                           {{"dest", dest}, {"value", "340282366920938463463374607431768211456"}}));
  EXPECT_FALSE(encode_call(md, "Balances", "transfer_keep_alive", {{"dest", dest}, {"value", -1}}));
  EXPECT_FALSE(encode_call(md, "Balances", "transfer_keep_alive",
                           {{"dest", {{"Id", "0x1234"}}}, {"value", "1"}}));
  EXPECT_FALSE(encode_call(md, "Balances", "transfer_keep_alive",
                           {{"dest", {{"Nope", "0x1234"}}}, {"value", "1"}}));
}

TEST_P(substrate_vectors, storage_keys_match_polkadot_js) {
  auto& md = *v().md;
  for (auto& s : v().doc["storage"]) {
    std::vector<json> keys;
    for (auto& k : s["keys"])
      keys.push_back(k);
    auto key = storage_key(md, s["pallet"].get<std::string>(), s["item"].get<std::string>(), keys);
    ASSERT_TRUE(key) << s["pallet"] << "." << s["item"] << ": " << describe(key.error());
    EXPECT_EQ(to_hex(*key), s["key"].get<std::string>()) << s["pallet"] << "." << s["item"];
  }
  EXPECT_FALSE(storage_key(md, "System", "Account", {"0x00", "0x00"}));
  EXPECT_FALSE(storage_key(md, "System", "NoSuchItem", {}));
}

TEST_P(substrate_vectors, storage_values_decode_like_polkadot_js) {
  auto& md = *v().md;
  size_t n = 0;
  for (auto& s : v().doc["storage_values"]) {
    auto pallet = s["pallet"].get<std::string>(), item = s["item"].get<std::string>();
    bytes raw;
    if (!s["hex"].is_null())
      raw = hex(s["hex"]);
    auto val = decode_storage_value(md, pallet, item, s["hex"].is_null() ? nullptr : &raw);
    ASSERT_TRUE(val) << pallet << "." << item << ": " << describe(val.error());
    EXPECT_EQ(first_difference(to_json(*val), s["json"]), "") << pallet << "." << item;
    ++n;
  }
  EXPECT_GE(n, 15u);
  // Optional items have no default.
  auto ledger = decode_storage_value(md, "Staking", "Ledger", nullptr);
  EXPECT_FALSE(ledger);
}

TEST_P(substrate_vectors, builder_accepts_every_signature_scheme) {
  auto& md = *v().md;
  json dest = {{"Id", "0x" + std::string(64, 'b')}};
  auto call = encode_call(md, "Balances", "transfer_keep_alive", {{"dest", dest}, {"value", "5"}});
  ASSERT_TRUE(call);
  tx_params p;
  p.spec_version = 1;
  p.tx_version = 1;
  for (auto [scheme, name, len] : {std::tuple{signature_scheme::ed25519, "Ed25519", 64},
                                   std::tuple{signature_scheme::sr25519, "Sr25519", 64},
                                   std::tuple{signature_scheme::ecdsa, "Ecdsa", 65}}) {
    signer s;
    s.scheme = scheme;
    s.account_id.assign(32, 0x11);
    s.sign = [len = len](byte_view) -> caf::expected<bytes> { return bytes(static_cast<size_t>(len), 0x5a); };
    auto ext = build_signed_extrinsic(md, *call, p, s);
    ASSERT_TRUE(ext) << describe(ext.error());
    auto dec = decode_extrinsic(md, *ext);
    ASSERT_TRUE(dec);
    EXPECT_TRUE(to_json(*dec->signature).contains(name));
    EXPECT_FALSE(dec->era); // immortal
    // A signer returning the wrong length is refused.
    s.sign = [len = len](byte_view) -> caf::expected<bytes> { return bytes(static_cast<size_t>(len) - 1, 0); };
    EXPECT_FALSE(build_signed_extrinsic(md, *call, p, s));
  }
}

TEST_P(substrate_vectors, constants_match_polkadot_js) {
  auto& md = *v().md;
  for (auto& c : v().doc["constants"]) {
    auto val = constant_value(md, c["pallet"].get<std::string>(), c["name"].get<std::string>());
    ASSERT_TRUE(val) << describe(val.error());
    EXPECT_EQ(first_difference(to_json(*val), c["json"]), "") << c["pallet"] << "." << c["name"];
  }
}

TEST_P(substrate_vectors, era_round_trip) {
  for (uint64_t period : {4u, 64u, 2400u, 4096u, 65536u}) {
    for (uint64_t block : {0u, 1u, 22000000u, 4294967295u}) {
      auto era = make_mortal_era(period, block);
      auto enc = encode_era(era);
      ASSERT_EQ(enc.size(), 2u);
      // Decode through an extrinsic-independent path: the same formula the runtime uses.
      uint64_t encoded = enc[0] + (uint64_t{enc[1]} << 8);
      uint64_t p = uint64_t{2} << (encoded % 16);
      uint64_t q = std::max<uint64_t>(p >> 12, 1);
      EXPECT_EQ(p, era.period);
      EXPECT_EQ((encoded >> 4) * q, era.phase);
    }
  }
  EXPECT_EQ(encode_era(std::nullopt), bytes{0});
}

INSTANTIATE_TEST_SUITE_P(chains, substrate_vectors,
                         ::testing::Values("kusama-v15", "asset-hub-kusama-v15", "kusama-v14"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (auto& c : n)
                             if (c == '-')
                               c = '_';
                           return n;
                         });

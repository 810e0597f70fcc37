#include "chain/rpc/kusama_staking.hpp"

#include "chain/rpc/substrate_client.hpp"
#include "chain/substrate/storage.hpp"
#include "chain/substrate/value.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <set>
#include <unordered_map>

namespace lstaked::kusama {

namespace sub = chain::substrate;
using json = nlohmann::json;

namespace {

// How the reads are cut into requests. A real node caps a response (10 MiB by
// default): keys are small, so many go in one state_queryStorageAt; an
// ErasStakersPaged page is up to MaxExposurePageSize (512) nominators, ~25 KB.
constexpr size_t keys_per_query = 512;
constexpr size_t queries_per_request = 16;
constexpr size_t pages_per_request = 128;
// A hostile or broken node could claim billions of pages; no real validator has
// more than a few (MaxExposurePageSize 512, Kusama's backers per winner ~12,500).
constexpr uint32_t max_page_count = 1024;

// Kusama's NominationsQuota is FixedNominationsQuota<24> on the relay and on
// Asset Hub. Current runtimes do not put it in the metadata (it moved from the
// constant Staking.MaxNominations to the StakingApi_nominations_quota runtime
// API); this is the last resort when neither answers.
constexpr uint32_t kusama_nominations_quota = 24;

std::string item_name(std::string_view pallet, std::string_view item) {
  return std::string(pallet) + "." + std::string(item);
}

// ---- strict accessors over decoded values ----------------------------------

caf::expected<u128> uint_of(const sub::value* v, const std::string& what, unsigned bits = 128) {
  if (!v)
    return make_error(ec::decode_error, what + ": missing");
  auto& u = v->unwrap();
  if (u.kind != sub::value_kind::uint)
    return make_error(ec::decode_error, what + ": not an unsigned integer");
  if (bits < 128 && u.num >> bits != 0)
    return make_error(ec::decode_error, what + ": exceeds " + std::to_string(bits) + " bits");
  return u.num;
}

caf::expected<uint32_t> u32_of(const sub::value* v, const std::string& what) {
  auto n = uint_of(v, what, 32);
  if (!n)
    return n.error();
  return static_cast<uint32_t>(*n);
}

caf::expected<bool> bool_of(const sub::value* v, const std::string& what) {
  if (!v)
    return make_error(ec::decode_error, what + ": missing");
  auto& u = v->unwrap();
  if (u.kind != sub::value_kind::boolean)
    return make_error(ec::decode_error, what + ": not a bool");
  return u.num != 0;
}

caf::expected<account32> account_of(const sub::value* v, const std::string& what) {
  if (!v)
    return make_error(ec::decode_error, what + ": missing");
  auto& u = v->unwrap();
  if (u.kind != sub::value_kind::bytes || u.data.size() != 32)
    return make_error(ec::decode_error, what + ": not a 32-byte AccountId");
  account32 out{};
  std::copy(u.data.begin(), u.data.end(), out.begin());
  return out;
}

// Sequences come wrapped (BoundedVec, WeakBoundedVec): unwrap() reaches the Vec.
caf::expected<const std::vector<sub::value>*> seq_of(const sub::value* v, const std::string& what) {
  if (!v)
    return make_error(ec::decode_error, what + ": missing");
  auto& u = v->unwrap();
  if (u.kind != sub::value_kind::sequence)
    return make_error(ec::decode_error, what + ": not a sequence");
  return &u.items;
}

// A named field, also through newtype wrappers (Asset Hub's BoundedExposurePage
// wraps ExposurePage).
const sub::value* field(const sub::value& v, std::string_view name) {
  if (auto* f = v.find(name))
    return f;
  return v.unwrap().find(name);
}

std::string account_hex(const account32& a) {
  return chain::to_hex(chain::byte_view(a));
}

// ---- storage keys -------------------------------------------------------------

// True if this runtime has the storage item (Proxy is optional: a runtime
// without the pallet has no proxies).
bool has_item(const sub::metadata& md, std::string_view pallet, std::string_view item) {
  auto p = md.find_pallet(pallet);
  return p && p->find_storage(item);
}

caf::expected<std::string> key_of(const sub::metadata& md, std::string_view pallet,
                                  std::string_view item, const std::vector<json>& keys = {}) {
  auto k = sub::storage_key(md, pallet, item, keys);
  if (!k)
    return k.error();
  return hex_of(*k);
}

json era_key(uint32_t era) {
  return json(era);
}

// ---- reading many keys at one block -------------------------------------------

struct read_result {
  std::unordered_map<std::string, std::optional<chain::bytes>> values; // lower-case hex key -> value
  std::vector<caf::expected<json>> extra;                              // answers to `extra` calls
  caf::error storage_error; // the first failed storage query (checked after `extra`)
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return s;
}

// Reads `keys` at `at` with state_queryStorageAt (a real node answers a
// one-block query with every key asked, absent ones as null), several queries
// per HTTP request; `extra` calls ride in the first request. Duplicate keys are
// asked once (a node reports a repeated key only the first time). A transport
// error fails the whole read; a node's error on a query is kept in
// `storage_error` so the caller can look at `extra` first (an unknown block).
caf::expected<read_result> read_keys(rpc::json_rpc_client& client, const std::string& at,
                                     const std::vector<std::string>& keys,
                                     const std::vector<rpc::rpc_call>& extra = {},
                                     size_t keys_per_call = keys_per_query,
                                     size_t calls_per_request = queries_per_request) {
  std::vector<std::string> unique;
  {
    std::set<std::string> seen;
    for (auto& k : keys)
      if (seen.insert(k).second)
        unique.push_back(k);
  }
  std::vector<std::vector<std::string>> chunks;
  for (size_t i = 0; i < unique.size(); i += keys_per_call)
    chunks.emplace_back(unique.begin() + static_cast<ptrdiff_t>(i),
                        unique.begin() + static_cast<ptrdiff_t>(std::min(unique.size(), i + keys_per_call)));
  read_result out;
  size_t next_chunk = 0;
  bool first = true;
  while (first || next_chunk < chunks.size()) {
    std::vector<rpc::rpc_call> calls;
    if (first)
      calls = extra;
    size_t first_chunk = next_chunk;
    while (next_chunk < chunks.size() && next_chunk - first_chunk < calls_per_request) {
      calls.push_back({"state_queryStorageAt", json::array({chunks[next_chunk], at})});
      ++next_chunk;
    }
    size_t n_extra = first ? extra.size() : 0;
    first = false;
    if (calls.empty())
      break;
    auto answers = client.batch(calls);
    if (!answers)
      return answers.error();
    for (size_t i = 0; i < n_extra; ++i)
      out.extra.push_back(std::move((*answers)[i]));
    for (size_t c = first_chunk; c < next_chunk; ++c) {
      auto& answer = (*answers)[n_extra + c - first_chunk];
      if (!answer) {
        out.storage_error = answer.error();
        return out;
      }
      if (!answer->is_array())
        return make_error(ec::decode_error, "state_queryStorageAt: not an array of change sets");
      std::unordered_map<std::string, std::optional<chain::bytes>> got;
      for (auto& set : *answer) {
        if (!set.is_object() || !set.contains("changes") || !set["changes"].is_array())
          return make_error(ec::decode_error, "state_queryStorageAt: a change set without changes");
        if (set.contains("block") && set["block"].is_string()) {
          auto b = lower(set["block"].get<std::string>());
          if (b != lower(at))
            return make_error(ec::decode_error, "state_queryStorageAt: answered for block " + b
                                                  + ", asked " + at);
        }
        for (auto& change : set["changes"]) {
          if (!change.is_array() || change.size() != 2 || !change[0].is_string())
            return make_error(ec::decode_error, "state_queryStorageAt: a change is not [key, value]");
          auto key = lower(change[0].get<std::string>());
          if (change[1].is_null()) {
            got[key] = std::nullopt;
          } else {
            auto raw = hex_or_null(change[1], "state_queryStorageAt");
            if (!raw)
              return raw.error();
            got[key] = std::move(*raw);
          }
        }
      }
      for (auto& k : chunks[c]) {
        auto it = got.find(k);
        if (it == got.end())
          return make_error(ec::decode_error, "state_queryStorageAt: no answer for key " + k);
        out.values[k] = std::move(it->second);
      }
    }
  }
  return out;
}

// The decoded value at `key` (read by read_keys); nullopt when the item is an
// Option and the key is absent, the item's default when it is a ValueQuery.
caf::expected<std::optional<sub::value>> decode_at(const sub::metadata& md, const read_result& r,
                                                   std::string_view pallet, std::string_view item,
                                                   const std::string& key) {
  auto it = r.values.find(key);
  if (it == r.values.end())
    return make_error(ec::decode_error, item_name(pallet, item) + ": key was not read");
  auto entry = md.find_storage(pallet, item);
  if (!entry)
    return entry.error();
  if (!it->second && (*entry)->optional)
    return std::optional<sub::value>{};
  auto v = sub::decode_storage_value(md, pallet, item, it->second ? &*it->second : nullptr);
  if (!v)
    return make_error(ec::decode_error, item_name(pallet, item) + ": " + message_of(v.error()));
  return std::optional<sub::value>{std::move(*v)};
}

// True when the key holds a value (ValueQuery items decode absent keys to their
// default: presence is what tells "is a validator").
bool present(const read_result& r, const std::string& key) {
  auto it = r.values.find(key);
  return it != r.values.end() && it->second.has_value();
}

// ---- item decoders -------------------------------------------------------------

caf::expected<account_balance> decode_account(const sub::value& v) {
  account_balance out;
  auto nonce = u32_of(field(v, "nonce"), "System.Account nonce");
  if (!nonce)
    return nonce.error();
  out.nonce = *nonce;
  auto* data = field(v, "data");
  if (!data)
    return make_error(ec::decode_error, "System.Account: no data");
  auto free = uint_of(field(*data, "free"), "System.Account free");
  auto reserved = uint_of(field(*data, "reserved"), "System.Account reserved");
  if (!free)
    return free.error();
  if (!reserved)
    return reserved.error();
  out.free = *free;
  out.reserved = *reserved;
  if (field(*data, "frozen")) {
    auto frozen = uint_of(field(*data, "frozen"), "System.Account frozen");
    if (!frozen)
      return frozen.error();
    out.frozen = *frozen;
  } else {
    // Before the fungible-traits migration: the larger of the two frozen amounts.
    auto misc = uint_of(field(*data, "misc_frozen"), "System.Account misc_frozen");
    auto fee = uint_of(field(*data, "fee_frozen"), "System.Account fee_frozen");
    if (!misc)
      return misc.error();
    if (!fee)
      return fee.error();
    out.frozen = std::max(*misc, *fee);
  }
  return out;
}

caf::expected<staking_ledger> decode_ledger(const sub::value& v) {
  staking_ledger out;
  auto stash = account_of(field(v, "stash"), "Staking.Ledger stash");
  auto total = uint_of(field(v, "total"), "Staking.Ledger total");
  auto active = uint_of(field(v, "active"), "Staking.Ledger active");
  auto chunks = seq_of(field(v, "unlocking"), "Staking.Ledger unlocking");
  if (!stash)
    return stash.error();
  if (!total)
    return total.error();
  if (!active)
    return active.error();
  if (!chunks)
    return chunks.error();
  out.stash = *stash;
  out.total = *total;
  out.active = *active;
  for (auto& c : **chunks) {
    auto value = uint_of(field(c, "value"), "Staking.Ledger unlocking value");
    auto era = u32_of(field(c, "era"), "Staking.Ledger unlocking era");
    if (!value)
      return value.error();
    if (!era)
      return era.error();
    out.unlocking.push_back({*value, *era});
  }
  return out;
}

caf::expected<std::vector<account32>> decode_targets(const sub::value& v) {
  auto targets = seq_of(field(v, "targets"), "Staking.Nominators targets");
  if (!targets)
    return targets.error();
  std::vector<account32> out;
  for (auto& t : **targets) {
    auto a = account_of(&t, "Staking.Nominators target");
    if (!a)
      return a.error();
    out.push_back(*a);
  }
  return out;
}

caf::expected<validator_info> decode_prefs(const account32& who, const sub::value& v) {
  validator_info out;
  out.account = who;
  auto commission = u32_of(field(v, "commission"), "Staking.Validators commission");
  auto blocked = bool_of(field(v, "blocked"), "Staking.Validators blocked");
  if (!commission)
    return commission.error();
  if (!blocked)
    return blocked.error();
  if (*commission > 1'000'000'000u)
    return make_error(ec::decode_error, "Staking.Validators commission above 100%");
  out.commission_perbill = *commission;
  out.blocked = *blocked;
  return out;
}

// Proxy.Proxies: (BoundedVec<ProxyDefinition>, deposit). A delegate counts when
// its proxy type may call Staking (Staking, NonTransfer, Any) and it has no
// announcement delay (a delayed proxy cannot act at once: `proxy` refuses it).
caf::expected<std::vector<account32>> decode_staking_proxies(const sub::value& v) {
  if (v.kind != sub::value_kind::tuple || v.items.size() != 2)
    return make_error(ec::decode_error, "Proxy.Proxies: not a (proxies, deposit) tuple");
  auto list = seq_of(&v.items[0], "Proxy.Proxies list");
  if (!list)
    return list.error();
  std::vector<account32> out;
  for (auto& def : **list) {
    auto delegate = account_of(field(def, "delegate"), "Proxy.Proxies delegate");
    if (!delegate)
      return delegate.error();
    auto* type = field(def, "proxy_type");
    if (!type || type->kind != sub::value_kind::variant || !type->var)
      return make_error(ec::decode_error, "Proxy.Proxies: proxy_type is not an enum");
    auto delay = u32_of(field(def, "delay"), "Proxy.Proxies delay");
    if (!delay)
      return delay.error();
    auto& name = type->var->name;
    if ((name == "Staking" || name == "NonTransfer" || name == "Any") && *delay == 0
        && std::find(out.begin(), out.end(), *delegate) == out.end())
      out.push_back(*delegate);
  }
  return out;
}

std::optional<uint32_t> max_nominations_in(const sub::metadata& md) {
  for (auto [pallet, name] : {std::pair{"Staking", "MaxNominations"},
                              std::pair{"ElectionProviderMultiPhase", "MinerMaxVotesPerVoter"}}) {
    auto v = sub::constant_value(md, pallet, name);
    if (!v)
      continue;
    auto n = u32_of(&*v, std::string(pallet) + "." + name);
    if (n)
      return *n;
  }
  return std::nullopt;
}

} // namespace

caf::expected<staking_constants> read_constants(const sub::metadata& md) {
  staking_constants out;
  auto get = [&](const char* pallet, const char* name, unsigned bits) -> caf::expected<u128> {
    auto v = sub::constant_value(md, pallet, name);
    if (!v)
      return v.error();
    return uint_of(&*v, std::string(pallet) + "." + name, bits);
  };
  auto ed = get("Balances", "ExistentialDeposit", 128);
  if (!ed)
    return ed.error();
  out.existential_deposit = *ed;
  struct u32_constant {
    const char* name;
    uint32_t* into;
  };
  for (auto c : {u32_constant{"HistoryDepth", &out.history_depth},
                 u32_constant{"BondingDuration", &out.bonding_duration},
                 u32_constant{"MaxUnlockingChunks", &out.max_unlocking_chunks}}) {
    auto v = get("Staking", c.name, 32);
    if (!v)
      return v.error();
    *c.into = static_cast<uint32_t>(*v);
  }
  out.max_nominations = max_nominations_in(md).value_or(kusama_nominations_quota);
  return out;
}

caf::expected<staking_snapshot> read_snapshot(rpc::json_rpc_client& client, const sub::metadata& md,
                                              const std::string& block_hash,
                                              const snapshot_request& req) {
  staking_snapshot s;
  s.at = lower(block_hash);
  auto constants = read_constants(md);
  if (!constants)
    return constants.error();
  s.constants = *constants;
  bool proxies_served = has_item(md, "Proxy", "Proxies");
  std::vector<account32> stashes; // as asked, each once
  for (auto& st : req.stashes)
    if (std::find(stashes.begin(), stashes.end(), st) == stashes.end())
      stashes.push_back(st);

  // ---- round 1: globals, accounts, stashes, candidates --------------------------
  std::vector<std::string> keys;
  auto add = [&](std::string_view pallet, std::string_view item,
                 const std::vector<json>& args = {}) -> caf::expected<std::string> {
    auto k = key_of(md, pallet, item, args);
    if (k)
      keys.push_back(*k);
    return k;
  };
  auto now_key = add("Timestamp", "Now");
  auto min_bond_key = add("Staking", "MinNominatorBond");
  auto active_key = add("Staking", "ActiveEra");
  auto current_key = add("Staking", "CurrentEra");
  for (auto* k : {&now_key, &min_bond_key, &active_key, &current_key})
    if (!*k)
      return k->error();
  std::vector<std::string> account_keys, bonded_keys, ledger_keys, nominator_keys, proxy_keys,
    validator_keys;
  for (auto& a : req.accounts) {
    auto k = add("System", "Account", {account_hex(a)});
    if (!k)
      return k.error();
    account_keys.push_back(*k);
  }
  for (auto& st : stashes) {
    auto h = account_hex(st);
    auto b = add("Staking", "Bonded", {h});
    auto l = add("Staking", "Ledger", {h});
    auto n = add("Staking", "Nominators", {h});
    if (!b)
      return b.error();
    if (!l)
      return l.error();
    if (!n)
      return n.error();
    bonded_keys.push_back(*b);
    ledger_keys.push_back(*l);
    nominator_keys.push_back(*n);
    if (proxies_served) {
      auto p = add("Proxy", "Proxies", {h});
      if (!p)
        return p.error();
      proxy_keys.push_back(*p);
    }
  }
  for (auto& c : req.candidates) {
    auto k = add("Staking", "Validators", {account_hex(c)});
    if (!k)
      return k.error();
    validator_keys.push_back(*k);
  }
  std::vector<rpc::rpc_call> extra{{"chain_getHeader", json::array({s.at})}};
  bool ask_quota = !max_nominations_in(md);
  if (ask_quota) {
    chain::bytes balance; // the quota for the smallest bond: Kusama's is fixed
    sub::put_u128(balance, 0);
    extra.push_back({"state_call", json::array({"StakingApi_nominations_quota", hex_of(balance), s.at})});
  }
  auto r1 = read_keys(client, s.at, keys, extra);
  if (!r1)
    return r1.error();
  // The header first: an unknown block is not_found, whatever the storage said.
  auto& header = r1->extra.at(0);
  if (!header)
    return header.error();
  if (header->is_null())
    return make_error(ec::not_found, "block " + s.at + " is unknown to the node");
  if (!header->is_object() || !header->contains("number"))
    return make_error(ec::decode_error, "chain_getHeader: no number");
  auto number = parse_number((*header)["number"]);
  if (!number)
    return number.error();
  s.number = *number;
  if (r1->storage_error)
    return r1->storage_error;
  if (ask_quota) {
    auto& quota = r1->extra.at(1);
    if (quota) {
      auto raw = hex_or_null(*quota, "StakingApi_nominations_quota");
      if (!raw)
        return raw.error();
      sub::scale_reader rd{chain::byte_view(*raw)};
      auto n = rd.u32();
      if (!n || rd.expect_end())
        return make_error(ec::decode_error, "StakingApi_nominations_quota: not a u32");
      s.constants.max_nominations = *n;
    } else if (!rpc::node_error_code(quota.error())) {
      return quota.error();
    } // a runtime (or node) without the API: read_constants' fallback stays
  }

  {
    auto v = decode_at(md, *r1, "Timestamp", "Now", *now_key);
    if (!v)
      return v.error();
    auto t = uint_of(&**v, "Timestamp.Now", 64);
    if (!t)
      return t.error();
    s.timestamp_ms = static_cast<uint64_t>(*t);
  }
  {
    auto v = decode_at(md, *r1, "Staking", "MinNominatorBond", *min_bond_key);
    if (!v)
      return v.error();
    auto b = uint_of(&**v, "Staking.MinNominatorBond");
    if (!b)
      return b.error();
    s.min_nominator_bond = *b;
  }
  {
    auto v = decode_at(md, *r1, "Staking", "ActiveEra", *active_key);
    if (!v)
      return v.error();
    if (*v) {
      auto index = u32_of(field(**v, "index"), "Staking.ActiveEra index");
      if (!index)
        return index.error();
      s.active_era = *index;
    }
  }
  {
    auto v = decode_at(md, *r1, "Staking", "CurrentEra", *current_key);
    if (!v)
      return v.error();
    if (*v) {
      auto era = u32_of(&**v, "Staking.CurrentEra");
      if (!era)
        return era.error();
      s.current_era = *era;
    }
  }
  for (size_t i = 0; i < req.accounts.size(); ++i) {
    auto v = decode_at(md, *r1, "System", "Account", account_keys[i]);
    if (!v)
      return v.error();
    auto b = decode_account(**v);
    if (!b)
      return b.error();
    s.balances[req.accounts[i]] = *b;
  }
  // Ledgers are keyed by controller: Bonded(stash) names it (the stash itself
  // since controllers were deprecated; another account is read in round 2).
  std::map<account32, account32> other_controller; // stash -> controller != stash
  for (size_t i = 0; i < stashes.size(); ++i) {
    auto& stash = stashes[i];
    auto bonded = decode_at(md, *r1, "Staking", "Bonded", bonded_keys[i]);
    if (!bonded)
      return bonded.error();
    if (*bonded) {
      auto controller = account_of(&**bonded, "Staking.Bonded");
      if (!controller)
        return controller.error();
      if (*controller != stash) {
        other_controller[stash] = *controller;
      } else {
        auto l = decode_at(md, *r1, "Staking", "Ledger", ledger_keys[i]);
        if (!l)
          return l.error();
        if (!*l)
          return make_error(ec::decode_error, "Staking.Bonded names " + account_hex(stash)
                                                + " but it has no Staking.Ledger");
        auto ledger = decode_ledger(**l);
        if (!ledger)
          return ledger.error();
        if (ledger->stash != stash)
          return make_error(ec::decode_error, "Staking.Ledger of " + account_hex(stash)
                                                + " is another stash's");
        s.ledgers[stash] = std::move(*ledger);
      }
    }
    auto n = decode_at(md, *r1, "Staking", "Nominators", nominator_keys[i]);
    if (!n)
      return n.error();
    if (*n) {
      auto targets = decode_targets(**n);
      if (!targets)
        return targets.error();
      s.nominations[stash] = std::move(*targets);
    }
    if (proxies_served) {
      auto p = decode_at(md, *r1, "Proxy", "Proxies", proxy_keys[i]);
      if (!p)
        return p.error();
      auto delegates = decode_staking_proxies(**p);
      if (!delegates)
        return delegates.error();
      if (!delegates->empty())
        s.staking_proxies[stash] = std::move(*delegates);
    }
  }
  for (size_t i = 0; i < req.candidates.size(); ++i) {
    // Validators is a ValueQuery: only a present key makes a validator.
    if (!present(*r1, validator_keys[i]))
      continue;
    auto v = decode_at(md, *r1, "Staking", "Validators", validator_keys[i]);
    if (!v)
      return v.error();
    auto info = decode_prefs(req.candidates[i], **v);
    if (!info)
      return info.error();
    s.validators[req.candidates[i]] = *info;
  }

  // ---- round 2: other controllers' ledgers, slashes, exposure overviews ---------
  keys.clear();
  std::map<account32, std::string> controller_ledger_keys;
  for (auto& [stash, controller] : other_controller) {
    auto k = add("Staking", "Ledger", {account_hex(controller)});
    if (!k)
      return k.error();
    controller_ledger_keys[stash] = *k;
  }
  struct era_validator {
    uint32_t era;
    account32 validator;
    std::string overview_key, claimed_key;
  };
  std::vector<era_validator> overviews;
  struct era_candidate {
    uint32_t era;
    account32 candidate;
    std::string key;
  };
  std::vector<era_candidate> slashes;
  if (s.active_era) {
    uint32_t active = *s.active_era;
    // Exposed validators: those the stashes nominate now, and the candidates.
    std::set<account32> exposed(req.candidates.begin(), req.candidates.end());
    for (auto& [stash, targets] : s.nominations)
      exposed.insert(targets.begin(), targets.end());
    uint32_t depth = s.constants.history_depth;
    uint32_t first = active + 1 > depth ? active + 1 - depth : 0;
    for (uint32_t era = first; era < active; ++era)
      for (auto& v : exposed) {
        auto h = account_hex(v);
        auto o = add("Staking", "ErasStakersOverview", {era_key(era), h});
        auto c = add("Staking", "ClaimedRewards", {era_key(era), h});
        if (!o)
          return o.error();
        if (!c)
          return c.error();
        overviews.push_back({era, v, *o, *c});
      }
    uint32_t from = active > req.slash_lookback_eras ? active - req.slash_lookback_eras : 0;
    for (auto& c : req.candidates)
      for (uint32_t era = from; era <= active; ++era) {
        auto k = add("Staking", "ValidatorSlashInEra", {era_key(era), account_hex(c)});
        if (!k)
          return k.error();
        slashes.push_back({era, c, *k});
      }
  }
  auto r2 = read_keys(client, s.at, keys);
  if (!r2)
    return r2.error();
  if (r2->storage_error)
    return r2->storage_error;
  for (auto& [stash, key] : controller_ledger_keys) {
    auto l = decode_at(md, *r2, "Staking", "Ledger", key);
    if (!l)
      return l.error();
    if (!*l)
      return make_error(ec::decode_error, "Staking.Bonded names a controller of " + account_hex(stash)
                                            + " without a Staking.Ledger");
    auto ledger = decode_ledger(**l);
    if (!ledger)
      return ledger.error();
    if (ledger->stash != stash)
      return make_error(ec::decode_error, "Staking.Ledger of the controller of "
                                            + account_hex(stash) + " is another stash's");
    s.ledgers[stash] = std::move(*ledger);
  }
  for (auto& sl : slashes) {
    auto v = decode_at(md, *r2, "Staking", "ValidatorSlashInEra", sl.key);
    if (!v)
      return v.error();
    if (!*v)
      continue;
    auto& last = s.last_slash_era[sl.candidate];
    last = std::max(last, sl.era);
  }

  // ---- round 3: the exposure pages, era by era -----------------------------------
  struct page_ref {
    uint32_t era;
    account32 validator;
    uint32_t page;
    std::string key;
    const std::vector<uint32_t>* claimed;
  };
  std::vector<std::vector<uint32_t>> claimed_pages(overviews.size());
  std::vector<page_ref> pages;
  for (size_t i = 0; i < overviews.size(); ++i) {
    auto& ev = overviews[i];
    auto o = decode_at(md, *r2, "Staking", "ErasStakersOverview", ev.overview_key);
    if (!o)
      return o.error();
    if (!*o)
      continue; // not elected in that era
    auto count = u32_of(field(**o, "page_count"), "Staking.ErasStakersOverview page_count");
    if (!count)
      return count.error();
    if (*count > max_page_count)
      return make_error(ec::decode_error, "Staking.ErasStakersOverview: " + std::to_string(*count)
                                            + " pages");
    auto c = decode_at(md, *r2, "Staking", "ClaimedRewards", ev.claimed_key);
    if (!c)
      return c.error();
    if (*c) {
      auto list = seq_of(&**c, "Staking.ClaimedRewards");
      if (!list)
        return list.error();
      for (auto& p : **list) {
        auto n = u32_of(&p, "Staking.ClaimedRewards page");
        if (!n)
          return n.error();
        claimed_pages[i].push_back(*n);
      }
    }
    for (uint32_t p = 0; p < *count; ++p) {
      auto k = key_of(md, "Staking", "ErasStakersPaged", {era_key(ev.era), account_hex(ev.validator), json(p)});
      if (!k)
        return k.error();
      pages.push_back({ev.era, ev.validator, p, *k, &claimed_pages[i]});
    }
  }
  // One request per era: whole eras share a request while they fit in
  // pages_per_request pages, and an era with more is split.
  for (size_t i = 0; i < pages.size();) {
    size_t j = i + 1;
    while (j < pages.size() && j - i < pages_per_request) {
      if (pages[j].era != pages[j - 1].era) {
        // Take the next era only if all of it fits.
        size_t end = j;
        while (end < pages.size() && pages[end].era == pages[j].era)
          ++end;
        if (end - i > pages_per_request)
          break;
      }
      ++j;
    }
    std::vector<std::string> page_keys;
    for (size_t k = i; k < j; ++k)
      page_keys.push_back(pages[k].key);
    auto r3 = read_keys(client, s.at, page_keys, {}, pages_per_request, 1);
    if (!r3)
      return r3.error();
    if (r3->storage_error)
      return r3->storage_error;
    for (size_t k = i; k < j; ++k) {
      auto& pr = pages[k];
      auto v = decode_at(md, *r3, "Staking", "ErasStakersPaged", pr.key);
      if (!v)
        return v.error();
      if (!*v)
        return make_error(ec::decode_error, "Staking.ErasStakersPaged: page " + std::to_string(pr.page)
                                              + " of era " + std::to_string(pr.era) + " for "
                                              + account_hex(pr.validator)
                                              + " is absent but counted in the overview");
      auto others = seq_of(field(**v, "others"), "Staking.ErasStakersPaged others");
      if (!others)
        return others.error();
      bool claimed = std::find(pr.claimed->begin(), pr.claimed->end(), pr.page) != pr.claimed->end();
      for (auto& stash : stashes) {
        for (auto& o : **others) {
          auto who = account_of(field(o, "who"), "Staking.ErasStakersPaged who");
          if (!who)
            return who.error();
          if (*who != stash)
            continue;
          auto value = uint_of(field(o, "value"), "Staking.ErasStakersPaged value");
          if (!value)
            return value.error();
          s.exposures.push_back({pr.era, pr.validator, pr.page, *value, claimed});
        }
      }
    }
    i = j;
  }
  return s;
}

} // namespace lstaked::kusama

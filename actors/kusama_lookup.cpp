#include "actors/kusama_lookup.hpp"

#include "actors/metrics.hpp"
#include "chain/substrate/extrinsic_id.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace lstaked {

namespace sub = chain::substrate;
using json = nlohmann::json;
using self_ptr = kusama_lookup_actor::stateful_pointer<kusama_lookup_state>;

caf::error validate(const kusama_lookup_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  if (auto id = kusama::account_id(cfg.deposit_account, "deposit_account"); !id)
    return id.error();
  if (cfg.hash_search_blocks == 0)
    return make_error(ec::invalid_config, "hash_search_blocks must be positive");
  if (cfg.database.empty())
    return make_error(ec::invalid_config,
                      "the Kusama lookup needs the ledger database (the pinned chain identity)");
  return {};
}

namespace {

// Blocks whose bodies are read per batch while searching a hash.
constexpr uint64_t hash_search_batch = 32;

// The answer for extrinsic `index` of block (`number`, `hash`): its hash,
// success and transfers to the deposit account, or UNKNOWN beyond the
// block's extrinsics. `out` already carries the heads.
caf::error describe_extrinsic(kusama_lookup_state& st, uint64_t number, const std::string& hash,
                              uint32_t index, extrinsic_lookup& out) {
  auto answers = st.client->batch({{"chain_getBlock", json::array({hash})},
                                   {"state_getStorage", json::array({kusama::events_key(), hash})}});
  if (!answers)
    return answers.error();
  for (auto& a : *answers)
    if (!a)
      return a.error();
  auto& block = *(*answers)[0];
  if (block.is_null())
    return make_error(ec::rpc_error, "the node has no block " + hash);
  auto hashes = kusama::extrinsic_hashes(block);
  if (!hashes)
    return hashes.error();
  out.block_number = number;
  out.block_hash = hash;
  out.extrinsic_index = index;
  out.finalized = number <= out.finalized_number;
  if (index >= hashes->size()) {
    out.outcome = "UNKNOWN";
    return {};
  }
  // The block's events were encoded by its parent's runtime (as polkadot-js'
  // api.at decodes them); genesis is its own parent.
  std::string parent = hash;
  if (number > 0) {
    if (!block.contains("block") || !block["block"].contains("header")
        || !block["block"]["header"].contains("parentHash")
        || !block["block"]["header"]["parentHash"].is_string())
      return make_error(ec::decode_error, "chain_getBlock: no parentHash");
    parent = block["block"]["header"]["parentHash"].get<std::string>();
  }
  auto version = st.client->call("state_getRuntimeVersion", json::array({parent}));
  if (!version)
    return version.error();
  auto rt = st.runtimes.at(*st.client, parent, *version);
  if (!rt)
    return rt.error();
  auto raw = kusama::hex_or_null(*(*answers)[1], "state_getStorage");
  if (!raw)
    return raw.error();
  auto scan = kusama::scan_events(**rt, chain::byte_view(raw->data(), raw->size()),
                                  st.deposit_account, {}, {number, hash});
  if (!scan)
    return scan.error();
  out.outcome = "FOUND";
  out.extrinsic_hash = (*hashes)[index];
  auto ok = scan->extrinsic_success.find(index);
  out.success = ok == scan->extrinsic_success.end() || ok->second;
  for (auto& d : scan->deposits)
    if (d.extrinsic_index == index)
      out.transfers.push_back({d.event_index, d.account, d.amount_planck.to_dec()});
  return {};
}

counter_metric& blocks_fetched_counter() {
  return metrics_registry::global().counter(
    "lstaked_deposit_lookup_blocks_fetched_total",
    "Block bodies the deposit lookup read from the node while searching extrinsic hashes");
}

counter_metric& view_reads_counter() {
  return metrics_registry::global().counter(
    "lstaked_deposit_lookup_view_reads_total",
    "Reads of the Kusama node's identity and heads for hash lookups (at most one per view_ttl)");
}

counter_metric& cached_answers_counter() {
  return metrics_registry::global().counter(
    "lstaked_deposit_lookup_cached_total",
    "Hash lookups answered without asking the node (negative cache)");
}

// Reads `numbers`' block hashes (best chain) and bodies, 32 per batch, into the cache.
caf::error fetch_finalized(kusama_lookup_state& st, const std::vector<uint64_t>& numbers) {
  for (size_t from = 0; from < numbers.size(); from += hash_search_batch) {
    auto to = std::min<size_t>(numbers.size(), from + hash_search_batch);
    std::vector<rpc::rpc_call> calls;
    for (size_t k = from; k < to; ++k)
      calls.push_back({"chain_getBlockHash", json::array({numbers[k]})});
    auto hashes = st.client->batch(calls);
    if (!hashes)
      return hashes.error();
    calls.clear();
    for (auto& h : *hashes) {
      if (!h)
        return h.error();
      if (!h->is_string())
        return make_error(ec::rpc_error, "no hash for a block below the best head");
      calls.push_back({"chain_getBlock", json::array({*h})});
    }
    auto blocks = st.client->batch(calls);
    if (!blocks)
      return blocks.error();
    for (size_t k = from; k < to; ++k) {
      auto& b = (*blocks)[k - from];
      if (!b)
        return b.error();
      auto in_block = kusama::extrinsic_hashes(*b);
      if (!in_block)
        return in_block.error();
      st.finalized_blocks[numbers[k]] = {(*hashes)[k - from]->get<std::string>(),
                                         std::move(*in_block)};
    }
    blocks_fetched_counter().inc(to - from);
  }
  return {};
}

// Reads the bodies of blocks above the finalized head (by hash) into the cache.
caf::error fetch_unfinalized(kusama_lookup_state& st, const std::vector<std::string>& hashes) {
  for (size_t from = 0; from < hashes.size(); from += hash_search_batch) {
    auto to = std::min<size_t>(hashes.size(), from + hash_search_batch);
    std::vector<rpc::rpc_call> calls;
    for (size_t k = from; k < to; ++k)
      calls.push_back({"chain_getBlock", json::array({hashes[k]})});
    auto blocks = st.client->batch(calls);
    if (!blocks)
      return blocks.error();
    for (size_t k = from; k < to; ++k) {
      auto& b = (*blocks)[k - from];
      if (!b)
        return b.error();
      if (b->is_null())
        return make_error(ec::rpc_error, "the node has no block " + hashes[k]);
      auto in_block = kusama::extrinsic_hashes(*b);
      if (!in_block)
        return in_block.error();
      st.unfinalized_blocks[hashes[k]] = std::move(*in_block);
    }
    blocks_fetched_counter().inc(to - from);
  }
  return {};
}

// Blocks best, best-1, ... (at most hash_search_blocks) of the view searched
// for an extrinsic hashing to `wanted`: its block and index, if found. Only
// blocks the cache lacks are read from the node (`asked_node` then set).
caf::expected<std::optional<std::pair<ledger::kusama_block_ref, uint32_t>>>
find_hash(kusama_lookup_state& st, const std::string& wanted, bool& asked_node) {
  auto& v = st.view;
  uint64_t window = std::min<uint64_t>(st.cfg.hash_search_blocks, v.best + 1);
  uint64_t lowest = v.best + 1 - window;
  // The cache holds the window and nothing older.
  st.finalized_blocks.erase(st.finalized_blocks.begin(), st.finalized_blocks.lower_bound(lowest));
  // Newest first, a batch at a time: a recent extrinsic is found after one read.
  for (uint64_t top = v.best + 1; top > lowest;) {
    uint64_t bottom = top - std::min<uint64_t>(hash_search_batch, top - lowest);
    std::vector<uint64_t> missing_numbers;
    std::vector<std::string> missing_hashes;
    for (uint64_t n = top; n-- > bottom;) {
      if (n > v.finalized) {
        auto& h = v.unfinalized.at(n);
        if (!st.unfinalized_blocks.count(h))
          missing_hashes.push_back(h);
      } else if (!st.finalized_blocks.count(n)) {
        missing_numbers.push_back(n);
      }
    }
    if (!missing_hashes.empty() || !missing_numbers.empty())
      asked_node = true;
    if (auto err = fetch_unfinalized(st, missing_hashes))
      return err;
    if (auto err = fetch_finalized(st, missing_numbers))
      return err;
    for (uint64_t n = top; n-- > bottom;) {
      const std::vector<std::string>* in_block;
      std::string hash;
      if (n > v.finalized) {
        hash = v.unfinalized.at(n);
        in_block = &st.unfinalized_blocks[hash];
      } else {
        auto& entry = st.finalized_blocks[n];
        hash = entry.first;
        in_block = &entry.second;
      }
      auto at = std::find(in_block->begin(), in_block->end(), wanted);
      if (at != in_block->end())
        return std::make_optional(std::make_pair(
          ledger::kusama_block_ref{n, hash}, static_cast<uint32_t>(at - in_block->begin())));
    }
    top = bottom;
  }
  return std::optional<std::pair<ledger::kusama_block_ref, uint32_t>>{};
}

// The node is the Kusama chain pinned in the ledger, or an ec::unavailable error.
// The node is asked first: a node that does not answer is that node's error
// (a hung node holds the lookup like any other call, which the API bounds).
caf::error check_identity(kusama_lookup_state& st) {
  auto node = kusama::node_identity(*st.client);
  if (!node)
    return node.error();
  std::optional<ledger::chain_identity> pinned;
  try {
    SQLite::Database db(st.cfg.database, SQLite::OPEN_READONLY);
    pinned = ledger::pinned_identity(db, "kusama");
  } catch (const std::exception& e) {
    return make_error(ec::unavailable, std::string("cannot read the pinned Kusama identity: ")
                                         + e.what());
  }
  if (!pinned)
    return make_error(ec::unavailable, "no Kusama identity pinned yet (the watcher pins it "
                                       "when it first reaches the node)");
  auto diff = ledger::identity_mismatch(*node, *pinned);
  if (!diff.empty())
    return make_error(ec::unavailable, diff);
  return {};
}

// The view (identity checked, heads, unfinalized hashes), re-read when older than view_ttl.
caf::error refresh_view(kusama_lookup_state& st, bool& asked_node) {
  auto now = std::chrono::steady_clock::now();
  if (st.view.valid && st.cfg.view_ttl.count() > 0 && now - st.view.read_at < st.cfg.view_ttl)
    return {};
  asked_node = true;
  st.view.valid = false;
  if (auto err = check_identity(st))
    return err;
  auto best = kusama::header_number(*st.client, json());
  if (!best)
    return best.error();
  auto finalized = kusama::finalized_number(*st.client);
  if (!finalized)
    return finalized.error();
  kusama_lookup_view v;
  v.best = *best;
  v.finalized = std::min(*finalized, *best);
  // Only the part of the window above the finalized head can change.
  uint64_t lowest_needed = v.best + 1 - std::min<uint64_t>(st.cfg.hash_search_blocks, v.best + 1);
  std::vector<rpc::rpc_call> calls;
  std::vector<uint64_t> heights;
  for (uint64_t n = std::max(v.finalized + 1, lowest_needed); n <= v.best; ++n) {
    calls.push_back({"chain_getBlockHash", json::array({n})});
    heights.push_back(n);
  }
  if (!calls.empty()) {
    auto hashes = st.client->batch(calls);
    if (!hashes)
      return hashes.error();
    for (size_t k = 0; k < heights.size(); ++k) {
      auto& h = (*hashes)[k];
      if (!h)
        return h.error();
      if (!h->is_string())
        return make_error(ec::rpc_error, "no hash for a block below the best head");
      v.unfinalized[heights[k]] = h->get<std::string>();
    }
  }
  // Bodies of blocks no longer above the finalized head, or off the best chain, go.
  for (auto it = st.unfinalized_blocks.begin(); it != st.unfinalized_blocks.end();) {
    bool kept = std::any_of(v.unfinalized.begin(), v.unfinalized.end(),
                            [&](const auto& entry) { return entry.second == it->first; });
    it = kept ? std::next(it) : st.unfinalized_blocks.erase(it);
  }
  v.valid = true;
  v.read_at = now;
  st.view = std::move(v);
  view_reads_counter().inc();
  return {};
}

caf::expected<extrinsic_lookup> lookup(kusama_lookup_state& st, const std::string& text,
                                       bool& asked_node) {
  auto id = sub::parse_extrinsic_id(text);
  if (!id)
    return id.error();
  if (id->by_hash) {
    if (auto err = refresh_view(st, asked_node))
      return err;
    extrinsic_lookup out;
    out.best_number = st.view.best;
    out.finalized_number = st.view.finalized;
    out.extrinsic_hash = id->hash;
    auto found = find_hash(st, id->hash, asked_node);
    if (!found)
      return found.error();
    if (!*found) {
      if (!asked_node)
        cached_answers_counter().inc();
      out.outcome = "UNKNOWN";
      return out;
    }
    asked_node = true;
    if (auto err = describe_extrinsic(st, (*found)->first.number, (*found)->first.hash,
                                      (*found)->second, out))
      return err;
    return out;
  }
  asked_node = true;
  if (auto err = check_identity(st))
    return err;
  extrinsic_lookup out;
  auto best = kusama::header_number(*st.client, json());
  if (!best)
    return best.error();
  auto finalized = kusama::finalized_number(*st.client);
  if (!finalized)
    return finalized.error();
  out.best_number = *best;
  out.finalized_number = *finalized;
  out.block_number = id->block_number;
  out.extrinsic_index = id->extrinsic_index;
  if (id->block_number > *best) {
    out.outcome = "FUTURE_BLOCK";
    return out;
  }
  auto hash = st.client->call("chain_getBlockHash", json::array({id->block_number}));
  if (!hash)
    return hash.error();
  if (!hash->is_string())
    return make_error(ec::rpc_error,
                      "no hash for block " + std::to_string(id->block_number) + " below the best head");
  if (auto err = describe_extrinsic(st, id->block_number, hash->get<std::string>(),
                                    id->extrinsic_index, out))
    return err;
  return out;
}

} // namespace

kusama_lookup_actor::behavior_type
kusama_lookup(kusama_lookup_actor::stateful_pointer<kusama_lookup_state> self,
              kusama_lookup_config cfg) {
  auto& st = self->state;
  auto fail = [self](caf::error err) -> kusama_lookup_actor::behavior_type {
    spdlog::error("kusama_lookup: {}", describe(err));
    self->quit(std::move(err));
    return {[](lookup_atom, const std::string&) -> caf::result<extrinsic_lookup> {
              return make_error(ec::unavailable, "the Kusama lookup stopped");
            },
            [](health_atom) {
              return actor_health{kusama_lookup_state::name, false, "stopped", 0, 0};
            }};
  };
  st.cfg = std::move(cfg);
  if (auto err = validate(st.cfg))
    return fail(std::move(err));
  st.deposit_account = *kusama::account_id(st.cfg.deposit_account, "deposit_account");
  auto client = rpc::json_rpc_client::make(st.cfg.rpc);
  if (!client)
    return fail(client.error());
  st.client = std::move(*client);
  return {
    [self](lookup_atom, const std::string& text) -> caf::result<extrinsic_lookup> {
      auto& st = self->state;
      ++st.lookups;
      bool asked_node = false;
      auto r = lookup(st, text, asked_node);
      // The node could have been swapped while the lookup read it: the answer
      // stands only if the node is still the pinned chain. (An answer from
      // the cache read nothing: the view's check stands for view_ttl.)
      if (r && asked_node)
        if (auto err = check_identity(st))
          r = std::move(err);
      if (!r) {
        st.view.valid = false; // read the node afresh next time
        // A user's malformed id says nothing about the node's health.
        if (code_of(r.error()) != ec::invalid_input) {
          st.last_error = describe(r.error());
          spdlog::warn("kusama_lookup: {}: {}", text, st.last_error);
        }
        return r.error();
      }
      st.last_error.clear();
      return std::move(*r);
    },
    [self](health_atom) {
      auto& st = self->state;
      actor_health h;
      h.name = kusama_lookup_state::name;
      h.ok = true; // a failed lookup is answered as an error; the actor stays usable
      h.detail = std::to_string(st.lookups) + " lookup(s), " + std::to_string(st.runtimes.size())
                 + " runtime(s) cached";
      if (!st.last_error.empty())
        h.detail += "; last error: " + st.last_error;
      h.mailbox = self->mailbox().size();
      return h;
    },
  };
}

caf::expected<std::optional<kusama_lookup_config>> make_kusama_lookup_config(const config& cfg) {
  if (cfg.kusama.deposit_address.empty())
    return std::optional<kusama_lookup_config>{};
  auto deposit = kusama_account_hex(cfg.kusama, cfg.kusama.deposit_address);
  if (!deposit)
    return deposit.error();
  kusama_lookup_config l;
  l.rpc.url = cfg.kusama.rpc_url;
  l.deposit_account = *deposit;
  l.database = cfg.database_path();
  l.view_ttl = std::chrono::milliseconds(1000);
  return std::optional<kusama_lookup_config>{std::move(l)};
}

child_spec kusama_lookup_child(kusama_lookup_config cfg) {
  return child_without_storage("kusama_lookup", spawn_mode::detached, kusama_lookup,
                               std::move(cfg));
}

} // namespace lstaked

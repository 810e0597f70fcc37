#include "actors/kusama_watcher.hpp"

#include "chain/substrate/events.hpp"
#include "chain/substrate/storage.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace lstaked {

namespace sub = chain::substrate;
using json = nlohmann::json;
using self_ptr = kusama_watcher_actor::stateful_pointer<kusama_watcher_state>;

caf::error validate(const kusama_watcher_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  auto raw = chain::from_hex(cfg.deposit_account);
  if (!raw || raw->size() != 32)
    return make_error(ec::invalid_config, "deposit_account must be 0x + 64 hex (an AccountId32)");
  if (cfg.max_blocks_per_step == 0)
    return make_error(ec::invalid_config, "max_blocks_per_step must be positive");
  return {};
}

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

// "0x1a" (a header number, a specVersion may also come as a JSON number).
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

void arm(self_ptr self, std::chrono::milliseconds after) {
  if (self->state.tick_armed)
    return;
  self->state.tick_armed = true;
  if (after.count() == 0)
    self->send(self, tick_atom_v);
  else
    self->delayed_send(self, after, tick_atom_v);
}

void succeeded(kusama_watcher_state& st) {
  st.last_error.clear();
  st.backoff = std::chrono::milliseconds{0};
}

void failed(self_ptr self, const caf::error& err) {
  auto& st = self->state;
  st.last_error = describe(err);
  st.backoff = st.backoff.count() == 0 ? st.cfg.error_backoff
                                       : std::min(st.backoff * 2, st.cfg.max_error_backoff);
  spdlog::warn("kusama_watcher: {} (retry in {} ms)", st.last_error, st.backoff.count());
  arm(self, st.backoff);
}

// Makes `md` the metadata of the runtime at `block_hash` if its spec version
// differs from the one in use.
caf::error ensure_runtime(kusama_watcher_state& st, const std::string& block_hash,
                          const json& runtime_version) {
  if (!runtime_version.is_object() || !runtime_version.contains("specVersion"))
    return make_error(ec::decode_error, "state_getRuntimeVersion: no specVersion");
  auto spec = parse_number(runtime_version["specVersion"]);
  if (!spec)
    return spec.error();
  if (st.md && *spec == st.spec_version)
    return {};
  auto answer = st.client->call("state_getMetadata", json::array({block_hash}));
  if (!answer)
    return answer.error();
  if (!answer->is_string())
    return make_error(ec::decode_error, "state_getMetadata did not answer a hex string");
  auto raw = chain::from_hex(answer->get<std::string>());
  if (!raw)
    return raw.error();
  auto md = sub::metadata::parse(chain::byte_view(raw->data(), raw->size()));
  if (!md)
    return md.error();
  auto key = sub::storage_key(**md, "System", "Events", {});
  if (!key)
    return key.error();
  // Fail now, not per block, if this runtime has no Balances.Transfer.
  sub::event_selector sel;
  if (auto err = sel.add(**md, "Balances", "Transfer"))
    return err;
  if (st.md)
    spdlog::info("kusama_watcher: runtime upgrade {} -> {} at {}", st.spec_version, *spec,
                 block_hash);
  st.md = *md;
  st.spec_version = static_cast<uint32_t>(*spec);
  st.events_key = chain::to_hex(chain::byte_view(key->data(), key->size()));
  return {};
}

struct fetched_block {
  ledger::kusama_block_ref ref;
  std::vector<ledger::kusama_deposit> deposits;
};

// Reads blocks [from, to] (blocking): hashes, runtime versions, events.
caf::expected<std::vector<fetched_block>> fetch_blocks(kusama_watcher_state& st, uint64_t from,
                                                       uint64_t to) {
  std::vector<rpc::rpc_call> calls;
  for (uint64_t n = from; n <= to; ++n)
    calls.push_back({"chain_getBlockHash", json::array({n})});
  auto hashes = st.client->batch(calls);
  if (!hashes)
    return hashes.error();
  std::vector<fetched_block> out;
  for (uint64_t n = from; n <= to; ++n) {
    auto& h = (*hashes)[n - from];
    if (!h)
      return h.error();
    if (!h->is_string())
      return make_error(ec::rpc_error, "no hash for finalized block " + std::to_string(n));
    out.push_back({{n, h->get<std::string>()}, {}});
  }
  calls.clear();
  for (auto& b : out)
    calls.push_back({"state_getRuntimeVersion", json::array({b.ref.hash})});
  auto versions = st.client->batch(calls);
  if (!versions)
    return versions.error();
  // Events are fetched per run of blocks under one runtime: the storage key
  // (System.Events) does not change with the runtime, the decoding does.
  for (size_t i = 0; i < out.size();) {
    auto& v = (*versions)[i];
    if (!v)
      return v.error();
    if (auto err = ensure_runtime(st, out[i].ref.hash, *v))
      return err;
    size_t end = i + 1;
    while (end < out.size()) {
      auto& w = (*versions)[end];
      if (!w || !w->is_object() || !w->contains("specVersion"))
        break;
      auto spec = parse_number((*w)["specVersion"]);
      if (!spec || *spec != st.spec_version)
        break;
      ++end;
    }
    calls.clear();
    for (size_t k = i; k < end; ++k)
      calls.push_back({"state_getStorage", json::array({st.events_key, out[k].ref.hash})});
    auto events = st.client->batch(calls);
    if (!events)
      return events.error();
    for (size_t k = i; k < end; ++k) {
      auto& e = (*events)[k - i];
      if (!e)
        return e.error();
      chain::bytes raw;
      if (e->is_string()) {
        auto parsed = chain::from_hex(e->get<std::string>());
        if (!parsed)
          return parsed.error();
        raw = std::move(*parsed);
      } else if (!e->is_null()) {
        return make_error(ec::decode_error, "state_getStorage: not a hex string");
      }
      auto deposits = find_deposits(*st.md, chain::byte_view(raw.data(), raw.size()),
                                    st.deposit_account, out[k].ref.number, out[k].ref.hash);
      if (!deposits)
        return make_error(ec::decode_error, "block " + std::to_string(out[k].ref.number) + ": "
                                              + describe(deposits.error()));
      out[k].deposits = std::move(*deposits);
    }
    i = end;
  }
  return out;
}

caf::expected<uint64_t> fetch_finalized(kusama_watcher_state& st) {
  auto head = st.client->call("chain_getFinalizedHead");
  if (!head)
    return head.error();
  auto header = st.client->call("chain_getHeader", json::array({*head}));
  if (!header)
    return header.error();
  if (!header->is_object() || !header->contains("number"))
    return make_error(ec::decode_error, "chain_getHeader: no number");
  return parse_number((*header)["number"]);
}

void step(self_ptr self);

void load_cursor(self_ptr self) {
  auto& st = self->state;
  st.busy = true;
  auto out = std::make_shared<std::optional<ledger::kusama_block_ref>>();
  write_task task{"ksm_load_cursor", write_durability::normal,
                  [out](SQLite::Database& db) { *out = ledger::kusama_cursor(db); }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then(
      [self, out](uint64_t) {
        auto& st = self->state;
        st.busy = false;
        st.loaded = true;
        st.cursor = *out;
        arm(self, std::chrono::milliseconds{0});
      },
      [self](caf::error& err) {
        self->state.busy = false;
        failed(self, err);
      });
}

void apply(self_ptr self, std::vector<fetched_block> blocks) {
  auto& st = self->state;
  st.busy = true;
  auto shared = std::make_shared<std::vector<fetched_block>>(std::move(blocks));
  auto minimum = st.cfg.minimum_planck;
  write_task task{"ksm_blocks", write_durability::full, [shared, minimum](SQLite::Database& db) {
                    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
                    for (auto& b : *shared) {
                      auto r = ledger::apply_kusama_block(db, b.ref, b.deposits, minimum, now_ms);
                      if (!r)
                        throw write_refused{r.error()};
                    }
                  }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then(
      [self, shared](uint64_t) {
        auto& st = self->state;
        st.busy = false;
        size_t deposits = 0;
        for (auto& b : *shared)
          deposits += b.deposits.size();
        st.cursor = shared->back().ref;
        st.blocks_applied += shared->size();
        st.deposits_applied += deposits;
        if (deposits > 0)
          spdlog::info("kusama_watcher: {} deposit(s) in blocks {}..{}", deposits,
                       shared->front().ref.number, shared->back().ref.number);
        succeeded(st);
        arm(self, std::chrono::milliseconds{0});
      },
      [self](caf::error& err) {
        auto& st = self->state;
        st.busy = false;
        // The stored cursor may differ from ours (another writer): reload it.
        st.loaded = false;
        failed(self, err);
      });
}

void step(self_ptr self) {
  auto& st = self->state;
  if (st.busy)
    return;
  if (!st.loaded)
    return load_cursor(self);
  auto finalized = fetch_finalized(st);
  if (!finalized)
    return failed(self, finalized.error());
  st.finalized = *finalized;
  uint64_t next = st.cursor ? st.cursor->number + 1 : st.cfg.start_block;
  if (next > st.finalized) {
    succeeded(st);
    return arm(self, st.cfg.poll_interval);
  }
  uint64_t last = std::min(st.finalized, next + st.cfg.max_blocks_per_step - 1);
  auto blocks = fetch_blocks(st, next, last);
  if (!blocks)
    return failed(self, blocks.error());
  apply(self, std::move(*blocks));
}

} // namespace

caf::expected<std::vector<ledger::kusama_deposit>>
find_deposits(const sub::metadata& md, chain::byte_view events, const chain::bytes& deposit_account,
              uint64_t block_number, const std::string& block_hash) {
  sub::event_selector sel;
  if (auto err = sel.add(md, "Balances", "Transfer"))
    return err;
  auto records = sub::decode_events(md, events, sel);
  if (!records)
    return records.error();
  std::vector<ledger::kusama_deposit> out;
  for (auto& r : *records) {
    if (!r.fields || r.pallet_name() != "Balances" || r.event_name() != "Transfer")
      continue;
    auto* from = r.fields->find("from");
    auto* to = r.fields->find("to");
    auto* amount = r.fields->find("amount");
    if (!from || !to || !amount)
      return make_error(ec::decode_error, "Balances.Transfer without from/to/amount");
    if (to->unwrap().data != deposit_account)
      continue;
    // A deposit is a user's extrinsic; a transfer from on_initialize or
    // on_finalize has no sender to credit and is not expected here.
    if (r.phase != sub::event_phase::apply_extrinsic) {
      spdlog::warn("kusama_watcher: transfer to the deposit account outside an extrinsic in block {}",
                   block_number);
      continue;
    }
    auto planck = ledger::u256::from_dec(u128_to_dec(amount->unwrap().num));
    if (!planck)
      return planck.error();
    ledger::kusama_deposit d;
    d.block_hash = block_hash;
    d.block_number = block_number;
    d.extrinsic_index = r.extrinsic_index;
    d.event_index = r.index;
    d.account = chain::to_hex(chain::byte_view(from->unwrap().data.data(), from->unwrap().data.size()));
    d.amount_planck = *planck;
    out.push_back(std::move(d));
  }
  return out;
}

kusama_watcher_actor::behavior_type
kusama_watcher(kusama_watcher_actor::stateful_pointer<kusama_watcher_state> self,
               kusama_watcher_config cfg, storage_actor storage) {
  auto& st = self->state;
  auto fail = [self](caf::error err) -> kusama_watcher_actor::behavior_type {
    spdlog::error("kusama_watcher: {}", describe(err));
    self->quit(std::move(err));
    return {[](tick_atom) {},
            [](ksm_status_atom) -> caf::result<kusama_watcher_status> {
              return caf::sec::runtime_error;
            },
            [](health_atom) {
              return actor_health{kusama_watcher_state::name, false, "stopped", 0, 0};
            }};
  };
  st.cfg = std::move(cfg);
  st.storage = std::move(storage);
  if (auto err = validate(st.cfg))
    return fail(std::move(err));
  st.deposit_account = *chain::from_hex(st.cfg.deposit_account);
  auto client = rpc::json_rpc_client::make(st.cfg.rpc);
  if (!client)
    return fail(client.error());
  st.client = std::move(*client);
  arm(self, std::chrono::milliseconds{0});
  return {
    [self](tick_atom) {
      self->state.tick_armed = false;
      step(self);
    },
    [self](ksm_status_atom) {
      auto& st = self->state;
      kusama_watcher_status s;
      s.has_cursor = st.cursor.has_value();
      if (st.cursor) {
        s.cursor = st.cursor->number;
        s.cursor_hash = st.cursor->hash;
      }
      s.finalized = st.finalized;
      uint64_t applied = st.cursor ? st.cursor->number : 0;
      s.lag = st.finalized > applied ? st.finalized - applied : 0;
      s.spec_version = st.spec_version;
      s.blocks_applied = st.blocks_applied;
      s.deposits_applied = st.deposits_applied;
      s.last_error = st.last_error;
      return s;
    },
    [self](health_atom) {
      auto& st = self->state;
      actor_health h;
      h.name = kusama_watcher_state::name;
      h.ok = st.last_error.empty();
      uint64_t applied = st.cursor ? st.cursor->number : 0;
      h.detail = "cursor " + (st.cursor ? std::to_string(applied) : std::string("none"))
                 + ", finalized " + std::to_string(st.finalized) + ", lag "
                 + std::to_string(st.finalized > applied ? st.finalized - applied : 0);
      if (!st.last_error.empty())
        h.detail += ": " + st.last_error;
      h.mailbox = self->mailbox().size();
      return h;
    },
  };
}

} // namespace lstaked

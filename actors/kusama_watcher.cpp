#include "actors/kusama_watcher.hpp"

#include "actors/metrics.hpp"
#include "chain/common/hash.hpp"
#include "chain/ethereum/amount.hpp"
#include "chain/substrate/storage.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>

namespace lstaked {

namespace sub = chain::substrate;
using json = nlohmann::json;
using self_ptr = kusama_watcher_actor::stateful_pointer<kusama_watcher_state>;

// ---- shared with the lookup -----------------------------------------------

namespace kusama {

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

std::string hex_of(const chain::bytes& b) {
  return chain::to_hex(chain::byte_view(b.data(), b.size()));
}

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
  // Staking may live on the other chain (relay vs Asset Hub): optional.
  for (auto kind : staking_kinds)
    if ((*md)->find_event("Staking", kind))
      rt->selected.add(**md, "Staking", kind);
  by_spec_[rt->spec_version] = rt;
  return runtime_ptr{rt};
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

} // namespace kusama

// ---- the watcher ----------------------------------------------------------

caf::error validate(const kusama_watcher_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  if (auto id = kusama::account_id(cfg.deposit_account, "deposit_account"); !id)
    return id.error();
  for (auto& a : cfg.pool_accounts)
    if (auto id = kusama::account_id(a, "each pool account"); !id)
      return id.error();
  if (cfg.max_blocks_per_step == 0)
    return make_error(ec::invalid_config, "max_blocks_per_step must be positive");
  return {};
}

namespace {

struct watcher_metrics {
  gauge_metric& cursor;
  gauge_metric& finalized;
  gauge_metric& lag;
  gauge_metric& blocks_per_second;
  gauge_metric& eta;
  counter_metric& blocks;
  counter_metric& credited;
  counter_metric& below_minimum;
  counter_metric& duplicate;
  counter_metric& staking_events;
  counter_metric& rpc_errors;

  static watcher_metrics& get() {
    auto& r = metrics_registry::global();
    const char* deposits_help = "Kusama deposits applied to the ledger, by outcome";
    static watcher_metrics m{
      r.gauge("lstaked_kusama_cursor_block", "Last finalized Kusama block applied to the ledger"),
      r.gauge("lstaked_kusama_finalized_block", "Last finalized Kusama block seen"),
      r.gauge("lstaked_kusama_lag_blocks", "Finalized head minus the applied cursor"),
      r.gauge("lstaked_kusama_blocks_per_second", "Blocks applied per second over the last ~5 s"),
      r.gauge("lstaked_kusama_eta_seconds", "Estimated seconds until the watcher catches up"),
      r.counter("lstaked_kusama_blocks_applied_total", "Kusama blocks applied to the ledger"),
      r.counter("lstaked_kusama_deposits_total", deposits_help, {{"status", "credited"}}),
      r.counter("lstaked_kusama_deposits_total", deposits_help, {{"status", "below_minimum"}}),
      r.counter("lstaked_kusama_deposits_total", deposits_help, {{"status", "duplicate"}}),
      r.counter("lstaked_kusama_staking_events_total", "Staking events of the pool's accounts stored"),
      r.counter("lstaked_kusama_rpc_errors_total", "Failed Kusama RPC steps of the watcher"),
    };
    return m;
  }
};

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

uint64_t lag_of(const kusama_watcher_state& st) {
  uint64_t applied = st.cursor ? st.cursor->number : 0;
  return st.finalized > applied ? st.finalized - applied : 0;
}

uint64_t eta_seconds(const kusama_watcher_state& st) {
  auto lag = lag_of(st);
  if (lag == 0 || st.blocks_per_second <= 0)
    return 0;
  return static_cast<uint64_t>(std::ceil(double(lag) / st.blocks_per_second));
}

std::string duration_text(uint64_t s) {
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lluh%02llum%02llus", (unsigned long long)(s / 3600),
                  (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%llum%02llus", (unsigned long long)(s / 60),
                  (unsigned long long)(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%llus", (unsigned long long)s);
  return buf;
}

// After a commit of `n` blocks: the rate over windows of progress_interval, the gauges, and
// one progress line per window while behind.
void progress(kusama_watcher_state& st, uint64_t n) {
  auto now = std::chrono::steady_clock::now();
  if (st.window_start == std::chrono::steady_clock::time_point{})
    st.window_start = now;
  st.window_blocks += n;
  auto elapsed = std::chrono::duration<double>(now - st.window_start).count();
  if (elapsed > 0 && elapsed >= std::chrono::duration<double>(st.cfg.progress_interval).count()) {
    st.blocks_per_second = double(st.window_blocks) / elapsed;
    st.window_start = now;
    st.window_blocks = 0;
    if (lag_of(st) > 0)
      spdlog::info("kusama catch-up: block {} of {} ({} left, {:.1f} blocks/s, ETA {})",
                   st.cursor->number, st.finalized, lag_of(st), st.blocks_per_second,
                   duration_text(eta_seconds(st)));
  }
  auto& m = watcher_metrics::get();
  m.cursor.set(static_cast<int64_t>(st.cursor->number));
  m.finalized.set(static_cast<int64_t>(st.finalized));
  m.lag.set(static_cast<int64_t>(lag_of(st)));
  m.blocks_per_second.set(std::llround(st.blocks_per_second));
  m.eta.set(static_cast<int64_t>(eta_seconds(st)));
}

// Reads blocks [from, to] (blocking), in two batches in the usual case: the
// hashes of from-1..to, then the bodies and System.Events, with the runtime
// versions at the parents of `from` and `to`. A block executes (and encodes
// its events) with the runtime of its parent's state, as polkadot-js' api.at
// decodes it; specVersions only grow, so equal versions at both ends mean one
// runtime for the whole step, and only a step that crosses an upgrade asks for
// every parent's version.
caf::expected<std::vector<kusama_fetched_block>> fetch_blocks(kusama_watcher_state& st,
                                                              uint64_t from, uint64_t to) {
  uint64_t first = from == 0 ? 0 : from - 1; // genesis is its own "parent"
  std::vector<rpc::rpc_call> calls;
  for (uint64_t n = first; n <= to; ++n)
    calls.push_back({"chain_getBlockHash", json::array({n})});
  auto hashes = st.client->batch(calls);
  if (!hashes)
    return hashes.error();
  std::vector<std::string> hash_of; // index n - first
  for (uint64_t n = first; n <= to; ++n) {
    auto& h = (*hashes)[n - first];
    if (!h)
      return h.error();
    if (!h->is_string())
      return make_error(ec::rpc_error, "no hash for finalized block " + std::to_string(n));
    hash_of.push_back(h->get<std::string>());
  }
  auto parent_hash = [&](uint64_t n) -> const std::string& {
    return hash_of[(n == 0 ? 0 : n - 1) - first];
  };
  std::vector<kusama_fetched_block> out;
  calls.clear();
  calls.push_back({"state_getRuntimeVersion", json::array({parent_hash(from)})});
  calls.push_back({"state_getRuntimeVersion", json::array({parent_hash(to)})});
  for (uint64_t n = from; n <= to; ++n) {
    out.push_back({{n, hash_of[n - first]}, {}, {}});
    calls.push_back({"chain_getBlock", json::array({out.back().ref.hash})});
    calls.push_back({"state_getStorage", json::array({kusama::events_key(), out.back().ref.hash})});
  }
  auto answers = st.client->batch(calls);
  if (!answers)
    return answers.error();
  for (auto& a : *answers)
    if (!a)
      return a.error();
  // The runtime of each block: the first one's, unless the step crosses an upgrade.
  std::vector<kusama::runtime_ptr> runtime_of(out.size());
  auto first_rt = st.runtimes.at(*st.client, parent_hash(from), *(*answers)[0]);
  if (!first_rt)
    return first_rt.error();
  auto last_rt = st.runtimes.at(*st.client, parent_hash(to), *(*answers)[1]);
  if (!last_rt)
    return last_rt.error();
  if (*first_rt == *last_rt) {
    std::fill(runtime_of.begin(), runtime_of.end(), *first_rt);
  } else {
    calls.clear();
    for (uint64_t n = from; n <= to; ++n)
      calls.push_back({"state_getRuntimeVersion", json::array({parent_hash(n)})});
    auto versions = st.client->batch(calls);
    if (!versions)
      return versions.error();
    for (uint64_t n = from; n <= to; ++n) {
      auto& v = (*versions)[n - from];
      if (!v)
        return v.error();
      auto rt = st.runtimes.at(*st.client, parent_hash(n), *v);
      if (!rt)
        return rt.error();
      runtime_of[n - from] = *rt;
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    auto& b = out[i];
    auto& body = *(*answers)[2 + 2 * i];
    auto& events = *(*answers)[3 + 2 * i];
    auto where = [&](const caf::error& err) {
      return make_error(ec::decode_error,
                        "block " + std::to_string(b.ref.number) + ": " + describe(err));
    };
    auto& rt = *runtime_of[i];
    if (st.spec_version != 0 && rt.spec_version != st.spec_version)
      spdlog::info("kusama_watcher: runtime upgrade {} -> {} at block {}", st.spec_version,
                   rt.spec_version, b.ref.number);
    st.spec_version = rt.spec_version;
    auto raw = kusama::hex_or_null(events, "state_getStorage");
    if (!raw)
      return where(raw.error());
    auto scan = kusama::scan_events(rt, chain::byte_view(raw->data(), raw->size()),
                                    st.deposit_account, st.stashes, b.ref);
    if (!scan)
      return where(scan.error());
    if (!scan->deposits.empty()) {
      auto hashes = kusama::extrinsic_hashes(body);
      if (!hashes)
        return where(hashes.error());
      for (auto& d : scan->deposits) {
        if (d.extrinsic_index >= hashes->size())
          return where(make_error(ec::decode_error, "an event names extrinsic "
                                                      + std::to_string(d.extrinsic_index)
                                                      + " beyond the block's extrinsics"));
        d.extrinsic_hash = (*hashes)[d.extrinsic_index];
      }
    }
    b.deposits = std::move(scan->deposits);
    b.staking_events = std::move(scan->staking_events);
  }
  return out;
}

void load_cursor(self_ptr self) {
  auto& st = self->state;
  st.busy = true;
  auto out = std::make_shared<std::optional<ledger::kusama_block_ref>>();
  write_task task{"ksm_load_cursor", sql::durability::normal,
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

struct applied_counts {
  uint64_t credited = 0, below_minimum = 0, duplicate = 0;
};

void apply(self_ptr self, std::vector<kusama_fetched_block> blocks) {
  auto& st = self->state;
  st.busy = true;
  st.in_flight_last = blocks.back().ref.number;
  auto shared = std::make_shared<std::vector<kusama_fetched_block>>(std::move(blocks));
  auto counts = std::make_shared<applied_counts>();
  auto minimum = st.cfg.minimum_planck;
  write_task task{"ksm_blocks", sql::durability::full,
                  [shared, counts, minimum](SQLite::Database& db) {
                    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
                    *counts = {};
                    // The writer's kept statements: nothing re-prepared per step.
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                      for (auto& b : *shared) {
                        auto r = ledger::apply_kusama_block(sc, b.ref, b.deposits, minimum, now_ms);
                        if (!r)
                          throw write_refused{r.error()};
                        for (auto o : *r)
                          ++(o == ledger::deposit_outcome::credited        ? counts->credited
                             : o == ledger::deposit_outcome::below_minimum ? counts->below_minimum
                                                                           : counts->duplicate);
                        if (auto err = ledger::record_staking_events(sc, b.staking_events, now_ms))
                          throw write_refused{err};
                      }
                    });
                  }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then(
      [self, shared, counts](uint64_t) {
        auto& st = self->state;
        st.busy = false;
        size_t deposits = 0, staking = 0;
        for (auto& b : *shared) {
          deposits += b.deposits.size();
          staking += b.staking_events.size();
        }
        st.cursor = shared->back().ref;
        st.blocks_applied += shared->size();
        st.deposits_applied += deposits;
        st.staking_events_applied += staking;
        auto& m = watcher_metrics::get();
        m.blocks.inc(shared->size());
        m.credited.inc(counts->credited);
        m.below_minimum.inc(counts->below_minimum);
        m.duplicate.inc(counts->duplicate);
        m.staking_events.inc(staking);
        if (deposits > 0 || staking > 0)
          spdlog::info("kusama_watcher: {} deposit(s), {} staking event(s) in blocks {}..{}",
                       deposits, staking, shared->front().ref.number, shared->back().ref.number);
        progress(st, shared->size());
        succeeded(st);
        arm(self, std::chrono::milliseconds{0});
      },
      [self](caf::error& err) {
        auto& st = self->state;
        st.busy = false;
        // The stored cursor may differ from ours (another writer): drop what
        // was read ahead and reload it.
        st.prefetched.reset();
        st.loaded = false;
        failed(self, err);
      });
  // Read the next blocks while this commit runs.
  arm(self, std::chrono::milliseconds{0});
}

// The first block neither applied nor in flight.
uint64_t next_block(const kusama_watcher_state& st) {
  if (st.busy)
    return st.in_flight_last + 1;
  if (st.cursor)
    return st.cursor->number + 1;
  return st.cfg.start_block == 0 ? *st.first_block : st.cfg.start_block;
}

void step(self_ptr self) {
  auto& st = self->state;
  if (!st.loaded) {
    if (!st.busy)
      load_cursor(self);
    return;
  }
  if (st.prefetched) {
    if (st.busy)
      return; // applied when the commit in flight succeeds
    auto blocks = std::move(*st.prefetched);
    st.prefetched.reset();
    if (!blocks.empty() && blocks.front().ref.number == next_block(st))
      return apply(self, std::move(blocks));
  }
  // The finalized head is re-read only when the last one seen would cut this
  // step short: during a long catch-up that saves two round trips per step.
  bool have_first = st.cursor || st.busy || st.cfg.start_block != 0 || st.first_block;
  if (!have_first || next_block(st) + st.cfg.max_blocks_per_step - 1 > st.finalized) {
    auto finalized = kusama::finalized_number(*st.client);
    if (!finalized) {
      watcher_metrics::get().rpc_errors.inc();
      return failed(self, finalized.error());
    }
    st.finalized = std::max(st.finalized, *finalized);
    watcher_metrics::get().finalized.set(static_cast<int64_t>(st.finalized));
  }
  if (!st.cursor && !st.busy && st.cfg.start_block == 0 && !st.first_block) {
    st.first_block = st.finalized;
    spdlog::info("kusama_watcher: no cursor and start_block = 0: starting at the finalized head {}",
                 st.finalized);
  }
  uint64_t next = next_block(st);
  if (next > st.finalized) {
    if (!st.busy) {
      succeeded(st);
      st.blocks_per_second = 0;
      watcher_metrics::get().blocks_per_second.set(0);
      arm(self, st.cfg.poll_interval);
    }
    return;
  }
  uint64_t last = std::min(st.finalized, next + st.cfg.max_blocks_per_step - 1);
  auto blocks = fetch_blocks(st, next, last);
  if (!blocks) {
    watcher_metrics::get().rpc_errors.inc();
    return failed(self, blocks.error());
  }
  if (st.busy)
    st.prefetched = std::move(*blocks);
  else
    apply(self, std::move(*blocks));
}

} // namespace

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
  st.deposit_account = *kusama::account_id(st.cfg.deposit_account, "deposit_account");
  st.stashes.push_back(st.deposit_account);
  for (auto& a : st.cfg.pool_accounts)
    st.stashes.push_back(*kusama::account_id(a, "pool account"));
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
      s.lag = lag_of(st);
      s.spec_version = st.spec_version;
      s.blocks_applied = st.blocks_applied;
      s.deposits_applied = st.deposits_applied;
      s.last_error = st.last_error;
      s.staking_events_applied = st.staking_events_applied;
      s.blocks_per_second = st.blocks_per_second;
      s.eta_seconds = eta_seconds(st);
      return s;
    },
    [self](health_atom) {
      auto& st = self->state;
      actor_health h;
      h.name = kusama_watcher_state::name;
      h.ok = st.last_error.empty();
      h.detail = "cursor " + (st.cursor ? std::to_string(st.cursor->number) : std::string("none"))
                 + ", finalized " + std::to_string(st.finalized) + ", lag "
                 + std::to_string(lag_of(st));
      if (!st.last_error.empty())
        h.detail += ": " + st.last_error;
      h.mailbox = self->mailbox().size();
      return h;
    },
  };
}

caf::expected<std::optional<kusama_watcher_config>>
make_kusama_watcher_config(const config& cfg) {
  if (cfg.kusama.deposit_address.empty())
    return std::optional<kusama_watcher_config>{};
  auto deposit = kusama_account_hex(cfg.kusama, cfg.kusama.deposit_address);
  if (!deposit)
    return deposit.error();
  auto minimum = chain::eth::parse_amount(cfg.kusama.minimum_deposit, chain::eth::ksm_decimals);
  if (!minimum)
    return minimum.error();
  kusama_watcher_config w;
  w.rpc.url = cfg.kusama.rpc_url;
  w.deposit_account = *deposit;
  w.start_block = cfg.kusama.start_block;
  w.minimum_planck = *minimum;
  w.max_blocks_per_step = cfg.kusama.max_blocks_per_step;
  w.poll_interval = std::chrono::milliseconds(cfg.kusama.poll_interval_ms);
  for (auto& a : cfg.kusama.pool_accounts) {
    auto hex = kusama_account_hex(cfg.kusama, a);
    if (!hex)
      return hex.error();
    w.pool_accounts.push_back(*hex);
  }
  return std::optional<kusama_watcher_config>{std::move(w)};
}

child_spec kusama_watcher_child(kusama_watcher_config cfg) {
  return child_with_storage("kusama_watcher", storage_use::restart, spawn_mode::detached,
                            kusama_watcher, std::move(cfg));
}

} // namespace lstaked

#include "actors/eth_watcher.hpp"

#include "actors/metrics.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace lstaked {

namespace {

using chain::hash256;
using chain::to_hex;
using chain::eth::u256;

struct watcher_metrics {
  gauge_metric& cursor;
  gauge_metric& final_head;
  gauge_metric& lag;
  gauge_metric& window;
  counter_metric& claims;
  counter_metric& burns;
  counter_metric& windows;
  counter_metric& rpc_errors;
  counter_metric& reorgs;
  histogram_metric& window_latency;
  static watcher_metrics& get() {
    auto& r = metrics_registry::global();
    static watcher_metrics m{
      r.gauge("lstaked_eth_cursor_block", "Last Ethereum block applied to the ledger"),
      r.gauge("lstaked_eth_final_head_block", "Last finalized (or confirmed) Ethereum block seen"),
      r.gauge("lstaked_eth_lag_blocks", "Finalized head minus the applied cursor"),
      r.gauge("lstaked_eth_window_blocks", "Current eth_getLogs window of the watcher"),
      r.counter("lstaked_eth_logs_ingested_total", "Pool events applied to the ledger",
                {{"event", "BondsClaimed"}}),
      r.counter("lstaked_eth_logs_ingested_total", "Pool events applied to the ledger",
                {{"event", "TokensBurned"}}),
      r.counter("lstaked_eth_windows_total", "Block windows applied to the ledger"),
      r.counter("lstaked_eth_rpc_errors_total", "Failed Ethereum RPC steps of the watcher"),
      r.counter("lstaked_eth_reorgs_below_finality_total",
                "Stored finalized block hashes the chain no longer has"),
      r.histogram("lstaked_eth_window_seconds",
                  "One window: RPC fetch, decode and the ledger commit"),
    };
    return m;
  }
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string address_text(const u256& word) {
  auto be = word.to_be32();
  return to_hex(chain::byte_view(be.data() + 12, 20));
}

std::string word_text(const u256& word) {
  return to_hex(word.to_be32());
}

chain::eth::event_abi parsed(const char* text) {
  // Called with constants only; a parse failure is a programmer error.
  auto e = chain::eth::parse_event(text);
  if (!e) {
    spdlog::critical("eth_watcher: bad built-in event signature {}: {}", text, describe(e.error()));
    std::abort();
  }
  return std::move(*e);
}

} // namespace

const chain::eth::event_abi& bonds_claimed_event() {
  static const auto e = parsed("BondsClaimed(uint256 indexed claimId, address indexed account, "
                                "address indexed bond, uint256 amount, uint256 shares)");
  return e;
}

const chain::eth::event_abi& tokens_burned_event() {
  static const auto e = parsed("TokensBurned(address indexed account, address indexed bond, "
                                "uint256 amount, uint256 shares, bytes32 recipient, "
                                "uint256 indexed requestId)");
  return e;
}

namespace {

// keccak-256 of the signatures, computed once (decode runs per log).
const hash256& bonds_claimed_topic() {
  static const hash256 t = bonds_claimed_event().topic0();
  return t;
}

const hash256& tokens_burned_topic() {
  static const hash256 t = tokens_burned_event().topic0();
  return t;
}

} // namespace

caf::error decode_pool_log(const rpc::eth_log& log, ledger::eth_batch& batch) {
  if (log.topics.empty())
    return make_error(ec::decode_error, "pool log without topics");
  auto tx = to_hex(log.tx_hash);
  // Only for errors: built on demand (decoding runs once per log).
  auto where = [&] { return " (tx " + tx + " log " + std::to_string(log.log_index) + ")"; };
  if (log.topics[0] == bonds_claimed_topic()) {
    auto v = chain::eth::decode_log(bonds_claimed_event(), log.topics, log.data);
    if (!v)
      return make_error(ec::decode_error, "BondsClaimed" + where() + ": " + describe(v.error()));
    ledger::eth_claim_event e;
    e.claim_id = word_text((*v)[0].word);
    e.account = address_text((*v)[1].word);
    e.amount_wei = (*v)[3].word;
    e.shares = (*v)[4].word;
    e.tx_hash = tx;
    e.log_index = log.log_index;
    e.block_number = log.block_number;
    batch.claims.push_back(std::move(e));
    return caf::none;
  }
  if (log.topics[0] == tokens_burned_topic()) {
    // The bulk of the pool's logs: decoded here word by word, with the same
    // checks as chain::eth::decode_log (which rebuilds the event's signature
    // and hashes it for every log): 3 indexed topics, exactly three data
    // words, addresses with 12 zero high bytes. The test pins the two equal.
    if (log.topics.size() != 4)
      return make_error(ec::decode_error, "TokensBurned" + where() + ": log has "
                                            + std::to_string(log.topics.size())
                                            + " topics, TokensBurned has 4");
    if (log.data.size() != 96)
      return make_error(ec::decode_error, "TokensBurned" + where() + ": data is "
                                            + std::to_string(log.data.size())
                                            + " bytes, not three words");
    auto is_address = [](const hash256& word) {
      return std::all_of(word.begin(), word.begin() + 12, [](uint8_t b) { return b == 0; });
    };
    if (!is_address(log.topics[1]) || !is_address(log.topics[2]))
      return make_error(ec::decode_error, "TokensBurned" + where() + ": address wider than 20 bytes");
    auto word = [&](size_t i) {
      return *u256::from_be(chain::byte_view(log.data.data() + 32 * i, 32));
    };
    ledger::eth_burn_event e;
    e.account = to_hex(chain::byte_view(log.topics[1].data() + 12, 20));
    e.amount_wei = word(0);
    e.shares = word(1);
    e.recipient = to_hex(chain::byte_view(log.data.data() + 64, 32));
    e.request_id = *u256::from_be(log.topics[3]);
    e.tx_hash = std::move(tx);
    e.log_index = log.log_index;
    e.block_number = log.block_number;
    batch.burns.push_back(std::move(e));
    return caf::none;
  }
  return make_error(ec::decode_error, "not a pool event" + where());
}

eth_rpc_worker_actor::behavior_type eth_rpc_worker() {
  return {[](eth_rpc_atom, eth_rpc_job& job) {
    job.run();
    return true;
  }};
}

caf::error validate(const eth_watcher_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  if (!chain::eth::parse_address(cfg.pool_address))
    return make_error(ec::invalid_config, "ethereum pool address is not an address: "
                                            + cfg.pool_address);
  if (cfg.finality != "finalized" && cfg.finality != "safe" && cfg.finality != "confirmations")
    return make_error(ec::invalid_config,
                      "ethereum finality must be finalized, safe or confirmations, not "
                        + cfg.finality);
  if (cfg.finality == "confirmations" && cfg.confirmations == 0)
    return make_error(ec::invalid_config, "ethereum confirmations must be >= 1");
  if (cfg.target_events_per_window == 0)
    return make_error(ec::invalid_config, "ethereum target_events_per_window must be >= 1");
  if (cfg.initial_window == 0 || cfg.max_window < cfg.initial_window)
    return make_error(ec::invalid_config, "ethereum windows must satisfy 1 <= initial <= max");
  if (cfg.poll_interval.count() <= 0 || cfg.error_backoff.count() <= 0
      || cfg.max_error_backoff < cfg.error_backoff || cfg.storage_timeout.count() <= 0)
    return make_error(ec::invalid_config, "ethereum watcher intervals must be > 0");
  return caf::none;
}

namespace {

using self_ptr = eth_watcher_actor::stateful_pointer<eth_watcher_state>;

void arm(self_ptr self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  if (st.tick_armed)
    return;
  st.tick_armed = true;
  if (delay.count() == 0)
    self->send(self, tick_atom_v); // more to read now: no timer round trip
  else
    self->delayed_send(self, delay, tick_atom_v);
}

void publish(eth_watcher_state& st) {
  auto& m = watcher_metrics::get();
  if (st.cursor)
    m.cursor.set(static_cast<int64_t>(st.cursor->number));
  m.final_head.set(static_cast<int64_t>(st.final_head));
  uint64_t applied = st.cursor ? st.cursor->number : (st.cfg.start_block ? st.cfg.start_block - 1 : 0);
  m.lag.set(st.final_head > applied ? static_cast<int64_t>(st.final_head - applied) : 0);
  m.window.set(static_cast<int64_t>(st.window));
}

// A failed step: remember why and try again later, backing off.
void failed(self_ptr self, const caf::error& err) {
  auto& st = self->state;
  st.last_error = describe(err);
  watcher_metrics::get().rpc_errors.inc();
  st.backoff = st.backoff.count() == 0 ? st.cfg.error_backoff
                                       : std::min(st.cfg.max_error_backoff, st.backoff * 2);
  spdlog::warn("eth_watcher: {} (retry in {} ms)", st.last_error, st.backoff.count());
  arm(self, st.backoff);
}

void succeeded(eth_watcher_state& st) {
  st.last_error.clear();
  st.backoff = std::chrono::milliseconds{0};
}

void step(self_ptr self);

void load_cursor(self_ptr self) {
  auto& st = self->state;
  st.busy = true;
  auto out = std::make_shared<std::optional<ledger::eth_block_ref>>();
  write_task task{"eth_load_cursor", sql::durability::normal,
                  [out](SQLite::Database& db) { *out = ledger::eth_cursor(db); }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then(
      [self, out](uint64_t) {
        auto& st = self->state;
        st.busy = false;
        st.loaded = true;
        st.cursor = *out;
        st.tip = *out;
        publish(st);
        step(self);
      },
      [self](caf::error& err) {
        self->state.busy = false;
        failed(self, err);
      });
}

// Reorg below finality: alarm, pause the flows that move money on the
// strength of Ethereum events, and stop. Only an operator restarts this.
void halt_on_reorg(self_ptr self, const std::string& what) {
  auto& st = self->state;
  st.halted = true;
  st.last_error = what;
  watcher_metrics::get().reorgs.inc();
  spdlog::critical("eth_watcher: {}", what);
  write_task task{"eth_reorg_alert", sql::durability::full, [what](SQLite::Database& db) {
                    ledger::halt_on_chain_break(db, "ethereum", "eth_watcher", what, now_ms());
                  }};
  st.busy = true;
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then([self](uint64_t) { self->state.busy = false; },
          [self](caf::error& err) {
            // The alert could not be stored: keep halted, say so loudly.
            self->state.busy = false;
            spdlog::critical("eth_watcher: could not store the reorg alert: {}", describe(err));
          });
}

void on_heads(self_ptr self, std::chrono::steady_clock::time_point started,
              std::optional<uint64_t> chain_id,
              caf::expected<std::vector<std::optional<rpc::eth_block_header>>> heads);
void on_window(self_ptr self, std::chrono::steady_clock::time_point started,
               std::optional<ledger::eth_block_ref> base, uint64_t head, uint64_t from, uint64_t to,
               std::chrono::steady_clock::time_point fetch_started,
               caf::expected<std::vector<caf::expected<rpc::json>>> answers);

// Runs `job` on the RPC worker (blocking HTTP happens there, so this actor
// keeps answering status and health), then `done` here.
template <class Job, class Done>
void on_worker(self_ptr self, Job job, Done done) {
  auto& st = self->state;
  st.fetching = true;
  using result_type = decltype(job());
  auto out = std::make_shared<std::optional<result_type>>();
  eth_rpc_job task{[out, job = std::move(job)]() mutable { out->emplace(job()); }};
  // No timeout: every call inside is bounded by the client's timeouts, and a
  // job must never still run while the next one starts.
  self->request(st.worker, caf::infinite, eth_rpc_atom_v, std::move(task))
    .then(
      [self, out, done = std::move(done)](bool) mutable {
        self->state.fetching = false;
        done(std::move(**out));
      },
      [self](caf::error& err) {
        self->state.fetching = false;
        failed(self, err);
      });
}

// One step: find the final head, check the cursor is still on the chain, read
// and apply the next window.
void step(self_ptr self) {
  auto& st = self->state;
  if (st.halted || st.busy || st.fetching || st.resync
      || st.inflight >= eth_watcher_state::max_inflight)
    return;
  if (!st.loaded) {
    load_cursor(self);
    return;
  }
  auto started = std::chrono::steady_clock::now();
  // 1. Final head and the chain's block at the tip, in one request. The
  //    window starts after the tip: the cursor, or the end of a window still
  //    being committed (reading the next one overlaps that commit).
  std::vector<rpc::block_id> ids;
  ids.emplace_back(st.cfg.finality == "confirmations" ? std::string("latest") : st.cfg.finality);
  if (st.tip)
    ids.emplace_back(st.tip->number);
  bool check_chain = !st.chain_checked && st.cfg.chain_id != 0;
  using heads_result = std::pair<caf::expected<std::optional<uint64_t>>,
                                 caf::expected<std::vector<std::optional<rpc::eth_block_header>>>>;
  on_worker(
    self,
    [eth = st.eth, ids, check_chain]() -> heads_result {
      caf::expected<std::optional<uint64_t>> id{std::optional<uint64_t>{}};
      if (check_chain) {
        auto got = eth->chain_id();
        if (!got)
          return {got.error(), std::vector<std::optional<rpc::eth_block_header>>{}};
        id = std::optional<uint64_t>{*got};
      }
      return {std::move(id), eth->blocks(ids)};
    },
    [self, started](heads_result r) {
      if (!r.first)
        return failed(self, r.first.error());
      on_heads(self, started, *r.first, std::move(r.second));
    });
}

void on_heads(self_ptr self, std::chrono::steady_clock::time_point started,
              std::optional<uint64_t> chain_id,
              caf::expected<std::vector<std::optional<rpc::eth_block_header>>> heads) {
  auto& st = self->state;
  if (st.halted)
    return;
  if (chain_id) {
    if (*chain_id != st.cfg.chain_id) {
      st.halted = true;
      st.last_error = "node reports chain id " + std::to_string(*chain_id) + ", expected "
                      + std::to_string(st.cfg.chain_id);
      spdlog::critical("eth_watcher: {}", st.last_error);
      return;
    }
    st.chain_checked = true;
  } else if (st.cfg.chain_id == 0) {
    st.chain_checked = true;
  }
  if (!heads)
    return failed(self, heads.error());
  if (!(*heads)[0]) {
    // No finalized block yet (a young chain): nothing is final, wait.
    succeeded(st);
    return arm(self, st.cfg.poll_interval);
  }
  uint64_t head = (*heads)[0]->number;
  if (st.cfg.finality == "confirmations")
    head = head >= st.cfg.confirmations ? head - st.cfg.confirmations : 0;
  st.final_head = std::max(st.final_head, head);
  auto& base = st.tip;
  if (base) {
    auto& at_cursor = (*heads)[1];
    if (!at_cursor || to_hex(at_cursor->hash) != base->hash) {
      return halt_on_reorg(
        self, "reorg below finality: block " + std::to_string(base->number) + " was "
                + base->hash + " when applied, the node now has "
                + (at_cursor ? to_hex(at_cursor->hash) : std::string("no such block")));
    }
  }
  uint64_t from = base ? base->number + 1 : st.cfg.start_block;
  if (from > head) {
    succeeded(st);
    publish(st);
    return arm(self, st.cfg.poll_interval);
  }
  uint64_t to = head - from + 1 > st.window ? from + st.window - 1 : head;

  // 2. The window's logs, its first block (continuity) and its last (the new
  //    cursor), in one request.
  rpc::log_filter filter;
  filter.addresses = {st.pool};
  filter.topics = {{bonds_claimed_topic(), tokens_burned_topic()}};
  filter.from_block = from;
  filter.to_block = to;
  std::vector<rpc::rpc_call> calls{
    {"eth_getLogs", rpc::json::array({rpc::to_json(filter)})},
    {"eth_getBlockByNumber", rpc::json::array({rpc::to_param(from), false})},
    {"eth_getBlockByNumber", rpc::json::array({rpc::to_param(to), false})},
  };
  auto fetch_started = std::chrono::steady_clock::now();
  on_worker(
    self, [eth = st.eth, calls]() { return eth->rpc().batch(calls); },
    [self, started, base = st.tip, head, from, to,
     fetch_started](caf::expected<std::vector<caf::expected<rpc::json>>> answers) {
      on_window(self, started, base, head, from, to, fetch_started, std::move(answers));
    });
}

/// One window on its way to storage, possibly in several parts.
struct window_progress {
  std::optional<ledger::eth_block_ref> base;      // the window was read after this block
  std::optional<ledger::eth_block_ref> last_sent; // end of the last part sent
  size_t sent = 0;
  size_t answered = 0;
  uint64_t events = 0;
  bool full_window = false;
  bool all_sent = false;      // no more parts will be sent
  bool failed = false;        // a part's transaction failed (later parts fail too)
  bool decode_failed = false; // decoding stopped; reported by failed() already
  caf::error error;
  std::chrono::steady_clock::time_point started, fetch_started, fetched, decoded;
};

void send_part(self_ptr self, std::shared_ptr<window_progress> progress,
               std::shared_ptr<ledger::eth_batch> part);
void window_done(self_ptr self, const std::shared_ptr<window_progress>& progress);

bool same_ref(const std::optional<ledger::eth_block_ref>& a,
              const std::optional<ledger::eth_block_ref>& b) {
  return a.has_value() == b.has_value() && (!a || (a->number == b->number && a->hash == b->hash));
}

void on_window(self_ptr self, std::chrono::steady_clock::time_point started,
               std::optional<ledger::eth_block_ref> base, uint64_t head, uint64_t from, uint64_t to,
               std::chrono::steady_clock::time_point fetch_started,
               caf::expected<std::vector<caf::expected<rpc::json>>> answers) {
  auto& st = self->state;
  auto fetched = std::chrono::steady_clock::now();
  if (st.halted)
    return;
  if (!st.loaded || st.resync || !same_ref(st.tip, base))
    // A window in flight failed meanwhile: this one was read after it. Drop
    // it; the cursor is reloaded from storage first.
    return arm(self, std::chrono::milliseconds{0});
  if (!answers)
    return failed(self, answers.error());
  auto& logs_answer = (*answers)[0];
  if (!logs_answer) {
    if (rpc::is_too_much_data(logs_answer.error()) && st.window > 1) {
      st.window = std::max<uint64_t>(1, st.window / 2);
      publish(st);
      spdlog::info("eth_watcher: window shrunk to {} blocks ({})", st.window,
                   describe(logs_answer.error()));
      return arm(self, std::chrono::milliseconds{0});
    }
    return failed(self, logs_answer.error());
  }
  for (size_t i = 1; i < answers->size(); ++i)
    if (!(*answers)[i])
      return failed(self, (*answers)[i].error());
  auto first = rpc::parse_block_header(*(*answers)[1]);
  auto last = rpc::parse_block_header(*(*answers)[2]);
  if (!first)
    return failed(self, first.error());
  if (!last)
    return failed(self, last.error());
  if (!*first || !*last)
    return failed(self, make_error(ec::rpc_error, "node does not have the blocks of window "
                                                    + std::to_string(from) + ".."
                                                    + std::to_string(to)));
  if (base && to_hex((*first)->parent_hash) != base->hash)
    return halt_on_reorg(self, "reorg below finality: block " + std::to_string(from)
                                 + " no longer follows the applied block "
                                 + std::to_string(base->number) + " " + base->hash);
  if (!logs_answer->is_array())
    return failed(self, make_error(ec::decode_error, "eth_getLogs answer is not an array"));

  // 3. The window's end is known: read the next window (on the worker) while
  //    this one is decoded here and committed by storage. If anything below
  //    fails, `tip` goes back to the last end handed to storage, so the
  //    prefetched window (read after `end`) is dropped when it arrives.
  ledger::eth_block_ref end{to, to_hex((*last)->hash)};
  st.tip = end;
  ++st.inflight;
  auto progress = std::make_shared<window_progress>();
  progress->base = base;
  progress->started = started;
  progress->fetch_started = fetch_started;
  progress->fetched = fetched;
  progress->full_window = to - from + 1 == st.window;
  if (end.number < head)
    step(self); // a no-op when the in-flight limit is reached; then the commit reply arms it
  // A decoding failure after some parts went to storage: those parts stay
  // valid (each one ends at a block boundary with everything before it).
  auto stop = [self, progress](const caf::error& err) {
    auto& st = self->state;
    st.tip = progress->sent > 0 ? progress->last_sent : progress->base;
    progress->all_sent = true;
    progress->decode_failed = true;
    if (progress->sent == progress->answered)
      window_done(self, progress);
    failed(self, err);
  };

  // 4. Decode, checking every log belongs to this window of this chain, and
  //    hand it to storage in parts of about target_events_per_window events,
  //    cut at block boundaries: the first parts commit while the rest is
  //    decoded. Each part is one transaction that moves the cursor to its
  //    last block (the hash of a block with events comes from its logs,
  //    checked against each other; the window's last block from its header).
  std::vector<rpc::eth_log> logs;
  logs.reserve(logs_answer->size());
  for (auto& j : *logs_answer) {
    auto log = rpc::parse_log(j);
    if (!log)
      return stop(log.error());
    logs.push_back(std::move(*log));
  }
  auto order = [](const rpc::eth_log& a, const rpc::eth_log& b) {
    return std::tie(a.block_number, a.log_index) < std::tie(b.block_number, b.log_index);
  };
  if (!std::is_sorted(logs.begin(), logs.end(), order))
    std::sort(logs.begin(), logs.end(), order);
  auto part = std::make_shared<ledger::eth_batch>();
  const chain::hash256* block_hash = nullptr; // of the block of the previous log
  uint64_t block_number = 0;
  std::string block_hash_text;
  for (size_t i = 0; i < logs.size(); ++i) {
    auto& log = logs[i];
    if (log.removed || log.emitter != st.pool || log.block_number < from || log.block_number > to)
      return stop(make_error(ec::rpc_error, "node answered a log outside the filter"));
    if (!block_hash || log.block_number != block_number) {
      block_number = log.block_number;
      block_hash = &log.block_hash;
      block_hash_text = to_hex(log.block_hash);
      if (block_number == to && block_hash_text != end.hash)
        return stop(make_error(ec::rpc_error, "log block hash differs from the header of "
                                                + std::to_string(to)));
      part->blocks.push_back({block_number, block_hash_text});
    } else if (log.block_hash != *block_hash) {
      return stop(make_error(ec::rpc_error,
                             "two hashes for block " + std::to_string(log.block_number)));
    }
    if (auto err = decode_pool_log(log, *part))
      // Our own pool's event that does not decode: never skip it (that would
      // lose a request); keep retrying and say so.
      return stop(err);
    bool block_ends = i + 1 == logs.size() || logs[i + 1].block_number != block_number;
    if (block_ends && block_number < to
        && part->claims.size() + part->burns.size() >= st.cfg.target_events_per_window) {
      part->to = {block_number, block_hash_text};
      send_part(self, progress, std::move(part));
      part = std::make_shared<ledger::eth_batch>();
    }
  }
  if (part->blocks.empty() || part->blocks.back().number != to)
    part->blocks.push_back(end);
  part->to = end;
  progress->all_sent = true;
  send_part(self, progress, std::move(part));
}

// One part of a window to storage: its transaction first checks that the
// stored cursor is where the previous part (or window) ended.
void send_part(self_ptr self, std::shared_ptr<window_progress> progress,
               std::shared_ptr<ledger::eth_batch> part) {
  auto& st = self->state;
  auto expected = progress->sent == 0 ? progress->base : progress->last_sent;
  auto events = part->claims.size() + part->burns.size();
  progress->events += events;
  progress->last_sent = part->to;
  ++progress->sent;
  if (progress->sent == 1)
    progress->decoded = std::chrono::steady_clock::now();
  write_task task{"eth_window", sql::durability::full, [part, expected](SQLite::Database& db) {
                    // The writer's kept statements: nothing re-prepared per window.
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                      if (!same_ref(ledger::eth_cursor(sc), expected))
                        throw std::runtime_error("ethereum cursor moved under the watcher");
                      if (auto err = ledger::apply_eth_batch(sc, *part, now_ms()))
                        throw std::runtime_error(describe(err));
                    });
                  }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then(
      [self, progress, part](uint64_t) {
        auto& st = self->state;
        auto& m = watcher_metrics::get();
        ++progress->answered;
        // Replies come in the order the parts were sent (one storage mailbox).
        if (!progress->failed) {
          st.cursor = part->to;
          st.logs_applied += part->claims.size() + part->burns.size();
          m.claims.inc(part->claims.size());
          m.burns.inc(part->burns.size());
        }
        if (progress->all_sent && progress->answered == progress->sent)
          window_done(self, progress);
      },
      [self, progress](caf::error& err) {
        ++progress->answered;
        if (!progress->failed) {
          progress->failed = true;
          progress->error = err;
        }
        if (progress->all_sent && progress->answered == progress->sent)
          window_done(self, progress);
      });
}

// Every part of a window is answered (or decoding stopped and the parts sent
// are answered).
void window_done(self_ptr self, const std::shared_ptr<window_progress>& progress) {
  auto& st = self->state;
  --st.inflight;
  if (progress->failed) {
    // Storage is the truth: once nothing is in flight (a window sent after
    // this one fails its cursor check too), re-read the cursor.
    st.resync = st.inflight > 0;
    if (!st.resync) {
      st.loaded = false;
      st.tip.reset();
    }
    return failed(self, progress->error);
  }
  if (progress->decode_failed)
    return; // already reported by failed(); its tick is armed
  auto now = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  spdlog::debug("eth_watcher: window ..{} ({} events, {} parts): head {:.1f} ms, fetch {:.1f} ms, "
                "decode {:.1f} ms, commit {:.1f} ms",
                progress->last_sent ? progress->last_sent->number : 0, progress->events,
                progress->sent, ms(progress->fetch_started - progress->started),
                ms(progress->fetched - progress->fetch_started),
                ms(progress->decoded - progress->fetched), ms(now - progress->decoded));
  auto& m = watcher_metrics::get();
  ++st.windows_applied;
  m.windows.inc();
  m.window_latency.observe_us(static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::microseconds>(now - progress->started).count()));
  if (progress->events > st.cfg.target_events_per_window)
    st.window = std::max<uint64_t>(1, st.window / 2);
  else if (progress->full_window && progress->events <= st.cfg.target_events_per_window / 2)
    st.window = std::min(st.cfg.max_window, st.window * 2);
  succeeded(st);
  publish(st);
  if (st.tip && st.tip->number < st.final_head)
    arm(self, std::chrono::milliseconds{0});
  else
    arm(self, st.cfg.poll_interval);
}

} // namespace

eth_watcher_actor::behavior_type eth_watcher(eth_watcher_actor::stateful_pointer<eth_watcher_state> self,
                                             eth_watcher_config cfg, storage_actor storage) {
  auto& st = self->state;
  auto fail = [self](caf::error err) -> eth_watcher_actor::behavior_type {
    spdlog::error("eth_watcher: {}", describe(err));
    self->quit(std::move(err));
    return {[](tick_atom) {},
            [](eth_status_atom) -> caf::result<eth_watcher_status> { return caf::sec::runtime_error; },
            [](health_atom) { return actor_health{eth_watcher_state::name, false, "stopped", 0, 0}; }};
  };
  st.cfg = std::move(cfg);
  st.storage = std::move(storage);
  st.window = st.cfg.initial_window;
  if (auto err = validate(st.cfg))
    return fail(std::move(err));
  st.pool = *chain::eth::parse_address(st.cfg.pool_address);
  auto client = rpc::eth_client::make(st.cfg.rpc);
  if (!client)
    return fail(client.error());
  st.eth = std::shared_ptr<rpc::eth_client>(std::move(*client));
  // Blocking HTTP runs on the worker; linked, so it goes when the watcher goes.
  st.worker = st.cfg.detached_rpc_worker ? self->spawn<caf::detached + caf::linked>(eth_rpc_worker)
                                         : self->spawn<caf::linked>(eth_rpc_worker);
  // Build the event descriptions now, on one thread, not lazily in handlers.
  (void)bonds_claimed_topic();
  (void)tokens_burned_topic();
  self->send(self, tick_atom_v);
  st.tick_armed = true;
  return {
    [self](tick_atom) {
      self->state.tick_armed = false;
      step(self);
    },
    [self](eth_status_atom) {
      auto& st = self->state;
      eth_watcher_status s;
      s.has_cursor = st.cursor.has_value();
      if (st.cursor) {
        s.cursor = st.cursor->number;
        s.cursor_hash = st.cursor->hash;
      }
      s.final_head = st.final_head;
      uint64_t applied = st.cursor ? st.cursor->number
                                   : (st.cfg.start_block ? st.cfg.start_block - 1 : 0);
      s.lag = st.final_head > applied ? st.final_head - applied : 0;
      s.window = st.window;
      s.windows_applied = st.windows_applied;
      s.logs_applied = st.logs_applied;
      s.halted = st.halted;
      s.last_error = st.last_error;
      return s;
    },
    [self](health_atom) {
      auto& st = self->state;
      actor_health h;
      h.name = eth_watcher_state::name;
      h.ok = !st.halted && st.last_error.empty();
      uint64_t applied = st.cursor ? st.cursor->number : 0;
      h.detail = "cursor " + (st.cursor ? std::to_string(applied) : std::string("none"))
                 + ", finalized " + std::to_string(st.final_head) + ", lag "
                 + std::to_string(st.final_head > applied ? st.final_head - applied : 0)
                 + ", window " + std::to_string(st.window);
      if (st.halted)
        h.detail += ", HALTED";
      if (!st.last_error.empty())
        h.detail += ": " + st.last_error;
      h.mailbox = self->mailbox().size();
      return h;
    },
  };
}

caf::expected<std::optional<eth_watcher_config>> make_eth_watcher_config(const config& cfg) {
  if (cfg.ethereum.pool_address.empty())
    return std::optional<eth_watcher_config>{};
  eth_watcher_config w;
  w.rpc.url = cfg.ethereum.rpc_url;
  w.pool_address = cfg.ethereum.pool_address;
  w.chain_id = cfg.ethereum.chain_id;
  w.start_block = cfg.ethereum.start_block;
  w.finality = cfg.ethereum.finality;
  w.confirmations = cfg.ethereum.confirmations;
  w.poll_interval = std::chrono::milliseconds(cfg.ethereum.poll_interval_ms);
  return std::optional<eth_watcher_config>{std::move(w)};
}

child_spec eth_watcher_child(eth_watcher_config cfg) {
  return child_with_storage("eth_watcher", storage_use::restart, spawn_mode::detached, eth_watcher,
                            std::move(cfg));
}

} // namespace lstaked

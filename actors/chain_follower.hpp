// The chain follower: the one mechanism both watchers (and later followers)
// run on. It applies a chain's finalized blocks to the ledger exactly once, in
// order; the chain-specific part is plugged in as a reader and an applier.
//
// Contract (what the follower guarantees, whatever the chain):
// - Cursor: loaded from storage (a write_task running `applier.cursor`) before
//   the first window and again after any failed commit. The ledger is the
//   truth; the follower's copy only moves after a commit.
// - Final head: `reader.head` on the RPC worker, every window when
//   `head_every_window`, else only when the head seen last would cut the next
//   window short. Nothing above it is read. Without a cursor the first block
//   is `start_block`, or (nullopt) the final head seen at first start.
// - Windows [from, to] after the tip (the cursor, or the end of a window still
//   being committed), `applier.window_blocks()` long. A window is applied only
//   if its first block's parent hash is the tip's hash, and (when the reader
//   checks it) the chain still has the tip's hash at the tip's number. Else the
//   chain broke below finality: ledger::halt_on_chain_break (critical alert,
//   the flows depending on this chain paused) in a write_task, `halted` in
//   status and health, and no more windows until an operator restarts it.
// - Identity (issue #19): the cursor-load task also loads the chain's pinned
//   identity (storage/chain_identity.hpp). The reader returns the node's
//   identity with every head (one batched call); the first head without a
//   pin pins it (a write_task) before any window is read. The head is read
//   (and the identity compared) on start, after every failed step (a
//   reconnect) and on each poll's first call. A node that is not the pinned
//   chain (or a reader's `refuse`) is the wrong chain: a critical alert and
//   the flows depending on this chain paused (ledger::halt_on_chain_break,
//   once per episode), `halted` in status, health not ok ("wrong chain:
//   genesis X, pinned Y"), the `identity_mismatch` gauge 1, and no window
//   read. Unlike a chain break it is not final: the follower keeps comparing
//   every poll and resumes from its cursor (nothing lost, continuity checked
//   as always) once the node is the pinned chain again; the paused flows stay
//   paused until an operator resumes them. A window that does not follow the
//   cursor is first checked against the identity, so a node swapped during
//   catch-up is the (recoverable) wrong chain, not a chain break.
// - Pipelined: as soon as a window is read, the next one is read on the RPC
//   worker while this one is split and committed; at most `max_inflight`
//   windows read and not yet committed. A failed commit drops whatever was
//   read after it and reloads the cursor from storage.
// - Each window goes to storage as one or more write_tasks (`applier.split`
//   emits the parts); every part's task first checks that the stored cursor is
//   where the previous part (or window) ended (`expected`), so nothing is
//   applied twice or skipped, even with a second follower on the database.
// - Per-block hooks (`follower_config::hooks`) run for every applied block, in
//   order, inside the same transaction as the cursor move: a hook's writes
//   commit with the block or not at all. A hook may throw to refuse the part.
// - Timers: a failed step retries after `error_backoff`, doubled up to
//   `max_error_backoff`; caught up, after `poll_interval`; behind, at once.
//   During catch-up one progress line per `progress_interval`:
//   "<chain> catch-up: block X of Y (Z left, N blocks/s, ETA …)".
// - Concurrency: every reader call blocks, so it runs on a linked RPC worker
//   actor (`caf::detached` in production; inline when `detached_rpc_worker`
//   is false, for the deterministic test scheduler). One reader call at a
//   time; the reader may keep state (caches) without locks. The applier and
//   the follower run on the follower's actor; `split` runs there too.
// - Not thread-safe: a chain_follower belongs to one actor's state.
#pragma once

#include "actors/actors.hpp"
#include "actors/metrics.hpp"
#include "chain/rpc/eth_client.hpp"
#include "storage/chain_identity.hpp"
#include "storage/kusama_ledger.hpp"
#include "storage/ledger.hpp"

#include <spdlog/spdlog.h>

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lstaked {

// Only between a follower and its RPC worker (not part of any public interface).
using rpc_job_atom = caf::atom_constant<caf::atom("rpcjob")>;
constexpr rpc_job_atom rpc_job_atom_v{};

/// Blocking work for a follower's RPC worker; results travel back through
/// whatever `run` captured.
struct rpc_job {
  std::function<void()> run;
};

} // namespace lstaked

// rpc_job carries a closure: it only travels between a follower and its worker.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(lstaked::rpc_job)

namespace lstaked {

/// Runs a follower's blocking reader calls off the follower's thread.
using rpc_worker_actor = caf::typed_actor<
  // Runs the job; replies when it is done.
  caf::replies_to<rpc_job_atom, rpc_job>::with<bool>>;

rpc_worker_actor::behavior_type rpc_worker();

namespace follower {

struct block_ref {
  uint64_t number = 0;
  std::string hash; // 0x + 64 hex
};

bool same(const std::optional<block_ref>& a, const std::optional<block_ref>& b);

/// One applied block as a hook sees it. The pointers are valid during the call.
struct applied_block {
  block_ref ref; // Ethereum: hash empty for a block without pool logs (no header is read for it)
  // Kusama: the block's extrinsic hashes (when the body was read; always when
  // hooks are registered), its deposits and staking events as scanned.
  const std::vector<std::string>* extrinsic_hashes = nullptr;
  const std::vector<ledger::kusama_deposit>* deposits = nullptr;
  const std::vector<ledger::staking_event>* staking_events = nullptr;
  // Kusama: each extrinsic's result (index -> success) and dispatch error
  // name when it failed ("Staking.InsufficientBond"), from System events.
  const std::map<uint32_t, bool>* extrinsic_success = nullptr;
  const std::map<uint32_t, std::string>* extrinsic_errors = nullptr;
  // Kusama: each extrinsic's Utility item outcomes ("" completed, else the
  // error name), in order (kusama::block_scan::batch_items).
  const std::map<uint32_t, std::vector<std::string>>* batch_items = nullptr;
  // Kusama: each signed extrinsic's fee as paid (TransactionFeePaid: fee + tip).
  const std::map<uint32_t, ledger::u256>* fees_paid = nullptr;
  // Ethereum: the window's pool logs of this block (log_count may be 0).
  const rpc::eth_log* logs = nullptr;
  size_t log_count = 0;
};

/// Runs inside the write transaction that applies `block` (after the ledger
/// functions for it); throw (e.g. write_refused) to roll the part back.
using block_hook = std::function<void(ledger::statement_cache&, const applied_block&)>;
using each_block_fn = std::function<void(const applied_block&)>;

/// What the reader says about the head.
struct head_answer {
  std::optional<uint64_t> final_head;  // nullopt: nothing is final yet
  bool tip_checked = false;            // the reader looked up the tip's number
  std::optional<std::string> tip_hash; // its hash there (nullopt: no such block)
  std::string refuse;                  // non-empty: the wrong chain (see `identity`)
  std::optional<ledger::chain_identity> identity; // the node's, read with the head
};

/// A window [from, to] as read (blocking) by the reader.
struct window_read {
  uint64_t from = 0, to = 0;
  std::string parent_hash; // the node's hash of block from-1 (continuity)
  block_ref last;          // block `to`: the tip once applied
  std::any data;           // the chain's own, for its applier
};

/// One write_task's worth of a window.
struct window_part {
  block_ref end;       // the cursor after this part
  uint64_t blocks = 0; // blocks it covers
  uint64_t events = 0; // events it applies (metrics, window adaptation)
  /// In the part's transaction: refuse (throw) unless the stored cursor is
  /// `expected`; apply; call `each_block` (when set) for every applied block in order.
  std::function<void(ledger::statement_cache&, const std::optional<block_ref>& expected,
                     const each_block_fn& each_block)> write;
  /// On the follower's thread after the commit: counters, metrics, a log line.
  std::function<void()> committed;
};

/// Blocking: runs on the RPC worker, one call at a time.
class chain_reader {
public:
  virtual ~chain_reader() = default;
  /// The final head, and (if it checks) the chain's hash at `tip`'s number.
  virtual caf::expected<head_answer> head(const std::optional<block_ref>& tip) = 0;
  /// Blocks [from, to] (from <= to <= the final head).
  virtual caf::expected<window_read> read(uint64_t from, uint64_t to) = 0;
};

/// The chain's ledger side: runs on the follower's thread.
class chain_applier {
public:
  virtual ~chain_applier() = default;
  /// In the cursor-load write_task: the stored cursor.
  virtual std::optional<block_ref> cursor(SQLite::Database& db) = 0;
  /// Blocks in the next window.
  virtual uint64_t window_blocks() const = 0;
  /// A failed read: true if the window was shrunk and should be read again at once.
  virtual bool shrink_after(const caf::error&) { return false; }
  /// Turns a read window into parts, emitted in order as soon as each is
  /// ready. An error stops it (parts already emitted stay valid).
  virtual caf::error split(window_read& window, const std::function<void(window_part)>& emit) = 0;
  /// A whole window committed with `events` events (adapt the window size).
  virtual void window_applied(const window_read&, uint64_t /*events*/) {}
  /// Appended to the health line (e.g. ", window 1000").
  virtual std::string health_detail() const { return {}; }
};

/// The chain's metrics (registered by `register_metrics`); null: none.
struct follower_metrics {
  gauge_metric* cursor = nullptr;
  gauge_metric* final_head = nullptr;
  gauge_metric* lag = nullptr;
  gauge_metric* window = nullptr;
  gauge_metric* blocks_per_second = nullptr;
  gauge_metric* eta = nullptr;
  counter_metric* blocks = nullptr;       // blocks applied
  counter_metric* windows = nullptr;      // windows applied
  counter_metric* rpc_errors = nullptr;   // failed reader calls
  counter_metric* chain_breaks = nullptr; // halts on a broken chain
  histogram_metric* window_latency = nullptr;
  gauge_metric* identity_mismatch = nullptr; // 1 while the node is another chain than the pinned one
};

/// A follower metric a chain names in its table.
enum class metric_slot {
  cursor, final_head, window, blocks_per_second, eta, blocks, windows, chain_breaks, window_latency
};

/// One row of a chain's metric table: the slot, the name after
/// "lstaked_<prefix>_", the HELP text.
struct metric_row {
  metric_slot slot;
  const char* suffix;
  const char* help;
};

/// Registers a chain's follower metrics: the rows of its table, and those every
/// follower has under "lstaked_<prefix>_": lag_blocks, rpc_errors_total
/// ("Failed <title> RPC steps of the watcher") and identity_mismatch.
/// Registering the same names twice returns the same series (the registry's rule).
follower_metrics register_metrics(const std::string& prefix, const std::string& title,
                                  std::initializer_list<metric_row> table);

struct follower_config {
  std::string name;        // the actor's name, for logs and health ("eth_watcher")
  std::string chain;       // "ethereum" | "kusama": progress line, halt_on_chain_break
  std::string task_prefix; // write_task names: <prefix>_load_cursor, _reorg_alert
  std::string window_task; // the window parts' write_task name
  std::optional<uint64_t> start_block; // without a cursor; nullopt: the final head at first start
  bool head_every_window = true;
  std::chrono::milliseconds poll_interval{4000};
  std::chrono::milliseconds error_backoff{1000};
  std::chrono::milliseconds max_error_backoff{60000};
  std::chrono::milliseconds storage_timeout{30000};
  std::chrono::milliseconds progress_interval{5000};
  std::vector<block_hook> hooks;
  follower_metrics metrics;
};

/// How the follower talks from inside its actor (built by `host_of`).
struct follower_host {
  std::function<void(std::chrono::milliseconds)> tick; // 0: a message now, else a timer
  std::function<void(write_task, std::function<void()>, std::function<void(caf::error&)>)> write;
  std::function<void(rpc_job, std::function<void()>, std::function<void(caf::error&)>)> fetch;
};

/// What the follower knows, for status and health.
struct follower_view {
  std::optional<block_ref> cursor;
  uint64_t final_head = 0;
  uint64_t lag = 0; // final head minus the cursor (or the block before the first one)
  bool halted = false;          // a chain break (final) or the wrong chain (until it is right again)
  std::string wrong_chain;      // non-empty while the node is not the pinned chain
  std::optional<ledger::chain_identity> pinned;
  std::string last_error;
  uint64_t windows_applied = 0, blocks_applied = 0, events_applied = 0;
  double blocks_per_second = 0;
  uint64_t eta_seconds = 0;
};

class chain_follower {
public:
  chain_follower(follower_config cfg, follower_host host, std::shared_ptr<chain_reader> reader,
                 std::shared_ptr<chain_applier> applier);
  /// Arms the first tick.
  void start();
  /// The tick handler.
  void tick();
  follower_view view() const;
  actor_health health(uint64_t mailbox) const;
  const follower_config& config() const { return cfg_; }

private:
  struct window_progress;
  void arm(std::chrono::milliseconds delay);
  void failed(const caf::error& err, bool rpc = false);
  void succeeded();
  void publish();
  void step();
  void load_cursor();
  void halt_on_break(const std::string& what);
  void alert_pruned_state();
  void confirm_break(const std::string& what);
  void pin(head_answer answer);
  void wrong_chain(const std::string& what);
  void on_head(caf::expected<head_answer> answer);
  void read_next();
  void on_window(std::optional<block_ref> base, std::chrono::steady_clock::time_point started,
                 caf::expected<window_read> window);
  void send_part(const std::shared_ptr<window_progress>& progress, window_part part);
  void window_done(const std::shared_ptr<window_progress>& progress);
  void progress(uint64_t blocks);
  std::optional<uint64_t> next_block() const;
  uint64_t lag() const;
  uint64_t eta_seconds() const;
  template <class R, class Job, class Done>
  void on_worker(Job job, Done done);

  follower_config cfg_;
  follower_host host_;
  std::shared_ptr<chain_reader> reader_;
  std::shared_ptr<chain_applier> applier_;
  std::shared_ptr<const std::vector<block_hook>> hooks_;
  bool loaded_ = false;                  // the cursor was read from storage
  std::optional<block_ref> cursor_;      // last committed block
  std::optional<block_ref> tip_;         // end of the last window read (== cursor when none in flight)
  std::optional<uint64_t> first_block_;  // start_block nullopt: fixed at the first head
  bool have_head_ = false;
  uint64_t final_head_ = 0;
  unsigned inflight_ = 0; // windows read and not fully committed
  static constexpr unsigned max_inflight = 2;
  bool resync_ = false;   // a window failed while another was in flight: wait, then reload
  bool busy_ = false;     // a cursor load or alert task is in flight
  bool fetching_ = false; // a reader call is running on the worker
  bool tick_armed_ = false;
  bool halted_ = false;
  bool pruned_alerted_ = false; // the node's pruned state was reported (once per run)
  std::optional<ledger::chain_identity> pinned_; // loaded with the cursor, or pinned at first start
  std::string wrong_chain_;      // non-empty while the node is not the pinned chain
  bool check_identity_ = true;   // the next step reads the head (and compares the identity)
  std::string last_error_;
  std::chrono::milliseconds backoff_{0};
  uint64_t windows_applied_ = 0, blocks_applied_ = 0, events_applied_ = 0;
  std::chrono::steady_clock::time_point rate_start_{};
  uint64_t rate_blocks_ = 0;
  double blocks_per_second_ = 0;
};

/// The host for a follower living in `self`'s state: ticks to `self`, writes
/// to `storage`, reader calls to a linked RPC worker spawned here.
template <class Self>
follower_host host_of(Self self, storage_actor storage, std::chrono::milliseconds storage_timeout,
                      bool detached_rpc_worker) {
  rpc_worker_actor worker = detached_rpc_worker
                              ? self->template spawn<caf::detached + caf::linked>(rpc_worker)
                              : self->template spawn<caf::linked>(rpc_worker);
  follower_host h;
  h.tick = [self](std::chrono::milliseconds delay) {
    if (delay.count() == 0)
      self->send(self, tick_atom_v); // more to read now: no timer round trip
    else
      self->delayed_send(self, delay, tick_atom_v);
  };
  h.write = [self, storage, storage_timeout](write_task task, std::function<void()> ok,
                                             std::function<void(caf::error&)> err) {
    self->request(storage, storage_timeout, write_atom_v, std::move(task))
      .then([ok = std::move(ok)](uint64_t) { ok(); }, std::move(err));
  };
  // No timeout: every reader call is bounded by its client's timeouts, and a
  // job must never still run while the next one starts.
  h.fetch = [self, worker](rpc_job job, std::function<void()> ok,
                           std::function<void(caf::error&)> err) {
    self->request(worker, caf::infinite, rpc_job_atom_v, std::move(job))
      .then([ok = std::move(ok)](bool) { ok(); }, std::move(err));
  };
  return h;
}

/// A watcher's follower: `fc` (its chain part) completed with the fields every
/// watcher config has (timers, storage timeout, hooks, detached_rpc_worker),
/// its host in `self`.
template <class Self, class WatcherConfig>
std::unique_ptr<chain_follower> make_follower(Self self, follower_config fc,
                                              const WatcherConfig& cfg, storage_actor storage,
                                              std::shared_ptr<chain_reader> reader,
                                              std::shared_ptr<chain_applier> applier) {
  fc.poll_interval = cfg.poll_interval;
  fc.error_backoff = cfg.error_backoff;
  fc.max_error_backoff = cfg.max_error_backoff;
  fc.storage_timeout = cfg.storage_timeout;
  fc.hooks = cfg.hooks;
  auto host = host_of(self, std::move(storage), cfg.storage_timeout, cfg.detached_rpc_worker);
  return std::make_unique<chain_follower>(std::move(fc), std::move(host), std::move(reader),
                                          std::move(applier));
}

/// A watcher's status with the fields every watcher status has filled from the view.
template <class Status>
Status status_of(const follower_view& v) {
  Status s;
  s.has_cursor = v.cursor.has_value();
  if (v.cursor) {
    s.cursor = v.cursor->number;
    s.cursor_hash = v.cursor->hash;
  }
  s.lag = v.lag;
  s.halted = v.halted;
  s.last_error = v.last_error;
  return s;
}

/// The behavior of a watcher whose state holds `follower` (a
/// std::unique_ptr<chain_follower>): tick, status and health. The status is
/// `status_of` the follower's view, completed by `add_status(state, view, status)`.
template <class Actor, class State, class Status, class AddStatus>
typename Actor::behavior_type
follower_behavior(typename Actor::template stateful_pointer<State> self, AddStatus add_status) {
  self->state.follower->start();
  return {
    [self](tick_atom) { self->state.follower->tick(); },
    [self, add_status](status_atom) {
      auto v = self->state.follower->view();
      auto s = status_of<Status>(v);
      add_status(self->state, v, s);
      return s;
    },
    [self](health_atom) { return self->state.follower->health(self->mailbox().size()); },
  };
}

/// The behavior of a watcher that could not start: it quits with `err`.
template <class Actor, class Status, class Self>
typename Actor::behavior_type stopped_behavior(Self self, const char* name, caf::error err) {
  spdlog::error("{}: {}", name, describe(err));
  self->quit(std::move(err));
  return {[](tick_atom) {},
          [](status_atom) -> caf::result<Status> { return caf::sec::runtime_error; },
          [name](health_atom) { return actor_health{name, false, "stopped", 0, 0}; }};
}

int64_t now_ms();

} // namespace follower
} // namespace lstaked

#include "actors/chain_follower.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace lstaked {

rpc_worker_actor::behavior_type rpc_worker() {
  return {[](rpc_job_atom, rpc_job& job) {
    job.run();
    return true;
  }};
}

namespace follower {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

follower_metrics register_metrics(const std::string& prefix, const std::string& title,
                                  std::initializer_list<metric_row> table) {
  auto& r = metrics_registry::global();
  auto name = [&](const char* suffix) { return "lstaked_" + prefix + "_" + suffix; };
  follower_metrics m;
  m.lag = &r.gauge(name("lag_blocks"), "Finalized head minus the applied cursor");
  m.rpc_errors = &r.counter(name("rpc_errors_total"), "Failed " + title + " RPC steps of the watcher");
  m.identity_mismatch = &r.gauge(name("identity_mismatch"),
                                 "1 while the " + title + " node is not the pinned chain");
  for (auto& row : table) {
    auto n = name(row.suffix);
    switch (row.slot) {
      case metric_slot::cursor: m.cursor = &r.gauge(n, row.help); break;
      case metric_slot::final_head: m.final_head = &r.gauge(n, row.help); break;
      case metric_slot::window: m.window = &r.gauge(n, row.help); break;
      case metric_slot::blocks_per_second: m.blocks_per_second = &r.gauge(n, row.help); break;
      case metric_slot::eta: m.eta = &r.gauge(n, row.help); break;
      case metric_slot::blocks: m.blocks = &r.counter(n, row.help); break;
      case metric_slot::windows: m.windows = &r.counter(n, row.help); break;
      case metric_slot::chain_breaks: m.chain_breaks = &r.counter(n, row.help); break;
      case metric_slot::window_latency: m.window_latency = &r.histogram(n, row.help); break;
    }
  }
  return m;
}

bool same(const std::optional<block_ref>& a, const std::optional<block_ref>& b) {
  return a.has_value() == b.has_value() && (!a || (a->number == b->number && a->hash == b->hash));
}

namespace {

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

template <class M, class V>
void set_gauge(M* m, V v) {
  if (m)
    m->set(static_cast<int64_t>(v));
}

template <class M>
void inc(M* m, uint64_t n = 1) {
  if (m)
    m->inc(n);
}

} // namespace

/// One window on its way to storage, possibly in several parts.
struct chain_follower::window_progress {
  std::optional<block_ref> base;      // the window was read after this block
  std::optional<block_ref> last_sent; // end of the last part sent
  window_read window;
  size_t sent = 0;
  size_t answered = 0;
  uint64_t events = 0;
  bool all_sent = false;      // no more parts will be sent
  bool failed = false;        // a part's transaction failed (later parts fail too)
  bool decode_failed = false; // splitting stopped; reported by failed() already
  caf::error error;
  std::chrono::steady_clock::time_point started, fetched, decoded;
};

chain_follower::chain_follower(follower_config cfg, follower_host host,
                               std::shared_ptr<chain_reader> reader,
                               std::shared_ptr<chain_applier> applier)
  : cfg_(std::move(cfg)), host_(std::move(host)), reader_(std::move(reader)),
    applier_(std::move(applier)),
    hooks_(std::make_shared<const std::vector<block_hook>>(cfg_.hooks)) {}

void chain_follower::start() {
  tick_armed_ = true;
  host_.tick(std::chrono::milliseconds{0});
}

void chain_follower::tick() {
  tick_armed_ = false;
  step();
}

void chain_follower::arm(std::chrono::milliseconds delay) {
  if (tick_armed_)
    return;
  tick_armed_ = true;
  host_.tick(delay);
}

// A failed step: remember why and try again later, backing off.
void chain_follower::failed(const caf::error& err, bool rpc) {
  last_error_ = describe(err);
  check_identity_ = true; // the next connection may be another node
  if (rpc)
    inc(cfg_.metrics.rpc_errors);
  backoff_ = backoff_.count() == 0 ? cfg_.error_backoff
                                   : std::min(cfg_.max_error_backoff, backoff_ * 2);
  spdlog::warn("{}: {} (retry in {} ms)", cfg_.name, last_error_, backoff_.count());
  if (rpc && !pruned_alerted_ && last_error_.find("State already discarded") != std::string::npos)
    alert_pruned_state();
  arm(backoff_);
}

// A pruned Substrate node (the default keeps the state of the last 256
// blocks, ~25 minutes) cannot serve the events of blocks further back: after
// a longer downtime the watcher would retry forever, silently. Say so once
// per run, as an alert the console shows; the retries go on (an operator
// fixes it by pointing the daemon at an archive node; nothing is skipped).
void chain_follower::alert_pruned_state() {
  pruned_alerted_ = true;
  auto what = "the node has pruned the state of a block the watcher must still read (" + last_error_
              + "): point " + cfg_.chain + ".rpc_url at an archive node (--state-pruning archive) "
              + "and restart; no block is skipped meanwhile";
  spdlog::critical("{}: {}", cfg_.name, what);
  write_task task{cfg_.task_prefix + "_pruned_alert", sql::durability::full,
                  [what, source = cfg_.name](SQLite::Database& db) {
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                      ledger::raise_alert(sc, "critical", source, what, now_ms());
                    });
                  }};
  host_.write(
    std::move(task), [] {},
    [name = cfg_.name](caf::error& err) {
      spdlog::critical("{}: could not store the pruned-state alert: {}", name, describe(err));
    });
}

void chain_follower::succeeded() {
  last_error_.clear();
  backoff_ = std::chrono::milliseconds{0};
}

std::optional<uint64_t> chain_follower::next_block() const {
  if (tip_)
    return tip_->number + 1;
  if (cfg_.start_block)
    return *cfg_.start_block;
  return first_block_;
}

uint64_t chain_follower::lag() const {
  uint64_t applied = 0;
  if (cursor_)
    applied = cursor_->number;
  else if (auto first = cfg_.start_block ? cfg_.start_block : first_block_; first && *first > 0)
    applied = *first - 1;
  return final_head_ > applied ? final_head_ - applied : 0;
}

uint64_t chain_follower::eta_seconds() const {
  auto left = lag();
  if (left == 0 || blocks_per_second_ <= 0)
    return 0;
  return static_cast<uint64_t>(std::ceil(double(left) / blocks_per_second_));
}

void chain_follower::publish() {
  auto& m = cfg_.metrics;
  if (cursor_)
    set_gauge(m.cursor, cursor_->number);
  set_gauge(m.final_head, final_head_);
  set_gauge(m.lag, lag());
  set_gauge(m.window, applier_->window_blocks());
  set_gauge(m.blocks_per_second, std::llround(blocks_per_second_));
  set_gauge(m.eta, eta_seconds());
}

// After a commit of `blocks` blocks: the rate over windows of
// progress_interval, and one progress line per window while behind.
void chain_follower::progress(uint64_t blocks) {
  auto now = std::chrono::steady_clock::now();
  if (rate_start_ == std::chrono::steady_clock::time_point{})
    rate_start_ = now;
  rate_blocks_ += blocks;
  auto elapsed = std::chrono::duration<double>(now - rate_start_).count();
  if (elapsed > 0 && elapsed >= std::chrono::duration<double>(cfg_.progress_interval).count()) {
    blocks_per_second_ = double(rate_blocks_) / elapsed;
    rate_start_ = now;
    rate_blocks_ = 0;
    if (lag() > 0)
      spdlog::info("{} catch-up: block {} of {} ({} left, {:.1f} blocks/s, ETA {})", cfg_.chain,
                   cursor_->number, final_head_, lag(), blocks_per_second_,
                   duration_text(eta_seconds()));
  }
  publish();
}

// Runs `job` (returning R) on the RPC worker (blocking calls happen there, so
// this actor keeps answering status and health), then `done(R)` here.
template <class R, class Job, class Done>
void chain_follower::on_worker(Job job, Done done) {
  fetching_ = true;
  auto out = std::make_shared<std::optional<R>>();
  rpc_job task{[out, job = std::move(job)]() mutable { out->emplace(job()); }};
  host_.fetch(
    std::move(task),
    [this, out, done = std::move(done)]() mutable {
      fetching_ = false;
      done(std::move(**out));
    },
    [this](caf::error& err) {
      fetching_ = false;
      failed(err, true);
    });
}

void chain_follower::load_cursor() {
  busy_ = true;
  auto out = std::make_shared<std::optional<block_ref>>();
  auto pin = std::make_shared<std::optional<ledger::chain_identity>>();
  write_task task{cfg_.task_prefix + "_load_cursor", sql::durability::normal,
                  [out, pin, applier = applier_, chain = cfg_.chain](SQLite::Database& db) {
                    *out = applier->cursor(db);
                    *pin = ledger::pinned_identity(db, chain);
                  }};
  host_.write(
    std::move(task),
    [this, out, pin] {
      busy_ = false;
      loaded_ = true;
      cursor_ = *out;
      tip_ = *out;
      pinned_ = *pin;
      publish();
      step();
    },
    [this](caf::error& err) {
      busy_ = false;
      failed(err);
    });
}

// The chain no longer has what was applied (a reorg below finality, or a
// window that does not follow the cursor): alarm, pause the flows that depend
// on this chain, and stop. Only an operator restarts this.
void chain_follower::halt_on_break(const std::string& what) {
  halted_ = true;
  last_error_ = what;
  inc(cfg_.metrics.chain_breaks);
  spdlog::critical("{}: {}", cfg_.name, what);
  write_task task{cfg_.task_prefix + "_reorg_alert", sql::durability::full,
                  [what, chain = cfg_.chain, source = cfg_.name](SQLite::Database& db) {
                    ledger::halt_on_chain_break(db, chain, source, what, now_ms());
                  }};
  busy_ = true;
  host_.write(
    std::move(task), [this] { busy_ = false; },
    [this](caf::error& err) {
      // The alert could not be stored: keep halted, say so loudly.
      busy_ = false;
      spdlog::critical("{}: could not store the chain-break alert: {}", cfg_.name, describe(err));
    });
}

// A window that does not follow the cursor: a chain break, unless the node is
// not the pinned chain at all (swapped during catch-up), which is recoverable.
// The identity is read again before deciding.
void chain_follower::confirm_break(const std::string& what) {
  on_worker<caf::expected<head_answer>>(
    [reader = reader_, tip = tip_] { return reader->head(tip); },
    [this, what](caf::expected<head_answer> a) {
      if (halted_)
        return;
      if (!a)
        return failed(a.error(), true); // decided on the next step, which reads it all again
      if (!a->refuse.empty())
        return wrong_chain(a->refuse);
      if (a->identity && pinned_) {
        auto diff = ledger::identity_mismatch(*a->identity, *pinned_);
        if (!diff.empty())
          return wrong_chain(diff);
      }
      halt_on_break(what);
    });
}

// First start on this chain: pin what the node says, then go on with its head.
void chain_follower::pin(head_answer answer) {
  busy_ = true;
  auto stored = std::make_shared<ledger::chain_identity>();
  write_task task{cfg_.task_prefix + "_pin_identity", sql::durability::full,
                  [stored, id = *answer.identity](SQLite::Database& db) {
                    *stored = ledger::pin_identity(db, id, now_ms());
                  }};
  host_.write(
    std::move(task),
    [this, stored, answer = std::move(answer)]() mutable {
      busy_ = false;
      pinned_ = *stored;
      spdlog::info("{}: {} pinned: genesis {}{}", cfg_.name, cfg_.chain, pinned_->genesis_hash,
                   pinned_->chain_id ? ", chain id " + std::to_string(*pinned_->chain_id)
                                     : ", " + pinned_->name);
      on_head(std::move(answer)); // compared with the pin in force (another writer's, if any)
    },
    [this](caf::error& err) {
      busy_ = false;
      failed(err);
    });
}

// The node is not the pinned chain: alarm and pause once per episode, read no
// window, and look again every poll.
void chain_follower::wrong_chain(const std::string& what) {
  bool first = wrong_chain_.empty();
  wrong_chain_ = what;
  last_error_ = what;
  check_identity_ = true;
  set_gauge(cfg_.metrics.identity_mismatch, 1);
  if (!first) {
    spdlog::warn("{}: still {}", cfg_.name, what);
    return arm(cfg_.poll_interval);
  }
  spdlog::critical("{}: {}: nothing is applied; the flows depending on {} are paused", cfg_.name,
                   what, cfg_.chain);
  busy_ = true;
  write_task task{cfg_.task_prefix + "_wrong_chain_alert", sql::durability::full,
                  [what, chain = cfg_.chain, source = cfg_.name](SQLite::Database& db) {
                    ledger::halt_on_chain_break(db, chain, source, what, now_ms());
                  }};
  host_.write(
    std::move(task),
    [this] {
      busy_ = false;
      arm(cfg_.poll_interval);
    },
    [this](caf::error& err) {
      // Not stored: say so, and try again on the next look (still the first episode).
      busy_ = false;
      wrong_chain_.clear();
      spdlog::critical("{}: could not store the wrong-chain alert: {}", cfg_.name, describe(err));
      arm(cfg_.error_backoff);
    });
}

// One step: the final head (when needed), then the next window.
void chain_follower::step() {
  if (halted_ || busy_ || fetching_ || resync_ || inflight_ >= max_inflight)
    return;
  if (!loaded_)
    return load_cursor();
  auto next = next_block();
  bool need_head = check_identity_ || !wrong_chain_.empty() || cfg_.head_every_window
                   || !have_head_ || !next
                   || *next + applier_->window_blocks() - 1 > final_head_;
  if (!need_head)
    return read_next();
  on_worker<caf::expected<head_answer>>([reader = reader_, tip = tip_] { return reader->head(tip); },
                                        [this](caf::expected<head_answer> a) {
                                          on_head(std::move(a));
                                        });
}

void chain_follower::on_head(caf::expected<head_answer> answer) {
  if (halted_)
    return;
  if (!answer)
    return failed(answer.error(), true);
  if (!answer->refuse.empty())
    return wrong_chain(answer->refuse);
  if (answer->identity) {
    if (!pinned_)
      return pin(std::move(*answer));
    auto diff = ledger::identity_mismatch(*answer->identity, *pinned_);
    if (!diff.empty())
      return wrong_chain(diff);
  }
  if (!wrong_chain_.empty()) {
    spdlog::warn("{}: the node is the pinned {} chain again: following resumes at the cursor; "
                 "the paused flows stay paused until an operator resumes them",
                 cfg_.name, cfg_.chain);
    wrong_chain_.clear();
    last_error_.clear();
  }
  set_gauge(cfg_.metrics.identity_mismatch, 0);
  check_identity_ = false;
  if (!answer->final_head) {
    // Nothing is final yet (a young chain): wait.
    succeeded();
    return arm(cfg_.poll_interval);
  }
  have_head_ = true;
  final_head_ = std::max(final_head_, *answer->final_head);
  set_gauge(cfg_.metrics.final_head, final_head_);
  if (tip_ && answer->tip_checked && answer->tip_hash != tip_->hash)
    return halt_on_break("reorg below finality: block " + std::to_string(tip_->number) + " was "
                         + tip_->hash + " when applied, the node now has "
                         + (answer->tip_hash ? *answer->tip_hash : std::string("no such block")));
  if (!tip_ && !cfg_.start_block && !first_block_) {
    first_block_ = final_head_;
    spdlog::info("{}: no cursor and start_block = 0: starting at the finalized head {}", cfg_.name,
                 final_head_);
  }
  read_next();
}

void chain_follower::read_next() {
  uint64_t from = *next_block();
  if (from > final_head_) {
    succeeded();
    blocks_per_second_ = 0;
    publish();
    check_identity_ = true; // each poll's first call compares the identity
    return arm(cfg_.poll_interval);
  }
  uint64_t window = std::max<uint64_t>(1, applier_->window_blocks());
  uint64_t to = final_head_ - from + 1 > window ? from + window - 1 : final_head_;
  auto started = std::chrono::steady_clock::now();
  on_worker<caf::expected<window_read>>(
    [reader = reader_, from, to] { return reader->read(from, to); },
    [this, base = tip_, started](caf::expected<window_read> w) {
      on_window(base, started, std::move(w));
    });
}

void chain_follower::on_window(std::optional<block_ref> base,
                               std::chrono::steady_clock::time_point started,
                               caf::expected<window_read> window) {
  auto fetched = std::chrono::steady_clock::now();
  if (halted_)
    return;
  if (!loaded_ || resync_ || !same(tip_, base))
    // A window in flight failed meanwhile: this one was read after it. Drop
    // it; the cursor is reloaded from storage first.
    return arm(std::chrono::milliseconds{0});
  if (!window) {
    if (applier_->shrink_after(window.error())) {
      publish();
      return arm(std::chrono::milliseconds{0});
    }
    return failed(window.error(), true);
  }
  if (base && window->parent_hash != base->hash)
    return confirm_break("reorg below finality: block " + std::to_string(window->from)
                         + " no longer follows the applied block " + std::to_string(base->number)
                         + " " + base->hash);

  // The window's end is known: read the next window (on the worker) while
  // this one is split here and committed by storage. If splitting fails,
  // `tip` goes back to the last end handed to storage, so the prefetched
  // window (read after the end) is dropped when it arrives.
  tip_ = window->last;
  ++inflight_;
  auto progress = std::make_shared<window_progress>();
  progress->base = base;
  progress->started = started;
  progress->fetched = fetched;
  progress->window = std::move(*window);
  if (tip_->number < final_head_)
    step(); // a no-op when the in-flight limit is reached; then the commit reply arms it
  auto err = applier_->split(progress->window,
                             [this, progress](window_part part) { send_part(progress, std::move(part)); });
  progress->all_sent = true;
  if (err) {
    tip_ = progress->sent > 0 ? progress->last_sent : progress->base;
    progress->decode_failed = true;
    if (progress->sent == progress->answered)
      window_done(progress);
    failed(err);
  }
}

// One part of a window to storage: its transaction first checks that the
// stored cursor is where the previous part (or window) ended.
void chain_follower::send_part(const std::shared_ptr<window_progress>& progress,
                               window_part part) {
  auto expected = progress->sent == 0 ? progress->base : progress->last_sent;
  progress->events += part.events;
  progress->last_sent = part.end;
  ++progress->sent;
  if (progress->sent == 1)
    progress->decoded = std::chrono::steady_clock::now();
  auto shared = std::make_shared<window_part>(std::move(part));
  write_task task{cfg_.window_task, sql::durability::full,
                  [shared, expected, hooks = hooks_](SQLite::Database& db) {
                    // The writer's kept statements: nothing re-prepared per window.
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                      each_block_fn each;
                      if (!hooks->empty())
                        each = [&](const applied_block& b) {
                          for (auto& hook : *hooks)
                            hook(sc, b);
                        };
                      shared->write(sc, expected, each);
                    });
                  }};
  host_.write(
    std::move(task),
    [this, progress, shared] {
      ++progress->answered;
      // Replies come in the order the parts were sent (one storage mailbox).
      if (!progress->failed) {
        cursor_ = shared->end;
        blocks_applied_ += shared->blocks;
        events_applied_ += shared->events;
        inc(cfg_.metrics.blocks, shared->blocks);
        if (shared->committed)
          shared->committed();
        this->progress(shared->blocks);
      }
      if (progress->all_sent && progress->answered == progress->sent)
        window_done(progress);
    },
    [this, progress](caf::error& err) {
      ++progress->answered;
      if (!progress->failed) {
        progress->failed = true;
        progress->error = err;
      }
      if (progress->all_sent && progress->answered == progress->sent)
        window_done(progress);
    });
}

// Every part of a window is answered (or splitting stopped and the parts sent
// are answered).
void chain_follower::window_done(const std::shared_ptr<window_progress>& progress) {
  --inflight_;
  if (progress->failed) {
    // Storage is the truth: once nothing is in flight (a window sent after
    // this one fails its cursor check too), re-read the cursor.
    resync_ = inflight_ > 0;
    if (!resync_) {
      loaded_ = false;
      tip_.reset();
    }
    return failed(progress->error);
  }
  if (resync_ && inflight_ == 0) {
    resync_ = false;
    loaded_ = false;
    tip_.reset();
  }
  if (progress->decode_failed)
    return; // already reported by failed(); its tick is armed
  auto now = std::chrono::steady_clock::now();
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  spdlog::debug("{}: window ..{} ({} events, {} parts): read {:.1f} ms, split {:.1f} ms, "
                "commit {:.1f} ms",
                cfg_.name, progress->last_sent ? progress->last_sent->number : 0, progress->events,
                progress->sent, ms(progress->fetched - progress->started),
                ms(progress->decoded - progress->fetched), ms(now - progress->decoded));
  ++windows_applied_;
  inc(cfg_.metrics.windows);
  if (cfg_.metrics.window_latency)
    cfg_.metrics.window_latency->observe_us(static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(now - progress->started).count()));
  applier_->window_applied(progress->window, progress->events);
  succeeded();
  publish();
  if (tip_ && tip_->number < final_head_) {
    arm(std::chrono::milliseconds{0});
  } else {
    check_identity_ = true; // each poll's first call compares the identity
    arm(cfg_.poll_interval);
  }
}

follower_view chain_follower::view() const {
  follower_view v;
  v.cursor = cursor_;
  v.final_head = final_head_;
  v.lag = lag();
  v.halted = halted_ || !wrong_chain_.empty();
  v.wrong_chain = wrong_chain_;
  v.pinned = pinned_;
  v.last_error = last_error_;
  v.windows_applied = windows_applied_;
  v.blocks_applied = blocks_applied_;
  v.events_applied = events_applied_;
  v.blocks_per_second = blocks_per_second_;
  v.eta_seconds = eta_seconds();
  return v;
}

actor_health chain_follower::health(uint64_t mailbox) const {
  actor_health h;
  h.name = cfg_.name;
  h.ok = !halted_ && wrong_chain_.empty() && last_error_.empty();
  uint64_t applied = cursor_ ? cursor_->number : 0;
  h.detail = "cursor " + (cursor_ ? std::to_string(applied) : std::string("none")) + ", finalized "
             + std::to_string(final_head_) + ", lag "
             + std::to_string(final_head_ > applied ? final_head_ - applied : 0)
             + applier_->health_detail();
  if (halted_)
    h.detail += ", HALTED";
  if (!wrong_chain_.empty())
    h.detail += ", HALTED: " + wrong_chain_ + " (nothing is applied until the node is the pinned "
                + cfg_.chain + " chain again; the paused flows stay paused until an operator "
                + "resumes them)";
  if (!last_error_.empty() && last_error_ != wrong_chain_)
    h.detail += ": " + last_error_;
  h.mailbox = mailbox;
  return h;
}

} // namespace follower
} // namespace lstaked

// P5 (issue #14): the daemon's payout queue throughput, requests/s from
// REQUESTED to PAYING (linked to an outbox INTENT), on the daemon's own path:
// a fresh database made by the real migrations (the storage actor opens and
// migrates it), N unstake requests recorded by ledger::apply_eth_batch (as
// the Ethereum watcher records finalized TokensBurned), then the payout
// actor's write step, copied from actors/payout_queue.cpp tick() — the
// payouts flow check, queue_requested, fund_in_order, funded_batch,
// add_intent, begin_payout — sent to the storage actor as one FULL write_task
// per batch of 500 (payouts.max_batch_items) until nothing is left FUNDED.
//   - BM_payout_step: the write steps alone;
//   - BM_payout_tick: each step preceded by the tick's read transaction on a
//     read-only connection (open intents, queue totals, fee balance, refundable,
//     1000-request lookahead, the funded batch, counts), as tick() runs it.
//     What the tick reads from the chain (balances, weights) is not included:
//     that is the node's side, measured by bench_payouts.mjs;
//   - BM_raw_update (the same-run baseline): a raw SQLite connection, same
//     pragmas, the same N rows moved REQUESTED -> PAYING with one intent row
//     per 500, one FULL transaction per 500 rows; the least any queue can do.
// In the daemon a step waits for the previous payout to be final on chain
// (one payout in flight); this measures the queue's own capacity.
//   build/tools/bench_payouts/bench_payout_step [--benchmark_repetitions=3]
#include "actors/storage_actor.hpp"
#include "chain/ethereum/u256.hpp"
#include "storage/database.hpp"
#include "storage/kusama_ledger.hpp"
#include "storage/outbox.hpp"
#include "storage/payout_queue.hpp"
#include "storage/ratio_ledger.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

using namespace lstaked;
using nlohmann::json;

namespace {

constexpr size_t batch_items = 500;    // payouts.max_batch_items (the weight fit is larger)
constexpr size_t lookahead = 1000;     // payout_queue_config::lookahead
constexpr uint64_t burns_per_window = 1000;
const std::string payer = "0x" + std::string(64, 'd');

using clock_type = std::chrono::steady_clock;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::string fresh_path(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / "lstaked-bench";
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  for (auto suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path + suffix);
  return path;
}

std::string hex64(const char* prefix, uint64_t n) {
  char buf[80];
  std::snprintf(buf, sizeof buf, "0x%s%0*llx", prefix, static_cast<int>(64 - std::strlen(prefix)),
                static_cast<unsigned long long>(n));
  return buf;
}

json transfer_call(const std::string& recipient, const ledger::u256& planck) {
  return {{"Balances",
           {{"transfer_keep_alive", {{"dest", {{"Id", recipient}}}, {"value", planck.to_dec()}}}}}};
}

caf::error run(caf::scoped_actor& self, const storage_actor& storage, write_task task) {
  caf::error out;
  self->request(storage, std::chrono::seconds(120), write_atom_v, std::move(task))
    .receive([](uint64_t) {}, [&](caf::error& err) { out = std::move(err); });
  return out;
}

// N REQUESTED unstake requests, as the Ethereum watcher records them: finalized
// windows of TokensBurned, 1 KSM each (+ i planck), each to its own recipient.
caf::error record_burns(caf::scoped_actor& self, const storage_actor& storage, uint64_t n) {
  auto wei_per_planck = ledger::wei_per_planck();
  for (uint64_t first = 0; first < n; first += burns_per_window) {
    ledger::eth_batch b;
    for (uint64_t i = first; i < std::min(n, first + burns_per_window); ++i) {
      auto planck = ledger::u256{1'000'000'000'000ULL + i};
      auto wei = *chain::eth::checked_mul(planck, wei_per_planck);
      uint64_t block = 100 + i / 10; // ten burns per Ethereum block
      b.burns.push_back({ledger::u256{i + 1}, "0x" + std::string(40, '1'), wei, wei,
                         hex64("e", i), hex64("b", i), i % 10, block});
    }
    uint64_t to = 100 + (std::min(n, first + burns_per_window) - 1) / 10;
    b.to = {to, hex64("c", to)};
    caf::error refused;
    auto err = run(self, storage,
                   write_task{"bench_burns", sql::durability::full, [b, &refused](SQLite::Database& db) {
                                ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                                  refused = ledger::apply_eth_batch(sc, b, now_ms());
                                });
                              }});
    if (err || refused)
      return err ? err : refused;
  }
  return caf::none;
}

// The write step of actors/payout_queue.cpp tick(), unchanged but for its
// inputs: no holds (every recipient can be paid), `available` covers the queue.
write_task payout_step(const ledger::u256& available, uint64_t nonce,
                       std::shared_ptr<size_t> written) {
  return write_task{
    "payout_step", sql::durability::full, [available, nonce, written](SQLite::Database& db) {
      ledger::with_statements(db, [&](ledger::statement_cache& sc) {
        *written = 0;
        if (ledger::flow_paused(sc, "payouts"))
          return;
        auto now = now_ms();
        ledger::queue_requested(sc, now);
        ledger::fund_in_order(sc, available, now);
        std::vector<std::string> ids;
        json calls = json::array();
        for (auto& r : ledger::funded_batch(db, batch_items)) {
          ids.push_back(r.request_id);
          calls.push_back(transfer_call(r.recipient, r.amount_planck));
        }
        if (ids.empty())
          return;
        json call{{"pallet", "Utility"}, {"call", "force_batch"}, {"args", {{"calls", calls}}}};
        auto row = ledger::add_intent(sc, "kusama", payer, "payout", call, nonce, now);
        if (auto err = ledger::begin_payout(sc, ids, row.id, ledger::u256{}, now))
          throw write_refused(err);
        *written = ids.size();
      });
    }};
}

// The read transaction tick() runs before every step (its own connection).
size_t tick_reads(SQLite::Database& db) {
  size_t seen = 0;
  db.exec("BEGIN");
  seen += ledger::flow_paused(db, "payouts");
  seen += ledger::open_intents(db, "kusama").size();
  {
    SQLite::Statement q(db, "SELECT DISTINCT o.id FROM unstake_requests u JOIN outbox o ON o.id = u.outbox_id "
                            "WHERE u.status = 'PAYING' AND (o.status = 'REPLACED' OR "
                            "(o.status = 'FINALIZED' AND o.outcome = 'failed')) ORDER BY o.id");
    while (q.executeStep())
      ++seen;
  }
  auto totals = ledger::queue_totals_of(db);
  seen += totals.unfunded_planck.is_zero();
  ledger::with_statements(db, [&](ledger::statement_cache& sc) { seen += ledger::fee_balance(sc).is_zero(); });
  seen += ledger::refundable_planck(db).is_zero();
  seen += ledger::unstakes_in_state(db, "QUEUED", std::nullopt, lookahead).size();
  seen += ledger::unstakes_in_state(db, "REQUESTED", std::nullopt, lookahead).size();
  seen += ledger::funded_batch(db, batch_items).size();
  seen += ledger::unstake_counts(db).size();
  db.exec("COMMIT");
  return seen;
}

void daemon_path(benchmark::State& state, bool with_reads) {
  spdlog::set_level(spdlog::level::warn);
  auto n = static_cast<uint64_t>(state.range(0));
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  double ingest_seconds = 0, step_seconds = 0, first_step_seconds = 0;
  uint64_t steps = 0;
  for (auto _ : state) {
    auto path = fresh_path(with_reads ? "payout_tick.sqlite" : "payout_step.sqlite");
    auto storage = sys.spawn(lstaked::storage, storage_config{path});
    auto t0 = clock_type::now();
    if (auto err = record_burns(self, storage, n)) {
      state.SkipWithError(("recording burns: " + describe(err)).c_str());
      break;
    }
    auto t1 = clock_type::now();
    ingest_seconds += std::chrono::duration<double>(t1 - t0).count();
    std::unique_ptr<SQLite::Database> reader;
    if (with_reads) {
      auto opened = sql::open_database(path, sql::open_mode::read_only);
      if (!opened) {
        state.SkipWithError("cannot open the read connection");
        break;
      }
      reader = std::move(*opened);
    }
    // Enough for the whole queue: every request is funded at the first step.
    auto available = ledger::u256{n * 2'000'000'000'000ULL};
    uint64_t paying = 0, nonce = 0;
    auto t2 = clock_type::now();
    for (;;) {
      if (reader)
        benchmark::DoNotOptimize(tick_reads(*reader));
      auto written = std::make_shared<size_t>(0);
      if (auto err = run(self, storage, payout_step(available, nonce, written))) {
        state.SkipWithError(("payout step: " + describe(err)).c_str());
        break;
      }
      if (*written == 0)
        break;
      if (paying == 0) // the first step also queues and funds the whole queue
        first_step_seconds += std::chrono::duration<double>(clock_type::now() - t2).count();
      paying += *written;
      ++nonce;
      ++steps;
    }
    auto t3 = clock_type::now();
    auto seconds = std::chrono::duration<double>(t3 - t2).count();
    step_seconds += seconds;
    state.SetIterationTime(seconds);
    reader.reset();
    self->send_exit(storage, caf::exit_reason::user_shutdown);
    self->wait_for(storage); // closed before the next iteration removes its file
    if (paying != n) {
      state.SkipWithError(("only " + std::to_string(paying) + " of " + std::to_string(n)
                           + " requests reached PAYING").c_str());
      break;
    }
  }
  auto iters = static_cast<double>(state.iterations());
  state.counters["requests/s"] = benchmark::Counter(iters * n / step_seconds);
  state.counters["intents/s"] = benchmark::Counter(steps / step_seconds);
  state.counters["burns_recorded/s"] = benchmark::Counter(iters * n / ingest_seconds);
  state.counters["first_step_ms"] = benchmark::Counter(1000 * first_step_seconds / iters);
}

// Baseline: the same N rows REQUESTED -> PAYING on a raw connection, one intent
// row and one FULL transaction per 500 rows, nothing else.
void raw_update(benchmark::State& state) {
  spdlog::set_level(spdlog::level::warn);
  auto n = static_cast<int64_t>(state.range(0));
  double seconds_total = 0;
  for (auto _ : state) {
    auto opened = sql::open_database(fresh_path("raw_update.sqlite"), sql::open_mode::read_write);
    if (!opened || !sql::migrate(**opened)) {
      state.SkipWithError("cannot open database");
      break;
    }
    auto& db = **opened;
    db.exec("CREATE TABLE bench_requests (id INTEGER PRIMARY KEY, status TEXT NOT NULL, "
            "intent_id INTEGER, batch_index INTEGER, updated_at INTEGER)");
    db.exec("CREATE TABLE bench_intents (id INTEGER PRIMARY KEY, nonce INTEGER, created_at INTEGER)");
    {
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement ins(db, "INSERT INTO bench_requests (id, status) VALUES (?, 'REQUESTED')");
      for (int64_t i = 0; i < n; ++i) {
        ins.bind(1, i);
        ins.exec();
        ins.reset();
      }
      tx.commit();
    }
    sql::set_durability(db, sql::durability::full);
    SQLite::Statement intent(db, "INSERT INTO bench_intents (nonce, created_at) VALUES (?, ?)");
    SQLite::Statement upd(db, "UPDATE bench_requests SET status = 'PAYING', intent_id = ?, "
                              "batch_index = ?, updated_at = ? WHERE id = ? AND status = 'REQUESTED'");
    auto t0 = clock_type::now();
    int64_t moved = 0;
    for (int64_t first = 0, nonce = 0; first < n; first += batch_items, ++nonce) {
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      intent.bind(1, nonce);
      intent.bind(2, now_ms());
      intent.exec();
      intent.reset();
      auto id = db.getLastInsertRowid();
      for (int64_t i = first; i < std::min<int64_t>(n, first + batch_items); ++i) {
        upd.bind(1, id);
        upd.bind(2, i - first);
        upd.bind(3, now_ms());
        upd.bind(4, i);
        moved += upd.exec();
        upd.reset();
      }
      tx.commit();
    }
    auto seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
    seconds_total += seconds;
    state.SetIterationTime(seconds);
    if (moved != n) {
      state.SkipWithError("not every row moved");
      break;
    }
  }
  state.counters["requests/s"] =
    benchmark::Counter(static_cast<double>(state.iterations()) * n / seconds_total);
}

void BM_payout_step(benchmark::State& s) { daemon_path(s, false); }
void BM_payout_tick(benchmark::State& s) { daemon_path(s, true); }
void BM_raw_update(benchmark::State& s) { raw_update(s); }

} // namespace

BENCHMARK(BM_payout_step)->Arg(5000)->Arg(20000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_payout_tick)->Arg(5000)->Arg(20000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_raw_update)->Arg(5000)->Arg(20000)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK_MAIN();

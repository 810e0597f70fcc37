// Storage actor commit rates: single-row transactions at FULL and NORMAL
// durability, and 1000-row batches, each next to the same workload on a raw
// SQLite connection in the same run (the baseline: what the actor costs).
//   build/tools/bench_storage/bench_storage [--benchmark_min_time=2]
#include "storage/database.hpp"
#include "actors/storage_actor.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>

using namespace lstaked;

namespace {

std::string fresh_path(const char* name) {
  auto dir = std::filesystem::temp_directory_path() / "lstaked-bench";
  std::filesystem::create_directories(dir);
  auto path = (dir / name).string();
  for (auto suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path + suffix);
  return path;
}

void insert_rows(SQLite::Database& db, int64_t rows, int64_t& next) {
  SQLite::Statement q(db, "INSERT INTO alerts (created_at, severity, source, message) "
                          "VALUES (?, 'info', 'bench', 'row')");
  for (int64_t i = 0; i < rows; ++i) {
    q.bind(1, next++);
    q.exec();
    q.reset();
  }
}

void via_actor(benchmark::State& state, sql::durability durability, int64_t rows) {
  spdlog::set_level(spdlog::level::warn);
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{cfg};
  auto aut = sys.spawn(storage, storage_config{fresh_path("actor.sqlite")});
  caf::scoped_actor self{sys};
  int64_t next = 0;
  for (auto _ : state) {
    write_task task{"bench", durability,
                    [rows, &next](SQLite::Database& db) { insert_rows(db, rows, next); }};
    self->request(aut, std::chrono::seconds(30), write_atom_v, std::move(task))
      .receive([](uint64_t) {}, [&](caf::error& err) { state.SkipWithError(describe(err).c_str()); });
  }
  state.counters["commits/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                   benchmark::Counter::kIsRate);
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(state.iterations() * rows),
                                                benchmark::Counter::kIsRate);
  self->send_exit(aut, caf::exit_reason::user_shutdown);
}

void raw_sqlite(benchmark::State& state, sql::durability durability, int64_t rows) {
  spdlog::set_level(spdlog::level::warn);
  auto db = sql::open_database(fresh_path("raw.sqlite"), sql::open_mode::read_write);
  if (!db || !sql::migrate(**db)) {
    state.SkipWithError("cannot open database");
    return;
  }
  sql::set_durability(**db, durability);
  int64_t next = 0;
  for (auto _ : state) {
    SQLite::Transaction tx(**db, SQLite::TransactionBehavior::IMMEDIATE);
    insert_rows(**db, rows, next);
    tx.commit();
  }
  state.counters["commits/s"] = benchmark::Counter(static_cast<double>(state.iterations()),
                                                   benchmark::Counter::kIsRate);
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(state.iterations() * rows),
                                                benchmark::Counter::kIsRate);
}

void BM_actor_1row_full(benchmark::State& s) { via_actor(s, sql::durability::full, 1); }
void BM_raw_1row_full(benchmark::State& s) { raw_sqlite(s, sql::durability::full, 1); }
void BM_actor_1row_normal(benchmark::State& s) { via_actor(s, sql::durability::normal, 1); }
void BM_raw_1row_normal(benchmark::State& s) { raw_sqlite(s, sql::durability::normal, 1); }
void BM_actor_1000rows_full(benchmark::State& s) { via_actor(s, sql::durability::full, 1000); }
void BM_raw_1000rows_full(benchmark::State& s) { raw_sqlite(s, sql::durability::full, 1000); }

} // namespace

BENCHMARK(BM_actor_1row_full)->UseRealTime();
BENCHMARK(BM_raw_1row_full)->UseRealTime();
BENCHMARK(BM_actor_1row_normal)->UseRealTime();
BENCHMARK(BM_raw_1row_normal)->UseRealTime();
BENCHMARK(BM_actor_1000rows_full)->UseRealTime();
BENCHMARK(BM_raw_1000rows_full)->UseRealTime();
BENCHMARK_MAIN();

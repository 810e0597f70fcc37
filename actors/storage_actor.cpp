#include "actors/storage_actor.hpp"

#include "actors/metrics.hpp"
#include "storage/database.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <spdlog/spdlog.h>

#include <chrono>

namespace lstaked {

caf::error validate(const storage_config& cfg) {
  if (cfg.path.empty())
    return make_error(ec::invalid_config, "storage path is empty");
  return caf::none;
}

namespace {

struct storage_metrics {
  histogram_metric& commit_latency;
  counter_metric& commits_full;
  counter_metric& commits_normal;
  counter_metric& failures;
  gauge_metric& mailbox;
  static storage_metrics& get() {
    auto& r = metrics_registry::global();
    static storage_metrics m{
      r.histogram("lstaked_sqlite_commit_seconds",
                  "Time from BEGIN to durable COMMIT of one storage transaction"),
      r.counter("lstaked_sqlite_commits_total", "Storage transactions committed",
                {{"durability", "full"}}),
      r.counter("lstaked_sqlite_commits_total", "Storage transactions committed",
                {{"durability", "normal"}}),
      r.counter("lstaked_sqlite_failed_tasks_total", "Storage tasks rolled back"),
      r.gauge("lstaked_actor_mailbox_messages", "Messages waiting in an actor's mailbox",
              {{"actor", "storage"}}),
    };
    return m;
  }
};

} // namespace

storage_actor::behavior_type storage(storage_actor::stateful_pointer<storage_state> self,
                                     storage_config cfg) {
  auto fail = [self](caf::error err) -> storage_actor::behavior_type {
    spdlog::error("storage: {}", describe(err));
    self->quit(std::move(err));
    return {[](write_atom, write_task&) -> caf::result<uint64_t> { return caf::sec::runtime_error; },
            [](checkpoint_atom) -> caf::result<int64_t> { return caf::sec::runtime_error; },
            [](health_atom) { return actor_health{storage_state::name, false, "stopped", 0, 0}; }};
  };
  if (auto err = validate(cfg))
    return fail(std::move(err));
  auto db = sql::open_database(cfg.path, sql::open_mode::read_write);
  if (!db)
    return fail(db.error());
  if (cfg.check_integrity)
    if (auto err = sql::integrity_check(**db))
      return fail(std::move(err));
  if (auto applied = sql::migrate(**db); !applied)
    return fail(applied.error());
  try {
    // The writer's own tuning (durability is untouched, see set_durability):
    // - statement journals and savepoint sub-journals (each notary claim runs
    //   in a SAVEPOINT; every INSERT into a table with UNIQUE indexes opens a
    //   statement journal) stay in memory. On the default temp_store they
    //   spill to a temp file past 64 KiB: ~30 pwrite calls per claim, measured.
    //   They only serve rollbacks inside the open transaction, never recovery.
    // - a page cache large enough for a whole Ethereum window, so a big
    //   transaction does not spill dirty pages to the WAL and read them back.
    (*db)->exec("PRAGMA temp_store=MEMORY");
    (*db)->exec("PRAGMA cache_size=-65536"); // KiB: 64 MiB
  } catch (const std::exception& e) {
    return fail(make_error(ec::database_error, std::string{"writer pragmas: "} + e.what()));
  }
  self->state.db = std::move(*db);
  self->state.schema = *sql::schema_version(*self->state.db);
  self->state.statements = std::make_unique<ledger::statement_cache>(*self->state.db);
  self->state.statements->keep_for_connection();
  auto& metrics = storage_metrics::get();
  return {
    [self, &metrics](write_atom, write_task& task) -> caf::result<uint64_t> {
      metrics.mailbox.set(static_cast<int64_t>(self->mailbox().size()));
      auto& db = *self->state.db;
      auto start = std::chrono::steady_clock::now();
      try {
        sql::set_durability(db, task.durability);
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        // Before the commit or the rollback (destroyed before tx): no kept
        // statement stays mid-step past this transaction.
        struct end_of_transaction {
          ledger::statement_cache& statements;
          ~end_of_transaction() { statements.end_transaction(); }
        } statements_guard{*self->state.statements};
        task.run(db);
        self->state.statements->end_transaction();
        tx.commit();
      } catch (const write_refused& refused) {
        metrics.failures.inc();
        return refused.err; // the task's own verdict; the transaction rolled back
      } catch (const std::exception& e) {
        metrics.failures.inc();
        spdlog::warn("storage: task {} rolled back: {}", task.name, e.what());
        return make_error(ec::database_error, task.name + ": " + e.what());
      }
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
      metrics.commit_latency.observe_us(static_cast<uint64_t>(us.count()));
      (task.durability == sql::durability::full ? metrics.commits_full : metrics.commits_normal)
        .inc();
      return ++self->state.commits;
    },
    [self](checkpoint_atom) -> caf::result<int64_t> {
      // A reader (an API read-only connection, an actor finishing a read as
      // the daemon shuts down) may hold a snapshot for a moment: TRUNCATE
      // waits for it through the busy handler, for up to 5 s, instead of
      // failing at once (a SIGTERM then exited 1, found by tools/chaos, issue
      // #16). Only here: the one writer never waits otherwise.
      auto& db = *self->state.db;
      struct no_wait_after {
        SQLite::Database& db;
        ~no_wait_after() { db.setBusyTimeout(0); }
      } restore{db};
      try {
        db.setBusyTimeout(5000);
        SQLite::Statement q(db, "PRAGMA wal_checkpoint(TRUNCATE)");
        q.executeStep();
        if (q.getColumn(0).getInt() != 0)
          return make_error(ec::database_error, "WAL checkpoint blocked by a reader");
        return static_cast<int64_t>(q.getColumn(2).getInt());
      } catch (const std::exception& e) {
        return make_error(ec::database_error, std::string{"checkpoint: "} + e.what());
      }
    },
    [self](health_atom) {
      return actor_health{storage_state::name, true,
                          "schema " + std::to_string(self->state.schema) + ", "
                            + std::to_string(self->state.commits) + " commits",
                          static_cast<uint64_t>(self->mailbox().size()), 0};
    },
  };
}

} // namespace lstaked

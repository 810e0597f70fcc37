// The storage actor: owner of the only read-write SQLite connection.
//
// Contract: on start it opens the database, refuses a foreign or newer one,
// checks integrity and applies migrations; if any step fails the actor quits
// with that error (its supervisor decides what follows). Each write_task runs
// in its own IMMEDIATE transaction, committed before the reply is sent, so a
// caller that got a reply knows the data is on disk at the task's durability.
// A task that throws is rolled back and answered with ec::database_error; the
// actor keeps serving.
#pragma once

#include "actors/actors.hpp"
#include "storage/ledger.hpp"

#include <SQLiteCpp/Database.h>

#include <memory>
#include <string>

namespace lstaked {

struct storage_config {
  std::string path; // SQLite file (":memory:" for tests)
  // PRAGMA integrity_check before migrating. The daemon has just run it on
  // the same file in this process (prepare_database) and turns it off here:
  // on a database of a pool that has run for years (1.1 GB) each pass costs
  // ~30 s of start-up (docs/benchmarks/scale.md).
  bool check_integrity = true;
};

caf::error validate(const storage_config& cfg);

struct storage_state {
  /// The read-write connection; null until opened.
  std::unique_ptr<SQLite::Database> db;
  /// Its statements, kept across transactions (declared after db: destroyed first).
  std::unique_ptr<ledger::statement_cache> statements;
  /// Commits done since start; returned to writers as a sequence number.
  uint64_t commits = 0;
  /// Schema version after migrations.
  int schema = 0;
  static constexpr const char* name = "storage";
};

storage_actor::behavior_type storage(storage_actor::stateful_pointer<storage_state> self,
                                     storage_config cfg);

} // namespace lstaked

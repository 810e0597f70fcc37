// One unit of work for the only SQLite writer (actors/storage_actor.hpp).
//
// Contract: `run` executes inside one IMMEDIATE transaction on the read-write
// connection, at `durability`, and may throw to roll the whole transaction
// back. Results travel back through whatever `run` captured (e.g. a
// shared_ptr). Defined here, below the actors, so that storage code can build
// tasks and refuse them without knowing who runs them.
#pragma once

#include "chain/common/error.hpp"
#include "storage/database.hpp"

#include <functional>
#include <stdexcept>
#include <string>

namespace lstaked {

/// Work for the storage actor.
struct write_task {
  std::string name; // for logs and metrics, e.g. "credit_deposit"
  sql::durability durability = sql::durability::full;
  std::function<void(SQLite::Database&)> run;
};

/// Thrown by a write_task's `run` to roll back and answer the caller with
/// `err` itself (any other exception is answered as ec::database_error).
struct write_refused : std::runtime_error {
  caf::error err;
  explicit write_refused(caf::error e) : std::runtime_error(describe(e)), err(std::move(e)) {}
};

} // namespace lstaked

// Opening, checking and migrating the lstaked SQLite database.
//
// Contract: functions here are called by the storage actor (the only writer)
// and by `lstaked db ...` before any actor runs; they are not thread-safe on
// one connection. Migrations are forward-only, each applied in its own
// transaction together with the new `user_version`; a database whose
// user_version is newer than this binary's is refused, never touched.
#pragma once

#include "chain/common/error.hpp"

#include <SQLiteCpp/Database.h>

#include <memory>
#include <string>
#include <vector>

namespace lstaked::sql {

/// PRAGMA application_id of every lstaked database ("LSTK").
constexpr int application_id = 0x4C53544B;

struct migration {
  int version;           // user_version after this migration
  const char* summary;   // one line, shown by `lstaked db migrate`
  const char* sql;       // statements, run in one transaction
};

/// All migrations, ascending; the last one's version is the code's schema.
const std::vector<migration>& migrations();
int latest_schema_version();

enum class open_mode {
  read_write, // create if missing; WAL
  read_only,  // existing file only (API readers, `db check`)
  // read_only, for a connection only ever used by the thread that opened it
  // (the HTTP threads' thread_local readers): SQLite then takes no mutex per
  // call (SQLITE_OPEN_NOMUTEX), ~200 lock/unlock pairs on a 20-row page.
  read_only_one_thread,
};

/// Opens `path`, applies connection pragmas (WAL, foreign keys, NORMAL sync by
/// default), routes SQLite's error log into spdlog, and checks application_id
/// (a foreign SQLite file is refused) and that user_version is not newer than
/// the code. Does not migrate.
caf::expected<std::unique_ptr<SQLite::Database>> open_database(const std::string& path,
                                                              open_mode mode);

/// Current user_version.
caf::expected<int> schema_version(SQLite::Database& db);

/// Applies pending migrations up to `target` (default: latest). Returns the
/// versions applied, in order.
caf::expected<std::vector<int>> migrate(SQLite::Database& db, int target = -1);

/// PRAGMA integrity_check; error lists the first problems.
caf::error integrity_check(SQLite::Database& db);

/// Durability of one transaction: FULL fsyncs the WAL at commit (money state),
/// NORMAL may lose the last commits on power loss (re-derivable chain indexes).
enum class durability { full, normal };
void set_durability(SQLite::Database& db, durability d);

} // namespace lstaked::sql

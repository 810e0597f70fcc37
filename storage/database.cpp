#include "storage/database.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <mutex>

namespace lstaked::sql {

namespace {

// SQLite's own error log (corruption notices, misuse, I/O errors) goes to
// spdlog; without this such messages are silently dropped.
void sqlite_log(void*, int code, const char* message) {
  int primary = code & 0xff;
  if (primary == SQLITE_NOTICE || primary == SQLITE_WARNING)
    spdlog::warn("sqlite ({}): {}", code, message);
  else
    spdlog::error("sqlite ({}): {}", code, message);
}

void install_sqlite_log() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Must precede sqlite3_initialize(); it fails harmlessly if SQLite is already up.
    sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, nullptr);
    // No global memory statistics: with them on, every SQLite allocation
    // takes one process-wide mutex (we never read sqlite3_memory_used).
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  });
}

caf::error db_error(const std::string& what, const std::exception& e) {
  return make_error(ec::database_error, what + ": " + e.what());
}

int pragma_int(SQLite::Database& db, const char* pragma) {
  SQLite::Statement q(db, std::string{"PRAGMA "} + pragma);
  q.executeStep();
  return q.getColumn(0).getInt();
}

} // namespace

caf::expected<std::unique_ptr<SQLite::Database>> open_database(const std::string& path,
                                                              open_mode mode) {
  install_sqlite_log();
  std::unique_ptr<SQLite::Database> db;
  try {
    int flags = mode == open_mode::read_write ? SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE
                                              : SQLite::OPEN_READONLY;
    if (mode == open_mode::read_only_one_thread)
      flags |= SQLITE_OPEN_NOMUTEX;
    db = std::make_unique<SQLite::Database>(path, flags);
    // Reading the header fails here, not later, if the file is not a database.
    int app_id = pragma_int(*db, "application_id");
    int version = pragma_int(*db, "user_version");
    if (app_id != application_id) {
      bool fresh = app_id == 0 && version == 0
                   && pragma_int(*db, "schema_version") == 0; // no table ever created
      if (!fresh)
        return make_error(ec::not_our_database,
                          path + " is not an lstaked database (application_id "
                            + std::to_string(app_id) + ")");
      if (mode != open_mode::read_write)
        return make_error(ec::not_found, path + " holds no lstaked database yet");
    }
    if (version > latest_schema_version())
      return make_error(ec::schema_too_new,
                        path + " has schema version " + std::to_string(version)
                          + ", newer than this binary's " + std::to_string(latest_schema_version())
                          + "; run a newer lstaked");
    if (mode == open_mode::read_write) {
      db->exec("PRAGMA journal_mode=WAL");
      db->exec("PRAGMA foreign_keys=ON");
      db->exec("PRAGMA synchronous=FULL");
      if (app_id != application_id)
        db->exec("PRAGMA application_id=" + std::to_string(application_id));
    } else {
      db->exec("PRAGMA query_only=ON");
    }
    return db;
  } catch (const std::exception& e) {
    return db_error("cannot open " + path, e);
  }
}

caf::expected<int> schema_version(SQLite::Database& db) {
  try {
    return pragma_int(db, "user_version");
  } catch (const std::exception& e) {
    return db_error("cannot read user_version", e);
  }
}

caf::expected<std::vector<int>> migrate(SQLite::Database& db, int target) {
  if (target < 0)
    target = latest_schema_version();
  auto current = schema_version(db);
  if (!current)
    return current.error();
  if (*current > latest_schema_version())
    return make_error(ec::schema_too_new, "schema version " + std::to_string(*current)
                                            + " is newer than this binary's "
                                            + std::to_string(latest_schema_version()));
  std::vector<int> applied;
  for (auto& m : migrations()) {
    if (m.version <= *current || m.version > target)
      continue;
    try {
      // IMMEDIATE: take the write lock first so no reader sees a half schema.
      SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
      db.exec(m.sql);
      db.exec("PRAGMA user_version=" + std::to_string(m.version));
      tx.commit();
      applied.push_back(m.version);
      spdlog::info("database migrated to schema {} ({})", m.version, m.summary);
    } catch (const std::exception& e) {
      return db_error("migration to schema " + std::to_string(m.version) + " failed", e);
    }
  }
  return applied;
}

caf::error integrity_check(SQLite::Database& db) {
  try {
    SQLite::Statement q(db, "PRAGMA integrity_check(10)");
    std::string problems;
    while (q.executeStep()) {
      std::string line = q.getColumn(0).getString();
      if (line == "ok")
        return caf::none;
      if (!problems.empty())
        problems += "; ";
      problems += line;
    }
    return make_error(ec::database_error, "integrity check failed: " + problems);
  } catch (const std::exception& e) {
    return db_error("integrity check could not run", e);
  }
}

void set_durability(SQLite::Database& db, durability d) {
  db.exec(d == durability::full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

} // namespace lstaked::sql

// The database: migrations (old schema -> new), refusals, and the storage actor.
#include "storage/database.hpp"
#include "actors/storage_actor.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include <thread>

using namespace lstaked;

namespace {

std::unique_ptr<SQLite::Database> open_rw(const std::string& path) {
  auto db = sql::open_database(path, sql::open_mode::read_write);
  EXPECT_TRUE(db) << describe(db.error());
  return db ? std::move(*db) : nullptr;
}

int count(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement q(db, sql);
  q.executeStep();
  return q.getColumn(0).getInt();
}

} // namespace

TEST(migrations, versions_ascend_from_one_without_gaps) {
  int expected = 1;
  for (auto& m : sql::migrations())
    EXPECT_EQ(m.version, expected++);
}

TEST(migrations, old_schema_upgrades_and_keeps_its_rows) {
  test::temp_dir dir;
  auto path = dir.file("db.sqlite");
  {
    auto db = open_rw(path);
    auto applied = sql::migrate(*db, 1);
    ASSERT_TRUE(applied);
    EXPECT_EQ(*applied, std::vector<int>{1});
    db->exec("INSERT INTO alerts (created_at, severity, source, message) "
             "VALUES (1, 'warning', 'test', 'kept across migrations')");
  }
  auto db = open_rw(path);
  EXPECT_EQ(*sql::schema_version(*db), 1);
  auto applied = sql::migrate(*db);
  ASSERT_TRUE(applied);
  EXPECT_EQ(applied->size(), static_cast<size_t>(sql::latest_schema_version() - 1));
  EXPECT_EQ(*sql::schema_version(*db), sql::latest_schema_version());
  EXPECT_EQ(count(*db, "SELECT count(*) FROM alerts WHERE message = 'kept across migrations'"), 1);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM flows"), 5);
  EXPECT_EQ(count(*db, "PRAGMA application_id"), sql::application_id);
  // Idempotent: nothing left to apply.
  EXPECT_TRUE(sql::migrate(*db)->empty());
  EXPECT_FALSE(sql::integrity_check(*db));
}

TEST(migrations, newer_schema_is_refused_and_left_untouched) {
  test::temp_dir dir;
  auto path = dir.file("db.sqlite");
  {
    auto db = open_rw(path);
    ASSERT_TRUE(sql::migrate(*db));
    db->exec("PRAGMA user_version=" + std::to_string(sql::latest_schema_version() + 1));
  }
  auto refused = sql::open_database(path, sql::open_mode::read_write);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(is(refused.error(), ec::schema_too_new)) << describe(refused.error());
  SQLite::Database raw(path);
  EXPECT_EQ(count(raw, "PRAGMA user_version"), sql::latest_schema_version() + 1);
}

TEST(migrations, foreign_sqlite_file_is_refused) {
  test::temp_dir dir;
  auto path = dir.file("other.sqlite");
  {
    SQLite::Database other(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    other.exec("CREATE TABLE t(x)");
  }
  auto refused = sql::open_database(path, sql::open_mode::read_write);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(is(refused.error(), ec::not_our_database));
}

TEST(migrations, a_file_that_is_not_sqlite_is_refused) {
  test::temp_dir dir;
  auto path = dir.file("junk");
  { std::ofstream{path} << std::string(4096, 'x'); }
  auto refused = sql::open_database(path, sql::open_mode::read_write);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(is(refused.error(), ec::database_error));
}

class storage_actor_test : public test::actor_fixture {
protected:
  test::temp_dir dir;
  storage_actor aut = sys.spawn(storage, storage_config{dir.file("db.sqlite")});

  ~storage_actor_test() override { caf::anon_send_exit(aut, caf::exit_reason::user_shutdown); }

  caf::expected<uint64_t> write(write_task task) {
    return try_ask<uint64_t>(aut, write_atom_v, std::move(task));
  }
};

TEST_F(storage_actor_test, commits_a_task_and_numbers_commits) {
  auto first = write({"alert", sql::durability::full, [](SQLite::Database& db) {
                        db.exec("INSERT INTO alerts (created_at, severity, source, message) "
                                "VALUES (1, 'info', 'test', 'one')");
                      }});
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, 1u);
  auto second = write({"noop", sql::durability::normal, [](SQLite::Database&) {}});
  EXPECT_EQ(*second, 2u);
  SQLite::Database reader(dir.file("db.sqlite"));
  EXPECT_EQ(count(reader, "SELECT count(*) FROM alerts"), 1);
}

TEST_F(storage_actor_test, a_throwing_task_rolls_back_and_the_actor_keeps_serving) {
  auto failed = write({"half", sql::durability::full, [](SQLite::Database& db) {
                         db.exec("INSERT INTO alerts (created_at, severity, source, message) "
                                 "VALUES (1, 'info', 'test', 'rolled back')");
                         db.exec("INSERT INTO alerts (severity) VALUES ('nonsense')"); // CHECK fails
                       }});
  ASSERT_FALSE(failed);
  EXPECT_TRUE(is(failed.error(), ec::database_error));
  EXPECT_NE(describe(failed.error()).find("half"), std::string::npos);
  auto ok = write({"noop", sql::durability::full, [](SQLite::Database&) {}});
  EXPECT_TRUE(ok);
  SQLite::Database reader(dir.file("db.sqlite"));
  EXPECT_EQ(count(reader, "SELECT count(*) FROM alerts"), 0);
}

TEST_F(storage_actor_test, reports_health_and_checkpoints) {
  auto h = ask<actor_health>(aut, health_atom_v);
  EXPECT_EQ(h.name, "storage");
  EXPECT_TRUE(h.ok);
  EXPECT_NE(h.detail.find("schema"), std::string::npos);
  auto frames = try_ask<int64_t>(aut, checkpoint_atom_v);
  ASSERT_TRUE(frames) << describe(frames.error());
  EXPECT_GE(*frames, 0);
}

// Found by tools/chaos (issue #16): a reader still inside a read when the
// daemon shut down made the TRUNCATE checkpoint fail at once, and SIGTERM
// exited 1. The checkpoint now waits for the reader to finish.
TEST_F(storage_actor_test, a_checkpoint_waits_for_a_reader_to_finish_its_read) {
  ASSERT_TRUE(write({"row", sql::durability::full, [](SQLite::Database& db) {
                       db.exec("INSERT INTO alerts (created_at, severity, source, message) "
                               "VALUES (1, 'info', 'test', 'in the WAL')");
                     }}));
  SQLite::Database reader(dir.file("db.sqlite"));
  SQLite::Statement read(reader, "SELECT id FROM alerts");
  ASSERT_TRUE(read.executeStep()); // a read transaction, left open
  std::thread finish([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    read.reset(); // the read ends
  });
  auto frames = try_ask<int64_t>(aut, checkpoint_atom_v);
  finish.join();
  ASSERT_TRUE(frames) << describe(frames.error());
  EXPECT_GE(*frames, 0);
}

TEST_F(storage_actor_test, a_refusing_task_rolls_back_and_keeps_its_own_error) {
  auto refused = write({"refuse", sql::durability::full, [](SQLite::Database& db) {
                          db.exec("INSERT INTO alerts (created_at, severity, source, message) "
                                  "VALUES (1, 'info', 'test', 'rolled back')");
                          throw write_refused{make_error(ec::invalid_input, "amount too large")};
                        }});
  ASSERT_FALSE(refused);
  EXPECT_TRUE(is(refused.error(), ec::invalid_input)) << describe(refused.error());
  SQLite::Database reader(dir.file("db.sqlite"));
  EXPECT_EQ(count(reader, "SELECT count(*) FROM alerts"), 0);
}

TEST_F(storage_actor_test, kept_statements_outlive_transactions_but_not_their_state) {
  // Tasks share the writer's kept statements across transactions.
  ledger::statement_cache* first_cache = nullptr;
  SQLite::Statement* first_insert = nullptr;
  const std::string insert = "INSERT INTO alerts (id, created_at, severity, source, message) "
                             "VALUES (?, 1, 'info', 'test', 'kept')";
  ASSERT_TRUE(write({"one", sql::durability::full, [&](SQLite::Database& db) {
                       ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                         first_cache = &sc;
                         auto& q = sc(insert);
                         first_insert = &q;
                         q.bind(1, 7);
                         q.exec();
                         // Left mid-step: a read cursor the transaction's end must close.
                         sc("SELECT id FROM alerts").executeStep();
                       });
                     }}));
  ASSERT_NE(first_cache, nullptr);
  // A failed step (duplicate id) inside a rolled-back transaction...
  auto failed = write({"dup", sql::durability::full, [&](SQLite::Database& db) {
                         ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                           EXPECT_EQ(&sc, first_cache);
                           auto& q = sc(insert);
                           EXPECT_EQ(&q, first_insert) << "the statement was prepared again";
                           q.bind(1, 7);
                           q.exec(); // throws: UNIQUE constraint
                         });
                       }});
  ASSERT_FALSE(failed);
  // ...does not fail the next use of the same statement.
  ASSERT_TRUE(write({"two", sql::durability::full, [&](SQLite::Database& db) {
                       ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                         auto& q = sc(insert);
                         q.bind(1, 8);
                         q.exec();
                       });
                     }}));
  // No cursor survived a transaction: a TRUNCATE checkpoint is not blocked.
  auto frames = try_ask<int64_t>(aut, checkpoint_atom_v);
  ASSERT_TRUE(frames) << describe(frames.error());
  SQLite::Database reader(dir.file("db.sqlite"));
  EXPECT_EQ(count(reader, "SELECT count(*) FROM alerts"), 2);
}

TEST(statement_cache, a_connection_without_a_kept_cache_gets_its_own) {
  test::temp_dir dir;
  auto db = open_rw(dir.file("db.sqlite"));
  ASSERT_TRUE(sql::migrate(*db));
  EXPECT_EQ(ledger::kept_statements(*db), nullptr);
  {
    ledger::statement_cache kept{*db};
    kept.keep_for_connection();
    EXPECT_EQ(ledger::kept_statements(*db), &kept);
    ledger::with_statements(*db, [&](ledger::statement_cache& sc) { EXPECT_EQ(&sc, &kept); });
  }
  EXPECT_EQ(ledger::kept_statements(*db), nullptr) << "a destroyed cache stays registered";
  ledger::with_statements(*db, [&](ledger::statement_cache& sc) {
    EXPECT_EQ(sc("SELECT count(*) FROM flows").executeStep(), true);
  });
}

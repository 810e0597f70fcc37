// The supervisor restarts a failed actor with exponential backoff, on a clock
// the test controls.
#include "actors/supervisor.hpp"
#include "storage/database.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace lstaked;
using namespace std::chrono_literals;

class supervisor_test : public test::actor_fixture {
protected:
  test::temp_dir dir;
  std::string db_path = dir.file("db.sqlite");

  supervisor_actor start() {
    supervisor_config cfg;
    cfg.storage.path = db_path;
    cfg.restart_backoff = 500ms;
    cfg.max_restart_backoff = 1500ms;
    auto sup = sys.spawn(supervisor, cfg);
    run();
    return sup;
  }

  std::vector<actor_health> status(const supervisor_actor& sup) {
    return ask<std::vector<actor_health>>(sup, status_atom_v);
  }

  // A file SQLite cannot open as a database: the storage actor fails at start.
  void break_database() { std::ofstream{db_path} << std::string(4096, 'x'); }
  void repair_database() { std::filesystem::remove(db_path); }
};

TEST_F(supervisor_test, healthy_storage_reports_ok) {
  auto sup = start();
  auto health = status(sup);
  ASSERT_EQ(health.size(), 1u);
  EXPECT_TRUE(health[0].ok);
  EXPECT_EQ(health[0].restarts, 0u);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_F(supervisor_test, failed_storage_is_restarted_after_backoff) {
  break_database();
  auto sup = start();
  auto health = status(sup);
  ASSERT_EQ(health.size(), 1u);
  EXPECT_FALSE(health[0].ok);
  EXPECT_NE(health[0].detail.find("restarting"), std::string::npos) << health[0].detail;

  // First retry after 500 ms: still broken, so it fails again; next delay 1000 ms.
  advance_time(500ms);
  EXPECT_EQ(status(sup)[0].restarts, 1u);
  repair_database();
  advance_time(999ms);
  EXPECT_FALSE(status(sup)[0].ok) << "restarted before its backoff elapsed";
  advance_time(1ms);
  health = status(sup);
  EXPECT_TRUE(health[0].ok) << health[0].detail;
  EXPECT_EQ(health[0].restarts, 2u);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_F(supervisor_test, shutdown_checkpoints_and_stops) {
  auto sup = start();
  auto ok = try_ask<bool>(sup, shutdown_atom_v);
  ASSERT_TRUE(ok) << describe(ok.error());
  EXPECT_TRUE(*ok);
}

// The audit log (storage/admin_actions.hpp): immediate actions are recorded
// with their effect in one transaction (a rollback leaves neither), deferred
// ones move PENDING -> DONE | FAILED exactly once, the list is newest first
// and paged.
#include "storage/admin_actions.hpp"
#include "storage/database.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::ledger;

namespace {

struct admin_actions_fixture : ::testing::Test {
  test::temp_dir dir;
  std::unique_ptr<SQLite::Database> db;

  void SetUp() override {
    auto opened = sql::open_database(dir.file("a.sqlite"), sql::open_mode::read_write);
    ASSERT_TRUE(opened);
    db = std::move(*opened);
    ASSERT_TRUE(sql::migrate(*db));
  }

  template <class F>
  void tx(F&& f) {
    SQLite::Transaction t(*db);
    with_statements(*db, [&](statement_cache& sc) { f(sc); });
    t.commit();
  }
};

} // namespace

TEST_F(admin_actions_fixture, an_immediate_action_is_logged_done_with_its_effect) {
  tx([](statement_cache& sc) {
    set_flow_paused(sc, "claims", true, "operator", 1000);
    record_done(sc, "pause_flow", "claims", {{"reason", "operator"}}, "DONE", "claims paused", 1000);
  });
  EXPECT_TRUE(flow_paused(*db, "claims"));
  auto all = list_actions(*db, INT64_MAX, 50);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].action, "pause_flow");
  EXPECT_EQ(all[0].target, "claims");
  EXPECT_EQ(all[0].state, "DONE");
  EXPECT_EQ(all[0].outcome, "claims paused");
  EXPECT_EQ(all[0].params["reason"], "operator");
  EXPECT_EQ(all[0].done_at_ms, 1000);
}

TEST_F(admin_actions_fixture, a_rolled_back_transaction_leaves_neither_the_effect_nor_the_log) {
  try {
    SQLite::Transaction t(*db);
    with_statements(*db, [&](statement_cache& sc) {
      set_flow_paused(sc, "payouts", true, "operator", 1000);
      record_done(sc, "pause_flow", "payouts", {}, "DONE", "payouts paused", 1000);
    });
    throw std::runtime_error("refused later in the same task");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(flow_paused(*db, "payouts"));
  EXPECT_TRUE(list_actions(*db, INT64_MAX, 50).empty());
}

TEST_F(admin_actions_fixture, a_pending_action_completes_once) {
  int64_t id = 0;
  tx([&](statement_cache& sc) { id = record_action(sc, "publish_ratio", "", {}, 5); });
  auto pending = pending_actions(*db, "publish_ratio");
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, id);
  EXPECT_EQ(pending[0].state, "PENDING");
  EXPECT_FALSE(pending[0].done_at_ms);
  EXPECT_TRUE(pending_actions(*db, "rotate_validators").empty());
  bool first = false, second = true;
  tx([&](statement_cache& sc) {
    first = complete_action(sc, id, "DONE", "calculation 3: publish", 9);
    second = complete_action(sc, id, "FAILED", "again", 10);
  });
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  auto a = find_action(*db, id);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, "DONE");
  EXPECT_EQ(a->outcome, "calculation 3: publish");
  EXPECT_EQ(a->done_at_ms, 9);
  EXPECT_TRUE(pending_actions(*db, "publish_ratio").empty());
  bool unknown = true;
  tx([&](statement_cache& sc) { unknown = complete_action(sc, id + 100, "DONE", "", 11); });
  EXPECT_FALSE(unknown);
}

TEST_F(admin_actions_fixture, the_list_is_newest_first_and_paged) {
  tx([](statement_cache& sc) {
    for (int i = 0; i < 5; ++i)
      record_done(sc, "ack_alert", std::to_string(i), {}, "DONE", "", 100 + i);
  });
  auto page = list_actions(*db, INT64_MAX, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].target, "4");
  EXPECT_EQ(page[1].target, "3");
  auto next = list_actions(*db, page[1].id, 10);
  ASSERT_EQ(next.size(), 3u);
  EXPECT_EQ(next[0].target, "2");
  EXPECT_EQ(next[2].target, "0");
}

TEST_F(admin_actions_fixture, the_schema_refuses_a_done_action_without_a_completion_time) {
  EXPECT_THROW(db->exec("INSERT INTO admin_actions (at_ms, action, state) VALUES (1, 'x', 'DONE')"),
               SQLite::Exception);
  EXPECT_THROW(db->exec("INSERT INTO admin_actions (at_ms, action, state) VALUES (1, 'x', 'LOST')"),
               SQLite::Exception);
}

TEST_F(admin_actions_fixture, an_alert_is_acknowledged_once_and_unknown_alerts_change_nothing) {
  raise_alert(*db, "warning", "test", "something to look at", 1);
  int64_t id = db->execAndGet("SELECT MAX(id) FROM alerts").getInt64();
  alert_ack first{}, second{}, unknown{};
  tx([&](statement_cache& sc) {
    first = acknowledge_alert(sc, id, 50);
    second = acknowledge_alert(sc, id, 60);
    unknown = acknowledge_alert(sc, id + 1, 70);
  });
  EXPECT_EQ(first, alert_ack::acknowledged);
  EXPECT_EQ(second, alert_ack::already_resolved);
  EXPECT_EQ(unknown, alert_ack::unknown);
  EXPECT_EQ(db->execAndGet("SELECT resolved_at FROM alerts WHERE id = " + std::to_string(id)).getInt64(), 50);
}

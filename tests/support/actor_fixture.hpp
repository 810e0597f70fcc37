// GoogleTest fixture running CAF 0.17's deterministic test scheduler.
//
// Contract: time only moves when the test says so (`advance_time`), and
// messages are only processed by `run()`. Pattern for a request/reply:
//   auto reply = self->request(aut, infinite, msg...);  // enqueue
//   run();                                               // process
//   reply.receive(on_ok, on_error);                      // collect
// A blocking receive before run() deadlocks (nothing would process it).
#pragma once

#include "actors/actors.hpp"
#include "actors/storage_actor.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Statement.h>

#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace lstaked::test {

class actor_fixture : public ::testing::Test {
protected:
  actor_fixture()
    : sys_cfg_(make_config()), sys(sys_cfg_),
      sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())),
      self(sys, true) {}

  ~actor_fixture() override {
    // Stop whatever the test spawned before the system goes away.
    run();
  }

  /// Processes every pending message (and anything they trigger).
  void run() { sched.run(); }

  /// Moves the clock, fires due timers, and processes the results.
  void advance_time(std::chrono::milliseconds d) {
    sched.advance_time(d);
    run();
  }

  /// Sends `xs...` to `handle`, runs the system, and returns the reply (or the
  /// error it got; sec::request_timeout if nothing answered).
  template <class T, class Handle, class... Ts>
  caf::expected<T> try_ask(const Handle& handle, Ts&&... xs) {
    auto reply = self->request(handle, caf::infinite, std::forward<Ts>(xs)...);
    run();
    caf::expected<T> result{caf::sec::request_timeout};
    reply.receive([&](T& value) { result = std::move(value); },
                  [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// try_ask, for a reply the test needs: an error is a test failure (and a
  /// default-constructed T is returned).
  template <class T, class Handle, class... Ts>
  T ask(const Handle& handle, Ts&&... xs) {
    auto result = try_ask<T>(handle, std::forward<Ts>(xs)...);
    if (!result) {
      ADD_FAILURE() << "ask: " << describe(result.error());
      return T{};
    }
    return std::move(*result);
  }

  /// Stops `aut` and runs its exit.
  template <class Handle>
  void stop_actor(const Handle& aut) {
    caf::anon_send_exit(aut, caf::exit_reason::user_shutdown);
    run();
  }

private:
  static caf::actor_system_config make_config() {
    caf::actor_system_config cfg;
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    return cfg;
  }
  caf::actor_system_config sys_cfg_;

protected:
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  caf::scoped_actor self;
};

/// A watcher (a chain follower's actor: status_atom -> Status, health_atom)
/// spawned as `behavior(cfg, storage)` on a storage actor over a fresh ledger
/// file, with the helpers every watcher test uses.
template <class Actor, class State, class Status, class Config>
class watcher_fixture : public actor_fixture {
protected:
  using behavior_fn = typename Actor::behavior_type (*)(
    typename Actor::template stateful_pointer<State>, Config, storage_actor);

  explicit watcher_fixture(behavior_fn behavior) : behavior_(behavior) {}

  temp_dir dir;
  std::string db_path = dir.file("ledger.sqlite");
  storage_actor storage;
  Config cfg;

  void SetUp() override {
    storage = sys.spawn(lstaked::storage, storage_config{db_path});
    run();
  }
  void TearDown() override {
    // A watcher re-arms its timer: one left running (a failed ASSERT) would
    // keep the actor system from shutting down.
    for (auto& w : started_)
      caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
    stop_actor(storage);
  }

  /// Spawns the watcher (stopped in TearDown if the test does not); nothing runs yet.
  Actor spawn_watcher() {
    auto w = sys.spawn(behavior_, cfg, storage);
    started_.push_back(w);
    return w;
  }
  Actor start_watcher() {
    auto w = spawn_watcher();
    run();
    return w;
  }
  void stop(const Actor& w) { stop_actor(w); }
  /// One poll interval passes: the watcher reads everything that is final.
  void poll() { advance_time(cfg.poll_interval); }
  Status status(const Actor& w) { return ask<Status>(w, status_atom_v); }
  actor_health health(const Actor& w) { return ask<actor_health>(w, health_atom_v); }

  /// Runs `fn` inside a storage transaction (a failure is a test failure).
  void write(const std::string& name, std::function<void(SQLite::Database&)> fn) {
    auto r = try_ask<uint64_t>(storage, write_atom_v,
                               write_task{name, sql::durability::full, std::move(fn)});
    if (!r)
      ADD_FAILURE() << name << ": " << describe(r.error());
  }
  /// The first column of the first row of `sql`, through the storage actor.
  int64_t count(const std::string& sql) {
    int64_t n = -1;
    write("count", [&](SQLite::Database& db) {
      SQLite::Statement q(db, sql);
      if (q.executeStep())
        n = q.getColumn(0).getInt64();
    });
    return n;
  }
  std::string text(const std::string& sql) {
    std::string s;
    write("text", [&](SQLite::Database& db) {
      SQLite::Statement q(db, sql);
      if (q.executeStep())
        s = q.getColumn(0).getString();
    });
    return s;
  }

private:
  behavior_fn behavior_;
  std::vector<Actor> started_;
};

} // namespace lstaked::test

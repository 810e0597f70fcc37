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

#include <caf/scheduler/test_coordinator.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>

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

  /// Asks `aut` (request, run, receive) and returns its answer; an error
  /// answer is a test failure.
  template <class Reply, class Handle, class... Ts>
  Reply ask(const Handle& aut, Ts&&... xs) {
    auto reply = self->request(aut, caf::infinite, std::forward<Ts>(xs)...);
    run();
    Reply out;
    reply.receive([&](Reply& r) { out = std::move(r); },
                  [](caf::error& err) { ADD_FAILURE() << describe(err); });
    return out;
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

} // namespace lstaked::test

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

} // namespace lstaked::test

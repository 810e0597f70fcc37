// What the operator actors (tick, status JSON, health: the Kusama submitter, the
// bond manager, the Ethereum submitter) share: what one becomes when it cannot
// start, and the submitters' step mechanics (backoff, one storage write).
//
// Contract: stopped_operator quits with `err` (the supervisor restarts it with
// backoff) and, meanwhile, answers status with "{}" and health as stopped.
// schedule_step / write_step need a state with cfg.poll_interval,
// cfg.max_backoff, cfg.storage_timeout, storage, busy, step_failed, failures
// and last_error.
#pragma once

#include "actors/actors.hpp"
#include "storage/ledger.hpp"

#include <algorithm>
#include <functional>

#include <spdlog/spdlog.h>

#include <string>

namespace lstaked {

template <class Actor, class Self>
typename Actor::behavior_type stopped_operator(Self self, const char* name, caf::error err) {
  spdlog::error("{}: {}", name, describe(err));
  self->quit(std::move(err));
  return {[](tick_atom) {}, [](status_atom) { return std::string("{}"); },
          [name](health_atom) { return actor_health{name, false, "stopped", 0, 0}; }};
}

/// The next step: at once after progress; after a failed one (node down, slow
/// or erroring, storage refused) the poll interval doubles per consecutive
/// failure, up to max_backoff, so a sick node is not hammered.
template <class Self>
void schedule_step(Self self, bool now) {
  auto& st = self->state;
  st.failures = st.step_failed ? st.failures + 1 : 0;
  st.step_failed = false;
  if (now && st.failures == 0)
    return self->send(self, tick_atom_v);
  auto delay = st.cfg.poll_interval;
  for (uint32_t i = 0; i < std::min<uint32_t>(st.failures, 10) && delay < st.cfg.max_backoff; ++i)
    delay *= 2;
  self->delayed_send(self, std::min(delay, std::max(st.cfg.max_backoff, st.cfg.poll_interval)),
                     tick_atom_v);
}

/// Runs `f` in one storage transaction (FULL), then `done(ok)`; the step waits
/// (`busy`) meanwhile, and a refused write counts as a failed step.
template <class Self>
void write_step(Self self, const char* name, std::string task_name,
                std::function<void(ledger::statement_cache&)> f, std::function<void(bool)> done) {
  auto& st = self->state;
  st.busy = true;
  write_task task{std::move(task_name), sql::durability::full,
                  [f = std::move(f)](SQLite::Database& db) {
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) { f(sc); });
                  }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then(
      [self, done](uint64_t) {
        self->state.busy = false;
        done(true);
      },
      [self, done, name](caf::error& err) {
        self->state.busy = false;
        self->state.step_failed = true;
        self->state.last_error = "storage: " + describe(err);
        spdlog::warn("{}: {}", name, self->state.last_error);
        done(false);
      });
}

} // namespace lstaked

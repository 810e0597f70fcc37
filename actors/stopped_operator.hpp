// What an operator actor (tick, status JSON, health: the Kusama submitter, the
// bond manager, the Ethereum submitter) becomes when it cannot start.
//
// Contract: the actor quits with `err` (the supervisor restarts it with
// backoff) and, meanwhile, answers status with "{}" and health as stopped.
#pragma once

#include "actors/actors.hpp"

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

} // namespace lstaked

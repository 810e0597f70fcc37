// The supervisor: starts the actors from config, restarts a failed one with
// exponential backoff, reports every actor's health, and shuts down in order.
//
// Contract: a child that quits with an error is restarted after
// restart_backoff · 2^(failures-1), capped at max_restart_backoff; a child that
// stays healthy resets its count at its next health report. `shutdown_atom`
// drains the storage actor's queue (writes are FIFO, so a checkpoint reply
// means every earlier write is committed), checkpoints the WAL, stops the
// children and then the supervisor itself.
#pragma once

#include "actors/actors.hpp"
#include "actors/child_spec.hpp"
#include "actors/storage_actor.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lstaked {

struct supervisor_config {
  storage_config storage;
  /// Every other role, started in this order after storage (actors/children.hpp
  /// builds this table from the configuration; tests list what they need).
  std::vector<child_spec> children;
  /// How often the Ethereum watcher's final head is forwarded to the children
  /// that receive it (the notary counts claimBeforeBlock from it).
  std::chrono::milliseconds head_interval{2000};
  std::chrono::milliseconds restart_backoff{500};
  std::chrono::milliseconds max_restart_backoff{30000};
  /// Timeout for a child's health answer.
  std::chrono::milliseconds health_timeout{2000};
};

caf::error validate(const supervisor_config& cfg);

/// The actor system settings the daemon runs with: one scheduler worker per
/// core (at least 2). CAF's default of at least 4 workers leaves idle ones
/// polling for work on a 2-core VPS, taking CPU from the busy ones
/// (bench_claims: about 5 points of the P1 ratio).
void configure_scheduler(caf::actor_system_config& cfg);

struct supervised_child {
  caf::actor handle;       // current incarnation, null while restarting
  uint64_t failures = 0;   // consecutive failures (reset when healthy)
  uint64_t restarts = 0;   // total restarts since start
  std::string last_error;  // why it last stopped
};

struct supervisor_state {
  supervisor_config cfg;
  storage_actor storage;                          // current storage incarnation
  std::optional<uint64_t> eth_head;               // replayed to a restarted child
  std::map<std::string, supervised_child> children; // by role name, storage included
  bool shutting_down = false;
  static constexpr const char* name = "supervisor";
};

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self, supervisor_config cfg);

} // namespace lstaked

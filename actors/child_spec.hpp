// How the supervisor starts one role: a row of its table.
//
// Contract: a child_spec is built from an actor's own config (each actor's
// header offers `X_child(X_config)`, and `make_X_config(const config&)` reads
// its TOML section); `children(const config&)` in actors/children.hpp is the
// one table of every role the daemon runs. The supervisor links and monitors
// whatever `spawn` returns, restarts it with backoff, asks it for health
// (every child answers health_protocol), and hands it a new storage handle or
// restarts it when storage is restarted, as `storage` says. Adding an actor:
// its own header/source pair (behavior, config, validate, make_X_config,
// X_child) and one line in actors/children.cpp.
#pragma once

#include "actors/actors.hpp"

#include <caf/all.hpp>

#include <functional>
#include <string>
#include <utility>

namespace lstaked {

/// What a child does with the storage actor.
enum class storage_use : uint8_t {
  none,    // never writes
  notify,  // keeps running; sent (storage_atom, new handle) after a storage restart
  restart, // holds the handle in flight: restarted on the new storage incarnation
};

/// Where a child runs.
enum class spawn_mode : uint8_t {
  shared,   // on the scheduler's workers (never blocks)
  detached, // its own thread (makes blocking calls, e.g. JSON-RPC)
};

/// One supervised role.
struct child_spec {
  std::string name;                        // role name in /v1/status, logs and lookups
  storage_use storage = storage_use::none;
  bool receives_eth_head = false;          // sent (eth_head_atom, block) when the head moves
  caf::error config_error;                 // validate()'s verdict, checked before anything starts
  /// Spawns one incarnation; the supervisor links and monitors it.
  std::function<caf::actor(caf::actor_system&, const storage_actor&)> spawn;
};

namespace detail {

template <class Handle>
caf::actor as_actor(Handle h) {
  return caf::actor_cast<caf::actor>(std::move(h));
}

} // namespace detail

/// A child whose behavior is `fn(self, cfg, storage)`.
template <class Fn, class Config>
child_spec child_with_storage(std::string name, storage_use use, spawn_mode mode, Fn fn,
                              Config cfg) {
  child_spec s;
  s.name = std::move(name);
  s.storage = use;
  s.config_error = validate(cfg);
  s.spawn = [mode, fn, cfg = std::move(cfg)](caf::actor_system& sys, const storage_actor& st) {
    return mode == spawn_mode::detached ? detail::as_actor(sys.spawn<caf::detached>(fn, cfg, st))
                                        : detail::as_actor(sys.spawn(fn, cfg, st));
  };
  return s;
}

/// A child whose behavior is `fn(self, cfg)`: it never writes.
template <class Fn, class Config>
child_spec child_without_storage(std::string name, spawn_mode mode, Fn fn, Config cfg) {
  child_spec s;
  s.name = std::move(name);
  s.config_error = validate(cfg);
  s.spawn = [mode, fn, cfg = std::move(cfg)](caf::actor_system& sys, const storage_actor&) {
    return mode == spawn_mode::detached ? detail::as_actor(sys.spawn<caf::detached>(fn, cfg))
                                        : detail::as_actor(sys.spawn(fn, cfg));
  };
  return s;
}

} // namespace lstaked

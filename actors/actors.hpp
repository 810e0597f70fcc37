// How the whole system talks: every atom, message type and actor interface.
//
// Reading this file should tell a newcomer which actors exist and what each
// one answers. One `typed_actor` alias per role; shared protocols are
// composed with `extend_with`. Implementations live in one header/source
// pair per actor (see each alias's comment for where).
#pragma once

#include "actors/error.hpp"

#include <caf/all.hpp>
#include <caf/type_id.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace SQLite {
class Database;
} // namespace SQLite

CAF_BEGIN_TYPE_ID_BLOCK(lstaked, caf::first_custom_type_id)
  CAF_ADD_ATOM(lstaked, lstaked, tick_atom, "tick")
  CAF_ADD_ATOM(lstaked, lstaked, health_atom, "health")
  CAF_ADD_ATOM(lstaked, lstaked, status_atom, "status")
  CAF_ADD_ATOM(lstaked, lstaked, write_atom, "write")
  CAF_ADD_ATOM(lstaked, lstaked, checkpoint_atom, "checkpoint")
  CAF_ADD_ATOM(lstaked, lstaked, storage_atom, "storage")
  CAF_ADD_ATOM(lstaked, lstaked, shutdown_atom, "shutdown")
  CAF_ADD_ATOM(lstaked, lstaked, restart_atom, "restart")
CAF_END_TYPE_ID_BLOCK(lstaked)

namespace lstaked {

/// What an actor says about itself when asked for health.
struct actor_health {
  std::string name;   // role name, e.g. "storage"
  bool ok = false;    // false while failed or restarting
  std::string detail; // one line for the console
  uint64_t mailbox = 0;
  uint64_t restarts = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_health& x) {
  return f(caf::meta::type_name("actor_health"), x.name, x.ok, x.detail, x.mailbox, x.restarts);
}

/// Durability of one storage transaction (see storage/database.hpp).
enum class write_durability : uint8_t { full, normal };

/// Work for the storage actor: `run` executes inside one transaction on the
/// only read-write connection and may throw to roll it back. Results travel
/// back through whatever `run` captured (e.g. a shared_ptr).
struct write_task {
  std::string name; // for logs and metrics, e.g. "credit_deposit"
  write_durability durability = write_durability::full;
  std::function<void(SQLite::Database&)> run;
};

} // namespace lstaked

// write_task carries a closure: it only ever travels between local actors.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(lstaked::write_task)

namespace lstaked {

/// Anything that can report its health.
using health_protocol = caf::typed_actor<
  // Name, whether it works, mailbox size.
  caf::replies_to<health_atom>::with<actor_health>>;

/// The only read-write SQLite connection; its mailbox is the write queue, so
/// SQLITE_BUSY never happens. (storage/storage_actor.hpp)
using storage_actor = caf::typed_actor<
  // Runs the task in one transaction; replies with the commit's sequence number.
  caf::replies_to<write_atom, write_task>::with<uint64_t>,
  // Checkpoints the WAL into the database file (TRUNCATE); replies with frames moved.
  caf::replies_to<checkpoint_atom>::with<int64_t>>::extend_with<health_protocol>;

/// Starts the actors from config, restarts failed ones with backoff and
/// reports their health. (actors/supervisor.hpp)
using supervisor_actor = caf::typed_actor<
  // Health of every supervised actor, restarting ones included.
  caf::replies_to<status_atom>::with<std::vector<actor_health>>,
  // The current storage actor (a new handle after a restart).
  caf::replies_to<storage_atom>::with<storage_actor>,
  // Drains the storage queue, checkpoints, stops every child; then quits.
  caf::replies_to<shutdown_atom>::with<bool>,
  // Internal timer: restart the named child now.
  caf::reacts_to<restart_atom, std::string>>;

} // namespace lstaked

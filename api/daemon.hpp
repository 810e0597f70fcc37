// `lstaked run`: start-up checks, the actor system, the HTTP server, and an
// orderly shutdown on SIGINT/SIGTERM.
//
// Contract: every start-up problem (data dir, admin token, database) is
// reported as one error line and a non-zero exit before any actor starts.
// Shutdown order: stop accepting HTTP, drain the storage queue, checkpoint the
// WAL, stop the actors, exit 0.
#pragma once

#include "config/config.hpp"

namespace lstaked::api {

/// Returns the process exit code.
int run_daemon(const config& cfg);

/// Opens (creating if needed), checks integrity and migrates the database.
/// Returns the schema version.
caf::expected<int> prepare_database(const config& cfg);

} // namespace lstaked::api

// `lstaked status`: asks the running daemon (GET /v1/status on http.listen, or
// --url) and prints every actor's health as a table, or the JSON with --json.
//
// Contract: read-only; exit 0 when the daemon says ok, 1 when it answers but
// something is unhealthy, 2 when it cannot be asked (not running, wrong
// address, not lstaked) — one line on stderr saying which.
#pragma once

#include "config/config.hpp"

#include <ostream>
#include <string>

namespace lstaked::api {

/// `url`: "http://HOST:PORT" or empty for the configured http.listen.
int run_status_command(const config& cfg, const std::string& url, bool as_json, std::ostream& out,
                       std::ostream& err);

} // namespace lstaked::api

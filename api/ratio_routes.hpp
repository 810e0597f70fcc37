// The ratio under /v1 (issue #13; docs/ratio.md): GET /v1/ratio (the ratio in
// effect, since when, the next calculation, the trailing APR) and
// GET /v1/ratio/history (paginated like the account history).
//
// Contract: read-only (a read-only SQLite connection per HTTP thread); numbers
// that exceed 64 bits are decimal strings; the APR is computed with integers.
#pragma once

#include "api/http_server.hpp"

#include <chrono>
#include <string>

namespace lstaked::api {

struct ratio_routes_context {
  std::string database_path;
  std::chrono::seconds interval{86400}; // ratio.interval_seconds: when the next calculation is due
  bool calculator_enabled = false;
};

void add_ratio_routes(http_server& server, ratio_routes_context ctx);

} // namespace lstaked::api

// Process logging: spdlog on stderr, as text or one JSON object per line.
//
// Contract: call `setup_logging` once before any actor starts. JSON lines
// have ts, level, logger and msg (escaped); no secret ever reaches a log line
// (callers log paths and key ids, never contents).
#pragma once

#include <string>

namespace lstaked::api {

void setup_logging(const std::string& level, const std::string& format);

} // namespace lstaked::api

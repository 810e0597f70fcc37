// The version the binary reports (`lstaked version`, /v1/status).
#pragma once

#include <string>

namespace lstaked::api {

std::string version_string();

} // namespace lstaked::api

// The table of every role the daemon supervises, built from the configuration.
//
// Contract: one row per actor (its `X_child(make_X_config(cfg))`), in start
// order; a role whose section leaves it unconfigured is absent (its routes
// answer "not configured"). Every error names its key; nothing is spawned here.
// Adding an actor = its own files + one line in children.cpp.
#pragma once

#include "actors/child_spec.hpp"
#include "config/config.hpp"

#include <vector>

namespace lstaked {

caf::expected<std::vector<child_spec>> children(const config& cfg);

} // namespace lstaked

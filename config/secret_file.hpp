// Secrets (admin token, signing keys) come from files only readable by their owner.
//
// Contract: `read_secret_file` refuses a file that is not a regular file or
// whose mode grants any permission to group or others (it must be 0600 or
// 0400), naming the path and the mode it found; the content is never logged.
// `create_secret_file` creates a new file with mode 0600 atomically (O_EXCL).
#pragma once

#include "chain/common/error.hpp"

#include <string>

namespace lstaked {

/// Reads the whole file, trailing whitespace trimmed.
caf::expected<std::string> read_secret_file(const std::string& path);

/// Creates `path` with mode 0600 and writes `content`; fails if it exists.
caf::error create_secret_file(const std::string& path, const std::string& content);

/// Creates `dir` (and parents) with mode 0700 if missing, and checks that a
/// file can be created in it.
caf::error prepare_data_dir(const std::string& dir);

} // namespace lstaked

// `lstaked debug ...`: operator and black-box checks of the chain codec.
//
// Contract: each command prints one JSON document on stdout and exits
//   0  success / positive answer,
//   1  a negative answer (e.g. {"valid": false}),
//   2  bad usage or malformed input (one line on stderr: "error: <code>: <message>").
// Each area registers its subcommands on the `debug` app; main() maps
// debug_exit to the process exit code.
#pragma once

#include "chain/common/error.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>
#include <string>

namespace lstaked::api {

/// Thrown by a debug command to end with a given exit code.
struct debug_exit {
  int code;
};

/// Prints `doc` on stdout and ends the command with `exit_code`.
[[noreturn]] inline void debug_answer(const nlohmann::json& doc, int exit_code = 0) {
  std::cout << doc.dump() << std::endl;
  throw debug_exit{exit_code};
}

/// Bad usage or malformed input: one line on stderr, exit 2.
[[noreturn]] inline void debug_fail(const caf::error& err) {
  std::cerr << "error: " << describe(err) << std::endl;
  throw debug_exit{2};
}

/// `debug ss58 encode|decode`, `debug verify` (chain/sig).
void add_debug_sig_commands(CLI::App& debug);
/// `debug decode-extrinsic`, `debug decode-events` (chain/substrate).
void add_debug_substrate_commands(CLI::App& debug);
/// `debug keccak`, `debug eip712-digest` (chain/ethereum).
void add_debug_ethereum_commands(CLI::App& debug);
/// `debug routes`: the routes of both listeners (api/api_routes.hpp).
void add_debug_routes_command(CLI::App& debug);

} // namespace lstaked::api

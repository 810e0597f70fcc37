// One JSON-RPC 2.0 call over HTTP to a test peer (anvil, the local Kusama node).
//
// Contract: a new connection per call (thread-safe); throws std::runtime_error
// naming `peer` and the method when there is no answer or the node answers an error.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>

namespace lstaked::test {

nlohmann::json json_rpc_call(const std::string& peer, const std::string& url, const std::string& method,
                             const nlohmann::json& params, std::chrono::seconds read_timeout);

} // namespace lstaked::test

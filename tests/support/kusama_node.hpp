// A real Kusama peer for tests: the local Kusama test node (tools/kusama-node,
// polkadot-js with the real Kusama or Asset Hub metadata) on a free 127.0.0.1
// port, with its dev methods (dev_newBlocks, dev_info, dev_fault, ...).
//
// Contract: the node is killed when the object dies (and with the test
// process); its output goes to files in the given directory.
#pragma once

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace lstaked::test {

class kusama_node {
public:
  /// `options`: tools/kusama-node/start options besides --port, e.g.
  /// {"--metadata", "asset-hub", "--block-ms", "0", "--finality-lag", "2"}.
  kusama_node(const temp_dir& dir, std::vector<std::string> options,
              const std::string& log_name = "kusama-node");
  bool ok() const { return !url.empty(); }

  std::string url; // http://127.0.0.1:PORT

  /// One JSON-RPC call; throws on transport or node errors.
  nlohmann::json rpc(const std::string& method, nlohmann::json params = nlohmann::json::array());
  /// Produces `count` blocks now; returns the new best block number.
  uint64_t new_blocks(uint64_t count = 1);
  uint64_t best_number();
  uint64_t finalized_number();
  std::string log() const;

private:
  std::unique_ptr<background_process> process_;
};

} // namespace lstaked::test

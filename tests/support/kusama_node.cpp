#include "tests/support/kusama_node.hpp"

#include "tests/support/json_rpc.hpp"

#include <chrono>

namespace lstaked::test {

namespace {
const std::string repo = LSTAKED_TEST_SOURCE_DIR;
}

kusama_node::kusama_node(const temp_dir& dir, std::vector<std::string> options,
                         const std::string& log_name) {
  std::vector<std::string> argv{"/usr/bin/env", "node", repo + "/tools/kusama-node/start", "--port", "0"};
  argv.insert(argv.end(), options.begin(), options.end());
  process_ = std::make_unique<background_process>(argv, dir.file(log_name));
  // polkadot-js loads the metadata at start: slow on a loaded machine.
  if (auto port = process_->wait_for_port("listening on http://", std::chrono::seconds(120)))
    url = "http://127.0.0.1:" + std::to_string(port);
}

nlohmann::json kusama_node::rpc(const std::string& method, nlohmann::json params) {
  return json_rpc_call("kusama node", url, method, params, std::chrono::seconds(60));
}

uint64_t kusama_node::new_blocks(uint64_t count) {
  return rpc("dev_newBlocks", {count})["number"].get<uint64_t>();
}

uint64_t kusama_node::best_number() {
  return rpc("dev_info")["head"]["number"].get<uint64_t>();
}

uint64_t kusama_node::finalized_number() {
  return rpc("dev_info")["finalized"]["number"].get<uint64_t>();
}

std::string kusama_node::log() const {
  return process_ ? process_->stderr_text() + process_->stdout_text() : std::string{};
}

} // namespace lstaked::test

#include "tests/support/kusama_node.hpp"

#include <httplib.h>

#include <chrono>
#include <regex>
#include <stdexcept>

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
  auto line = process_->wait_for_line("listening on http://", std::chrono::seconds(120));
  std::smatch m;
  if (line && std::regex_search(*line, m, std::regex{R"(http://127\.0\.0\.1:(\d+))"}))
    url = "http://127.0.0.1:" + m[1].str();
}

nlohmann::json kusama_node::rpc(const std::string& method, nlohmann::json params) {
  httplib::Client client{url};
  client.set_read_timeout(std::chrono::seconds(60));
  nlohmann::json req = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
  auto res = client.Post("/", req.dump(), "application/json");
  if (!res || res->status != 200)
    throw std::runtime_error("kusama node " + method + ": no answer");
  auto body = nlohmann::json::parse(res->body);
  if (body.contains("error"))
    throw std::runtime_error("kusama node " + method + ": " + body["error"].dump());
  return body["result"];
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

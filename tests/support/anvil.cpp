#include "tests/support/anvil.hpp"

#include "config/secret_file.hpp"
#include "tests/support/json_rpc.hpp"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace lstaked::test {

namespace {
const std::string repo = LSTAKED_TEST_SOURCE_DIR;

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.pop_back();
  return s;
}
} // namespace

anvil_node::anvil_node(const temp_dir& dir, unsigned slots)
  : anvil_node(dir, anvil_options{slots}) {}

anvil_node::anvil_node(const temp_dir& dir, const anvil_options& options) : dir_(dir) {
  ::setenv("HOME", dir.path().c_str(), 1); // anvil and cast write under $HOME
  std::vector<std::string> argv{repo + "/node_modules/.bin/anvil", "--host", "127.0.0.1", "--port", "0",
                                "--slots-in-an-epoch", std::to_string(options.slots_in_an_epoch)};
  if (options.gas_limit > 0)
    argv.insert(argv.end(), {"--gas-limit", std::to_string(options.gas_limit)});
  process_ = std::make_unique<background_process>(argv, dir.file("anvil"));
  if (auto port = process_->wait_for_port("Listening on", std::chrono::seconds(30)))
    url = "http://127.0.0.1:" + std::to_string(port);
}

nlohmann::json anvil_node::rpc(const std::string& method, nlohmann::json params) {
  return json_rpc_call("anvil", url, method, params, std::chrono::seconds(30));
}

void anvil_node::mine(uint64_t blocks) {
  rpc("anvil_mine", {"0x" + [&] {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(blocks));
        return std::string{buf};
      }()});
}

void anvil_node::set_automine(bool on) {
  rpc("evm_setAutomine", {on});
}

uint64_t anvil_node::block_number() {
  return std::stoull(rpc("eth_blockNumber").get<std::string>(), nullptr, 16);
}

uint64_t anvil_node::finalized_number() {
  auto b = rpc("eth_getBlockByNumber", {"finalized", false});
  return std::stoull(b["number"].get<std::string>(), nullptr, 16);
}

std::string anvil_node::cast(std::vector<std::string> args) {
  args.insert(args.begin(), repo + "/node_modules/.bin/cast");
  auto r = run_process(args, dir_.path(), std::chrono::seconds(120));
  if (r.exit_code != 0)
    throw std::runtime_error("cast failed: " + r.err);
  return trim(r.out);
}

deployment anvil_node::deploy(const std::string& notary) {
  auto key = dir_.file("deployer.key");
  if (auto err = create_secret_file(key, anvil_key0.substr(2)))
    throw std::runtime_error("cannot write the deployer key");
  auto out = dir_.file("deploy.json");
  auto r = run_process({"/usr/bin/env", "node", repo + "/tools/deploy-contracts/deploy", "--rpc-url",
                        url, "--private-key-file", key, "--notary", notary, "--out", out},
                       dir_.path(), std::chrono::seconds(300));
  if (r.exit_code != 0)
    throw std::runtime_error("deploy failed: " + r.err);
  std::ifstream in{out};
  auto d = nlohmann::json::parse(in);
  return deployment{d["pool"], d["token"], d["deployBlock"]};
}

} // namespace lstaked::test

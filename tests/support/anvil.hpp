// A real Ethereum peer for tests: anvil on a free 127.0.0.1 port, the real
// contracts deployed by tools/deploy-contracts/deploy, and `cast` to act as a
// user. Keys are anvil's well-known development keys, never real ones.
//
// Contract: the node is killed when the object dies; cast and anvil write
// under the given directory (HOME is pointed there for the process).
#pragma once

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

namespace lstaked::test {

/// anvil's development accounts 0 and 1.
inline const std::string anvil_key0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
inline const std::string anvil_address0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
inline const std::string anvil_key1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
inline const std::string anvil_address1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

struct deployment {
  std::string pool;
  std::string token;
  uint64_t block = 0;
};

/// How anvil is started (defaults: as `anvil_node(dir)`).
struct anvil_options {
  /// finalized = latest - 2 * slots.
  unsigned slots_in_an_epoch = 1;
  /// anvil's block gas limit (--gas-limit); 0: anvil's default.
  uint64_t gas_limit = 0;
};

class anvil_node {
public:
  /// `slots_in_an_epoch`: finalized = latest - 2 * slots.
  anvil_node(const temp_dir& dir, unsigned slots_in_an_epoch = 1);
  anvil_node(const temp_dir& dir, const anvil_options& options);
  bool ok() const { return !url.empty(); }

  std::string url;

  /// One JSON-RPC call; throws on transport or node errors.
  nlohmann::json rpc(const std::string& method, nlohmann::json params = nlohmann::json::array());
  void mine(uint64_t blocks);
  /// Off: transactions wait in the pool until `mine` (evm_setAutomine).
  void set_automine(bool on);
  uint64_t block_number();
  uint64_t finalized_number();

  /// Runs node_modules/.bin/cast with the arguments; returns stdout (trimmed).
  /// Throws with stderr if cast fails.
  std::string cast(std::vector<std::string> args);

  /// Deploys aKSMb + PolkadotPool with anvil account 0 as deployer and `notary`.
  deployment deploy(const std::string& notary);

private:
  const temp_dir& dir_;
  std::unique_ptr<background_process> process_;
};

} // namespace lstaked::test

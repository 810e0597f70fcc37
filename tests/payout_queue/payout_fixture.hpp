// The payout e2e tests' fixture: the built daemon, the local Kusama node and
// anvil with the real contracts; //Ferdie is the deposit account, //Eve the
// one stash. Helpers to stake, claim and burn as users do (polkadot-js and
// cast, never our own code).
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/sig/keypair.hpp"
#include "chain/sig/ss58.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/kusama_node.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include <sys/stat.h>

using namespace lstaked;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace payout_test {

const std::string repo = LSTAKED_SOURCE_DIR;
constexpr uint64_t ksm = 1'000'000'000'000ull;

struct dev_key {
  std::string uri, hex, ss58;
};

inline dev_key key(const std::string& uri) {
  auto kp = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, uri);
  auto& a = kp->account();
  return {uri, chain::to_hex(chain::byte_view(a.data(), a.size())),
          *chain::sig::ss58_encode(chain::byte_view(a.data(), a.size()), 2)};
}

inline const dev_key ferdie = key("//Ferdie"), eve = key("//Eve"), alice = key("//Alice"),
              alice_stash = key("//Alice//stash");

inline void write_file(const std::string& path, const std::string& text) {
  { std::ofstream{path} << text; }
  ::chmod(path.c_str(), 0600);
}

inline json last_json(const std::string& out) {
  auto s = out;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  auto nl = s.rfind('\n');
  return json::parse(nl == std::string::npos ? s : s.substr(nl + 1), nullptr, false);
}

struct burn {
  std::string recipient; // 0x + 64 hex
  uint64_t planck = 0;
  std::string kind; // fresh | below_ed | existing
};

class payout_fixture : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<test::anvil_node> anvil;
  test::deployment contracts;
  std::unique_ptr<test::daemon> lstaked;
  int starts = 0;
  // Set by a derived fixture's constructor.
  std::vector<std::string> extra_node_args;  // e.g. --metadata asset-hub, --bonding-duration 3
  std::string deposit_buffer = "600";        // KSM kept free on the deposit account
  uint32_t max_batch_items = 40;

  void SetUp() override {
    ::setenv("FOUNDRY_DISABLE_NIGHTLY_WARNING", "1", 1);
    // An archive node (as the README requires of kusama.rpc_url): the tests'
    // chain checks (payouts_on_chain.mjs) read the events of every block, and
    // a fault phase can make more blocks than a pruned node's 256.
    std::vector<std::string> args{"--block-ms", "0", "--finality-lag", "1", "--era-blocks", "10",
                                  "--state-pruning", "100000"};
    args.insert(args.end(), extra_node_args.begin(), extra_node_args.end());
    node = std::make_unique<test::kusama_node>(dir, args);
    ASSERT_TRUE(node->ok()) << node->log();
    anvil = std::make_unique<test::anvil_node>(dir, 1);
    ASSERT_TRUE(anvil->ok());
    contracts = anvil->deploy(test::anvil_address0);
    node->rpc("dev_setBalance", {ferdie.ss58, "1000000000000"});
    node->rpc("dev_setBalance", {eve.ss58, "1000000000000"});
  }

  std::string config() {
    write_file(dir.file("deposit.key"), ferdie.uri + "\n");
    write_file(dir.file("eve.key"), eve.uri + "\n");
    write_file(dir.file("notary.key"), test::anvil_key0.substr(2) + "\n");
    auto path = dir.file("lstaked.toml");
    std::ofstream cfg{path};
    cfg << "data_dir = \"" << dir.file("data") << "\"\n"
        << "[http]\nlisten = \"127.0.0.1:0\"\n"
        << "[kusama]\nrpc_url = \"" << node->url << "\"\ndeposit_address = \"" << ferdie.ss58
        << "\"\nstart_block = 1\npoll_interval_ms = 150\n"
        << "[staking]\ndeposit_key_file = \"" << dir.file("deposit.key") << "\"\n"
        << "stashes = [\"" << eve.ss58 << "\"]\nstash_key_files = [\"" << dir.file("eve.key")
        << "\"]\nvalidators = [\"" << alice_stash.ss58 << "\"]\npoll_interval_ms = 200\n"
        << "deposit_buffer = \"" << deposit_buffer << "\"\n" // kept free on the deposit account
        << "[payouts]\npoll_interval_ms = 200\nmax_batch_items = " << max_batch_items << "\n"
        << "[ethereum]\nrpc_url = \"" << anvil->url << "\"\nchain_id = 31337\npool_address = \""
        << contracts.pool << "\"\ntoken_address = \"" << contracts.token
        << "\"\nstart_block = " << contracts.block << "\npoll_interval_ms = 200\n"
        << "[claims]\nnotary_key_file = \"" << dir.file("notary.key") << "\"\n"
        << "max_request_ttl_seconds = 4000000000\n";
    return path;
  }

  void start() {
    if (!lstaked)
      lstaked = std::make_unique<test::daemon>(dir, config());
    ASSERT_TRUE(lstaked->start("lstaked-" + std::to_string(starts++))) << lstaked->last_log();
  }

  void tick() {
    node->new_blocks(1);
    anvil->mine(1);
    std::this_thread::sleep_for(100ms);
  }

  int64_t count(const std::string& sql) {
    SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    return db.execAndGet(sql).getInt64();
  }

  // `from` (a dev URI) sends `ksm_amount` KSM to the deposit account with
  // @polkadot/api; returns once the daemon has `credited` deposits in all.
  void stake(const std::string& from, uint64_t ksm_amount, int credited) {
    auto transfer = test::run_process(
      {"/usr/bin/env", "node", "-e",
       "import('" + repo + "/tools/kusama-node/test-support/helpers.js').then(async (h) => {"
       "const {api, keyring} = await h.connect(process.argv[1]);"
       "await api.tx.balances.transferKeepAlive(process.argv[2], BigInt(process.argv[4]) * h.KSM)"
       ".signAndSend(keyring.addFromUri(process.argv[3]), {nonce: -1});"
       "await api.disconnect(); })",
       node->url, ferdie.ss58, from, std::to_string(ksm_amount)},
      dir.path(), 60s);
    ASSERT_EQ(transfer.exit_code, 0) << transfer.err;
    auto sql = "SELECT COUNT(*) FROM deposits WHERE status = 'CREDITED'";
    for (int i = 0; i < 200 && count(sql) < credited; ++i)
      tick();
    ASSERT_EQ(count(sql), credited);
  }

  // `uri` claims `ksm_text` KSM of its deposits as aKSMb to anvil account 1
  // (signed with polkadot-js), which mints it with cast.
  void claim_to_account1(const std::string& uri, const std::string& ksm_text, const std::string& nonce) {
    auto sign = test::run_process(
      {"/usr/bin/env", "node", repo + "/tests/stake_flow/sign_claim.mjs",
       json{{"uri", uri}, {"ethAddress", test::anvil_address1}, {"amount", ksm_text},
            {"nonce", nonce}, {"expiresAt", 4000000000ll}, {"chainId", 31337}}.dump()},
      dir.path(), 60s);
    ASSERT_EQ(sign.exit_code, 0) << sign.err;
    test::http_reply claimed;
    for (int i = 0; i < 100; ++i) {
      claimed = lstaked->post("/v1/claims", last_json(sign.out)["body"].dump());
      if (claimed.status != 503 && claimed.status != 0)
        break;
      tick();
    }
    ASSERT_EQ(claimed.status, 200) << claimed.raw;
    auto c = claimed.body["claim"]["data"];
    anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key1, contracts.pool,
                 "claimBonds(address,uint256,uint256,uint256,address,bytes)", contracts.token,
                 c["claimId"].get<std::string>(), ksm_text + "000000000000000000",
                 std::to_string(c["claimBeforeBlock"].get<uint64_t>()),
                 c["ethAddress"].get<std::string>(), c["signature"].get<std::string>()});
  }

  // Anvil account 1 burns aKSMb for each (recipient, planck) in order.
  json burn_for(const std::vector<std::pair<std::string, uint64_t>>& burns, const std::string& file) {
    json list = json::array();
    for (auto& [recipient, planck] : burns)
      list.push_back({{"recipient", recipient}, {"amountWei", std::to_string(planck) + "000000"}});
    { std::ofstream{dir.file(file)} << list.dump(); }
    return run_node({repo + "/tests/payout_queue/burn_many.mjs", anvil->url, contracts.pool,
                     contracts.token, test::anvil_address1, dir.file(file)});
  }

  json run_node(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/env", "node"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = test::run_process(argv, dir.path(), 600s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return last_json(r.out);
  }
};

} // namespace payout_test

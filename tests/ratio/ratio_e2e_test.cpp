// The ratio end to end (issue #13): the BUILT daemon with the local Kusama node
// and anvil (the real contracts). A deposit is bonded and nominated, eras pay
// rewards, and the daemon publishes a new aKSMb ratio through its Ethereum
// outbox. The published ratio must equal an INDEPENDENT calculation: the pool
// accounts read with @polkadot/api at the Kusama block the daemon read, aKSMb's
// totalShares read with cast at its Ethereum block, and docs/ratio.md's formula
// in JavaScript BigInt (expected_ratio.mjs). The fee ledger must hold exactly
// the 2%, aKSMb.ratio() on anvil must be the published ratio, and the unclaimed
// deposit's claimable must have grown.
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
#include <thread>

#include <sys/stat.h>

using namespace lstaked;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;

struct dev_key {
  std::string uri, hex, ss58;
};

dev_key key(const std::string& uri) {
  auto kp = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, uri);
  auto& a = kp->account();
  return {uri, chain::to_hex(chain::byte_view(a.data(), a.size())),
          *chain::sig::ss58_encode(chain::byte_view(a.data(), a.size()), 2)};
}

const dev_key ferdie = key("//Ferdie"), eve = key("//Eve"), alice_stash = key("//Alice//stash");

void write_file(const std::string& path, const std::string& text, mode_t mode = 0600) {
  { std::ofstream{path} << text; }
  ::chmod(path.c_str(), mode);
}

json last_json(const std::string& out) {
  auto brace = out.rfind("\n{");
  return json::parse(out.substr(brace == std::string::npos ? 0 : brace + 1), nullptr, false);
}

class ratio_e2e : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<test::anvil_node> anvil;
  test::deployment contracts;

  void SetUp() override {
    ::setenv("FOUNDRY_DISABLE_NIGHTLY_WARNING", "1", 1);
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--block-ms", "0", "--finality-lag", "1", "--era-blocks", "10"});
    ASSERT_TRUE(node->ok()) << node->log();
    anvil = std::make_unique<test::anvil_node>(dir, 1);
    ASSERT_TRUE(anvil->ok());
    contracts = anvil->deploy(test::anvil_address0);
    // The admin (anvil's account 0, also the operator) allows hourly updates of up to
    // 100% a year; the test moves anvil's clock instead of waiting.
    anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key0,
                 contracts.token, "setRatioBounds(uint256,uint256,uint256)", "3600", "10000",
                 "2000"});
    // //Ferdie (the deposit account) and //Eve (the stash) start nearly empty.
    node->rpc("dev_setBalance", {ferdie.ss58, "1000000000000"});
    node->rpc("dev_setBalance", {eve.ss58, "1000000000000"});
  }

  std::string config() {
    write_file(dir.file("deposit.key"), ferdie.uri + "\n");
    write_file(dir.file("eve.key"), eve.uri + "\n");
    write_file(dir.file("eth.key"), test::anvil_key0.substr(2) + "\n");
    auto path = dir.file("lstaked.toml");
    std::ofstream cfg{path};
    cfg << "data_dir = \"" << dir.file("data") << "\"\n"
        << "[http]\nlisten = \"127.0.0.1:0\"\n"
        << "[kusama]\nrpc_url = \"" << node->url << "\"\ndeposit_address = \"" << ferdie.ss58
        << "\"\nstart_block = 1\npoll_interval_ms = 150\n"
        << "[staking]\ndeposit_key_file = \"" << dir.file("deposit.key") << "\"\n"
        << "stashes = [\"" << eve.ss58 << "\"]\nstash_key_files = [\"" << dir.file("eve.key")
        << "\"]\nvalidators = [\"" << alice_stash.ss58 << "\"]\npoll_interval_ms = 200\n"
        << "[ethereum]\nrpc_url = \"" << anvil->url << "\"\nchain_id = 31337\npool_address = \""
        << contracts.pool << "\"\ntoken_address = \"" << contracts.token
        << "\"\nstart_block = " << contracts.block << "\npoll_interval_ms = 200\n"
        << "operator_key_file = \"" << dir.file("eth.key") << "\"\n"
        << "[claims]\nnotary_key_file = \"" << dir.file("eth.key") << "\"\n"
        << "[ratio]\nfee_bps = 200\ninterval_seconds = 60\npoll_interval_ms = 200\n";
    return path;
  }

  // Both chains move on: a Kusama block, an Ethereum block.
  void tick() {
    node->new_blocks(1);
    anvil->mine(1);
    std::this_thread::sleep_for(100ms);
  }

  json db_row(const std::string& sql) {
    SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    SQLite::Statement q(db, sql);
    json row = json::object();
    if (q.executeStep())
      for (int i = 0; i < q.getColumnCount(); ++i)
        row[q.getColumnName(i)] = q.getColumn(i).isNull() ? json() : json(q.getColumn(i).getString());
    return row;
  }
};

} // namespace

TEST_F(ratio_e2e, rewards_become_a_published_ratio_equal_to_an_independent_calculation) {
  test::daemon d(dir, config());
  ASSERT_TRUE(d.start("lstaked")) << d.last_log();
  // A 1,000 KSM deposit by //Alice: credited, then bonded on //Eve and nominated.
  auto transfer = test::run_process(
    {"/usr/bin/env", "node", "-e",
     "import('" + repo + "/tools/kusama-node/test-support/helpers.js').then(async (h) => {"
     "const {api, dev} = await h.connect(process.argv[1]);"
     "await api.tx.balances.transferKeepAlive(process.argv[2], 1000n * h.KSM).signAndSend(dev.alice, {nonce: -1});"
     "await api.disconnect(); })",
     node->url, ferdie.ss58},
    dir.path(), 60s);
  ASSERT_EQ(transfer.exit_code, 0) << transfer.err;
  auto bonded_and_nominated = [&] {
    auto n = db_row("SELECT COUNT(*) AS n FROM outbox WHERE purpose = 'nominate' AND status = 'FINALIZED'");
    return n.value("n", "0") != "0";
  };
  for (int i = 0; i < 400 && !bonded_and_nominated(); ++i)
    tick();
  ASSERT_TRUE(bonded_and_nominated()) << d.last_log();
  // Eras pay rewards; the daemon collects them (payout_stakers).
  for (int era = 0; era < 3; ++era) {
    node->rpc("dev_nextEra", {1});
    for (int i = 0; i < 15; ++i)
      tick();
  }
  // aKSMb accepts an update an hour after the last one, and a reward of at most
  // 100% a year pro rata: move anvil's clock 30 days so the test's reward (the
  // local node pays generously) is published as computed, not clamped.
  anvil->rpc("evm_increaseTime", {30 * 24 * 3600});
  auto published = [&] {
    return db_row("SELECT COUNT(*) AS n FROM ratio_history").value("n", "0") != "0";
  };
  for (int i = 0; i < 900 && !published(); ++i)
    tick(); // the first calculation (no reward yet) counts; the next is due 60 s later
  ASSERT_TRUE(published()) << d.last_log();
  auto calc = db_row("SELECT id, kusama_block, kusama_hash, eth_block, published_ratio, fee_planck, "
                     "inputs, decision, status FROM ratio_calculations WHERE status = 'IN_EFFECT'");
  ASSERT_FALSE(calc.empty()) << d.last_log();
  EXPECT_EQ(calc["decision"], "publish");
  auto inputs = json::parse(calc["inputs"].get<std::string>());
  // The independent calculation at the same blocks.
  auto total_shares = anvil->cast({"call", "--rpc-url", anvil->url, "--block",
                                   calc["eth_block"].get<std::string>(), contracts.token,
                                   "totalShares()(uint256)"});
  total_shares = total_shares.substr(0, total_shares.find(' '));
  EXPECT_EQ(total_shares, inputs["eth_total_shares"]);
  EXPECT_EQ(inputs["unclaimed_shares"], "1000000000000000000000"); // the deposit, at 1e18
  auto expected = test::run_process(
    {"/usr/bin/env", "node", repo + "/tests/ratio/expected_ratio.mjs", node->url,
     calc["kusama_hash"].get<std::string>(), "1000000000000000000000", "1000000000000000000", "200",
     "0", ferdie.ss58, eve.ss58},
    dir.path(), 60s);
  ASSERT_EQ(expected.exit_code, 0) << expected.err;
  auto want = last_json(expected.out);
  EXPECT_EQ(inputs["held_on_chain_planck"], want["held"]) << want.dump();
  EXPECT_EQ(calc["published_ratio"], want["ratio"]) << want.dump();
  EXPECT_EQ(calc["fee_planck"], want["fee"]);
  EXPECT_NE(want["reward"], "0");
  // Exactly the 2% in the fee ledger; aKSMb on anvil has the same ratio; the API shows it.
  EXPECT_EQ(db_row("SELECT amount_planck FROM fee_ledger WHERE kind = 'FEE'")["amount_planck"],
            want["fee"]);
  auto on_chain = anvil->cast({"call", "--rpc-url", anvil->url, contracts.token, "ratio()(uint256)"});
  EXPECT_EQ(on_chain.substr(0, on_chain.find(' ')), want["ratio"]);
  auto api = d.get("/v1/ratio");
  ASSERT_EQ(api.status, 200) << api.raw;
  EXPECT_EQ(api.body["ratio"], want["ratio"]);
  EXPECT_EQ(d.get("/v1/ratio/history").body["entries"].size(), 1u);
  for (auto* bad : {"?limit=0", "?limit=501", "?limit=abc", "?before=0", "?before=x"}) {
    auto r = d.get(std::string("/v1/ratio/history") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.body["error"]["code"], "invalid_query") << bad;
  }
  // The unclaimed deposit is worth more than the 1,000 KSM put in.
  auto alice = d.get("/v1/accounts/" + key("//Alice").ss58);
  ASSERT_EQ(alice.status, 200) << alice.raw;
  EXPECT_GT(alice.body["claimable"]["nativeAmount"].get<std::string>(), "1000000000000000");
  EXPECT_EQ(alice.body["claimable"]["nativeAmount"].get<std::string>().size(), 16u);
  ASSERT_TRUE(d.stop());
}

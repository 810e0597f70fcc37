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
        << "max_fee_per_gas_gwei = " << max_fee_gwei << "\ntx_stuck_seconds = 600\n"
        << "[claims]\nnotary_key_file = \"" << dir.file("eth.key") << "\"\n"
        << "max_request_ttl_seconds = 4000000000\n"
        << "[ratio]\nfee_bps = 200\ninterval_seconds = 60\npoll_interval_ms = 200\n";
    return path;
  }

  // The Ethereum submitter's fee cap (gwei); a base fee pinned above it keeps
  // an update an unsigned INTENT for as long as the test wants.
  uint64_t max_fee_gwei = 500;
  bool pin_base_fee = false;
  void eth_block() {
    if (pin_base_fee)
      anvil->rpc("anvil_setNextBlockBaseFeePerGas", {"50000000000"}); // 50 gwei
    anvil->mine(1);
  }

  // Both chains move on: a Kusama block, an Ethereum block.
  void tick() {
    node->new_blocks(1);
    eth_block();
    std::this_thread::sleep_for(100ms);
  }

  // A 1,000 KSM deposit by //Alice, bonded on //Eve and nominated; then three
  // eras pay rewards, which the daemon collects (payout_stakers).
  void stake_and_earn(test::daemon& d) {
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
  }
  void earn_three_eras() {
    for (int era = 0; era < 3; ++era) {
      node->rpc("dev_nextEra", {1});
      for (int i = 0; i < 15; ++i)
        tick();
    }
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
  stake_and_earn(d);
  if (HasFatalFailure())
    return;
  earn_three_eras();
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

// The full flow, with the publication crashed at each step of the Ethereum
// outbox: //Alice stakes 1,000 KSM and claims all of it as aKSMb on anvil
// (account 1) before any reward; eras pay rewards; the ratio update is killed
// (a) as an INTENT not yet signed (a base fee above the cap holds it), (b) sent
// and in anvil's mempool with no receipt (automine off), (c) mined and not yet
// final. Exactly one RatioUpdated reaches the chain (counted from anvil's logs),
// the holder's balanceOf grows by the reward less 2%, and burning the whole
// balance makes an unstake request carrying it.
TEST_F(ratio_e2e, claimed_balance_grows_once_through_kill9_at_each_step_and_a_burn_carries_the_rewards) {
  max_fee_gwei = 10;
  auto cfg = config();
  test::daemon d(dir, cfg);
  ASSERT_TRUE(d.start("lstaked")) << d.last_log();
  stake_and_earn(d);
  if (HasFatalFailure())
    return;

  // 1. Claim all 1,000 KSM to anvil account 1 and mint them (ratio 1e18).
  auto sign = test::run_process(
    {"/usr/bin/env", "node", repo + "/tests/stake_flow/sign_claim.mjs",
     json{{"uri", "//Alice"}, {"ethAddress", test::anvil_address1}, {"amount", "1000"},
          {"nonce", "ratio-full-flow"}, {"expiresAt", 4000000000ll}, {"chainId", 31337}}.dump()},
    dir.path(), 60s);
  ASSERT_EQ(sign.exit_code, 0) << sign.err;
  auto request = last_json(sign.out);
  test::http_reply claimed;
  for (int i = 0; i < 100; ++i) {
    claimed = d.post("/v1/claims", request["body"].dump());
    if (claimed.status != 503 && claimed.status != 0)
      break;
    tick();
  }
  ASSERT_EQ(claimed.status, 200) << claimed.raw;
  auto c = claimed.body["claim"]["data"];
  const std::string minted = "1000000000000000000000";
  anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key1, contracts.pool,
               "claimBonds(address,uint256,uint256,uint256,address,bytes)", contracts.token,
               c["claimId"].get<std::string>(), minted,
               std::to_string(c["claimBeforeBlock"].get<uint64_t>()),
               c["ethAddress"].get<std::string>(), c["signature"].get<std::string>()});
  auto balance = [&] {
    auto b = anvil->cast({"call", "--rpc-url", anvil->url, contracts.token,
                          "balanceOf(address)(uint256)", test::anvil_address1});
    return b.substr(0, b.find(' '));
  };
  EXPECT_EQ(balance(), minted);
  for (int i = 0; i < 100 && d.get("/v1/claims/" + c["claimId"].get<std::string>())
                                   .body["claim"]["status"] != "CLAIMED"; ++i)
    tick();
  ASSERT_EQ(d.get("/v1/claims/" + c["claimId"].get<std::string>()).body["claim"]["status"], "CLAIMED");
  earn_three_eras();

  // 2. (a) The update is decided and written as an INTENT; the base fee is
  // above the cap, so it is not signed. kill -9; after the restart it is still
  // the one unsigned INTENT.
  pin_base_fee = true;
  eth_block();
  anvil->rpc("evm_increaseTime", {30 * 24 * 3600});
  auto update = [&] {
    return db_row("SELECT id, status, attempts, tx_hash, note FROM outbox "
                  "WHERE purpose = 'update_ratio' ORDER BY id");
  };
  auto updates = [&] {
    return db_row("SELECT COUNT(*) AS n FROM outbox WHERE purpose = 'update_ratio'").value("n", "0");
  };
  for (int i = 0; i < 900 && update().empty(); ++i)
    tick();
  ASSERT_FALSE(update().empty()) << d.last_log();
  for (int i = 0; i < 5; ++i)
    tick();
  EXPECT_EQ(update()["status"], "INTENT");
  EXPECT_EQ(update()["attempts"], "0");
  EXPECT_NE(update()["note"].dump().find("max_fee_per_gas_gwei"), std::string::npos) << update().dump();
  d.kill9();
  ASSERT_TRUE(d.start("lstaked-a")) << d.last_log();
  for (int i = 0; i < 10; ++i)
    tick();
  EXPECT_EQ(update()["status"], "INTENT");
  EXPECT_EQ(update()["attempts"], "0");
  EXPECT_EQ(updates(), "1");

  // (b) The fee falls, anvil stops mining by itself: signed and sent, in the
  // mempool with no receipt. kill -9; the restart re-sends the same bytes.
  pin_base_fee = false;
  anvil->set_automine(false);
  anvil->rpc("anvil_setNextBlockBaseFeePerGas", {"1000000000"});
  anvil->mine(1);
  auto submitted = [&] { return update()["status"] == "SUBMITTED"; };
  for (int i = 0; i < 300 && !submitted(); ++i) {
    node->new_blocks(1);
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(submitted()) << update().dump() << d.last_log();
  auto sent = update();
  EXPECT_EQ(sent["attempts"], "1");
  auto pending = anvil->rpc("eth_getTransactionByHash", {sent["tx_hash"]});
  ASSERT_TRUE(pending.is_object()) << "not in anvil's mempool: " << pending.dump();
  EXPECT_TRUE(pending["blockNumber"].is_null()) << pending.dump();
  d.kill9();
  ASSERT_TRUE(d.start("lstaked-b")) << d.last_log();
  for (int i = 0; i < 20; ++i) {
    node->new_blocks(1);
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(update()["status"], "SUBMITTED");
  EXPECT_EQ(update()["attempts"], "1");
  EXPECT_EQ(update()["tx_hash"], sent["tx_hash"]);

  // (c) Mined, not final (anvil finalizes two blocks later): IN_BLOCK. kill -9.
  anvil->mine(1);
  auto in_block = [&] { return update()["status"] == "IN_BLOCK"; };
  for (int i = 0; i < 300 && !in_block(); ++i)
    std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(in_block()) << update().dump();
  d.kill9();
  anvil->set_automine(true);
  ASSERT_TRUE(d.start("lstaked-c")) << d.last_log();
  auto in_effect = [&] {
    return db_row("SELECT COUNT(*) AS n FROM ratio_calculations WHERE status = 'IN_EFFECT'")
             .value("n", "0") == "1";
  };
  for (int i = 0; i < 300 && !in_effect(); ++i)
    tick();
  ASSERT_TRUE(in_effect()) << update().dump() << d.last_log();
  for (int i = 0; i < 30; ++i)
    tick(); // more of the period: nothing else is sent (aKSMb's hour has not passed)
  EXPECT_EQ(update()["status"], "FINALIZED");
  EXPECT_EQ(update()["attempts"], "1");
  EXPECT_EQ(updates(), "1");
  auto logs = json::parse(anvil->cast({"logs", "--rpc-url", anvil->url, "--from-block",
                                       std::to_string(contracts.block), "--address", contracts.token,
                                       "RatioUpdated(uint256,uint256,uint256,uint256)", "--json"}),
                          nullptr, false);
  ASSERT_TRUE(logs.is_array());
  EXPECT_EQ(logs.size(), 1u) << logs.dump();

  // 3. The holder's aKSMb grew: balanceOf = shares x 1e18 / ratio (floor), in
  // BigInt; the value is the pool's less the 2% fee.
  auto calc = db_row("SELECT published_ratio, fee_planck, decision, result FROM ratio_calculations "
                     "WHERE status = 'IN_EFFECT'");
  EXPECT_EQ(calc["decision"], "publish");
  auto result = json::parse(calc["result"].get<std::string>());
  auto bigint = [&](const std::string& expr) {
    auto r = test::run_process({"/usr/bin/env", "node", "-e", "console.log((" + expr + ").toString())"},
                               dir.path(), 30s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  };
  auto grown = balance();
  EXPECT_EQ(grown, bigint(minted + "n * 10n**18n / " + calc["published_ratio"].get<std::string>() + "n"));
  auto reward = result["reward_planck"].get<std::string>();
  ASSERT_NE(reward.front(), '-');
  EXPECT_EQ(calc["fee_planck"], bigint(reward + "n * 200n / 10000n"));
  EXPECT_EQ(bigint(grown + "n > " + minted + "n"), "true");

  // 4. Burn the whole balance to //Alice's AccountId: the unstake request
  // carries 1,000 KSM + the reward - the fee (to the planck, rounded down for the pool).
  auto alice = key("//Alice");
  anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key1, contracts.pool,
               "burnBond(address,uint256,bytes)", contracts.token, grown, alice.hex});
  EXPECT_EQ(balance(), "0");
  auto unstake = [&] {
    auto h = d.get("/v1/accounts/" + alice.ss58 + "/history").body.value("entries", json::array());
    return !h.empty() && h[0]["kind"] == "UNSTAKE" ? h[0] : json();
  };
  for (int i = 0; i < 100 && unstake().is_null(); ++i)
    tick();
  auto entry = unstake();
  ASSERT_FALSE(entry.is_null()) << d.last_log();
  auto planck = entry["nativeAmount"].get<std::string>();
  EXPECT_EQ(planck, bigint(grown + "n / 10n**6n"));
  auto owed = bigint("1000000000000000n + " + reward + "n - " + calc["fee_planck"].get<std::string>() + "n");
  auto short_by = bigint(owed + "n - " + planck + "n");
  EXPECT_TRUE(short_by == "0" || short_by == "1" || short_by == "2")
    << "the request " << planck << " vs 1,000 KSM + reward - fee " << owed;
  EXPECT_EQ(bigint(planck + "n > 1000000000000000n"), "true");
  ASSERT_TRUE(d.stop());
}

// An operator key without aKSMb's OPERATOR_ROLE: the calculator says so at
// start (health, status, a critical log line), long before a calculation is
// due; it resumes by itself once the role is granted.
TEST_F(ratio_e2e, an_operator_key_without_the_role_is_reported_at_start_and_resumes_once_granted) {
  auto path = config();
  write_file(dir.file("eth.key"), test::anvil_key1.substr(2) + "\n"); // not aKSMb's operator
  test::daemon d(dir, path);
  ASSERT_TRUE(d.start("lstaked")) << d.last_log();
  auto calculator = [&] {
    auto status = d.get("/v1/status");
    for (auto& a : status.body.value("actors", json::array()))
      if (a["name"] == "ratio_calculator")
        return a;
    return json{{"status", status.raw}};
  };
  auto reported = [&] {
    return calculator().value("detail", "").find("does not hold aKSMb's OPERATOR_ROLE")
           != std::string::npos;
  };
  for (int i = 0; i < 100 && !reported(); ++i)
    tick();
  ASSERT_TRUE(reported()) << calculator().dump() << d.last_log();
  EXPECT_EQ(calculator()["ok"], false);
  EXPECT_NE(d.last_log().find(test::anvil_address1.substr(2, 8)), std::string::npos);
  auto role = anvil->cast({"call", "--rpc-url", anvil->url, contracts.token, "OPERATOR_ROLE()(bytes32)"});
  anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key0, contracts.token,
               "grantRole(bytes32,address)", role.substr(0, role.find(' ')), test::anvil_address1});
  for (int i = 0; i < 100 && reported(); ++i)
    tick();
  EXPECT_FALSE(reported()) << calculator().dump();
  EXPECT_EQ(calculator()["ok"], true) << calculator().dump();
  ASSERT_TRUE(d.stop());
}

// Slashes (dev_slash on the validator //Eve nominates, twice in one era).
// Within aKSMb's loss bound (5% here): published, no fee, a warning alert. Beyond it: nothing
// sent, claims paused, one critical alert; the operator raises the bound on
// the contract (to its ceiling, 20%), the next calculation publishes the loss,
// and claims resume.
namespace {
// Decimal strings without leading zeros, compared as numbers.
bool dec_less(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}
} // namespace

TEST_F(ratio_e2e, a_slash_within_the_bound_is_published_without_fee_and_beyond_it_pauses_claims_until_the_operator_acts) {
  anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key0, contracts.token,
               "setRatioBounds(uint256,uint256,uint256)", "3600", "10000", "500"});
  test::daemon d(dir, config());
  ASSERT_TRUE(d.start("lstaked")) << d.last_log();
  stake_and_earn(d);
  if (HasFatalFailure())
    return;
  earn_three_eras();
  anvil->rpc("evm_increaseTime", {30 * 24 * 3600});
  auto in_effect = [&] {
    return std::stoi(db_row("SELECT COUNT(*) AS n FROM ratio_calculations WHERE status = 'IN_EFFECT'")
                       .value("n", "0"));
  };
  auto calculations = [&] {
    return std::stoi(db_row("SELECT COUNT(*) AS n FROM ratio_calculations").value("n", "0"));
  };
  for (int i = 0; i < 900 && in_effect() < 1; ++i)
    tick();
  ASSERT_EQ(in_effect(), 1) << d.last_log();
  auto ratio_of = [&](int nth) {
    return db_row("SELECT published_ratio FROM ratio_calculations WHERE status = 'IN_EFFECT' "
                  "ORDER BY id LIMIT 1 OFFSET " + std::to_string(nth))["published_ratio"]
      .get<std::string>();
  };
  auto first_ratio = ratio_of(0);
  auto alerts = [&](const std::string& severity, const std::string& like) {
    return std::stoi(db_row("SELECT COUNT(*) AS n FROM alerts WHERE source = 'ratio' AND severity = '"
                            + severity + "' AND message LIKE '" + like + "'")
                       .value("n", "0"));
  };
  // Between the two slashes only Ethereum moves (and the two Kusama blocks that
  // finalize each slash), so both hit the same era's exposure: a slashed
  // validator is chilled and has none in the next era (eras end every 10 blocks).
  auto eth_tick = [&] {
    eth_block();
    std::this_thread::sleep_for(100ms);
  };
  auto wait_for_calculation = [&](int count) {
    anvil->rpc("evm_increaseTime", {2 * 3600}); // past aKSMb's hour
    for (int i = 0; i < 900 && calculations() < count; ++i)
      eth_tick(); // the next calculation is due 60 s after the last
    return calculations() >= count;
  };

  // 1. A new era (//Eve exposed to the validator), then 3% of //Eve's exposure
  // slashed: a loss of about 3%, within 5%.
  node->rpc("dev_nextEra", {1});
  auto slash = node->rpc("dev_slash", {alice_stash.ss58, 30'000'000});
  ASSERT_NE(slash.value("slashed", "0"), "0") << slash.dump();
  node->new_blocks(2);
  ASSERT_TRUE(wait_for_calculation(calculations() + 1));
  for (int i = 0; i < 300 && in_effect() < 2; ++i)
    eth_tick();
  ASSERT_EQ(in_effect(), 2) << d.last_log();
  auto loss = db_row("SELECT decision, fee_planck, result FROM ratio_calculations ORDER BY id DESC LIMIT 1");
  EXPECT_EQ(loss["decision"], "publish");
  EXPECT_EQ(loss["fee_planck"], "0");
  EXPECT_EQ(json::parse(loss["result"].get<std::string>())["reward_planck"].get<std::string>().front(), '-');
  EXPECT_EQ(alerts("warning", "a loss of %"), 1);
  auto second_ratio = ratio_of(1);
  EXPECT_TRUE(dec_less(first_ratio, second_ratio)) << first_ratio << " then " << second_ratio
                                                 << ": a loss raises the shares per KSM";
  EXPECT_EQ(db_row("SELECT COUNT(*) AS n FROM fee_ledger")["n"], "1") << "only the first period's fee";
  EXPECT_EQ(db_row("SELECT paused FROM flows WHERE flow = 'claims'")["paused"], "0");

  // 2. Another 10% of the same era's exposure: beyond the bound. Nothing is
  // sent, claims pause.
  auto outbox_rows = db_row("SELECT COUNT(*) AS n FROM outbox WHERE purpose = 'update_ratio'")["n"];
  slash = node->rpc("dev_slash", {alice_stash.ss58, 100'000'000});
  node->new_blocks(2);
  ASSERT_TRUE(wait_for_calculation(calculations() + 1));
  auto beyond = db_row("SELECT decision, status, reason FROM ratio_calculations ORDER BY id DESC LIMIT 1");
  EXPECT_EQ(beyond["decision"], "loss_beyond_bound") << beyond.dump() << slash.dump();
  EXPECT_EQ(beyond["status"], "NOT_PUBLISHED");
  EXPECT_EQ(db_row("SELECT COUNT(*) AS n FROM outbox WHERE purpose = 'update_ratio'")["n"], outbox_rows);
  EXPECT_EQ(db_row("SELECT paused FROM flows WHERE flow = 'claims'")["paused"], "1");
  EXPECT_EQ(alerts("critical", "a loss of %"), 1);
  auto sign = test::run_process(
    {"/usr/bin/env", "node", repo + "/tests/stake_flow/sign_claim.mjs",
     json{{"uri", "//Alice"}, {"ethAddress", test::anvil_address1}, {"amount", "1"},
          {"nonce", "paused-by-a-loss"}, {"expiresAt", 4000000000ll}, {"chainId", 31337}}.dump()},
    dir.path(), 60s);
  ASSERT_EQ(sign.exit_code, 0) << sign.err;
  auto refused = d.post("/v1/claims", last_json(sign.out)["body"].dump());
  EXPECT_NE(refused.status, 200) << refused.raw;
  EXPECT_NE(refused.raw.find("paused"), std::string::npos) << refused.raw;

  // 3. The operator accepts the loss on the contract (max loss 20%): the next
  // calculation publishes it, and claims resume once it is in effect.
  anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key0, contracts.token,
               "setRatioBounds(uint256,uint256,uint256)", "3600", "10000", "2000"});
  ASSERT_TRUE(wait_for_calculation(calculations() + 1));
  for (int i = 0; i < 300 && in_effect() < 3; ++i)
    tick();
  ASSERT_EQ(in_effect(), 3) << d.last_log();
  EXPECT_EQ(db_row("SELECT paused FROM flows WHERE flow = 'claims'")["paused"], "0");
  EXPECT_EQ(alerts("info", "claims resume%"), 1);
  auto accepted = d.post("/v1/claims", last_json(sign.out)["body"].dump());
  EXPECT_EQ(accepted.status, 200) << accepted.raw;
  ASSERT_TRUE(d.stop());
}

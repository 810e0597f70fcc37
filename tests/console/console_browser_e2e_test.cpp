// The admin console end to end (issue #15): the BUILT daemon with the local
// Kusama node and anvil (the real contracts), driven by Debian's chromium
// through playwright-core (console_browser.mjs). Real data first: a 1,000 KSM
// deposit and a 0.5 KSM one (BELOW_MINIMUM), rewards that become two
// published ratios, a claim; the payout queue holds one request and an alert
// is open (both written before the daemon starts: no burn is made here). Then
// the browser: a wrong token is refused (and counted), the login sets an
// HttpOnly SameSite=Strict cookie, every page renders that data (screenshots
// in build/test-artefacts/console/), and every action takes effect, checked
// through the user API, the admin API and the database: pause claims -> POST
// /v1/claims refused, resume -> accepted; release the HELD payout; acknowledge
// the alert; publish ratio now -> a calculation, action DONE; rotate
// validators -> action completed; refund and fee withdrawal paid on chain once each
// with their parameters; a POST without the CSRF token changes nothing.
#include "chain/common/bytes.hpp"
#include "chain/sig/keypair.hpp"
#include "chain/sig/ss58.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/claim_request.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/kusama_node.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/stat.h>

using namespace lstaked;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;
const std::string artefacts = std::string(LSTAKED_BINARY_DIR) + "/test-artefacts/console";

struct dev_key {
  std::string uri, hex, ss58;
};

dev_key key(const std::string& uri) {
  auto kp = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, uri);
  auto& a = kp->account();
  return {uri, chain::to_hex(chain::byte_view(a.data(), a.size())),
          *chain::sig::ss58_encode(chain::byte_view(a.data(), a.size()), 2)};
}

const dev_key ferdie = key("//Ferdie"), eve = key("//Eve"), alice_stash = key("//Alice//stash"),
              dave = key("//Dave"), bob = key("//Bob");

void write_file(const std::string& path, const std::string& text, mode_t mode = 0600) {
  { std::ofstream{path} << text; }
  ::chmod(path.c_str(), mode);
}

class console_browser_e2e : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<test::anvil_node> anvil;
  test::deployment contracts;
  int admin_port = 0;
  std::string token;

  void SetUp() override {
    ::setenv("FOUNDRY_DISABLE_NIGHTLY_WARNING", "1", 1);
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--block-ms", "0", "--finality-lag", "1", "--era-blocks", "10"});
    ASSERT_TRUE(node->ok()) << node->log();
    anvil = std::make_unique<test::anvil_node>(dir, 1);
    ASSERT_TRUE(anvil->ok());
    contracts = anvil->deploy(test::anvil_address0);
    // Hourly updates of up to 100% a year; the test moves anvil's clock.
    anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key0,
                 contracts.token, "setRatioBounds(uint256,uint256,uint256)", "3600", "10000",
                 "2000"});
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
        << "[admin]\nlisten = \"127.0.0.1:0\"\nfee_withdrawal_account = \"" << dave.ss58 << "\"\n"
        << "[kusama]\nrpc_url = \"" << node->url << "\"\ndeposit_address = \"" << ferdie.ss58
        << "\"\nstart_block = 1\npoll_interval_ms = 150\n"
        << "[staking]\ndeposit_key_file = \"" << dir.file("deposit.key") << "\"\n"
        << "stashes = [\"" << eve.ss58 << "\"]\nstash_key_files = [\"" << dir.file("eve.key")
        << "\"]\nvalidators = [\"" << alice_stash.ss58 << "\"]\npoll_interval_ms = 200\n"
        // Free KSM kept on the deposit account: the fee withdrawal is paid from
        // it at once instead of after an unbond (28 eras on this runtime).
        << "deposit_buffer = \"5\"\n"
        << "[payouts]\npoll_interval_ms = 200\n"
        << "[ethereum]\nrpc_url = \"" << anvil->url << "\"\nchain_id = 31337\npool_address = \""
        << contracts.pool << "\"\ntoken_address = \"" << contracts.token
        << "\"\nstart_block = " << contracts.block << "\npoll_interval_ms = 200\n"
        << "operator_key_file = \"" << dir.file("eth.key") << "\"\n"
        << "max_fee_per_gas_gwei = 500\ntx_stuck_seconds = 600\n"
        << "[claims]\nnotary_key_file = \"" << dir.file("eth.key") << "\"\n"
        << "max_request_ttl_seconds = 4000000000\n"
        << "[ratio]\nfee_bps = 200\ninterval_seconds = 3600\npoll_interval_ms = 200\n";
    return path;
  }

  void tick() {
    node->new_blocks(1);
    anvil->mine(1);
    std::this_thread::sleep_for(100ms);
  }

  std::string db_path() { return dir.file("data") + "/lstaked.sqlite"; }

  std::string db_value(const std::string& sql) {
    SQLite::Database db(db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, sql);
    if (!q.executeStep() || q.getColumn(0).isNull())
      return "";
    return q.getColumn(0).getString();
  }

  template <class F>
  bool tick_until(F&& done, int ticks) {
    for (int i = 0; i < ticks; ++i) {
      if (done())
        return true;
      tick();
    }
    return done();
  }

  test::http_reply admin(const std::string& method, const std::string& path,
                         const std::string& body = "{}") {
    auto args = std::vector<std::string>{"/usr/bin/curl", "-s", "-o", "-", "-w", "\n%{http_code}",
                                         "-X", method, "-H", "Authorization: Bearer " + token,
                                         "-H", "Content-Type: application/json"};
    if (method == "POST")
      args.insert(args.end(), {"--data", body});
    args.push_back("http://127.0.0.1:" + std::to_string(admin_port) + path);
    auto r = test::run_process(args, dir.path(), 30s);
    test::http_reply out;
    auto nl = r.out.rfind('\n');
    out.raw = r.out.substr(0, nl == std::string::npos ? 0 : nl);
    out.status = nl == std::string::npos ? 0 : std::atoi(r.out.c_str() + nl + 1);
    out.body = json::parse(out.raw, nullptr, false);
    return out;
  }

  void transfer(const std::string& from, const std::string& amount_expr) {
    auto r = test::run_process(
      {"/usr/bin/env", "node", "-e",
       "import('" + repo + "/tools/kusama-node/test-support/helpers.js').then(async (h) => {"
       "const {api, dev} = await h.connect(process.argv[1]);"
       "await api.tx.balances.transferKeepAlive(process.argv[2], " + amount_expr + ")"
       ".signAndSend(dev." + from + ", {nonce: -1});"
       "await api.disconnect(); })",
       node->url, ferdie.ss58},
      dir.path(), 60s);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // A reward: the deposit account's free balance grows by `ksm` (bonding is
  // paused, so everything the pool holds is there), aKSMb's clock moves past
  // its interval, and the operator asks for a ratio now; it takes effect.
  void reward_and_publish(uint64_t free_planck, int n) {
    node->rpc("dev_setBalance", {ferdie.ss58, std::to_string(free_planck)});
    anvil->rpc("evm_increaseTime", {7 * 24 * 3600});
    // The calculator reads aKSMb at the Ethereum follower's cursor: a final
    // block after the jump must be applied first.
    for (int i = 0; i < 10; ++i)
      tick();
    auto r = admin("POST", "/admin/v1/ratio/publish");
    ASSERT_EQ(r.status, 200) << r.raw;
    auto published = [&] { return db_value("SELECT COUNT(*) FROM ratio_history") == std::to_string(n); };
    ASSERT_TRUE(tick_until(published, 300)) << db_value("SELECT outcome FROM admin_actions ORDER BY id DESC");
  }
};

} // namespace

TEST_F(console_browser_e2e, an_operator_logs_in_sees_every_page_and_every_action_takes_effect) {
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium")) << "apt-get install chromium (tools/setup)";
  std::filesystem::create_directories(artefacts);
  test::daemon d(dir, config());
  // Before the first start: the schema, one HELD payout to //Dave and an open alert.
  auto migrated = d.cli({"db", "migrate"});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  {
    SQLite::Database db(db_path(), SQLite::OPEN_READWRITE);
    db.exec("INSERT INTO unstake_requests (request_id, tx_hash, log_index, block_number, eth_account, "
            "recipient, amount_wei, amount_planck, shares, status, held_reason, created_at, updated_at) "
            "VALUES ('7', '0x" + std::string(64, '7') + "', 0, " + std::to_string(contracts.block)
            + ", '0x" + std::string(40, '7') + "', '" + dave.hex + "', '200000000000000000', "
            "'200000000000', '200000000000000000', 'HELD', 'recipient_missing', 1, 1)");
    db.exec("INSERT INTO alerts (created_at, severity, source, message) VALUES "
            "(1, 'warning', 'console_test', 'an alert for the operator to acknowledge')");
  }
  ASSERT_TRUE(d.start("lstaked")) << d.last_log();
  admin_port = d.process()->wait_for_port("admin listening on http://", 10s);
  ASSERT_GT(admin_port, 0) << d.last_log();
  {
    std::ifstream in{dir.file("data") + "/admin.token"};
    std::getline(in, token);
  }
  // Bonding paused (through the admin API) so the pool's KSM stays on the
  // deposit account, where the test's rewards land.
  ASSERT_EQ(admin("POST", "/admin/v1/flows/bonding/pause", R"({"reason":"console test"})").status, 200);

  // Deposits: 1,000 KSM by //Alice, 0.5 KSM by //Bob (below the 1 KSM minimum).
  transfer("alice", "1000n * h.KSM");
  transfer("bob", "h.KSM / 2n");
  auto both = [&] { return db_value("SELECT COUNT(*) FROM deposits") == "2"; };
  ASSERT_TRUE(tick_until(both, 200)) << d.last_log();
  EXPECT_EQ(db_value("SELECT status FROM deposits WHERE amount_planck = '500000000000'"), "BELOW_MINIMUM");

  // Two published ratios: 10 KSM, then 6 KSM more on the pool's account.
  reward_and_publish(1'011'500'000'000'000ull, 1);
  if (HasFatalFailure())
    return;
  reward_and_publish(1'017'500'000'000'000ull, 2);
  if (HasFatalFailure())
    return;

  // A claim of 10 KSM by //Alice (ACTIVE), and a second one, signed, for the browser.
  auto alice = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, "//Alice");
  auto address = alice->address(2);
  auto claim = [&](const std::string& nonce) {
    auto r = test::sign_claim_request(*alice, {address, test::anvil_address1, "10", 31337, nonce,
                                               4000000000ll});
    return r->body().dump();
  };
  int status = 0;
  for (int i = 0; i < 200 && status != 200; ++i) {
    status = d.post("/v1/claims", claim("console-1")).status;
    if (status != 200)
      tick();
  }
  ASSERT_EQ(status, 200) << d.last_log();
  write_file(dir.file("claim.json"), claim("console-2"));

  // aKSMb accepts the console's "publish ratio now" a week later.
  anvil->rpc("evm_increaseTime", {7 * 24 * 3600});
  // The browser, with both chains moving on beside it.
  std::atomic<bool> browsing{true};
  std::thread chains([&] {
    while (browsing) {
      tick();
      std::this_thread::sleep_for(200ms);
    }
  });
  auto run = test::run_process({"/usr/bin/env", "node", repo + "/tests/console/console_browser.mjs",
                                "http://127.0.0.1:" + std::to_string(admin_port),
                                "http://127.0.0.1:" + std::to_string(d.port), dir.file("data") + "/admin.token",
                                dir.file("claim.json"), artefacts, dir.file("browser")},
                               dir.path(), 600s);
  browsing = false;
  chains.join();
  ASSERT_EQ(run.exit_code, 0) << run.out << "\n" << run.err;
  std::cout << run.out;

  // The effects, from the database.
  EXPECT_EQ(db_value("SELECT paused FROM flows WHERE flow = 'claims'"), "0");
  EXPECT_EQ(db_value("SELECT COUNT(*) FROM claims"), "2");
  EXPECT_NE(db_value("SELECT status FROM unstake_requests WHERE request_id = '7'"), "HELD");
  EXPECT_NE(db_value("SELECT resolved_at FROM alerts WHERE source = 'console_test'"), "");
  EXPECT_EQ(db_value("SELECT state FROM admin_actions WHERE action = 'publish_ratio' ORDER BY id DESC"),
            "DONE");
  EXPECT_EQ(db_value("SELECT COUNT(*) FROM admin_actions WHERE action = 'rotate_validators' AND state = 'PENDING'"),
            "0");
  EXPECT_EQ(db_value("SELECT json_extract(params, '$.amount_planck') FROM admin_actions WHERE action = 'refund_deposit'"),
            "500000000000");
  EXPECT_EQ(db_value("SELECT json_extract(params, '$.amount_planck') FROM admin_actions WHERE action = 'withdraw_fees'"),
            "100000000");
  // The refund and the fee withdrawal are paid by the payout actor through the
  // outbox and settle with their finalized block; their actions complete then.
  for (int i = 0; i < 200 && db_value("SELECT COUNT(*) FROM operator_transfers WHERE status IN ('DONE', 'FAILED')") != "2"; ++i)
    tick();
  EXPECT_EQ(db_value("SELECT status FROM operator_transfers WHERE kind = 'REFUND'"), "DONE") << d.last_log();
  EXPECT_EQ(db_value("SELECT status FROM deposits WHERE amount_planck = '500000000000'"), "REFUNDED");
  EXPECT_EQ(db_value("SELECT state FROM admin_actions WHERE action = 'refund_deposit'"), "DONE");
  EXPECT_EQ(db_value("SELECT status FROM operator_transfers WHERE kind = 'FEE_WITHDRAWAL'"), "DONE");
  EXPECT_EQ(db_value("SELECT state FROM admin_actions WHERE action = 'withdraw_fees'"), "DONE");
  EXPECT_EQ(db_value("SELECT COUNT(*) FROM fee_ledger WHERE kind = 'WITHDRAWAL' AND amount_planck = '100000000'"), "1");
  // On chain (@polkadot/api): exactly one transfer of each from the deposit account.
  auto chain = test::run_process({"/usr/bin/env", "node", repo + "/tests/payout_queue/payouts_on_chain.mjs",
                                  node->url, ferdie.ss58, "1", std::to_string(node->finalized_number())},
                                 dir.path(), 300s);
  ASSERT_EQ(chain.exit_code, 0) << chain.err;
  auto out = chain.out;
  while (!out.empty() && out.back() == '\n')
    out.pop_back();
  auto transfers = json::parse(out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1))["transfers"];
  int refunds = 0, withdrawals = 0;
  for (auto& t : transfers) {
    refunds += t["to"] == bob.hex && t["amount"] == "500000000000";
    withdrawals += t["to"] == dave.hex && t["amount"] == "100000000";
  }
  EXPECT_EQ(refunds, 1) << transfers.dump();
  EXPECT_EQ(withdrawals, 1) << transfers.dump();
  for (auto action : {"pause_flow", "resume_flow", "release_held", "ack_alert"})
    EXPECT_NE(db_value(std::string("SELECT COUNT(*) FROM admin_actions WHERE state = 'DONE' AND action = '")
                       + action + "'"),
              "0")
      << action;
  // The wrong token the browser tried is counted.
  auto metrics = d.get("/metrics").raw;
  EXPECT_EQ(metrics.find("lstaked_admin_auth_failures_total 0"), std::string::npos);
  EXPECT_NE(metrics.find("lstaked_admin_auth_failures_total"), std::string::npos);
}

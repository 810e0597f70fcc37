// Unstakes paid end to end (issue #14) through the BUILT daemon, the local
// Kusama node and anvil. //Alice stakes and claims 1,000 aKSMb to anvil
// account 1, which then burns for 1,000 users (random amounts; some below the
// existential deposit to fresh accounts, which cannot be paid with
// transfer_keep_alive; some dust to an existing account, which can). The
// daemon is killed -9 again and again while it pays. Proven from the chain's
// Balances.Transfer events read with @polkadot/api (and by `lstaked audit`'s
// kusama.payouts check at the end): every payable request is
// paid exactly once, with its amount, in FIFO order; every other one is HELD
// with its reason and paid never; the pool never pays more than it holds.
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

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;
constexpr uint64_t ksm = 1'000'000'000'000ull;

struct dev_key {
  std::string uri, hex, ss58;
};

dev_key key(const std::string& uri) {
  auto kp = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, uri);
  auto& a = kp->account();
  return {uri, chain::to_hex(chain::byte_view(a.data(), a.size())),
          *chain::sig::ss58_encode(chain::byte_view(a.data(), a.size()), 2)};
}

const dev_key ferdie = key("//Ferdie"), eve = key("//Eve"), alice = key("//Alice"),
              alice_stash = key("//Alice//stash");

void write_file(const std::string& path, const std::string& text) {
  { std::ofstream{path} << text; }
  ::chmod(path.c_str(), 0600);
}

json last_json(const std::string& out) {
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

class payout_queue_e2e : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<test::anvil_node> anvil;
  test::deployment contracts;
  std::unique_ptr<test::daemon> lstaked;
  int starts = 0;

  void SetUp() override {
    ::setenv("FOUNDRY_DISABLE_NIGHTLY_WARNING", "1", 1);
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--block-ms", "0", "--finality-lag", "1", "--era-blocks", "10"});
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
        << "deposit_buffer = \"600\"\n" // kept free on the deposit account: pays the queue
        << "[payouts]\npoll_interval_ms = 200\nmax_batch_items = 40\n" // many extrinsics, many kill points
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

  json run_node(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"/usr/bin/env", "node"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = test::run_process(argv, dir.path(), 600s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return last_json(r.out);
  }
};

} // namespace

TEST_F(payout_queue_e2e, a_thousand_unstakes_are_paid_exactly_once_in_fifo_order_through_kill9) {
  start();
  // 1. //Alice stakes 1,000 KSM; the bond manager bonds what is above the buffer.
  auto transfer = test::run_process(
    {"/usr/bin/env", "node", "-e",
     "import('" + repo + "/tools/kusama-node/test-support/helpers.js').then(async (h) => {"
     "const {api, dev} = await h.connect(process.argv[1]);"
     "await api.tx.balances.transferKeepAlive(process.argv[2], 1000n * h.KSM).signAndSend(dev.alice, {nonce: -1});"
     "await api.disconnect(); })",
     node->url, ferdie.ss58},
    dir.path(), 60s);
  ASSERT_EQ(transfer.exit_code, 0) << transfer.err;
  for (int i = 0; i < 200 && count("SELECT COUNT(*) FROM deposits WHERE status = 'CREDITED'") == 0; ++i)
    tick();
  ASSERT_EQ(count("SELECT COUNT(*) FROM deposits WHERE status = 'CREDITED'"), 1);

  // 2. All of it claimed and minted to anvil account 1.
  auto sign = test::run_process(
    {"/usr/bin/env", "node", repo + "/tests/stake_flow/sign_claim.mjs",
     json{{"uri", "//Alice"}, {"ethAddress", test::anvil_address1}, {"amount", "1000"},
          {"nonce", "payout-queue"}, {"expiresAt", 4000000000ll}, {"chainId", 31337}}.dump()},
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
               c["claimId"].get<std::string>(), "1000000000000000000000",
               std::to_string(c["claimBeforeBlock"].get<uint64_t>()),
               c["ethAddress"].get<std::string>(), c["signature"].get<std::string>()});

  // 3. 1,000 burns: fresh accounts (paid, creating them), dust below ED to
  // fresh accounts (HELD recipient_missing), dust to //Alice (exists: paid).
  std::mt19937_64 rng(14);
  std::vector<burn> burns;
  uint64_t total = 0;
  for (int i = 0; i < 1000; ++i) {
    burn b;
    auto roll = rng() % 100;
    if (roll < 5) {
      b.kind = "below_ed";
      b.planck = 1'000'000 + rng() % 100'000'000; // < ED (0.000333 KSM)
    } else if (roll < 10) {
      b.kind = "existing";
      b.planck = 1'000'000 + rng() % 100'000'000;
      b.recipient = alice.hex;
    } else {
      b.kind = "fresh";
      b.planck = ksm / 1000 + rng() % (ksm / 5); // 0.001 .. 0.2 KSM
    }
    if (b.recipient.empty()) {
      std::string hex = "0x";
      for (int w = 0; w < 4; ++w) {
        char buf[17];
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
        hex += buf;
      }
      b.recipient = hex;
    }
    total += b.planck;
    burns.push_back(b);
  }
  ASSERT_LT(total, 300 * ksm);
  json list = json::array();
  for (auto& b : burns)
    list.push_back({{"recipient", b.recipient}, {"amountWei", std::to_string(b.planck) + "000000"}});
  { std::ofstream{dir.file("burns.json")} << list.dump(); }
  auto first_block = node->best_number();
  auto sent = run_node({repo + "/tests/payout_queue/burn_many.mjs", anvil->url, contracts.pool,
                        contracts.token, test::anvil_address1, dir.file("burns.json")});
  ASSERT_EQ(sent["txs"].size(), 1000u);

  // 4. Paid while killed -9 at random moments (kills every few seconds).
  auto settled = [&] {
    return count("SELECT COUNT(*) FROM unstake_requests WHERE status IN ('PAID', 'HELD')");
  };
  int kills = 0;
  auto deadline = std::chrono::steady_clock::now() + 300s;
  std::map<std::string, int> killed_at; // the newest payout row's state at each kill
  while (settled() < 1000 && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 2 + static_cast<int>(rng() % 6); ++i)
      tick();
    if (kills < 15) {
      SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
      db.setBusyTimeout(5000);
      SQLite::Statement newest(db, "SELECT status FROM outbox WHERE purpose = 'payout' ORDER BY id DESC LIMIT 1");
      ++killed_at[newest.executeStep() ? newest.getColumn(0).getString() : "none"];
      lstaked->kill9();
      ++kills;
      start();
    }
  }
  ASSERT_EQ(settled(), 1000) << lstaked->last_log();
  EXPECT_GE(kills, 10);
  for (auto& [state, n] : killed_at)
    std::cout << "killed " << n << " time(s) with the newest payout row " << state << "\n";
  for (int i = 0; i < 5; ++i)
    tick();

  // 5. The chain's account of it.
  auto last_block = node->finalized_number();
  auto chain = run_node({repo + "/tests/payout_queue/payouts_on_chain.mjs", node->url, ferdie.ss58,
                         std::to_string(first_block), std::to_string(last_block)});
  std::map<std::pair<std::string, std::string>, std::vector<json>> transfers; // (to, amount) -> events
  for (auto& t : chain["transfers"])
    if (t["to"] != eve.hex)
      transfers[{t["to"].get<std::string>(), t["amount"].get<std::string>()}].push_back(t);
  SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT request_id, recipient, amount_planck, status, held_reason, "
                          "kusama_extrinsic FROM unstake_requests ORDER BY block_number, log_index");
  size_t i = 0, paid = 0, held = 0;
  std::pair<uint64_t, uint64_t> last_position{0, 0};
  std::map<std::string, int> seen;
  while (q.executeStep()) {
    ASSERT_LT(i, burns.size());
    auto& b = burns[i++];
    std::string recipient = q.getColumn(1).getString(), amount = q.getColumn(2).getString();
    EXPECT_EQ(recipient, b.recipient);
    EXPECT_EQ(amount, std::to_string(b.planck));
    auto status = q.getColumn(3).getString();
    auto& on_chain = transfers[{recipient, amount}];
    auto key = recipient + " " + amount;
    int index = seen[key]++; // the same (recipient, amount) twice: the n-th transfer
    if (b.kind == "below_ed") {
      EXPECT_EQ(status, "HELD") << i;
      EXPECT_EQ(q.getColumn(4).getString(), "recipient_missing") << i;
      EXPECT_TRUE(on_chain.empty()) << "a held request was paid: " << key;
      ++held;
      continue;
    }
    EXPECT_EQ(status, "PAID") << i << " " << q.getColumn(4).getString();
    ++paid;
    ASSERT_GT(on_chain.size(), static_cast<size_t>(index)) << "never paid: " << key;
    auto& t = on_chain[index];
    // FIFO: each payout at or after the previous one on chain.
    std::pair<uint64_t, uint64_t> position{t["block"].get<uint64_t>(), t["event"].get<uint64_t>()};
    EXPECT_LE(last_position, position) << "out of order: request " << q.getColumn(0).getString();
    last_position = position;
    EXPECT_EQ(q.getColumn(5).getString(),
              std::to_string(t["block"].get<uint64_t>()) + "-" + std::to_string(t["extrinsic"].get<int>()));
  }
  EXPECT_EQ(i, 1000u);
  // Exactly once: no (recipient, amount) was paid more often than requested.
  size_t chain_payouts = 0;
  for (auto& [k, events] : transfers) {
    chain_payouts += events.size();
    EXPECT_LE(static_cast<int>(events.size()), seen[k.first + " " + k.second])
      << "paid twice: " << k.first << " " << k.second;
  }
  EXPECT_EQ(chain_payouts, paid);
  std::cout << "payouts: " << paid << " paid, " << held << " held, " << kills << " kills, "
            << count("SELECT COUNT(*) FROM outbox WHERE purpose = 'payout'") << " payout extrinsics\n";
  // The API shows one request.
  SQLite::Statement first(db, "SELECT request_id, status FROM unstake_requests ORDER BY block_number, log_index LIMIT 1");
  ASSERT_TRUE(first.executeStep());
  auto one = lstaked->get("/v1/unstakes/" + first.getColumn(0).getString());
  ASSERT_EQ(one.status, 200) << one.raw;
  EXPECT_EQ(one.body["unstake"]["status"], first.getColumn(1).getString());
  EXPECT_EQ(one.body["unstake"]["recipient"], burns[0].recipient);
  EXPECT_EQ(lstaked->get("/v1/unstakes/x").status, 400);
  EXPECT_EQ(lstaked->get("/v1/unstakes/99999").status, 404);
  ASSERT_TRUE(lstaked->stop());

  // 6. `lstaked audit` says the same from the chain: every PAID request is its
  // transfer out of the pool account, nothing paid twice, nothing moved
  // outside the daemon's extrinsics (the stash sweeps are the bond manager's).
  auto audit = lstaked->cli({"audit", "--json"});
  auto report = json::parse(audit.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << audit.out << audit.err;
  json payouts_check;
  for (auto& c : report["checks"])
    if (c["name"] == "kusama.payouts")
      payouts_check = c;
  ASSERT_TRUE(payouts_check.is_object()) << report.dump(1);
  EXPECT_EQ(payouts_check["ok"], true) << report.dump(1);
  EXPECT_NE(payouts_check["detail"].get<std::string>().find(std::to_string(paid) + " payouts matched to "
                                                            + std::to_string(paid) + " PAID requests"),
            std::string::npos)
    << payouts_check.dump();
  for (auto& d : report["discrepancies"])
    EXPECT_NE(d["check"], "kusama.payouts") << d.dump();
  std::cout << "audit: " << payouts_check["detail"].get<std::string>() << "\n";
}

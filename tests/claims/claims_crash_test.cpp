// Exactly once across a crash: the built daemon signs claims while it is
// killed with SIGKILL mid-stream; after a restart every request is answered,
// each claim that was answered before the kill comes back unchanged (it was on
// disk before its signature left the process), and the ledger reserves each
// claim once: unclaimed + reserved shares still equal what was credited.
#include "api/claim_request.hpp"
#include "chain/sig/keypair.hpp"
#include "chain/sig/sign_raw.hpp"
#include "config/secret_file.hpp"
#include "storage/database.hpp"
#include "storage/ledger.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/claim_request.hpp"
#include "tests/support/daemon.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace lstaked;
using namespace std::chrono_literals;
using json = nlohmann::json;
using chain::eth::u256;

namespace {

const std::string& binary = test::lstaked_binary();

int post(const test::daemon& d, const std::string& body, json* out) {
  auto r = test::http_request(d.port, "POST", "/v1/claims", body, "application/json", 10s);
  if (out && r.status != 0)
    *out = r.body;
  return r.status;
}

} // namespace

TEST(claims_crash, kill_9_while_signing_loses_and_duplicates_nothing) {
  test::temp_dir dir;
  test::anvil_node anvil{dir, 1};
  ASSERT_TRUE(anvil.ok());
  auto contracts = anvil.deploy(test::anvil_address0);
  ASSERT_FALSE(create_secret_file(dir.file("notary.key"), test::anvil_key0.substr(2)));
  auto data = dir.file("data");
  {
    std::ofstream cfg{dir.file("lstaked.toml")};
    // One client streams 60 claims as fast as it can: this test is about the
    // crash, not the per-client rate limit (tests/hostile), so it is raised.
    cfg << "data_dir = \"" << data << "\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
        << "claims_per_minute = 100000\nclaims_burst = 1000\n"
        << "[ethereum]\nrpc_url = \"" << anvil.url << "\"\nchain_id = 31337\npool_address = \""
        << contracts.pool << "\"\ntoken_address = \"" << contracts.token << "\"\nstart_block = "
        << contracts.block << "\npoll_interval_ms = 100\n[claims]\nnotary_key_file = \""
        << dir.file("notary.key") << "\"\nmax_request_ttl_seconds = 4000000000\n";
  }
  auto migrated = test::run_process({binary, "db", "migrate", "--config", dir.file("lstaked.toml")},
                                    dir.path());
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;

  // Credit //Alice 1000 KSM with the daemon stopped (the only writer is then this test).
  auto alice = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, "//Alice");
  ASSERT_TRUE(alice);
  auto account = chain::to_hex(alice->account());
  {
    SQLite::Database db(data + "/lstaked.sqlite", SQLite::OPEN_READWRITE);
    SQLite::Transaction tx(db);
    ledger::kusama_deposit d{"0x" + std::string(64, '3'), 1, 1, 0, "0x", account,
                             *u256::from_dec("1000000000000000")};
    ASSERT_TRUE(ledger::credit_deposit(db, d, u256::pow10(12), 1));
    tx.commit();
  }

  // 60 distinct requests of 1 KSM each, signed as the extension's signRaw does.
  auto address = alice->address(2);
  std::vector<std::string> bodies;
  for (int i = 0; i < 60; ++i) {
    auto request = test::sign_claim_request(*alice, {address, test::anvil_address1, "1", 31337,
                                                     "crash-nonce-" + std::to_string(1000 + i),
                                                     4000000000ll});
    ASSERT_TRUE(request);
    bodies.push_back(request->body().dump());
  }

  test::daemon first{dir, dir.file("lstaked.toml")};
  first.start("first", 30s);
  ASSERT_GT(first.port, 0) << first.stderr_text();
  // Wait until the notary knows the Ethereum head (503 until then).
  int status = 0;
  for (int i = 0; i < 200 && status != 200; ++i) {
    status = post(first, bodies[0], nullptr);
    if (status != 200)
      std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(status, 200);

  // Four clients stream the rest; the daemon is killed after ~15 answers.
  std::mutex mu;
  std::map<size_t, std::string> answered; // request index -> claimId
  std::atomic<size_t> next{1};
  std::atomic<int> done{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&] {
      for (size_t i = next++; i < bodies.size(); i = next++) {
        json out;
        if (post(first, bodies[i], &out) == 200) {
          std::lock_guard<std::mutex> g{mu};
          answered[i] = out["claim"]["data"]["claimId"].get<std::string>();
          ++done;
        }
      }
    });
  while (done < 15)
    std::this_thread::sleep_for(1ms);
  first.process()->signal(SIGKILL);
  for (auto& c : clients)
    c.join();
  ASSERT_TRUE(first.process()->wait(10s));
  ASSERT_LT(answered.size(), bodies.size() - 1) << "the kill came too late to test anything";

  // Restart: every request gets its claim; the ones answered before keep their id.
  test::daemon second{dir, dir.file("lstaked.toml")};
  second.start("second", 30s);
  ASSERT_GT(second.port, 0) << second.stderr_text();
  std::set<std::string> ids;
  for (size_t i = 0; i < bodies.size(); ++i) {
    json out;
    int s = 0;
    for (int attempt = 0; attempt < 200 && s != 200; ++attempt) {
      s = post(second, bodies[i], &out);
      if (s == 503)
        std::this_thread::sleep_for(50ms);
      else
        break;
    }
    ASSERT_EQ(s, 200) << "request " << i << ": " << out.dump();
    auto id = out["claim"]["data"]["claimId"].get<std::string>();
    if (answered.count(i)) {
      EXPECT_EQ(id, answered[i]) << "a claim answered before the crash changed";
    }
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), bodies.size());
  ASSERT_EQ(second.stop(20s).value_or(-1), 0);

  // The ledger: one claim per request, shares conserved.
  SQLite::Database db(data + "/lstaked.sqlite");
  SQLite::Statement claims(db, "SELECT count(*) FROM claims");
  claims.executeStep();
  EXPECT_EQ(claims.getColumn(0).getInt(), static_cast<int>(bodies.size()));
  auto summary = ledger::summarize_account(db, account);
  ASSERT_TRUE(summary);
  EXPECT_EQ(summary->claimable_planck.to_dec(), "940000000000000"); // 1000 - 60 KSM
  EXPECT_EQ(summary->in_active_claims_planck.to_dec(), "60000000000000");
  auto total = checked_add(summary->unclaimed_shares, summary->reserved_shares);
  EXPECT_EQ(total->to_dec(), "1000000000000000000000");
  SQLite::Statement integrity(db, "PRAGMA integrity_check");
  integrity.executeStep();
  EXPECT_EQ(integrity.getColumn(0).getString(), "ok");
}

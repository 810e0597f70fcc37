// Issue 4's end-to-end flow against a real Ethereum node: anvil with the
// deployed contracts, the daemon's actors (storage, notary, Ethereum watcher)
// and its HTTP API in this process. A claim signed by polkadot-js is accepted
// by isClaimValid, paid by claimBonds (cast, as the user), seen CLAIMED after
// finality with the tokens minted; a burn becomes an UNSTAKE entry; an unused
// claim expires and its amount is claimable again.
#include "actors/eth_watcher.hpp"
#include "actors/notary.hpp"
#include "actors/notary_set_guard.hpp"
#include "actors/supervisor.hpp"
#include "api/http_server.hpp"
#include "api/user_routes.hpp"
#include "config/secret_file.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>

using namespace lstaked;
using namespace std::chrono_literals;
using json = nlohmann::json;
using chain::eth::u256;

namespace {

json vector(const std::string& name) {
  std::ifstream in{std::string{LSTAKED_SOURCE_DIR} + "/tools/vectors/claims/claim_requests.json"};
  auto all = json::parse(in);
  for (auto& r : all["requests"])
    if (r["name"] == name)
      return r;
  throw std::runtime_error("no vector " + name);
}

// cast prints "123 [1.23e2]" for big numbers: keep the integer.
std::string first_word(const std::string& s) {
  return s.substr(0, s.find(' '));
}

} // namespace

class claims_anvil_test : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::anvil_node> anvil;
  test::deployment contracts;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  supervisor_actor sup;
  std::unique_ptr<api::http_server> server;
  std::unique_ptr<httplib::Client> client;

  void SetUp() override {
    anvil = std::make_unique<test::anvil_node>(dir, 1); // finalized = latest - 2
    ASSERT_TRUE(anvil->ok()) << "anvil did not start";
    contracts = anvil->deploy(test::anvil_address0);
    ASSERT_FALSE(create_secret_file(dir.file("notary.key"), test::anvil_key0.substr(2)));

    sys_cfg.set("logger.verbosity", caf::atom("quiet"));
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    supervisor_config cfg;
    cfg.storage.path = dir.file("db.sqlite");
    cfg.children.push_back(notary_child(notary_config{dir.file("notary.key"), 31337, contracts.pool, contracts.token, 30}));
    // The real notary-set check against the deployed pool (1 of 1, held here).
    notary_set_guard_config guard;
    guard.rpc.url = anvil->url;
    guard.pool_address = contracts.pool;
    guard.held = {test::anvil_address0};
    guard.poll_interval = 100ms;
    cfg.children.push_back(notary_set_guard_child(guard));
    eth_watcher_config w;
    w.rpc.url = anvil->url;
    w.pool_address = contracts.pool;
    w.chain_id = 31337;
    w.start_block = contracts.block;
    w.poll_interval = 100ms;
    cfg.children.push_back(eth_watcher_child(w));
    cfg.head_interval = 100ms;
    sup = sys->spawn(supervisor, cfg);

    for (auto name : {"sr25519_valid", "ed25519_valid"}) {
      auto account = vector(name)["accountId"].get<std::string>();
      write([account](SQLite::Database& db) {
        ledger::kusama_deposit d{"0x" + std::string(64, '2'), 9, 1, 0, "0x", account,
                                 *u256::from_dec("100000000000000")}; // 100 KSM
        d.event_index = static_cast<uint32_t>(std::hash<std::string>{}(account) % 1000);
        if (!ledger::credit_deposit(db, d, u256::pow10(12), 1))
          throw std::runtime_error("credit failed");
      });
    }

    http_config http;
    http.port = 0;
    server = std::make_unique<api::http_server>(http);
    api::add_user_routes(*server, {sys.get(), sup, dir.file("db.sqlite"), 2, 31337, contracts.token,
                                   4000000000ll, 10000ms});
    auto port = server->start();
    ASSERT_TRUE(port);
    client = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }

  void TearDown() override {
    if (client)
      client->stop();
    if (server)
      server->stop();
    if (sys)
      caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  }

  void write(std::function<void(SQLite::Database&)> f) {
    caf::scoped_actor self{*sys};
    storage_actor storage;
    self->request(sup, caf::infinite, storage_atom_v).receive([&](storage_actor s) { storage = s; },
                                                               [](caf::error&) {});
    self->request(storage, caf::infinite, write_atom_v, write_task{"test", sql::durability::full, f})
      .receive([](uint64_t) {}, [](caf::error& err) { FAIL() << describe(err); });
  }

  // The notary learns the head from the watcher: retry while it answers 503.
  json claim(const std::string& name) {
    for (int i = 0; i < 200; ++i) {
      auto res = client->Post("/v1/claims", vector(name)["body"].dump(), "application/json");
      if (res && res->status == 200)
        return json::parse(res->body)["claim"];
      if (!res || res->status != 503)
        throw std::runtime_error("claim refused: " + (res ? res->body : std::string{"no answer"}));
      std::this_thread::sleep_for(50ms);
    }
    throw std::runtime_error("the notary never learned the Ethereum head");
  }

  json get(const std::string& path) {
    auto res = client->Get(path.c_str());
    if (!res)
      throw std::runtime_error("GET " + path + ": no answer");
    return json::parse(res->body);
  }

  // Mines until `done` holds (the watcher only sees finalized blocks).
  template <class Pred>
  bool eventually(Pred done) {
    for (int i = 0; i < 300; ++i) {
      if (done())
        return true;
      anvil->mine(1);
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::string is_claim_valid(const json& c, const std::string& amount_wei) {
    auto& d = c["data"];
    return anvil->cast({"call", "--rpc-url", anvil->url, contracts.pool,
                        "isClaimValid(address,uint256,uint256,uint256,address,bytes)(bool)",
                        contracts.token, d["claimId"], std::to_string(d["claimBeforeBlock"].get<uint64_t>()),
                        amount_wei, d["ethAddress"], d["signature"]});
  }
};

TEST_F(claims_anvil_test, claim_mint_burn_and_expiry_against_anvil) {
  auto alice = vector("sr25519_valid")["body"]["address"].get<std::string>();
  auto alice_id = vector("sr25519_valid")["accountId"].get<std::string>();

  // 1. The notary's claim is valid on chain, and claimBonds mints.
  auto c = claim("sr25519_valid");
  auto& d = c["data"];
  std::string wei = "12123400000000000000"; // 12.1234 KSM at 18 decimals
  EXPECT_EQ(is_claim_valid(c, wei), "true");
  EXPECT_EQ(is_claim_valid(c, "12123400000000000001"), "false") << "the amount is signed";
  anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key1, contracts.pool,
               "claimBonds(address,uint256,uint256,uint256,address,bytes)", contracts.token,
               d["claimId"], wei, std::to_string(d["claimBeforeBlock"].get<uint64_t>()),
               d["ethAddress"], d["signature"]});
  auto id = d["claimId"].get<std::string>();
  ASSERT_TRUE(eventually([&] { return get("/v1/claims/" + id)["claim"]["status"] == "CLAIMED"; }))
    << "the watcher never saw the claim";
  EXPECT_EQ(first_word(anvil->cast({"call", "--rpc-url", anvil->url, contracts.token,
                                    "balanceOf(address)(uint256)", test::anvil_address1})),
            wei);
  EXPECT_EQ(is_claim_valid(c, wei), "false") << "a used claimId is refused";
  auto summary = get("/v1/accounts/" + alice);
  EXPECT_EQ(summary["claimable"]["amount"], "87.8766");
  EXPECT_EQ(summary["inActiveClaims"]["amount"], "0");

  // 2. Burning 2 aKSMb to Alice's Kusama account is an UNSTAKE request in her history.
  anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key1, contracts.pool,
               "burnBond(address,uint256,bytes)", contracts.token, "2000000000000000000", alice_id});
  ASSERT_TRUE(eventually([&] {
    auto h = get("/v1/accounts/" + alice + "/history");
    return !h["entries"].empty() && h["entries"][0]["kind"] == "UNSTAKE";
  })) << "the watcher never saw the burn";
  auto history = get("/v1/accounts/" + alice + "/history")["entries"];
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0]["kind"], "UNSTAKE");
  EXPECT_EQ(history[0]["status"], "REQUESTED");
  EXPECT_EQ(history[0]["amount"], "2");
  EXPECT_EQ(history[1]["kind"], "CLAIM");
  EXPECT_EQ(history[1]["status"], "CLAIMED");
  EXPECT_EQ(history[2]["kind"], "STAKE");
  EXPECT_EQ(get("/v1/accounts/" + alice)["pendingUnstake"]["amount"], "2");

  // 3. An unused claim expires once a finalized block reaches claimBeforeBlock.
  auto bob = vector("ed25519_valid")["body"]["address"].get<std::string>();
  auto unused = claim("ed25519_valid");
  EXPECT_EQ(get("/v1/accounts/" + bob)["claimable"]["amount"], "99");
  auto before = unused["data"]["claimBeforeBlock"].get<uint64_t>();
  auto unused_id = unused["data"]["claimId"].get<std::string>();
  ASSERT_TRUE(eventually([&] { return get("/v1/claims/" + unused_id)["claim"]["status"] == "EXPIRED"; }));
  EXPECT_GE(anvil->finalized_number(), before);
  EXPECT_EQ(is_claim_valid(unused, "1000000000000000000"), "false");
  EXPECT_EQ(get("/v1/accounts/" + bob)["claimable"]["amount"], "100");
}

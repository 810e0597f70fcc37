// Issue 18: independent notaries cannot be played against each other. Against
// a real pool on anvil: claims are signed only while every claim the pool would
// accept needs a signature of this daemon (ledger::notary_set_is_safe), read at
// the final block by the notary-set guard; a daemon holding `threshold` keys
// signs with all of them, sorted as the pool wants.
#include "actors/notary.hpp"
#include "actors/notary_set_guard.hpp"
#include "actors/supervisor.hpp"
#include "api/user_routes.hpp"
#include "config/secret_file.hpp"
#include "storage/database.hpp"
#include "storage/chain_identity.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/claim_vectors.hpp"
#include "tests/support/api_fixture.hpp"
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

// anvil's development accounts 2 and 3 (well-known test keys, never real ones).
const std::string anvil_key2 = "5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
const std::string anvil_address2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const std::string anvil_address3 = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";

using test::claim_vector;
using test::cast_integer;

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One daemon's actors (storage, notary with its keys, notary-set guard) and
// its claims API, in this process, on its own database.
struct daemon_under_test {
  std::string db_path;
  std::unique_ptr<test::in_process_app> app;
  std::unique_ptr<httplib::Client> client;

  daemon_under_test(const test::temp_dir& dir, const std::string& name, const test::anvil_node& anvil,
                    const test::deployment& contracts, const std::vector<std::string>& keys,
                    const std::vector<std::string>& addresses) {
    db_path = dir.file(name + ".sqlite");
    std::vector<std::string> files;
    for (size_t i = 0; i < keys.size(); ++i) {
      files.push_back(dir.file(name + "-notary" + std::to_string(i) + ".key"));
      if (auto err = create_secret_file(files.back(), keys[i]))
        throw std::runtime_error(describe(err));
    }
    supervisor_config cfg;
    cfg.storage.path = db_path;
    notary_config n{files[0], 31337, contracts.pool, contracts.token, 30,
                    std::vector<std::string>(files.begin() + 1, files.end()), true, 120s};
    cfg.children.push_back(notary_child(n));
    notary_set_guard_config g;
    g.rpc.url = anvil.url;
    g.pool_address = contracts.pool;
    g.held = addresses;
    g.poll_interval = 50ms;
    cfg.children.push_back(notary_set_guard_child(g));
    app = std::make_unique<test::in_process_app>(cfg);
    head();
    // 100 KSM credited to every account the valid vectors sign for.
    for (auto v : {"sr25519_valid", "ed25519_valid", "ecdsa_valid"}) {
      auto account = claim_vector(v)["accountId"].get<std::string>();
      auto err = app->write([account](SQLite::Database& db) {
        ledger::kusama_deposit d{"0x" + std::string(64, '3'), 5, 1, 0, "0x", account,
                                 *u256::from_dec("100000000000000")};
        d.event_index = static_cast<uint32_t>(std::hash<std::string>{}(account) % 1000);
        if (!ledger::credit_deposit(db, d, u256::pow10(12), 1))
          throw std::runtime_error("credit failed");
      });
      if (err)
        throw std::runtime_error(describe(err));
    }
    http_config http;
    http.port = 0;
    auto port = app->serve(http, [&](api::http_server& server) {
      api::add_user_routes(server, {&app->system(), app->supervisor(), db_path, 2, 31337,
                                    contracts.token, 4000000000ll, 10000ms});
    });
    if (!port)
      throw std::runtime_error("http server did not start: " + describe(port.error()));
    client = std::make_unique<httplib::Client>("127.0.0.1", *port);
  }

  // claimBeforeBlock counted from a head far ahead (the notary needs one).
  void head() { caf::anon_send(app->supervisor(), eth_head_atom_v, uint64_t{1000}); }

  std::pair<int, json> post_claim(const std::string& name) {
    auto res = client->Post("/v1/claims", claim_vector(name)["body"].dump(), "application/json");
    if (!res)
      return {0, json()};
    return {res->status, json::parse(res->body, nullptr, false)};
  }

  // The answer once the notary has settled on `expect_status` (the guard reads
  // every 50 ms and the notary re-reads the stored set with the head).
  std::pair<int, json> claim_until(const std::string& name, int expect_status) {
    std::pair<int, json> last;
    for (int i = 0; i < 200; ++i) {
      head();
      last = post_claim(name);
      if (last.first == expect_status)
        return last;
      std::this_thread::sleep_for(50ms);
    }
    return last;
  }

  int64_t count(const std::string& sql) {
    SQLite::Database db(db_path);
    return db.execAndGet(sql).getInt64();
  }

  // Until the guard has stored a reading that is (or is not) safe.
  bool reading_is(bool safe) {
    for (int i = 0; i < 200; ++i) {
      if (count("SELECT count(*) FROM notary_set WHERE safe = " + std::to_string(safe ? 1 : 0)) == 1)
        return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
};

} // namespace

class notary_set_test : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::anvil_node> anvil;
  test::deployment contracts;

  void SetUp() override {
    anvil = std::make_unique<test::anvil_node>(dir, 1); // finalized = latest - 2
    ASSERT_TRUE(anvil->ok()) << "anvil did not start";
    contracts = anvil->deploy(test::anvil_address0); // 1 of 1: anvil account 0
  }

  // The pool's admin (anvil account 0, the deployer) changes the set.
  void admin(const std::string& signature, const std::string& arg) {
    anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key0,
                 contracts.pool, signature, arg});
  }
  void finalize() { anvil->mine(3); }

  std::string minted_to_user() {
    return cast_integer(anvil->cast({"call", "--rpc-url", anvil->url, contracts.token,
                                   "balanceOf(address)(uint256)", test::anvil_address1}));
  }

  void claim_bonds(const json& claim, const std::string& wei) {
    auto& d = claim["data"];
    anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key1,
                 contracts.pool, "claimBonds(address,uint256,uint256,uint256,address,bytes)",
                 contracts.token, d["claimId"], wei,
                 std::to_string(d["claimBeforeBlock"].get<uint64_t>()), d["ethAddress"],
                 d["signature"]});
  }
};

TEST_F(notary_set_test, two_daemons_with_one_key_each_at_threshold_one_sign_nothing_and_nothing_mints) {
  admin("addNotary(address)", anvil_address2); // threshold stays 1: either notary alone suffices
  finalize();
  daemon_under_test a{dir, "a", *anvil, contracts, {test::anvil_key0.substr(2)}, {lower(test::anvil_address0)}};
  daemon_under_test b{dir, "b", *anvil, contracts, {anvil_key2}, {lower(anvil_address2)}};
  // The over-mint attempt: the same full claimable amount asked of each notary.
  for (auto* d : {&a, &b}) {
    auto [status, body] = d->claim_until("sr25519_valid", 503);
    EXPECT_EQ(status, 503) << body.dump();
    EXPECT_EQ(body["error"]["code"], "unsafe_notary_set") << body.dump();
    EXPECT_NE(body["error"]["message"].get<std::string>().find("threshold is 1"), std::string::npos)
      << body.dump();
    // Nothing reserved, nothing signed; the refusal is on the console's alert list.
    EXPECT_EQ(d->count("SELECT count(*) FROM claims"), 0);
    EXPECT_EQ(d->count("SELECT count(*) FROM alerts WHERE source = 'notary_set' AND severity = "
                       "'critical'"),
              1);
    EXPECT_EQ(d->count("SELECT safe FROM notary_set"), 0);
  }
  EXPECT_EQ(minted_to_user(), "0");
}

TEST_F(notary_set_test, one_daemon_with_both_keys_at_threshold_two_signs_twice_in_order_and_mints) {
  admin("addNotary(address)", anvil_address2);
  admin("setThreshold(uint256)", "2");
  finalize();
  daemon_under_test d{dir, "d", *anvil, contracts, {test::anvil_key0.substr(2), anvil_key2},
                      {lower(test::anvil_address0), lower(anvil_address2)}};
  auto [status, body] = d.claim_until("sr25519_valid", 200);
  ASSERT_EQ(status, 200) << body.dump();
  auto claim = body["claim"];
  auto signature = claim["data"]["signature"].get<std::string>();
  EXPECT_EQ(signature.size(), 2 + 2 * 130u) << "two 65-byte signatures";
  std::string wei = "12123400000000000000"; // 12.1234 KSM
  auto& c = claim["data"];
  EXPECT_EQ(anvil->cast({"call", "--rpc-url", anvil->url, contracts.pool,
                         "isClaimValid(address,uint256,uint256,uint256,address,bytes)(bool)",
                         contracts.token, c["claimId"],
                         std::to_string(c["claimBeforeBlock"].get<uint64_t>()), wei,
                         c["ethAddress"], signature}),
            "true")
    << "the pool accepts the pair: both notaries, strictly ascending";
  // Each half alone is one signature short of the threshold.
  EXPECT_EQ(anvil->cast({"call", "--rpc-url", anvil->url, contracts.pool,
                         "isClaimValid(address,uint256,uint256,uint256,address,bytes)(bool)",
                         contracts.token, c["claimId"],
                         std::to_string(c["claimBeforeBlock"].get<uint64_t>()), wei,
                         c["ethAddress"], signature.substr(0, 132)}),
            "false");
  claim_bonds(claim, wei);
  EXPECT_EQ(minted_to_user(), wei);
}

TEST_F(notary_set_test, a_threshold_change_pauses_and_resumes_claims_once_its_block_is_final) {
  // Three notaries, two of them held here, threshold 2: the one not held cannot sign alone.
  admin("addNotary(address)", anvil_address2);
  admin("addNotary(address)", anvil_address3);
  admin("setThreshold(uint256)", "2");
  finalize();
  daemon_under_test d{dir, "d", *anvil, contracts, {test::anvil_key0.substr(2), anvil_key2},
                      {lower(test::anvil_address0), lower(anvil_address2)}};
  ASSERT_EQ(d.claim_until("sr25519_valid", 200).first, 200);

  // Threshold 1: the third notary alone could sign. Not final yet: still signing.
  admin("setThreshold(uint256)", "1");
  std::this_thread::sleep_for(300ms); // several guard readings at the (unchanged) final block
  EXPECT_EQ(d.post_claim("ed25519_valid").first, 200) << "the change is not final yet";
  finalize();
  // Claims stop once the guard has read the final change (within its poll interval).
  ASSERT_TRUE(d.reading_is(false));
  auto [status, body] = d.post_claim("ecdsa_valid");
  EXPECT_EQ(status, 503) << body.dump();
  EXPECT_EQ(body["error"]["code"], "unsafe_notary_set");
  EXPECT_EQ(d.count("SELECT count(*) FROM claims"), 2);

  // Back to 2: claims resume by themselves once that block is final.
  admin("setThreshold(uint256)", "2");
  finalize();
  ASSERT_TRUE(d.reading_is(true));
  auto resumed = d.claim_until("ecdsa_valid", 200);
  EXPECT_EQ(resumed.first, 200) << resumed.second.dump();
  EXPECT_EQ(d.count("SELECT count(*) FROM claims"), 3);
  EXPECT_EQ(d.count("SELECT count(*) FROM alerts WHERE source = 'notary_set'"), 3)
    << "safe, unsafe, safe again";
}

TEST_F(notary_set_test, a_node_of_another_chain_never_decides_the_notary_set) {
  daemon_under_test d{dir, "d", *anvil, contracts, {test::anvil_key0.substr(2)},
                      {lower(test::anvil_address0)}};
  // Pretend the followers pinned another chain (same chain id, another genesis) before
  // the guard's first reading: this node's 1-of-1 set must not open claims.
  ASSERT_FALSE(d.app->write([](SQLite::Database& db) {
    db.exec("DELETE FROM notary_set");
    db.exec("DELETE FROM chain_identity WHERE chain = 'ethereum'");
    ledger::chain_identity other;
    other.chain = "ethereum";
    other.genesis_hash = "0x" + std::string(64, 'e');
    other.chain_id = 31337;
    ledger::pin_identity(db, other, 1);
  }));
  std::this_thread::sleep_for(500ms); // ten guard polls against the wrong chain
  auto [status, body] = d.post_claim("sr25519_valid");
  EXPECT_EQ(status, 503) << body.dump();
  EXPECT_EQ(body["error"]["code"], "unsafe_notary_set") << body.dump();
  EXPECT_EQ(d.count("SELECT count(*) FROM notary_set"), 0) << "a foreign reading was stored";
  EXPECT_EQ(d.count("SELECT count(*) FROM claims"), 0);
}

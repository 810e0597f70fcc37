// Issue #19's "done means", end to end: the BUILT daemon (`lstaked run`)
// follows the Kusama chain it pinned at first start, whatever node answers
// its URL later. The URL is a switching proxy on a fixed port in front of
// two local Kusama nodes (tools/kusama-node): the right chain (Kusama
// metadata) and another one (Asset Hub metadata: another genesis and name),
// both running for the whole test so the right chain keeps its history while
// the other one answers. Deposits are sent by the real @polkadot/api
// (tests/stake_flow/send.mjs). The same for Ethereum: anvil with the
// contracts, then another anvil (same chain id, another genesis: anvil's
// genesis carries its start time) and one with another chain id, behind one URL.
#include "tests/chain_identity/scripted_peer.hpp"
#include "tests/stake_flow/stake_flow_fixture.hpp"
#include "chain/ethereum/claim_digest.hpp"
#include "config/secret_file.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/kusama_node.hpp"

#include <mutex>

using namespace lstaked;
using namespace lstaked::test::stake_flow;

namespace {

/// The daemon's node URL: forwards every request to whichever node `use` names.
class switching_proxy {
public:
  explicit switching_proxy(std::string backend) : backend_(std::move(backend)) {}
  void use(const std::string& backend) {
    std::lock_guard<std::mutex> guard(mutex_);
    backend_ = backend;
  }
  std::string url() const { return peer_.url(); }

private:
  std::string forward(const std::string& body) {
    std::string to;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      to = backend_;
    }
    httplib::Client client{to};
    client.set_read_timeout(std::chrono::seconds(60));
    auto res = client.Post("/", body, "application/json");
    return res ? res->body : std::string("{}");
  }

  std::mutex mutex_;
  std::string backend_;
  test::scripted_peer peer_{test::scripted_peer::raw_fn{
    [this](const std::string& body) { return forward(body); }}};
};

class chain_identity_e2e : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> right, foreign;
  std::unique_ptr<switching_proxy> proxy;
  std::unique_ptr<test::daemon> lstaked;
  int starts = 0;

  void SetUp() override {
    std::vector<std::string> common{"--block-ms", "0", "--finality-lag", "1", "--state-pruning", "100000"};
    auto with = [&](const char* metadata) {
      auto o = common;
      o.insert(o.end(), {"--metadata", metadata});
      return o;
    };
    right = std::make_unique<test::kusama_node>(dir, with("kusama"), "right-node");
    foreign = std::make_unique<test::kusama_node>(dir, with("asset-hub"), "foreign-node");
    ASSERT_TRUE(right->ok()) << right->log();
    ASSERT_TRUE(foreign->ok()) << foreign->log();
    proxy = std::make_unique<switching_proxy>(right->url);
    lstaked = std::make_unique<test::daemon>(dir, write_config(dir, {proxy->url(), 1, 100, 4}));
  }

  void TearDown() override {
    if (HasFailure() && lstaked)
      std::cerr << "---- daemon log (start " << starts << ") ----\n" << lstaked->last_log() << "\n";
  }

  void start() {
    ++starts;
    ASSERT_TRUE(lstaked->start("daemon-" + std::to_string(starts))) << lstaked->last_log();
  }

  /// One transfer of `planck` from //Alice to the deposit address on `node`, sealed.
  json deposit(test::kusama_node& node, uint64_t planck) {
    auto sent = run_script(dir, "send.mjs",
                           {node.url, json{{"to", deposit_address},
                                           {"steps", {{{"from", "//Alice"}, {"transfer", std::to_string(planck)}},
                                                      {{"seal", 2}}}}}
                                        .dump()});
    return sent["extrinsics"][0];
  }

  int64_t db_count(const std::string& sql) {
    SQLite::Database db(database_path(dir), SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    return db.execAndGet(sql).getInt64();
  }

  json kusama_watcher_health() {
    auto r = lstaked->get("/v1/status");
    for (auto& a : r.body.value("actors", json::array()))
      if (a.value("name", "") == "kusama_watcher")
        return a;
    return json();
  }

  bool wrong_chain_shown() {
    auto h = kusama_watcher_health();
    return h.is_object() && !h.value("ok", true)
           && h.value("detail", "").find("wrong chain: genesis") != std::string::npos;
  }

  /// What a foreign chain must never get: applied, credited, or shown as a deposit.
  void expect_nothing_foreign(uint64_t cursor, const json& foreign_tx) {
    EXPECT_EQ(kusama_cursor(dir), cursor) << "a block of the other chain was applied";
    EXPECT_EQ(db_count("SELECT count(*) FROM deposits WHERE block_hash = '"
                       + foreign_tx["blockHash"].get<std::string>() + "'"),
              0);
    for (auto id : {std::to_string(foreign_tx["block"].get<uint64_t>()) + "-"
                      + std::to_string(foreign_tx["index"].get<uint64_t>()),
                    foreign_tx["hash"].get<std::string>()}) {
      auto r = lstaked->post_deposit(id);
      EXPECT_EQ(r.status, 503) << id << ": " << r.raw;
      EXPECT_EQ(r.body.value("error", json::object()).value("code", ""), "deposits_unavailable")
        << r.raw;
      EXPECT_EQ(r.raw.find("PENDING"), std::string::npos) << r.raw;
    }
  }
};

TEST_F(chain_identity_e2e, another_kusama_chain_behind_the_url_is_never_applied_and_the_right_one_resumes_without_loss) {
  start();
  auto first = deposit(*right, 2 * ksm);
  ASSERT_TRUE(wait_for_cursor(dir, first["block"].get<uint64_t>())) << lstaked->last_log();
  ASSERT_TRUE(eventually([&] { return db_count("SELECT count(*) FROM deposits") == 1; }));
  ASSERT_TRUE(eventually([&] { return kusama_watcher_health().value("ok", false); }));
  auto cursor = *kusama_cursor(dir);

  // The other chain, with a deposit to our address in a block above our
  // cursor and final there, answers the daemon's URL.
  foreign->new_blocks(cursor + 5); // its block numbers above ours: "<block>-<index>" is not one of ours
  auto foreign_tx = deposit(*foreign, 5 * ksm);
  ASSERT_GT(foreign_tx["block"].get<uint64_t>(), cursor);
  proxy->use(foreign->url);
  ASSERT_TRUE(eventually([&] { return wrong_chain_shown(); }, 60s))
    << kusama_watcher_health().dump();
  auto status = lstaked->get("/v1/status");
  EXPECT_EQ(status.status, 503);
  EXPECT_FALSE(status.body.value("ok", true));
  EXPECT_NE(lstaked->get("/metrics").raw.find("lstaked_kusama_identity_mismatch 1"), std::string::npos);
  EXPECT_EQ(db_count("SELECT count(*) FROM alerts WHERE severity = 'critical' AND resolved_at IS NULL "
                     "AND source = 'kusama_watcher' AND message LIKE 'wrong chain: genesis%'"),
            1);
  EXPECT_EQ(db_count("SELECT count(*) FROM flows WHERE paused = 1 AND flow IN "
                     "('deposits', 'claims', 'bonding', 'payouts', 'ratio')"),
            5);
  std::this_thread::sleep_for(1500ms); // many polls
  expect_nothing_foreign(cursor, foreign_tx);
  EXPECT_EQ(db_count("SELECT count(*) FROM deposits"), 1);

  // A restart while the other chain answers: halted before applying anything.
  ASSERT_EQ(lstaked->stop(), 0);
  start();
  ASSERT_TRUE(eventually([&] { return wrong_chain_shown(); }, 60s))
    << kusama_watcher_health().dump();
  std::this_thread::sleep_for(1500ms);
  expect_nothing_foreign(cursor, foreign_tx);
  EXPECT_EQ(db_count("SELECT count(*) FROM deposits"), 1);

  // The right node is back (it made more blocks, with a deposit, meanwhile):
  // the daemon resumes from its cursor and misses nothing.
  auto second = deposit(*right, 3 * ksm);
  proxy->use(right->url);
  ASSERT_TRUE(wait_for_cursor(dir, second["block"].get<uint64_t>(), 60s)) << lstaked->last_log();
  ASSERT_TRUE(eventually([&] { return kusama_watcher_health().value("ok", false); }, 30s))
    << kusama_watcher_health().dump();
  EXPECT_NE(lstaked->get("/metrics").raw.find("lstaked_kusama_identity_mismatch 0"), std::string::npos);
  EXPECT_EQ(db_count("SELECT count(*) FROM deposits"), 2);
  EXPECT_EQ(db_count("SELECT count(*) FROM deposits WHERE amount_planck IN ('2000000000000', "
                     "'3000000000000') AND status = 'CREDITED'"),
            2);
  EXPECT_EQ(db_count("SELECT count(*) FROM deposits WHERE block_hash = '"
                     + foreign_tx["blockHash"].get<std::string>() + "'"),
            0);
  // Every block from 1 to the cursor was applied from the right chain: the
  // stored cursor hash is the right node's.
  auto c = *kusama_cursor(dir);
  SQLite::Database db(database_path(dir), SQLite::OPEN_READONLY);
  EXPECT_EQ(db.execAndGet("SELECT block_hash FROM chain_cursors WHERE chain = 'kusama'").getString(),
            right->rpc("chain_getBlockHash", {c}).get<std::string>());
  EXPECT_EQ(db_count("SELECT count(*) FROM flows WHERE paused = 1"), 5)
    << "the paused flows wait for the operator";
  ASSERT_EQ(lstaked->stop(), 0);
}

// The same with the nodes themselves swapped on the daemon's port: the right
// node stops (the daemon sees connection errors), the other chain starts on
// its port, then the right node comes back there from a snapshot.
TEST_F(chain_identity_e2e, the_other_chain_started_on_the_same_port_is_refused_and_the_right_node_back_there_resumes) {
  auto url = right->url;
  auto port = url.substr(url.rfind(':') + 1);
  lstaked = std::make_unique<test::daemon>(dir, write_config(dir, {url, 1, 100, 4}));
  start();
  auto first = deposit(*right, 2 * ksm);
  ASSERT_TRUE(wait_for_cursor(dir, first["block"].get<uint64_t>())) << lstaked->last_log();
  ASSERT_TRUE(eventually([&] { return db_count("SELECT count(*) FROM deposits") == 1; }));
  auto cursor = *kusama_cursor(dir);
  auto snapshot = dir.file("right-chain.json");
  right->rpc("dev_snapshot", {snapshot});
  right.reset();
  std::vector<std::string> options{"--port", port, "--block-ms", "0", "--finality-lag", "1",
                                   "--state-pruning", "100000"};
  auto with = [&](std::vector<std::string> more) {
    auto o = options;
    o.insert(o.end(), more.begin(), more.end());
    return o;
  };
  foreign = std::make_unique<test::kusama_node>(dir, with({"--metadata", "asset-hub"}), "foreign-on-port");
  ASSERT_TRUE(foreign->ok()) << foreign->log();
  ASSERT_EQ(foreign->url, url);
  foreign->new_blocks(cursor + 5);
  auto foreign_tx = deposit(*foreign, 5 * ksm);
  ASSERT_TRUE(eventually([&] { return wrong_chain_shown(); }, 60s)) << kusama_watcher_health().dump();
  std::this_thread::sleep_for(1500ms);
  expect_nothing_foreign(cursor, foreign_tx);
  EXPECT_EQ(db_count("SELECT count(*) FROM deposits"), 1);

  foreign.reset();
  right = std::make_unique<test::kusama_node>(dir, with({"--restore", snapshot}), "right-restored");
  ASSERT_TRUE(right->ok()) << right->log();
  auto second = deposit(*right, 3 * ksm);
  ASSERT_TRUE(wait_for_cursor(dir, second["block"].get<uint64_t>(), 60s)) << lstaked->last_log();
  ASSERT_TRUE(eventually([&] { return kusama_watcher_health().value("ok", false); }, 30s))
    << kusama_watcher_health().dump();
  EXPECT_EQ(db_count("SELECT count(*) FROM deposits"), 2);
  EXPECT_EQ(db_count("SELECT count(*) FROM deposits WHERE status = 'CREDITED' AND amount_planck IN "
                     "('2000000000000', '3000000000000')"),
            2);
  ASSERT_EQ(lstaked->stop(), 0);
}

/// Pool events on `chain` (the twin of ours: same pool address, same notary):
/// a notary-signed claimBonds to anvil account 1, then a burn of part of it.
void pool_events_on(test::anvil_node& chain, const test::deployment& d) {
  using namespace lstaked::chain::eth;
  auto raw = *lstaked::chain::from_hex(test::anvil_key0);
  lstaked::chain::secret_key32 key(raw.data());
  claim_authorization claim{*parse_address(d.token), u256{77}, *u256::from_dec("5000000000000000000"),
                            u256{1000000000}, *parse_address(test::anvil_address1)};
  auto sig = sign_claim(pool_domain(u256{31337}, *parse_address(d.pool)), claim, key);
  ASSERT_TRUE(sig);
  auto send = [&](std::vector<std::string> call) {
    std::vector<std::string> args{"send", "--rpc-url", chain.url, "--private-key", test::anvil_key1,
                                  d.pool};
    args.insert(args.end(), call.begin(), call.end());
    chain.cast(args);
  };
  send({"claimBonds(address,uint256,uint256,uint256,address,bytes)", d.token, "77",
        "5000000000000000000", "1000000000", test::anvil_address1,
        lstaked::chain::to_hex(lstaked::chain::byte_view(sig->data(), sig->size()))});
  send({"burnBond(address,uint256,bytes)", d.token, "2000000000000000000", deposit_account});
  auto logs = chain.rpc("eth_getLogs", {{{"address", d.pool}, {"fromBlock", "0x0"}, {"toBlock", "latest"}}});
  ASSERT_GE(logs.size(), 2u) << "the claim and the burn are on the other chain: " << logs.dump();
}

std::optional<uint64_t> ethereum_cursor(const test::temp_dir& dir, std::string* hash = nullptr) {
  try {
    SQLite::Database db(database_path(dir), SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement q(db, "SELECT block_number, block_hash FROM chain_cursors WHERE chain = 'ethereum'");
    if (q.executeStep()) {
      if (hash)
        *hash = q.getColumn(1).getString();
      return static_cast<uint64_t>(q.getColumn(0).getInt64());
    }
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

TEST(chain_identity_ethereum_e2e, another_ethereum_chain_behind_the_url_is_never_applied_and_the_right_one_resumes) {
  test::temp_dir dir, dir_b;
  test::kusama_node kusama{dir, {"--block-ms", "0", "--finality-lag", "1"}};
  ASSERT_TRUE(kusama.ok()) << kusama.log();
  test::anvil_node right{dir, 1}; // finalized = latest - 2
  ASSERT_TRUE(right.ok());
  auto contracts = right.deploy(test::anvil_address0);
  ASSERT_FALSE(create_secret_file(dir.file("notary.key"), test::anvil_key0.substr(2)));
  std::this_thread::sleep_for(1100ms); // anvil's genesis carries its start second
  test::anvil_node same_id{dir_b, 1};  // chain id 31337 too, another genesis
  ASSERT_TRUE(same_id.ok());
  auto twin = same_id.deploy(test::anvil_address0); // the pool at the same address there
  EXPECT_EQ(twin.pool, contracts.pool);
  auto genesis = [](test::anvil_node& a) {
    return a.rpc("eth_getBlockByNumber", {"0x0", false})["hash"].get<std::string>();
  };
  ASSERT_NE(genesis(right), genesis(same_id));
  test::background_process other_id{{repo + "/node_modules/.bin/anvil", "--host", "127.0.0.1", "--port",
                                     "0", "--chain-id", "999", "--slots-in-an-epoch", "1"},
                                    dir.file("anvil-999")};
  auto line = other_id.wait_for_line("Listening on", 30s);
  ASSERT_TRUE(line) << other_id.stderr_text();
  std::string other_url = "http://" + line->substr(line->find("127.0.0.1"));
  while (!other_url.empty() && std::isspace(static_cast<unsigned char>(other_url.back())))
    other_url.pop_back();

  switching_proxy proxy{right.url};
  test::daemon lstaked{dir, write_config(dir, {kusama.url, 1, 100, 4},
                                           ethereum_settings{proxy.url(), contracts.pool, contracts.token,
                                                             contracts.block, dir.file("notary.key")})};
  ASSERT_TRUE(lstaked.start("daemon-1")) << lstaked.last_log();
  auto eth_watcher = [&] {
    for (auto& a : lstaked.get("/v1/status").body.value("actors", json::array()))
      if (a.value("name", "") == "eth_watcher")
        return a;
    return json();
  };
  auto shows = [&](const std::string& what) {
    return eventually([&] {
      auto h = eth_watcher();
      return h.is_object() && !h.value("ok", true) && h.value("detail", "").find(what) != std::string::npos;
    }, 60s);
  };
  right.mine(5);
  ASSERT_TRUE(eventually([&] {
    auto c = ethereum_cursor(dir);
    return c && *c >= right.finalized_number();
  })) << lstaked.last_log();
  std::string cursor_hash;
  auto cursor = *ethereum_cursor(dir, &cursor_hash);
  auto right_hash_at = [&](uint64_t n) {
    return right.rpc("eth_getBlockByNumber", {"0x" + [&] {
                                                char b[32];
                                                std::snprintf(b, sizeof b, "%llx", (unsigned long long)n);
                                                return std::string(b);
                                              }(), false})["hash"].get<std::string>();
  };
  EXPECT_EQ(cursor_hash, right_hash_at(cursor));

  // No pool event of the other chains is ever in the ledger.
  auto expect_no_foreign_event = [&] {
    SQLite::Database db(database_path(dir), SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM unstake_requests").getInt64(), 0);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM history").getInt64(), 0);
  };
  auto expect_nothing_applied = [&] {
    std::string hash;
    EXPECT_EQ(ethereum_cursor(dir, &hash), cursor);
    EXPECT_EQ(hash, cursor_hash);
    EXPECT_FALSE(lstaked.get("/v1/status").body.value("ok", true));
    expect_no_foreign_event();
  };
  // Same chain id, another genesis, the pool at the same address with a claim
  // and a burn in blocks final there (its finalized head far above our cursor).
  pool_events_on(same_id, twin);
  same_id.mine(cursor + 20);
  proxy.use(same_id.url);
  ASSERT_TRUE(shows("wrong chain: genesis " + genesis(same_id) + ", pinned " + genesis(right)))
    << eth_watcher().dump();
  std::this_thread::sleep_for(1s);
  expect_nothing_applied();
  EXPECT_NE(lstaked.get("/metrics").raw.find("lstaked_eth_identity_mismatch 1"), std::string::npos);
  SQLite::Database db(database_path(dir), SQLite::OPEN_READONLY);
  db.setBusyTimeout(5000);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM alerts WHERE severity = 'critical' AND source = "
                          "'eth_watcher' AND message LIKE 'wrong chain: genesis%'").getInt64(),
            1);
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM flows WHERE paused = 1 AND flow IN ('claims', "
                          "'payouts')").getInt64(),
            2);
  // A restart against it, then a node with another chain id.
  ASSERT_EQ(lstaked.stop(), 0);
  ASSERT_TRUE(lstaked.start("daemon-2")) << lstaked.last_log();
  ASSERT_TRUE(shows("wrong chain: genesis")) << eth_watcher().dump();
  expect_nothing_applied();
  proxy.use(other_url);
  ASSERT_TRUE(shows("wrong chain: chain id 999, configured 31337")) << eth_watcher().dump();
  std::this_thread::sleep_for(1s);
  expect_nothing_applied();

  // The right chain is back: it resumes from the cursor.
  right.mine(6);
  proxy.use(right.url);
  ASSERT_TRUE(eventually([&] {
    auto c = ethereum_cursor(dir);
    return c && *c >= right.finalized_number() && eth_watcher().value("ok", false);
  }, 60s)) << eth_watcher().dump();
  std::string hash;
  auto resumed = *ethereum_cursor(dir, &hash);
  EXPECT_GT(resumed, cursor);
  EXPECT_EQ(hash, right_hash_at(resumed));
  EXPECT_NE(lstaked.get("/metrics").raw.find("lstaked_eth_identity_mismatch 0"), std::string::npos);
  expect_no_foreign_event();
  ASSERT_EQ(lstaked.stop(), 0);
}

} // namespace

// Bad input against the running BUILT daemon (issue 6): unknown extrinsic id
// forms, ids of future blocks, malformed bodies, and account addresses with a
// bad SS58 checksum or another network's prefix each get a clear JSON error
// with a stable code, and change nothing: the account endpoints and the
// ledger tables read the same before and after.
#include "tests/stake_flow/stake_flow_fixture.hpp"
#include "tests/support/kusama_node.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <sstream>
#include <vector>

using namespace lstaked;
using namespace lstaked::test::stake_flow;

namespace {

// //Bob (sr25519 dev key) in SS58 with prefix 2 (Kusama), 0 (Polkadot) and 42,
// as polkadot-js' encodeAddress writes them.
const std::string bob_kusama = "FoQJpPyadYccjavVdTWxpxU7rUEaYhfLCPwXgkfD6Zat9QP";
const std::string bob_polkadot = "14E5nqKAp3oAJcmzgZhUD2RcptBeUBScxKHgJKU4HPNcKVf3";
const std::string bob_generic = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const std::string bob_id = "0x8eaf04151687736326c9fea17e25fc5287613693c912909cb226aa4794f26a48";

// A "node" that accepts connections on 127.0.0.1 and never answers: every
// lookup the daemon sends it hangs until its timeout. close() ends them all.
class silent_node {
public:
  silent_node() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64) != 0)
      throw std::runtime_error("silent node: bind/listen failed");
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    acceptor_ = std::thread{[this] {
      while (true) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0)
          return;
        std::lock_guard<std::mutex> lock{mutex_};
        clients_.push_back(c);
      }
    }};
  }
  ~silent_node() { close(); }
  void close() {
    if (fd_ < 0)
      return;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
    acceptor_.join();
    std::lock_guard<std::mutex> lock{mutex_};
    for (int c : clients_) {
      ::shutdown(c, SHUT_RDWR);
      ::close(c);
    }
    clients_.clear();
  }
  int port = 0;

private:
  int fd_ = -1;
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> clients_;
};

class stake_flow_bad_input : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<test::daemon> lstaked;

  // Everything a user can see of the ledger, and the ledger's tables.
  std::string snapshot() {
    std::ostringstream out;
    for (auto path : {"/v1/accounts/" + bob_kusama, "/v1/accounts/" + bob_kusama + "/deposits",
                      "/v1/accounts/" + bob_kusama + "/history", "/v1/accounts/" + bob_kusama + "/claims"}) {
      auto r = lstaked->get(path);
      out << path << " " << r.status << " " << r.raw << "\n";
    }
    SQLite::Database db(database_path(dir), SQLite::OPEN_READONLY);
    for (auto sql : {"SELECT * FROM deposits ORDER BY id", "SELECT * FROM accounts ORDER BY account",
                     "SELECT * FROM history ORDER BY id", "SELECT * FROM deposit_submissions ORDER BY extrinsic_ref",
                     "SELECT * FROM claims ORDER BY claim_id", "SELECT * FROM claim_nonces ORDER BY account, nonce",
                     "SELECT * FROM staking_events ORDER BY id", "SELECT * FROM alerts ORDER BY id",
                     "SELECT chain, block_number, block_hash FROM chain_cursors ORDER BY chain",
                     "SELECT flow, paused FROM flows ORDER BY flow"}) {
      SQLite::Statement q(db, sql);
      out << sql << "\n";
      while (q.executeStep()) {
        for (int i = 0; i < q.getColumnCount(); ++i)
          out << (q.getColumn(i).isNull() ? std::string{"NULL"} : q.getColumn(i).getString()) << "|";
        out << "\n";
      }
    }
    return out.str();
  }

  void expect_error(const test::http_reply& r, int status, const std::string& code, const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.raw;
    ASSERT_TRUE(r.body.is_object()) << what << ": not JSON: " << r.raw;
    ASSERT_TRUE(r.body.contains("error")) << what << ": " << r.raw;
    EXPECT_EQ(r.body["error"].value("code", ""), code) << what << ": " << r.raw;
    EXPECT_FALSE(r.body["error"].value("message", "").empty()) << what << ": " << r.raw;
  }
};

TEST_F(stake_flow_bad_input, deposits_and_accounts_refuse_bad_input_and_change_nothing) {
  node = std::make_unique<test::kusama_node>(
    dir, std::vector<std::string>{"--metadata", "asset-hub", "--block-ms", "0", "--finality-lag", "2"});
  ASSERT_TRUE(node->ok()) << node->log();
  lstaked = std::make_unique<test::daemon>(dir, write_config(dir, {node->url, 1, 200, 64}));
  ASSERT_TRUE(lstaked->start("daemon")) << lstaked->last_log();

  // A credited deposit (finalized) and a pending one (sealed, not final), so
  // the ledger has something to damage.
  auto sent = run_script(dir, "send.mjs",
                         {node->url, json{{"to", deposit_address},
                                          {"steps", json::array({{{"from", "//Bob"}, {"transfer", std::to_string(2 * ksm)}},
                                                                 {{"seal", 3}},
                                                                 {{"from", "//Bob"}, {"transfer", std::to_string(3 * ksm)}},
                                                                 {{"seal", 1}}})}}
                                       .dump()});
  ASSERT_EQ(sent["accounts"]["//Bob"]["address"], bob_kusama);
  ASSERT_EQ(sent["accounts"]["//Bob"]["accountId"], bob_id);
  auto credited_block = sent["extrinsics"][0]["block"].get<uint64_t>();
  auto pending_id = std::to_string(sent["extrinsics"][1]["block"].get<uint64_t>()) + "-" +
                    std::to_string(sent["extrinsics"][1]["index"].get<uint64_t>());
  ASSERT_TRUE(wait_for_cursor(dir, node->finalized_number())) << lstaked->last_log();
  ASSERT_EQ(lstaked->get("/v1/accounts/" + bob_kusama).body["staked"]["nativeAmount"], "2000000000000");
  // The pending one is remembered once (a legitimate write) before the snapshot.
  auto remembered = lstaked->post_deposit(pending_id);
  ASSERT_EQ(remembered.body["status"], "PENDING") << remembered.status << " " << remembered.raw;
  auto best = node->best_number();

  auto before = snapshot();

  // 1. Extrinsic ids that are neither "<block>-<index>" nor a 32-byte hash.
  const std::string hex64(64, 'a');
  for (const std::string& id : std::vector<std::string>{"12", "a-b", "1-2-3", "-1-0", "01-2", "1-01", "0x12", "0x" + hex64 + "a",
                         "0x" + hex64.substr(1), "0x" + std::string(64, 'g'), "", "-", "1-", "-1", " 1-1",
                         "1-1 ", "+1-1", "1--1", "1.1", "1_1", "18446744073709551616-0",
                         "1-4294967296", hex64, "0x", "1-1\n", std::string("1-1\0", 4)}) {
    SCOPED_TRACE(json(id).dump());
    expect_error(lstaked->post_deposit(id), 400, "invalid_extrinsic_id", "id " + json(id).dump());
  }

  // 2. Ids of blocks that do not exist yet.
  for (auto block : {best + 1, best + 1000, uint64_t{18446744073709551615ull}}) {
    auto id = std::to_string(block) + "-1";
    expect_error(lstaked->post_deposit(id), 400, "future_block", "id " + id);
  }

  // 3. Bodies that are not {"extrinsic": "<string>"}.
  struct body_case {
    std::string body;
    int status;
    std::string code;
  };
  std::vector<body_case> bodies = {
    {"", 400, "invalid_json"},
    {"extrinsic=1-1", 400, "invalid_json"},
    {"{\"extrinsic\": \"1-1\"", 400, "invalid_json"},
    {"[\"1-1\"]", 400, "invalid_json"},
    {"\"1-1\"", 400, "invalid_json"},
    {"null", 400, "invalid_json"},
    {"{}", 400, "missing_field"},
    {"{\"extrinsic\": 12}", 400, "missing_field"},
    {"{\"extrinsic\": null}", 400, "missing_field"},
    {"{\"extrinsic\": [\"1-1\"]}", 400, "missing_field"},
    {"{\"extrinsic\": \"1-1\", \"amount\": \"1\"}", 400, "unknown_field"},
    {"{\"Extrinsic\": \"1-1\"}", 400, "unknown_field"},
    {"{\"extrinsic\": \"1-1\", \"extrinsic \": \"1-1\"}", 400, "unknown_field"},
    {"{\"extrinsic\": \"" + std::string(70000, '1') + "\"}", 413, "payload_too_large"},
  };
  for (auto& c : bodies) {
    auto shown = c.body.substr(0, 60);
    SCOPED_TRACE(shown);
    expect_error(lstaked->post("/v1/deposits", c.body), c.status, c.code, "body " + shown);
  }

  // 4. Well-formed ids that are not deposits: answered, nothing recorded.
  auto unknown_hash = "0x" + std::string(64, '7');
  auto unknown = lstaked->post_deposit(unknown_hash);
  EXPECT_EQ(unknown.status, 200) << unknown.raw;
  EXPECT_EQ(unknown.body["status"], "UNKNOWN") << unknown.raw;
  EXPECT_EQ(unknown.body["extrinsic"], unknown_hash);
  EXPECT_TRUE(unknown.body["deposits"].empty());
  auto no_such_index = lstaked->post_deposit(std::to_string(credited_block) + "-99");
  EXPECT_EQ(no_such_index.status, 200) << no_such_index.raw;
  EXPECT_EQ(no_such_index.body["status"], "UNKNOWN") << no_such_index.raw;
  auto inherent = lstaked->post_deposit(std::to_string(credited_block) + "-0"); // Timestamp.set
  EXPECT_EQ(inherent.status, 200) << inherent.raw;
  EXPECT_EQ(inherent.body["status"], "NOT_A_DEPOSIT") << inherent.raw;
  EXPECT_TRUE(inherent.body["deposits"].empty());

  // 5. Addresses: bad checksum, other networks' prefixes, not SS58 at all.
  auto broken = bob_kusama;
  broken.back() = broken.back() == 'P' ? 'Q' : 'P';
  auto swapped = bob_kusama;
  std::swap(swapped[9], swapped[10]); // "Yc" -> "cY" (10 and 11 are both c)
  for (auto& address : {broken, swapped, bob_polkadot, bob_generic, bob_id, std::string("F"),
                        std::string(200, 'F'), std::string("FoQJpPyadYccjavVdTWxpxU7rUEaYhfLCPwXgkfD6Zat9Q0")}) {
    SCOPED_TRACE(address);
    for (auto suffix : {"", "/deposits", "/history", "/claims"})
      expect_error(lstaked->get("/v1/accounts/" + address + suffix), 400, "invalid_address",
                   "address " + address + suffix);
  }

  // Nothing changed, and the daemon is healthy.
  EXPECT_EQ(snapshot(), before);
  auto status = lstaked->get("/v1/status");
  EXPECT_EQ(status.status, 200) << status.raw;

  // The pending deposit is still credited once it is final.
  node->new_blocks(2);
  ASSERT_TRUE(wait_for_cursor(dir, node->finalized_number())) << lstaked->last_log();
  EXPECT_EQ(lstaked->post_deposit(pending_id).body["status"], "CREDITED");
  EXPECT_EQ(lstaked->get("/v1/accounts/" + bob_kusama).body["staked"]["nativeAmount"], "5000000000000");
  EXPECT_EQ(lstaked->stop().value_or(-1), 0) << lstaked->last_log();
}

// Without a deposit address the deposit endpoints say so (and no Kusama node is needed).
TEST_F(stake_flow_bad_input, deposit_endpoints_answer_deposits_disabled_without_a_deposit_address) {
  kusama_settings k{"http://127.0.0.1:9", 1, 200, 64};
  k.deposits = false;
  lstaked = std::make_unique<test::daemon>(dir, write_config(dir, k));
  ASSERT_TRUE(lstaked->start("daemon")) << lstaked->last_log();
  expect_error(lstaked->get("/v1/deposit-address"), 503, "deposits_disabled", "deposit address");
  expect_error(lstaked->post_deposit("1-1"), 503, "deposits_disabled", "POST /v1/deposits");
  EXPECT_EQ(lstaked->stop().value_or(-1), 0) << lstaked->last_log();
}

TEST_F(stake_flow_bad_input, node_lookups_in_flight_are_bounded_and_released) {
  // A hung node must not let unknown-id lookups pile up in the one lookup
  // actor and hold every HTTP thread: with the default 8 HTTP threads, beyond
  // 4 lookups in flight POST /v1/deposits answers deposits_busy at once.
  silent_node hung;
  kusama_settings k{"http://127.0.0.1:" + std::to_string(hung.port), 1, 200, 64};
  lstaked = std::make_unique<test::daemon>(dir, write_config(dir, k));
  ASSERT_TRUE(lstaked->start("daemon")) << lstaked->last_log();
  auto before = snapshot();

  std::vector<std::thread> holders;
  std::vector<test::http_reply> held(4);
  for (size_t i = 0; i < held.size(); ++i)
    holders.emplace_back([&, i] { held[i] = lstaked->post_deposit(std::to_string(10 + i) + "-1"); });
  std::this_thread::sleep_for(1500ms); // all four are waiting on the node by now
  for (int i = 0; i < 4; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto r = lstaked->post_deposit(std::to_string(100 + i) + "-1");
    expect_error(r, 503, "deposits_busy", "lookup beyond the bound");
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s) << "a busy answer must not wait";
  }
  auto metrics = lstaked->get("/metrics").raw;
  EXPECT_NE(metrics.find("lstaked_deposit_lookups_in_flight 4"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("lstaked_deposit_lookups_busy_total 4"), std::string::npos) << metrics;
  // What needs no node still answers at once: a malformed id, the status page.
  expect_error(lstaked->post_deposit("nope"), 400, "invalid_extrinsic_id", "malformed while busy");
  auto status_start = std::chrono::steady_clock::now();
  EXPECT_NE(lstaked->get("/v1/status").status, 0); // 503 here: the watcher's node is hung
  EXPECT_LT(std::chrono::steady_clock::now() - status_start, 5s);

  hung.close(); // the node goes away: the held lookups fail and free their slots
  for (auto& t : holders)
    t.join();
  for (auto& r : held)
    expect_error(r, 503, "deposits_unavailable", "held lookup after the node closed");
  // Slots are released: the next lookup is tried again (and fails on the closed node).
  expect_error(lstaked->post_deposit("200-1"), 503, "deposits_unavailable", "after release");
  metrics = lstaked->get("/metrics").raw;
  EXPECT_NE(metrics.find("lstaked_deposit_lookups_in_flight 0"), std::string::npos) << metrics;
  EXPECT_EQ(snapshot(), before) << "busy or failed lookups changed something";
  EXPECT_EQ(lstaked->stop().value_or(-1), 0) << lstaked->last_log();
}

} // namespace

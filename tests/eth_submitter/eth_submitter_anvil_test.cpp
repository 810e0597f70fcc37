// The Ethereum submitter and its outbox rows against anvil: the storage actor
// and the submitter on CAF's deterministic scheduler (time moves only when the
// test says so), their blocking HTTP calls inline. The submitter talks to
// anvil through a small JSON-RPC proxy that can refuse eth_sendRawTransaction
// or the whole node, and records every submission it sees. Every "exactly
// once" claim is checked by counting the operator's transactions ON CHAIN
// (anvil's blocks, eth_getTransactionCount, receipts), never from our database.
//
// anvil runs with --slots-in-an-epoch 1: finalized = latest - 2. The operator
// is anvil's development account 1 (a public test key).
#include "actors/eth_submitter.hpp"
#include "actors/storage_actor.hpp"
#include "chain/ethereum/signature.hpp"
#include "storage/outbox.hpp"
#include "tests/support/actor_fixture.hpp"
#include "tests/support/anvil.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

using namespace lstaked;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string operator_address = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"; // anvil 1
const std::string recipient = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266";        // anvil 0
const std::string reverter = "0x00000000000000000000000000000000000dead1";

// Runtime code that reverts with Error("nope"): CODECOPY the 100-byte payload
// that follows the 12 bytes of code, then REVERT(0, 100).
std::string reverting_code() {
  std::string code = "0x" "6064600c600039" "60646000fd";
  code += "08c379a0";
  code += std::string(62, '0') + "20";
  code += std::string(62, '0') + "04";
  code += "6e6f7065" + std::string(56, '0');
  return code;
}

uint64_t quantity(const json& j) {
  return std::stoull(j.get<std::string>(), nullptr, 16);
}

/// A JSON-RPC proxy in front of anvil: passes everything, or refuses
/// eth_sendRawTransaction with a node error, or answers HTTP 503 to all.
class rpc_proxy {
public:
  enum class mode { pass, refuse_sends, down };

  explicit rpc_proxy(std::string upstream) : upstream_(std::move(upstream)) {
    server_.Post(R"(.*)", [this](const httplib::Request& req, httplib::Response& res) {
      handle(req, res);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    url = "http://127.0.0.1:" + std::to_string(port_);
  }
  ~rpc_proxy() {
    server_.stop();
    thread_.join();
  }

  std::string url;
  std::atomic<mode> current{mode::pass};

  /// The raw transactions of every eth_sendRawTransaction seen (refused ones too).
  std::vector<std::string> sends() {
    std::lock_guard<std::mutex> lock{mutex_};
    return sends_;
  }

private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    if (current == mode::down) {
      res.status = 503;
      return;
    }
    auto body = json::parse(req.body, nullptr, false);
    if (body.is_object() && body.value("method", "") == "eth_sendRawTransaction") {
      {
        std::lock_guard<std::mutex> lock{mutex_};
        sends_.push_back(body["params"][0].get<std::string>());
      }
      if (current == mode::refuse_sends) {
        json err{{"jsonrpc", "2.0"},
                 {"id", body["id"]},
                 {"error", {{"code", -32000}, {"message", "refused by the test proxy"}}}};
        res.set_content(err.dump(), "application/json");
        return;
      }
    }
    httplib::Client client{upstream_};
    client.set_read_timeout(30, 0);
    auto r = client.Post("/", req.body, "application/json");
    if (!r) {
      res.status = 502;
      return;
    }
    res.status = r->status;
    res.set_content(r->body, "application/json");
  }

  std::string upstream_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> sends_;
};

class eth_submitter_anvil : public test::actor_fixture {
protected:
  test::temp_dir dir;
  std::string db_path = dir.file("ledger.sqlite");
  std::unique_ptr<test::anvil_node> anvil;
  std::unique_ptr<rpc_proxy> proxy;
  storage_actor storage;
  eth_submitter_config cfg;
  std::vector<eth_submitter_actor> started;

  void SetUp() override {
    anvil = std::make_unique<test::anvil_node>(dir, 1u);
    ASSERT_TRUE(anvil->ok());
    proxy = std::make_unique<rpc_proxy>(anvil->url);
    storage = sys.spawn(lstaked::storage, storage_config{db_path});
    run();
    cfg.rpc.url = proxy->url;
    cfg.rpc.max_attempts = 1;
    cfg.rpc.read_timeout = 10s;
    cfg.database = db_path;
    cfg.chain_id = 31337;
    auto key = std::make_shared<chain::secret_key32>();
    auto address = load_key(test::anvil_key1, *key);
    cfg.key = key;
    cfg.address = address;
    ASSERT_EQ(cfg.address, operator_address);
    cfg.poll_interval = 1000ms;
    cfg.resubmit_interval = 1ms; // every step re-sends what is pending (benign when pooled)
    cfg.stuck_after = 30s;
  }

  void TearDown() override {
    for (auto& s : started)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    run();
    stop_actor(storage);
  }

  static std::string load_key(const std::string& hex, chain::secret_key32& out) {
    auto raw = chain::from_hex(hex);
    EXPECT_TRUE(raw && raw->size() == 32);
    std::copy(raw->begin(), raw->end(), out.data());
    return chain::to_hex(*chain::eth::address_of(out));
  }

  eth_submitter_actor start_submitter() {
    auto s = sys.spawn(eth_submitter, cfg, storage);
    started.push_back(s);
    run();
    return s;
  }

  void tick(const eth_submitter_actor& s) {
    self->send(s, tick_atom_v);
    run();
  }
  // Makes what is in blocks now final (finalized = latest - 2), and the submitter look.
  void settle(const eth_submitter_actor& s) {
    anvil->mine(2);
    tick(s);
  }
  json status(const eth_submitter_actor& s) {
    return json::parse(ask<std::string>(s, status_atom_v));
  }
  actor_health health(const eth_submitter_actor& s) {
    return ask<actor_health>(s, health_atom_v);
  }

  void write(const std::string& name, std::function<void(SQLite::Database&)> fn) {
    auto r = try_ask<uint64_t>(storage, write_atom_v,
                               write_task{name, sql::durability::full, std::move(fn)});
    if (!r)
      ADD_FAILURE() << name << ": " << describe(r.error());
  }
  int64_t count(const std::string& sql) {
    int64_t n = -1;
    write("count", [&](SQLite::Database& db) {
      SQLite::Statement q(db, sql);
      if (q.executeStep())
        n = q.getColumn(0).getInt64();
    });
    return n;
  }

  /// An INTENT for the operator, its nonce from the chain as a caller does it.
  ledger::outbox_intent add(const json& call, const std::string& purpose = "test") {
    auto chain_next = chain_nonce("pending");
    ledger::outbox_intent row;
    write("add_intent", [&](SQLite::Database& db) {
      ledger::with_statements(db, [&](ledger::statement_cache& sc) {
        row = ledger::add_intent(sc, "ethereum", operator_address, purpose, call, chain_next, 1);
      });
    });
    return row;
  }
  static json transfer(const std::string& wei) {
    return {{"to", recipient}, {"data", "0x"}, {"value", wei}, {"gas_limit", "21000"}};
  }

  ledger::outbox_intent row(int64_t id) {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    return *ledger::intent_by_id(db, id);
  }
  std::vector<ledger::outbox_attempt> attempts(int64_t id) {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    return ledger::attempts_of(db, id);
  }

  // --- the chain's word -----------------------------------------------------
  uint64_t chain_nonce(const std::string& at = "latest") {
    return quantity(anvil->rpc("eth_getTransactionCount", {operator_address, at}));
  }
  json receipt(const std::string& hash) {
    return anvil->rpc("eth_getTransactionReceipt", {hash});
  }
  /// Every transaction the operator's key sent, from anvil's blocks.
  std::vector<json> operator_transactions() {
    std::vector<json> out;
    auto head = anvil->block_number();
    for (uint64_t n = 0; n <= head; ++n) {
      auto b = anvil->rpc("eth_getBlockByNumber", {rpc::u256{n}.to_hex(), true});
      for (auto& tx : b["transactions"])
        if (tx["from"].get<std::string>() == operator_address)
          out.push_back(tx);
    }
    return out;
  }
  /// Sends a transfer from the operator's key at `nonce` by hand (cast), mined at once.
  std::string send_by_hand(uint64_t nonce) {
    return anvil->cast({"send", "--async", "--rpc-url", anvil->url, "--private-key", test::anvil_key1,
                        "--nonce", std::to_string(nonce), recipient, "--value", "7"});
  }
};

} // namespace

TEST_F(eth_submitter_anvil, signs_sends_and_finalizes_an_intent_once_with_the_nonce_from_the_chain) {
  // The key was used before: the chain's next nonce is 2.
  send_by_hand(0);
  send_by_hand(1);
  ASSERT_EQ(chain_nonce(), 2u);
  auto before = rpc::u256::from_hex(anvil->rpc("eth_getBalance", {recipient, "latest"}).get<std::string>());
  auto s = start_submitter();
  auto r = add(transfer("1000000000000000000"));
  EXPECT_EQ(r.nonce, 2u);
  tick(s); // signed, committed, sent; anvil mines it at once: seen above the final block
  auto sent = row(r.id);
  EXPECT_EQ(sent.status, "IN_BLOCK") << sent.to_json().dump();
  EXPECT_TRUE(sent.to_json()["fee"].contains("max_fee_per_gas"));
  settle(s);
  auto done = row(r.id);
  EXPECT_EQ(done.status, "FINALIZED") << done.to_json().dump();
  EXPECT_EQ(done.outcome, "success");
  EXPECT_EQ(done.attempts, 1u);
  // More blocks and steps change nothing.
  for (int i = 0; i < 3; ++i) {
    settle(s);
    advance_time(cfg.poll_interval);
  }
  EXPECT_EQ(row(r.id).updated_at, done.updated_at);
  auto txs = operator_transactions();
  ASSERT_EQ(txs.size(), 3u); // two by hand, one by the submitter
  EXPECT_EQ(txs[2]["hash"], done.tx_hash);
  EXPECT_EQ(quantity(txs[2]["nonce"]), 2u);
  EXPECT_EQ(txs[2]["type"], "0x2"); // EIP-1559
  EXPECT_EQ(chain_nonce(), 3u);
  EXPECT_EQ(quantity(receipt(done.tx_hash)["blockNumber"]), *done.block_number);
  auto after = rpc::u256::from_hex(anvil->rpc("eth_getBalance", {recipient, "latest"}).get<std::string>());
  ASSERT_TRUE(before && after);
  EXPECT_EQ(*after, *chain::eth::checked_add(*before, *rpc::u256::from_dec("1000000000000000000")));
  auto st = status(s);
  EXPECT_EQ(st["open"].size(), 0u);
  EXPECT_EQ(st["nonce_at_finalized"], 3);
  EXPECT_TRUE(health(s).ok) << health(s).detail;
}

TEST_F(eth_submitter_anvil, a_restart_after_the_commit_sends_the_same_bytes_and_it_lands_once) {
  auto s = start_submitter();
  // The node cannot be reached at all: nothing is signed.
  proxy->current = rpc_proxy::mode::down;
  auto r = add(transfer("1000"));
  tick(s);
  EXPECT_EQ(row(r.id).status, "INTENT");
  EXPECT_FALSE(health(s).ok);
  // The node answers but refuses the submission: signed, committed, not on chain.
  proxy->current = rpc_proxy::mode::refuse_sends;
  advance_time(60s); // past the backoff
  auto committed = row(r.id);
  ASSERT_EQ(committed.status, "SUBMITTED") << committed.to_json().dump();
  EXPECT_NE(committed.note.find("submission failed"), std::string::npos) << committed.note;
  ASSERT_TRUE(committed.live);
  EXPECT_EQ(chain_nonce(), 0u);
  EXPECT_TRUE(receipt(committed.tx_hash).is_null());
  // "Crash" after the commit: a new incarnation on the same database.
  stop_actor(s);
  proxy->current = rpc_proxy::mode::pass;
  auto again = start_submitter();
  settle(again);
  auto done = row(r.id);
  EXPECT_EQ(done.status, "FINALIZED") << done.to_json().dump();
  EXPECT_EQ(done.attempts, 1u);
  EXPECT_EQ(done.tx_hash, committed.tx_hash);
  // Every submission the node saw carried the committed bytes.
  auto sends = proxy->sends();
  ASSERT_GE(sends.size(), 2u);
  for (auto& raw : sends)
    EXPECT_EQ(raw, committed.live->signed_hex);
  auto txs = operator_transactions();
  ASSERT_EQ(txs.size(), 1u);
  EXPECT_EQ(txs[0]["hash"], committed.tx_hash);
  EXPECT_EQ(chain_nonce(), 1u);
  EXPECT_TRUE(health(again).ok) << health(again).detail;
}

TEST_F(eth_submitter_anvil, a_stuck_transaction_is_replaced_with_the_same_nonce_and_a_higher_fee) {
  anvil->set_automine(false);
  auto s = start_submitter();
  auto r = add(transfer("1000"));
  tick(s);
  auto first = row(r.id);
  ASSERT_EQ(first.status, "SUBMITTED") << first.to_json().dump();
  ASSERT_TRUE(first.live);
  advance_time(10s); // not yet stuck: re-sent as it is
  EXPECT_EQ(row(r.id).attempts, 1u);
  advance_time(cfg.stuck_after);
  auto bumped = row(r.id);
  ASSERT_EQ(bumped.attempts, 2u) << bumped.to_json().dump();
  EXPECT_EQ(bumped.nonce, first.nonce);
  EXPECT_EQ(bumped.status, "SUBMITTED");
  EXPECT_NE(bumped.tx_hash, first.tx_hash);
  auto all = attempts(r.id);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, "LIVE"); // the first stays matchable
  auto fees = [](const ledger::outbox_attempt& a) {
    auto j = json::parse(a.fee);
    return std::make_pair(*rpc::u256::from_dec(j["max_fee_per_gas"].get<std::string>()),
                          *rpc::u256::from_dec(j["max_priority_fee_per_gas"].get<std::string>()));
  };
  auto [max1, tip1] = fees(all[0]);
  auto [max2, tip2] = fees(all[1]);
  // >= +12.5% on both fields: 8 * new >= 9 * old.
  EXPECT_GE(*chain::eth::checked_mul(max2, 8), *chain::eth::checked_mul(max1, 9));
  EXPECT_GE(*chain::eth::checked_mul(tip2, 8), *chain::eth::checked_mul(tip1, 9));
  // The node holds the replacement; mining takes exactly one of the two.
  anvil->mine(1);
  settle(s);
  auto done = row(r.id);
  EXPECT_EQ(done.status, "FINALIZED") << done.to_json().dump();
  EXPECT_EQ(done.outcome, "success");
  EXPECT_EQ(done.tx_hash, all[1].tx_hash);
  EXPECT_TRUE(receipt(all[0].tx_hash).is_null());
  EXPECT_FALSE(receipt(all[1].tx_hash).is_null());
  auto txs = operator_transactions();
  ASSERT_EQ(txs.size(), 1u);
  EXPECT_EQ(txs[0]["hash"], done.tx_hash);
  EXPECT_EQ(chain_nonce(), 1u);
  // Nothing more is signed afterwards.
  advance_time(cfg.stuck_after * 2);
  settle(s);
  EXPECT_EQ(attempts(r.id).size(), 2u);
  EXPECT_EQ(operator_transactions().size(), 1u);
}

TEST_F(eth_submitter_anvil, a_reverted_transaction_is_finalized_failed_once_with_an_alert_and_not_retried) {
  anvil->rpc("anvil_setCode", {reverter, reverting_code()});
  auto s = start_submitter();
  auto r = add({{"to", reverter}, {"data", "0x12345678"}, {"gas_limit", "100000"}}, "update_ratio");
  tick(s);
  for (int i = 0; i < 3; ++i) {
    settle(s);
    advance_time(cfg.poll_interval);
  }
  auto done = row(r.id);
  EXPECT_EQ(done.status, "FINALIZED") << done.to_json().dump();
  EXPECT_EQ(done.outcome, "failed");
  EXPECT_EQ(done.dispatch_error, "reverted: nope");
  EXPECT_EQ(done.attempts, 1u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM alerts WHERE source = 'ethereum_submitter' "
                  "AND severity = 'warning'"), 1);
  auto txs = operator_transactions();
  ASSERT_EQ(txs.size(), 1u); // no retry
  EXPECT_EQ(receipt(done.tx_hash)["status"], "0x0");
  EXPECT_EQ(chain_nonce(), 1u);
  EXPECT_TRUE(health(s).ok) << health(s).detail; // recorded, not an error of the submitter
}

TEST_F(eth_submitter_anvil, a_nonce_used_by_hand_is_replaced_with_a_critical_alert_and_never_sent_again) {
  proxy->current = rpc_proxy::mode::refuse_sends;
  auto s = start_submitter();
  auto r = add(transfer("1000"));
  tick(s);
  auto ours = row(r.id);
  ASSERT_EQ(ours.status, "SUBMITTED");
  // The operator sends something else with the same key and nonce first.
  auto by_hand = send_by_hand(ours.nonce);
  proxy->current = rpc_proxy::mode::pass;
  auto sends_before = proxy->sends().size();
  tick(s); // the nonce is used in a block that is not final yet: wait
  EXPECT_EQ(row(r.id).status, "SUBMITTED");
  settle(s);
  auto done = row(r.id);
  EXPECT_EQ(done.status, "REPLACED") << done.to_json().dump();
  EXPECT_EQ(count("SELECT COUNT(*) FROM alerts WHERE severity = 'critical' "
                  "AND source = 'ethereum_submitter'"), 1);
  for (int i = 0; i < 3; ++i) {
    settle(s);
    advance_time(cfg.stuck_after);
  }
  EXPECT_EQ(proxy->sends().size(), sends_before); // never sent again
  EXPECT_EQ(attempts(r.id).size(), 1u);           // never re-signed
  auto txs = operator_transactions();
  ASSERT_EQ(txs.size(), 1u);
  EXPECT_EQ(txs[0]["hash"], by_hand);
  EXPECT_TRUE(receipt(ours.tx_hash).is_null());
  // The next intent takes the next nonce and goes through.
  auto next = add(transfer("1000"));
  EXPECT_EQ(next.nonce, 1u);
  tick(s);
  settle(s);
  EXPECT_EQ(row(next.id).status, "FINALIZED");
  EXPECT_EQ(operator_transactions().size(), 2u);
}

TEST_F(eth_submitter_anvil, a_fee_cap_below_what_the_chain_needs_sends_nothing_and_says_so) {
  cfg.max_fee_per_gas = rpc::u256{1}; // 1 wei: below any base fee
  auto s = start_submitter();
  auto r = add(transfer("1000"));
  tick(s);
  advance_time(cfg.poll_interval);
  auto waiting = row(r.id);
  EXPECT_EQ(waiting.status, "INTENT");
  EXPECT_EQ(waiting.attempts, 0u);
  EXPECT_NE(waiting.note.find("above the cap"), std::string::npos) << waiting.note;
  auto st = status(s);
  EXPECT_NE(st["fee_blocked"].get<std::string>().find("above the cap of 1 wei"), std::string::npos)
    << st.dump();
  EXPECT_TRUE(st["fees"]["capped"].get<bool>());
  auto h = health(s);
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.detail.find("above the cap"), std::string::npos) << h.detail;
  EXPECT_TRUE(proxy->sends().empty());
  EXPECT_EQ(chain_nonce(), 0u);
  // With a cap the chain can meet (a restart with the new config), it goes through once.
  stop_actor(s);
  cfg.max_fee_per_gas = rpc::u256{500'000'000'000ull};
  auto again = start_submitter();
  settle(again);
  EXPECT_EQ(row(r.id).status, "FINALIZED");
  EXPECT_TRUE(health(again).ok) << health(again).detail;
  EXPECT_EQ(operator_transactions().size(), 1u);
}

TEST_F(eth_submitter_anvil, a_node_of_another_chain_gets_nothing_signed) {
  cfg.chain_id = 1;
  auto s = start_submitter();
  auto r = add(transfer("1000"));
  tick(s);
  EXPECT_EQ(row(r.id).status, "INTENT");
  auto h = health(s);
  EXPECT_FALSE(h.ok);
  EXPECT_NE(h.detail.find("chain id 31337"), std::string::npos) << h.detail;
  EXPECT_TRUE(proxy->sends().empty());
}

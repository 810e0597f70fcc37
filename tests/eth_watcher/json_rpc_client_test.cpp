// The JSON-RPC client against a real HTTP peer on 127.0.0.1 (an httplib server
// in the test): batching, retry policy, error mapping, malformed answers.
#include "chain/rpc/eth_client.hpp"
#include "chain/rpc/json_rpc_client.hpp"

#include <httplib.h>
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace lstaked;
using namespace lstaked::rpc;
using namespace std::chrono_literals;

namespace {

/// A loopback HTTP peer; `handler` decides each answer. Counts requests and
/// remembers the client ports it saw (one port = one keep-alive connection).
class peer {
public:
  using handler_fn = std::function<void(const json& request, httplib::Response& res)>;

  explicit peer(handler_fn h) : handler_(std::move(h)) {
    srv_.set_tcp_nodelay(true);
    srv_.Post("/rpc", [this](const httplib::Request& req, httplib::Response& res) {
      ++hits;
      {
        std::lock_guard<std::mutex> guard(mutex_);
        ports_.insert(req.remote_port);
      }
      handler_(json::parse(req.body), res);
    });
    port_ = srv_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { srv_.listen_after_bind(); });
    while (!srv_.is_running())
      std::this_thread::sleep_for(1ms);
  }
  ~peer() {
    srv_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/rpc"; }
  size_t connections() {
    std::lock_guard<std::mutex> guard(mutex_);
    return ports_.size();
  }
  std::atomic<int> hits{0};

private:
  handler_fn handler_;
  httplib::Server srv_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::set<int> ports_;
};

json ok(const json& req, json result) {
  return {{"jsonrpc", "2.0"}, {"id", req["id"]}, {"result", std::move(result)}};
}

json fail(const json& req, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", req["id"]}, {"error", {{"code", code}, {"message", message}}}};
}

void answer(httplib::Response& res, const json& j) {
  res.set_content(j.dump(), "application/json");
}

std::unique_ptr<json_rpc_client> client_for(const peer& p, unsigned attempts = 3,
                                            std::chrono::milliseconds read_timeout = 2000ms) {
  json_rpc_config cfg;
  cfg.url = p.url();
  cfg.max_attempts = attempts;
  cfg.initial_backoff = 1ms;
  cfg.max_backoff = 4ms;
  cfg.read_timeout = read_timeout;
  auto c = json_rpc_client::make(cfg);
  EXPECT_TRUE(c) << describe(c.error());
  return std::move(*c);
}

} // namespace

TEST(json_rpc_client, single_call_returns_the_result_on_one_keep_alive_connection) {
  peer p([](const json& req, httplib::Response& res) {
    EXPECT_EQ(req["jsonrpc"], "2.0");
    EXPECT_EQ(req["method"], "eth_blockNumber");
    answer(res, ok(req, "0x2a"));
  });
  auto c = client_for(p);
  for (int i = 0; i < 5; ++i) {
    auto r = c->call("eth_blockNumber");
    ASSERT_TRUE(r) << describe(r.error());
    EXPECT_EQ(*r, "0x2a");
  }
  EXPECT_EQ(p.hits, 5);
  EXPECT_EQ(p.connections(), 1u) << "keep-alive: every call should reuse the connection";
  EXPECT_EQ(c->stats().calls, 5u);
}

TEST(json_rpc_client, batch_is_one_request_and_results_follow_call_order) {
  peer p([](const json& req, httplib::Response& res) {
    ASSERT_TRUE(req.is_array());
    json out = json::array();
    // Answer in reverse order, the second call with a node error.
    for (auto it = req.rbegin(); it != req.rend(); ++it) {
      if ((*it)["method"] == "bad")
        out.push_back(fail(*it, -32601, "the method bad does not exist"));
      else
        out.push_back(ok(*it, (*it)["params"][0]));
    }
    answer(res, out);
  });
  auto c = client_for(p);
  auto r = c->batch({{"echo", json::array({1})}, {"bad", json::array()}, {"echo", json::array({3})}});
  ASSERT_TRUE(r) << describe(r.error());
  ASSERT_EQ(r->size(), 3u);
  ASSERT_TRUE((*r)[0]);
  EXPECT_EQ(*(*r)[0], 1);
  ASSERT_FALSE((*r)[1]);
  EXPECT_TRUE(is((*r)[1].error(), ec::rpc_error));
  EXPECT_EQ(node_error_code((*r)[1].error()), -32601);
  ASSERT_TRUE((*r)[2]);
  EXPECT_EQ(*(*r)[2], 3);
  EXPECT_EQ(p.hits, 1);
  // An empty batch never reaches the node.
  auto empty = c->batch({});
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(p.hits, 1);
}

TEST(json_rpc_client, node_errors_are_answers_and_never_retried) {
  peer p([](const json& req, httplib::Response& res) {
    answer(res, fail(req, -32005, "query returned more than 10000 results"));
  });
  auto c = client_for(p, 5);
  auto r = c->call("eth_getLogs", json::array({json::object()}));
  ASSERT_FALSE(r);
  EXPECT_TRUE(is(r.error(), ec::rpc_error));
  EXPECT_EQ(node_error_code(r.error()), -32005);
  EXPECT_NE(describe(r.error()).find("query returned more than 10000 results"), std::string::npos);
  EXPECT_TRUE(is_too_much_data(r.error()));
  EXPECT_EQ(p.hits, 1);
  EXPECT_EQ(c->stats().retries, 0u);
  EXPECT_EQ(c->stats().node_errors, 1u);
}

TEST(json_rpc_client, server_errors_and_429_are_retried_with_backoff) {
  std::atomic<int> n{0};
  peer p([&](const json& req, httplib::Response& res) {
    int i = n++;
    if (i == 0) {
      res.status = 503;
      res.set_content("busy", "text/plain");
    } else if (i == 1) {
      res.status = 429;
      res.set_content("slow down", "text/plain");
    } else {
      answer(res, ok(req, "0x1"));
    }
  });
  auto c = client_for(p, 3);
  auto r = c->call("eth_chainId");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(*r, "0x1");
  EXPECT_EQ(p.hits, 3);
  EXPECT_EQ(c->stats().retries, 2u);
}

TEST(json_rpc_client, gives_up_after_max_attempts) {
  peer p([](const json&, httplib::Response& res) {
    res.status = 500;
    res.set_content("boom", "text/plain");
  });
  auto c = client_for(p, 4);
  auto r = c->call("eth_chainId");
  ASSERT_FALSE(r);
  EXPECT_TRUE(is(r.error(), ec::rpc_error));
  EXPECT_NE(describe(r.error()).find("HTTP 500"), std::string::npos);
  EXPECT_FALSE(node_error_code(r.error()));
  EXPECT_EQ(p.hits, 4);
  EXPECT_EQ(c->stats().failures, 1u);
}

TEST(json_rpc_client, other_http_statuses_are_not_retried) {
  peer p([](const json&, httplib::Response& res) {
    res.status = 403;
    res.set_content("forbidden", "text/plain");
  });
  auto c = client_for(p, 4);
  auto r = c->call("eth_chainId");
  ASSERT_FALSE(r);
  EXPECT_TRUE(is(r.error(), ec::rpc_error));
  EXPECT_EQ(p.hits, 1);
}

TEST(json_rpc_client, malformed_answers_are_decode_errors) {
  std::atomic<int> mode{0};
  peer p([&](const json& req, httplib::Response& res) {
    switch (mode.load()) {
      case 0: res.set_content("{\"jsonrpc\":\"2.0\",\"id\":", "application/json"); break;
      case 1: answer(res, ok(json{{"id", 999999}}, "0x1")); break;                       // wrong id
      case 2: answer(res, json{{"jsonrpc", "2.0"}, {"id", req["id"]}}); break;              // no result
      case 3: answer(res, json{{"jsonrpc", "1.0"}, {"id", req["id"]}, {"result", 1}}); break;
      case 4: answer(res, json::array()); break;                                            // array to a call
      case 5: answer(res, json{{"jsonrpc", "2.0"}, {"id", req["id"]}, {"error", "oops"}}); break;
    }
  });
  auto c = client_for(p, 3);
  for (int m = 0; m <= 5; ++m) {
    mode = m;
    int before = p.hits;
    auto r = c->call("eth_chainId");
    ASSERT_FALSE(r) << "mode " << m;
    EXPECT_TRUE(is(r.error(), ec::decode_error)) << "mode " << m << ": " << describe(r.error());
    EXPECT_EQ(p.hits - before, 1) << "a malformed answer is not retried (mode " << m << ")";
  }
}

TEST(json_rpc_client, malformed_batch_answers_are_decode_errors) {
  std::atomic<int> mode{0};
  peer p([&](const json& req, httplib::Response& res) {
    json out = json::array();
    switch (mode.load()) {
      case 0: out.push_back(ok(req[0], 1)); break;                          // one missing
      case 1: out = {ok(req[0], 1), ok(req[0], 1)}; break;                  // one id twice
      case 2: out = {ok(req[0], 1), ok(json{{"id", 424242}}, 2)}; break;    // unknown id
      case 3: out = json{{"jsonrpc", "2.0"}, {"id", 1}, {"result", 1}}; break; // not an array
    }
    answer(res, out);
  });
  auto c = client_for(p);
  for (int m = 0; m <= 3; ++m) {
    mode = m;
    auto r = c->batch({{"a", json::array()}, {"b", json::array()}});
    ASSERT_FALSE(r) << "mode " << m;
    EXPECT_TRUE(is(r.error(), ec::decode_error)) << "mode " << m << ": " << describe(r.error());
  }
}

TEST(json_rpc_client, a_refused_batch_is_the_nodes_error) {
  peer p([](const json&, httplib::Response& res) {
    answer(res, json{{"jsonrpc", "2.0"}, {"id", nullptr},
                     {"error", {{"code", -32600}, {"message", "batch too large"}}}});
  });
  auto c = client_for(p);
  auto r = c->batch({{"a", json::array()}});
  ASSERT_FALSE(r);
  EXPECT_EQ(node_error_code(r.error()), -32600);
}

TEST(json_rpc_client, slow_peer_is_a_timeout_after_retries) {
  peer p([](const json& req, httplib::Response& res) {
    std::this_thread::sleep_for(400ms);
    answer(res, ok(req, 1));
  });
  auto c = client_for(p, 2, 100ms);
  auto r = c->call("eth_chainId");
  ASSERT_FALSE(r);
  EXPECT_TRUE(is(r.error(), ec::timeout)) << describe(r.error());
  EXPECT_TRUE(is_too_much_data(r.error()));
  EXPECT_EQ(c->stats().retries, 1u);
}

TEST(json_rpc_client, refused_connection_is_an_rpc_error_after_retries) {
  // A port that was free a moment ago and where nothing listens now.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  json_rpc_config cfg;
  cfg.url = "http://127.0.0.1:" + std::to_string(port);
  cfg.max_attempts = 3;
  cfg.initial_backoff = 1ms;
  cfg.read_timeout = 1000ms;
  auto c = json_rpc_client::make(cfg);
  ASSERT_TRUE(c);
  auto r = (*c)->call("eth_chainId");
  ASSERT_FALSE(r);
  EXPECT_TRUE(is(r.error(), ec::rpc_error)) << describe(r.error());
  EXPECT_EQ((*c)->stats().requests, 3u);
}

TEST(json_rpc_client, oversize_answer_is_refused) {
  peer p([](const json& req, httplib::Response& res) {
    answer(res, ok(req, std::string(100000, 'a')));
  });
  json_rpc_config cfg;
  cfg.url = p.url();
  cfg.max_response_bytes = 4096;
  auto c = json_rpc_client::make(cfg);
  ASSERT_TRUE(c);
  auto r = (*c)->call("big");
  ASSERT_FALSE(r);
  EXPECT_TRUE(is(r.error(), ec::decode_error)) << describe(r.error());
  EXPECT_EQ(p.hits, 1);
}

TEST(json_rpc_client, config_is_validated) {
  for (auto url : {"", "127.0.0.1:8545", "ftp://x", "http://", "http://h:99999", "http://h:x",
                   "http://u@h:1"}) {
    json_rpc_config cfg;
    cfg.url = url;
    EXPECT_TRUE(is(validate(cfg), ec::invalid_config)) << url;
  }
  json_rpc_config cfg;
  cfg.url = "http://127.0.0.1:8545";
  EXPECT_FALSE(validate(cfg));
  cfg.max_attempts = 0;
  EXPECT_TRUE(is(validate(cfg), ec::invalid_config));
}

TEST(json_rpc_client, too_much_data_wordings) {
  auto node = [](int code, const std::string& m) {
    return make_error(ec::rpc_error, "eth_getLogs: node error " + std::to_string(code) + ": " + m);
  };
  EXPECT_TRUE(is_too_much_data(node(-32005, "anything")));
  EXPECT_TRUE(is_too_much_data(node(-32000, "query returned more than 10000 results")));
  EXPECT_TRUE(is_too_much_data(node(-32602, "Log response size exceeded.")));
  EXPECT_TRUE(is_too_much_data(node(-32000, "block range is too wide")));
  EXPECT_FALSE(is_too_much_data(node(-32602, "invalid params")));
  EXPECT_FALSE(is_too_much_data(make_error(ec::rpc_error, "eth_getLogs: Connection")));
  EXPECT_EQ(node_error_code(node(-32000, "x: y")), -32000);
}

// ---- the typed Ethereum decoders -------------------------------------------

TEST(eth_client_decoding, quantities_are_strict) {
  EXPECT_EQ(*parse_quantity_u64("0x0"), 0u);
  EXPECT_EQ(*parse_quantity_u64("0xffffffffffffffff"), UINT64_MAX);
  EXPECT_FALSE(parse_quantity_u64("0x10000000000000000"));
  EXPECT_FALSE(parse_quantity_u64("0x"));
  EXPECT_FALSE(parse_quantity_u64("12"));
  EXPECT_FALSE(parse_quantity_u64(12));
  EXPECT_FALSE(parse_quantity_u64("0xg"));
  EXPECT_EQ(parse_quantity("0x" + std::string(64, 'f'))->to_hex(), "0x" + std::string(64, 'f'));
}

TEST(eth_client_decoding, block_headers_and_logs) {
  std::string h1 = "0x" + std::string(64, '1'), h2 = "0x" + std::string(64, '2');
  auto b = parse_block_header(
    json{{"number", "0x10"}, {"hash", h1}, {"parentHash", h2}, {"timestamp", "0x5"}});
  ASSERT_TRUE(b && *b);
  EXPECT_EQ((*b)->number, 16u);
  EXPECT_EQ(chain::to_hex((*b)->hash), h1);
  EXPECT_EQ(chain::to_hex((*b)->parent_hash), h2);
  EXPECT_TRUE(parse_block_header(json(nullptr)) && !*parse_block_header(json(nullptr)));
  EXPECT_FALSE(parse_block_header(json{{"number", "0x10"}, {"hash", "0x12"}, {"parentHash", h2},
                                       {"timestamp", "0x5"}}));
  EXPECT_FALSE(parse_block_header(json{{"number", nullptr}, {"hash", h1}, {"parentHash", h2},
                                       {"timestamp", "0x5"}}));

  json log = {{"address", "0x5FbDB2315678afecb367f032d93F642f64180aa3"},
              {"topics", {h1, h2}},
              {"data", "0x0102"},
              {"blockNumber", "0x7"},
              {"blockHash", h2},
              {"transactionHash", h1},
              {"transactionIndex", "0x0"},
              {"logIndex", "0x3"},
              {"removed", false}};
  auto l = parse_log(log);
  ASSERT_TRUE(l) << describe(l.error());
  EXPECT_EQ(l->topics.size(), 2u);
  EXPECT_EQ(l->data, (chain::bytes{1, 2}));
  EXPECT_EQ(l->block_number, 7u);
  EXPECT_EQ(l->log_index, 3u);
  EXPECT_FALSE(l->removed);
  auto broken = log;
  broken["data"] = "0x010";
  EXPECT_FALSE(parse_log(broken));
  broken = log;
  broken["topics"] = {h1, h1, h1, h1, h1};
  EXPECT_FALSE(parse_log(broken));
  broken = log;
  broken.erase("logIndex");
  EXPECT_FALSE(parse_log(broken));
}

TEST(eth_client_decoding, log_filter_json) {
  log_filter f;
  f.addresses.push_back(*chain::eth::parse_address("0x5fbdb2315678afecb367f032d93f642f64180aa3"));
  chain::hash256 a{}, b{};
  a[31] = 1;
  b[31] = 2;
  f.topics = {{a, b}, {}, {a}};
  f.from_block = 10;
  f.to_block = 255;
  auto j = to_json(f);
  EXPECT_EQ(j["fromBlock"], "0xa");
  EXPECT_EQ(j["toBlock"], "0xff");
  EXPECT_EQ(j["address"], "0x5fbdb2315678afecb367f032d93f642f64180aa3");
  ASSERT_EQ(j["topics"].size(), 3u);
  EXPECT_EQ(j["topics"][0].size(), 2u);
  EXPECT_TRUE(j["topics"][1].is_null());
  EXPECT_TRUE(j["topics"][2].is_string());
}

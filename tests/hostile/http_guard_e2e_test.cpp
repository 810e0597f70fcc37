// Issue 17, the built daemon under hostile clients (no chains needed): the
// whole-request deadline, the connection caps answered 503 + Retry-After, the
// refusals the guard answers itself (431, 413, 411), rate-limit tokens given
// back for refused input, a trusted proxy exempt from the per-address cap, the
// admin listener's token and its reachability while the user API is held by
// slowloris connections, and the metrics of each.
#include "tests/hostile/raw_http.hpp"
#include "tests/support/daemon.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>
#include <vector>

using namespace lstaked;
using namespace lstaked::test::hostile;
using namespace std::chrono_literals;

namespace {

class http_guard_e2e : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::daemon> lstaked;
  int port = 0;
  int admin_port = 0;

  void SetUp() override {
    auto path = dir.file("lstaked.toml");
    std::ofstream{path} << "data_dir = \"" << dir.file("data") << "\"\n"
                        << "[http]\nlisten = \"127.0.0.1:0\"\nthreads = 2\n"
                        << "read_timeout_ms = 1000\nkeep_alive_idle_ms = 1000\n"
                        << "max_connections_per_client = 4\nmax_header_bytes = 2048\n"
                        << "max_body_bytes = 1024\n"
                        << "trusted_proxies = [\"127.0.0.3\"]\n"
                        << "claims_per_minute = 1\nclaims_burst = 2\n"
                        << "deposits_per_minute = 1\ndeposits_burst = 2\n"
                        << "[admin]\nlisten = \"127.0.0.1:0\"\n";
    lstaked = std::make_unique<test::daemon>(dir, path);
    ASSERT_TRUE(lstaked->start("daemon")) << lstaked->last_log();
    port = lstaked->port;
    admin_port = lstaked->process()->wait_for_port("admin listening on http://", 10s);
    ASSERT_GT(admin_port, 0) << lstaked->last_log();
  }

  std::string ask(const std::string& text, const std::string& source = "127.0.0.1") {
    raw_conn c{port, source};
    c.send(text);
    return c.read_response(5s);
  }

  // The value of one series in /metrics (-1: absent).
  long long metric(const std::string& series) {
    auto text = lstaked->get("/metrics").raw;
    auto at = text.find("\n" + series + " ");
    if (at == std::string::npos)
      return -1;
    return std::stoll(text.substr(at + series.size() + 2));
  }

  std::string token() {
    std::ifstream in{dir.file("data") + "/admin.token"};
    std::string t;
    std::getline(in, t);
    return t;
  }
};

TEST_F(http_guard_e2e, a_trickled_request_is_closed_at_the_deadline_and_holds_no_worker) {
  // Two workers, six connections trickling a header line every 200 ms: each
  // is closed once its request has taken 1 s, and meanwhile normal requests
  // are answered at once (the trickling ones never reached a worker).
  std::vector<raw_conn> slow;
  for (int i = 0; i < 6; ++i) {
    slow.emplace_back(port, "127.0.0." + std::to_string(10 + i));
    ASSERT_TRUE(slow.back().send("GET /v1/status HTTP/1.1\r\nHost: x\r\n"));
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<double> normal_ms;
  for (int round = 0; round < 8; ++round) {
    for (auto& c : slow)
      c.send("X-Slow: " + std::to_string(round) + "\r\n");
    auto t = std::chrono::steady_clock::now();
    auto r = lstaked->get("/v1/status");
    normal_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    EXPECT_EQ(r.status, 200);
    std::this_thread::sleep_for(200ms);
  }
  for (auto& c : slow) {
    auto got = c.read_until_close(3s);
    EXPECT_TRUE(c.closed()) << "a trickling connection outlived the request deadline";
    EXPECT_EQ(status_of(got), 408) << got;
    EXPECT_NE(body_of(got).find("\"request_timeout\""), std::string::npos) << got;
  }
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, 4s);
  EXPECT_LT(*std::max_element(normal_ms.begin(), normal_ms.end()), 500.0);
  EXPECT_GE(metric("lstaked_http_connections_closed_total{listener=\"user\",reason=\"request_timeout\"}"), 6);
}

TEST_F(http_guard_e2e, connections_beyond_the_per_client_cap_get_503_with_retry_after) {
  std::vector<raw_conn> held;
  for (int i = 0; i < 4; ++i) {
    held.emplace_back(port, "127.0.0.20");
    ASSERT_TRUE(held.back().send("GET /v1/status HTTP/1.1\r\n")); // partial: never complete
  }
  std::this_thread::sleep_for(100ms);
  raw_conn fifth{port, "127.0.0.20"};
  fifth.send(request("GET", "/v1/status"));
  auto refused = fifth.read_until_close(2s);
  EXPECT_EQ(status_of(refused), 503) << refused;
  EXPECT_EQ(header_of(refused, "Retry-After"), "1") << refused;
  EXPECT_NE(body_of(refused).find("\"too_many_connections\""), std::string::npos) << refused;
  EXPECT_TRUE(fifth.closed());
  // Another address is not affected.
  EXPECT_EQ(status_of(ask(request("GET", "/v1/status"), "127.0.0.21")), 200);
  EXPECT_GE(metric("lstaked_http_connections_refused_total{listener=\"user\",reason=\"per_client\"}"), 1);
  // Once the held connections are gone, the address is served again.
  held.clear();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(status_of(ask(request("GET", "/v1/status"), "127.0.0.20")), 200);
}

TEST_F(http_guard_e2e, oversize_heads_and_bodies_and_chunked_bodies_are_refused_by_the_guard) {
  auto big_head = ask("GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_EQ(status_of(big_head), 431) << big_head;
  EXPECT_NE(body_of(big_head).find("\"header_too_large\""), std::string::npos);
  // A body of sane size is read away first (the client gets its 413, not a
  // reset); an absurd one is refused at once.
  auto big_body = ask("POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"
                      + std::string(5000, 'x'));
  EXPECT_EQ(status_of(big_body), 413) << big_body;
  EXPECT_NE(body_of(big_body).find("\"payload_too_large\""), std::string::npos);
  auto absurd = ask("POST /v1/deposits HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n");
  EXPECT_EQ(status_of(absurd), 413) << absurd;
  auto chunked = ask("POST /v1/deposits HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  EXPECT_EQ(status_of(chunked), 411) << chunked;
  EXPECT_NE(body_of(chunked).find("\"length_required\""), std::string::npos);
  // Expect: 100-continue is answered once, then the request as usual.
  raw_conn c{port};
  c.send("POST /v1/claims HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
         "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  auto go_on = c.read_response(2s);
  EXPECT_EQ(status_of(go_on), 100) << go_on;
  c.send("{}");
  auto answer = c.read_response(2s);
  EXPECT_EQ(status_of(answer), 400) << answer;
}

TEST_F(http_guard_e2e, requests_refused_for_bad_input_give_their_rate_limit_token_back) {
  // Burst 2, yet five malformed claims and five deposit posts (deposits are
  // disabled here: 503) are all answered as before, never 429: the limit is
  // on work done (429s on work: hostile_load_e2e).
  const std::string claim = R"({"address":"x"})";
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(status_of(ask(request("POST", "/v1/claims", claim))), 400);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(status_of(ask(request("POST", "/v1/deposits", R"({"extrinsic":"1-1"})"))), 503);
  EXPECT_EQ(metric("lstaked_http_rate_limited_total{method=\"POST\",route=\"/v1/claims\"}"), 0);
  EXPECT_EQ(metric("lstaked_http_rate_limited_total{method=\"POST\",route=\"/v1/deposits\"}"), 0);
}

TEST_F(http_guard_e2e, a_trusted_proxy_is_not_capped_per_address) {
  // It carries many clients (nginx enforces their own connection limits).
  std::vector<raw_conn> many;
  for (int i = 0; i < 8; ++i) {
    many.emplace_back(port, "127.0.0.3");
    many.back().send("GET /v1/status HTTP/1.1\r\n");
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(status_of(ask(request("GET", "/v1/status"), "127.0.0.3")), 200);
}

TEST_F(http_guard_e2e, the_admin_listener_needs_the_token_and_stays_reachable_under_slowloris) {
  auto admin = [&](const std::string& headers) {
    raw_conn c{admin_port};
    c.send(request("GET", "/admin/v1/status", "", headers));
    return c.read_response(5s);
  };
  auto missing = admin("");
  EXPECT_EQ(status_of(missing), 401) << missing;
  EXPECT_NE(body_of(missing).find("\"unauthorized\""), std::string::npos);
  EXPECT_EQ(header_of(missing, "WWW-Authenticate"), "Bearer");
  EXPECT_EQ(status_of(admin("Authorization: Bearer " + std::string(64, '0') + "\r\n")), 401);
  EXPECT_EQ(status_of(admin("Authorization: Basic " + token() + "\r\n")), 401);
  EXPECT_EQ(metric("lstaked_admin_auth_failures_total"), 3);
  auto ok = admin("Authorization: Bearer " + token() + "\r\n");
  ASSERT_EQ(status_of(ok), 200) << ok;
  EXPECT_NE(body_of(ok).find("\"schemaVersion\""), std::string::npos) << ok;
  // The admin routes are not on the user listener, and the token is not logged.
  EXPECT_EQ(lstaked->get("/admin/v1/status").status, 404);
  EXPECT_EQ(lstaked->last_log().find(token()), std::string::npos);

  // 64 slowloris connections on the user API (16 addresses x 4, at the cap):
  // the admin listener answers at once throughout.
  std::vector<raw_conn> slow;
  for (int i = 0; i < 64; ++i) {
    slow.emplace_back(port, "127.0.0." + std::to_string(40 + i % 16));
    slow.back().send("POST /v1/deposits HTTP/1.1\r\nHost: x\r\n");
  }
  double worst = 0;
  for (int round = 0; round < 10; ++round) {
    for (auto& c : slow)
      c.send("X-Slow: 1\r\n");
    auto t = std::chrono::steady_clock::now();
    EXPECT_EQ(status_of(admin("Authorization: Bearer " + token() + "\r\n")), 200);
    worst = std::max(worst, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
    std::this_thread::sleep_for(150ms);
  }
  EXPECT_LT(worst, 1000.0);
}

} // namespace

// Issue 17's "done means", against the BUILT daemon with both local chains:
// 96 slowloris connections (24 addresses) plus a flood of unknown deposit
// hashes (tools/hostile-load), while a normal client's GET /v1/status, account
// summary, valid claim and the admin status are each answered in < 2 s (p99);
// the flood reaches the node only through the lookup's negative cache. Then
// the per-client 429s on work (deposit lookups, claims), X-Forwarded-For
// honoured from the trusted proxy only, and that a limited client's claims
// change nothing. The figures go to stdout (docs/BENCHMARKS.md).
#include "tests/hostile/load_fixture.hpp"

using namespace lstaked;
using namespace lstaked::test::hostile;

namespace {

class hostile_load_e2e : public load_stack {};

TEST_F(hostile_load_e2e, a_normal_client_is_served_under_slowloris_and_an_unknown_hash_flood) {
  // Default limits, except: 127.0.0.3 is "the proxy" for the X-Forwarded-For check.
  start_stack("trusted_proxies = [\"127.0.0.3\"]\n");
  if (HasFatalFailure())
    return;
  // expiresTimestamp: when claimBeforeBlock is expected (7200 blocks x 12 s), in ms.
  auto& c = first_claim["claim"];
  EXPECT_EQ(c["expiresTimestamp"].get<int64_t>(), c["createdTimestamp"].get<int64_t>() + 7200 * 12000)
    << first_claim.dump();

  auto fetched_before = metric("lstaked_deposit_lookup_blocks_fetched_total");
  auto report = drive({"--port", std::to_string(lstaked->port), "--baseline-seconds", "5",
                       "--attack-seconds", "15", "--slowloris", "96", "--sources", "24",
                       "--flood-threads", "4", "--probe-interval-ms", "500"});
  expect_served(report);
  // The attack was real: the slowloris connections were made (and re-made
  // after each deadline), and the flood got unknown-hash answers.
  EXPECT_GE(report["slowloris"]["connects"].get<int>(), 96);
  EXPECT_GT(report["flood"]["statuses"].value("200", 0), 100) << report["flood"].dump();
  // The flood cost the node (almost) nothing: answered from the negative
  // cache; the only blocks read are those the chain had not shown yet.
  EXPECT_GT(metric("lstaked_deposit_lookup_cached_total"), 100);
  auto best = node->best_number();
  EXPECT_LE(metric("lstaked_deposit_lookup_blocks_fetched_total") - std::max(fetched_before, 0ll),
            static_cast<long long>(2 * (best + 1)));
  EXPECT_GE(metric("lstaked_http_connections_closed_total{listener=\"user\",reason=\"request_timeout\"}"), 96);

  // Per-client limits on work: a fresh client gets 60 unknown-hash lookups
  // (burst), then 429 rate_limited with Retry-After.
  int ok = 0, limited = 0;
  std::string last;
  for (int i = 0; i < 64; ++i) {
    raw_conn conn{lstaked->port, "127.0.0.250"};
    char hash[67];
    std::snprintf(hash, sizeof hash, "0x%064x", i + 1);
    conn.send(request("POST", "/v1/deposits", std::string(R"({"extrinsic":")") + hash + "\"}"));
    last = conn.read_response(10s);
    (status_of(last) == 200 ? ok : limited) += status_of(last) == 200 || status_of(last) == 429;
  }
  EXPECT_GE(ok, 60); // the bucket refills at 2/s meanwhile
  EXPECT_GE(limited, 1);
  EXPECT_EQ(ok + limited, 64);
  EXPECT_NE(body_of(last).find("\"rate_limited\""), std::string::npos) << last;
  EXPECT_GE(std::stoi(header_of(last, "Retry-After")), 1) << last;
  EXPECT_GE(metric("lstaked_http_rate_limited_total{method=\"POST\",route=\"/v1/deposits\"}"), 4);

  // From the trusted proxy, the rightmost X-Forwarded-For entry is the client;
  // from anyone else the header is ignored (127.0.0.250 stays limited).
  auto forwarded = [&](const std::string& source, const std::string& client) {
    raw_conn conn{lstaked->port, source};
    conn.send(request("POST", "/v1/deposits", R"({"extrinsic":"0x)" + std::string(64, 'e') + "\"}",
                      "X-Forwarded-For: " + client + "\r\n"));
    return status_of(conn.read_response(10s));
  };
  EXPECT_EQ(forwarded("127.0.0.250", "198.51.100.1"), 429);
  EXPECT_EQ(forwarded("127.0.0.3", "198.51.100.1"), 200);

  // A limited client's claims change nothing: the normal client's bucket is
  // nearly spent by the run; claim until 429, then one more valid, unused
  // request is refused and the account is as before it.
  auto before = lstaked->get("/v1/accounts/" + user).body;
  auto claims_before = lstaked->get("/v1/accounts/" + user + "/claims").body["claims"].size();
  size_t used = report["baseline"]["claim"]["count"].get<size_t>() + report["attack"]["claim"]["count"].get<size_t>();
  int refused = 0;
  size_t accepted = 0;
  for (size_t i = used; i < claims.size() && refused == 0; ++i) {
    auto r = lstaked->post("/v1/claims", claims[i]);
    if (r.status == 429) {
      ++refused;
      EXPECT_EQ(r.body["error"]["code"], "rate_limited") << r.raw;
      // Nothing of this request reached the notary or the ledger.
      auto after = lstaked->get("/v1/accounts/" + user).body;
      EXPECT_EQ(after["inActiveClaims"]["nativeAmount"].get<std::string>(),
                std::to_string((1 + used + accepted) * 10'000'000'000ull)) << after.dump();
      EXPECT_EQ(lstaked->get("/v1/accounts/" + user + "/claims").body["claims"].size(),
                claims_before + accepted);
    } else {
      ASSERT_EQ(r.status, 200) << r.raw;
      ++accepted;
    }
  }
  EXPECT_EQ(refused, 1) << "no 429 after " << accepted << " more claims";
  (void)before;
}

} // namespace

// The stack the hostile-load tests run against: the local Kusama node, anvil
// with the real contracts, the BUILT daemon with claims and deposits enabled,
// one user with 10 KSM credited and claim requests signed by polkadot-js, and
// tools/hostile-load (built) to drive it. Everything on 127.0.0.1, ports
// picked by the OS, nothing downloaded.
#pragma once

#include "config/secret_file.hpp"
#include "tests/hostile/raw_http.hpp"
#include "tests/stake_flow/stake_flow_fixture.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/kusama_node.hpp"

#include <fstream>

namespace lstaked::test::hostile {

using namespace lstaked::test::stake_flow;

inline std::string load_driver() {
  return std::string(LSTAKED_BINARY_DIR) + "/tools/hostile-load/hostile-load";
}

class load_stack : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<test::anvil_node> anvil;
  test::deployment contracts;
  std::unique_ptr<test::daemon> lstaked;
  int admin_port = 0;
  std::string user;               // SS58 of //HostileUser
  std::vector<std::string> claims; // signed POST /v1/claims bodies, unused
  json first_claim;                // the answer to the first one

  /// `http_extra`: more [http] keys (TOML lines).
  void start_stack(const std::string& http_extra, const std::string& admin_extra = "") {
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--metadata", "kusama", "--block-ms", "0", "--finality-lag", "2"});
    ASSERT_TRUE(node->ok()) << node->log();
    anvil = std::make_unique<test::anvil_node>(dir, 1);
    ASSERT_TRUE(anvil->ok()) << "anvil did not start";
    contracts = anvil->deploy(test::anvil_address0);
    ASSERT_FALSE(create_secret_file(dir.file("notary.key"), test::anvil_key0.substr(2)));
    auto path = dir.file("lstaked.toml");
    std::ofstream{path} << "data_dir = \"" << dir.file("data") << "\"\n"
                        << "[http]\nlisten = \"127.0.0.1:0\"\n" << http_extra
                        << "[admin]\nlisten = \"127.0.0.1:0\"\n" << admin_extra
                        << "[kusama]\nrpc_url = \"" << node->url << "\"\nss58_prefix = 2\n"
                        << "deposit_address = \"" << deposit_address << "\"\nminimum_deposit = \"1\"\n"
                        << "start_block = 1\npoll_interval_ms = 200\n"
                        << "[ethereum]\nrpc_url = \"" << anvil->url
                        << "\"\nchain_id = 31337\npool_address = \"" << contracts.pool
                        << "\"\ntoken_address = \"" << contracts.token
                        << "\"\nstart_block = " << contracts.block
                        << "\nfinality = \"finalized\"\npoll_interval_ms = 100\n"
                        << "[claims]\nnotary_key_file = \"" << dir.file("notary.key")
                        << "\"\nmax_request_ttl_seconds = 4000000000\n";
    lstaked = std::make_unique<test::daemon>(dir, path);
    ASSERT_TRUE(lstaked->start("daemon")) << lstaked->last_log();
    admin_port = lstaked->process()->wait_for_port("admin listening on http://", 10s);
    ASSERT_GT(admin_port, 0) << lstaked->last_log();

    // 10 KSM from a fresh user, final and credited.
    json plan = {{"to", deposit_address},
                 {"steps", json::array({{{"fund", "//HostileUser"}, {"planck", std::to_string(100 * ksm)}},
                                        {{"from", "//HostileUser"}, {"transfer", std::to_string(10 * ksm)}},
                                        {{"seal", 1}}})}};
    auto sent = run_script(dir, "send.mjs", {node->url, plan.dump()});
    user = sent["accounts"]["//HostileUser"]["address"].get<std::string>();
    auto block = sent["extrinsics"][0]["block"].get<uint64_t>();
    node->new_blocks(2);
    ASSERT_TRUE(wait_for_cursor(dir, block)) << lstaked->last_log();
    ASSERT_TRUE(eventually([&] {
      return lstaked->get("/v1/accounts/" + user).body["staked"]["nativeAmount"] == "10000000000000";
    }, 60s)) << lstaked->get("/v1/accounts/" + user).raw;

    auto r = run_process({"/usr/bin/env", "node", repo + "/tests/hostile/sign_claims.mjs",
                          json{{"uri", "//HostileUser"}, {"ethAddress", test::anvil_address1},
                               {"amount", "0.01"}, {"count", 60}, {"prefix", "hostile"},
                               {"expiresAt", 4000000000ll}, {"chainId", 31337}}.dump()},
                         dir.path(), 120s);
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    auto signed_requests = json::parse(r.out);
    for (auto& b : signed_requests["bodies"])
      claims.push_back(b.dump());
    ASSERT_EQ(claims.size(), 60u) << r.out;

    // The notary signs once it has an Ethereum head and a safe notary set.
    test::http_reply claimed;
    ASSERT_TRUE(eventually([&] {
      claimed = lstaked->post("/v1/claims", claims.front());
      if (claimed.status == 503)
        anvil->mine(1);
      return claimed.status != 503 && claimed.status != 0;
    }, 120s, 200ms)) << claimed.raw;
    ASSERT_EQ(claimed.status, 200) << claimed.raw;
    first_claim = claimed.body;
    claims.erase(claims.begin());
  }

  /// Runs the driver; its JSON report.
  json drive(std::vector<std::string> args) {
    std::ofstream{dir.file("claims.json")} << json(claims).dump();
    args.insert(args.begin(), {load_driver(), "--admin-port", std::to_string(admin_port),
                               "--admin-token-file", dir.file("data") + "/admin.token",
                               "--account", user, "--claims-file", dir.file("claims.json"),
                               "--out", dir.file("load.json")});
    auto r = run_process(args, dir.path(), 120s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::cout << r.out << std::flush; // the figures, for docs/BENCHMARKS.md
    return json::parse(r.out);
  }

  long long metric(const std::string& series) {
    auto text = lstaked->get("/metrics").raw;
    auto at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + series.size() + 2));
  }

  /// Every probe of the attack phase answered, 200, p99 under 2 s.
  void expect_served(const json& report) {
    for (const char* probe : {"status", "account", "claim", "admin_status"}) {
      SCOPED_TRACE(probe);
      auto& a = report["attack"][probe];
      ASSERT_TRUE(a.is_object()) << report.dump(2);
      EXPECT_GE(a["count"].get<int>(), 3);
      EXPECT_EQ(a["failures"].get<int>(), 0) << a.dump();
      EXPECT_EQ(a["statuses"].size(), 1u) << a.dump();
      EXPECT_EQ(a["statuses"].value("200", 0), a["count"].get<int>()) << a.dump();
      EXPECT_LT(a["p99_ms"].get<double>(), 2000.0) << a.dump();
    }
  }
};

} // namespace lstaked::test::hostile

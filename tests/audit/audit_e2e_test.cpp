// `lstaked audit` through the BUILT binary against both local chains (the
// local Kusama node and anvil with the real contracts), after the flows it
// audits: a deposit credited and one below the minimum, a claim minted with
// cast, a claim left to expire, a burn. While the daemon runs, the audit is clean (exit 0; it reads
// the database as a WAL reader). With the daemon stopped, a deposit row
// deleted and an account's shares edited are reported (exit 1) with their
// codes, and so are a payout doubled on chain by hand (the pool's deposit
// account is the dev key //Ferdie here, so the test signs two transfers to the
// burner, and marks the unstake request PAID by the first) and a PAID request
// whose transfer is not on chain; an unreachable node is "could not run" (exit 2).
#include "config/secret_file.hpp"
#include "tests/stake_flow/stake_flow_fixture.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/kusama_node.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace lstaked;
using namespace lstaked::test::stake_flow;

namespace {

std::vector<std::string> codes_of(const json& report) {
  std::vector<std::string> out;
  for (auto& d : report["discrepancies"])
    out.push_back(d["code"].get<std::string>());
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// A port on 127.0.0.1 nobody listens on (bound, then closed).
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class audit_e2e : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<test::anvil_node> anvil;
  test::deployment contracts;
  std::unique_ptr<test::daemon> lstaked;
  std::string config;

  void SetUp() override {
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--metadata", "kusama", "--block-ms", "0", "--finality-lag", "2"});
    ASSERT_TRUE(node->ok()) << node->log();
    anvil = std::make_unique<test::anvil_node>(dir, 1); // finalized = latest - 2
    ASSERT_TRUE(anvil->ok()) << "anvil did not start";
    contracts = anvil->deploy(test::anvil_address0);
    ASSERT_FALSE(create_secret_file(dir.file("notary.key"), test::anvil_key0.substr(2)));
    config = write_config(dir, {node->url, 1, 200, 64},
                          ethereum_settings{anvil->url, contracts.pool, contracts.token,
                                            contracts.block, dir.file("notary.key")});
    // Claims are valid for 30 blocks, so one can expire within the test.
    std::ofstream{config, std::ios::app} << "validity_blocks = 30\n";
    lstaked = std::make_unique<test::daemon>(dir, config);
    ASSERT_TRUE(lstaked->start("daemon")) << lstaked->last_log();
  }

  std::string cast_send(std::vector<std::string> args) {
    args.insert(args.begin(), {"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key1});
    return anvil->cast(args);
  }

  template <class Pred>
  bool mined_until(Pred done) {
    return eventually([&] {
      if (done())
        return true;
      anvil->mine(1);
      return false;
    }, 120s, 100ms);
  }

  // `lstaked audit --json [--config FILE]`: exit code and the parsed report.
  std::pair<int, json> audit(const std::string& config_file, test::process_result* raw = nullptr) {
    auto r = test::run_process({test::lstaked_binary(), "audit", "--json", "--config", config_file},
                               dir.path(), std::chrono::seconds(120));
    if (raw)
      *raw = r;
    auto body = json::parse(r.out, nullptr, false);
    return {r.exit_code, body};
  }
};

} // namespace

TEST_F(audit_e2e, clean_after_deposit_claim_mint_and_burn_then_reports_corruption_and_unreachable_nodes) {
  // 1. Deposits: 3 KSM from a fresh user, 0.5 KSM (below the minimum) from //Bob.
  json plan = {{"to", deposit_address},
               {"steps", json::array({
                           {{"fund", "//AuditUser"}, {"planck", std::to_string(100 * ksm)}},
                           {{"from", "//AuditUser"}, {"transfer", std::to_string(3 * ksm)}},
                           {{"from", "//Bob"}, {"transfer", std::to_string(ksm / 2)}},
                           {{"seal", 1}},
                         })}};
  auto sent = run_script(dir, "send.mjs", {node->url, plan.dump()});
  auto user = sent["accounts"]["//AuditUser"]["address"].get<std::string>();
  auto user_id = sent["accounts"]["//AuditUser"]["accountId"].get<std::string>();
  auto head = node->new_blocks(2);
  ASSERT_TRUE(wait_for_cursor(dir, head - 2)) << lstaked->last_log();
  ASSERT_TRUE(eventually([&] {
    return lstaked->get("/v1/accounts/" + user).body["staked"]["nativeAmount"] == "3000000000000";
  })) << lstaked->last_log();

  // 2. A claim of 2 KSM to anvil account 1, minted with cast.
  auto signed_request = run_script(
    dir, "sign_claim.mjs",
    {json{{"uri", "//AuditUser"}, {"ethAddress", test::anvil_address1}, {"amount", "2"},
          {"nonce", "audit-e2e"}, {"expiresAt", 4000000000ll}, {"chainId", 31337}}
       .dump()});
  test::http_reply claimed;
  ASSERT_TRUE(eventually([&] {
    claimed = lstaked->post("/v1/claims", signed_request["body"].dump());
    return claimed.status != 503 && claimed.status != 0;
  })) << claimed.raw;
  ASSERT_EQ(claimed.status, 200) << claimed.raw;
  auto c = claimed.body["claim"]["data"];
  auto claim_id = c["claimId"].get<std::string>();
  cast_send({contracts.pool, "claimBonds(address,uint256,uint256,uint256,address,bytes)", contracts.token,
             claim_id, "2000000000000000000", std::to_string(c["claimBeforeBlock"].get<uint64_t>()),
             c["ethAddress"].get<std::string>(), c["signature"].get<std::string>()});
  ASSERT_TRUE(mined_until([&] {
    return lstaked->get("/v1/claims/" + claim_id).body["claim"]["status"] == "CLAIMED";
  })) << "the claim never became CLAIMED";

  // 3. A burn of 0.75 aKSMb back to the user's Kusama account.
  cast_send({contracts.pool, "burnBond(address,uint256,bytes)", contracts.token, "750000000000000000", user_id});
  ASSERT_TRUE(mined_until([&] {
    auto h = lstaked->get("/v1/accounts/" + user + "/history").body.value("entries", json::array());
    return !h.empty() && h[0]["kind"] == "UNSTAKE";
  })) << "the burn never reached the history";

  // 4. A claim of 0.25 KSM that is never minted: it expires and its shares go back.
  auto unused_request = run_script(
    dir, "sign_claim.mjs",
    {json{{"uri", "//AuditUser"}, {"ethAddress", test::anvil_address1}, {"amount", "0.25"},
          {"nonce", "audit-e2e-unused"}, {"expiresAt", 4000000000ll}, {"chainId", 31337}}
       .dump()});
  auto unused = lstaked->post("/v1/claims", unused_request["body"].dump());
  ASSERT_EQ(unused.status, 200) << unused.raw;
  auto unused_id = unused.body["claim"]["data"]["claimId"].get<std::string>();
  anvil->mine(32);
  ASSERT_TRUE(mined_until([&] {
    return lstaked->get("/v1/claims/" + unused_id).body["claim"]["status"] == "EXPIRED";
  })) << "the unused claim never expired";

  // 5. While the daemon runs (and keeps applying blocks): clean, exit 0.
  node->new_blocks(1);
  anvil->mine(1);
  test::process_result raw;
  auto [code, report] = audit(config, &raw);
  ASSERT_EQ(code, 0) << raw.out << raw.err;
  ASSERT_TRUE(report.is_object()) << raw.out;
  EXPECT_EQ(report["ok"], true);
  EXPECT_TRUE(report["discrepancies"].empty()) << report.dump(1);
  std::map<std::string, json> checks;
  for (auto& ch : report["checks"])
    checks[ch["name"].get<std::string>()] = ch;
  for (auto name : {"ledger.shares", "ledger.history", "ledger.fees", "ethereum.cursor", "ethereum.claims",
                    "ethereum.burns", "ethereum.ratio", "ethereum.total_shares", "kusama.cursor",
                    "kusama.deposits", "kusama.payouts"}) {
    ASSERT_TRUE(checks.count(name)) << name << " missing: " << report.dump(1);
    EXPECT_EQ(checks[name]["ok"], true) << report.dump(1);
    EXPECT_FALSE(checks[name].value("skipped", false)) << name;
  }
  EXPECT_NE(checks["ethereum.claims"]["detail"].get<std::string>().find("1 BondsClaimed events, 1 CLAIMED"), std::string::npos)
    << report.dump(1);
  EXPECT_NE(checks["kusama.deposits"]["detail"].get<std::string>().find("2 transfers"), std::string::npos)
    << report.dump(1);
  // The text form says the same.
  auto text = lstaked->cli({"audit"});
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("clean: no discrepancy"), std::string::npos) << text.out;

  // 5b. The burn's 0.75 KSM paid by hand from the pool's account, twice (the
  // daemon runs no payout queue here: no staking.deposit_key_file). The
  // watcher applies the blocks; neither transfer is a deposit.
  json by_hand = {{"to", user},
                  {"steps", json::array({{{"from", "//Ferdie"}, {"transfer", "750000000000"}},
                                         {{"seal", 1}},
                                         {{"from", "//Ferdie"}, {"transfer", "750000000000"}},
                                         {{"seal", 1}}})}};
  auto paid = run_script(dir, "send.mjs", {node->url, by_hand.dump()});
  auto first_payout = std::to_string(paid["extrinsics"][0]["block"].get<uint64_t>()) + "-"
                      + std::to_string(paid["extrinsics"][0]["index"].get<uint64_t>());
  auto second_payout = std::to_string(paid["extrinsics"][1]["block"].get<uint64_t>()) + "-"
                       + std::to_string(paid["extrinsics"][1]["index"].get<uint64_t>());
  head = node->new_blocks(2);
  ASSERT_TRUE(wait_for_cursor(dir, head - 2)) << lstaked->last_log();

  // 6. Stop the daemon; delete the 3 KSM deposit row and edit //Bob's shares;
  // mark the unstake request PAID by the first hand-signed transfer.
  ASSERT_EQ(lstaked->stop().value_or(-1), 0) << lstaked->last_log();
  {
    SQLite::Database db(database_path(dir), SQLite::OPEN_READWRITE);
    ASSERT_EQ(db.exec("UPDATE unstake_requests SET status = 'PAID', kusama_extrinsic = '" + first_payout
                      + "' WHERE amount_planck = '750000000000'"), 1);
  }
  std::string bob_id;
  {
    SQLite::Database db(database_path(dir), SQLite::OPEN_READWRITE);
    SQLite::Statement q(db, "SELECT account FROM deposits WHERE status = 'BELOW_MINIMUM'");
    ASSERT_TRUE(q.executeStep());
    bob_id = q.getColumn(0).getString();
    ASSERT_EQ(db.exec("DELETE FROM deposits WHERE amount_planck = '3000000000000'"), 1);
    ASSERT_EQ(db.exec("UPDATE accounts SET unclaimed_shares = '1000' WHERE account = '" + bob_id + "'"), 1);
  }
  auto [bad_code, bad] = audit(config, &raw);
  EXPECT_EQ(bad_code, 1) << raw.out << raw.err;
  EXPECT_EQ(bad["ok"], false) << raw.out;
  auto codes = codes_of(bad);
  for (auto expected : {"transfer_not_in_ledger", "shares_not_conserved", "account_shares_mismatch",
                        "history_orphan", "total_shares_mismatch"})
    EXPECT_TRUE(contains(codes, expected)) << expected << " not in " << bad.dump(1);
  // The second transfer pays the same request again; the first is its payout.
  EXPECT_TRUE(contains(codes, "payout_duplicate")) << bad.dump(1);
  EXPECT_FALSE(contains(codes, "paid_without_transfer")) << bad.dump(1);
  bool names_second = false;
  for (auto& d : bad["discrepancies"])
    names_second = names_second || (d["code"] == "payout_duplicate"
                                    && d["message"].get<std::string>().find("extrinsic " + second_payout)
                                         != std::string::npos);
  EXPECT_TRUE(names_second) << second_payout << " " << bad.dump(1);
  bool names_bob = false;
  for (auto& d : bad["discrepancies"])
    names_bob = names_bob || (d["code"] == "account_shares_mismatch"
                              && d["message"].get<std::string>().find(bob_id) != std::string::npos);
  EXPECT_TRUE(names_bob) << bad.dump(1);

  // 6b. A PAID request whose transfer is not on chain (its extrinsic id points
  // at an extrinsic that paid nobody): reported, and both hand transfers are then unaccounted
  // payouts to its recipient.
  {
    SQLite::Database db(database_path(dir), SQLite::OPEN_READWRITE);
    ASSERT_EQ(db.exec("UPDATE unstake_requests SET kusama_extrinsic = '1-0' WHERE amount_planck = "
                      "'750000000000'"), 1);
  }
  auto [missing_payout_code, missing_payout] = audit(config, &raw);
  EXPECT_EQ(missing_payout_code, 1) << raw.out << raw.err;
  auto payout_codes = codes_of(missing_payout);
  EXPECT_TRUE(contains(payout_codes, "paid_without_transfer")) << missing_payout.dump(1);
  EXPECT_TRUE(contains(payout_codes, "payout_duplicate")) << missing_payout.dump(1);

  // 7. A node that does not answer: could not run, exit 2, one line on stderr.
  auto unreachable = dir.file("unreachable.toml");
  {
    auto text_cfg = read_file(config);
    auto at = text_cfg.find(node->url);
    ASSERT_NE(at, std::string::npos);
    text_cfg.replace(at, node->url.size(), "http://127.0.0.1:" + std::to_string(closed_port()));
    std::ofstream{unreachable} << text_cfg;
  }
  auto [down_code, down] = audit(unreachable, &raw);
  EXPECT_EQ(down_code, 2) << raw.out << raw.err;
  EXPECT_NE(raw.err.find("error: cannot audit: Kusama node"), std::string::npos) << raw.err;

  // And a database that is not there.
  auto missing = dir.file("missing.toml");
  {
    auto text_cfg = read_file(config);
    auto at = text_cfg.find(dir.file("data"));
    text_cfg.replace(at, dir.file("data").size(), dir.file("nowhere"));
    std::ofstream{missing} << text_cfg;
  }
  auto [missing_code, _] = audit(missing, &raw);
  EXPECT_EQ(missing_code, 2) << raw.out << raw.err;
  EXPECT_NE(raw.err.find("error: cannot audit"), std::string::npos) << raw.err;
}

// Issue 6's end-to-end stake flow, against the BUILT `lstaked` binary and both
// local chains, once per metadata variant of the local Kusama node (relay and
// Asset Hub). A fresh user (//StakeUser, funded first) sends KSM to the
// deposit address with @polkadot/api: one balances.transferKeepAlive and one
// utility.batchAll of two. Over the HTTP API: nothing is credited before the
// block is finalized (POST /v1/deposits answers PENDING and the account shows
// the deposits as pending), then each is CREDITED exactly once. The user signs
// a claim request with polkadot-js as the extension's signRaw does, checks it
// with isClaimValid, claims on anvil with cast, sees aKSMb minted and the claim
// CLAIMED; burns part to their Kusama AccountId and sees STAKE, CLAIM and
// UNSTAKE entries with the right amounts.
#include "config/secret_file.hpp"
#include "tests/stake_flow/stake_flow_fixture.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/kusama_node.hpp"

#include <map>
#include <set>

using namespace lstaked;
using namespace lstaked::test::stake_flow;

namespace {

// cast prints "123 [1.23e2]" for big numbers: keep the integer.
std::string first_word(const std::string& s) {
  return s.substr(0, s.find(' '));
}

class stake_flow_e2e : public ::testing::TestWithParam<std::string> {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<test::anvil_node> anvil;
  test::deployment contracts;
  std::unique_ptr<test::daemon> lstaked;

  void SetUp() override {
    // Blocks only on demand; finalized = best - 2, so the test decides when a
    // deposit's block becomes final.
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--metadata", GetParam(), "--block-ms", "0", "--finality-lag", "2"});
    ASSERT_TRUE(node->ok()) << node->log();
    anvil = std::make_unique<test::anvil_node>(dir, 1); // finalized = latest - 2
    ASSERT_TRUE(anvil->ok()) << "anvil did not start";
    contracts = anvil->deploy(test::anvil_address0);
    ASSERT_FALSE(create_secret_file(dir.file("notary.key"), test::anvil_key0.substr(2)));

    auto config = write_config(dir, {node->url, 1, 200, 64},
                               ethereum_settings{anvil->url, contracts.pool, contracts.token,
                                                 contracts.block, dir.file("notary.key")});
    lstaked = std::make_unique<test::daemon>(dir, config);
    // Every key of the contract is known to the daemon (`config check FILE`).
    auto checked = test::run_process({test::lstaked_binary(), "config", "check", config}, dir.path());
    ASSERT_EQ(checked.exit_code, 0) << checked.out << checked.err;
    ASSERT_TRUE(lstaked->start("daemon")) << lstaked->last_log();
  }

  json account(const std::string& address) {
    auto r = lstaked->get("/v1/accounts/" + address);
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }

  json deposits_of(const std::string& address) {
    auto r = lstaked->get("/v1/accounts/" + address + "/deposits");
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body;
  }

  json history_of(const std::string& address) {
    auto r = lstaked->get("/v1/accounts/" + address + "/history");
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body.value("entries", json::array());
  }

  std::string cast_call(std::vector<std::string> args) {
    args.insert(args.begin(), {"call", "--rpc-url", anvil->url});
    return anvil->cast(args);
  }

  std::string cast_send(std::vector<std::string> args) {
    args.insert(args.begin(), {"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key1});
    return anvil->cast(args);
  }

  // The Ethereum watcher follows `finalized` (latest - 2): mine until `done`.
  template <class Pred>
  bool mined_until(Pred done) {
    return eventually([&] {
      if (done())
        return true;
      anvil->mine(1);
      return false;
    }, 180s, 100ms);
  }
};

TEST_P(stake_flow_e2e, deposit_credited_after_finality_then_claim_mint_and_burn) {
  // 1. The deposit address the user is shown.
  auto addr = lstaked->get("/v1/deposit-address");
  ASSERT_EQ(addr.status, 200) << addr.raw;
  EXPECT_EQ(addr.body["address"], deposit_address);
  EXPECT_EQ(addr.body["network"], "kusama");
  EXPECT_EQ(addr.body["ss58Prefix"], 2);
  EXPECT_EQ(addr.body["minimumDeposit"], (json{{"amount", "1"}, {"nativeAmount", "1000000000000"}}));

  // 2. The user's wallet: fund a fresh account, then a transferKeepAlive of
  // 2 KSM in block a and a batchAll of 3 + 4 KSM in block a + 1. //Bob also
  // sends 0.5 KSM (under the minimum) in block a.
  json plan = {{"to", deposit_address},
               {"steps", json::array({
                           {{"fund", "//StakeUser"}, {"planck", std::to_string(100 * ksm)}},
                           {{"from", "//StakeUser"}, {"transfer", std::to_string(2 * ksm)}},
                           {{"from", "//Bob"}, {"transfer", std::to_string(ksm / 2)}},
                           {{"seal", 1}},
                           {{"from", "//StakeUser"},
                            {"batch", {std::to_string(3 * ksm), std::to_string(4 * ksm)}}},
                           {{"seal", 1}},
                         })}};
  auto sent = run_script(dir, "send.mjs", {node->url, plan.dump()});
  ASSERT_EQ(sent["to"]["address"], deposit_address);
  ASSERT_EQ(sent["extrinsics"].size(), 3u);
  auto user = sent["accounts"]["//StakeUser"]["address"].get<std::string>();
  auto user_id = sent["accounts"]["//StakeUser"]["accountId"].get<std::string>();
  auto bob = sent["accounts"]["//Bob"]["address"].get<std::string>();
  auto& transfer = sent["extrinsics"][0];
  auto& small = sent["extrinsics"][1];
  auto& batch = sent["extrinsics"][2];
  ASSERT_EQ(transfer["kind"], "transferKeepAlive");
  ASSERT_EQ(batch["kind"], "batchAll");
  auto a = transfer["block"].get<uint64_t>();
  auto b = batch["block"].get<uint64_t>();
  ASSERT_EQ(b, a + 1);
  ASSERT_EQ(small["block"], a);
  auto id_of = [](const json& x) {
    return std::to_string(x["block"].get<uint64_t>()) + "-" + std::to_string(x["index"].get<uint64_t>());
  };
  auto transfer_id = id_of(transfer), batch_id = id_of(batch), small_id = id_of(small);

  // 3. Neither block is final (finalized = b - 2 = a - 1). Once the daemon has
  // applied everything final, nothing of the user's is credited.
  ASSERT_EQ(node->finalized_number(), a - 1);
  ASSERT_TRUE(wait_for_cursor(dir, a - 1)) << lstaked->last_log();
  EXPECT_EQ(account(user)["staked"]["nativeAmount"], "0");
  EXPECT_TRUE(deposits_of(user)["deposits"].empty());

  auto pending = lstaked->post_deposit(transfer_id);
  ASSERT_EQ(pending.status, 200) << pending.raw;
  EXPECT_EQ(pending.body["status"], "PENDING") << pending.raw;
  EXPECT_EQ(pending.body["extrinsic"], transfer_id);
  EXPECT_EQ(pending.body["extrinsicHash"], transfer["hash"]);
  EXPECT_EQ(pending.body["blockNumber"], a);
  EXPECT_EQ(pending.body["blockHash"], transfer["blockHash"]);
  ASSERT_EQ(pending.body["deposits"].size(), 1u) << pending.raw;
  EXPECT_EQ(pending.body["deposits"][0]["address"], user);
  EXPECT_EQ(pending.body["deposits"][0]["amount"], "2");
  EXPECT_EQ(pending.body["deposits"][0]["nativeAmount"], "2000000000000");

  // The batch, named by its hash: found at once, both transfers, pending.
  auto by_hash = lstaked->post_deposit(batch["hash"]);
  ASSERT_EQ(by_hash.status, 200) << by_hash.raw;
  EXPECT_EQ(by_hash.body["status"], "PENDING") << by_hash.raw;
  EXPECT_EQ(by_hash.body["extrinsic"], batch_id);
  EXPECT_EQ(by_hash.body["extrinsicHash"], batch["hash"]);
  EXPECT_EQ(by_hash.body["blockNumber"], b);
  ASSERT_EQ(by_hash.body["deposits"].size(), 2u) << by_hash.raw;
  std::multiset<std::string> batch_amounts;
  for (auto& d : by_hash.body["deposits"]) {
    EXPECT_EQ(d["address"], user);
    batch_amounts.insert(d["nativeAmount"].get<std::string>());
  }
  EXPECT_EQ(batch_amounts, (std::multiset<std::string>{"3000000000000", "4000000000000"}));

  // Shown at once as pending, still not credited.
  auto listed = deposits_of(user);
  EXPECT_TRUE(listed["deposits"].empty()) << listed.dump();
  std::map<std::string, std::string> pending_amounts;
  for (auto& p : listed["pending"])
    pending_amounts[p["extrinsic"].get<std::string>()] = p["nativeAmount"].get<std::string>();
  EXPECT_EQ(pending_amounts, (std::map<std::string, std::string>{{transfer_id, "2000000000000"},
                                                                  {batch_id, "7000000000000"}}))
    << listed.dump();
  auto summary = account(user);
  EXPECT_EQ(summary["staked"]["nativeAmount"], "0");
  EXPECT_EQ(summary["claimable"]["nativeAmount"], "0");

  // 4. Block a becomes final: the transfer is credited, the batch is not.
  node->new_blocks(1);
  ASSERT_EQ(node->finalized_number(), a);
  ASSERT_TRUE(wait_for_cursor(dir, a)) << lstaked->last_log();
  EXPECT_EQ(account(user)["staked"]["nativeAmount"], "2000000000000");
  EXPECT_EQ(lstaked->post_deposit(transfer_id).body["status"], "CREDITED");
  EXPECT_EQ(lstaked->post_deposit(batch_id).body["status"], "PENDING");
  auto below = lstaked->post_deposit(small_id);
  EXPECT_EQ(below.body["status"], "BELOW_MINIMUM") << below.raw;
  EXPECT_EQ(account(bob)["staked"]["nativeAmount"], "0") << "0.5 KSM is under the minimum";

  // 5. Block b becomes final: the batch is credited; a few more blocks credit
  // nothing twice.
  node->new_blocks(1);
  ASSERT_TRUE(wait_for_cursor(dir, b)) << lstaked->last_log();
  auto credited = lstaked->post_deposit(batch["hash"]);
  EXPECT_EQ(credited.body["status"], "CREDITED") << credited.raw;
  ASSERT_EQ(credited.body["deposits"].size(), 2u) << credited.raw;
  for (auto& d : credited.body["deposits"])
    EXPECT_EQ(d["status"], "CREDITED");
  auto head = node->new_blocks(3);
  ASSERT_TRUE(wait_for_cursor(dir, head - 2)) << lstaked->last_log();

  summary = account(user);
  EXPECT_EQ(summary["staked"], (json{{"amount", "9"}, {"nativeAmount", "9000000000000"}}));
  EXPECT_EQ(summary["claimable"]["nativeAmount"], "9000000000000");
  listed = deposits_of(user);
  EXPECT_TRUE(listed["pending"].empty()) << listed.dump();
  ASSERT_EQ(listed["deposits"].size(), 3u) << listed.dump();
  std::multiset<std::string> credited_rows;
  for (auto& d : listed["deposits"]) {
    EXPECT_EQ(d["status"], "CREDITED");
    credited_rows.insert(d["extrinsic"].get<std::string>() + " " + d["nativeAmount"].get<std::string>());
  }
  EXPECT_EQ(credited_rows,
            (std::multiset<std::string>{transfer_id + " 2000000000000", batch_id + " 3000000000000",
                                        batch_id + " 4000000000000"}));
  // The daemon's own extrinsic hashing and block hashes agree with polkadot-js'.
  for (auto& d : listed["deposits"]) {
    auto& sent_x = d["extrinsic"] == transfer_id ? transfer : batch;
    EXPECT_EQ(d["extrinsicHash"], sent_x["hash"]) << d.dump();
    EXPECT_EQ(d["blockHash"], sent_x["blockHash"]) << d.dump();
    EXPECT_EQ(d["blockNumber"], sent_x["block"]) << d.dump();
  }
  EXPECT_EQ(listed["deposits"][0]["extrinsic"], batch_id) << "newest first";
  EXPECT_EQ(listed["deposits"][2]["extrinsic"], transfer_id) << "newest first";
  auto history = history_of(user);
  ASSERT_EQ(history.size(), 3u) << history.dump();
  std::multiset<std::string> stakes;
  for (auto& h : history) {
    EXPECT_EQ(h["kind"], "STAKE");
    EXPECT_EQ(h["status"], "CREDITED");
    stakes.insert(h["chainRef"].get<std::string>() + " " + h["nativeAmount"].get<std::string>());
  }
  EXPECT_EQ(stakes, credited_rows);

  // 6. A claim of 5.5 KSM to anvil account 1, signed by polkadot-js as signRaw does.
  auto signed_request = run_script(
    dir, "sign_claim.mjs",
    {json{{"uri", "//StakeUser"}, {"ethAddress", test::anvil_address1}, {"amount", "5.5"},
          {"nonce", "stake-flow-" + GetParam()}, {"expiresAt", 4000000000ll}, {"chainId", 31337}}
       .dump()});
  ASSERT_EQ(signed_request["body"]["address"], user);
  test::http_reply claimed;
  ASSERT_TRUE(eventually([&] {
    claimed = lstaked->post("/v1/claims", signed_request["body"].dump());
    return claimed.status != 503 && claimed.status != 0;
  })) << claimed.raw;
  ASSERT_EQ(claimed.status, 200) << claimed.raw;
  auto c = claimed.body["claim"];
  EXPECT_EQ(c["status"], "ACTIVE");
  EXPECT_EQ(c["address"], user);
  EXPECT_EQ(c["data"]["amount"], "5.5");
  EXPECT_EQ(c["data"]["nativeAmount"], "5500000000000");
  EXPECT_EQ(c["tokenAddress"], contracts.token);
  summary = account(user);
  EXPECT_EQ(summary["claimable"]["nativeAmount"], "3500000000000");
  EXPECT_EQ(summary["inActiveClaims"]["nativeAmount"], "5500000000000");

  const std::string wei = "5500000000000000000"; // 5.5 aKSMb, 18 decimals
  auto claim_id = c["data"]["claimId"].get<std::string>();
  auto before = std::to_string(c["data"]["claimBeforeBlock"].get<uint64_t>());
  auto eth = c["data"]["ethAddress"].get<std::string>();
  auto signature = c["data"]["signature"].get<std::string>();
  EXPECT_EQ(cast_call({contracts.pool, "isClaimValid(address,uint256,uint256,uint256,address,bytes)(bool)",
                       contracts.token, claim_id, before, wei, eth, signature}),
            "true");
  cast_send({contracts.pool, "claimBonds(address,uint256,uint256,uint256,address,bytes)", contracts.token,
             claim_id, wei, before, eth, signature});
  EXPECT_EQ(first_word(cast_call({contracts.token, "balanceOf(address)(uint256)", test::anvil_address1})), wei);
  ASSERT_TRUE(mined_until([&] {
    return lstaked->get("/v1/claims/" + claim_id).body["claim"]["status"] == "CLAIMED";
  })) << "the claim never became CLAIMED";
  summary = account(user);
  EXPECT_EQ(summary["claimable"]["nativeAmount"], "3500000000000");
  EXPECT_EQ(summary["inActiveClaims"]["nativeAmount"], "0");

  // 7. Burn 2 aKSMb to the user's Kusama AccountId: an UNSTAKE request.
  cast_send({contracts.pool, "burnBond(address,uint256,bytes)", contracts.token, "2000000000000000000", user_id});
  EXPECT_EQ(first_word(cast_call({contracts.token, "balanceOf(address)(uint256)", test::anvil_address1})),
            "3500000000000000000");
  ASSERT_TRUE(mined_until([&] {
    auto h = history_of(user);
    return !h.empty() && h[0]["kind"] == "UNSTAKE";
  })) << "the burn never reached the history";

  history = history_of(user);
  ASSERT_EQ(history.size(), 5u) << history.dump();
  EXPECT_EQ(history[0]["kind"], "UNSTAKE");
  EXPECT_EQ(history[0]["status"], "REQUESTED");
  EXPECT_EQ(history[0]["amount"], "2");
  EXPECT_EQ(history[0]["nativeAmount"], "2000000000000");
  EXPECT_EQ(history[1]["kind"], "CLAIM");
  EXPECT_EQ(history[1]["status"], "CLAIMED");
  EXPECT_EQ(history[1]["amount"], "5.5");
  EXPECT_EQ(history[1]["nativeAmount"], "5500000000000");
  for (size_t i = 2; i < 5; ++i)
    EXPECT_EQ(history[i]["kind"], "STAKE") << history.dump();
  summary = account(user);
  EXPECT_EQ(summary["staked"]["nativeAmount"], "9000000000000");
  EXPECT_EQ(summary["claimable"]["nativeAmount"], "3500000000000");
  EXPECT_EQ(summary["inActiveClaims"]["nativeAmount"], "0");
  EXPECT_EQ(summary["pendingUnstake"]["nativeAmount"], "2000000000000");
  // //Bob's small deposit stays refundable, never credited.
  auto bob_deposits = deposits_of(bob)["deposits"];
  ASSERT_EQ(bob_deposits.size(), 1u) << bob_deposits.dump();
  EXPECT_EQ(bob_deposits[0]["status"], "BELOW_MINIMUM");
  EXPECT_EQ(bob_deposits[0]["nativeAmount"], "500000000000");
  EXPECT_EQ(account(bob)["claimable"]["nativeAmount"], "0");
  auto bob_history = history_of(bob);
  ASSERT_EQ(bob_history.size(), 1u) << bob_history.dump();
  EXPECT_EQ(bob_history[0]["kind"], "STAKE");
  EXPECT_EQ(bob_history[0]["status"], "BELOW_MINIMUM");
  EXPECT_EQ(bob_history[0]["nativeAmount"], "500000000000");

  // 8. A clean stop, and the database checks out.
  EXPECT_EQ(lstaked->stop().value_or(-1), 0) << lstaked->last_log();
  auto check = lstaked->cli({"db", "check"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

INSTANTIATE_TEST_SUITE_P(metadata, stake_flow_e2e, ::testing::Values("kusama", "asset-hub"),
                         [](const auto& info) {
                           return info.param == "kusama" ? std::string("relay") : std::string("asset_hub");
                         });

} // namespace

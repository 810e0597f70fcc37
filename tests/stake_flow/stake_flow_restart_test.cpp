// Exactly once across crashes of the BUILT daemon (against the local Kusama
// node with each metadata variant): kill -9 while it catches up
// on a chain of blocks with deposits made before it started, and while it
// processes a deposit's block; after every kill the database is intact and
// holds exactly the deposits of the blocks up to its Kusama cursor (none
// skipped, none twice), and after the last restart every deposit is credited
// exactly once: per-account staked amounts and deposit counts over the API
// equal what the wallets sent.
#include "tests/stake_flow/stake_flow_fixture.hpp"
#include "tests/support/kusama_node.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

using namespace lstaked;
using namespace lstaked::test::stake_flow;

namespace {

const std::vector<std::string> senders = {"//Alice", "//Bob", "//Charlie", "//Dave", "//Eve"};

struct expected_deposit {
  uint64_t block = 0;
  uint64_t index = 0;
  std::string account; // 0x AccountId
  std::string amount;  // planck
  bool operator<(const expected_deposit& o) const {
    return std::tie(block, index, account, amount) < std::tie(o.block, o.index, o.account, o.amount);
  }
  bool operator==(const expected_deposit& o) const {
    return !(*this < o) && !(o < *this);
  }
};

std::ostream& operator<<(std::ostream& os, const expected_deposit& d) {
  return os << d.block << "-" << d.index << " " << d.account.substr(0, 10) << " " << d.amount;
}

class stake_flow_restart : public ::testing::TestWithParam<std::string> {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<test::daemon> lstaked;
  std::vector<expected_deposit> expected;
  std::map<std::string, std::string> address_of; // accountId -> ss58
  int starts = 0;

  void SetUp() override {
    // On-demand blocks, finality one block behind; state kept for every block
    // (the catch-up reads the events of old blocks).
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--metadata", GetParam(), "--block-ms", "0", "--finality-lag", "1",
                                    "--state-pruning", "100000"});
    ASSERT_TRUE(node->ok()) << node->log();
    auto config = write_config(dir, {node->url, 1, 100, 4}); // 4 blocks per commit: many commits
    lstaked = std::make_unique<test::daemon>(dir, config);
  }

  void start() {
    ++starts;
    ASSERT_TRUE(lstaked->start("daemon-" + std::to_string(starts))) << lstaked->last_log();
  }

  // Sends a plan with send.mjs and records what it deposited.
  void send(const json& steps) {
    auto sent = run_script(dir, "send.mjs", {node->url, json{{"to", deposit_address}, {"steps", steps}}.dump()});
    for (auto& [uri, ref] : sent["accounts"].items())
      address_of[ref["accountId"].get<std::string>()] = ref["address"].get<std::string>();
    for (auto& x : sent["extrinsics"])
      for (auto& amount : x["amounts"])
        expected.push_back({x["block"].get<uint64_t>(), x["index"].get<uint64_t>(),
                            x["accountId"].get<std::string>(), amount.get<std::string>()});
  }

  void fault(const json& f) { node->rpc("dev_fault", {f}); }

  // With the daemon dead: the database is intact and holds exactly the
  // expected deposits of blocks <= its cursor, each once, each in its
  // account's principal and history.
  void check_prefix(const std::string& when) {
    SCOPED_TRACE(when);
    auto check = lstaked->cli({"db", "check"});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    auto cursor = kusama_cursor(dir).value_or(0);
    std::vector<expected_deposit> want, have;
    for (auto& d : expected)
      if (d.block <= cursor)
        want.push_back(d);
    SQLite::Database db(database_path(dir), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT block_number, extrinsic_index, account, amount_planck, status FROM deposits");
    while (q.executeStep()) {
      have.push_back({static_cast<uint64_t>(q.getColumn(0).getInt64()),
                      static_cast<uint64_t>(q.getColumn(1).getInt64()), q.getColumn(2).getString(),
                      q.getColumn(3).getString()});
      EXPECT_EQ(q.getColumn(4).getString(), "CREDITED");
    }
    std::sort(want.begin(), want.end());
    std::sort(have.begin(), have.end());
    EXPECT_EQ(have, want) << "cursor " << cursor;
    std::map<std::string, unsigned __int128> principal;
    for (auto& d : want)
      principal[d.account] += std::stoull(d.amount);
    SQLite::Statement accounts(db, "SELECT account, deposited_planck FROM accounts");
    size_t n = 0;
    while (accounts.executeStep()) {
      auto account = accounts.getColumn(0).getString();
      EXPECT_EQ(accounts.getColumn(1).getString(),
                std::to_string(static_cast<uint64_t>(principal[account])))
        << account;
      n += principal.count(account);
    }
    EXPECT_EQ(n, principal.size());
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM history WHERE kind = 'STAKE'").getInt64(),
              static_cast<int64_t>(want.size()));
  }

  void kill_and_check(const std::string& when) {
    lstaked->kill9();
    auto cursor = kusama_cursor(dir);
    std::cerr << "[ restart ] killed " << when << " at cursor "
              << (cursor ? std::to_string(*cursor) : "none") << " (head " << node->finalized_number()
              << ")\n";
    check_prefix(when);
  }
};

TEST_P(stake_flow_restart, kill_9_during_catch_up_and_deposit_processing_credits_each_deposit_once) {
  // 1. Before the daemon ever runs: 16 rounds of deposits from five wallets,
  // each round a transferKeepAlive and a batchAll (of 2) in one block followed
  // by nine empty blocks, then one block where all five send.
  json steps = json::array();
  for (uint64_t r = 0; r < 16; ++r) {
    auto& a = senders[r % senders.size()];
    auto& b = senders[(r + 2) % senders.size()];
    steps.push_back({{"from", a}, {"transfer", std::to_string((1 + r) * ksm + 1000 * r)}});
    steps.push_back({{"from", b},
                     {"batch", {std::to_string((2 + r) * ksm + 7), std::to_string(ksm + r)}}});
    steps.push_back({{"seal", 1}});
    steps.push_back({{"seal", 9}});
  }
  for (size_t s = 0; s < senders.size(); ++s)
    steps.push_back({{"from", senders[s]}, {"transfer", std::to_string(3 * ksm + s)}});
  steps.push_back({{"seal", 2}});
  send(steps);
  ASSERT_EQ(expected.size(), 16u * 3 + 5);
  auto head = node->finalized_number();
  ASSERT_GE(head, 160u);

  // Every RPC answer is delayed a little so the catch-up takes a while.
  fault({{"mode", "slow"}, {"delayMs", 20}, {"durationMs", 600000}});

  // 2. Killed right after it starts listening, 300 ms later (wherever it is
  // then), then right after its commits at a quarter, half and three quarters
  // of the catch-up.
  start();
  kill_and_check("at start-up");
  int mid_catch_up = 0;
  start();
  std::this_thread::sleep_for(300ms);
  kill_and_check("300 ms after start-up");
  if (kusama_cursor(dir).value_or(0) < head)
    ++mid_catch_up;
  for (uint64_t quarter = 1; quarter <= 3; ++quarter) {
    start();
    auto target = head * quarter / 4;
    ASSERT_TRUE(eventually([&] { return kusama_cursor(dir).value_or(0) >= target; }, 180s, 10ms))
      << lstaked->last_log();
    kill_and_check("during catch-up, cursor past " + std::to_string(target));
    if (kusama_cursor(dir).value_or(0) < head)
      ++mid_catch_up;
  }
  EXPECT_GE(mid_catch_up, 3) << "the catch-up was over before the kills: they tested nothing";

  // 3. Caught up, then killed while a deposit's block is being processed:
  // (a) its block's RPC answers slowed (killed before the commit),
  // (b) right when the cursor reaches it (just after the commit),
  // (c) 60 ms after it became final.
  fault({{"mode", "none"}});
  start();
  ASSERT_TRUE(wait_for_cursor(dir, head)) << lstaked->last_log();
  for (int round = 0; round < 3; ++round) {
    // Sealed, not final (lag 1): the next block finalizes it.
    send(json::array({{{"from", senders[round]}, {"transfer", std::to_string(5 * ksm + round)}},
                      {{"from", senders[round + 1]},
                       {"batch", {std::to_string(6 * ksm + round), std::to_string(7 * ksm + round)}}},
                      {{"seal", 1}}}));
    auto block = expected.back().block;
    auto named = std::to_string(block) + "-" + std::to_string(expected.back().index);
    if (round == 0) {
      // The user names the batch while its block is not final: shown as
      // pending, a hint the crash must not turn into a second credit.
      auto pending = lstaked->post_deposit(named);
      EXPECT_EQ(pending.status, 200) << pending.raw;
      EXPECT_EQ(pending.body["status"], "PENDING") << pending.raw;
    }
    if (round == 0)
      fault({{"mode", "slow"}, {"delayMs", 400}, {"durationMs", 600000}});
    node->new_blocks(1);
    ASSERT_GE(node->finalized_number(), block);
    if (round == 0) {
      std::this_thread::sleep_for(600ms); // inside the slowed fetches of the deposit's block
      kill_and_check("while fetching deposit block " + std::to_string(block));
      fault({{"mode", "none"}});
    } else if (round == 1) {
      ASSERT_TRUE(eventually([&] { return kusama_cursor(dir).value_or(0) >= block; }, 120s, 5ms));
      kill_and_check("right after committing deposit block " + std::to_string(block));
    } else {
      std::this_thread::sleep_for(60ms);
      kill_and_check("60 ms after deposit block " + std::to_string(block) + " became final");
    }
    start();
    ASSERT_TRUE(wait_for_cursor(dir, block)) << lstaked->last_log();
    auto after = lstaked->post_deposit(named);
    EXPECT_EQ(after.body["status"], "CREDITED") << after.raw;
    EXPECT_EQ(after.body["deposits"].size(), 2u) << after.raw;
  }

  // 4. After the last restart: every deposit once, over the API.
  head = node->new_blocks(2) - 1;
  ASSERT_TRUE(wait_for_cursor(dir, head)) << lstaked->last_log();
  std::map<std::string, uint64_t> sum, count;
  for (auto& d : expected) {
    sum[d.account] += std::stoull(d.amount);
    ++count[d.account];
  }
  ASSERT_EQ(sum.size(), senders.size());
  size_t total = 0;
  for (auto& [account, planck] : sum) {
    auto& address = address_of[account];
    SCOPED_TRACE(address);
    auto summary = lstaked->get("/v1/accounts/" + address);
    ASSERT_EQ(summary.status, 200) << summary.raw;
    EXPECT_EQ(summary.body["staked"]["nativeAmount"], std::to_string(planck));
    EXPECT_EQ(summary.body["claimable"]["nativeAmount"], std::to_string(planck));
    auto deposits = lstaked->get("/v1/accounts/" + address + "/deposits");
    ASSERT_EQ(deposits.status, 200) << deposits.raw;
    EXPECT_EQ(deposits.body["deposits"].size(), count[account]);
    EXPECT_TRUE(deposits.body["pending"].empty());
    std::set<std::string> keys;
    for (auto& d : deposits.body["deposits"]) {
      EXPECT_EQ(d["status"], "CREDITED");
      keys.insert(d["blockHash"].get<std::string>() + "/" + d["extrinsic"].get<std::string>() + "/" +
                  std::to_string(d["eventIndex"].get<uint64_t>()));
    }
    EXPECT_EQ(keys.size(), count[account]) << "a deposit listed twice";
    total += count[account];
  }
  EXPECT_EQ(total, expected.size());
  // The ids the wallets got back are each CREDITED.
  for (size_t i = 0; i < expected.size(); i += 7) {
    auto id = std::to_string(expected[i].block) + "-" + std::to_string(expected[i].index);
    auto r = lstaked->post_deposit(id);
    EXPECT_EQ(r.status, 200) << id << ": " << r.raw;
    EXPECT_EQ(r.body["status"], "CREDITED") << id << ": " << r.raw;
  }
  EXPECT_EQ(lstaked->stop().value_or(-1), 0) << lstaked->last_log();
  check_prefix("after a clean stop");
  EXPECT_EQ(kusama_cursor(dir).value_or(0), head);
}

INSTANTIATE_TEST_SUITE_P(metadata, stake_flow_restart, ::testing::Values("kusama", "asset-hub"),
                         [](const auto& info) {
                           return info.param == "kusama" ? std::string("relay") : std::string("asset_hub");
                         });

} // namespace

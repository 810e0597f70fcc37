// Unstakes paid end to end (issue #14) through the BUILT daemon, the local
// Kusama node and anvil. //Alice stakes and claims 1,000 aKSMb to anvil
// account 1, which then burns for 1,000 users (random amounts; some below the
// existential deposit to fresh accounts, which cannot be paid with
// transfer_keep_alive; some dust to an existing account, which can). The
// daemon is killed -9 again and again while it pays. Proven from the chain's
// Balances.Transfer events read with @polkadot/api (and by `lstaked audit`'s
// kusama.payouts check at the end): every payable request is
// paid exactly once, with its amount, in FIFO order; every other one is HELD
// with its reason and paid never; the pool never pays more than it holds.
#include "tests/payout_queue/payout_fixture.hpp"

using namespace payout_test;

namespace {
class payout_queue_e2e : public payout_fixture {};
} // namespace

TEST_F(payout_queue_e2e, a_thousand_unstakes_are_paid_exactly_once_in_fifo_order_through_kill9) {
  start();
  // 1. //Alice stakes 1,000 KSM; the bond manager bonds what is above the buffer.
  ASSERT_NO_FATAL_FAILURE(stake("//Alice", 1000, 1));
  // 2. All of it claimed and minted to anvil account 1.
  ASSERT_NO_FATAL_FAILURE(claim_to_account1("//Alice", "1000", "payout-queue"));

  // 3. 1,000 burns: fresh accounts (paid, creating them), dust below ED to
  // fresh accounts (HELD recipient_missing), dust to //Alice (exists: paid).
  std::mt19937_64 rng(14);
  std::vector<burn> burns;
  uint64_t total = 0;
  for (int i = 0; i < 1000; ++i) {
    burn b;
    auto roll = rng() % 100;
    if (roll < 5) {
      b.kind = "below_ed";
      b.planck = 1'000'000 + rng() % 100'000'000; // < ED (0.000333 KSM)
    } else if (roll < 10) {
      b.kind = "existing";
      b.planck = 1'000'000 + rng() % 100'000'000;
      b.recipient = alice.hex;
    } else {
      b.kind = "fresh";
      b.planck = ksm / 1000 + rng() % (ksm / 5); // 0.001 .. 0.2 KSM
    }
    if (b.recipient.empty()) {
      std::string hex = "0x";
      for (int w = 0; w < 4; ++w) {
        char buf[17];
        std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(rng()));
        hex += buf;
      }
      b.recipient = hex;
    }
    total += b.planck;
    burns.push_back(b);
  }
  ASSERT_LT(total, 300 * ksm);
  std::vector<std::pair<std::string, uint64_t>> list;
  for (auto& b : burns)
    list.emplace_back(b.recipient, b.planck);
  auto first_block = node->best_number();
  auto sent = burn_for(list, "burns.json");
  ASSERT_EQ(sent["txs"].size(), 1000u);

  // 4. Paid while killed -9 at random moments (kills every few seconds).
  auto settled = [&] {
    return count("SELECT COUNT(*) FROM unstake_requests WHERE status IN ('PAID', 'HELD')");
  };
  int kills = 0;
  auto deadline = std::chrono::steady_clock::now() + 300s;
  std::map<std::string, int> killed_at; // the newest payout row's state at each kill
  while (settled() < 1000 && std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 2 + static_cast<int>(rng() % 6); ++i)
      tick();
    if (kills < 15) {
      SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
      db.setBusyTimeout(5000);
      SQLite::Statement newest(db, "SELECT status FROM outbox WHERE purpose = 'payout' ORDER BY id DESC LIMIT 1");
      ++killed_at[newest.executeStep() ? newest.getColumn(0).getString() : "none"];
      lstaked->kill9();
      ++kills;
      start();
    }
  }
  ASSERT_EQ(settled(), 1000) << lstaked->last_log();
  EXPECT_GE(kills, 10);
  for (auto& [state, n] : killed_at)
    std::cout << "killed " << n << " time(s) with the newest payout row " << state << "\n";
  for (int i = 0; i < 5; ++i)
    tick();

  // 5. The chain's account of it.
  auto last_block = node->finalized_number();
  auto chain = run_node({repo + "/tests/payout_queue/payouts_on_chain.mjs", node->url, ferdie.ss58,
                         std::to_string(first_block), std::to_string(last_block)});
  std::map<std::pair<std::string, std::string>, std::vector<json>> transfers; // (to, amount) -> events
  for (auto& t : chain["transfers"])
    if (t["to"] != eve.hex)
      transfers[{t["to"].get<std::string>(), t["amount"].get<std::string>()}].push_back(t);
  SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT request_id, recipient, amount_planck, status, held_reason, "
                          "kusama_extrinsic FROM unstake_requests ORDER BY block_number, log_index");
  size_t i = 0, paid = 0, held = 0;
  std::pair<uint64_t, uint64_t> last_position{0, 0};
  std::map<std::string, int> seen;
  while (q.executeStep()) {
    ASSERT_LT(i, burns.size());
    auto& b = burns[i++];
    std::string recipient = q.getColumn(1).getString(), amount = q.getColumn(2).getString();
    EXPECT_EQ(recipient, b.recipient);
    EXPECT_EQ(amount, std::to_string(b.planck));
    auto status = q.getColumn(3).getString();
    auto& on_chain = transfers[{recipient, amount}];
    auto key = recipient + " " + amount;
    int index = seen[key]++; // the same (recipient, amount) twice: the n-th transfer
    if (b.kind == "below_ed") {
      EXPECT_EQ(status, "HELD") << i;
      EXPECT_EQ(q.getColumn(4).getString(), "recipient_missing") << i;
      EXPECT_TRUE(on_chain.empty()) << "a held request was paid: " << key;
      ++held;
      continue;
    }
    EXPECT_EQ(status, "PAID") << i << " " << q.getColumn(4).getString();
    ++paid;
    ASSERT_GT(on_chain.size(), static_cast<size_t>(index)) << "never paid: " << key;
    auto& t = on_chain[index];
    // FIFO: each payout at or after the previous one on chain.
    std::pair<uint64_t, uint64_t> position{t["block"].get<uint64_t>(), t["event"].get<uint64_t>()};
    EXPECT_LE(last_position, position) << "out of order: request " << q.getColumn(0).getString();
    last_position = position;
    EXPECT_EQ(q.getColumn(5).getString(),
              std::to_string(t["block"].get<uint64_t>()) + "-" + std::to_string(t["extrinsic"].get<int>()));
  }
  EXPECT_EQ(i, 1000u);
  // Exactly once: no (recipient, amount) was paid more often than requested.
  size_t chain_payouts = 0;
  for (auto& [k, events] : transfers) {
    chain_payouts += events.size();
    EXPECT_LE(static_cast<int>(events.size()), seen[k.first + " " + k.second])
      << "paid twice: " << k.first << " " << k.second;
  }
  EXPECT_EQ(chain_payouts, paid);
  std::cout << "payouts: " << paid << " paid, " << held << " held, " << kills << " kills, "
            << count("SELECT COUNT(*) FROM outbox WHERE purpose = 'payout'") << " payout extrinsics\n";
  // The API shows one request.
  SQLite::Statement first(db, "SELECT request_id, status FROM unstake_requests ORDER BY block_number, log_index LIMIT 1");
  ASSERT_TRUE(first.executeStep());
  auto one = lstaked->get("/v1/unstakes/" + first.getColumn(0).getString());
  ASSERT_EQ(one.status, 200) << one.raw;
  EXPECT_EQ(one.body["unstake"]["status"], first.getColumn(1).getString());
  EXPECT_EQ(one.body["unstake"]["recipient"], burns[0].recipient);
  EXPECT_EQ(lstaked->get("/v1/unstakes/x").status, 400);
  EXPECT_EQ(lstaked->get("/v1/unstakes/99999").status, 404);
  ASSERT_TRUE(lstaked->stop());

  // 6. `lstaked audit` says the same from the chain: every PAID request is its
  // transfer out of the pool account, nothing paid twice, nothing moved
  // outside the daemon's extrinsics (the stash sweeps are the bond manager's).
  auto audit = lstaked->cli({"audit", "--json"});
  auto report = json::parse(audit.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << audit.out << audit.err;
  json payouts_check;
  for (auto& c : report["checks"])
    if (c["name"] == "kusama.payouts")
      payouts_check = c;
  ASSERT_TRUE(payouts_check.is_object()) << report.dump(1);
  EXPECT_EQ(payouts_check["ok"], true) << report.dump(1);
  EXPECT_NE(payouts_check["detail"].get<std::string>().find(std::to_string(paid) + " payouts matched to "
                                                            + std::to_string(paid) + " PAID requests"),
            std::string::npos)
    << payouts_check.dump();
  for (auto& d : report["discrepancies"])
    EXPECT_NE(d["check"], "kusama.payouts") << d.dump();
  std::cout << "audit: " << payouts_check["detail"].get<std::string>() << "\n";
}

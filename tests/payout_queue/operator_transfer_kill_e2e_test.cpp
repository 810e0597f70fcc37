// Operator transfers under kill -9 (issue #15, SPEC "exactly once"): an
// admin's refund of a BELOW_MINIMUM deposit and a fee withdrawal, paid by the
// payout actor through the Kusama outbox, with the BUILT daemon killed -9 at
// every stage each transfer goes through and restarted:
//   requested  the transfer row is committed, no outbox row yet (the payout
//              actor cannot weigh a batch: state_call fails);
//   intent     the outbox row is committed, not signed (the submitter cannot
//              read its nonce: state_getStorage fails);
//   signed     the attempt is committed but the node refused it
//              (author_submitExtrinsic fails): after the restart the SAME
//              bytes are sent, nothing is re-signed;
//   submitted  in the node's pool, no block made;
//   in block   in a best block, finality stalled (dev_setFinalityLag 50);
//   (withdrawal only) its block finalized while the daemon is down.
// Then, from the chain's Balances.Transfer events (@polkadot/api,
// payouts_on_chain.mjs): exactly one refund (to the depositor, its amount)
// and one withdrawal (to admin.fee_withdrawal_account, the amount asked), and
// nothing else out of the deposit account; in the database both transfers
// DONE with one attempt each, both admin actions DONE, the deposit REFUNDED,
// the fee balance lower by the withdrawal exactly once; `lstaked audit` clean.
// A second test: a refund is paid while a fee withdrawal asked for before it
// waits for free KSM (killed -9 while it waits), then the withdrawal.
#include "tests/payout_queue/payout_fixture.hpp"

#include <functional>
#include <set>
#include <sstream>

using namespace payout_test;

namespace {

const dev_key bob = key("//Bob"), dave = key("//Dave");

template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds timeout, std::chrono::milliseconds every = 50ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(every);
  }
}

struct transfer_row {
  std::string status;           // operator_transfers.status
  std::string outbox_status;    // '' when no outbox row yet
  int64_t attempts = 0;
  std::vector<std::string> hashes, live_hex;
};

const std::string withdrawal = "123456789012"; // planck asked for by the fee withdrawals

class operator_transfer_kill_e2e : public payout_fixture {
protected:
  int admin_port = 0;
  std::string token;

  // The chain since `from`: exactly one refund to bob and one withdrawal to
  // dave out of the deposit account, nothing else. Returns the transfers read.
  nlohmann::json expect_refund_and_withdrawal_once_on_chain(uint64_t from, const std::string& amount) {
    auto chain = run_node({repo + "/tests/payout_queue/payouts_on_chain.mjs", node->url, ferdie.ss58,
                           std::to_string(from), std::to_string(node->finalized_number())});
    int refunds = 0, withdrawals = 0;
    for (auto& t : chain["transfers"]) {
      refunds += t["to"] == bob.hex && t["amount"] == "500000000000";
      withdrawals += t["to"] == dave.hex && t["amount"] == amount;
    }
    EXPECT_EQ(refunds, 1) << chain.dump();
    EXPECT_EQ(withdrawals, 1) << chain.dump();
    EXPECT_EQ(chain["transfers"].size(), 2u) << chain.dump();
    return chain;
  }

  void SetUp() override {
    payout_fixture::SetUp();
    if (HasFatalFailure())
      return;
    // Hourly ratio updates of up to 100% a year; the test moves anvil's clock.
    anvil->cast({"send", "--rpc-url", anvil->url, "--private-key", test::anvil_key0,
                 contracts.token, "setRatioBounds(uint256,uint256,uint256)", "3600", "10000",
                 "2000"});
  }

  // As the console's e2e test: [admin] with the fee withdrawal account, a
  // ratio with a 2% fee (the fee balance to withdraw from), the Ethereum
  // operator key that publishes it.
  std::string admin_config() {
    write_file(dir.file("deposit.key"), ferdie.uri + "\n");
    write_file(dir.file("eve.key"), eve.uri + "\n");
    write_file(dir.file("eth.key"), test::anvil_key0.substr(2) + "\n");
    auto path = dir.file("lstaked.toml");
    std::ofstream cfg{path};
    cfg << "data_dir = \"" << dir.file("data") << "\"\n"
        << "[http]\nlisten = \"127.0.0.1:0\"\n"
        << "[admin]\nlisten = \"127.0.0.1:0\"\nfee_withdrawal_account = \"" << dave.ss58 << "\"\n"
        << "[kusama]\nrpc_url = \"" << node->url << "\"\ndeposit_address = \"" << ferdie.ss58
        << "\"\nstart_block = 1\npoll_interval_ms = 150\n"
        << "[staking]\ndeposit_key_file = \"" << dir.file("deposit.key") << "\"\n"
        << "stashes = [\"" << eve.ss58 << "\"]\nstash_key_files = [\"" << dir.file("eve.key")
        << "\"]\nvalidators = [\"" << alice_stash.ss58 << "\"]\npoll_interval_ms = 200\n"
        << "deposit_buffer = \"5\"\n"
        << "[payouts]\npoll_interval_ms = 200\n"
        << "[ethereum]\nrpc_url = \"" << anvil->url << "\"\nchain_id = 31337\npool_address = \""
        << contracts.pool << "\"\ntoken_address = \"" << contracts.token
        << "\"\nstart_block = " << contracts.block << "\npoll_interval_ms = 200\n"
        << "operator_key_file = \"" << dir.file("eth.key") << "\"\n"
        << "max_fee_per_gas_gwei = 500\ntx_stuck_seconds = 600\n"
        << "[claims]\nnotary_key_file = \"" << dir.file("eth.key") << "\"\n"
        << "max_request_ttl_seconds = 4000000000\n"
        << "[ratio]\nfee_bps = 200\ninterval_seconds = 3600\npoll_interval_ms = 200\n";
    return path;
  }

  void start_admin() {
    if (!lstaked)
      lstaked = std::make_unique<test::daemon>(dir, admin_config());
    ASSERT_TRUE(lstaked->start("lstaked-" + std::to_string(starts++))) << lstaked->last_log();
    admin_port = lstaked->process()->wait_for_port("admin listening on http://", 10s);
    ASSERT_GT(admin_port, 0) << lstaked->last_log();
    std::ifstream in{dir.file("data") + "/admin.token"};
    std::getline(in, token);
    ASSERT_FALSE(token.empty());
  }

  void restart() {
    lstaked->kill9();
    start_admin();
  }

  test::http_reply admin(const std::string& method, const std::string& path,
                         const std::string& body = "{}") {
    auto args = std::vector<std::string>{"/usr/bin/curl", "-s", "-o", "-", "-w", "\n%{http_code}",
                                         "-X", method, "-H", "Authorization: Bearer " + token,
                                         "-H", "Content-Type: application/json"};
    if (method == "POST")
      args.insert(args.end(), {"--data", body});
    args.push_back("http://127.0.0.1:" + std::to_string(admin_port) + path);
    auto r = test::run_process(args, dir.path(), 30s);
    test::http_reply out;
    auto nl = r.out.rfind('\n');
    out.raw = r.out.substr(0, nl == std::string::npos ? 0 : nl);
    out.status = nl == std::string::npos ? 0 : std::atoi(r.out.c_str() + nl + 1);
    out.body = json::parse(out.raw, nullptr, false);
    return out;
  }

  void transfer_to_pool(const std::string& from, const std::string& amount_expr) {
    auto r = test::run_process(
      {"/usr/bin/env", "node", "-e",
       "import('" + repo + "/tools/kusama-node/test-support/helpers.js').then(async (h) => {"
       "const {api, dev} = await h.connect(process.argv[1]);"
       "await api.tx.balances.transferKeepAlive(process.argv[2], " + amount_expr + ")"
       ".signAndSend(dev." + from + ", {nonce: -1});"
       "await api.disconnect(); })",
       node->url, ferdie.ss58},
      dir.path(), 60s);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string db_value(const std::string& sql) {
    SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement q(db, sql);
    if (!q.executeStep() || q.getColumn(0).isNull())
      return "";
    return q.getColumn(0).getString();
  }

  template <class F>
  bool tick_until(F&& done, int ticks) {
    for (int i = 0; i < ticks; ++i) {
      if (done())
        return true;
      tick();
    }
    return done();
  }

  // The transfer of `kind` and its outbox row, if any.
  transfer_row row(const std::string& kind) {
    transfer_row r;
    SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement q(db, "SELECT t.status, IFNULL(o.status, ''), IFNULL(o.attempts, 0), "
                            "IFNULL(o.id, 0) FROM operator_transfers t LEFT JOIN outbox o "
                            "ON o.id = t.outbox_id WHERE t.kind = ?");
    q.bind(1, kind);
    if (!q.executeStep())
      return r;
    r.status = q.getColumn(0).getString();
    r.outbox_status = q.getColumn(1).getString();
    r.attempts = q.getColumn(2).getInt64();
    SQLite::Statement a(db, "SELECT tx_hash, status, signed_hex FROM outbox_attempts "
                            "WHERE intent_id = ? ORDER BY attempt");
    a.bind(1, q.getColumn(3).getInt64());
    while (a.executeStep()) {
      r.hashes.push_back(a.getColumn(0).getString());
      if (a.getColumn(1).getString() == "LIVE")
        r.live_hex.push_back(a.getColumn(2).getString());
    }
    return r;
  }

  std::string dump() {
    std::ostringstream o;
    SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    SQLite::Statement t(db, "SELECT id, kind, status, IFNULL(outbox_id, '-'), IFNULL(reason, '') "
                            "FROM operator_transfers ORDER BY id");
    while (t.executeStep())
      o << "\n  transfer " << t.getColumn(0).getString() << " " << t.getColumn(1).getString() << " "
        << t.getColumn(2).getString() << " outbox " << t.getColumn(3).getString() << " "
        << t.getColumn(4).getString();
    SQLite::Statement q(db, "SELECT id, purpose, nonce, status, attempts, IFNULL(block_number, '-'), "
                            "IFNULL(note, '') FROM outbox WHERE chain = 'kusama' ORDER BY id");
    while (q.executeStep())
      o << "\n  outbox " << q.getColumn(0).getString() << " " << q.getColumn(1).getString()
        << " nonce " << q.getColumn(2).getString() << " " << q.getColumn(3).getString()
        << " attempts " << q.getColumn(4).getString() << " block " << q.getColumn(5).getString()
        << " " << q.getColumn(6).getString();
    SQLite::Statement al(db, "SELECT severity, source, message FROM alerts ORDER BY id");
    while (al.executeStep())
      o << "\n  alert " << al.getColumn(0).getString() << " " << al.getColumn(1).getString() << ": "
        << al.getColumn(2).getString();
    return o.str();
  }

  void fault(const json& f) { node->rpc("dev_fault", json::array({f})); }
  void fault_on(std::vector<std::string> methods) {
    fault({{"mode", "error"}, {"methods", methods}, {"durationMs", 600000}});
  }
  void no_fault() { fault({{"mode", "none"}}); }

  std::vector<std::string> pool() {
    return node->rpc("author_pendingExtrinsics").get<std::vector<std::string>>();
  }

  // The Kusama submitter's last step as it shows it (admin API).
  json submitter() {
    auto r = admin("GET", "/admin/v1/outbox");
    if (r.status != 200 || !r.body.is_object())
      return json::object();
    auto s = r.body["kusama"]["submitter"];
    return s.is_object() ? s : json::object();
  }

  std::string actor_detail(const std::string& name) {
    for (auto& a : lstaked->get("/v1/status").body.value("actors", json::array()))
      if (a.value("name", "") == name)
        return a.value("detail", "");
    return {};
  }

  // A reward lands on the deposit account (bonding is paused: the pool's KSM
  // is all there), aKSMb's clock moves past its interval, and the operator
  // publishes a ratio now: its fee is booked in the fee ledger.
  void reward_and_publish(uint64_t free_planck) {
    node->rpc("dev_setBalance", {ferdie.ss58, std::to_string(free_planck)});
    anvil->rpc("evm_increaseTime", {7 * 24 * 3600});
    for (int i = 0; i < 10; ++i)
      tick();
    auto r = admin("POST", "/admin/v1/ratio/publish");
    ASSERT_EQ(r.status, 200) << r.raw;
    auto published = [&] { return db_value("SELECT COUNT(*) FROM ratio_history") == "1"; };
    ASSERT_TRUE(tick_until(published, 300))
      << db_value("SELECT outcome FROM admin_actions ORDER BY id DESC");
  }

  std::string fee_balance() {
    auto r = admin("GET", "/admin/v1/ratio");
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body.value("fee_balance_planck", "");
  }

  // The daemon started; //Alice deposits 1,000 KSM, //Bob 0.5 KSM (below the
  // 1 KSM minimum: `deposit` is its id); a 10 KSM reward is published as a
  // ratio, whose 2% fee is the fee balance (`fee_planck`).
  void deposits_and_fees(std::string& deposit, uint64_t& fee_planck) {
    ASSERT_NO_FATAL_FAILURE(start_admin());
    // Bonding paused: the pool's KSM stays on the deposit account, where the
    // reward lands and from where both transfers are paid.
    ASSERT_EQ(admin("POST", "/admin/v1/flows/bonding/pause", R"({"reason":"transfer kill test"})").status, 200);
    // 1,000 KSM by //Alice; 0.5 KSM by //Bob, below the 1 KSM minimum.
    ASSERT_NO_FATAL_FAILURE(transfer_to_pool("alice", "1000n * h.KSM"));
    ASSERT_NO_FATAL_FAILURE(transfer_to_pool("bob", "h.KSM / 2n"));
    auto both = [&] { return db_value("SELECT COUNT(*) FROM deposits") == "2"; };
    ASSERT_TRUE(tick_until(both, 200)) << lstaked->last_log();
    deposit = db_value("SELECT id FROM deposits WHERE status = 'BELOW_MINIMUM'");
    ASSERT_NE(deposit, "");
    ASSERT_EQ(db_value("SELECT account FROM deposits WHERE id = " + deposit), bob.hex);
    ASSERT_EQ(db_value("SELECT amount_planck FROM deposits WHERE id = " + deposit), "500000000000");
    // A 10 KSM reward published as a ratio: its 2% fee is booked.
    ASSERT_NO_FATAL_FAILURE(reward_and_publish(1'011'500'000'000'000ull));
    auto fee_text = fee_balance();
    ASSERT_NE(fee_text, "");
    fee_planck = std::stoull(fee_text);
    ASSERT_GE(fee_planck, std::stoull(withdrawal));
  }

  // Kills -9 and restarts the daemon at each stage of `kind`'s transfer,
  // starting with it REQUESTED and the node failing state_call (the payout
  // actor cannot weigh a batch, so writes no outbox row). Returns with the
  // transfer's extrinsic in a best block, finality stalled (lag 50), the
  // daemon running on a healthy node. `seen`: the states at each kill.
  void kill_at_every_stage(const std::string& kind,
                           std::vector<std::pair<std::string, std::string>>& seen) {
    SCOPED_TRACE(kind);
    // requested: the transfer row, no outbox row.
    ASSERT_TRUE(eventually([&] { return actor_detail("payout_queue").find("cannot weigh") != std::string::npos; },
                           30s))
      << actor_detail("payout_queue") << dump();
    auto r = row(kind);
    ASSERT_EQ(r.status, "REQUESTED") << dump();
    ASSERT_EQ(r.outbox_status, "") << dump();
    seen.emplace_back(kind + " requested", r.status);
    // intent: restarted with state_getStorage failing: the intent is written,
    // never signed.
    fault_on({"state_getStorage"});
    restart();
    ASSERT_TRUE(eventually([&] { return row(kind).outbox_status == "INTENT"; }, 30s)) << dump();
    // The restarted submitter has tried (and failed) to read the chain.
    ASSERT_TRUE(eventually([&] { return submitter().value("last_error", "") != ""; }, 30s))
      << submitter().dump();
    r = row(kind);
    EXPECT_EQ(r.status, "PAYING");
    EXPECT_EQ(r.outbox_status, "INTENT");
    EXPECT_EQ(r.attempts, 0);
    EXPECT_TRUE(pool().empty());
    seen.emplace_back(kind + " intent", r.status + "/" + r.outbox_status);
    // signed: restarted with author_submitExtrinsic failing: the attempt is
    // committed, the node never accepts it.
    fault_on({"author_submitExtrinsic"});
    restart();
    ASSERT_TRUE(eventually([&] { return row(kind).outbox_status == "SUBMITTED"; }, 30s)) << dump();
    ASSERT_TRUE(eventually([&] {
      return db_value("SELECT IFNULL(o.note, '') FROM outbox o JOIN operator_transfers t ON t.outbox_id = o.id "
                      "WHERE t.kind = '" + kind + "'").find("submission failed") != std::string::npos;
    }, 30s)) << dump();
    r = row(kind);
    ASSERT_EQ(r.hashes.size(), 1u) << dump();
    ASSERT_EQ(r.live_hex.size(), 1u) << dump();
    EXPECT_TRUE(pool().empty());
    auto signed_hash = r.hashes[0];
    auto signed_hex = r.live_hex[0];
    seen.emplace_back(kind + " signed", r.status + "/" + r.outbox_status + " (not in the pool)");
    // submitted: restarted with a healthy node: the same bytes reach the pool.
    no_fault();
    restart();
    ASSERT_TRUE(eventually([&] { return pool() == std::vector<std::string>{signed_hex}; }, 30s))
      << "the restarted daemon should re-send the committed attempt" << dump();
    r = row(kind);
    EXPECT_EQ(r.hashes, std::vector<std::string>{signed_hash}) << "re-signed instead of re-sent";
    EXPECT_EQ(r.outbox_status, "SUBMITTED");
    seen.emplace_back(kind + " submitted", r.status + "/" + r.outbox_status + " (in the pool)");
    lstaked->kill9();
    EXPECT_EQ(pool(), std::vector<std::string>{signed_hex});
    start_admin();
    // in block: finality stalls, one block takes it.
    node->rpc("dev_setFinalityLag", json::array({50}));
    auto included = node->new_blocks(1);
    EXPECT_TRUE(pool().empty());
    ASSERT_TRUE(eventually([&] { return row(kind).outbox_status == "IN_BLOCK"; }, 30s)) << dump();
    r = row(kind);
    EXPECT_EQ(r.hashes, std::vector<std::string>{signed_hash});
    EXPECT_EQ(db_value("SELECT o.block_number FROM outbox o JOIN operator_transfers t ON t.outbox_id = o.id "
                       "WHERE t.kind = '" + kind + "'"),
              std::to_string(included));
    seen.emplace_back(kind + " in block", r.status + "/" + r.outbox_status);
    restart();
    // Blocks on top, still not final: nothing re-sent or re-signed.
    auto best = node->new_blocks(2);
    ASSERT_TRUE(eventually([&] { return submitter().value("best", uint64_t{0}) == best; }, 30s))
      << submitter().dump();
    EXPECT_TRUE(pool().empty());
    r = row(kind);
    EXPECT_EQ(r.outbox_status, "IN_BLOCK") << dump();
    EXPECT_EQ(r.hashes, std::vector<std::string>{signed_hash});
    EXPECT_EQ(r.status, "PAYING");
  }
};

} // namespace

TEST_F(operator_transfer_kill_e2e, a_refund_and_a_fee_withdrawal_are_paid_once_through_kill9_at_every_outbox_stage) {
  auto t0 = std::chrono::steady_clock::now();
  std::string deposit;
  uint64_t fee_before = 0;
  ASSERT_NO_FATAL_FAILURE(deposits_and_fees(deposit, fee_before));
  auto first_block = node->best_number();

  // Both asked for while the payout actor cannot weigh a batch (state_call
  // fails): both transfers REQUESTED, no outbox row.
  fault_on({"state_call"});
  auto refund = admin("POST", "/admin/v1/deposits/" + deposit + "/refund");
  ASSERT_EQ(refund.status, 200) << refund.raw;
  auto withdraw = admin("POST", "/admin/v1/fees/withdraw", json{{"nativeAmount", withdrawal}}.dump());
  ASSERT_EQ(withdraw.status, 200) << withdraw.raw;
  // A second refund of the same deposit is refused while the first is alive.
  EXPECT_EQ(admin("POST", "/admin/v1/deposits/" + deposit + "/refund").status, 409);
  ASSERT_EQ(db_value("SELECT COUNT(*) FROM operator_transfers WHERE status = 'REQUESTED'"), "2");

  std::vector<std::pair<std::string, std::string>> seen;
  // The refund goes first (a refund always may; the withdrawal waits for the
  // refund's row to be final).
  ASSERT_NO_FATAL_FAILURE(kill_at_every_stage("REFUND", seen));
  EXPECT_EQ(row("FEE_WITHDRAWAL").status, "REQUESTED") << dump();
  // The payout actor must not get to the withdrawal before the test kills the
  // daemon with it REQUESTED: state_call fails again, then the refund's block
  // is finalized (the follower needs no state_call).
  fault_on({"state_call"});
  node->rpc("dev_setFinalityLag", json::array({1}));
  ASSERT_TRUE(tick_until([&] { return row("REFUND").status == "DONE"; }, 50)) << dump();
  EXPECT_EQ(row("REFUND").outbox_status, "FINALIZED");
  ASSERT_NO_FATAL_FAILURE(restart()); // killed once more: the refund is settled, the withdrawal REQUESTED
  ASSERT_NO_FATAL_FAILURE(kill_at_every_stage("FEE_WITHDRAWAL", seen));
  // The withdrawal's block is finalized while the daemon is down: the
  // restarted follower settles it (the submitter must not take its used
  // nonce for a foreign extrinsic).
  lstaked->kill9();
  node->rpc("dev_setFinalityLag", json::array({1}));
  node->new_blocks(1);
  seen.emplace_back("FEE_WITHDRAWAL finalized while down", row("FEE_WITHDRAWAL").status + "/"
                                                             + row("FEE_WITHDRAWAL").outbox_status);
  ASSERT_NO_FATAL_FAILURE(start_admin());
  ASSERT_TRUE(tick_until([&] { return row("FEE_WITHDRAWAL").status == "DONE"; }, 50)) << dump();
  for (int i = 0; i < 3; ++i)
    tick();

  // The database: both DONE, one attempt each, both actions DONE.
  for (auto kind : {"REFUND", "FEE_WITHDRAWAL"}) {
    auto r = row(kind);
    EXPECT_EQ(r.status, "DONE") << kind << dump();
    EXPECT_EQ(r.outbox_status, "FINALIZED") << kind;
    EXPECT_EQ(r.attempts, 1) << kind;
  }
  EXPECT_EQ(db_value("SELECT status FROM deposits WHERE id = " + deposit), "REFUNDED");
  EXPECT_EQ(db_value("SELECT state FROM admin_actions WHERE action = 'refund_deposit'"), "DONE");
  EXPECT_EQ(db_value("SELECT state FROM admin_actions WHERE action = 'withdraw_fees'"), "DONE");
  EXPECT_EQ(db_value("SELECT COUNT(*) FROM admin_actions WHERE action IN ('refund_deposit', 'withdraw_fees')"), "2");
  EXPECT_EQ(db_value("SELECT COUNT(*) FROM outbox WHERE chain = 'kusama'"), "2") << dump();
  EXPECT_EQ(db_value("SELECT COUNT(*) FROM fee_ledger WHERE kind = 'WITHDRAWAL'"), "1");
  EXPECT_EQ(db_value("SELECT amount_planck FROM fee_ledger WHERE kind = 'WITHDRAWAL'"), withdrawal);
  EXPECT_EQ(fee_balance(), std::to_string(fee_before - std::stoull(withdrawal)))
    << "the fee balance falls by the withdrawal, once";
  // No alert but the notary guard's "claims may be signed" (info): a failed
  // transfer or a REPLACED outbox row would raise one.
  EXPECT_EQ(db_value("SELECT COUNT(*) FROM alerts WHERE severity != 'info'"), "0") << dump();

  // The chain: exactly one refund and one withdrawal out of the deposit
  // account, nothing else.
  auto chain = expect_refund_and_withdrawal_once_on_chain(first_block, withdrawal);
  // Each transfer's extrinsic is the one its row names.
  for (auto& t : chain["transfers"]) {
    auto kind = t["to"] == bob.hex ? "REFUND" : "FEE_WITHDRAWAL";
    EXPECT_EQ(db_value(std::string("SELECT kusama_extrinsic FROM operator_transfers WHERE kind = '") + kind + "'"),
              std::to_string(t["block"].get<uint64_t>()) + "-" + std::to_string(t["extrinsic"].get<int>()));
  }

  ASSERT_EQ(lstaked->stop(), 0);
  auto audit = lstaked->cli({"audit"});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
  std::cout << audit.out;
  for (auto& [stage, state] : seen)
    std::cout << "killed at " << stage << ": " << state << "\n";
  std::cout << "operator transfers through " << starts << " starts in "
            << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - t0).count()
            << " s\n";
}

// A fee withdrawal waits while the deposit account's free KSM (less the fee
// reserve and the KSM of BELOW_MINIMUM deposits) cannot cover it; a refund,
// whose KSM is kept aside, never waits — not even behind a withdrawal asked
// for first. Killed -9 while the withdrawal waits; both paid once.
TEST_F(operator_transfer_kill_e2e, a_refund_is_not_held_up_by_a_fee_withdrawal_waiting_for_free_ksm) {
  std::string deposit;
  uint64_t fee_before = 0;
  ASSERT_NO_FATAL_FAILURE(deposits_and_fees(deposit, fee_before));
  auto first_block = node->best_number();
  // The deposit account keeps 0.65 KSM + ED: 0.05 KSM above the refund's
  // 0.5 and the 0.1 fee reserve, less than the withdrawal's 0.123.
  node->rpc("dev_setBalance", {ferdie.ss58, "650333333333"});
  tick();
  tick();
  auto withdraw = admin("POST", "/admin/v1/fees/withdraw", json{{"nativeAmount", withdrawal}}.dump());
  ASSERT_EQ(withdraw.status, 200) << withdraw.raw;
  ASSERT_TRUE(eventually([&] {
    return admin("GET", "/admin/v1/payouts").raw.find("waits for free KSM") != std::string::npos;
  }, 30s)) << admin("GET", "/admin/v1/payouts").raw;
  auto refund = admin("POST", "/admin/v1/deposits/" + deposit + "/refund");
  ASSERT_EQ(refund.status, 200) << refund.raw;
  ASSERT_TRUE(tick_until([&] { return row("REFUND").status == "DONE"; }, 60)) << dump();
  EXPECT_EQ(row("FEE_WITHDRAWAL").status, "REQUESTED") << dump();
  EXPECT_EQ(db_value("SELECT status FROM deposits WHERE id = " + deposit), "REFUNDED");
  // Killed while it waits: still waiting after the restart, nothing re-paid.
  ASSERT_NO_FATAL_FAILURE(restart());
  for (int i = 0; i < 5; ++i)
    tick();
  EXPECT_EQ(row("FEE_WITHDRAWAL").status, "REQUESTED") << dump();
  EXPECT_EQ(db_value("SELECT COUNT(*) FROM outbox WHERE chain = 'kusama'"), "1") << dump();
  // Free KSM again: the withdrawal goes.
  node->rpc("dev_setBalance", {ferdie.ss58, "1011000000000000"});
  ASSERT_TRUE(tick_until([&] { return row("FEE_WITHDRAWAL").status == "DONE"; }, 60)) << dump();
  for (int i = 0; i < 3; ++i)
    tick();
  EXPECT_EQ(db_value("SELECT COUNT(*) FROM admin_actions WHERE action IN ('refund_deposit', "
                     "'withdraw_fees') AND state = 'DONE'"),
            "2");
  EXPECT_EQ(fee_balance(), std::to_string(fee_before - std::stoull(withdrawal)));
  expect_refund_and_withdrawal_once_on_chain(first_block, withdrawal);
  ASSERT_EQ(lstaked->stop(), 0);
  auto audit = lstaked->cli({"audit"});
  EXPECT_EQ(audit.exit_code, 0) << audit.out << audit.err;
}

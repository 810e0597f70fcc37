// The Kusama operator end to end (issue #12): the BUILT daemon (`lstaked run
// --config`) signs for the pool against the local Kusama node (blocks only on
// demand, a short era, a finality lag the test controls), both metadata
// variants. Everything is counted from the CHAIN by the real @polkadot/api
// (chain_extrinsics.mjs, staking_facts.mjs); the daemon's database is only
// read (read-only connection) to see the outbox state at each point.
//
// - stake → bond across two stashes (one through a Staking proxy) → nominate
//   → rewards collected over several eras, every exposed era claimed.
// - Exactly once under kill -9 at each step of the outbox: between intent and
//   submission, between submission and inclusion, between inclusion and
//   finality.
// - The node failing or slow on author_submitExtrinsic: retried, never doubled.
// - (relay variant only) kill -9 at random moments through three eras; finality
//   lagging further than staking.mortality_blocks.
// - A bad staking configuration is refused at start with one line naming the key.
// Also a soak run (disabled: minutes) mixing all of it at random.
#include "chain/common/bytes.hpp"
#include "chain/sig/keypair.hpp"
#include "chain/sig/ss58.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/kusama_node.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <sys/stat.h>

using namespace lstaked;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;

struct dev_key {
  std::string uri, hex, ss58;
};

dev_key key(const std::string& uri) {
  auto kp = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, uri);
  if (!kp)
    throw std::runtime_error("bad dev key " + uri);
  auto& a = kp->account();
  auto ss58 = chain::sig::ss58_encode(chain::byte_view(a.data(), a.size()), 2);
  if (!ss58)
    throw std::runtime_error("cannot encode " + uri);
  return {uri, chain::to_hex(chain::byte_view(a.data(), a.size())), *ss58};
}

const dev_key ferdie = key("//Ferdie"), eve = key("//Eve"), charlie = key("//Charlie"),
              hot = key("//Ferdie//hot"), alice_stash = key("//Alice//stash"),
              bob_stash = key("//Bob//stash"), charlie_stash = key("//Charlie//stash"),
              dave_stash = key("//Dave//stash"), bob = key("//Bob");

void write_file(const std::string& path, const std::string& text, mode_t mode) {
  { std::ofstream{path} << text; }
  ::chmod(path.c_str(), mode);
}

std::string toml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ", \"" : "\"") + items[i] + "\"";
  return out + "]";
}

/// The [staking] part the tests vary; everything else is fixed.
struct operator_settings {
  std::string rpc_url;
  std::string deposit_key_file;
  std::vector<std::string> stash_key_files;
  std::vector<std::string> proxied_stashes = {charlie.ss58};
  std::vector<std::string> validators = {alice_stash.ss58, bob_stash.ss58, charlie_stash.ss58,
                                         dave_stash.ss58, bob.ss58};
};

/// Key files (0600, dev secret URIs) in `dir`: deposit.key (//Ferdie),
/// eve.key (//Eve, the stash's own key), hot.key (//Ferdie//hot, //Charlie's
/// Staking proxy).
operator_settings default_settings(const test::temp_dir& dir, const std::string& rpc_url) {
  write_file(dir.file("deposit.key"), ferdie.uri + "\n", 0600);
  write_file(dir.file("eve.key"), eve.uri + "\n", 0600);
  write_file(dir.file("hot.key"), hot.uri + "\n", 0600);
  operator_settings s;
  s.rpc_url = rpc_url;
  s.deposit_key_file = dir.file("deposit.key");
  s.stash_key_files = {dir.file("eve.key"), dir.file("hot.key")};
  return s;
}

std::string write_config(const test::temp_dir& dir, const operator_settings& s,
                         const std::string& name = "lstaked.toml") {
  auto path = dir.file(name);
  std::ofstream cfg{path};
  cfg << "data_dir = \"" << dir.file("data") << "\"\n"
      << "[http]\nlisten = \"127.0.0.1:0\"\n"
      << "[kusama]\nrpc_url = \"" << s.rpc_url << "\"\nss58_prefix = 2\n"
      << "deposit_address = \"" << ferdie.ss58 << "\"\nminimum_deposit = \"1\"\n"
      << "start_block = 1\npoll_interval_ms = 150\n"
      << "[staking]\ndeposit_key_file = \"" << s.deposit_key_file << "\"\n"
      << "stashes = " << toml_list({eve.ss58, charlie.ss58}) << "\n"
      << "stash_key_files = " << toml_list(s.stash_key_files) << "\n"
      << "proxied_stashes = " << toml_list(s.proxied_stashes) << "\n"
      << "validators = " << toml_list(s.validators) << "\n"
      << "max_commission_percent = \"6\"\n"
      << "poll_interval_ms = 200\nmortality_blocks = 8\n";
  return path;
}

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

/// One outbox row as the daemon's database has it, with every attempt's hash.
struct outbox_row {
  int64_t id = 0;
  std::string account, purpose, status, outcome, tx_hash, note;
  uint64_t nonce = 0, attempts = 0;
  std::optional<uint64_t> block;
  std::vector<std::string> hashes; // all attempts
  std::string live_hex;            // the LIVE attempt's bytes, if any
};

std::string text(SQLite::Statement& q, int i) {
  return q.isColumnNull(i) ? std::string() : q.getColumn(i).getString();
}

class operator_e2e : public ::testing::TestWithParam<std::string> {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::kusama_node> node;
  std::unique_ptr<test::daemon> lstaked;
  int starts = 0;
  std::string config_file;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();

  void SetUp() override {
    node = std::make_unique<test::kusama_node>(
      dir, std::vector<std::string>{"--block-ms", "0", "--finality-lag", "1", "--era-blocks", "10",
                                    "--state-pruning", "100000", // chain_extrinsics.mjs reads every block
                                    "--metadata", GetParam()});
    ASSERT_TRUE(node->ok()) << node->log();
    auto setup = script("operator_setup.mjs");
    ASSERT_EQ(setup.value("hot", ""), hot.hex) << setup.dump();
    config_file = write_config(dir, default_settings(dir, node->url));
    lstaked = std::make_unique<test::daemon>(dir, config_file);
  }

  void TearDown() override {
    if (lstaked && lstaked->process())
      lstaked->kill9();
    std::cerr << "[ timing ] " << GetParam() << ": "
              << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0).count()
              << " ms\n";
  }

  void start() {
    ++starts;
    ASSERT_TRUE(lstaked->start("daemon-" + std::to_string(starts), 60s)) << lstaked->last_log();
  }

  /// Runs tests/kusama_operator/<name> against the node; its last stdout line as JSON.
  json script(const std::string& name, std::vector<std::string> args = {}) {
    std::vector<std::string> argv{"/usr/bin/env", "node", repo + "/tests/kusama_operator/" + name,
                                  node->url};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = test::run_process(argv, dir.path(), 180s);
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err << r.out;
    auto out = r.out;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
      out.pop_back();
    auto nl = out.rfind('\n');
    return json::parse(nl == std::string::npos ? out : out.substr(nl + 1), nullptr, false);
  }

  json chain_extrinsics() {
    auto c = script("chain_extrinsics.mjs");
    EXPECT_TRUE(c.contains("extrinsics")) << c.dump().substr(0, 300);
    return c;
  }

  // ---- the daemon's database, read only ----

  std::vector<outbox_row> outbox(const std::string& where = "1") {
    std::vector<outbox_row> rows;
    try {
      SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
      db.setBusyTimeout(5000);
      SQLite::Statement q(db, "SELECT id, account, nonce, purpose, status, outcome, tx_hash, note, "
                              "attempts, block_number FROM outbox WHERE chain = 'kusama' AND ("
                                + where + ") ORDER BY id");
      while (q.executeStep()) {
        outbox_row r;
        r.id = q.getColumn(0).getInt64();
        r.account = text(q, 1);
        r.nonce = static_cast<uint64_t>(q.getColumn(2).getInt64());
        r.purpose = text(q, 3);
        r.status = text(q, 4);
        r.outcome = text(q, 5);
        r.tx_hash = text(q, 6);
        r.note = text(q, 7);
        r.attempts = static_cast<uint64_t>(q.getColumn(8).getInt64());
        if (!q.isColumnNull(9))
          r.block = static_cast<uint64_t>(q.getColumn(9).getInt64());
        rows.push_back(std::move(r));
      }
      for (auto& r : rows) {
        SQLite::Statement a(db, "SELECT tx_hash, status, signed_hex FROM outbox_attempts "
                                "WHERE intent_id = ? ORDER BY attempt");
        a.bind(1, r.id);
        while (a.executeStep()) {
          r.hashes.push_back(text(a, 0));
          if (text(a, 1) == "LIVE")
            r.live_hex = text(a, 2);
        }
      }
    } catch (const std::exception&) {
      rows.clear(); // not created or not migrated yet
    }
    return rows;
  }

  std::vector<outbox_row> rows_of(const std::string& purpose) {
    return outbox("purpose = '" + purpose + "'");
  }

  static bool all_status(const std::vector<outbox_row>& rows, size_t n, const std::string& status) {
    return rows.size() == n
           && std::all_of(rows.begin(), rows.end(), [&](auto& r) { return r.status == status; });
  }

  static std::string dump(const std::vector<outbox_row>& rows) {
    std::ostringstream o;
    for (auto& r : rows)
      o << "\n  #" << r.id << " " << r.purpose << " " << r.account.substr(0, 10) << " nonce "
        << r.nonce << " " << r.status << " attempts " << r.attempts << " block "
        << (r.block ? std::to_string(*r.block) : "-") << " " << r.outcome << " " << r.note;
    return o.str();
  }

  int64_t db_count(const std::string& sql) {
    SQLite::Database db(dir.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    return db.execAndGet(sql).getInt64();
  }

  /// After it all: every actor healthy again (no error left from a fault, no
  /// stuck row), no alert raised (a REPLACED row or a failed extrinsic raises one).
  void expect_healthy_end() {
    EXPECT_TRUE(eventually([&] { return lstaked->get("/v1/status").body.value("ok", false); }, 15s))
      << lstaked->get("/v1/status").raw;
    EXPECT_EQ(db_count("SELECT count(*) FROM alerts WHERE source IN ('kusama_submitter', "
                       "'bond_manager', 'outbox')"), 0);
  }

  // ---- the node ----

  void fault(const json& f) { node->rpc("dev_fault", json::array({f})); }

  std::vector<std::string> pool() {
    return node->rpc("author_pendingExtrinsics").get<std::vector<std::string>>();
  }

  /// Makes one block at a time, giving the daemon `settle` after each to reach
  /// `done`; false if it did not within `timeout`.
  template <class Pred>
  bool blocks_until(Pred done, std::chrono::milliseconds timeout = 60s,
                    std::chrono::milliseconds settle = 600ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline)
        return false;
      node->new_blocks(1);
      eventually(done, settle);
    }
    return true;
  }

  std::optional<int64_t> metric(const std::string& name) {
    auto raw = lstaked->get("/metrics").raw;
    std::istringstream in(raw);
    for (std::string line; std::getline(in, line);)
      if (line.rfind(name + " ", 0) == 0)
        return std::stoll(line.substr(name.size() + 1));
    return std::nullopt;
  }

  std::string actor_detail(const std::string& name) {
    for (auto& a : lstaked->get("/v1/status").body.value("actors", json::array()))
      if (a.value("name", "") == name)
        return a.value("detail", "");
    return {};
  }

  // ---- the chain's count ----

  static std::vector<json> on_chain(const json& chain, const std::string& signer,
                                    const std::string& call = "") {
    std::vector<json> out;
    for (auto& e : chain["extrinsics"])
      if (e["signer"] == signer && (call.empty() || e["call"] == call))
        out.push_back(e);
    return out;
  }

  /// Every outbox row that the chain has: exactly one of its attempts on chain,
  /// at the row's (signer, nonce) and block, succeeded; and nothing else signed
  /// by the pool's keys (//Charlie only signed the setup's add_proxy).
  void expect_exactly_once(const json& chain, const std::vector<outbox_row>& rows) {
    std::map<std::string, std::vector<json>> by_hash;
    for (auto& e : chain["extrinsics"])
      by_hash[e["hash"].get<std::string>()].push_back(e);
    std::map<std::string, size_t> included_rows;
    for (auto& r : rows) {
      size_t found = 0;
      for (auto& h : r.hashes)
        found += by_hash.count(h) ? by_hash[h].size() : 0;
      bool in_block = r.status == "IN_BLOCK" || r.status == "FINALIZED";
      EXPECT_EQ(found, in_block ? 1u : 0u) << "outbox " << r.id << " " << r.purpose << dump(rows);
      if (!in_block || !by_hash.count(r.tx_hash))
        continue;
      ++included_rows[r.account];
      auto& e = by_hash[r.tx_hash].front();
      EXPECT_EQ(e["signer"], r.account) << r.id;
      EXPECT_EQ(e["nonce"].get<uint64_t>(), r.nonce) << r.id;
      EXPECT_EQ(e["block"].get<uint64_t>(), r.block.value_or(0)) << r.id;
      EXPECT_TRUE(e["success"].get<bool>()) << r.id << " " << e.dump();
      if (r.status == "FINALIZED") {
        EXPECT_EQ(r.outcome, "success") << r.id;
      }
    }
    for (auto* k : {&ferdie, &eve, &hot})
      EXPECT_EQ(on_chain(chain, k->hex).size(), included_rows[k->hex])
        << k->uri << " signed something the outbox does not hold" << dump(rows);
    auto c = on_chain(chain, charlie.hex);
    ASSERT_EQ(c.size(), 1u) << "//Charlie is proxied: it never signs";
    EXPECT_EQ(c[0]["call"], "proxy.addProxy");
  }

  /// One of each staking action, as polkadot-js decodes them.
  void expect_one_of_each(const json& chain, bool nominated) {
    EXPECT_EQ(on_chain(chain, ferdie.hex, "utility.batchAll(balances.transferKeepAlive,"
                                          "balances.transferKeepAlive)").size(), 1u);
    EXPECT_EQ(on_chain(chain, eve.hex, "staking.bond").size(), 1u);
    EXPECT_EQ(on_chain(chain, hot.hex, "proxy.proxy(staking.bond)").size(), 1u);
    EXPECT_EQ(on_chain(chain, eve.hex, "staking.nominate").size(), nominated ? 1u : 0u);
    EXPECT_EQ(on_chain(chain, hot.hex, "proxy.proxy(staking.nominate)").size(), nominated ? 1u : 0u);
  }

  std::set<std::string> hashes_of(const std::vector<outbox_row>& rows) {
    std::set<std::string> out;
    for (auto& r : rows)
      out.insert(r.tx_hash);
    return out;
  }
};

uint64_t planck(const json& j) {
  return std::stoull(j.get<std::string>());
}

} // namespace

// ---------------------------------------------------------------------------
// 1. The whole life: stake → bonded → nominated → rewards collected.

TEST_P(operator_e2e, stake_bond_nominate_collect) {
  start();
  // The deposit (setup's last block) becomes final; the daemon funds both
  // stashes, bonds them and nominates.
  ASSERT_TRUE(blocks_until([&] {
    return all_status(rows_of("nominate"), 2, "FINALIZED");
  }, 90s)) << dump(outbox()) << lstaked->last_log();

  // Eras pass: each exposed era is paid out by the daemon (a batch of
  // payout_stakers_by_page signed by the deposit account).
  for (int i = 0; i < 3; ++i) {
    auto era = node->rpc("dev_nextEra", json::array({1}))["era"].get<int64_t>();
    ASSERT_TRUE(blocks_until([&] {
      return metric("lstaked_staking_active_era") >= era && metric("lstaked_staking_unclaimed_eras") == 0
             && outbox("status NOT IN ('FINALIZED', 'REPLACED')").empty();
    }, 60s)) << "era " << era << dump(outbox()) << actor_detail("bond_manager");
  }

  auto rows = outbox();
  auto chain = chain_extrinsics();
  expect_exactly_once(chain, rows);
  expect_one_of_each(chain, true);
  EXPECT_GE(rows_of("payout_stakers").size(), 2u) << dump(rows);
  for (auto& r : rows)
    EXPECT_EQ(r.status + "/" + r.outcome, "FINALIZED/success") << r.id;

  auto facts = script("staking_facts.mjs", {eve.hex, charlie.hex});
  const uint64_t ksm = 1'000'000'000'000ull;
  for (auto* s : {&eve, &charlie}) {
    auto& f = facts["stashes"][s->hex];
    // 2,500 KSM deposited, spread evenly; payee Staked.
    EXPECT_GT(planck(f["active"]), 1240 * ksm) << f.dump();
    // Only //Alice//stash passes the filters (blocked, slashed, commission above 6 %, not a validator).
    EXPECT_EQ(f["targets"], json::array({alice_stash.hex})) << f.dump();
    ASSERT_FALSE(f["exposed"].empty()) << f.dump();
    for (auto& e : f["exposed"])
      EXPECT_TRUE(e["claimed"].get<bool>()) << s->uri << " era " << e["era"] << " unclaimed";
    EXPECT_GT(planck(f["rewarded"]), 0u);
    EXPECT_EQ(planck(f["active"]), planck(f["bonded"]) + planck(f["rewarded"]) - planck(f["slashed"]))
      << f.dump();
  }
  EXPECT_LT(planck(facts["stashes"][eve.hex]["bonded"]) + planck(facts["stashes"][charlie.hex]["bonded"]),
            2503 * ksm);
  expect_healthy_end();
  EXPECT_EQ(lstaked->stop(), 0);
}

// ---------------------------------------------------------------------------
// 2. Exactly once under kill -9, at each step of the outbox.

TEST_P(operator_e2e, exactly_once_under_kill9) {
  // (a) Between intent and submission. The submitter reads each signer's nonce
  // with state_getStorage, the manager's snapshot uses state_queryStorageAt:
  // with the first failing, intents are written but never signed.
  fault({{"mode", "error"}, {"methods", {"state_getStorage"}}, {"durationMs", 600000}});
  start();
  node->new_blocks(1); // the deposit is final
  ASSERT_TRUE(eventually([&] { return rows_of("fund_stashes").size() == 1; }, 30s))
    << dump(outbox()) << lstaked->last_log();
  std::this_thread::sleep_for(1s); // several submitter polls
  auto fund = rows_of("fund_stashes");
  ASSERT_EQ(fund.size(), 1u);
  EXPECT_EQ(fund[0].status, "INTENT") << dump(fund);
  EXPECT_EQ(outbox().size(), 1u) << "nothing else while a row is open" << dump(outbox());
  EXPECT_TRUE(pool().empty());
  lstaked->kill9();
  fault({{"mode", "none"}});
  start();
  ASSERT_TRUE(eventually([&] { return all_status(rows_of("fund_stashes"), 1, "SUBMITTED"); }, 30s))
    << dump(outbox());
  ASSERT_TRUE(blocks_until([&] { return rows_of("fund_stashes")[0].block.has_value(); }))
    << dump(outbox());
  // The block after it finalizes it; nothing of ours is pending, so the next
  // block the test makes holds nothing of ours.
  EXPECT_TRUE(pool().empty());
  node->new_blocks(1);
  ASSERT_TRUE(eventually([&] { return all_status(rows_of("fund_stashes"), 1, "FINALIZED"); }, 30s))
    << dump(outbox());

  // (b) Between submission and inclusion: both bonds signed and in the pool,
  // no block made; kill -9; restart (nothing is re-signed: the live attempts
  // are re-sent as they are); then blocks.
  ASSERT_TRUE(eventually([&] { return all_status(rows_of("bond"), 2, "SUBMITTED"); }, 30s))
    << dump(outbox());
  ASSERT_TRUE(eventually([&] { return pool().size() == 2; }, 10s));
  auto bonds = rows_of("bond");
  std::set<std::string> pooled;
  for (auto& p : pool())
    pooled.insert(p);
  for (auto& r : bonds)
    EXPECT_TRUE(pooled.count(r.live_hex)) << "outbox " << r.id << " not in the node's pool";
  auto best = node->best_number();
  lstaked->kill9();
  start();
  std::this_thread::sleep_for(1s); // the restarted submitter re-sends the live attempts
  EXPECT_EQ(pool().size(), 2u);
  EXPECT_EQ(hashes_of(rows_of("bond")), hashes_of(bonds)) << "re-signed instead of re-sent";
  ASSERT_TRUE(blocks_until([&] {
    auto b = rows_of("bond");
    return b.size() == 2 && b[0].block && b[1].block;
  })) << dump(outbox());
  EXPECT_EQ(*rows_of("bond")[0].block, best + 1);

  // (c) Between inclusion and finality. The bonds' block is finalized by the
  // next one; the nominations are signed; finality then stalls (lag 50), the
  // nominations go into a block, and the daemon dies.
  node->new_blocks(1);
  ASSERT_TRUE(eventually([&] { return all_status(rows_of("nominate"), 2, "SUBMITTED"); }, 30s))
    << dump(outbox());
  ASSERT_TRUE(eventually([&] { return pool().size() == 2; }, 10s)); // committed before sent
  auto finalized = node->finalized_number();
  node->rpc("dev_setFinalityLag", json::array({50}));
  auto nominated_in = node->new_blocks(1);
  ASSERT_TRUE(eventually([&] { return all_status(rows_of("nominate"), 2, "IN_BLOCK"); }, 30s))
    << dump(outbox());
  auto nominations = rows_of("nominate");
  EXPECT_EQ(nominations[0].block, nominated_in);
  lstaked->kill9();
  start();
  node->new_blocks(3); // still not final: nothing is re-sent or re-signed
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(node->finalized_number(), finalized);
  EXPECT_TRUE(pool().empty());
  EXPECT_TRUE(all_status(rows_of("nominate"), 2, "IN_BLOCK")) << dump(outbox());
  EXPECT_EQ(hashes_of(rows_of("nominate")), hashes_of(nominations));
  node->rpc("dev_setFinalityLag", json::array({1}));
  ASSERT_TRUE(eventually([&] { return all_status(rows_of("nominate"), 2, "FINALIZED"); }, 30s))
    << dump(outbox());
  for (auto& r : rows_of("nominate"))
    EXPECT_EQ(r.block, nominated_in) << r.id;

  // Five intents, each on chain once, nothing else signed.
  auto rows = outbox();
  EXPECT_EQ(rows.size(), 5u) << dump(rows);
  for (auto& r : rows)
    EXPECT_EQ(r.attempts, 1u) << r.id;
  auto chain = chain_extrinsics();
  expect_exactly_once(chain, rows);
  expect_one_of_each(chain, true);
  expect_healthy_end();
  EXPECT_EQ(lstaked->stop(), 0);
}

// ---------------------------------------------------------------------------
// 3. The node errs or is slow on author_submitExtrinsic: retried, never doubled.

TEST_P(operator_e2e, node_errors_and_slowness_during_submission) {
  // Errors: the funding transfer is signed (the attempt committed) but the node
  // refuses every submission. Blocks go on: its mortal era (8 blocks) ends
  // unused, so it is re-signed with the same nonce; that one fails too.
  fault({{"mode", "error"}, {"methods", {"author_submitExtrinsic"}}, {"durationMs", 600000}});
  start();
  node->new_blocks(1); // the deposit is final
  ASSERT_TRUE(eventually([&] {
    auto f = rows_of("fund_stashes");
    return f.size() == 1 && f[0].status == "SUBMITTED"
           && f[0].note.find("submission failed") != std::string::npos;
  }, 30s)) << dump(outbox()) << lstaked->last_log();
  EXPECT_GE(metric("lstaked_kusama_outbox_submit_errors_total").value_or(0), 1);
  ASSERT_TRUE(blocks_until([&] {
    auto f = rows_of("fund_stashes");
    return f.size() == 1 && f[0].attempts == 2 && f[0].status == "SUBMITTED";
  }, 60s, 300ms)) << dump(outbox());
  EXPECT_GE(metric("lstaked_kusama_outbox_expired_total").value_or(0), 1);
  EXPECT_TRUE(pool().empty());
  auto fund = rows_of("fund_stashes");

  // kill -9 with the second attempt committed but never accepted by the node.
  // Restarted against a slow node (2 s per submission): the same bytes are
  // sent again, nothing is re-signed, and they land once.
  lstaked->kill9();
  fault({{"mode", "slow"}, {"delayMs", 2000}, {"methods", {"author_submitExtrinsic"}},
         {"durationMs", 600000}});
  start();
  ASSERT_TRUE(eventually([&] { return pool().size() == 1; }, 30s)) << dump(outbox());
  EXPECT_EQ(pool()[0], rows_of("fund_stashes")[0].live_hex);
  fault({{"mode", "none"}});
  node->new_blocks(1); // holds it

  // Slower than the daemon's read timeout (15 s): the first bond's submission
  // times out, the client sends it again (the node then has it twice: the
  // delayed one answers "already imported" to nobody). No block is made until
  // both bonds are in the pool.
  fault({{"mode", "slow"}, {"delayMs", 16000}, {"methods", {"author_submitExtrinsic"}},
         {"durationMs", 600000}});
  node->new_blocks(1); // finalizes it: the bonds are decided
  ASSERT_TRUE(eventually([&] { return all_status(rows_of("fund_stashes"), 1, "FINALIZED"); }, 30s))
    << dump(outbox());
  EXPECT_EQ(rows_of("fund_stashes")[0].tx_hash, fund[0].tx_hash);
  EXPECT_EQ(rows_of("fund_stashes")[0].attempts, 2u);
  ASSERT_TRUE(eventually([&] { return all_status(rows_of("bond"), 2, "SUBMITTED"); }, 30s))
    << dump(outbox());
  auto committed = std::chrono::steady_clock::now();
  fault({{"mode", "none"}}); // the request already delayed stays delayed
  ASSERT_TRUE(eventually([&] { return pool().size() == 2; }, 40s)) << dump(outbox());
  EXPECT_GT(std::chrono::steady_clock::now() - committed, 10s) << "the slow answer was not waited for";
  std::this_thread::sleep_for(2s); // the delayed copy reaches the node too
  EXPECT_EQ(pool().size(), 2u);

  // A short burst of errors while the nominations are submitted.
  ASSERT_TRUE(blocks_until([&] { return all_status(rows_of("bond"), 2, "FINALIZED"); }))
    << dump(outbox());
  fault({{"mode", "error"}, {"methods", {"author_submitExtrinsic"}}, {"durationMs", 1500}});
  ASSERT_TRUE(blocks_until([&] { return all_status(rows_of("nominate"), 2, "FINALIZED"); }, 90s))
    << dump(outbox());

  // The funding transfer was signed twice (its first era ended), the bonds
  // once; the nominations once or twice (a retry comes 5 s later, by when the
  // blocks made here may have ended their era). On chain: once each.
  auto rows = outbox();
  for (auto& r : rows)
    if (r.purpose != "nominate") {
      EXPECT_EQ(r.attempts, r.purpose == "fund_stashes" ? 2u : 1u) << dump(rows);
    }
  auto chain = chain_extrinsics();
  expect_exactly_once(chain, rows);
  expect_one_of_each(chain, true);
  expect_healthy_end();
  EXPECT_EQ(lstaked->stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(metadata, operator_e2e, ::testing::Values("kusama", "asset-hub"));

// ---------------------------------------------------------------------------
// 2'. kill -9 at random moments (seeded; LSTAKED_CHAOS_SEED replays a run)
// through funding, bonding, nominating and three eras of payouts: every
// action once on chain, every payout succeeds (a second one would fail with
// Staking.AlreadyClaimed). The relay variant only, to keep the suite short
// (as the next one).

class operator_relay : public operator_e2e {};

TEST_P(operator_relay, kill9_at_random_moments_through_three_eras) {
  auto seed = std::getenv("LSTAKED_CHAOS_SEED") ? std::stoul(std::getenv("LSTAKED_CHAOS_SEED"))
                                                : std::random_device{}();
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("LSTAKED_CHAOS_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int eras = 0;
  std::optional<int64_t> era; // the active era after the last dev_nextEra
  auto deadline = std::chrono::steady_clock::now() + 150s; // a loaded CI machine is slow
  while (eras < 3 && std::chrono::steady_clock::now() < deadline) {
    start();
    for (int i = pick(1, 6); i > 0; --i) {
      // A new era only once the last one's payouts are settled (in the
      // daemon's own time), so that each era is paid out.
      if (pick(0, 2) == 0 && all_status(rows_of("nominate"), 2, "FINALIZED")
          && outbox("status NOT IN ('FINALIZED', 'REPLACED')").empty()
          && (!era || metric("lstaked_staking_active_era") >= era) // eras also pass with blocks
          && metric("lstaked_staking_unclaimed_eras") == 0) {
        era = node->rpc("dev_nextEra", json::array({1}))["era"].get<int64_t>();
        ++eras;
      } else {
        node->new_blocks(1);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(pick(0, 400)));
    }
    lstaked->kill9();
  }
  EXPECT_EQ(eras, 3);
  start();
  ASSERT_TRUE(blocks_until([&] {
    return metric("lstaked_staking_active_era") >= era && metric("lstaked_staking_unclaimed_eras") == 0
           && outbox("status NOT IN ('FINALIZED', 'REPLACED')").empty();
  }, 60s)) << dump(outbox());
  auto rows = outbox();
  EXPECT_GE(rows_of("payout_stakers").size(), 2u) << dump(rows);
  auto chain = chain_extrinsics();
  expect_exactly_once(chain, rows);
  expect_one_of_each(chain, true);
  expect_healthy_end();
  EXPECT_EQ(lstaked->stop(), 0);
  std::cerr << "[ chaos    ] seed " << seed << ", " << starts << " starts\n";
}

// ---------------------------------------------------------------------------
// 3'. Finality lagging further behind the best block than staking.mortality_blocks
// (8 here; a GRANDPA stall on Kusama against the default 64): what the daemon
// signs is still valid when it reaches the node, and lands at the first attempt.

TEST_P(operator_relay, finality_lagging_more_than_the_mortality) {
  node->rpc("dev_setFinalityLag", json::array({12}));
  node->new_blocks(12); // the deposit (block 8) is final, 12 blocks behind the best
  start();
  ASSERT_TRUE(blocks_until([&] { return all_status(rows_of("nominate"), 2, "FINALIZED"); }, 90s, 300ms))
    << dump(outbox()) << lstaked->last_log();
  EXPECT_GE(node->best_number() - node->finalized_number(), 12u);
  auto rows = outbox();
  for (auto& r : rows)
    EXPECT_EQ(r.attempts, 1u) << "signed again: the first attempt was never valid" << dump(rows);
  EXPECT_EQ(metric("lstaked_kusama_outbox_submit_errors_total").value_or(-1), 0);
  auto chain = chain_extrinsics();
  expect_exactly_once(chain, rows);
  expect_one_of_each(chain, true);
  expect_healthy_end();
  EXPECT_EQ(lstaked->stop(), 0);
}

// ---------------------------------------------------------------------------
// A soak run, not part of the suite (minutes; run it with
// --gtest_also_run_disabled_tests --gtest_filter='*soak*'): for
// LSTAKED_SOAK_SECONDS (default 120) random blocks, kill -9s, finality lags
// (0..12, above the mortality), node errors on submissions and on nonce reads,
// slow answers, dropped connections and new eras; then the node is healed and
// everything must settle exactly once, every payout succeeding.

TEST_P(operator_relay, DISABLED_soak_random_faults_and_kill9) {
  auto seed = std::getenv("LSTAKED_CHAOS_SEED") ? std::stoul(std::getenv("LSTAKED_CHAOS_SEED"))
                                                : std::random_device{}();
  SCOPED_TRACE("LSTAKED_CHAOS_SEED=" + std::to_string(seed));
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto seconds = std::getenv("LSTAKED_SOAK_SECONDS") ? std::stoi(std::getenv("LSTAKED_SOAK_SECONDS")) : 120;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int eras = 0;
  bool running = false;
  const json submit = json::array({"author_submitExtrinsic"});
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running) {
      start();
      running = true;
    }
    int a = pick(0, 20);
    if (a < 10) {
      node->new_blocks(pick(1, 3));
    } else if (a < 12) {
      lstaked->kill9();
      running = false;
    } else if (a < 13) {
      node->rpc("dev_setFinalityLag", json::array({pick(0, 12)}));
    } else if (a < 14) {
      fault({{"mode", "error"}, {"methods", submit}, {"durationMs", pick(100, 8000)}});
    } else if (a < 15) {
      fault({{"mode", "error"}, {"methods", {"state_getStorage"}}, {"durationMs", pick(100, 4000)}});
    } else if (a < 16) {
      fault({{"mode", "slow"}, {"delayMs", pick(100, 3000)}, {"durationMs", pick(100, 4000)}});
    } else if (a < 17) {
      fault({{"mode", "drop"}, {"methods", submit}, {"durationMs", pick(100, 3000)}});
    } else if (a < 18 && eras < 6 && all_status(rows_of("nominate"), 2, "FINALIZED")) {
      node->rpc("dev_nextEra", json::array({1}));
      ++eras;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(pick(0, 600)));
  }
  fault({{"mode", "none"}});
  node->rpc("dev_setFinalityLag", json::array({1}));
  if (!running)
    start();
  ASSERT_TRUE(blocks_until([&] {
    return metric("lstaked_staking_unclaimed_eras") == 0 && all_status(rows_of("nominate"), 2, "FINALIZED")
           && outbox("status NOT IN ('FINALIZED', 'REPLACED')").empty();
  }, 120s)) << dump(outbox());
  auto rows = outbox();
  auto chain = chain_extrinsics();
  expect_exactly_once(chain, rows);
  expect_one_of_each(chain, true);
  expect_healthy_end();
  EXPECT_EQ(lstaked->stop(), 0);
  std::cerr << "[ soak     ] seed " << seed << ": " << starts << " starts, " << rows.size()
            << " outbox rows, chain head " << chain["head"] << "\n";
}

INSTANTIATE_TEST_SUITE_P(metadata, operator_relay, ::testing::Values("kusama"));

// ---------------------------------------------------------------------------
// 4. A bad staking configuration: refused at start, one error line naming the key.

TEST(operator_e2e_config, bad_staking_config_is_refused_with_one_line_naming_the_key) {
  struct bad_case {
    std::string what;
    std::function<void(const test::temp_dir&, operator_settings&)> spoil;
    std::string key;      // named on the error line
    std::string fragment; // and this
  };
  std::vector<bad_case> cases{
    {"a key file readable by others",
     [](auto& d, auto&) { ::chmod(d.file("eve.key").c_str(), 0644); },
     "staking.stash_key_files[0]", "mode 0644"},
    {"a deposit key file readable by the group",
     [](auto& d, auto&) { ::chmod(d.file("deposit.key").c_str(), 0640); },
     "staking.deposit_key_file", "mode 0640"},
    {"a missing key file",
     [](auto& d, auto& s) { s.stash_key_files[1] = d.file("no-such.key"); },
     "staking.stash_key_files[1]", "no-such.key"},
    {"a key file that is a directory",
     [](auto& d, auto& s) {
       ::mkdir(d.file("dir.key").c_str(), 0700);
       s.deposit_key_file = d.file("dir.key");
     },
     "staking.deposit_key_file", "dir.key"},
    {"a key file without a secret URI",
     [](auto& d, auto&) { write_file(d.file("eve.key"), "not a secret uri at all\n", 0600); },
     "staking.stash_key_files[0]", "does not hold a valid secret URI"},
    {"a stash key that is not the stash's (not listed as proxied)",
     [](auto&, auto& s) { s.proxied_stashes.clear(); },
     "staking.stash_key_files[1]", charlie.ss58},
    {"the deposit key of another account",
     [](auto& d, auto& s) { s.deposit_key_file = d.file("eve.key"); },
     "staking.deposit_key_file", ferdie.ss58},
    {"a proxied stash with its own key",
     [](auto&, auto& s) { s.proxied_stashes = {eve.ss58, charlie.ss58}; },
     "staking.stash_key_files[0]", "listed as proxied"},
    {"a validator address of another network (SS58 prefix 42)",
     [](auto&, auto& s) {
       auto a = chain::from_hex(alice_stash.hex);
       s.validators.push_back(*chain::sig::ss58_encode(chain::byte_view(a->data(), a->size()), 42));
     },
     "staking.validators", "\""},
    {"an unknown validator address (bad SS58 checksum)",
     [](auto&, auto& s) {
       auto& v = s.validators[3];
       v.back() = v.back() == 'x' ? 'y' : 'x';
     },
     "staking.validators", "checksum"},
    {"a validator address that is not SS58 at all",
     [](auto&, auto& s) { s.validators.push_back("0xnot-an-address"); },
     "staking.validators", "0xnot-an-address"},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.what);
    test::temp_dir dir;
    auto s = default_settings(dir, "http://127.0.0.1:9"); // nothing listens: refused before any use
    c.spoil(dir, s);
    auto cfg = write_config(dir, s);
    auto r = test::run_process({test::lstaked_binary(), "run", "--config", cfg}, dir.path(), 30s);
    EXPECT_NE(r.exit_code, 0) << r.err;
    std::vector<std::string> errors;
    std::istringstream in(r.err + r.out);
    for (std::string line; std::getline(in, line);)
      if (line.find("error") != std::string::npos)
        errors.push_back(line);
    ASSERT_EQ(errors.size(), 1u) << r.err << r.out;
    EXPECT_NE(errors[0].find(c.key), std::string::npos) << errors[0];
    EXPECT_NE(errors[0].find(c.fragment), std::string::npos) << errors[0];
    EXPECT_EQ((r.err + r.out).find("listening on"), std::string::npos);
    for (auto* k : {&ferdie, &eve, &hot})
      EXPECT_EQ((r.err + r.out).find(k->uri), std::string::npos) << "a secret was printed";
  }
}

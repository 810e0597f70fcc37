// lstaked-chaos (issue #16): the whole product under faults, bounded in time.
// The built daemon, the local Kusama node and anvil with the real contracts;
// many users deposit (plain, batch_all, proxy), submit deposit ids, claim
// (some left to expire), mint, burn and are paid, in waves with random timing,
// while the daemon is killed -9 at random moments, the node answers errors
// (dev_fault), the daemon is SIGTERMed during payout batches, anvil reorgs
// above finality and the Kusama runtime is upgraded. At the end it checks from
// the chains (Balances.Transfer via @polkadot/api, Ethereum logs via cast) and
// the database: `lstaked audit` clean, every user's KSM accounted for, 0
// double payouts, 0 lost deposits, no claimId signed twice. Prints the figures
// and exits 1 if any is off, 2 if the run could not be set up or did not
// settle in time. Users' actions and the checks use polkadot-js and cast
// (tools/chaos/*.mjs), never the daemon's code. docs/chaos.md has the details.
#include "chain/common/bytes.hpp"
#include "chain/sig/keypair.hpp"
#include "chain/sig/ss58.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/daemon.hpp"
#include "tests/support/kusama_node.hpp"

#include <CLI/CLI.hpp>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

using namespace lstaked;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;
constexpr uint64_t ksm = 1'000'000'000'000ull;
// Well-known dev accounts: //Ferdie the deposit account, //Eve the stash,
// //Alice//stash the validator (tools/kusama-node's genesis).
// (The dev keys' addresses, as the payout fixture derives them.)
std::string ss58_of(const std::string& uri) {
  auto kp = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, uri);
  auto& a = kp->account();
  return *chain::sig::ss58_encode(chain::byte_view(a.data(), a.size()), 2);
}
const std::string ferdie_uri = "//Ferdie", eve_uri = "//Eve";
const std::string ferdie_ss58 = ss58_of(ferdie_uri), eve_ss58 = ss58_of(eve_uri),
                  alice_stash_ss58 = ss58_of("//Alice//stash");
const std::string claims_validity_blocks = "300";
const std::string proxy_uri_suffix = "//proxy";

struct options {
  int users = 1000;
  int kills = 20;
  int waves = 10;
  uint64_t seed = 16;
  int minutes = 20;
  bool disk_full = true; // needs root: the data directory on its own small tmpfs
  std::string keep_dir;
};

// One user's plan (drawn up front from the seed) and progress.
struct user {
  int index = 0;
  std::string uri, ss58, account; // account: 0x AccountId
  std::string eth;                // 0x address (lowercase)
  uint64_t deposit = 0;           // planck
  std::string kind;               // plain | batch | proxy
  bool submit_id = false;         // POST /v1/deposits with the extrinsic hash
  uint64_t claim = 0;             // planck to claim; 0: keeps it claimable
  bool mint = false;              // false: the claim is left to expire
  std::vector<uint64_t> burns;    // planck per burn, from what was minted
  int wave = 0;
  enum class step { waiting, deposited, claimed, minted, burned } at = step::waiting;
  int due = 0; // the round at which its next step may run
  std::string hash;
};

struct figures {
  int kills = 0, sigterms = 0, sigterms_in_batch = 0, node_faults = 0, eth_faults = 0, reorgs = 0, upgrades = 0,
      restarts = 0, claim_retries = 0, deposit_ids = 0, disk_full = 0, disk_full_exits = 0;
  std::map<std::string, int> fault_modes;
};

json last_json(const std::string& out) {
  auto s = out;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
    s.pop_back();
  auto nl = s.rfind('\n');
  return json::parse(nl == std::string::npos ? s : s.substr(nl + 1), nullptr, false);
}

void write_secret(const std::string& path, const std::string& text) {
  { std::ofstream{path} << text; }
  ::chmod(path.c_str(), 0600);
}

std::string ksm_text(uint64_t planck) {
  auto whole = std::to_string(planck / ksm);
  auto frac = std::to_string(planck % ksm);
  frac = std::string(12 - frac.size(), '0') + frac;
  while (!frac.empty() && frac.back() == '0')
    frac.pop_back();
  return frac.empty() ? whole : whole + "." + frac;
}

// uint256 hex word (with or without 0x, <= 64 digits) -> decimal string.
std::string hex_to_dec(std::string hex) {
  if (hex.rfind("0x", 0) == 0)
    hex = hex.substr(2);
  std::vector<int> digits{0}; // little-endian decimal
  for (char c : hex) {
    int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::tolower(c) - 'a' + 10;
    int carry = v;
    for (auto& d : digits) {
      int x = d * 16 + carry;
      d = x % 10;
      carry = x / 10;
    }
    while (carry) {
      digits.push_back(carry % 10);
      carry /= 10;
    }
  }
  std::string out;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it)
    out += static_cast<char>('0' + *it);
  auto nz = out.find_first_not_of('0');
  return nz == std::string::npos ? "0" : out.substr(nz);
}

// Decimal strings that fit: amounts here are < 2^64 planck (at most ~10^8 KSM).
uint64_t dec(const std::string& s) { return std::stoull(s); }

class driver {
public:
  explicit driver(const options& o) : opt_(o), rng_(o.seed) {}
  ~driver() {
    daemon_.reset(); // nothing may hold the data directory open
    unmount_data_dir();
  }

  int run() {
    try {
      auto code = run_all();
      keep();
      return code;
    } catch (...) {
      keep();
      throw;
    }
  }

private:
  void keep() {
    if (opt_.keep_dir.empty())
      return;
    std::error_code ec;
    std::filesystem::copy(dir_.path(), opt_.keep_dir, std::filesystem::copy_options::recursive, ec);
    std::cout << "run directory copied to " << opt_.keep_dir << (ec ? " (" + ec.message() + ")" : "") << "\n";
  }

  int run_all() {
    start_ = std::chrono::steady_clock::now();
    if (!set_up())
      return 2;
    plan_users();
    const int rounds = opt_.waves + 4; // the last users' claims and burns come a few rounds later
    // Kill slots: each round has `points` places where a fault may strike;
    // kills are spread over rounds and settlement so that the total is exact.
    for (int round = 0; round < rounds && !timed_out(); ++round) {
      say("round " + std::to_string(round));
      deposits(round);
      fault_point(round);
      ticks(2 + rng_() % 4);
      claims(round);
      fault_point(round);
      burns(round);
      fault_point(round);
      ticks(2 + rng_() % 3);
      if (round == rounds / 2)
        runtime_upgrade();
    }
    bool settled = settle();
    auto ok = check(settled);
    return !settled ? 2 : ok ? 0 : 1;
  }

  // ---------------------------------------------------------------- set-up
  bool set_up() {
    ::setenv("FOUNDRY_DISABLE_NIGHTLY_WARNING", "1", 1);
    // Blocks only when the driver says (--block-ms 0): waits are on chain state.
    // Eras of 10 blocks, an unbonding of 2 eras, so unbond/withdraw also happen.
    // An archive node: the checks read the events of every block of the run.
    node_ = std::make_unique<test::kusama_node>(
      dir_, std::vector<std::string>{"--block-ms", "0", "--finality-lag", "1", "--era-blocks", "10",
                                     "--bonding-duration", "2", "--state-pruning", "1000000"});
    if (!node_->ok()) {
      std::cerr << "the Kusama node did not start\n" << node_->log();
      return false;
    }
    anvil_ = std::make_unique<test::anvil_node>(dir_, 1); // finalized = latest - 2
    if (!anvil_->ok())
      return false;
    contracts_ = anvil_->deploy(test::anvil_address0);
    // The daemon reaches anvil through a fault-injecting proxy; users and checks go direct.
    eth_proxy_ = std::make_unique<test::background_process>(
      std::vector<std::string>{"/usr/bin/env", "node", repo + "/tools/chaos/eth_fault_proxy.mjs", anvil_->url},
      dir_.file("eth-proxy"));
    eth_proxy_port_ = eth_proxy_->wait_for_port("listening on", 60s);
    if (eth_proxy_port_ == 0) {
      std::cerr << "the Ethereum fault proxy did not start\n" << eth_proxy_->stderr_text();
      return false;
    }
    // 1 KSM on the deposit account, 10 on the stash (its fees once all else is
    // bonded), then blocks until that is final: the daemon reads final state,
    // and a stash bonded from a stale genesis balance would have no fee left.
    node_->rpc("dev_setBalance", {ferdie_ss58, std::to_string(ksm)});
    node_->rpc("dev_setBalance", {eve_ss58, std::to_string(10 * ksm)});
    node_->new_blocks(3);
    first_block_ = node_->best_number() + 1;
    mount_data_dir();
    config_ = write_config();
    daemon_ = std::make_unique<test::daemon>(dir_, config_);
    if (!start_daemon())
      return false;
    return true;
  }

  std::string write_config() {
    write_secret(dir_.file("deposit.key"), ferdie_uri + "\n");
    write_secret(dir_.file("eve.key"), eve_uri + "\n");
    write_secret(dir_.file("notary.key"), test::anvil_key0.substr(2) + "\n");
    auto path = dir_.file("lstaked.toml");
    std::ofstream cfg{path};
    // Rate limits raised: every user is the driver's 127.0.0.1. A small deposit
    // buffer so that most stake is bonded and payouts sometimes unbond first.
    cfg << "data_dir = \"" << dir_.file("data") << "\"\n"
        << "[http]\nlisten = \"127.0.0.1:0\"\nclaims_per_minute = 1000000\nclaims_burst = 1000000\n"
        << "deposits_per_minute = 1000000\ndeposits_burst = 1000000\n"
        << "[kusama]\nrpc_url = \"" << node_->url << "\"\ndeposit_address = \"" << ferdie_ss58
        << "\"\nstart_block = 1\npoll_interval_ms = 150\n"
        << "[staking]\ndeposit_key_file = \"" << dir_.file("deposit.key") << "\"\n"
        << "stashes = [\"" << eve_ss58 << "\"]\nstash_key_files = [\"" << dir_.file("eve.key")
        << "\"]\nvalidators = [\"" << alice_stash_ss58 << "\"]\npoll_interval_ms = 200\n"
        << "deposit_buffer = \"" << 2 * opt_.users << "\"\n"
        << "[payouts]\npoll_interval_ms = 200\nmax_batch_items = 40\n"
        << "[ethereum]\nrpc_url = \"http://127.0.0.1:" << eth_proxy_port_ << "\"\nchain_id = 31337\npool_address = \""
        << contracts_.pool << "\"\ntoken_address = \"" << contracts_.token
        << "\"\nstart_block = " << contracts_.block << "\npoll_interval_ms = 200\n"
        << "[claims]\nnotary_key_file = \"" << dir_.file("notary.key") << "\"\n"
        << "max_request_ttl_seconds = 4000000000\nvalidity_blocks = " << claims_validity_blocks << "\n";
    return path;
  }

  // The data directory on a tmpfs of its own, so that it can be filled up
  // without touching the machine's disk (root only; skipped otherwise).
  void mount_data_dir() {
    std::filesystem::create_directories(dir_.file("data"));
    if (!opt_.disk_full || ::geteuid() != 0)
      return;
    auto r = test::run_process({"/bin/mount", "-t", "tmpfs", "-o", "size=256m,mode=0700", "tmpfs", dir_.file("data")},
                               dir_.path());
    data_mounted_ = r.exit_code == 0;
    if (!data_mounted_)
      std::cerr << "no tmpfs for the data directory (" << r.err << "): no full-disk faults\n";
  }

  bool start_daemon() {
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (daemon_->start("lstaked-" + std::to_string(starts_++), 180s))
        return true;
      std::cerr << "the daemon did not start:\n" << tail(daemon_->last_log());
      daemon_->kill9();
    }
    return false;
  }

  void plan_users() {
    for (int i = 0; i < opt_.users; ++i) {
      user u;
      u.index = i;
      u.uri = "//chaos//" + std::to_string(opt_.seed) + "//" + std::to_string(i);
      char eth[43];
      std::snprintf(eth, sizeof eth, "0x%08llx%032x", static_cast<unsigned long long>(0xc4a05000 + opt_.seed % 0xfff),
                    i + 1);
      u.eth = eth;
      u.deposit = ksm + rng_() % (40 * ksm); // 1 .. 41 KSM, any planck
      auto roll = rng_() % 100;
      u.kind = roll < 70 ? "plain" : roll < 90 ? "batch" : "proxy";
      if (u.kind == "batch")
        u.deposit += ksm; // split in two transfers, each above the 1 KSM minimum
      u.submit_id = rng_() % 100 < 30;
      if (rng_() % 100 < 85) {
        u.claim = u.deposit / 2 + rng_() % (u.deposit / 2 + 1); // half .. all of it
        u.mint = rng_() % 100 < 90;
        if (u.mint && rng_() % 100 < 75) {
          // Burn all (40%), part (40%), or in two parts (20%).
          auto how = rng_() % 100;
          if (how < 40)
            u.burns = {u.claim};
          else if (how < 80)
            u.burns = {u.claim / 3 + rng_() % (u.claim / 2)};
          else
            u.burns = {u.claim / 3, u.claim / 4};
        }
      }
      u.wave = i * opt_.waves / opt_.users;
      users_.push_back(u);
    }
  }

  // ---------------------------------------------------------------- users
  void deposits(int round) {
    std::vector<user*> wave;
    for (auto& u : users_)
      if (u.at == user::step::waiting && u.wave == round)
        wave.push_back(&u);
    if (wave.empty())
      return;
    json list = json::array();
    for (auto* u : wave)
      list.push_back({{"uri", u->uri}, {"planck", std::to_string(u->deposit)}, {"kind", u->kind}});
    auto out = node_script({"deposit", node_->url, ferdie_ss58}, list, "deposits.json");
    for (size_t i = 0; i < wave.size() && i < out.size(); ++i) {
      auto& u = *wave[i];
      u.ss58 = out[i]["address"];
      u.account = out[i]["accountId"];
      u.hash = out[i]["hash"];
      u.at = user::step::deposited;
      u.due = round + 1 + static_cast<int>(rng_() % 2);
    }
    ticks(1);
    // Some users tell the API which extrinsic it was (the watcher finds it anyway).
    for (auto* u : wave)
      if (u->submit_id) {
        auto r = daemon_->post_deposit(u->hash);
        if (r.status == 200 || r.status == 202)
          ++figures_.deposit_ids;
      }
  }

  std::map<std::string, uint64_t> credited_by_account() {
    std::map<std::string, uint64_t> out;
    SQLite::Database db(dir_.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    db.setBusyTimeout(10000);
    SQLite::Statement q(db, "SELECT account, amount_planck FROM deposits WHERE status = 'CREDITED'");
    while (q.executeStep())
      out[q.getColumn(0).getString()] += dec(q.getColumn(1).getString());
    return out;
  }

  void claims(int round) {
    auto credited = credited_by_account();
    std::vector<user*> ready, done;
    for (auto& u : users_)
      if (u.at == user::step::deposited && u.due <= round && credited[u.account] >= u.deposit) {
        if (u.claim > 0)
          ready.push_back(&u);
        else
          u.at = user::step::burned; // keeps all of it claimable
      }
    if (ready.empty())
      return;
    json list = json::array();
    for (auto* u : ready)
      list.push_back({{"uri", u->uri}, {"ethAddress", u->eth}, {"amount", ksm_text(u->claim)},
                      {"nonce", "chaos-" + std::to_string(opt_.seed) + "-" + std::to_string(u->index)},
                      {"expiresAt", 4000000000ll}, {"chainId", 31337}});
    auto signed_requests = node_script({"sign"}, list, "claims.json");
    json mints = json::array();
    std::vector<user*> minting;
    for (size_t i = 0; i < ready.size(); ++i) {
      auto& u = *ready[i];
      // A kill -9 may strike between two requests: the driver then retries the
      // same signed request, which must return the same claim (docs/claims.md).
      if (rng_() % 100000 < static_cast<uint64_t>(100000ll * opt_.kills / std::max(1, opt_.users * 4)))
        kill9();
      auto reply = post_claim(signed_requests[i]["body"].dump());
      if (reply.status != 200) {
        std::cerr << "claim of user " << u.index << " refused: " << reply.raw << "\n";
        ++refused_claims_;
        u.at = user::step::burned;
        continue;
      }
      auto c = reply.body["claim"]["data"];
      record_claim(c);
      u.at = user::step::claimed;
      if (u.mint) {
        mints.push_back({{"claimId", c["claimId"]}, {"amountWei", std::to_string(u.claim) + "000000"},
                         {"claimBeforeBlock", std::to_string(c["claimBeforeBlock"].get<uint64_t>())},
                         {"account", u.eth}, {"signature", c["signature"]}});
        minting.push_back(&u);
      }
    }
    if (minting.empty())
      return;
    auto sent = node_script({"mint", anvil_->url, contracts_.pool, contracts_.token, test::anvil_address1},
                            mints, "mints.json", "eth_users.mjs");
    for (size_t i = 0; i < minting.size() && i < sent.size(); ++i) {
      if (!sent[i]["ok"].get<bool>()) {
        std::cerr << "mint of user " << minting[i]->index << " reverted: " << sent[i].dump() << "\n";
        ++failed_mints_;
        continue;
      }
      ++minted_;
      minting[i]->at = user::step::minted;
      minting[i]->due = round + 1 + static_cast<int>(rng_() % 3);
    }
  }

  test::http_reply post_claim(const std::string& body) {
    test::http_reply r;
    for (int attempt = 0; attempt < 120; ++attempt) {
      r = daemon_->post("/v1/claims", body);
      if (r.status != 0 && r.status != 503 && r.status != 429)
        return r;
      ++figures_.claim_retries;
      ticks(1);
    }
    return r;
  }

  // Every claim the API handed out, by claimId: the same id with other terms
  // would be a claimId signed twice.
  void record_claim(const json& c) {
    auto id = c["claimId"].get<std::string>();
    auto terms = c["nativeAmount"].get<std::string>() + " " + c["ethAddress"].get<std::string>() + " " +
                 std::to_string(c["claimBeforeBlock"].get<uint64_t>()) + " " + c["signature"].get<std::string>();
    auto [it, fresh] = claims_.emplace(id, terms);
    if (!fresh && it->second != terms)
      ++claims_signed_twice_;
  }

  void burns(int round) {
    json list = json::array();
    std::vector<user*> burning;
    for (auto& u : users_)
      if (u.at == user::step::minted && u.due <= round) {
        u.at = user::step::burned;
        for (auto planck : u.burns) {
          list.push_back({{"from", u.eth}, {"recipient", u.account}, {"amountWei", std::to_string(planck) + "000000"}});
          burning.push_back(&u);
        }
      }
    if (list.empty())
      return;
    auto sent = node_script({"burn", anvil_->url, contracts_.pool, contracts_.token}, list, "burns.json",
                            "eth_users.mjs");
    for (auto& s : sent)
      s["ok"].get<bool>() ? ++burns_sent_ : ++failed_burns_;
  }

  // ---------------------------------------------------------------- faults
  // One place in a round where a fault may strike (seeded choice).
  void fault_point(int round) {
    const int points = (opt_.waves + 4) * 3;
    auto roll = rng_() % 1000;
    // Kills: spread evenly, about 70% of them in the rounds, the rest while settling.
    if (figures_.kills < opt_.kills * 7 / 10 &&
        roll < static_cast<uint64_t>(1000 * opt_.kills * 7 / 10 / points + 1))
      kill9();
    else if (roll < 520)
      node_fault();
    else if (roll < 600)
      eth_fault();
    else if (roll < 750)
      eth_reorg();
    else if (roll < 850)
      sigterm();
    else if (roll < 920)
      disk_full();
    (void)round;
  }

  void kill9() {
    if (figures_.kills >= opt_.kills)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(rng_() % 600)); // a random moment of its work
    daemon_->kill9();
    ++figures_.kills;
    restart();
  }

  void restart() {
    if (!start_daemon()) {
      throw std::runtime_error("the daemon did not come back after a restart");
    }
    ++figures_.restarts;
  }

  // SIGTERM; counted as "in a batch" when a payout extrinsic was between intent
  // and finality at that moment. It must exit 0, promptly.
  void sigterm() {
    // Aim at a batch: a payout stays SUBMITTED until the next block, so wait
    // (without producing blocks) up to 3 s for one to be in flight.
    bool in_batch = false;
    for (int i = 0; i < 60 && !in_batch; ++i) {
      in_batch = count("SELECT COUNT(*) FROM outbox WHERE purpose = 'payout' AND status IN "
                       "('INTENT', 'SUBMITTED', 'IN_BLOCK')") > 0;
      if (!in_batch)
        std::this_thread::sleep_for(50ms);
    }
    auto code = daemon_->stop(60s);
    ++figures_.sigterms;
    if (in_batch)
      ++figures_.sigterms_in_batch;
    if (code != 0) {
      std::cerr << "SIGTERM: the daemon exited " << (code ? std::to_string(*code) : "late") << "\n"
                << tail(daemon_->last_log());
      ++bad_exits_;
      if (!code)
        daemon_->kill9();
    }
    restart();
  }

  void node_fault() {
    static const std::vector<json> faults{
      {{"mode", "error"}},
      {{"mode", "drop"}, {"methods", {"author_submitExtrinsic"}}},
      {{"mode", "http500"}},
      {{"mode", "slow"}, {"delayMs", 1200}},
      {{"mode", "error"}, {"methods", {"author_submitExtrinsic", "chain_getFinalizedHead"}}},
      {{"mode", "drop"}},
      {{"mode", "http500"}, {"methods", {"state_getStorage", "chain_getBlock"}}},
    };
    auto f = faults[rng_() % faults.size()];
    f["durationMs"] = 20000; // cleared below; the duration only guards against a stuck driver
    node_->rpc("dev_fault", json::array({f}));
    ++figures_.node_faults;
    ++figures_.fault_modes["kusama " + f["mode"].get<std::string>() + (f.contains("methods") ? " (some methods)" : "")];
    for (int i = 0, n = 2 + static_cast<int>(rng_() % 3); i < n; ++i) {
      node_->new_blocks(1);
      std::this_thread::sleep_for(400ms);
    }
    node_->rpc("dev_fault", json::array({json{{"mode", "none"}}}));
  }

  // The same faults on the daemon's Ethereum RPC (tools/chaos/eth_fault_proxy.mjs).
  void eth_fault() {
    static const std::vector<json> faults{
      {{"mode", "error"}},
      {{"mode", "http500"}},
      {{"mode", "drop"}},
      {{"mode", "slow"}, {"delayMs", 1200}},
      {{"mode", "error"}, {"methods", {"eth_getLogs"}}},
      {{"mode", "drop"}, {"methods", {"eth_getBlockByNumber", "eth_sendRawTransaction"}}},
    };
    auto f = faults[rng_() % faults.size()];
    f["durationMs"] = 20000;
    test::http_request(eth_proxy_port_, "POST", "/__fault", f.dump());
    ++figures_.eth_faults;
    ++figures_.fault_modes["eth " + f["mode"].get<std::string>() + (f.contains("methods") ? " (some methods)" : "")];
    ticks(2 + static_cast<int>(rng_() % 3));
    test::http_request(eth_proxy_port_, "POST", "/__fault", json{{"mode", "none"}}.dump());
  }

  // The data directory's file system full for a few blocks (a filler file
  // takes every free byte), then freed. The daemon may refuse work or exit
  // with an error meanwhile, but must not corrupt its database: it is
  // restarted if it exited, and the final checks (and `lstaked audit`, and
  // the start-up integrity_check) say whether anything was lost.
  void disk_full() {
    if (!data_mounted_)
      return;
    auto filler = dir_.file("data") + "/chaos-filler";
    int fd = ::open(filler.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
    if (fd < 0)
      return;
    std::vector<char> block(1 << 20, 0);
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    std::vector<char> small(4096, 0);
    while (::write(fd, small.data(), small.size()) > 0) {
    }
    ::close(fd);
    ++figures_.disk_full;
    ticks(3 + static_cast<int>(rng_() % 3));
    std::filesystem::remove(filler);
    if (auto code = daemon_->process()->wait(0ms)) {
      ++figures_.disk_full_exits;
      std::cerr << "the daemon exited (" << *code << ") on a full disk:\n" << tail(daemon_->last_log());
      restart();
    }
  }

  void unmount_data_dir() {
    if (data_mounted_)
      test::run_process({"/bin/umount", "-l", dir_.file("data")}, "/tmp");
    data_mounted_ = false;
  }

  // An empty block mined and replaced (depth 1, above finality = latest - 2):
  // the watcher sees a new hash at a height it may already have read.
  void eth_reorg() {
    anvil_->mine(1);
    anvil_->rpc("anvil_reorg", json::array({1, json::array()}));
    ++figures_.reorgs;
  }

  void runtime_upgrade() {
    node_->rpc("dev_runtimeUpgrade");
    ++figures_.upgrades;
  }

  // ---------------------------------------------------------------- time
  void ticks(int n) {
    for (int i = 0; i < n; ++i) {
      node_->new_blocks(1);
      anvil_->mine(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng_() % 200));
    }
  }

  bool timed_out() const {
    return std::chrono::steady_clock::now() - start_ > std::chrono::minutes(opt_.minutes);
  }

  // Every burn paid or held and every unminted claim expired; the kills left
  // are spent here, while payouts are in flight.
  bool settle() {
    say("settling");
    // Claims left to expire: past claimBeforeBlock, then finalized.
    anvil_->mine(std::stoull(claims_validity_blocks) + 5);
    auto settled = [&] {
      return count("SELECT COUNT(*) FROM unstake_requests WHERE status IN ('PAID', 'HELD')") == burns_sent_ &&
             count("SELECT COUNT(*) FROM claims WHERE status = 'ACTIVE'") == 0 &&
             count("SELECT COUNT(*) FROM outbox WHERE purpose = 'payout' AND "
                   "status NOT IN ('FINALIZED', 'EXPIRED', 'REPLACED')") == 0;
    };
    int step = 0;
    while (!timed_out()) {
      if (settled()) {
        if (figures_.kills >= opt_.kills)
          break;
        // Spend the remaining kills even when all is paid: a restart must not
        // pay again. Burns already sent keep the queue busy most of the time.
      }
      ticks(1 + rng_() % 3);
      if (figures_.kills < opt_.kills && (step % 2 == 0))
        kill9();
      else if (step % 7 == 3)
        sigterm();
      else if (step % 11 == 5)
        node_fault();
      else if (step % 11 == 9)
        eth_fault();
      else if (step % 13 == 11)
        disk_full();
      ++step;
    }
    ticks(4);
    if (!settled()) {
      std::cerr << "NOT SETTLED within " << opt_.minutes << " minutes: "
                << count("SELECT COUNT(*) FROM unstake_requests WHERE status IN ('PAID', 'HELD')") << " of "
                << burns_sent_ << " burns settled, " << count("SELECT COUNT(*) FROM claims WHERE status = 'ACTIVE'")
                << " claims active\n"
                << tail(daemon_->last_log());
      return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- checks
  bool check(bool settled) {
    bool ok = settled;
    auto fail = [&](const std::string& what) {
      std::cerr << "FAIL: " << what << "\n";
      ok = false;
    };
    // The API while it runs: each user's claimable and what is in flight.
    std::map<std::string, json> summary;
    for (auto& u : users_)
      if (!u.ss58.empty()) {
        test::http_reply r;
        for (int i = 0; i < 20 && r.status != 200; ++i)
          r = daemon_->get("/v1/accounts/" + u.ss58);
        summary[u.account] = r.body;
      }
    auto code = daemon_->stop(60s);
    if (code != 0)
      fail("the daemon did not exit 0 on SIGTERM at the end");

    // Kusama, from the chain (@polkadot/api): transfers to and from the deposit account.
    auto last = node_->finalized_number();
    auto chain = node_script({"transfers", node_->url, ferdie_ss58, std::to_string(first_block_), std::to_string(last)},
                             json(), "", "kusama_users.mjs", false)["transfers"];
    std::map<std::string, const user*> by_account;
    for (auto& u : users_)
      if (!u.account.empty())
        by_account[u.account] = &u;
    std::string deposit_hex, eve_hex = "";
    std::map<std::string, uint64_t> deposited, paid;            // by user account
    std::map<std::pair<std::string, uint64_t>, int> payouts;    // (recipient, planck) -> transfers
    uint64_t deposits_on_chain = 0, payouts_on_chain = 0, other_out = 0;
    std::vector<json> user_deposits;
    for (auto& t : chain) {
      auto from = t["from"].get<std::string>(), to = t["to"].get<std::string>();
      auto amount = dec(t["amount"].get<std::string>());
      if (by_account.count(from)) {
        deposited[from] += amount;
        ++deposits_on_chain;
        user_deposits.push_back(t);
      } else if (by_account.count(to)) {
        paid[to] += amount;
        ++payouts[{to, amount}];
        ++payouts_on_chain;
      } else {
        ++other_out; // the bond manager's sweeps to the stash, and their way back
      }
    }
    // Lost deposits: a user's transfer on chain with no CREDITED row for that event.
    SQLite::Database db(dir_.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    db.setBusyTimeout(10000);
    int lost = 0, phantom = 0;
    {
      std::set<std::string> credited, on_chain;
      SQLite::Statement q(db, "SELECT block_hash, event_index, amount_planck FROM deposits WHERE status = 'CREDITED'");
      while (q.executeStep())
        credited.insert(q.getColumn(0).getString() + "/" + q.getColumn(1).getString() + "/" +
                        q.getColumn(2).getString());
      for (auto& t : user_deposits) {
        auto key = t["blockHash"].get<std::string>() + "/" + std::to_string(t["event"].get<int>()) + "/" +
                   t["amount"].get<std::string>();
        on_chain.insert(key);
        if (!credited.count(key))
          ++lost;
      }
      // Phantom: credited shares with no user's transfer behind them (e.g. the
      // pool's own stash sweeping KSM back, credited as its deposit).
      for (auto& key : credited)
        if (!on_chain.count(key))
          ++phantom;
    }
    // Ethereum, from the logs (cast): burns and mints.
    auto burned_logs = cast_logs("TokensBurned(address indexed account,address indexed bond,uint256 amount,"
                                 "uint256 shares,bytes32 recipient,uint256 indexed requestId)");
    auto claimed_logs =
      cast_logs("BondsClaimed(uint256 indexed claimId,address indexed account,address indexed bond,uint256 amount,"
                "uint256 shares)");
    std::map<std::pair<std::string, uint64_t>, int> requested; // (recipient, planck) -> burns
    uint64_t burned_planck = 0;
    for (auto& l : burned_logs) {
      auto data = l["data"].get<std::string>().substr(2);
      auto amount_wei = hex_to_dec(data.substr(0, 64));
      auto planck = amount_wei.size() > 6 ? dec(amount_wei.substr(0, amount_wei.size() - 6)) : 0;
      ++requested[{"0x" + data.substr(128, 64), planck}];
      burned_planck += planck;
    }
    int doubled = 0, unpaid = 0, unrequested = 0;
    for (auto& [k, n] : payouts) {
      auto want = requested.count(k) ? requested[k] : 0;
      if (want == 0)
        unrequested += n;
      else if (n > want)
        doubled += n - want;
    }
    for (auto& [k, n] : requested) {
      auto got = payouts.count(k) ? payouts[k] : 0;
      if (got < n)
        unpaid += n - got;
    }
    std::map<std::string, int> claimed_on_chain;
    for (auto& l : claimed_logs)
      ++claimed_on_chain[hex_to_dec(l["topics"][1].get<std::string>())];
    int chain_claim_twice = 0, chain_claim_unknown = 0;
    std::set<std::string> issued;
    for (auto& [id, terms] : claims_)
      issued.insert(hex_to_dec(id));
    for (auto& [id, n] : claimed_on_chain) {
      chain_claim_twice += n > 1 ? n - 1 : 0;
      chain_claim_unknown += issued.count(id) ? 0 : 1;
    }
    int db_claims = static_cast<int>(count("SELECT COUNT(*) FROM claims"));
    // Every user's KSM: deposited = paid + aKSMb at the ratio + claimable + in flight.
    json addresses = json::array();
    for (auto& u : users_)
      if (!u.account.empty())
        addresses.push_back(u.eth);
    auto eth = node_script({"balances", anvil_->url, contracts_.token}, addresses, "addresses.json", "eth_users.mjs");
    auto ratio = eth["ratio"].get<std::string>();
    int unaccounted = 0;
    uint64_t total_deposited = 0, total_paid = 0, total_held = 0, total_claimable = 0, total_in_flight = 0;
    __int128 surplus = 0;
    for (auto& u : users_) {
      if (u.account.empty())
        continue;
      auto& s = summary[u.account];
      auto amount = [&](const char* field) {
        return s.contains(field) ? dec(s[field]["nativeAmount"].get<std::string>()) : 0;
      };
      auto wei = eth["balances"][u.eth].get<std::string>();
      uint64_t held = wei.size() > 6 ? dec(wei.substr(0, wei.size() - 6)) : 0;
      uint64_t claimable = amount("claimable"), in_flight = amount("inActiveClaims") + amount("pendingUnstake");
      if (!s.contains("claimable"))
        fail("no account summary for user " + std::to_string(u.index));
      __int128 have = static_cast<__int128>(paid[u.account]) + held + claimable + in_flight;
      __int128 diff = have - static_cast<__int128>(deposited[u.account]);
      // At ratio 1e18 (no reward published) it must be exact; after a
      // publication rewards only add, by at most a rounding planck per part.
      if (ratio == "1000000000000000000" ? diff != 0 : diff < -3) {
        if (unaccounted++ < 10)
          std::cerr << "user " << u.index << " " << u.ss58 << ": deposited " << deposited[u.account] << ", paid "
                    << paid[u.account] << ", aKSMb " << held << ", claimable " << claimable << ", in flight "
                    << in_flight << "\n";
      }
      surplus += diff;
      total_deposited += deposited[u.account];
      total_paid += paid[u.account];
      total_held += held;
      total_claimable += claimable;
      total_in_flight += in_flight;
    }
    // `lstaked audit`, on the stopped daemon's database and both chains.
    auto audit = daemon_->cli({"audit"});
    std::cout << "---- lstaked audit (exit " << audit.exit_code << ") ----\n" << audit.out;

    int users_with_deposit = static_cast<int>(deposited.size());
    std::cout << "---- chaos figures (seed " << opt_.seed << ") ----\n"
              << "users: " << opt_.users << " planned, " << users_with_deposit << " deposited on chain\n"
              << "deposits: " << deposits_on_chain << " transfers on chain (" << figures_.deposit_ids
              << " ids submitted), lost: " << lost << ", credited without a user's transfer: " << phantom << "\n"
              << "claims: " << claims_.size() << " signed (" << db_claims << " in the database), " << minted_
              << " minted (" << claimed_on_chain.size() << " BondsClaimed on chain), "
              << count("SELECT COUNT(*) FROM claims WHERE status = 'EXPIRED'") << " expired, " << refused_claims_
              << " refused, " << failed_mints_ << " mints reverted; claimIds signed twice: " << claims_signed_twice_
              << " (API), " << chain_claim_twice << " (chain), unknown on chain: " << chain_claim_unknown << "\n"
              << "burns: " << burned_logs.size() << " TokensBurned on chain (" << burns_sent_ << " sent, "
              << failed_burns_ << " reverted), " << burned_planck << " planck\n"
              << "payouts: " << payouts_on_chain << " transfers on chain; double: " << doubled
              << ", unpaid: " << unpaid << ", unrequested: " << unrequested << "; other pool transfers: " << other_out
              << "\n"
              << "faults: " << figures_.kills << " kill -9, " << figures_.sigterms << " SIGTERM ("
              << figures_.sigterms_in_batch << " during a payout batch), " << figures_.node_faults
              << " Kusama node faults, " << figures_.eth_faults << " Ethereum RPC faults, " << figures_.reorgs << " anvil reorgs, " << figures_.upgrades
              << " runtime upgrades, " << figures_.disk_full << " full disks (" << figures_.disk_full_exits
              << " daemon exits), " << figures_.restarts << " restarts, " << figures_.claim_retries
              << " claim retries\n";
    for (auto& [mode, n] : figures_.fault_modes)
      std::cout << "  fault " << mode << ": " << n << "\n";
    std::cout << "totals (planck): deposited " << total_deposited << ", paid " << total_paid << ", aKSMb "
              << total_held << ", claimable " << total_claimable << ", in flight " << total_in_flight
              << ", surplus " << static_cast<int64_t>(surplus) << " (ratio " << ratio << ")\n"
              << "users not accounted for: " << unaccounted << "\n"
              << "time: "
              << std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_).count()
              << " s\n";

    if (audit.exit_code != 0)
      fail("lstaked audit exit " + std::to_string(audit.exit_code));
    if (lost)
      fail(std::to_string(lost) + " lost deposits");
    if (phantom)
      fail(std::to_string(phantom) + " deposits credited without a user's transfer");
    if (doubled || unrequested)
      fail(std::to_string(doubled) + " double payouts, " + std::to_string(unrequested) + " unrequested");
    if (unpaid && settled)
      fail(std::to_string(unpaid) + " burns not paid");
    if (claims_signed_twice_ || chain_claim_twice || chain_claim_unknown)
      fail("a claimId signed or used twice");
    if (unaccounted)
      fail(std::to_string(unaccounted) + " users not accounted for");
    if (bad_exits_)
      fail(std::to_string(bad_exits_) + " SIGTERMs without a clean exit");
    if (refused_claims_ || failed_mints_ || failed_burns_)
      fail("users' actions failed (refused claims, reverted mints or burns)");
    if (users_with_deposit != opt_.users)
      fail("not every user deposited");
    std::cout << (ok ? "CHAOS OK" : "CHAOS FAILED") << "\n";
    return ok;
  }

  json cast_logs(const std::string& event) {
    auto out = anvil_->cast({"logs", "--rpc-url", anvil_->url, "--json", "--from-block",
                             std::to_string(contracts_.block), "--to-block", "finalized", "--address",
                             contracts_.pool, event});
    return json::parse(out);
  }

  // ---------------------------------------------------------------- helpers
  json node_script(std::vector<std::string> args, const json& input, const std::string& file,
                   const std::string& script = "kusama_users.mjs", bool with_file = true) {
    std::vector<std::string> argv{"/usr/bin/env", "node", repo + "/tools/chaos/" + script};
    argv.insert(argv.end(), args.begin(), args.end());
    if (with_file && !file.empty()) {
      { std::ofstream{dir_.file(file)} << input.dump(); }
      argv.push_back(dir_.file(file));
    }
    auto r = test::run_process(argv, dir_.path(), 900s);
    auto out = last_json(r.out);
    if (r.exit_code != 0 || out.is_discarded()) {
      throw std::runtime_error(script + " " + (args.empty() ? "" : args[0]) + " failed (exit " +
                               std::to_string(r.exit_code) + "):\n" + r.err);
    }
    return out;
  }

  int64_t count(const std::string& sql) {
    SQLite::Database db(dir_.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
    db.setBusyTimeout(10000);
    return db.execAndGet(sql).getInt64();
  }

  static std::string tail(const std::string& log) {
    return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
  }

  void say(const std::string& what) {
    auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_).count();
    std::cout << "[" << s << " s] " << what << " (kills " << figures_.kills << ")" << std::endl;
  }

  options opt_;
  std::mt19937_64 rng_;
  std::chrono::steady_clock::time_point start_;
  test::temp_dir dir_;
  std::unique_ptr<test::kusama_node> node_;
  std::unique_ptr<test::anvil_node> anvil_;
  std::unique_ptr<test::background_process> eth_proxy_;
  int eth_proxy_port_ = 0;
  bool data_mounted_ = false;
  test::deployment contracts_;
  std::unique_ptr<test::daemon> daemon_;
  std::string config_;
  uint64_t first_block_ = 1;
  int starts_ = 0;
  std::vector<user> users_;
  figures figures_;
  std::map<std::string, std::string> claims_; // claimId -> terms
  int claims_signed_twice_ = 0, refused_claims_ = 0, failed_mints_ = 0, failed_burns_ = 0, minted_ = 0,
      bad_exits_ = 0;
  int64_t burns_sent_ = 0;
};

} // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App app{"lstaked chaos driver: the whole flow under faults (docs/chaos.md)"};
  bool short_form = false;
  app.add_flag("--short", short_form, "the CI form (CTest chaos_short): the defaults below");
  app.add_option("--users", o.users, "users going through the flow")->capture_default_str();
  app.add_option("--kills", o.kills, "kill -9s of the daemon")->capture_default_str();
  app.add_option("--waves", o.waves, "rounds in which new users deposit")->capture_default_str();
  app.add_option("--seed", o.seed, "RNG seed: every choice of the driver derives from it")->capture_default_str();
  app.add_option("--minutes", o.minutes, "time bound; not settled by then: exit 2")->capture_default_str();
  app.add_flag("!--no-disk-full", o.disk_full, "no full-disk faults (they need root for a tmpfs)");
  app.add_option("--keep", o.keep_dir, "copy the run's directory (logs, database) here at the end");
  CLI11_PARSE(app, argc, argv);
  if (argc == 1) {
    std::cout << app.help();
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return driver(o).run();
  } catch (const std::exception& e) { // children are killed as the driver unwinds
    std::cerr << "chaos: " << e.what() << "\n";
    return 2;
  }
}

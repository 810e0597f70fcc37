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
#include <algorithm>
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
      restarts = 0, claim_retries = 0, deposit_ids = 0, disk_full = 0, disk_full_exits = 0, time_steps = 0,
      reorgs_dropping = 0, burns_dropped = 0, burns_resent = 0, burns_left_dropped = 0, mints_dropped = 0,
      mints_resent = 0, mints_left_dropped = 0;
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

// Shares, wei and ratios: up to 2^128. A user's amounts are < 2^66 wei and
// ratios <= 1e18 < 2^60, so every product below fits; one that would not
// throws (the run then exits 2) rather than wrap.
using u128 = unsigned __int128;

u128 u128_of(const std::string& s) {
  if (s.empty())
    throw std::runtime_error("not a number: ''");
  u128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9' || __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v))
      throw std::runtime_error("not a 128-bit number: " + s);
  }
  return v;
}

std::string dec_of(u128 v) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  } while (v);
  return out;
}

// a·b/c rounded down, or up.
u128 mul_div(u128 a, u128 b, u128 c, bool up) {
  u128 p;
  if (__builtin_mul_overflow(a, b, &p) || c == 0)
    throw std::runtime_error("mul_div out of range: " + dec_of(a) + " * " + dec_of(b) + " / " + dec_of(c));
  return p / c + (up && p % c ? 1 : 0);
}

// (block number, log index) of a log from `cast logs --json` (hex or number).
std::pair<uint64_t, uint64_t> log_position(const json& l) {
  auto n = [](const json& v) -> uint64_t {
    return v.is_number() ? v.get<uint64_t>() : std::stoull(hex_to_dec(v.get<std::string>()));
  };
  return {n(l["blockNumber"]), n(l["logIndex"])};
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
    plan_faults(rounds * 3);
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
    // Rewards of 200% a year (of the node's 6 s slots), so that a run of
    // minutes earns enough for the ratio to move by more than rounding.
    // An archive node: the checks read the events of every block of the run.
    node_ = std::make_unique<test::kusama_node>(
      dir_, std::vector<std::string>{"--block-ms", "0", "--finality-lag", "1", "--era-blocks", "10",
                                     "--bonding-duration", "2", "--annual-reward-bps", "20000",
                                     "--state-pruning", "1000000"});
    if (!node_->ok()) {
      std::cerr << "the Kusama node did not start\n" << node_->log();
      return false;
    }
    anvil_ = std::make_unique<test::anvil_node>(dir_, 1); // finalized = latest - 2
    if (!anvil_->ok())
      return false;
    contracts_ = anvil_->deploy(test::anvil_address0);
    // The admin (anvil's account 0, also the operator that publishes ratios)
    // allows hourly updates of up to 100% a year (the contract's floor and
    // ceiling); advance_eth_clock makes the hours pass.
    anvil_->cast({"send", "--rpc-url", anvil_->url, "--private-key", test::anvil_key0, contracts_.token,
                  "setRatioBounds(uint256,uint256,uint256)", "3600", "10000", "2000"});
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
        << "operator_key_file = \"" << dir_.file("notary.key") << "\"\n"
        << "[ratio]\nfee_bps = 200\ninterval_seconds = 60\npoll_interval_ms = 200\n"
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
    // A reorg may drop the newest mints: half of them are sent again (the
    // claim is still valid: it must mint once), the others are left to
    // expire (the amount must come back to claimable).
    auto dropped = reorg_drop(sent, round, "mint");
    json again = json::array();
    std::vector<user*> again_users;
    for (size_t i = 0; i < minting.size() && i < sent.size(); ++i) {
      if (!sent[i]["ok"].get<bool>()) {
        std::cerr << "mint of user " << minting[i]->index << " reverted: " << sent[i].dump() << "\n";
        ++failed_mints_;
        continue;
      }
      if (dropped[i]) {
        if (rng_() % 2) {
          again.push_back(mints[i]);
          again_users.push_back(minting[i]);
        } else {
          ++figures_.mints_left_dropped; // stays `claimed`: expires, no burn
        }
        continue;
      }
      ++minted_;
      minting[i]->at = user::step::minted;
      minting[i]->due = round + 1 + static_cast<int>(rng_() % 3);
    }
    if (again.empty())
      return;
    auto resent = node_script({"mint", anvil_->url, contracts_.pool, contracts_.token, test::anvil_address1}, again,
                              "mints.json", "eth_users.mjs");
    for (size_t i = 0; i < again_users.size() && i < resent.size(); ++i) {
      ++figures_.mints_resent;
      if (!resent[i]["ok"].get<bool>()) {
        std::cerr << "mint of user " << again_users[i]->index << " sent again reverted: " << resent[i].dump() << "\n";
        ++failed_mints_;
        continue;
      }
      ++minted_;
      again_users[i]->at = user::step::minted;
      again_users[i]->due = round + 1 + static_cast<int>(rng_() % 3);
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
    std::vector<user*> due;
    json addresses = json::array();
    for (auto& u : users_)
      if (u.at == user::step::minted && u.due <= round) {
        due.push_back(&u);
        addresses.push_back(u.eth);
      }
    if (due.empty())
      return;
    // What each holds now: minted at a ratio below 1e18, C planck are worth
    // floor(floor(C·1e6·r/1e18)·1e18/r) wei, which can be a wei under C·1e6.
    // A user burns at most its whole planck (a wallet's "max" button).
    auto held = node_script({"balances", anvil_->url, contracts_.token}, addresses, "addresses.json",
                            "eth_users.mjs")["balances"];
    for (auto* u : due) {
      u->at = user::step::burned;
      auto wei = held[u->eth].get<std::string>();
      uint64_t left = wei.size() > 6 ? dec(wei.substr(0, wei.size() - 6)) : 0;
      for (auto planck : u->burns) {
        planck = std::min(planck, left);
        left -= planck;
        if (planck > 0)
          list.push_back({{"from", u->eth}, {"recipient", u->account}, {"amountWei", std::to_string(planck) + "000000"}});
      }
    }
    if (list.empty())
      return;
    auto sent = node_script({"burn", anvil_->url, contracts_.pool, contracts_.token}, list, "burns.json",
                            "eth_users.mjs");
    for (auto& s : sent)
      if (!s.value("skipped", false))
        s["ok"].get<bool>() ? ++burns_sent_ : ++failed_burns_;
    // A reorg may drop the newest burns; half of them are sent again (one
    // burn re-mined: it must be paid, once), the others stay dropped (never
    // on chain: they must never be paid, the user keeps the aKSMb).
    auto dropped = reorg_drop(sent, round, "burn");
    json again = json::array();
    for (size_t i = 0; i < dropped.size(); ++i)
      if (dropped[i]) {
        --burns_sent_;
        if (rng_() % 2)
          again.push_back(list[i]);
        else
          ++figures_.burns_left_dropped;
      }
    if (!again.empty())
      for (auto& s : node_script({"burn", anvil_->url, contracts_.pool, contracts_.token}, again, "burns.json",
                                 "eth_users.mjs")) {
        if (s.value("skipped", false))
          continue;
        s["ok"].get<bool>() ? ++burns_sent_ : ++failed_burns_;
        ++figures_.burns_resent;
      }
  }

  // Anvil reorgs that drop users' transactions: with a seeded chance per
  // batch (and surely once in the first half of the run when none has been
  // dropped yet), the newest 1–2 blocks, which hold the batch's last
  // transactions and are above finality (finalized = latest - 2), are
  // replaced by empty blocks (anvil_reorg with no transactions). Returns, per
  // entry of `sent`, whether it was dropped; a dropped transaction must have
  // no receipt afterwards (anvil does not put it back in its pool).
  std::vector<bool> reorg_drop(const json& sent, int round, const std::string& what) {
    std::vector<bool> dropped(sent.size(), false);
    auto& done = what == "burn" ? figures_.burns_dropped : figures_.mints_dropped;
    if (sent.empty() || !(rng_() % 100 < 20 || (done == 0 && round >= opt_.waves / 2)))
      return dropped;
    const uint64_t depth = 1 + rng_() % 2;
    auto latest = std::stoull(hex_to_dec(anvil_->rpc("eth_blockNumber").get<std::string>()));
    int n = 0;
    for (size_t i = 0; i < sent.size(); ++i)
      if (sent[i]["ok"].get<bool>() && sent[i]["block"].get<int64_t>() > static_cast<int64_t>(latest - depth))
        dropped[i] = true, ++n;
    if (n == 0)
      return dropped;
    anvil_->rpc("anvil_reorg", json::array({depth, json::array()}));
    ++figures_.reorgs_dropping;
    for (size_t i = 0; i < sent.size(); ++i)
      if (dropped[i]) {
        auto receipt = anvil_->rpc("eth_getTransactionReceipt", json::array({sent[i]["hash"]}));
        if (!receipt.is_null())
          throw std::runtime_error("a " + what + " dropped by anvil_reorg is still mined: " + sent[i].dump());
        ++done;
      }
    return dropped;
  }

  // ---------------------------------------------------------------- faults
  enum class fault { none, node, eth, reorg, sigterm, disk };

  // Which fault strikes at each of the rounds' fault points, drawn up front
  // from the seed. Every kind is reserved `least_of_each` points first (so a
  // long run's many kills cannot crowd any kind out), the other points are
  // drawn with the old weights; kill -9s come on top of these faults: about
  // 70% of them spread evenly over the points (several at one point when
  // there are more kills than points), the rest while the payouts settle.
  void plan_faults(int points) {
    const int least_of_each = 3;
    std::vector<fault> s;
    for (auto k : {fault::node, fault::eth, fault::reorg, fault::sigterm, fault::disk})
      for (int i = 0; i < least_of_each; ++i)
        s.push_back(k);
    while (static_cast<int>(s.size()) < points) {
      auto roll = rng_() % 1000;
      s.push_back(roll < 520 ? fault::node : roll < 600 ? fault::eth : roll < 750 ? fault::reorg
                  : roll < 850 ? fault::sigterm : roll < 920 ? fault::disk : fault::none);
    }
    std::shuffle(s.begin(), s.end(), rng_);
    schedule_ = s;
    kills_at_.assign(s.size(), 0);
    const int in_rounds = opt_.kills * 7 / 10;
    const auto offset = rng_() % s.size();
    for (int i = 0; i < in_rounds; ++i)
      ++kills_at_[(offset + static_cast<size_t>(i) * s.size() / std::max(1, in_rounds)) % s.size()];
  }

  // One place in a round where faults strike (the plan above).
  void fault_point(int round) {
    if (point_ >= schedule_.size())
      return;
    for (int k = 0; k < kills_at_[point_]; ++k) {
      if (k > 0)
        ticks(1); // the restarted daemon works a little before the next kill
      kill9();
    }
    switch (schedule_[point_++]) {
    case fault::node: node_fault(); break;
    case fault::eth: eth_fault(); break;
    case fault::reorg: eth_reorg(); break;
    case fault::sigterm: sigterm(); break;
    case fault::disk: disk_full(); break;
    case fault::none: break;
    }
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
      advance_eth_clock();
      anvil_->mine(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng_() % 200));
    }
  }

  // aKSMb accepts a ratio update an hour (of block time) after the last one;
  // the daemon calculates every minute (ratio.interval_seconds = 60). So that
  // several ratios are published in a run of minutes, anvil's clock jumps an
  // hour every 20 s of the run (and the Kusama node's eras pay rewards as
  // blocks are made), until the figures are read.
  void advance_eth_clock() {
    auto now = std::chrono::steady_clock::now();
    if (!advance_time_ || now - last_time_step_ < 20s)
      return;
    anvil_->rpc("evm_increaseTime", json::array({3600}));
    last_time_step_ = now;
    ++figures_.time_steps;
  }

  std::string token_call(const std::string& sig, const std::vector<std::string>& args = {}) {
    std::vector<std::string> argv{"call", "--rpc-url", anvil_->url, contracts_.token, sig};
    argv.insert(argv.end(), args.begin(), args.end());
    auto out = anvil_->cast(argv);
    return out.substr(0, out.find(' '));
  }

  // No ratio update in flight, the ledger's ratio is aKSMb's, and aKSMb would
  // refuse another update now.
  bool ratio_quiet() {
    if (count("SELECT COUNT(*) FROM ratio_calculations WHERE status = 'PUBLISHING'") > 0)
      return false;
    std::string ledger_ratio = "1000000000000000000";
    {
      SQLite::Database db(dir_.file("data") + "/lstaked.sqlite", SQLite::OPEN_READONLY);
      db.setBusyTimeout(10000);
      SQLite::Statement q(db, "SELECT ratio FROM ratio_history ORDER BY id DESC LIMIT 1");
      if (q.executeStep())
        ledger_ratio = q.getColumn(0).getString();
    }
    if (ledger_ratio != token_call("ratio()(uint256)"))
      return false;
    auto latest = anvil_->rpc("eth_getBlockByNumber", json::array({"latest", false}));
    auto now = std::stoull(hex_to_dec(latest["timestamp"].get<std::string>()));
    return std::stoull(token_call("nextRatioUpdateAt()(uint256)")) > now + 60;
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
    // The faults here come on top of the kills (one every other step while
    // any is left): SIGTERMs aimed at payout batches until at least
    // `least_in_batch` struck one (while payouts are still due), and every
    // other kind on its own cadence.
    const int least_in_batch = 2;
    auto payouts_due = [&] {
      return count("SELECT COUNT(*) FROM unstake_requests WHERE status NOT IN ('PAID', 'HELD')") > 0;
    };
    int step = 0;
    while (!timed_out()) {
      if (settled() && figures_.kills >= opt_.kills)
        break;
      // Spend the remaining kills even when all is paid: a restart must not
      // pay again. Burns already sent keep the queue busy most of the time.
      ticks(1 + rng_() % 3);
      if (figures_.kills < opt_.kills && step % 2 == 0)
        kill9();
      if ((figures_.sigterms_in_batch < least_in_batch && step % 2 == 1 && payouts_due()) || step % 7 == 3)
        sigterm();
      if (step % 11 == 5)
        node_fault();
      if (step % 11 == 9)
        eth_fault();
      if (step % 13 == 11)
        disk_full();
      if (step % 5 == 2)
        eth_reorg();
      ++step;
    }
    // No ratio publication while the figures are read: anvil's clock stops
    // jumping (aKSMb then refuses another update for an hour), and the driver
    // waits until the last update is in effect in the ledger.
    advance_time_ = false;
    for (int i = 0; i < 600 && !timed_out() && !ratio_quiet(); ++i)
      ticks(1);
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
    // ---- The exchange ratio: every RatioUpdated of aKSMb (cast), in chain order.
    auto ratio_logs = cast_logs("RatioUpdated(uint256 oldRatio,uint256 newRatio,uint256 elapsed,uint256 totalShares)",
                                contracts_.token);
    const u128 one = u128_of("1000000000000000000");
    struct published_ratio {
      std::pair<uint64_t, uint64_t> at; // (block, log index)
      u128 ratio;
    };
    std::vector<published_ratio> published;
    bool loss_published = false;
    for (auto& l : ratio_logs) {
      auto data = l["data"].get<std::string>().substr(2);
      auto before = u128_of(hex_to_dec(data.substr(0, 64))), after = u128_of(hex_to_dec(data.substr(64, 64)));
      loss_published = loss_published || after > before;
      published.push_back({log_position(l), after});
    }
    // aKSMb's ratio at a log's position: the last update before it.
    auto ratio_at = [&](const std::pair<uint64_t, uint64_t>& at) {
      u128 r = one;
      for (auto& p : published)
        if (p.at < at)
          r = p.ratio;
      return r;
    };
    // The ratios that were ever in effect, in order: 1e18, then each published one.
    std::vector<u128> in_effect{one};
    for (auto& p : published)
      in_effect.push_back(p.ratio);

    // ---- Each user's value, replayed from the chains and the contract with
    // their rounding (aKSMb.sol, storage/ledger.cpp), in shares:
    //  - a credited deposit of D planck: floor(D·1e6·r/1e18) shares
    //    (ledger::shares_for_planck) at exactly the ratio r its Kusama block
    //    gives (ledger::deposit_ratio, below): the ratio in effect, or, after a
    //    calculation published a ratio, that ratio;
    //  - a claim of C planck reserves ceil(C·1e6·r/1e18) of them (reserve_claim;
    //    an EXPIRED claim gives them back), r one of the ratios in effect and
    //    never an older one than an earlier claim used (the ledger's ratio
    //    only moves forward); once
    //    minted it holds exactly the shares of its BondsClaimed (the rest of
    //    the reservation is the user's again);
    //  - aKSMb.mint of A wei adds floor(A·r/1e18) shares, aKSMb.burn of A wei
    //    removes ceil(A·r/1e18), r the ratio in force at that log (every
    //    BondsClaimed and TokensBurned must carry exactly these shares, and
    //    sharesOf must be their sum); a burn pays floor(A/1e6) planck;
    //  - at the end, at aKSMb's ratio R: aKSMb = floor(sharesOf·1e18/R) wei,
    //    claimable = floor(floor(unclaimed·1e18/R)/1e6) planck (planck_for_shares).
    // expected = Σ burns' planck + floor(aKSMb/1e6) + claimable, and what the
    // user has (paid on chain + pending unstakes + balanceOf/1e6 + claimable of
    // the API) must be exactly that: the replay rounds as the contract and the
    // ledger do, so the bound on the difference is 0 planck either way.
    std::map<std::string, u128> dep_shares, reserved, minted_shares, burned_shares; // by account / eth address
    std::map<std::string, uint64_t> burned_by;                                    // planck, by eth address
    int bad_event_shares = 0, credit_ratio_unknown = 0, credit_ratio_stale = 0, claim_ratio_unknown = 0,
        claim_ratio_stale = 0, claim_shares_not_minted = 0;
    std::map<std::string, std::pair<u128, u128>> minted_by_claim; // claimId (decimal) -> (shares, ratio at mint)
    for (auto& l : claimed_logs) {
      auto data = l["data"].get<std::string>().substr(2);
      auto amount = u128_of(hex_to_dec(data.substr(0, 64))), sh = u128_of(hex_to_dec(data.substr(64, 64)));
      auto r = ratio_at(log_position(l));
      if (sh != mul_div(amount, r, one, false))
        ++bad_event_shares;
      auto to = "0x" + l["topics"][2].get<std::string>().substr(26);
      minted_shares[to] += sh;
      minted_by_claim[hex_to_dec(l["topics"][1].get<std::string>())] = {sh, r};
    }
    for (auto& l : burned_logs) {
      auto data = l["data"].get<std::string>().substr(2);
      auto amount = u128_of(hex_to_dec(data.substr(0, 64))), sh = u128_of(hex_to_dec(data.substr(64, 64)));
      if (sh != mul_div(amount, ratio_at(log_position(l)), one, true))
        ++bad_event_shares;
      auto from = "0x" + l["topics"][1].get<std::string>().substr(26);
      burned_shares[from] += sh;
      burned_by[from] += static_cast<uint64_t>(amount / 1000000);
    }
    // The index in `in_effect` of the ratio a ledger row was made at (the
    // first from `from` on that gives its shares), or -1.
    auto ratio_index = [&](u128 planck, u128 shares, bool up, size_t from) -> int {
      for (size_t k = from; k < in_effect.size(); ++k)
        if (mul_div(planck * 1000000, in_effect[k], one, up) == shares)
          return static_cast<int>(k);
      return -1;
    };
    // Deposits: the ratio each one must be credited at (ledger::deposit_ratio:
    // a PUBLISHING calculation's ratio while there is one, else the ratio in
    // effect), from the order the ledger applied things in. A calculation is
    // made in the transaction where the Kusama cursor is its kusama_block
    // (decide_ratio refuses other readings) and a block's deposits are credited
    // in the transaction that moves the cursor to it, so a deposit comes after
    // a calculation exactly when its block is above the calculation's; no
    // calculation is made while one is PUBLISHING. So before the first
    // calculation that published a ratio (published_ratio set), deposits are
    // at 1e18; after one, until the next, at its ratio (pending, then in
    // effect: the same ratio), or, if its publication failed (NOT_PUBLISHED),
    // at its ratio and then, from some deposit on, at the ratio in effect
    // before it, never back. A deposit at any other ratio is counted: at a
    // ratio never in effect nor published (unknown), or at one that was, but
    // not for its block (stale: it includes an older ratio than a previous
    // deposit's). A ratio update nobody here calculated would count here too;
    // the run makes none (and lstaked audit checks RatioUpdated against the
    // ledger's history).
    {
      struct publication {
        uint64_t kusama_block;
        u128 ratio;
        bool failed;
        u128 before; // the ratio in effect when it was calculated
      };
      std::vector<publication> publications;
      std::set<u128> known(in_effect.begin(), in_effect.end());
      {
        u128 effect = one;
        SQLite::Statement q(db, "SELECT kusama_block, published_ratio, status FROM ratio_calculations "
                                "WHERE published_ratio IS NOT NULL ORDER BY id");
        while (q.executeStep()) {
          publication p{static_cast<uint64_t>(q.getColumn(0).getInt64()), u128_of(q.getColumn(1).getString()),
                        q.getColumn(2).getString() == "NOT_PUBLISHED", effect};
          if (!p.failed)
            effect = p.ratio;
          known.insert(p.ratio);
          publications.push_back(p);
        }
      }
      size_t passed = 0;    // publications made before the deposit's block
      bool back = false;    // a failed publication's window went back to the ratio before it
      SQLite::Statement q(db, "SELECT account, amount_planck, shares, block_number FROM deposits "
                              "WHERE status = 'CREDITED' ORDER BY id");
      while (q.executeStep()) {
        auto planck = u128_of(q.getColumn(1).getString()), sh = u128_of(q.getColumn(2).getString());
        auto block = static_cast<uint64_t>(q.getColumn(3).getInt64());
        while (passed < publications.size() && publications[passed].kusama_block < block) {
          ++passed;
          back = false;
        }
        auto at = [&](u128 r) { return mul_div(planck * 1000000, r, one, false) == sh; };
        bool right;
        if (passed == 0) {
          right = at(one);
        } else {
          auto& p = publications[passed - 1];
          if (!back && at(p.ratio))
            right = true;
          else if (p.failed && at(p.before))
            right = back = true;
          else
            right = false;
        }
        if (!right)
          ++(std::any_of(known.begin(), known.end(), at) ? credit_ratio_stale : credit_ratio_unknown);
        dep_shares[q.getColumn(0).getString()] += sh;
      }
    }
    // Claims: an ACTIVE or EXPIRED one holds its reservation; a CLAIMED one
    // holds exactly the shares aKSMb minted for it (the ledger gives the rest
    // of the reservation back, or takes a loss's difference, at the mint).
    // For the figures, the ratio each claim was reserved at is the ledger's
    // ratio at its creation (ratio_history.published_at is when a ratio took
    // effect in the ledger).
    std::vector<std::pair<int64_t, u128>> took_effect{{0, one}};
    {
      SQLite::Statement q(db, "SELECT published_at, ratio FROM ratio_history ORDER BY id");
      while (q.executeStep())
        took_effect.push_back({q.getColumn(0).getInt64(), u128_of(q.getColumn(1).getString())});
    }
    int claims_other_ratio = 0;
    __int128 given_back = 0; // shares reserved beyond what was minted, for claims minted at another ratio
    {
      size_t newest = 0;
      SQLite::Statement q(db, "SELECT account, amount_planck, shares, status, claim_id, created_at FROM claims "
                              "ORDER BY rowid");
      while (q.executeStep()) {
        auto planck = u128_of(q.getColumn(1).getString()), sh = u128_of(q.getColumn(2).getString());
        auto status = q.getColumn(3).getString();
        if (status == "CLAIMED") {
          auto m = minted_by_claim.find(hex_to_dec(q.getColumn(4).getString()));
          if (m == minted_by_claim.end() || m->second.first != sh)
            ++claim_shares_not_minted;
          reserved[q.getColumn(0).getString()] += sh;
          u128 r_s = one;
          for (auto& [at, r] : took_effect)
            if (at <= q.getColumn(5).getInt64())
              r_s = r;
          if (m != minted_by_claim.end() && r_s != m->second.second) {
            ++claims_other_ratio;
            given_back += static_cast<__int128>(mul_div(planck * 1000000, r_s, one, true)) -
                          static_cast<__int128>(m->second.first);
          }
          continue;
        }
        auto k = ratio_index(planck, sh, true, newest);
        if (k < 0)
          ++(ratio_index(planck, sh, true, 0) < 0 ? claim_ratio_unknown : claim_ratio_stale);
        else
          newest = static_cast<size_t>(k);
        if (status == "ACTIVE")
          reserved[q.getColumn(0).getString()] += sh;
      }
    }
    json addresses = json::array();
    for (auto& u : users_)
      if (!u.account.empty())
        addresses.push_back(u.eth);
    auto eth = node_script({"balances", anvil_->url, contracts_.token}, addresses, "addresses.json", "eth_users.mjs");
    auto ratio = eth["ratio"].get<std::string>();
    const u128 final_ratio = u128_of(ratio);
    auto value = [&](u128 shares) { return static_cast<uint64_t>(mul_div(shares, one, final_ratio, false) / 1000000); };
    int unaccounted = 0, shares_mismatch = 0, below_principal = 0;
    uint64_t total_deposited = 0, total_paid = 0, total_held = 0, total_claimable = 0, total_in_flight = 0,
             total_expected = 0;
    __int128 surplus = 0, rewards = 0;
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
      // The replay (see above).
      u128 on_chain = minted_shares[u.eth] - burned_shares[u.eth];
      if (burned_shares[u.eth] > minted_shares[u.eth] || on_chain != u128_of(eth["shares"][u.eth].get<std::string>()))
        ++shares_mismatch;
      u128 unclaimed = dep_shares[u.account] - reserved[u.account];
      if (reserved[u.account] > dep_shares[u.account])
        ++shares_mismatch;
      uint64_t expected = burned_by[u.eth] + value(on_chain) + value(unclaimed);
      __int128 have = static_cast<__int128>(paid[u.account]) + held + claimable + in_flight;
      __int128 diff = have - static_cast<__int128>(expected);
      __int128 gain = have - static_cast<__int128>(deposited[u.account]);
      // Nobody below the principal either: while no loss was published the
      // ratio only fell, every rounding inside the path is under a share
      // (1e-6 planck) and only the two final conversions to planck can lose
      // up to a planck each, so at most 2 planck under what was deposited
      // (exactly 0 at ratio 1e18, where every conversion is exact).
      bool below = published.empty() ? gain != 0 : gain < -2;
      below_principal += below ? 1 : 0;
      bool short_of_principal = below && !loss_published; // a published loss is borne by every share
      if (diff != 0 || short_of_principal) {
        if (unaccounted++ < 10)
          std::cerr << "user " << u.index << " " << u.ss58 << ": deposited " << deposited[u.account] << ", paid "
                    << paid[u.account] << ", aKSMb " << held << ", claimable " << claimable << ", in flight "
                    << in_flight << "; expected " << expected << " (burned " << burned_by[u.eth] << ", aKSMb "
                    << value(on_chain) << ", claimable " << value(unclaimed) << ")\n";
      }
      surplus += diff;
      rewards += gain;
      total_deposited += deposited[u.account];
      total_paid += paid[u.account];
      total_held += held;
      total_claimable += claimable;
      total_in_flight += in_flight;
      total_expected += expected;
    }
    // The ratio calculator's side: calculations, fees booked and spent.
    std::map<std::string, int> decisions;
    {
      SQLite::Statement q(db, "SELECT decision || ' ' || status, COUNT(*) FROM ratio_calculations GROUP BY 1");
      while (q.executeStep())
        decisions[q.getColumn(0).getString()] = q.getColumn(1).getInt();
    }
    auto fee_sum = [&](const std::string& where) {
      u128 total = 0;
      SQLite::Statement q(db, "SELECT amount_planck FROM fee_ledger WHERE " + where);
      while (q.executeStep())
        total += u128_of(q.getColumn(0).getString());
      return total;
    };
    u128 fees_booked = fee_sum("kind = 'FEE'"), payout_fees = fee_sum("kind = 'PAYOUT_FEE' AND settled_at IS NOT NULL"),
         withdrawn = fee_sum("kind = 'WITHDRAWAL'");
    auto shortfalls = count("SELECT COUNT(*) FROM alerts WHERE message LIKE '%the fee ledger held%'");
    auto ledger_ratio = [&] {
      SQLite::Statement q(db, "SELECT ratio FROM ratio_history ORDER BY id DESC LIMIT 1");
      return q.executeStep() ? q.getColumn(0).getString() : std::string("1000000000000000000");
    }();
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
              << " Kusama node faults, " << figures_.eth_faults << " Ethereum RPC faults, " << figures_.reorgs << " anvil reorgs of an empty block, "
              << figures_.reorgs_dropping << " anvil reorgs dropping users' transactions (" << figures_.burns_dropped
              << " burns: " << figures_.burns_resent << " sent again, " << figures_.burns_left_dropped << " left dropped; "
              << figures_.mints_dropped << " mints: " << figures_.mints_resent << " sent again, "
              << figures_.mints_left_dropped << " left to expire), " << figures_.upgrades
              << " runtime upgrades, " << figures_.disk_full << " full disks (" << figures_.disk_full_exits
              << " daemon exits), " << figures_.restarts << " restarts, " << figures_.claim_retries
              << " claim retries\n";
    for (auto& [mode, n] : figures_.fault_modes)
      std::cout << "  fault " << mode << ": " << n << "\n";
    std::cout << "ratio: " << published.size() << " published (RatioUpdated on chain):";
    for (auto& p : published)
      std::cout << " " << dec_of(p.ratio);
    std::cout << (loss_published ? " (a loss among them)" : "") << "; calculations:";
    for (auto& [d, n] : decisions)
      std::cout << " " << n << " " << d << ";";
    std::cout << " anvil clock moved " << figures_.time_steps << " h\n"
              << "fees (planck): booked " << dec_of(fees_booked) << " (2% of rewards), payout fees paid from it "
              << dec_of(payout_fees) << ", withdrawn " << dec_of(withdrawn) << ", balance "
              << static_cast<int64_t>(static_cast<__int128>(fees_booked) - payout_fees - withdrawn) << "; "
              << shortfalls << " payouts whose fee the ledger could not cover\n"
              << "shares: events with shares other than aKSMb's rounding " << bad_event_shares
              << "; deposits at a ratio never in effect nor published " << credit_ratio_unknown
              << ", at another ratio than their block's " << credit_ratio_stale
              << "; claims at a ratio never in effect " << claim_ratio_unknown
              << ", at an older ratio than an earlier claim " << claim_ratio_stale
              << ", CLAIMED with other shares than aKSMb minted " << claim_shares_not_minted
              << "; users whose shares differ from the replay " << shares_mismatch << "; claims minted at another ratio "
              << "than reserved at " << claims_other_ratio << " (" << static_cast<int64_t>(given_back)
              << " shares of their reservations given back)\n"
              << "totals (planck): deposited " << total_deposited << ", paid " << total_paid << ", aKSMb "
              << total_held << ", claimable " << total_claimable << ", in flight " << total_in_flight
              << "; expected by the replay " << total_expected << ", difference " << static_cast<int64_t>(surplus)
              << "; gained over deposits (rewards) " << static_cast<int64_t>(rewards) << " (ratio " << ratio << ")\n"
              << "users not accounted for: " << unaccounted << " (" << below_principal
              << " more than 2 planck below their deposits" << (loss_published ? ", allowed after a published loss" : "")
              << ")\n"
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
    if (bad_event_shares || credit_ratio_unknown || credit_ratio_stale || claim_ratio_unknown || claim_ratio_stale ||
        claim_shares_not_minted || shares_mismatch)
      fail("shares not as aKSMb and the ledger round them (see the shares line)");
    if (ledger_ratio != ratio)
      fail("the ledger's ratio " + ledger_ratio + " is not aKSMb's " + ratio);
    if (published.size() < 2)
      fail("only " + std::to_string(published.size()) + " ratios published: the run did not exercise rewards");
    if (bad_exits_)
      fail(std::to_string(bad_exits_) + " SIGTERMs without a clean exit");
    if (refused_claims_ || failed_mints_ || failed_burns_)
      fail("users' actions failed (refused claims, reverted mints or burns)");
    if (users_with_deposit != opt_.users)
      fail("not every user deposited");
    std::cout << (ok ? "CHAOS OK" : "CHAOS FAILED") << "\n";
    return ok;
  }

  json cast_logs(const std::string& event, const std::string& address = "") {
    auto out = anvil_->cast({"logs", "--rpc-url", anvil_->url, "--json", "--from-block",
                             std::to_string(contracts_.block), "--to-block", "finalized", "--address",
                             address.empty() ? contracts_.pool : address, event});
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
  std::vector<fault> schedule_; // per fault point of the rounds
  std::vector<int> kills_at_;   // kill -9s per fault point
  size_t point_ = 0;
  bool advance_time_ = true;
  std::chrono::steady_clock::time_point last_time_step_{};
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

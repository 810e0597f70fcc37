// Shared pieces of the stake-flow end-to-end tests: the built `lstaked`
// binary started on a TOML file against the local Kusama node (and anvil),
// its HTTP API, the .mjs helpers that act as the user's wallet, and polling.
//
// Everything runs on 127.0.0.1 with ports picked by the OS; nothing is
// downloaded. Waits poll with generous deadlines (a loaded 2-core machine).
#pragma once

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>

namespace lstaked::test::stake_flow {

using json = nlohmann::json;
using namespace std::chrono_literals;

inline const std::string repo = LSTAKED_SOURCE_DIR;
inline const std::string binary = LSTAKED_BINARY;

// //Ferdie (sr25519 dev key) is the pool's deposit address in these tests.
inline const std::string deposit_address = "DE14BzQ1bDXWPKeLoAqdLAm1GpyAWaWF1knF74cEZeomTBM";
inline const std::string deposit_account = "0x1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c";
inline constexpr uint64_t ksm = 1'000'000'000'000ull; // planck

struct reply {
  int status = 0; // 0: no answer
  json body;      // discarded if not JSON
  std::string raw;
};

inline reply http(int port, const std::string& method, const std::string& path,
                  const std::string& body = {}, const std::string& type = "application/json") {
  httplib::Client c{"127.0.0.1", port};
  c.set_connection_timeout(10s);
  c.set_read_timeout(60s);
  c.set_write_timeout(60s);
  httplib::Result res = method == "GET" ? c.Get(path.c_str()) : c.Post(path.c_str(), body, type.c_str());
  reply r;
  if (!res)
    return r;
  r.status = res->status;
  r.raw = res->body;
  r.body = json::parse(res->body, nullptr, false);
  return r;
}

/// Polls `done` every `interval` until it holds or `timeout` passes.
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds timeout = 120s,
                std::chrono::milliseconds interval = 100ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(interval);
  }
}

/// The daemon (`lstaked run --config FILE`), started and stopped by the test.
class daemon_process {
public:
  daemon_process(const temp_dir& dir, std::string config) : dir_(dir), config_(std::move(config)) {}

  /// Starts it; returns false (with the log in `last_log()`) if it never listened.
  bool start(const std::string& log_name) {
    proc_ = std::make_unique<background_process>(
      std::vector<std::string>{binary, "run", "--config", config_}, dir_.file(log_name));
    port = 0;
    auto line = proc_->wait_for_line("listening on http://", 120s);
    std::smatch m;
    if (line && std::regex_search(*line, m, std::regex{R"(127\.0\.0\.1:(\d+))"}))
      port = std::stoi(m[1]);
    return port > 0;
  }

  /// SIGKILL, as a crash: nothing is flushed, nothing is drained.
  void kill9() {
    proc_->signal(SIGKILL);
    proc_->wait(60s);
  }

  /// SIGTERM; returns the exit code (nullopt: it did not exit in time).
  std::optional<int> stop() {
    proc_->signal(SIGTERM);
    return proc_->wait(60s);
  }

  std::string last_log() const { return proc_ ? proc_->stderr_text() + proc_->stdout_text() : ""; }

  reply get(const std::string& path) const { return http(port, "GET", path); }
  reply post(const std::string& path, const std::string& body,
             const std::string& type = "application/json") const {
    return http(port, "POST", path, body, type);
  }
  reply post_deposit(const std::string& extrinsic) const {
    return post("/v1/deposits", json{{"extrinsic", extrinsic}}.dump());
  }

  /// Runs `lstaked <args...> --config FILE` to completion.
  process_result cli(std::vector<std::string> args) const {
    args.insert(args.begin(), binary);
    args.push_back("--config");
    args.push_back(config_);
    return run_process(args, dir_.path(), 120s);
  }

  int port = 0;

private:
  const temp_dir& dir_;
  std::string config_;
  std::unique_ptr<background_process> proc_;
};

struct kusama_settings {
  std::string rpc_url;
  uint64_t start_block = 1;
  uint64_t poll_interval_ms = 200;
  uint64_t max_blocks_per_step = 64;
  bool deposits = true; // false: no deposit_address (deposits disabled)
};

struct ethereum_settings {
  std::string rpc_url;
  std::string pool, token;
  uint64_t start_block = 0;
  std::string notary_key_file;
};

/// Writes the daemon's TOML (the keys of README's configuration table).
inline std::string write_config(const temp_dir& dir, const kusama_settings& k,
                                const std::optional<ethereum_settings>& e = std::nullopt) {
  auto path = dir.file("lstaked.toml");
  std::ofstream cfg{path};
  cfg << "data_dir = \"" << dir.file("data") << "\"\n"
      << "[http]\nlisten = \"127.0.0.1:0\"\n"
      << "[kusama]\nrpc_url = \"" << k.rpc_url << "\"\nss58_prefix = 2\n"
      << "deposit_address = \"" << (k.deposits ? deposit_address : "") << "\"\nminimum_deposit = \"1\"\n"
      << "start_block = " << k.start_block << "\npool_accounts = []\n"
      << "poll_interval_ms = " << k.poll_interval_ms << "\n"
      << "max_blocks_per_step = " << k.max_blocks_per_step << "\n";
  if (e) {
    cfg << "[ethereum]\nrpc_url = \"" << e->rpc_url << "\"\nchain_id = 31337\npool_address = \""
        << e->pool << "\"\ntoken_address = \"" << e->token << "\"\nstart_block = " << e->start_block
        << "\nfinality = \"finalized\"\npoll_interval_ms = 100\n"
        << "[claims]\nnotary_key_file = \"" << e->notary_key_file
        << "\"\nmax_request_ttl_seconds = 4000000000\n";
  }
  return path;
}

inline std::string database_path(const temp_dir& dir) {
  return dir.file("data") + "/lstaked.sqlite";
}

/// The daemon's Kusama cursor (last finalized block applied), read from its
/// database (WAL: a reader never blocks the daemon). nullopt: none yet.
inline std::optional<uint64_t> kusama_cursor(const temp_dir& dir) {
  try {
    SQLite::Database db(database_path(dir), SQLite::OPEN_READONLY);
    db.setBusyTimeout(5000);
    SQLite::Statement q(db, "SELECT block_number FROM chain_cursors WHERE chain = 'kusama'");
    if (q.executeStep())
      return static_cast<uint64_t>(q.getColumn(0).getInt64());
  } catch (const std::exception&) {
    // Not created or not migrated yet.
  }
  return std::nullopt;
}

/// Waits until the daemon has applied every block up to `block`.
inline bool wait_for_cursor(const temp_dir& dir, uint64_t block, std::chrono::milliseconds timeout = 120s) {
  return eventually([&] {
    auto c = kusama_cursor(dir);
    return c && *c >= block;
  }, timeout);
}

/// Runs tests/stake_flow/<script> with node; returns its last stdout line as JSON.
inline json run_script(const temp_dir& dir, const std::string& script, std::vector<std::string> args) {
  args.insert(args.begin(), {"/usr/bin/env", "node", repo + "/tests/stake_flow/" + script});
  auto r = run_process(args, dir.path(), std::chrono::seconds(300));
  if (r.exit_code != 0)
    throw std::runtime_error(script + " failed (" + std::to_string(r.exit_code) + "): " + r.err + r.out);
  auto out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r'))
    out.pop_back();
  return json::parse(out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1));
}

/// "2.5" style KSM string of a planck amount (as the API formats it).
inline std::string ksm_text(uint64_t planck) {
  auto whole = std::to_string(planck / ksm);
  auto frac = planck % ksm;
  if (frac == 0)
    return whole;
  auto f = std::to_string(frac);
  f = std::string(12 - f.size(), '0') + f;
  while (f.back() == '0')
    f.pop_back();
  return whole + "." + f;
}

} // namespace lstaked::test::stake_flow

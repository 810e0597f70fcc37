// Shared pieces of the stake-flow end-to-end tests: the daemon's TOML file
// against the local Kusama node (and anvil), its database, the .mjs helpers
// that act as the user's wallet, and polling. The built `lstaked` itself is
// started with test::daemon (tests/support/daemon.hpp).
//
// Everything runs on 127.0.0.1 with ports picked by the OS; nothing is
// downloaded. Waits poll with generous deadlines (a loaded 2-core machine).
#pragma once

#include "tests/support/daemon.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

namespace lstaked::test::stake_flow {

using json = nlohmann::json;
using namespace std::chrono_literals;

inline const std::string repo = LSTAKED_SOURCE_DIR;

// //Ferdie (sr25519 dev key) is the pool's deposit address in these tests.
inline const std::string deposit_address = "DE14BzQ1bDXWPKeLoAqdLAm1GpyAWaWF1knF74cEZeomTBM";
inline const std::string deposit_account = "0x1cbd2d43530a44705ad088af313e18f80b53ef16b36177cd4b77b846f2a5f07c";
inline constexpr uint64_t ksm = 1'000'000'000'000ull; // planck

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

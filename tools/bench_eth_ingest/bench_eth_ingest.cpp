// P3: TokensBurned logs ingested per second through the watcher path (RPC
// fetch, decode, one ledger transaction per window) next to anvil's raw
// eth_getLogs rate for the same range, in the same run.
//
//   build/tools/bench_eth_ingest/bench_eth_ingest [--logs 20000] [--per-block 500] [--runs 3]
//
// It starts anvil on a free 127.0.0.1 port and deploys the real contracts with
// tools/deploy-contracts/deploy (test::anvil_node), mints aKSMb through a
// claim signed with test::eth_claim (anvil's development key 0 is deployer
// and notary), then, with automine off,
// sends `--logs` burnBond transactions (eth_sendTransaction from the unlocked
// dev account, batched) and mines them `--per-block` per block.
#include "actors/eth_watcher.hpp"
#include "chain/ethereum/abi.hpp"
#include "actors/storage_actor.hpp"
#include "tests/support/anvil.hpp"
#include "tests/support/eth_claim.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

#include <sys/resource.h>

using namespace lstaked;
using namespace std::chrono_literals;
using rpc::json;
using clk = std::chrono::steady_clock;

namespace {

const std::string deployer = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"; // anvil account 0
const std::string recipient = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

// anvil dies with this process even through std::exit (background_process
// sets PR_SET_PDEATHSIG).
[[noreturn]] void die(const std::string& what) {
  std::cerr << "bench_eth_ingest: " << what << "\n";
  std::exit(1);
}

double seconds(clk::duration d) {
  return std::chrono::duration<double>(d).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct bench {
  test::temp_dir dir;
  std::unique_ptr<test::anvil_node> anvil;
  std::string url;
  std::unique_ptr<rpc::json_rpc_client> rpc;
  std::string pool, token;

  json call(const std::string& method, json params = json::array()) {
    auto r = rpc->call(method, std::move(params));
    if (!r)
      die(method + ": " + describe(r.error()));
    return *r;
  }
  uint64_t head() { return *rpc::parse_quantity_u64(call("eth_blockNumber")); }

  void start_chain() {
    ::setenv("FOUNDRY_DISABLE_NIGHTLY_WARNING", "1", 1);
    anvil = std::make_unique<test::anvil_node>(dir, test::anvil_options{1, 2000000000});
    if (!anvil->ok())
      die("anvil did not start");
    url = anvil->url;
    rpc::json_rpc_config cfg;
    cfg.url = url;
    cfg.read_timeout = 120s;
    rpc = std::move(*rpc::json_rpc_client::make(cfg));
    auto deployed = anvil->deploy(test::anvil_address0);
    pool = deployed.pool;
    token = deployed.token;
  }

  void mint(const std::string& amount) {
    test::eth_claim claim{31337, pool, token, rpc::u256{1}, *rpc::u256::from_dec(amount), 1000000000,
                          deployer};
    anvil->cast({"send", "--rpc-url", url, "--private-key", test::anvil_key0, pool,
                 "claimBonds(address,uint256,uint256,uint256,address,bytes)", token, "1", amount,
                 "1000000000", deployer, claim.sign()});
  }

  /// Sends `n` burnBond transactions, `per_block` per mined block; returns the first block.
  uint64_t burn_many(uint64_t n, uint64_t per_block) {
    using chain::eth::abi_value;
    auto types = *chain::eth::parse_abi_types("(address,uint256,bytes)");
    auto token_addr = *chain::eth::parse_address(token);
    auto args = chain::eth::abi_encode(
      types, {abi_value::address(token_addr), abi_value::number(rpc::u256{1'000'000'000'000ull}),
              abi_value::blob(*chain::from_hex(recipient))});
    if (!args)
      die("abi: " + describe(args.error()));
    auto selector = chain::eth::abi_selector("burnBond(address,uint256,bytes)");
    chain::bytes data(selector.begin(), selector.end());
    chain::append(data, *args);
    json tx = {{"from", deployer}, {"to", pool}, {"data", chain::to_hex(data)}, {"gas", "0x30000"}};

    anvil->set_automine(false);
    uint64_t first = head() + 1;
    // Explicit nonces: anvil answers a batch's calls concurrently.
    uint64_t nonce = *rpc::parse_quantity_u64(call("eth_getTransactionCount", {deployer, "pending"}));
    uint64_t sent = 0;
    while (sent < n) {
      uint64_t in_block = std::min(per_block, n - sent);
      std::vector<rpc::rpc_call> calls;
      for (uint64_t i = 0; i < in_block; ++i) {
        tx["nonce"] = rpc::u256{nonce++}.to_hex();
        calls.push_back({"eth_sendTransaction", json::array({tx})});
      }
      auto r = rpc->batch(calls);
      if (!r)
        die("eth_sendTransaction batch: " + describe(r.error()));
      for (auto& x : *r)
        if (!x)
          die("eth_sendTransaction: " + describe(x.error()));
      call("anvil_mine", {"0x1"});
      sent += in_block;
    }
    call("anvil_mine", {"0x4"}); // finality: latest - 2 with one slot per epoch
    return first;
  }

  rpc::log_filter filter(uint64_t from, uint64_t to) {
    rpc::log_filter f;
    f.addresses = {*chain::eth::parse_address(pool)};
    f.topics = {{bonds_claimed_event().topic0(), tokens_burned_event().topic0()}};
    f.from_block = from;
    f.to_block = to;
    return f;
  }
};

double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return s(u.ru_utime) + s(u.ru_stime);
}

struct watcher_run {
  double seconds = 0;
  double cpu_seconds = 0; // this process (watcher, its RPC worker, storage), not anvil
  uint64_t windows = 0;
  int64_t rows = 0;
};

watcher_run run_watcher(bench& b, uint64_t first, uint64_t last, uint64_t initial_window,
                        const std::string& db_path) {
  caf::actor_system_config sys_cfg;
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
  watcher_run out;
  {
    caf::actor_system sys{sys_cfg};
    caf::scoped_actor self{sys};
    auto storage = sys.spawn(lstaked::storage, storage_config{db_path});
    // Storage is ready once it answers.
    self->request(storage, 30s, health_atom_v).receive([](actor_health&) {},
                                                       [](caf::error& e) { die(describe(e)); });
    eth_watcher_config cfg;
    cfg.rpc.url = b.url;
    cfg.rpc.read_timeout = 120s;
    cfg.pool_address = b.pool;
    cfg.chain_id = 31337;
    cfg.start_block = first;
    cfg.poll_interval = 50ms;
    cfg.initial_window = initial_window;
    cfg.max_window = 100000;
    auto started = clk::now();
    auto cpu_started = process_cpu_seconds();
    auto w = sys.spawn<caf::detached>(eth_watcher, cfg, storage);
    for (;;) {
      eth_watcher_status s;
      self->request(w, 60s, status_atom_v)
        .receive([&](eth_watcher_status& st) { s = st; }, [](caf::error& e) { die(describe(e)); });
      if (s.halted)
        die("watcher halted: " + s.last_error);
      if (s.has_cursor && s.cursor >= last) {
        out.seconds = seconds(clk::now() - started);
        out.cpu_seconds = process_cpu_seconds() - cpu_started;
        out.windows = s.windows_applied;
        break;
      }
      if (seconds(clk::now() - started) > 600)
        die("watcher did not catch up: " + s.last_error);
      std::this_thread::sleep_for(1ms);
    }
    self->send_exit(w, caf::exit_reason::user_shutdown);
    self->send_exit(storage, caf::exit_reason::user_shutdown);
  }
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT count(*) FROM unstake_requests");
  q.executeStep();
  out.rows = q.getColumn(0).getInt64();
  return out;
}

} // namespace

int main(int argc, char** argv) {
  uint64_t logs = 20000, per_block = 500, runs = 3;
  bool verbose = false;
  for (int i = 1; i < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--verbose") {
      verbose = true;
      --i;
      continue;
    }
    if (i + 1 >= argc)
      die(a + " needs a value");
    uint64_t v = std::stoull(argv[i + 1]);
    if (a == "--logs")
      logs = v;
    else if (a == "--per-block")
      per_block = v;
    else if (a == "--runs")
      runs = v;
    else
      die("unknown option " + a);
  }
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
  bench b;
  auto t0 = clk::now();
  try {
    b.start_chain();
    b.mint("1000000000000000000000000"); // 1e6 aKSMb
  } catch (const std::exception& e) {
    die(e.what());
  }
  auto first = b.burn_many(logs, per_block);
  auto fin = b.call("eth_getBlockByNumber", {"finalized", false});
  auto last = *rpc::parse_quantity_u64(fin["number"]);
  std::printf("setup: %llu burns in blocks %llu..%llu (finalized %llu) in %.1f s\n",
              (unsigned long long)logs, (unsigned long long)first,
              (unsigned long long)(first + (logs + per_block - 1) / per_block - 1),
              (unsigned long long)last, seconds(clk::now() - t0));

  // Raw: one eth_getLogs over the whole range, answer parsed as JSON (what any
  // client must at least do).
  std::vector<double> raw;
  for (uint64_t r = 0; r < runs; ++r) {
    auto started = clk::now();
    auto got = b.call("eth_getLogs", {rpc::to_json(b.filter(first, last))});
    raw.push_back(seconds(clk::now() - started));
    if (got.size() != logs)
      die("raw eth_getLogs returned " + std::to_string(got.size()) + " logs");
  }

  // The watcher path, from an empty ledger each run: the default config
  // (initial window 1000 blocks: here the whole range in one window and one
  // transaction) and a small initial window (4 blocks, growing while windows
  // stay under half of target_events_per_window; the next window is read
  // while the previous one commits).
  std::vector<std::pair<uint64_t, std::vector<watcher_run>>> variants;
  for (uint64_t window : {uint64_t{1000}, uint64_t{4}}) {
    std::vector<watcher_run> rs;
    for (uint64_t r = 0; r < runs; ++r) {
      auto path = b.dir.file("ledger-" + std::to_string(window) + "-" + std::to_string(r) + ".sqlite");
      auto wr = run_watcher(b, first, last, window, path);
      if (wr.rows != static_cast<int64_t>(logs))
        die("watcher stored " + std::to_string(wr.rows) + " requests, expected " + std::to_string(logs));
      rs.push_back(wr);
    }
    variants.emplace_back(window, rs);
  }

  double raw_rate = logs / median(raw);
  std::printf("\n%-44s %10s %12s %8s %14s\n", "path", "median s", "logs/s", "vs raw",
              "CPU us/log ¹");
  std::printf("%-44s %10.3f %12.0f %7.0f%%\n", "anvil eth_getLogs (one call, JSON parsed)",
              median(raw), raw_rate, 100.0);
  for (auto& [window, rs] : variants) {
    std::vector<double> secs, cpu;
    for (auto& r : rs) {
      secs.push_back(r.seconds);
      cpu.push_back(r.cpu_seconds);
    }
    double rate = logs / median(secs);
    auto label = "watcher (initial window " + std::to_string(window) + ", "
                 + std::to_string(rs[0].windows) + " windows)";
    std::printf("%-44s %10.3f %12.0f %7.0f%% %14.1f\n", label.c_str(), median(secs), rate,
                100.0 * rate / raw_rate, 1e6 * median(cpu) / logs);
  }
  std::printf("¹ this process's CPU (user + sys) per log during the run: watcher, RPC worker "
              "and storage threads; anvil's is not counted\n");
  std::printf("\nruns per row: %llu; every watcher run stored exactly %llu unstake requests\n",
              (unsigned long long)runs, (unsigned long long)logs);
  return 0;
}

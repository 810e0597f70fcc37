// P2: Kusama catch-up through the watcher (RPC fetch, decode, one ledger
// transaction per step) next to, in the same run and on the same blocks:
//  - the node's serving rate: chain_getBlockHash + chain_getBlock +
//    state_getStorage(System.Events) per block, C concurrent keep-alive clients
//    (the definition of docs/benchmarks/kusama-node.md);
//  - the same reads batched as the watcher batches them (64 blocks, one client);
//  - decode-only: hex decode + System.Events decode of the same bytes in memory.
//
//   build/tools/bench_catchup/bench_catchup [--metadata kusama|asset-hub] [--blocks 3000]
//                                           [--every 5] [--tx 6] [--clients 4] [--runs 3]
//                                           [--step 64]   (kusama.max_blocks_per_step)
//
// It starts the local Kusama node (tools/kusama-node, on-demand blocks, no
// finality lag, state kept for every block), fills it with
// tools/bench_catchup/fill_chain.mjs (polkadot-js signs transfers and batches to
// the deposit address and between users), then measures.
#include "actors/kusama_watcher.hpp"
#include "chain/common/bytes.hpp"
#include "chain/sig/ss58.hpp"
#include "chain/substrate/events.hpp"
#include "chain/substrate/storage.hpp"
#include "actors/storage_actor.hpp"
#include "tests/support/kusama_node.hpp"
#include "tests/support/temp_dir.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

using namespace lstaked;
using namespace std::chrono_literals;
using rpc::json;
using clk = std::chrono::steady_clock;
namespace sub = chain::substrate;

namespace {

const std::string repo = LSTAKED_SOURCE_DIR;

[[noreturn]] void die(const std::string& what) {
  std::cerr << "bench_catchup: " << what << "\n";
  std::exit(1);
}

template <class T>
T must(caf::expected<T> v, const std::string& what) {
  if (!v)
    die(what + ": " + describe(v.error()));
  return std::move(*v);
}

std::string run_capture(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p)
    die("cannot run " + command);
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p))
    out.append(buf, n);
  if (pclose(p) != 0)
    die("failed: " + command + "\n" + out);
  return out;
}

double seconds_since(clk::time_point t) {
  return std::chrono::duration<double>(clk::now() - t).count();
}

std::unique_ptr<rpc::json_rpc_client> client_for(const std::string& url) {
  rpc::json_rpc_config cfg;
  cfg.url = url;
  cfg.read_timeout = 60s;
  return must(rpc::json_rpc_client::make(cfg), "rpc client");
}

// The node's serving rate: every block's hash, body and events, `clients` at once.
double serve_rate(const std::string& url, const std::string& events_key, uint64_t head,
                  unsigned clients, std::vector<std::string>& events_hex) {
  events_hex.assign(head + 1, {});
  std::atomic<uint64_t> next{1};
  std::atomic<bool> failed{false};
  auto t = clk::now();
  std::vector<std::thread> threads;
  for (unsigned c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      auto client = client_for(url);
      for (uint64_t n = next++; n <= head && !failed; n = next++) {
        auto hash = client->call("chain_getBlockHash", json::array({n}));
        auto block = hash ? client->call("chain_getBlock", json::array({*hash})) : hash;
        auto events = block ? client->call("state_getStorage", json::array({events_key, *hash}))
                            : block;
        if (!events || !events->is_string()) {
          failed = true;
          return;
        }
        events_hex[n] = events->get<std::string>();
      }
    });
  for (auto& th : threads)
    th.join();
  if (failed)
    die("reading the blocks back failed");
  return double(head) / seconds_since(t);
}

// The node serving the watcher's access pattern, one client: per chunk of
// `chunk` blocks one batch of hashes, then one batch of bodies and events.
double batched_serve_rate(const std::string& url, const std::string& events_key, uint64_t head,
                          uint64_t chunk) {
  auto client = client_for(url);
  auto t = clk::now();
  for (uint64_t from = 1; from <= head; from += chunk) {
    auto to = std::min(head, from + chunk - 1);
    std::vector<rpc::rpc_call> calls;
    for (uint64_t n = from; n <= to; ++n)
      calls.push_back({"chain_getBlockHash", json::array({n})});
    auto hashes = must(client->batch(calls), "batch of hashes");
    calls.clear();
    for (auto& h : hashes) {
      if (!h)
        die("chain_getBlockHash failed");
      calls.push_back({"chain_getBlock", json::array({*h})});
      calls.push_back({"state_getStorage", json::array({events_key, *h})});
    }
    for (auto& answer : must(client->batch(calls), "batch of bodies and events"))
      if (!answer)
        die("a batched call failed");
  }
  return double(head) / seconds_since(t);
}

// Decode-only: what the watcher does with the bytes, without the node or SQLite.
double decode_rate(const sub::metadata& md, const std::vector<std::string>& events_hex,
                   const chain::bytes& deposit_account, uint64_t& transfers_to_deposit) {
  sub::event_selector sel;
  if (auto err = sel.add(md, "Balances", "Transfer"))
    die(describe(err));
  uint64_t rounds = 0, blocks = 0;
  auto t = clk::now();
  do {
    transfers_to_deposit = 0;
    for (size_t n = 1; n < events_hex.size(); ++n) {
      auto raw = must(chain::from_hex(events_hex[n]), "events hex");
      auto records = must(sub::decode_events(md, chain::byte_view(raw.data(), raw.size()), sel),
                          "decode block " + std::to_string(n));
      for (auto& r : records) {
        if (!r.fields)
          continue;
        auto j = r.to_json();
        auto to = j["fields"].contains("to") ? j["fields"]["to"].dump() : std::string{};
        if (to.find(chain::to_hex(deposit_account, false)) != std::string::npos)
          ++transfers_to_deposit;
      }
      ++blocks;
    }
    ++rounds;
  } while (seconds_since(t) < 2.0 && rounds < 50);
  return double(blocks) / seconds_since(t);
}

struct catchup_result {
  double blocks_per_second = 0;
  uint64_t deposits = 0;
};

// The watcher from an empty database to the head.
catchup_result catch_up(const std::string& url, const std::string& deposit_hex, uint64_t head,
                        uint64_t step, const std::string& db_path) {
  caf::actor_system_config sys_cfg;
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system sys{sys_cfg};
  auto store = sys.spawn(storage, storage_config{db_path});
  kusama_watcher_config cfg;
  cfg.rpc.url = url;
  cfg.rpc.read_timeout = 60s;
  cfg.deposit_account = deposit_hex;
  cfg.start_block = 1;
  cfg.minimum_planck = chain::eth::u256::pow10(12);
  cfg.poll_interval = 20ms;
  cfg.max_blocks_per_step = step;
  auto t = clk::now();
  auto watcher = sys.spawn<caf::detached>(kusama_watcher, cfg, store);
  caf::scoped_actor self{sys};
  uint64_t cursor = 0;
  while (cursor < head) {
    std::this_thread::sleep_for(5ms);
    self->request(watcher, 10s, status_atom_v)
      .receive([&](const kusama_watcher_status& s) { cursor = s.has_cursor ? s.cursor : 0; },
               [&](caf::error& err) { die("watcher status: " + describe(err)); });
    if (seconds_since(t) > 600)
      die("catch-up did not finish in 10 minutes (cursor " + std::to_string(cursor) + ")");
  }
  catchup_result r;
  r.blocks_per_second = double(head) / seconds_since(t);
  self->send_exit(watcher, caf::exit_reason::user_shutdown);
  self->send_exit(store, caf::exit_reason::user_shutdown);
  self->wait_for(watcher, store);
  SQLite::Database db(db_path, SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT count(*) FROM deposits");
  q.executeStep();
  r.deposits = static_cast<uint64_t>(q.getColumn(0).getInt64());
  return r;
}

} // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> opt = {{"--metadata", "kusama"}, {"--blocks", "3000"},
                                            {"--every", "5"},         {"--tx", "6"},
                                            {"--clients", "4"},       {"--runs", "3"},
                                            {"--step", "64"}};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!opt.count(argv[i]))
      die(std::string{"unknown option "} + argv[i]);
    opt[argv[i]] = argv[i + 1];
  }
  spdlog::set_level(spdlog::level::warn);
  auto blocks = std::stoull(opt["--blocks"]);
  test::temp_dir dir;
  test::kusama_node node(dir, {"--block-ms", "0", "--finality-lag", "0", "--metadata",
                               opt["--metadata"], "--state-pruning", std::to_string(blocks + 1000)});
  if (!node.ok())
    die("the local Kusama node did not start:\n" + node.log());

  chain::bytes deposit(32, 0x42); // an account nobody holds the key of
  auto deposit_ss58 = must(chain::sig::ss58_encode(chain::byte_view(deposit.data(), 32), 2), "ss58");
  auto deposit_hex = chain::to_hex(chain::byte_view(deposit.data(), 32));

  std::cerr << "bench_catchup: filling " << blocks << " blocks (" << opt["--tx"]
            << " extrinsics every " << opt["--every"] << ")...\n";
  auto t = clk::now();
  auto filled = json::parse(run_capture("node " + repo + "/tools/bench_catchup/fill_chain.mjs "
                                        + node.url + " " + deposit_ss58 + " " + opt["--blocks"]
                                        + " " + opt["--every"] + " " + opt["--tx"]));
  auto head = filled["head"].get<uint64_t>();
  auto expected_deposits = filled["deposits"].get<uint64_t>();
  std::cerr << "bench_catchup: chain of " << head << " blocks, " << filled["extrinsics"]
            << " extrinsics, " << expected_deposits << " deposits, in " << seconds_since(t)
            << " s\n";

  auto client = client_for(node.url);
  auto md_hex = must(client->call("state_getMetadata"), "state_getMetadata");
  auto md_raw = must(chain::from_hex(md_hex.get<std::string>()), "metadata hex");
  auto md = must(sub::metadata::parse(chain::byte_view(md_raw.data(), md_raw.size())), "metadata");
  auto key = must(sub::storage_key(*md, "System", "Events", {}), "events key");
  auto events_key = chain::to_hex(chain::byte_view(key.data(), key.size()));

  auto runs = std::stoul(opt["--runs"]);
  std::printf("metadata %s, %llu blocks, %llu deposits\n", opt["--metadata"].c_str(),
              static_cast<unsigned long long>(head),
              static_cast<unsigned long long>(expected_deposits));
  std::printf("%-4s %13s %13s %13s %13s %10s %10s %10s\n", "run", "catch-up b/s",
              "served b/s", "batched b/s", "decode b/s", "vs served", "vs batched", "vs decode");
  for (unsigned r = 1; r <= runs; ++r) {
    std::vector<std::string> events_hex;
    auto served = serve_rate(node.url, events_key, head, std::stoul(opt["--clients"]), events_hex);
    auto batched = batched_serve_rate(node.url, events_key, head, 64);
    uint64_t found = 0;
    auto decoded = decode_rate(*md, events_hex, deposit, found);
    if (found != expected_deposits)
      die("decode found " + std::to_string(found) + " deposits, expected "
          + std::to_string(expected_deposits));
    auto c = catch_up(node.url, deposit_hex, head, std::stoull(opt["--step"]), dir.file("run" + std::to_string(r) + ".sqlite"));
    if (c.deposits != expected_deposits)
      die("the watcher stored " + std::to_string(c.deposits) + " deposits, expected "
          + std::to_string(expected_deposits));
    std::printf("%-4u %13.0f %13.0f %13.0f %13.0f %9.0f%% %9.0f%% %9.1f%%\n", r,
                c.blocks_per_second, served, batched, decoded, 100 * c.blocks_per_second / served,
                100 * c.blocks_per_second / batched, 100 * c.blocks_per_second / decoded);
    std::fflush(stdout);
  }
  return 0;
}

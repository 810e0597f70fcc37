// P1 benchmark: signed claims per second through POST /v1/claims (real HTTP
// server, supervisor, notary and storage actors, SQLite on disk) next to a
// single-thread loop of just the crypto every claim needs (sr25519 signRaw
// verify + EIP-712 secp256k1 claim signature), measured in the same run.
//
// Loopback only, bounded: N requests per concurrency level, and each phase
// stops at --max-seconds. Every answer must be 200 or the run fails.
//
//   bench_claims [--requests N] [--clients 1,4,16] [--rounds R] [--accounts A]
//                [--max-seconds S] [--no-storage-only] [--ledger DB]
//
// --ledger DB starts from a copy of an existing database (e.g. the issue #16
// data set made by tools/scale_dataset: 100k stakers, ~1M history rows), so
// claims are measured against a large ledger; the bench accounts are
// credited into it as usual.
//
// The machine is a shared VPS whose speed drifts by tens of percent within a
// minute, so the crypto loop is run between every two HTTP phases and each
// phase is compared with the mean of the loops just before and after it;
// with --rounds R every client count is measured R times (interleaved) and
// the summary gives the median ratio.
#include "actors/metrics.hpp"
#include "actors/notary.hpp"
#include "actors/supervisor.hpp"
#include "api/claim_request.hpp"
#include "api/http_server.hpp"
#include "api/user_routes.hpp"
#include "chain/ethereum/amount.hpp"
#include "chain/ethereum/claim_digest.hpp"
#include "chain/ethereum/keccak.hpp"
#include "chain/sig/keypair.hpp"
#include "chain/sig/sign_raw.hpp"
#include "config/secret_file.hpp"
#include "storage/ledger.hpp"
#include "tests/support/api_fixture.hpp"
#include "tests/support/claim_request.hpp"
#include "tests/support/eth_claim.hpp"

#include <SQLiteCpp/Database.h>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

using namespace lstaked;
using json = nlohmann::json;
using chain::eth::u256;
using clock_type = std::chrono::steady_clock;

namespace {

// The notary's key is anvil's well-known dev account #0 (test::anvil_key0): a test key.
const char* pool = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const char* token = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
constexpr uint64_t chain_id = 31337;
constexpr uint64_t eth_head = 1000;
constexpr uint64_t validity_blocks = 50;
constexpr uint16_t ss58_prefix = 2;

struct options {
  size_t requests = 2000;
  std::vector<size_t> clients{1, 4, 16};
  size_t accounts = 8;
  double max_seconds = 60;
  uint32_t server_threads = 0; // 0: max(clients)
  bool storage_only = true;     // --no-storage-only skips phase (c), e.g. to profile (a)+(b)
  size_t rounds = 1;
  std::string ledger; // --ledger: start from a copy of this database
};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_claims: %s\n", what.c_str());
  std::exit(1);
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc)
        die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--requests")
      o.requests = std::stoul(next());
    else if (a == "--accounts")
      o.accounts = std::stoul(next());
    else if (a == "--max-seconds")
      o.max_seconds = std::stod(next());
    else if (a == "--server-threads")
      o.server_threads = static_cast<uint32_t>(std::stoul(next()));
    else if (a == "--rounds")
      o.rounds = std::stoul(next());
    else if (a == "--ledger")
      o.ledger = next();
    else if (a == "--no-storage-only")
      o.storage_only = false;
    else if (a == "--clients") {
      o.clients.clear();
      std::stringstream ss(next());
      for (std::string part; std::getline(ss, part, ',');)
        o.clients.push_back(std::stoul(part));
    } else
      die("unknown argument " + a + " (see the comment at the top of bench_claims.cpp)");
  }
  if (o.requests == 0 || o.clients.empty() || o.accounts == 0 || o.rounds == 0)
    die("requests, clients, rounds and accounts must be positive");
  if (o.server_threads == 0)
    o.server_threads = static_cast<uint32_t>(*std::max_element(o.clients.begin(), o.clients.end()));
  return o;
}

chain::byte_view view(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// One pre-signed request: the HTTP body and what the crypto loop needs.
struct prepared {
  std::string body;
  size_t account = 0;
  std::string message;
  chain::bytes signature;
  chain::eth::claim_authorization auth;
};

int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

std::vector<prepared> make_requests(const std::vector<chain::sig::keypair>& keys, size_t count,
                                    const std::string& tag, const std::string& eth_to) {
  std::vector<prepared> out;
  out.reserve(count);
  auto expires = unix_now() + 1800;
  auto planck = *chain::eth::parse_amount("0.001", chain::eth::ksm_decimals);
  for (size_t i = 0; i < count; ++i) {
    prepared p;
    p.account = i % keys.size();
    auto& key = keys[p.account];
    auto nonce = "bench-" + tag + "-" + std::to_string(i);
    auto request = test::sign_claim_request(
      key, {key.address(ss58_prefix), eth_to, "0.001", chain_id, nonce, expires});
    if (!request)
      die("sr25519 sign failed: " + describe(request.error()));
    p.message = request->message;
    p.signature = request->signature;
    p.body = request->body().dump();
    // What the notary signs for this request (claimId = keccak-256 of the message).
    auto id = chain::eth::keccak256(view(p.message));
    p.auth = test::eth_claim{chain_id, pool, token, *u256::from_hex(chain::to_hex(id)),
                             *checked_mul(planck, u256::pow10(6)), eth_head + validity_blocks, eth_to}
               .authorization();
    out.push_back(std::move(p));
  }
  return out;
}

struct baseline_result {
  size_t ops = 0;
  double seconds = 0;
  double per_second() const { return ops / seconds; }
};

// (a) Just the crypto, one thread: verify the wallet's signature, sign the claim.
baseline_result crypto_loop(const std::vector<prepared>& reqs,
                            const std::vector<chain::sig::keypair>& keys,
                            const chain::secret_key32& key, const chain::eth::eip712_domain& domain,
                            double max_seconds) {
  baseline_result r;
  auto start = clock_type::now();
  for (auto& p : reqs) {
    auto ok = chain::sig::verify_sign_raw(chain::sig::scheme::sr25519,
                                          chain::bytes(keys[p.account].account().begin(),
                                                       keys[p.account].account().end()),
                                          view(p.message), p.signature);
    if (!ok || !*ok)
      die("baseline: a pre-signed request does not verify");
    auto sig = chain::eth::sign_claim(domain, p.auth, key);
    if (!sig)
      die("baseline: sign_claim failed");
    ++r.ops;
    if (std::chrono::duration<double>(clock_type::now() - start).count() > max_seconds)
      break;
  }
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return r;
}

struct e2e_result {
  size_t clients = 0;
  size_t ok = 0;
  size_t failed = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::string first_failure;
  double cpu_seconds = 0;      // whole process (server, actors and clients), user + sys
  uint64_t commits = 0;        // FULL-sync SQLite transactions during the phase
  uint64_t commit_sum_us = 0;  // their BEGIN..COMMIT time
  double per_second() const { return ok / seconds; }
  size_t round = 0;
  double crypto_per_second = 0; // mean of the crypto loops just before and after this phase
  double ratio() const { return per_second() / crypto_per_second; }
};

double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The storage actor's own metrics (same registry, same process).
counter_metric& full_commits() {
  return metrics_registry::global().counter("lstaked_sqlite_commits_total",
                                            "Storage transactions committed", {{"durability", "full"}});
}
histogram_metric& commit_time() {
  return metrics_registry::global().histogram(
    "lstaked_sqlite_commit_seconds", "Time from BEGIN to durable COMMIT of one storage transaction");
}

// (b) K keep-alive clients share the requests (client i takes i, i+K, ...).
e2e_result run_clients(uint16_t port, const std::vector<prepared>& reqs, size_t k,
                       double max_seconds) {
  e2e_result r;
  r.clients = k;
  std::vector<std::vector<double>> latencies(k);
  std::vector<size_t> failed(k, 0);
  std::vector<std::string> failures(k);
  auto cpu0 = process_cpu_seconds();
  auto commits0 = full_commits().value.load();
  auto commit_us0 = commit_time().sum_us();
  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration_cast<clock_type::duration>(
                            std::chrono::duration<double>(max_seconds));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < k; ++t)
    threads.emplace_back([&, t] {
      httplib::Client client{"127.0.0.1", port};
      client.set_tcp_nodelay(true);
      client.set_keep_alive(true);
      client.set_read_timeout(30, 0);
      for (size_t i = t; i < reqs.size() && clock_type::now() < deadline; i += k) {
        auto t0 = clock_type::now();
        auto res = client.Post("/v1/claims", reqs[i].body, "application/json");
        auto t1 = clock_type::now();
        if (res && res->status == 200) {
          latencies[t].push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
        } else {
          if (failed[t]++ == 0)
            failures[t] = res ? std::to_string(res->status) + " " + res->body
                              : "transport error " + httplib::to_string(res.error());
        }
      }
    });
  for (auto& th : threads)
    th.join();
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  r.cpu_seconds = process_cpu_seconds() - cpu0;
  r.commits = full_commits().value.load() - commits0;
  r.commit_sum_us = commit_time().sum_us() - commit_us0;
  std::vector<double> all;
  for (size_t t = 0; t < k; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    r.failed += failed[t];
    if (r.first_failure.empty())
      r.first_failure = failures[t];
  }
  r.ok = all.size();
  std::sort(all.begin(), all.end());
  auto pct = [&](double q) {
    if (all.empty())
      return 0.0;
    auto idx = static_cast<size_t>(q * static_cast<double>(all.size() - 1) + 0.5);
    return all[std::min(idx, all.size() - 1)];
  };
  r.p50_ms = pct(0.50);
  r.p99_ms = pct(0.99);
  r.max_ms = all.empty() ? 0 : all.back();
  return r;
}

struct storage_result {
  size_t batch = 0;
  size_t claims = 0;
  double seconds = 0;
  double ms_per_claim() const { return 1000.0 * seconds / claims; }
};

// (c) Just the storage transaction the notary runs, without any crypto: write
// tasks of `batch` claims (each in a SAVEPOINT, as the notary's group commit
// does) with a constant signature, one after the other. Isolates SQL + fsync.
storage_result storage_only(caf::actor_system& sys, storage_actor storage,
                            const std::vector<chain::sig::keypair>& keys, size_t count, size_t batch,
                            const std::string& tag) {
  std::vector<ledger::claim_intent> intents;
  auto planck = *chain::eth::parse_amount("0.001", chain::eth::ksm_decimals);
  auto expires_ms = (unix_now() + 1800) * 1000;
  for (size_t i = 0; i < count; ++i) {
    ledger::claim_intent in;
    auto seed = "storage-" + tag + "-" + std::to_string(i);
    in.claim_id = chain::to_hex(chain::eth::keccak256(view(seed)));
    in.request_digest = chain::to_hex(chain::eth::keccak256(view(seed + "/digest")));
    auto& acc = keys[i % keys.size()].account();
    in.account = chain::to_hex(chain::bytes(acc.begin(), acc.end()));
    in.eth_address = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";
    in.amount_planck = planck;
    in.nonce = seed;
    in.claim_before_block = eth_head + validity_blocks;
    in.expires_at_ms = expires_ms;
    intents.push_back(std::move(in));
  }
  const std::string fixed_sig = "0x" + std::string(130, 'a');
  caf::scoped_actor self{sys};
  auto start = clock_type::now();
  for (size_t i = 0; i < count; i += batch) {
    auto end = std::min(count, i + batch);
    std::vector<ledger::claim_intent> part(intents.begin() + static_cast<std::ptrdiff_t>(i),
                                           intents.begin() + static_cast<std::ptrdiff_t>(end));
    write_task task{"bench reserve", sql::durability::full,
                    [part, fixed_sig](SQLite::Database& db) {
                      auto sign = [&](const ledger::claim_record&) -> caf::expected<std::string> {
                        return fixed_sig;
                      };
                      // The writer's kept statements, as the notary's group commit.
                      ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                        for (auto& in : part) {
                          sc("SAVEPOINT claim").exec();
                          auto c = ledger::reserve_claim(sc, in, sign, 1);
                          if (!c)
                            throw std::runtime_error("reserve_claim: " + describe(c.error()));
                          sc("RELEASE claim").exec();
                        }
                      });
                    }};
    self->request(storage, caf::infinite, write_atom_v, std::move(task))
      .receive([](uint64_t) {}, [](caf::error& err) { die("storage phase: " + describe(err)); });
  }
  storage_result r;
  r.batch = batch;
  r.claims = count;
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  return r;
}

std::string load_average() {
  std::ifstream in{"/proc/loadavg"};
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

} // namespace

int main(int argc, char** argv) {
  auto opt = parse_args(argc, argv);
  spdlog::set_level(spdlog::level::warn);

  test::temp_dir dir;
  auto db_path = dir.file("db.sqlite");
  if (!opt.ledger.empty()) {
    std::error_code copy_err;
    std::filesystem::copy_file(opt.ledger, db_path, copy_err);
    if (copy_err)
      die("--ledger " + opt.ledger + ": " + copy_err.message());
  }
  if (auto err = create_secret_file(dir.file("notary.key"), test::anvil_key0.substr(2)))
    die("notary key: " + describe(err));

  // Signing accounts (dev-phrase derivations) and their requests, before any timing.
  std::vector<chain::sig::keypair> keys;
  for (size_t a = 0; a < opt.accounts; ++a) {
    auto k = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519,
                                           "//bench" + std::to_string(a));
    if (!k)
      die("keypair: " + describe(k.error()));
    keys.push_back(std::move(*k));
  }
  std::string eth_to = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // anvil dev account #1
  auto baseline_reqs = make_requests(keys, opt.requests, "baseline", eth_to);
  std::vector<std::vector<prepared>> e2e_reqs; // [round * clients.size() + i]
  for (size_t r = 0; r < opt.rounds; ++r)
    for (auto k : opt.clients)
      e2e_reqs.push_back(make_requests(keys, opt.requests, "r" + std::to_string(r) + "k"
                                                              + std::to_string(k) + "-"
                                                              + std::to_string(e2e_reqs.size()),
                                       eth_to));

  // The daemon's components, as in tests/claims/claims_api_test.cpp.
  supervisor_config cfg;
  cfg.storage.path = db_path;
  // No Ethereum node: the notary-set check (notary_set_guard) is off and the key signs.
  cfg.children.push_back(notary_child(
    notary_config{dir.file("notary.key"), chain_id, pool, token, validity_blocks, {}, false,
                  std::chrono::seconds(120)}));
  test::in_process_app app{cfg, [](caf::actor_system_config& c) { configure_scheduler(c); }}; // as the daemon
  caf::anon_send(app.supervisor(), eth_head_atom_v, eth_head);
  auto storage = app.storage();
  if (!storage)
    die("no storage: " + describe(storage.error()));
  // 100 KSM per account: far more than N x 0.001 KSM.
  for (size_t a = 0; a < keys.size(); ++a) {
    auto account = chain::to_hex(chain::bytes(keys[a].account().begin(), keys[a].account().end()));
    auto event = static_cast<uint32_t>(a);
    auto err = app.write([account, event](SQLite::Database& db) {
      ledger::kusama_deposit d{"0x" + std::string(64, '1'), 7, 1, event, "0x", account,
                               *u256::from_dec("100000000000000")};
      if (!ledger::credit_deposit(db, d, u256::pow10(12), 1))
        throw std::runtime_error("credit failed");
    }, "bench credit");
    if (err)
      die("credit: " + describe(err));
  }
  http_config http;
  http.port = 0;
  http.threads = opt.server_threads;
  http.max_body_bytes = 4096;
  // Every client of the load is 127.0.0.1: the per-address cap (16 by
  // default) would refuse the 17th connection of a 64-client phase.
  http.max_connections_per_client =
    std::max(http.max_connections_per_client,
             static_cast<uint32_t>(*std::max_element(opt.clients.begin(), opt.clients.end())));
  auto bound = app.serve(http, [&](api::http_server& server) {
    api::add_user_routes(server, {&app.system(), app.supervisor(), db_path, ss58_prefix, chain_id, token,
                                  3600, std::chrono::milliseconds(30000)});
  });
  if (!bound)
    die("http: " + describe(bound.error()));

  // The notary's key and domain, for the crypto loop.
  chain::secret_key32 key;
  {
    auto raw = *chain::from_hex(test::anvil_key0);
    key = chain::secret_key32{raw.data()};
  }
  test::eth_claim domain_of;
  domain_of.chain_id = chain_id;
  domain_of.pool = pool;
  auto domain = domain_of.domain();

  std::printf("bench_claims: %zu requests per phase, %zu sr25519 accounts, amount 0.001 KSM, "
              "server threads %u, cores %u, load average %s\n",
              opt.requests, opt.accounts, opt.server_threads, std::thread::hardware_concurrency(),
              load_average().c_str());
  std::fflush(stdout);

  // Warm-up: a few claims so first-connection and first-statement costs are not timed.
  {
    auto warm = make_requests(keys, 20, "warmup", eth_to);
    auto w = run_clients(*bound, warm, 1, opt.max_seconds);
    if (w.failed)
      die("warm-up failed: " + w.first_failure);
  }

  // crypto, phase, crypto, phase, ... crypto: each phase is bracketed by the
  // loops run just before and after it (the machine's speed drifts).
  std::vector<double> loops;
  loops.push_back(crypto_loop(baseline_reqs, keys, key, domain, opt.max_seconds).per_second());
  std::vector<e2e_result> results;
  bool all_ok = true;
  for (size_t r = 0; r < opt.rounds; ++r)
    for (size_t i = 0; i < opt.clients.size(); ++i) {
      results.push_back(run_clients(*bound, e2e_reqs[r * opt.clients.size() + i], opt.clients[i],
                                    opt.max_seconds));
      loops.push_back(crypto_loop(baseline_reqs, keys, key, domain, opt.max_seconds).per_second());
      auto& res = results.back();
      res.round = r + 1;
      res.crypto_per_second = (loops[loops.size() - 2] + loops.back()) / 2;
      if (res.failed) {
        all_ok = false;
        std::fprintf(stderr, "clients=%zu: %zu failed, first: %s\n", opt.clients[i], res.failed,
                     res.first_failure.c_str());
      }
    }
  double baseline = 0;
  for (double l : loops)
    baseline += l;
  baseline /= static_cast<double>(loops.size());
  auto [loop_min, loop_max] = std::minmax_element(loops.begin(), loops.end());
  std::vector<storage_result> storage_results;
  for (size_t b : {size_t{1}, size_t{8}, size_t{64}})
    if (opt.storage_only)
      storage_results.push_back(storage_only(app.system(), *storage, keys, std::min<size_t>(opt.requests, 2000),
                                           b, "b" + std::to_string(b)));

  std::printf("\ncrypto loop (1 thread, sr25519 verify + EIP-712 sign), run %zu times between "
              "the phases: min %.0f, max %.0f, mean %.0f ops/s\n\n",
              loops.size(), *loop_min, *loop_max, baseline);
  std::printf("| round | clients | claims | failed | seconds | claims/s | p50 ms | p99 ms | max ms "
              "| crypto loop around it | e2e / crypto |\n");
  std::printf("|------:|--------:|-------:|-------:|--------:|---------:|-------:|-------:|-------:"
              "|---------------------:|-------------:|\n");
  for (auto& r : results)
    std::printf("| %5zu | %7zu | %6zu | %6zu | %7.2f | %8.0f | %6.2f | %6.2f | %6.2f | %20.0f | "
                "%11.0f%% |\n",
                r.round, r.clients, r.ok, r.failed, r.seconds, r.per_second(), r.p50_ms,
                r.p99_ms, r.max_ms, r.crypto_per_second, 100.0 * r.ratio());
  std::printf("\nmedian over %zu round(s):\n\n| clients | claims/s | p50 ms | p99 ms | e2e / crypto "
              "|\n|--------:|---------:|-------:|-------:|-------------:|\n",
              opt.rounds);
  for (auto k : opt.clients) {
    std::vector<double> rate, p50, p99, ratio;
    for (auto& r : results)
      if (r.clients == k) {
        rate.push_back(r.per_second());
        p50.push_back(r.p50_ms);
        p99.push_back(r.p99_ms);
        ratio.push_back(100.0 * r.ratio());
      }
    std::printf("| %7zu | %8.0f | %6.2f | %6.2f | %11.0f%% |\n", k, median(rate), median(p50),
                median(p99), median(ratio));
  }
  std::printf("\nwhere the time goes (per phase):\n\n");
  std::printf("| round | clients | CPU ms/claim (process) | cores busy | SQLite FULL commits | "
              "claims/commit | mean commit ms |\n");
  std::printf("|------:|--------:|----------------------:|-----------:|--------------------:|"
              "--------------:|---------------:|\n");
  for (auto& r : results)
    std::printf("| %5zu | %7zu | %21.3f | %10.2f | %19llu | %13.1f | %14.3f |\n", r.round, r.clients,
                r.ok ? 1000.0 * r.cpu_seconds / r.ok : 0.0, r.cpu_seconds / r.seconds,
                static_cast<unsigned long long>(r.commits),
                r.commits ? static_cast<double>(r.ok) / r.commits : 0.0,
                r.commits ? r.commit_sum_us / 1000.0 / r.commits : 0.0);
  std::printf("\ncrypto loop CPU: %.3f ms per claim\n", 1000.0 / baseline);
  if (!storage_results.empty())
    std::printf("\nstorage only (reserve_claim in FULL write tasks, constant signature, no crypto, "
                "1 caller):\n\n| claims/tx | claims | claims/s | ms/claim |\n|---:|---:|---:|---:|\n");
  for (auto& r : storage_results)
    std::printf("| %zu | %zu | %.0f | %.3f |\n", r.batch, r.claims, r.claims / r.seconds,
                r.ms_per_claim());
  std::printf("\ntarget: e2e >= 50%% of the crypto loop; load average at end %s\n",
              load_average().c_str());

  return all_ok ? 0 : 2; // `app` stops the server and the actors, `dir` is removed
}

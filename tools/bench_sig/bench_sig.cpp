// bench_sig: signatures per second for each scheme the notary and the signer use.
//
//   build-sig/tools/bench_sig/bench_sig --benchmark_min_time=2
//
// ed25519 (pure libsodium) is the baseline the sr25519 figures are read against; all
// messages are the size of a signRaw claim message (~140 bytes wrapped).
#include "chain/common/hash.hpp"
#include "chain/sig/ecdsa.hpp"
#include "chain/sig/ed25519.hpp"
#include "chain/sig/sign_raw.hpp"
#include "chain/sig/sr25519.hpp"
#include "chain/sig/ss58.hpp"

#include <benchmark/benchmark.h>

#include <string>

namespace {

using namespace lstaked::chain;
using namespace lstaked::chain::sig;

secret_key32 bench_seed() {
  auto h = blake2b_256(bytes{'b', 'e', 'n', 'c', 'h'});
  return secret_key32(h.data());
}

bytes claim_message() {
  std::string text = "lstaked claim: 12.1234 KSM to 0x8ba1f109551bd432803012645ac136ddd64dba72 "
                     "nonce 7 expires 1767225600";
  return wrap_bytes(bytes(text.begin(), text.end()));
}

void sr25519_sign_bench(benchmark::State& state) {
  auto pair = *sr25519_from_seed(bench_seed());
  auto msg = claim_message();
  for (auto _ : state)
    benchmark::DoNotOptimize(sr25519_sign(pair, msg));
  state.SetItemsProcessed(state.iterations());
}

void sr25519_verify_bench(benchmark::State& state) {
  auto pair = *sr25519_from_seed(bench_seed());
  auto msg = claim_message();
  auto sig = sr25519_sign(pair, msg);
  for (auto _ : state)
    if (!sr25519_verify(pair.public_key, msg, sig))
      state.SkipWithError("sr25519 verify failed");
  state.SetItemsProcessed(state.iterations());
}

void ed25519_sign_bench(benchmark::State& state) {
  auto pair = ed25519_from_seed(bench_seed());
  auto msg = claim_message();
  for (auto _ : state)
    benchmark::DoNotOptimize(ed25519_sign(pair, msg));
  state.SetItemsProcessed(state.iterations());
}

void ed25519_verify_bench(benchmark::State& state) {
  auto pair = ed25519_from_seed(bench_seed());
  auto msg = claim_message();
  auto sig = ed25519_sign(pair, msg);
  for (auto _ : state)
    if (!ed25519_verify(pair.public_key, msg, sig))
      state.SkipWithError("ed25519 verify failed");
  state.SetItemsProcessed(state.iterations());
}

void ecdsa_sign_bench(benchmark::State& state) {
  auto pair = *ecdsa_from_seed(bench_seed());
  auto msg = claim_message();
  for (auto _ : state)
    benchmark::DoNotOptimize(ecdsa_sign(pair, msg));
  state.SetItemsProcessed(state.iterations());
}

void ecdsa_verify_bench(benchmark::State& state) {
  // Against an address: recover, compress, blake2-256, compare (what a claim check does).
  auto pair = *ecdsa_from_seed(bench_seed());
  auto msg = claim_message();
  auto sig = *ecdsa_sign(pair, msg);
  auto account = ecdsa_account_id(pair.public_key);
  for (auto _ : state)
    if (!ecdsa_verify_account(account, msg, sig))
      state.SkipWithError("ecdsa verify failed");
  state.SetItemsProcessed(state.iterations());
}

void sign_raw_verify_by_address_bench(benchmark::State& state) {
  // The notary's whole check for an sr25519 claim: SS58 decode + wrap + verify.
  auto pair = *sr25519_from_seed(bench_seed());
  std::string text = "lstaked claim: 12.1234 KSM nonce 7";
  bytes msg(text.begin(), text.end());
  auto sig = sr25519_sign(pair, wrap_bytes(msg));
  auto address = *ss58_encode(pair.public_key, ss58_kusama);
  for (auto _ : state) {
    auto signer = parse_signer(address, ss58_kusama);
    if (!signer || !*verify_sign_raw(scheme::sr25519, *signer, msg, sig))
      state.SkipWithError("signRaw verify failed");
  }
  state.SetItemsProcessed(state.iterations());
}

void ss58_decode_bench(benchmark::State& state) {
  auto pair = ed25519_from_seed(bench_seed());
  auto address = *ss58_encode(pair.public_key, ss58_kusama);
  for (auto _ : state)
    benchmark::DoNotOptimize(ss58_decode_account(address, ss58_kusama));
  state.SetItemsProcessed(state.iterations());
}

} // namespace

BENCHMARK(sr25519_verify_bench);
BENCHMARK(ed25519_verify_bench);
BENCHMARK(ecdsa_verify_bench);
BENCHMARK(sr25519_sign_bench);
BENCHMARK(ed25519_sign_bench);
BENCHMARK(ecdsa_sign_bench);
BENCHMARK(sign_raw_verify_by_address_bench);
BENCHMARK(ss58_decode_bench);
BENCHMARK_MAIN();

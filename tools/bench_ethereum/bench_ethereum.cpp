// Throughput of the Ethereum codec's hot paths, one thread:
//   keccak-256 over 32 B .. 64 KiB inputs (MB/s), secp256k1 recoverable sign and
//   recover (per second), the PolkadotPool claim digest alone and digest+sign,
//   ABI encode/decode of claimBonds arguments, RLP signing of an EIP-1559 tx.
#include "chain/ethereum/abi.hpp"
#include "chain/ethereum/claim_digest.hpp"
#include "chain/ethereum/keccak.hpp"
#include "chain/ethereum/transaction.hpp"

#include <benchmark/benchmark.h>

using namespace lstaked::chain;
using namespace lstaked::chain::eth;

namespace {

secret_key32 bench_key() {
  uint8_t raw[32];
  for (int i = 0; i < 32; ++i)
    raw[i] = uint8_t(0x11 + i);
  return secret_key32{raw};
}

claim_authorization bench_claim(uint64_t id) {
  address token{}, account{};
  token.fill(0xaa);
  account.fill(0xbb);
  return claim_authorization{token, u256{id}, *u256::from_dec("12123400000000000000"),
                             u256{123321123}, account};
}

void keccak_throughput(benchmark::State& state) {
  bytes input(size_t(state.range(0)), 0x5a);
  for (auto _ : state)
    benchmark::DoNotOptimize(keccak256(byte_view{input}));
  state.SetBytesProcessed(int64_t(state.iterations()) * state.range(0));
}
BENCHMARK(keccak_throughput)->Arg(32)->Arg(136)->Arg(1024)->Arg(64 * 1024);

void secp256k1_sign(benchmark::State& state) {
  auto key = bench_key();
  hash256 digest{};
  uint64_t n = 0;
  for (auto _ : state) {
    digest[0] = uint8_t(++n);
    digest[1] = uint8_t(n >> 8);
    benchmark::DoNotOptimize(secp256k1::instance().sign(digest, key));
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(secp256k1_sign);

void secp256k1_recover(benchmark::State& state) {
  auto key = bench_key();
  hash256 digest{};
  digest.fill(7);
  auto sig = *secp256k1::instance().sign(digest, key);
  for (auto _ : state)
    benchmark::DoNotOptimize(secp256k1::instance().recover(digest, sig));
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(secp256k1_recover);

void claim_digest_only(benchmark::State& state) {
  address pool{};
  pool.fill(0xcc);
  auto domain = pool_domain(u256{31337}, pool);
  uint64_t id = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(claim_digest(domain, bench_claim(++id)));
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(claim_digest_only);

void claim_digest_cached_domain(benchmark::State& state) {
  address pool{};
  pool.fill(0xcc);
  auto separator = eip712_domain_separator(pool_domain(u256{31337}, pool));
  uint64_t id = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(claim_digest(separator, bench_claim(++id)));
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(claim_digest_cached_domain);

void claim_digest_and_sign(benchmark::State& state) {
  address pool{};
  pool.fill(0xcc);
  auto domain = pool_domain(u256{31337}, pool);
  auto key = bench_key();
  uint64_t id = 0;
  for (auto _ : state)
    benchmark::DoNotOptimize(sign_claim(domain, bench_claim(++id), key));
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(claim_digest_and_sign);

void abi_claim_bonds_roundtrip(benchmark::State& state) {
  auto types = *parse_abi_types("(address,uint256,uint256,uint256,address,bytes)");
  std::vector<abi_value> values = {
    abi_value::number(u256{1}), abi_value::number(u256{2}), abi_value::number(u256{3}),
    abi_value::number(u256{4}), abi_value::number(u256{5}), abi_value::blob(bytes(65, 0x1b))};
  for (auto _ : state) {
    auto encoded = abi_encode(types, values);
    benchmark::DoNotOptimize(abi_decode(types, *encoded));
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(abi_claim_bonds_roundtrip);

void eip1559_sign(benchmark::State& state) {
  auto key = bench_key();
  address to{};
  to.fill(0xdd);
  tx_eip1559 tx{u256{1}, u256{0}, u256{1000000000}, u256{30000000000}, u256{100000}, to,
                u256{0}, bytes(100, 0xab)};
  for (auto _ : state) {
    tx.nonce = checked_add(tx.nonce, u256{1}).value();
    benchmark::DoNotOptimize(sign_transaction(tx, key));
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(eip1559_sign);

} // namespace

BENCHMARK_MAIN();

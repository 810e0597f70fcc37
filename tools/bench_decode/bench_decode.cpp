// Decode throughput of chain/substrate on recorded Kusama-like blocks
// (tools/vectors/substrate/bench-blocks-kusama-v15.bin: 64 blocks of 64 events and 11
// extrinsics, encoded by polkadot-js with the real Kusama V15 metadata).
//
//   full_tree:  every event and every extrinsic decoded into value trees
//   watcher:    extrinsics decoded; only Balances.Transfer and System.ExtrinsicSuccess/Failed
//               built, other events validated and skipped with metadata-derived sizes
//   events_skip: events only, all skipped (the cost of walking a block's events)
// Counters: blocks/s, and bytes_per_second = System.Events bytes per second.
#include "chain/substrate/events.hpp"
#include "chain/substrate/extrinsic.hpp"

#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

using namespace lstaked::chain;
using namespace lstaked::chain::substrate;

namespace {

struct block {
  byte_view events;
  std::vector<byte_view> extrinsics;
};

struct corpus {
  bytes file;
  metadata_ptr md;
  std::vector<block> blocks;
  size_t event_bytes = 0;
};

bytes read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + path);
  return bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

const corpus& data() {
  static corpus c = [] {
    corpus c;
    std::string dir = std::string(LSTAKED_SOURCE_DIR) + "/tools/vectors/substrate/";
    auto raw = read(dir + "kusama-v15.bin");
    c.md = *metadata::parse(raw);
    c.file = read(dir + "bench-blocks-kusama-v15.bin");
    scale_reader r{c.file};
    auto n = *r.compact_u32();
    for (uint32_t b = 0; b < n; ++b) {
      block blk;
      blk.events = *r.length_prefixed();
      c.event_bytes += blk.events.size;
      auto k = *r.compact_u32();
      for (uint32_t i = 0; i < k; ++i) {
        const uint8_t* start = r.position();
        (void) r.length_prefixed();
        blk.extrinsics.push_back(byte_view{start, static_cast<size_t>(r.position() - start)});
      }
      c.blocks.push_back(std::move(blk));
    }
    if (!r.at_end())
      throw std::runtime_error("bench file has trailing bytes");
    return c;
  }();
  return c;
}

void run(benchmark::State& state, const event_selector& sel, bool extrinsics) {
  auto& c = data();
  size_t blocks = 0, bytes_done = 0;
  for (auto _ : state) {
    for (auto& b : c.blocks) {
      auto evs = decode_events(*c.md, b.events, sel);
      if (!evs)
        state.SkipWithError("event decoding failed");
      benchmark::DoNotOptimize(evs);
      if (extrinsics)
        for (auto& x : b.extrinsics) {
          auto dec = decode_extrinsic(*c.md, x);
          if (!dec)
            state.SkipWithError("extrinsic decoding failed");
          benchmark::DoNotOptimize(dec);
        }
      ++blocks;
      bytes_done += b.events.size;
    }
  }
  state.counters["blocks/s"] = benchmark::Counter(static_cast<double>(blocks),
                                                  benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<int64_t>(bytes_done));
}

void full_tree(benchmark::State& state) {
  run(state, event_selector::all(), true);
}

void watcher(benchmark::State& state) {
  auto& c = data();
  event_selector sel;
  (void) sel.add(*c.md, "Balances", "Transfer");
  (void) sel.add(*c.md, "System", "ExtrinsicSuccess");
  (void) sel.add(*c.md, "System", "ExtrinsicFailed");
  run(state, sel, true);
}

void events_skip(benchmark::State& state) {
  run(state, event_selector::none(), false);
}

void metadata_parse(benchmark::State& state) {
  auto raw = read(std::string(LSTAKED_SOURCE_DIR) + "/tools/vectors/substrate/kusama-v15.bin");
  for (auto _ : state) {
    auto md = metadata::parse(raw);
    benchmark::DoNotOptimize(md);
  }
}

} // namespace

BENCHMARK(full_tree)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(watcher)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(events_skip)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(metadata_parse)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();

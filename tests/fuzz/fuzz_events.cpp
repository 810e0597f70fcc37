// libFuzzer target: System.Events decoding with the real Kusama metadata. Invariants: never
// crash or read past the input; the skipping fast path (no event selected) and the full
// decoder accept exactly the same inputs and find the same records.
// Metadata: $LSTAKED_METADATA, else tools/vectors/substrate/kusama-v15.bin next to this file.
#include "tests/fuzz/fuzz_support.hpp"
#include "chain/substrate/events.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

using namespace lstaked::chain;
using namespace lstaked::chain::substrate;

namespace {
const metadata& md() {
  return fuzz::kusama_metadata();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& m = md();
  byte_view in{data, size};
  auto all = decode_events(m, in, event_selector::all());
  auto none = decode_events(m, in, event_selector::none());
  if (bool(all) != bool(none))
    std::abort();
  if (!all)
    return 0;
  if (all->size() != none->size())
    std::abort();
  for (size_t i = 0; i < all->size(); ++i) {
    if ((*all)[i].event != (*none)[i].event || (*all)[i].topics != (*none)[i].topics)
      std::abort();
    (void) (*all)[i].to_json();
  }
  return 0;
}

// libFuzzer target: SCALE primitives and the dynamic decoder. Invariants: never crash or
// read past the input; a compact that decodes re-encodes to exactly its input bytes
// (only canonical forms are accepted); any value the dynamic decoder accepts for a type
// renders to canonical JSON that encodes back to the very same bytes, and skip_value
// consumes exactly as many bytes as decode_value.
// Metadata: $LSTAKED_METADATA, else tools/vectors/substrate/kusama-v15.bin next to this file.
#include "tests/fuzz/fuzz_support.hpp"
#include "chain/substrate/value.hpp"

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
  if (size < 3)
    return 0;
  // Primitives on the whole input.
  {
    scale_reader r{byte_view{data, size}};
    auto c = r.compact();
    if (c) {
      bytes again;
      put_compact(again, *c);
      if (again.size() != r.offset() || !std::equal(again.begin(), again.end(), data))
        std::abort();
    }
  }
  // Dynamic decoding: the first two bytes choose a type of the registry.
  auto& m = md();
  uint32_t type = (uint32_t{data[0]} | (uint32_t{data[1]} << 8)) % m.types.size();
  byte_view in{data + 2, size - 2};
  scale_reader r{in};
  value v;
  bool ok = !decode_value(m, type, r, v);
  scale_reader s{in};
  bool skipped = !skip_value(m, type, s);
  if (ok != skipped || (ok && r.offset() != s.offset()))
    std::abort(); // the fast path and the tree builder disagree
  if (!ok)
    return 0;
  bytes again;
  if (auto e = encode_value(m, type, to_json(v), again)) {
    // 256-bit integers are decode-only; nothing else may fail to re-encode.
    if (lstaked::describe(e).find("256-bit") == std::string::npos)
      std::abort();
    return 0;
  }
  if (again.size() != r.offset() || !std::equal(again.begin(), again.end(), in.data))
    std::abort();
  return 0;
}

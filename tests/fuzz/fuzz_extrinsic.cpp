// libFuzzer target: extrinsic decoding with the real Kusama metadata. Invariants: never
// crash or read past the input; a decoded call renders to canonical JSON that encodes
// back (by pallet and call name) to exactly the call's bytes.
// Metadata: $LSTAKED_METADATA, else tools/vectors/substrate/kusama-v15.bin next to this file.
#include "tests/fuzz/fuzz_support.hpp"
#include "chain/substrate/extrinsic.hpp"

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
  auto x = decode_extrinsic(m, byte_view{data, size});
  if (!x)
    return 0;
  (void) x->to_json();
  auto call_json = to_json(x->call.full);
  bytes again;
  if (auto e = encode_value(m, m.extrinsic.call_type, call_json, again)) {
    if (lstaked::describe(e).find("256-bit") == std::string::npos)
      std::abort();
    return 0;
  }
  // The call is the tail of the extrinsic.
  if (again.size() > size || !std::equal(again.begin(), again.end(), data + size - again.size()))
    std::abort();
  return 0;
}

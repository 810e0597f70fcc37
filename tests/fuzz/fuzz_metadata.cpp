// libFuzzer target: metadata V14/V15 parsing. Invariants: never crash, never read past the
// input, never allocate without bound; whatever parses must be usable: every type id is
// valid, so decoding a few bytes as each pallet's call and event type cannot crash.
#include "chain/substrate/value.hpp"

using namespace lstaked::chain;
using namespace lstaked::chain::substrate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto md = metadata::parse(byte_view{data, size});
  if (!md)
    return 0;
  static const uint8_t probe[] = {0, 4, 1, 0, 2, 8, 0xff, 0xff, 3, 0, 0, 0, 0x40};
  for (auto& p : (*md)->pallets) {
    for (auto t : {p.call_type, p.event_type, p.error_type}) {
      if (!t)
        continue;
      value v;
      scale_reader r{byte_view{probe, sizeof(probe)}};
      (void) decode_value(**md, *t, r, v);
      scale_reader s{byte_view{probe, sizeof(probe)}};
      (void) skip_value(**md, *t, s);
    }
  }
  return 0;
}

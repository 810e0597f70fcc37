// libFuzzer target: strict RLP decoding. Invariants: never crash or read past
// the input; whatever decodes re-encodes to exactly the input (the decoder
// accepts only canonical encodings, so decode and encode are inverse).
#include "chain/ethereum/rlp.hpp"

#include <cstdlib>

using namespace lstaked::chain;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  byte_view in{data, size};
  auto item = eth::rlp_decode(in);
  if (!item)
    return 0;
  auto again = eth::rlp_encode(*item);
  if (again.size() != size || !std::equal(again.begin(), again.end(), data))
    std::abort(); // a non-canonical encoding slipped through
  if (!item->is_list) {
    auto number = eth::rlp_to_uint(*item);
    if (number) {
      bytes out;
      eth::rlp_append_uint(out, *number);
      if (out != again)
        std::abort();
    }
  }
  return 0;
}

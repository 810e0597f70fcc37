// libFuzzer target: extrinsic ids as users send them to POST /v1/deposits.
// Invariants: never crash; an accepted id renders to a canonical text that
// parses back to the same id; the canonical text is never longer than the input
// (only hash hex digits change case).
#include "chain/substrate/extrinsic_id.hpp"

#include <cstdlib>
#include <string>

using namespace lstaked::chain::substrate;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto id = parse_extrinsic_id(text);
  if (!id)
    return 0;
  auto canonical = to_string(*id);
  auto again = parse_extrinsic_id(canonical);
  if (!again || again->by_hash != id->by_hash || again->block_number != id->block_number
      || again->extrinsic_index != id->extrinsic_index || again->hash != id->hash
      || canonical.size() != text.size())
    std::abort();
  return 0;
}

// libFuzzer target: ABI type parsing and strict ABI / event-log decoding.
// The first byte picks a parameter list from a fixed set of shapes (or, 0xff,
// makes the rest a type string to parse); the remaining bytes are the data.
// Invariants: never crash, never read past the input, never allocate beyond
// what the input can describe; what decodes re-encodes, and that encoding
// decodes back to the same values.
#include "chain/ethereum/abi.hpp"
#include "chain/ethereum/event.hpp"

#include <cstdlib>
#include <string>

using namespace lstaked::chain;

namespace {

const char* const shapes[] = {
  "uint256",
  "(address,uint256,uint256,uint256,address,bytes)",
  "string",
  "bytes",
  "uint8[]",
  "int24,bool,bytes3",
  "(uint256,string)[]",
  "string[2][]",
  "bytes[][]",
  "(address,(int8,bytes)[],string[3])",
  "uint256[3],address[]",
  "bool[][2]",
  "((uint16,string)[],bytes32)[]",
  "address,address,uint256",
};
constexpr size_t shape_count = sizeof(shapes) / sizeof(shapes[0]);

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  if (data[0] == 0xff) {
    std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    auto types = eth::parse_abi_types(text);
    if (types)
      for (auto& t : *types)
        if (!eth::parse_abi_type(t.canonical()))
          std::abort(); // canonical spelling must parse
    (void) eth::parse_event(text);
    return 0;
  }
  auto types = eth::parse_abi_types(shapes[data[0] % shape_count]);
  if (!types)
    std::abort();
  byte_view body{data + 1, size - 1};
  auto values = eth::abi_decode(*types, body);
  if (values) {
    for (size_t i = 0; i < types->size(); ++i)
      (void) eth::abi_value_to_json((*types)[i], (*values)[i]).dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto encoded = eth::abi_encode(*types, *values);
    if (!encoded)
      std::abort(); // decoded values must be encodable
    auto again = eth::abi_decode(*types, *encoded);
    if (!again || !(*again == *values))
      std::abort();
  }
  // The same bytes as an event log: the first 32 bytes as topic1.
  static const auto event = eth::parse_event("E(address indexed a, uint256 b, bytes c)");
  if (body.size >= 32) {
    hash256 topic1{};
    std::copy(body.data, body.data + 32, topic1.begin());
    (void) eth::decode_log(*event, {event->topic0(), topic1},
                           byte_view{body.data + 32, body.size - 32});
  }
  return 0;
}

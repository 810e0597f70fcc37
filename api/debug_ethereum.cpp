// `lstaked debug keccak` and `lstaked debug eip712-digest` (contract in debug_commands.hpp).
//
// Thin wrappers over chain/ethereum for operators and black-box tests, answering
// what `cast keccak` and `cast wallet sign --data` compute. Malformed input
// (bad hex, unreadable file, JSON that is not typed data) ends with exit 2.
#include "api/debug_commands.hpp"

#include "chain/ethereum/eip712.hpp"
#include "chain/ethereum/keccak.hpp"

#include <fstream>
#include <memory>
#include <sstream>

namespace lstaked::api {

namespace {

namespace eth = chain::eth;

struct keccak_args {
  std::string input;
};

struct eip712_args {
  std::string path;
};

} // namespace

void add_debug_ethereum_commands(CLI::App& debug) {
  auto k = std::make_shared<keccak_args>();
  auto* keccak = debug.add_subcommand("keccak", "Keccak-256 of 0x-hex bytes or of UTF-8 text");
  keccak->add_option("input", k->input, "0x-hex (decoded to bytes) or text (hashed as UTF-8)")
    ->required();
  keccak->callback([k] {
    // As cast does: a 0x prefix means hex, and then it must be valid hex.
    chain::hash256 digest;
    if (k->input.size() >= 2 && k->input[0] == '0' && k->input[1] == 'x') {
      auto raw = chain::from_hex(k->input);
      if (!raw)
        debug_fail(raw.error());
      digest = eth::keccak256(chain::byte_view{*raw});
    } else {
      digest = eth::keccak256(std::string_view{k->input});
    }
    debug_answer({{"hash", chain::to_hex(digest)}});
  });

  auto e = std::make_shared<eip712_args>();
  auto* eip712 = debug.add_subcommand(
    "eip712-digest", "EIP-712 digest of a typed-data JSON file (eth_signTypedData_v4 form)");
  eip712->add_option("file", e->path, "typed-data JSON: {types, primaryType, domain, message}")
    ->required();
  eip712->callback([e] {
    std::ifstream in(e->path);
    if (!in)
      debug_fail(make_error(ec::io_error, "cannot read " + e->path));
    std::stringstream text;
    text << in.rdbuf();
    auto doc = nlohmann::json::parse(text.str(), nullptr, false);
    if (doc.is_discarded())
      debug_fail(make_error(ec::decode_error, e->path + " is not valid JSON"));
    auto data = eth::parse_typed_data(doc);
    if (!data)
      debug_fail(data.error());
    auto hashes = eth::eip712_hash(*data);
    if (!hashes)
      debug_fail(hashes.error());
    debug_answer({{"digest", chain::to_hex(hashes->digest)},
                  {"domainSeparator", chain::to_hex(hashes->domain_separator)},
                  {"structHash", chain::to_hex(hashes->struct_hash)}});
  });
}

} // namespace lstaked::api

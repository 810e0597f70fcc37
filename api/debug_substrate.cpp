// `lstaked debug decode-extrinsic` and `lstaked debug decode-events` (contract in
// debug_commands.hpp).
//
// Decode SCALE bytes with a metadata file (what `state_getMetadata` returns, as hex or
// binary, optionally wrapped as Option<Vec<u8>>) and print the canonical JSON of
// chain/substrate/value.hpp. The input is hex on the command line, or on stdin when
// absent. Malformed input (hex, metadata, SCALE) ends with exit 2.
#include "api/debug_commands.hpp"

#include "chain/substrate/events.hpp"
#include "chain/substrate/extrinsic.hpp"

#include <cctype>
#include <fstream>
#include <iterator>
#include <memory>

namespace lstaked::api {

namespace {

namespace sub = chain::substrate;

struct decode_args {
  std::string metadata_file;
  std::string input;
};

std::string trim(std::string s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
    ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
    --e;
  return s.substr(b, e - b);
}

sub::metadata_ptr load_metadata(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    debug_fail(make_error(ec::io_error, "cannot read metadata file " + path));
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  chain::bytes bytes;
  auto text = trim(raw);
  // A hex file (as state_getMetadata prints it) or the raw bytes.
  if (text.size() >= 2 && text[0] == '0' && text[1] == 'x') {
    auto decoded = chain::from_hex(text);
    if (!decoded)
      debug_fail(decoded.error());
    bytes = std::move(*decoded);
  } else {
    bytes.assign(raw.begin(), raw.end());
  }
  auto md = sub::metadata::parse(bytes);
  if (!md)
    debug_fail(md.error());
  return *md;
}

chain::bytes read_input(const std::string& arg) {
  std::string text = arg;
  if (text.empty())
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  auto raw = chain::from_hex(trim(text));
  if (!raw)
    debug_fail(raw.error());
  return std::move(*raw);
}

} // namespace

void add_debug_substrate_commands(CLI::App& debug) {
  auto xargs = std::make_shared<decode_args>();
  auto* xcmd = debug.add_subcommand(
    "decode-extrinsic", "Decode a v4 extrinsic (0x-hex with its length prefix) with metadata");
  xcmd->add_option("--metadata", xargs->metadata_file, "Metadata file (hex or binary)")
    ->required();
  xcmd->add_option("extrinsic", xargs->input, "0x-hex extrinsic; read from stdin when absent");
  xcmd->callback([xargs] {
    auto md = load_metadata(xargs->metadata_file);
    auto raw = read_input(xargs->input);
    auto x = sub::decode_extrinsic(*md, raw);
    if (!x)
      debug_fail(x.error());
    debug_answer(x->to_json());
  });

  auto eargs = std::make_shared<decode_args>();
  auto* ecmd = debug.add_subcommand(
    "decode-events", "Decode a System.Events storage value (0x-hex) with metadata");
  ecmd->add_option("--metadata", eargs->metadata_file, "Metadata file (hex or binary)")
    ->required();
  ecmd->add_option("events", eargs->input, "0x-hex storage value; read from stdin when absent");
  ecmd->callback([eargs] {
    auto md = load_metadata(eargs->metadata_file);
    auto raw = read_input(eargs->input);
    auto events = sub::decode_events(*md, raw);
    if (!events)
      debug_fail(events.error());
    auto list = nlohmann::json::array();
    for (auto& e : *events)
      list.push_back(e.to_json());
    debug_answer({{"events", list}});
  });
}

} // namespace lstaked::api

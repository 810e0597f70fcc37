// `lstaked debug decode-extrinsic` and `lstaked debug decode-events` (contract in
// debug_commands.hpp).
//
// Decode SCALE bytes with a metadata file (what `state_getMetadata` returns, as hex or
// binary, optionally wrapped as Option<Vec<u8>>) or the metadata of a node (--rpc URL
// [--at HASH], via state_getMetadata) and print the canonical JSON of
// chain/substrate/value.hpp. The input is hex on the command line, or on stdin when
// absent. Malformed input (hex, metadata, SCALE) ends with exit 2.
#include "api/debug_commands.hpp"

#include "chain/rpc/json_rpc_client.hpp"
#include "chain/substrate/events.hpp"
#include "chain/substrate/extrinsic.hpp"

#include <cctype>
#include <fstream>
#include <iterator>
#include <memory>

namespace lstaked::api {

namespace {

namespace sub = chain::substrate;
namespace rpc = lstaked::rpc;

struct decode_args {
  std::string metadata_file;
  std::string rpc_url;
  std::string at; // block hash for state_getMetadata
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

// state_getMetadata [at] from a node: the runtime's metadata (V14) as hex.
sub::metadata_ptr fetch_metadata(const std::string& url, const std::string& at) {
  rpc::json_rpc_config cfg;
  cfg.url = url;
  auto client = rpc::json_rpc_client::make(cfg);
  if (!client)
    debug_fail(client.error());
  auto params = nlohmann::json::array();
  if (!at.empty()) {
    auto hash = chain::from_hex_fixed<32>(at);
    if (!hash)
      debug_fail(hash.error());
    params.push_back(at);
  }
  auto answer = (*client)->call("state_getMetadata", params);
  if (!answer)
    debug_fail(answer.error());
  if (!answer->is_string())
    debug_fail(make_error(ec::decode_error, "state_getMetadata did not answer a hex string"));
  auto raw = chain::from_hex(answer->get<std::string>());
  if (!raw)
    debug_fail(raw.error());
  auto md = sub::metadata::parse(*raw);
  if (!md)
    debug_fail(md.error());
  return *md;
}

sub::metadata_ptr metadata_for(const decode_args& a) {
  if (a.metadata_file.empty() == a.rpc_url.empty())
    debug_fail(make_error(ec::invalid_input, "give exactly one of --metadata FILE and --rpc URL"));
  if (!a.at.empty() && a.rpc_url.empty())
    debug_fail(make_error(ec::invalid_input, "--at needs --rpc"));
  return a.rpc_url.empty() ? load_metadata(a.metadata_file) : fetch_metadata(a.rpc_url, a.at);
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
  xcmd->add_option("--metadata", xargs->metadata_file, "Metadata file (hex or binary)");
  xcmd->add_option("--rpc", xargs->rpc_url, "Node URL: fetch the metadata with state_getMetadata");
  xcmd->add_option("--at", xargs->at, "Block hash whose runtime's metadata to use (with --rpc)");
  xcmd->add_option("extrinsic", xargs->input, "0x-hex extrinsic; read from stdin when absent");
  xcmd->callback([xargs] {
    auto md = metadata_for(*xargs);
    auto raw = read_input(xargs->input);
    auto x = sub::decode_extrinsic(*md, raw);
    if (!x)
      debug_fail(x.error());
    debug_answer(x->to_json());
  });

  auto eargs = std::make_shared<decode_args>();
  auto* ecmd = debug.add_subcommand(
    "decode-events", "Decode a System.Events storage value (0x-hex) with metadata");
  ecmd->add_option("--metadata", eargs->metadata_file, "Metadata file (hex or binary)");
  ecmd->add_option("--rpc", eargs->rpc_url, "Node URL: fetch the metadata with state_getMetadata");
  ecmd->add_option("--at", eargs->at, "Block hash whose runtime's metadata to use (with --rpc)");
  ecmd->add_option("events", eargs->input, "0x-hex storage value; read from stdin when absent");
  ecmd->callback([eargs] {
    auto md = metadata_for(*eargs);
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

// Typed Ethereum JSON-RPC calls on top of json_rpc_client.
//
// Contract: same thread-safety as the json_rpc_client it owns (calls are
// serialised; blocking). Answers are checked strictly: quantities must be
// "0x" hex QUANTITY text (chain::eth::u256::from_hex), hashes 32 bytes of hex,
// addresses 20; anything else is ec::decode_error, never a default value. Block
// numbers and other counters must fit in 64 bits. A block or receipt the node
// does not know (`null`) is std::nullopt, not an error.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/hash.hpp"
#include "chain/ethereum/address.hpp"
#include "chain/ethereum/u256.hpp"
#include "chain/rpc/json_rpc_client.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace lstaked::rpc {

using chain::byte_view;
using chain::bytes;
using chain::hash256;
using chain::eth::address;
using chain::eth::u256;

/// A block: a number, or a tag the node resolves ("latest", "safe", "finalized", "earliest", "pending").
using block_id = std::variant<uint64_t, std::string>;

/// The JSON form of a block id ("0x…" or the tag).
std::string to_param(const block_id& id);

struct eth_block_header {
  uint64_t number = 0;
  hash256 hash{};
  hash256 parent_hash{};
  uint64_t timestamp = 0;
};

struct eth_log {
  address emitter{};          // the log's "address"
  std::vector<hash256> topics;
  bytes data;
  uint64_t block_number = 0;
  hash256 block_hash{};
  hash256 tx_hash{};
  uint64_t tx_index = 0;
  uint64_t log_index = 0;
  bool removed = false;
};

/// eth_getLogs filter. `topics[i]` lists the accepted values at position i
/// (OR); an empty list is a wildcard.
struct log_filter {
  std::vector<address> addresses;
  std::vector<std::vector<hash256>> topics;
  uint64_t from_block = 0;
  uint64_t to_block = 0;
};

struct eth_receipt {
  hash256 tx_hash{};
  uint64_t block_number = 0;
  hash256 block_hash{};
  uint64_t tx_index = 0;               // position in the block
  bool success = false;                // status == 0x1
  uint64_t gas_used = 0;
  std::optional<address> contract_address;
  std::vector<eth_log> logs;
};

struct eth_fee_history {
  uint64_t oldest_block = 0;
  std::vector<u256> base_fee_per_gas;           // block_count + 1 entries
  std::vector<std::vector<u256>> reward;        // per block, per percentile
};

/// A call for eth_call (fields as in the JSON-RPC transaction object).
struct eth_call_request {
  std::optional<address> from;
  address to{};
  bytes data;
  std::optional<u256> value;
  std::optional<uint64_t> gas;
};

class eth_client {
public:
  explicit eth_client(std::unique_ptr<json_rpc_client> rpc);
  static caf::expected<std::unique_ptr<eth_client>> make(json_rpc_config cfg);

  caf::expected<uint64_t> chain_id();
  caf::expected<uint64_t> block_number();
  caf::expected<std::optional<eth_block_header>> block(const block_id& id);
  /// Several headers in one HTTP request (batched), in the order asked.
  caf::expected<std::vector<std::optional<eth_block_header>>> blocks(const std::vector<block_id>& ids);
  caf::expected<std::vector<eth_log>> logs(const log_filter& filter);
  caf::expected<bytes> call(const eth_call_request& req, const block_id& at = std::string("latest"));
  caf::expected<std::optional<eth_receipt>> transaction_receipt(const hash256& tx_hash);
  /// Returns the transaction hash the node reports.
  caf::expected<hash256> send_raw_transaction(byte_view signed_tx);
  caf::expected<uint64_t> transaction_count(const address& who,
                                            const block_id& at = std::string("pending"));
  caf::expected<u256> gas_price();
  caf::expected<u256> max_priority_fee_per_gas();
  caf::expected<eth_fee_history> fee_history(uint64_t block_count, const block_id& newest,
                                             const std::vector<double>& reward_percentiles);

  json_rpc_client& rpc() { return *rpc_; }

private:
  std::unique_ptr<json_rpc_client> rpc_;
};

// The decoders, exposed for tests and for callers that batch their own calls.
caf::expected<uint64_t> parse_quantity_u64(const json& j);
caf::expected<u256> parse_quantity(const json& j);
caf::expected<hash256> parse_hash(const json& j);
caf::expected<std::optional<eth_block_header>> parse_block_header(const json& j);
caf::expected<eth_log> parse_log(const json& j);
json to_json(const log_filter& filter);

} // namespace lstaked::rpc

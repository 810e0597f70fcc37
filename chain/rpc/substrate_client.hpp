// Substrate JSON-RPC helpers shared by the Kusama reader and the extrinsic
// lookup: numbers, runtimes (metadata by specVersion), the System.Events key,
// heads, extrinsic hashes.
//
// Contract: every function that takes a json_rpc_client blocks on it (same
// thread-safety as the client: calls are serialised). Answers are checked:
// anything malformed is ec::decode_error, never a default value. Chain layer:
// nothing here knows the ledger (what a deposit is lives in actors/kusama_reader).
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/error.hpp"
#include "chain/rpc/json_rpc_client.hpp"
#include "chain/substrate/events.hpp"
#include "chain/substrate/metadata.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lstaked::kusama {


/// A header number or specVersion: "0x1a" or a JSON number.
caf::expected<uint64_t> parse_number(const nlohmann::json& j);

/// What decoding a runtime's blocks needs, built once per specVersion.
struct runtime {
  uint32_t spec_version = 0;
  chain::substrate::metadata_ptr md;
  chain::substrate::event_selector selected; // Balances.Transfer, Staking.* kept
};
using runtime_ptr = std::shared_ptr<const runtime>;

/// Runtimes by specVersion, fetched (state_getMetadata at a block of that
/// runtime) the first time one is seen. Not thread-safe: one per actor.
class runtime_cache {
public:
  /// The runtime of `block_hash`, whose state_getRuntimeVersion answer is `version`.
  caf::expected<runtime_ptr> at(rpc::json_rpc_client& client, const std::string& block_hash,
                                const nlohmann::json& version);
  size_t size() const { return by_spec_.size(); }

private:
  std::map<uint32_t, runtime_ptr> by_spec_;
};

/// The System.Events storage key, 0x-hex (twox128("System") ‖ twox128("Events"):
/// FRAME's layout, the same in every runtime, so it is read in the same batch
/// as the runtime version).
const std::string& events_key();

/// The number of the header at `hash` (null: the best head).
caf::expected<uint64_t> header_number(rpc::json_rpc_client& client, const nlohmann::json& hash);

/// The finalized head's number.
caf::expected<uint64_t> finalized_number(rpc::json_rpc_client& client);

/// blake2-256 of an extrinsic's SCALE bytes (the hex chain_getBlock lists,
/// length prefix included), 0x-hex: what polkadot-js calls `tx.hash`.
caf::expected<std::string> extrinsic_hash(const std::string& extrinsic_hex);

/// The hashes (extrinsic_hash) of every extrinsic of a chain_getBlock answer,
/// in block order.
caf::expected<std::vector<std::string>> extrinsic_hashes(const nlohmann::json& signed_block);

/// A DispatchError value as a name: "Staking.InsufficientBond" for a module
/// error (pallet and error looked up in `md`), "Token.FundsUnavailable",
/// "BadOrigin", ... for the others.
std::string dispatch_error_name(const chain::substrate::metadata& md,
                                const chain::substrate::value& error);

/// The fee (planck) the runtime would charge for a signed extrinsic (0x-hex,
/// length prefix included) at block `at`: state_call
/// TransactionPaymentApi_query_info (extrinsic ‖ u32 length) → its
/// RuntimeDispatchInfo's partial_fee. (The runtime API, not the
/// payment_queryInfo RPC, which current nodes no longer serve.)
caf::expected<chain::substrate::u128> query_fee(rpc::json_rpc_client& client,
                                                const std::string& extrinsic_hex,
                                                const std::string& at);

/// The whole RuntimeDispatchInfo of the same call: the extrinsic's weight
/// (Weight V2) and fee. An unsigned extrinsic is accepted (its weight is the
/// call's; the payout queue sizes batches from it).
struct dispatch_info {
  uint64_t ref_time = 0;
  uint64_t proof_size = 0;
  chain::substrate::u128 partial_fee = 0;
};
caf::expected<dispatch_info> query_info(rpc::json_rpc_client& client, const std::string& extrinsic_hex,
                                        const std::string& at);

/// Bytes -> 0x-hex.
std::string hex_of(const chain::bytes& b);

/// Hex string -> bytes; a JSON null (absent storage) -> no bytes.
caf::expected<chain::bytes> hex_or_null(const nlohmann::json& j, const char* what);

/// "0x" + 64 hex -> 32 bytes, else ec::invalid_config naming `what`.
caf::expected<chain::bytes> account_id(const std::string& hex, const std::string& what);

} // namespace lstaked::kusama

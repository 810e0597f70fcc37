// The Ethereum submitter: the only code that signs Ethereum transactions. It
// carries out the outbox's 'ethereum' rows (storage/outbox.hpp) exactly once:
// other actors write INTENT rows for the operator address through storage
// (ledger::add_intent(sc, "ethereum", address, purpose, call, chain_next_nonce,
// now)); this actor signs them, sends them and settles them from receipts.
//
// Contract, every `poll_interval` (and right after any step that changed a row):
// - Reads the final block F (ethereum.finality: the `finalized` tag by
//   default), the operator's nonce at F and at `latest`, the open 'ethereum'
//   rows of the operator address with every attempt, and the receipt of each
//   live attempt. The node's chain id is checked against `chain_id` before
//   anything is signed; on a mismatch nothing is ever signed.
// - A receipt in a block <= F settles the row (ledger::settle_by_receipt):
//   FINALIZED success, or failed with "reverted[: reason]" (the reason from
//   eth_call at the parent block, when the node gives it) and one warning
//   alert; a failed transaction is never sent again. A receipt above F: IN_BLOCK.
// - The nonce at F is above a row's nonce and none of its attempts has a
//   receipt: someone else used the nonce (the key by hand). REPLACED +
//   critical alert; nothing is re-sent.
// - INTENT rows are signed in nonce order as EIP-1559 transactions: maxFee =
//   min(2 x next base fee + tip, max_fee_per_gas), tip = the median of the last
//   blocks' `reward_percentile` rewards (at least min_priority_fee, eth_feeHistory).
//   When the cap is below what the chain needs (next base fee + tip), nothing
//   is signed: the row's note, status ("fee_blocked") and health say so. A
//   row is not signed while a lower nonce is missing from the chain and the
//   outbox (a gap would never be mined) or its nonce is used in a non-final
//   block. The attempt (raw bytes, hash, both fee fields) is committed (FULL)
//   BEFORE eth_sendRawTransaction.
// - A live attempt without a receipt is re-sent as the SAME bytes after a
//   restart and every `resubmit_interval` ("already known", "nonce too low"
//   are benign answers). One not mined `stuck_after` after it was sent (this
//   incarnation's clock) is REPLACED ON CHAIN: a new attempt with the same
//   nonce and both fee fields raised by >= 12.5% (geth requires 10%), kept
//   under the cap (else: fee_blocked); the older attempts stay matchable.
// - Errors (node unavailable, slow or erroring; storage refusing) are retried
//   with backoff: the poll interval doubles per consecutive failed step, up to
//   `max_backoff`. Nothing is ever re-signed because of an error.
// Calls (outbox `call` JSON, see eth_outbox_call): {"to": "0x…", "data":
// "0x…", "value": "<decimal wei>" (optional), "gas_limit": "<decimal>"}; the
// caller sets the gas limit. The key never leaves this actor and is never
// logged. Blocking JSON-RPC: spawned detached.
#pragma once

#include "actors/actors.hpp"
#include "actors/child_spec.hpp"
#include "actors/stopped_operator.hpp"
#include "chain/common/secret.hpp"
#include "chain/ethereum/u256.hpp"
#include "chain/rpc/eth_client.hpp"
#include "config/config.hpp"
#include "storage/outbox.hpp"

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace lstaked {

/// What an 'ethereum' outbox row asks for.
struct eth_outbox_call {
  chain::eth::address to{};
  chain::bytes data;
  chain::eth::u256 value;
  uint64_t gas_limit = 0;

  /// {"to", "data", "value", "gas_limit"} as the outbox stores it.
  nlohmann::json to_json() const;
  /// Refuses (ec::invalid_input) a missing or malformed field, a gas limit of
  /// 0 or above 30,000,000.
  static caf::expected<eth_outbox_call> parse(const nlohmann::json& j);
};

/// The operator's Ethereum key: 0600 file, 64 hex digits; checked by one
/// sign-and-recover. Returns its address; the key goes to `out`.
caf::expected<chain::eth::address> load_eth_operator_key(const std::string& key_file,
                                                         chain::secret_key32& out);

/// Fees of one EIP-1559 transaction (wei per gas).
struct eth_fees {
  chain::eth::u256 max_fee_per_gas;
  chain::eth::u256 max_priority_fee_per_gas;
};

/// The fees of a replacement: both fields raised by 12.5% (rounded up, at
/// least +1 wei) and at least `market`; ec::invalid_state when the raised
/// maxFee would be above `cap` (then no replacement can be sent).
caf::expected<eth_fees> bumped_fees(const eth_fees& previous, const eth_fees& market,
                                    const chain::eth::u256& cap);

struct eth_submitter_config {
  rpc::json_rpc_config rpc;
  std::string database; // for the read-only connection
  uint64_t chain_id = 0;
  std::shared_ptr<const chain::secret_key32> key; // the operator's
  std::string address;                            // its address, 0x + 40 lower-case hex
  std::string finality = "finalized";             // finalized | safe | confirmations
  uint64_t confirmations = 12;
  chain::eth::u256 max_fee_per_gas{500'000'000'000ull}; // the cap, wei
  chain::eth::u256 min_priority_fee{100'000'000ull};    // tip floor, wei (0.1 gwei)
  uint64_t fee_history_blocks = 10;
  double reward_percentile = 50;
  std::chrono::milliseconds poll_interval{4000};
  std::chrono::milliseconds resubmit_interval{20000};
  std::chrono::milliseconds stuck_after{60000};
  std::chrono::milliseconds storage_timeout{30000};
  std::chrono::milliseconds max_backoff{60000};
};

caf::error validate(const eth_submitter_config& cfg);

struct eth_submitter_state {
  eth_submitter_config cfg;
  storage_actor storage;
  std::unique_ptr<rpc::eth_client> client;
  std::unique_ptr<SQLite::Database> db;
  bool chain_checked = false; // the node's chain id matched once
  bool busy = false;          // a write is in flight: the next step waits for it
  bool restarted = true;      // live attempts are re-sent once after start
  std::map<std::string, int64_t> last_sent; // tx hash -> unix ms of the last submission
  // tx hash -> when this incarnation signed it or first saw it pending (the
  // actor clock: deterministic under the test scheduler); decides "stuck".
  std::map<std::string, caf::actor_clock::time_point> pending_since;
  std::map<std::string, std::string> revert_reasons; // tx hash -> revert reason (one eth_call)
  nlohmann::json view;     // the last step's picture (status)
  std::string last_error;
  std::string fee_blocked; // why nothing could be signed for the fee cap ('' = not)
  uint64_t stuck = 0;
  bool step_failed = false; // this step met an error (read, submission, storage)
  uint32_t failures = 0;    // consecutive failed steps (backoff)
  static constexpr const char* name = "eth_submitter";
};

eth_submitter_actor::behavior_type
eth_submitter(eth_submitter_actor::stateful_pointer<eth_submitter_state> self,
              eth_submitter_config cfg, storage_actor storage);

/// Absent when ethereum.operator_key_file is empty; errors name the key file.
caf::expected<std::optional<eth_submitter_config>> make_eth_submitter_config(const config& cfg);
child_spec eth_submitter_child(eth_submitter_config cfg);

} // namespace lstaked

// The ratio calculator: turns staking rewards into a new aKSMb ratio
// (issue #13; the formula: storage/ratio.hpp, docs/ratio.md).
//
// Contract, every `poll_interval` (and on publish_now):
// - Nothing while the `ratio` flow is paused, or while a calculation is being
//   published (its RatioUpdated not yet final; a failed transaction turns it
//   NOT_PUBLISHED: ledger::settle_publications).
// - A calculation is due `interval` after the last one (daily by default), and
//   never before aKSMb's nextRatioUpdateAt; publish_now makes one due at once
//   (still within the contract's interval). So does a PENDING publish_ratio
//   action of the console (storage/admin_actions.hpp), read on each tick: it
//   is completed DONE in the transaction that records the calculation, or
//   FAILED with the reason when none can be made now (flow paused, too soon
//   for aKSMb, no shares yet, no operator role); transient errors leave it
//   PENDING for the next tick.
// - Reads each chain AT ITS FOLLOWER'S CURSOR, so the chain's holdings and the
//   ledger's shares describe the same moment: the pool accounts' free balance
//   and bonded stake (chain/rpc/kusama_staking.hpp) at the Kusama cursor;
//   aKSMb's totalShares, ratio, bounds and lastRatioUpdate, and the block's
//   timestamp, at the Ethereum cursor. A follower that moves in between makes
//   the storage task refuse; the next tick reads again.
// - ledger::decide_ratio records the calculation and, to publish, writes the
//   outbox intent aKSMb.updateRatio(ratio) that the Ethereum submitter signs.
//   The ratio takes effect only when the Ethereum watcher applies the final
//   RatioUpdated (ledger::apply_ratio_updated), which also books the fee.
// Holdings per account: free + the bonded total when the runtime holds the
// bond in `reserved` (hold-based staking); under lock-based staking the bond
// is inside `free` and is not added twice. Blocking JSON-RPC: detached.
#pragma once

#include "actors/actors.hpp"
#include "actors/child_spec.hpp"
#include "chain/rpc/eth_client.hpp"
#include "chain/rpc/substrate_client.hpp"
#include "config/config.hpp"
#include "storage/ratio_ledger.hpp"

#include <SQLiteCpp/Database.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lstaked {

struct ratio_calculator_config {
  rpc::json_rpc_config kusama_rpc;
  rpc::json_rpc_config eth_rpc;
  std::string database;
  std::vector<std::string> pool_accounts; // 0x-hex: the deposit account and the stashes
  std::string token_address;              // aKSMb
  std::string operator_address;           // signs updateRatio (the Ethereum submitter's key)
  uint32_t fee_bps = 200;
  std::chrono::seconds interval{86400};
  uint64_t gas_limit = 200'000;
  std::chrono::milliseconds poll_interval{60000};
  std::chrono::milliseconds storage_timeout{30000};
};

caf::error validate(const ratio_calculator_config& cfg);

struct ratio_calculator_state {
  ratio_calculator_config cfg;
  storage_actor storage;
  std::unique_ptr<rpc::json_rpc_client> kusama;
  std::unique_ptr<rpc::eth_client> eth;
  std::unique_ptr<SQLite::Database> db;
  kusama::runtime_cache runtimes;
  bool busy = false;
  bool publish_now = false;
  std::vector<int64_t> pending_actions; // the console's PENDING publish_ratio actions being served
  bool operator_checked = false; // the operator key holds aKSMb's OPERATOR_ROLE
  std::optional<int64_t> next_due_ms; // when the next calculation is due (status, API)
  std::string detail = "starting";
  std::string last_error;
  nlohmann::json last; // the last calculation made here
  // A cursor that moved between the readings and the write is a race of a
  // moving chain, read again on the next tick: not an error unless it keeps
  // happening (then no ratio is being decided, and the actor says so).
  uint32_t readings_moved_in_a_row = 0;
  static constexpr uint32_t readings_moved_alarm = 5;
  static constexpr const char* name = "ratio_calculator";
};

ratio_calculator_actor::behavior_type
ratio_calculator(ratio_calculator_actor::stateful_pointer<ratio_calculator_state> self,
                 ratio_calculator_config cfg, storage_actor storage);

/// Whether the daemon runs the ratio calculator: the Ethereum operator key
/// (ethereum.operator_key_file), the token and the Kusama deposit address are set.
bool ratio_calculator_enabled(const config& cfg);

/// Absent unless ratio_calculator_enabled. The pool's accounts: the deposit
/// address, staking.stashes and kusama.pool_accounts.
caf::expected<std::optional<ratio_calculator_config>> make_ratio_calculator_config(const config& cfg);
child_spec ratio_calculator_child(ratio_calculator_config cfg);

} // namespace lstaked

// What the Kusama follower and the extrinsic lookup read from a block's
// System.Events: deposits to the deposit account and staking events of the
// pool's accounts, as ledger records. (The Substrate JSON-RPC helpers it
// builds on are chain-level: chain/rpc/substrate_client.hpp.)
//
// Contract: pure functions of their inputs; thread-safe.
#pragma once

#include "chain/rpc/substrate_client.hpp"
#include "storage/chain_identity.hpp"
#include "storage/kusama_ledger.hpp"
#include "storage/ledger.hpp"

#include <map>
#include <vector>

namespace lstaked::kusama {

/// What the watcher and the lookup read from one block's System.Events.
struct block_scan {
  std::vector<ledger::kusama_deposit> deposits;      // Balances.Transfer to the deposit account
  // Balances.Transfer FROM the deposit account (payouts, moves to stashes),
  // in extrinsics; here `account` is the RECIPIENT (lstaked audit reads them).
  std::vector<ledger::kusama_deposit> outgoing;
  std::vector<ledger::staking_event> staking_events; // of the watched accounts
  std::map<uint32_t, bool> extrinsic_success;        // ExtrinsicSuccess / ExtrinsicFailed
  std::map<uint32_t, std::string> extrinsic_errors;  // ExtrinsicFailed: "Pallet.Error", ...
  // Utility.ItemCompleted / ItemFailed of each extrinsic, in event order: ""
  // for a completed item, the error name ("Token.BelowMinimum") for a failed
  // one. A force_batch's per-item outcome (the payout queue settles from it).
  std::map<uint32_t, std::vector<std::string>> batch_items;
  // TransactionPayment.TransactionFeePaid of each extrinsic: actual_fee + tip,
  // what the signer really paid (a payout's fee is booked from it, not from
  // the quote taken at signing, which may be missing).
  std::map<uint32_t, ledger::u256> fees_paid;
};

/// Decodes a block's System.Events (SCALE bytes, as state_getStorage returns
/// them; empty = no events) under `rt`. Deposits are transfers to
/// `deposit_account` inside an extrinsic (extrinsic_hash left empty) from an
/// account that is not one of `stashes` (the pool's own accounts: a stash
/// sweeping KSM back is not a user's deposit); staking events are those whose
/// stash is one of `stashes`.
caf::expected<block_scan> scan_events(const runtime& rt, chain::byte_view events,
                                      const chain::bytes& deposit_account,
                                      const std::vector<chain::bytes>& stashes,
                                      const ledger::kusama_block_ref& block);

/// The calls that read a node's identity (chain_getBlockHash(0), system_chain,
/// system_properties): put them in any batch, answers in this order.
std::vector<rpc::rpc_call> identity_calls();

/// The node's identity from the answers to identity_calls() (starting at
/// `answers[first]`). A missing or malformed field is an error, never a default.
caf::expected<ledger::chain_identity>
parse_identity(const std::vector<caf::expected<nlohmann::json>>& answers, size_t first);

/// Reads the node's identity (one batch).
caf::expected<ledger::chain_identity> node_identity(rpc::json_rpc_client& client);

} // namespace lstaked::kusama

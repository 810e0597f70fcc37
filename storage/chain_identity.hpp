// Which chain each follower follows: the identity pinned with the cursor the
// first time the daemon met the chain, and the rule that compares a node with it.
//
// Contract: a custody service must never apply (or report as pending) another
// chain's history because someone pointed the URL at another node. The first
// follower start without a pin stores what the node says (pin_identity, in a
// storage write_task); from then on every connection's identity is compared
// with the pin (identity_mismatch) and a difference halts the chain's flows.
// The pin never changes by itself: only an operator re-pins (not implemented
// yet; today: stop the daemon and delete the row while nothing is unsettled).
// Functions taking a Database run inside the caller's transaction; read-only
// ones work on a read-only connection.
#pragma once

#include <SQLiteCpp/Database.h>

#include <cstdint>
#include <optional>
#include <string>

namespace lstaked::ledger {

/// What makes a chain this chain. Kusama: genesis hash (chain_getBlockHash(0)),
/// chain name (system_chain), SS58 prefix and token decimals
/// (system_properties). Ethereum: chain id and genesis hash (block 0's hash).
struct chain_identity {
  std::string chain;                      // "kusama" | "ethereum"
  std::string genesis_hash;               // 0x + 64 hex, lower case
  std::string name;                       // Kusama's system_chain; empty on Ethereum
  std::optional<uint64_t> ss58_prefix;    // Kusama
  std::optional<uint64_t> decimals;       // Kusama
  std::optional<uint64_t> chain_id;       // Ethereum
  int64_t pinned_at = 0;                  // unix ms (stored pins only)
};

/// The pinned identity of `chain`, if any.
std::optional<chain_identity> pinned_identity(SQLite::Database& db, const std::string& chain);

/// Pins `id` unless `id.chain` already has a pin; returns the pin in force
/// (the older one when there was one: a pin is never replaced here).
chain_identity pin_identity(SQLite::Database& db, const chain_identity& id, int64_t now_ms);

/// Empty when `node` is the pinned chain; else what differs, first the genesis:
/// "wrong chain: genesis 0xab.., pinned 0xcd.." (then name, ss58 prefix,
/// decimals, chain id in the same form).
std::string identity_mismatch(const chain_identity& node, const chain_identity& pinned);

} // namespace lstaked::ledger

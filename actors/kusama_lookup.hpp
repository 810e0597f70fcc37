// The Kusama extrinsic lookup: answers "what is extrinsic <block>-<index> (or
// 0x<hash>)?" from the node, for POST /v1/deposits, before the watcher has
// reached (finalized) its block.
//
// Contract:
// - The id is the user's text, parsed with chain::substrate::parse_extrinsic_id
//   (a bad form is ec::invalid_input).
// - "<n>-<i>": n above the best head -> FUTURE_BLOCK; otherwise the block at n
//   on the best chain; i beyond its extrinsics -> UNKNOWN.
// - "0x<hash>": the blocks from the best head back at most
//   `hash_search_blocks` are searched (blake2-256 of each extrinsic's SCALE
//   bytes, length prefix included, as polkadot-js' `tx.hash`); not there ->
//   UNKNOWN. Older finalized extrinsics are the ledger's business: the API
//   reads the database first.
// - Negative cache (issue #17): the extrinsic hashes of the searched window are
//   kept (finalized blocks by number, newer ones by block hash, both immutable),
//   so a block's body is read from the node once; and the node's identity and
//   heads (the "view") are re-read at most every `view_ttl`. A flood of
//   unknown hashes therefore costs the node one view read per `view_ttl` plus
//   the bodies of blocks it has not seen, whatever its rate; an answer given
//   entirely from the cache asks the node nothing. The price: a hash is
//   UNKNOWN for up to `view_ttl` after its block appeared. "<n>-<i>" lookups
//   always read the node.
// - FOUND carries the extrinsic's success (System.ExtrinsicSuccess or
//   ExtrinsicFailed) and its Balances.Transfer events to the deposit account
//   (empty: not a deposit). `finalized` compares with the finalized head read
//   in the same lookup. Decoding uses the metadata of the block's runtime
//   (cached per specVersion).
// - An RPC failure is an error (ec::unavailable, ec::timeout or ec::rpc_error
//   as the client reports it), never a guessed outcome.
// - Identity (issue #19): every lookup first reads the node's identity (one
//   batch) and compares it with the Kusama identity pinned in the ledger
//   (`database`, opened read-only). Another chain, or no pin yet, is
//   ec::unavailable ("wrong chain: genesis X, pinned Y"): a foreign chain's
//   extrinsic is never reported, let alone as pending.
// - Its HTTP calls block the calling thread: spawn it `caf::detached`. It
//   holds no state beyond the metadata cache, so a restart loses nothing.
#pragma once

#include "actors/actors.hpp"
#include "actors/child_spec.hpp"
#include "actors/kusama_reader.hpp" // kusama:: helpers and scan_events
#include "config/config.hpp"
#include "chain/rpc/json_rpc_client.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace lstaked {



struct kusama_lookup_config {
  rpc::json_rpc_config rpc;        // the node
  std::string deposit_account;     // AccountId32, 0x + 64 hex
  uint64_t hash_search_blocks = 256; // how far back from the best head a hash is searched
  std::string database;            // the ledger holding the pinned identity (read-only)
  // How long the node's identity and heads are trusted for hash lookups
  // (0: read for every lookup; the daemon uses 1 s).
  std::chrono::milliseconds view_ttl{0};
};

/// The node as last read for hash lookups: identity checked, heads, and the
/// best chain's block hashes above the finalized head.
struct kusama_lookup_view {
  bool valid = false;
  std::chrono::steady_clock::time_point read_at;
  uint64_t best = 0;
  uint64_t finalized = 0;
  std::map<uint64_t, std::string> unfinalized; // height -> hash, above finalized, in the window
};

caf::error validate(const kusama_lookup_config& cfg);

struct kusama_lookup_state {
  kusama_lookup_config cfg;
  std::unique_ptr<rpc::json_rpc_client> client;
  chain::bytes deposit_account; // 32 bytes
  kusama::runtime_cache runtimes; // metadata by specVersion (runtimes seen so far)
  std::string last_error; // of the last lookup (empty if it succeeded)
  uint64_t lookups = 0;
  kusama_lookup_view view;
  // Extrinsic hashes of finalized blocks in the window: number -> (hash, extrinsics).
  std::map<uint64_t, std::pair<std::string, std::vector<std::string>>> finalized_blocks;
  // ... and of blocks above the finalized head: block hash -> extrinsics.
  std::map<std::string, std::vector<std::string>> unfinalized_blocks;
  static constexpr const char* name = "kusama_lookup";
};

kusama_lookup_actor::behavior_type
kusama_lookup(kusama_lookup_actor::stateful_pointer<kusama_lookup_state> self,
              kusama_lookup_config cfg);

/// [kusama] -> the lookup's config; absent when kusama.deposit_address is empty.
caf::expected<std::optional<kusama_lookup_config>> make_kusama_lookup_config(const config& cfg);

/// The lookup as a supervised child: its own thread, never writes.
child_spec kusama_lookup_child(kusama_lookup_config cfg);

} // namespace lstaked

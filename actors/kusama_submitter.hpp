// The Kusama submitter: the only code that signs Kusama extrinsics. It carries
// out the outbox (storage/outbox.hpp) exactly once: other actors write INTENT
// rows (ledger::add_intent, through storage); this actor signs them, submits
// them, and reconciles them with the chain.
//
// Contract, every `poll_interval` (and right after any step that changed a row):
// - Reads the finalized head F, its runtime (metadata by specVersion), each
//   signer's nonce at F (System.Account), and — in one read transaction — the
//   open outbox rows and the Kusama follower's cursor C.
// - A row whose nonce is already used at F is left to the follower's per-block
//   hook (`kusama_outbox_hook`, run in the watcher's transaction), which
//   finalizes it from the block that holds one of its attempts. Once C >= F
//   and the row is still open, the nonce was consumed by an extrinsic we did
//   not sign: REPLACED + critical alert, never re-sent.
// - A live attempt whose mortal era ended before F (or that was signed for
//   another specVersion than F's), with its nonce unused at F and C >= F, can
//   never be included: EXPIRED, then re-signed with the SAME nonce (the call is
//   re-encoded by pallet/call NAME with F's metadata).
// - INTENT and EXPIRED rows are signed in nonce order (mortal era born at F,
//   widened by the finality lag when that lag takes half of it or more, so it
//   is still alive at the best block; fee from payment_queryInfo); the attempt (signed bytes + hash) is committed
//   (FULL) BEFORE author_submitExtrinsic. A live attempt is re-sent as the same
//   bytes after a restart and every `resubmit_interval` until it is in a block
//   ("already imported" / "outdated" answers are expected, not errors).
// - Live attempts seen in a best block above F are marked IN_BLOCK.
// - A row open longer than `stuck_after` is "stuck": shown in status, health
//   and lstaked_kusama_outbox_stuck.
// - Errors (node unavailable, slow or erroring; storage refusing) are retried
//   with backoff: the poll interval doubles per consecutive failed step, up to
//   `max_backoff`. Nothing is ever re-signed because of an error.
// Calls (outbox `call` JSON): {"pallet", "call", "args"} in canonical JSON
// (chain/substrate/value.hpp), optionally "proxy_for": "0x<stash>" to send it as
// Proxy.proxy(stash, Some(Staking), call). Keys never leave this actor and are
// never logged. Blocking JSON-RPC: spawned detached.
#pragma once

#include "actors/actors.hpp"
#include "actors/chain_follower.hpp"
#include "actors/child_spec.hpp"
#include "actors/stopped_operator.hpp"
#include "chain/rpc/substrate_client.hpp"
#include "chain/sig/keypair.hpp"
#include "config/config.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lstaked {

/// The operator's Kusama keys (staking.*), checked against the configured accounts.
struct operator_keys {
  struct stash {
    std::string account; // 0x-hex
    std::string signer;  // 0x-hex: the stash itself, or its Staking proxy
    bool proxied = false;
  };
  std::string deposit_account; // 0x-hex
  std::vector<stash> stashes;
  std::map<std::string, std::shared_ptr<const chain::sig::keypair>> signers; // by account hex
};

/// Loads staking.deposit_key_file and staking.stash_key_files (0600, secret
/// URIs) and checks each against its account: the deposit key must be
/// kusama.deposit_address's, a stash's key the stash's (or, for a proxied
/// stash, another account). Absent when staking is off. Errors name the key.
caf::expected<std::optional<operator_keys>> load_operator_keys(const config& cfg);

struct kusama_submitter_config {
  rpc::json_rpc_config rpc;
  std::string database; // for the read-only connection
  std::map<std::string, std::shared_ptr<const chain::sig::keypair>> signers;
  uint64_t mortality_blocks = 64;
  std::chrono::milliseconds poll_interval{6000};
  std::chrono::milliseconds resubmit_interval{30000};
  std::chrono::milliseconds stuck_after{600000};
  std::chrono::milliseconds storage_timeout{30000};
  std::chrono::milliseconds max_backoff{60000}; // ceiling of the delay after failed steps
  uint32_t max_best_blocks_scanned = 32;
};

caf::error validate(const kusama_submitter_config& cfg);

/// What the Kusama actors that act on the chain hold: a JSON-RPC client and a
/// read-only connection to the ledger (writes go through the storage actor).
struct kusama_connections {
  std::unique_ptr<rpc::json_rpc_client> client;
  std::unique_ptr<SQLite::Database> db;
};
caf::expected<kusama_connections> open_kusama_connections(const rpc::json_rpc_config& rpc,
                                                          const std::string& database);

/// The start both Kusama operator actors share (same interface shape: tick,
/// status JSON, health): validate the config, connect (into st.client, st.db).
/// Returns the error that must stop the actor, if any.
template <class State>
caf::error start_operator(State& st) {
  if (auto err = validate(st.cfg))
    return err;
  auto io = open_kusama_connections(st.cfg.rpc, st.cfg.database);
  if (!io)
    return io.error();
  st.client = std::move(io->client);
  st.db = std::move(io->db);
  return caf::none;
}

struct kusama_submitter_state {
  kusama_submitter_config cfg;
  storage_actor storage;
  std::unique_ptr<rpc::json_rpc_client> client;
  std::unique_ptr<SQLite::Database> db;
  kusama::runtime_cache runtimes;
  std::string genesis;
  bool busy = false;     // a write is in flight: the next step waits for it
  bool restarted = true; // live attempts are re-sent once after start
  std::map<std::string, int64_t> last_sent; // tx hash -> unix ms of the last submission
  nlohmann::json view;   // the last step's picture (status)
  std::string last_error;
  uint64_t stuck = 0;
  bool step_failed = false; // this step met an error (read, submission, storage)
  uint32_t failures = 0;    // consecutive failed steps (backoff)
  static constexpr const char* name = "kusama_submitter";
};

kusama_submitter_actor::behavior_type
kusama_submitter(kusama_submitter_actor::stateful_pointer<kusama_submitter_state> self,
                 kusama_submitter_config cfg, storage_actor storage);

/// The follower hook that finalizes outbox rows from finalized blocks.
follower::block_hook kusama_outbox_hook();

caf::expected<std::optional<kusama_submitter_config>> make_kusama_submitter_config(const config& cfg);
child_spec kusama_submitter_child(kusama_submitter_config cfg);

} // namespace lstaked

// The notary: the only holder of the claim-signing key.
//
// Contract: at start it loads its secp256k1 key from a 0600 file, runs the
// signature self-check and derives its Ethereum address (logged; the key never
// is). For each claim_request it verifies the user's signRaw signature over
// the exact message, then, in ONE storage transaction at FULL durability,
// checks nonce and claimable, reserves the shares, signs the EIP-712 claim and
// stores it; it replies only after that commit. Requests that arrive while a
// transaction is in flight share the next one (group commit), each in its own
// savepoint. So a signature never leaves
// the process unless the claim that it authorises is on disk, and the same
// request returns the same claim (same claimId) instead of a second one.
#pragma once

#include "actors/actors.hpp"
#include "chain/common/secret.hpp"
#include "chain/ethereum/address.hpp"
#include "chain/ethereum/claim_digest.hpp"

#include <chrono>
#include <optional>
#include <vector>
#include <string>

namespace lstaked {

struct notary_config {
  std::string key_file;         // hex secp256k1 secret, mode 0600
  uint64_t chain_id = 0;        // EIP-155 chain id of the pool
  std::string pool_address;     // PolkadotPool (EIP-712 verifyingContract)
  std::string token_address;    // aKSMb, the bond the pool mints
  uint64_t validity_blocks = 0; // claimBeforeBlock = latest block + this
};

caf::error validate(const notary_config& cfg);

/// A verified request waiting for the next group commit.
struct pending_claim {
  ledger::claim_intent intent;
  caf::typed_response_promise<ledger::claim_record> promise;
  std::chrono::steady_clock::time_point started;
};

struct notary_state {
  chain::secret_key32 key;
  chain::eth::address signer;          // address of `key`
  chain::eth::eip712_domain domain;
  chain::eth::address token;
  uint64_t validity_blocks = 0;
  std::optional<uint64_t> latest_block; // unknown until the watcher reports
  storage_actor storage;
  uint64_t signed_claims = 0;
  std::vector<pending_claim> queue; // verified, waiting for a transaction
  bool writing = false;             // a transaction is in flight
  static constexpr size_t max_batch = 256;
  static constexpr const char* name = "notary";
};

/// Loads the key and checks it (the daemon calls this before spawning, so a
/// bad key file is one clear start-up error).
caf::expected<chain::eth::address> load_notary_key(const std::string& key_file,
                                                   chain::secret_key32& out);

notary_actor::behavior_type notary(notary_actor::stateful_pointer<notary_state> self,
                                   notary_config cfg, storage_actor storage);

} // namespace lstaked

// The notary: the only holder of the claim-signing key.
//
// Contract: at start it loads its secp256k1 key from a 0600 file, runs the
// signature self-check and derives its Ethereum address (logged; the key never
// is). Each claim_request goes to one of its signers (linked child actors, one
// per core, so the crypto runs in parallel): the signer verifies the user's
// signRaw signature over the exact message and signs the EIP-712 claim the
// request asks for (every signed field is known from the request and the
// claimBeforeBlock the notary fixes). The notary then, in ONE storage
// transaction at FULL durability, checks that the claims flow is not paused,
// checks nonce and claimable, reserves the shares and stores the claim with
// that signature; it replies only after that commit. Requests that arrive
// while a transaction is in flight share the next one (group commit), each in
// its own savepoint. So a signature never leaves the process unless the claim
// that it authorises is on disk (a signature made for a request the ledger
// refuses, or for one already stored, is dropped), and the same request
// returns the same claim (same claimId, the stored signature) instead of a
// second one.
#pragma once

#include "actors/actors.hpp"
#include "actors/child_spec.hpp"
#include "chain/common/secret.hpp"
#include "chain/ethereum/address.hpp"
#include "chain/ethereum/claim_digest.hpp"
#include "config/config.hpp"

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

/// A request whose signRaw signature verified, with its claim signed ahead of
/// the transaction that stores it.
struct presigned_claim {
  ledger::claim_intent intent;
  chain::eth::u256 amount_wei; // what was signed: amount_planck * 1e6
  std::string signature;       // EIP-712 claim signature, 0x + 130 hex
};

} // namespace lstaked

// Only travels between the notary and its signers (same process).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(lstaked::presigned_claim)

namespace lstaked {

/// The notary's crypto workers: linked children that only the notary talks
/// to, so their interface stays here rather than in actors.hpp.
using notary_signer_actor = caf::typed_actor<
  // A request and the claimBeforeBlock to sign for -> verified and signed,
  // or ec::crypto_error when the user's signature does not verify.
  caf::replies_to<claim_atom, claim_request, uint64_t>::with<presigned_claim>>;

struct notary_signer_state {
  chain::secret_key32 key; // a copy of the notary's key (wiped on destruction)
  chain::eth::eip712_domain domain;
  chain::eth::address token;
  static constexpr const char* name = "notary_signer";
};

notary_signer_actor::behavior_type
notary_signer(notary_signer_actor::stateful_pointer<notary_signer_state> self,
              chain::secret_key32 key, chain::eth::eip712_domain domain, chain::eth::address token);

/// A verified, presigned request waiting for the next group commit.
struct pending_claim {
  presigned_claim claim;
  caf::typed_response_promise<ledger::claim_record> promise;
  std::chrono::steady_clock::time_point started;
};

struct notary_state {
  chain::secret_key32 key;             // loaded at start, handed to the signers, then wiped
  chain::eth::address signer;          // address of `key`
  chain::eth::eip712_domain domain;
  chain::eth::address token;
  uint64_t validity_blocks = 0;
  std::optional<uint64_t> latest_block; // unknown until the watcher reports
  storage_actor storage;
  uint64_t signed_claims = 0;
  std::vector<notary_signer_actor> signers; // verify + sign, one per core
  size_t next_signer = 0;                   // round robin
  std::vector<pending_claim> queue; // verified and presigned, waiting for a transaction
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

/// [claims] and [ethereum] -> the notary's config; absent when
/// claims.notary_key_file is empty. Loads the key once, so a bad key file is
/// one clear start-up error rather than a restarting actor.
caf::expected<std::optional<notary_config>> make_notary_config(const config& cfg);

/// The notary as a supervised child: told the new storage after a restart,
/// and fed the Ethereum head.
child_spec notary_child(notary_config cfg);

} // namespace lstaked

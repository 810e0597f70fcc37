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
  /// More notary keys held by this daemon (files like key_file): a claim is
  /// signed by `threshold` of them, in ascending address order.
  std::vector<std::string> more_key_files;
  /// Sign only while the stored notary-set reading (notary_set_guard) is safe
  /// and at most `notary_set_max_age` old. The daemon always sets it; only
  /// tests without an Ethereum node turn it off (then every key signs).
  bool require_safe_notary_set = true;
  std::chrono::milliseconds notary_set_max_age{120000};
};

/// Every notary key file [claims] names (notary_key_file, then notary_key_files).
std::vector<std::string> notary_key_files(const config& cfg);

/// The Ethereum address of each key file (each loaded and self-checked once),
/// 0x + 40 lower-case hex, in the files' order.
caf::expected<std::vector<std::string>> notary_addresses(const std::vector<std::string>& files);

caf::error validate(const notary_config& cfg);

/// A request whose signRaw signature verified, with its claim signed ahead of
/// the transaction that stores it.
struct presigned_claim {
  ledger::claim_intent intent;
  chain::eth::u256 amount_wei; // what was signed: amount_planck * 1e6
  std::string signature;       // EIP-712 claim signatures, 0x + 130 hex each, concatenated
  std::vector<std::string> signed_with; // the signers' addresses, ascending
};

/// One notary key and its address, as the signers hold them.
struct notary_signing_key {
  std::string address;     // 0x + 40 lower-case hex
  chain::secret_key32 key; // wiped on destruction
};

} // namespace lstaked

// Only travels between the notary and its signers (same process).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(lstaked::presigned_claim)

namespace lstaked {

/// The notary's crypto workers: linked children that only the notary talks
/// to, so their interface stays here rather than in actors.hpp.
using notary_signer_actor = caf::typed_actor<
  // A request, the claimBeforeBlock to sign for and the addresses to sign
  // with (ascending) -> verified and signed, or ec::crypto_error when the
  // user's signature does not verify.
  caf::replies_to<claim_atom, claim_request, uint64_t, std::vector<std::string>>::with<presigned_claim>>;

struct notary_signer_state {
  std::vector<notary_signing_key> keys; // copies of the notary's keys (wiped on destruction)
  chain::eth::eip712_domain domain;
  chain::eth::address token;
  static constexpr const char* name = "notary_signer";
};

notary_signer_actor::behavior_type
notary_signer(notary_signer_actor::stateful_pointer<notary_signer_state> self,
              std::vector<notary_signing_key> keys, chain::eth::eip712_domain domain,
              chain::eth::address token);

/// A verified, presigned request waiting for the next group commit.
struct pending_claim {
  presigned_claim claim;
  caf::typed_response_promise<ledger::claim_record> promise;
  std::chrono::steady_clock::time_point started;
};

struct notary_state {
  std::vector<notary_signing_key> keys;        // loaded at start, handed to the signers, then wiped
  std::vector<std::string> addresses;  // of `keys`, ascending
  bool require_safe_notary_set = true;
  std::chrono::milliseconds notary_set_max_age{120000};
  /// The keys to sign with, from the last notary-set reading seen (empty:
  /// unsafe or not read; `sign_reason` says why).
  std::vector<std::string> sign_with;
  std::string sign_reason = "the pool's notary set has not been read yet";
  bool refreshing = false;             // a notary-set read is in flight
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

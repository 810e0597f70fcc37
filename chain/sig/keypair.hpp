// A signing key of any MultiSignature scheme: the operator's key for extrinsics, test keys.
//
// Contract: immutable after construction, so thread-safe to share. Secret material lives in
// wiping secret_bytes and never leaves except as signatures; nothing here prints it.
// Keys come from a 32-byte seed (polkadot-js `*PairFromSeed`) or a secret URI as Substrate
// and the polkadot-js keyring read it: a root — "0x<32-byte hex seed>", a BIP-39 English
// mnemonic (optionally with "///password" at the end), or nothing before "//" for the
// Substrate dev phrase ("//Alice") — followed by hard junctions ("//stash", "//0", "//0x…").
// Soft junctions ("/x") are refused, not half-supported. A mnemonic (or dev) root costs one
// PBKDF2 of 2048 rounds (~1 ms): build a keypair once, then share it.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/secret.hpp"
#include "chain/sig/ss58.hpp"
#include "chain/sig/types.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace lstaked::chain::sig {

class keypair {
public:
  static caf::expected<keypair> from_seed(scheme kind, const secret_key32& seed);
  static caf::expected<keypair> from_uri(scheme kind, std::string_view uri);

  scheme kind() const { return kind_; }
  /// 32 bytes (ed25519, sr25519) or 33 (compressed ecdsa).
  const bytes& public_key() const { return public_key_; }
  /// The AccountId: the public key, or blake2-256 of it for ecdsa.
  const account_id& account() const { return account_; }
  std::string address(uint16_t prefix) const;

  /// The raw signature (64 bytes; 65 for ecdsa). sr25519 signatures are randomized.
  caf::expected<bytes> sign(byte_view message) const;
  /// SCALE MultiSignature: the scheme's variant index (ed25519 0, sr25519 1, ecdsa 2) ‖ sig.
  caf::expected<bytes> sign_multi(byte_view message) const;

private:
  struct secrets;
  keypair() = default;
  scheme kind_ = scheme::sr25519;
  bytes public_key_;
  account_id account_{};
  std::shared_ptr<const secrets> secrets_;
};

/// Chain code of one derivation junction as polkadot-js's DeriveJunction makes it:
/// digits → u64 little-endian; 0x-hex → those bytes; text → SCALE (compact length ‖ UTF-8);
/// zero-padded to 32 bytes, or blake2-256 when longer. Exposed for tests.
caf::expected<std::array<uint8_t, 32>> junction_chain_code(std::string_view junction);

} // namespace lstaked::chain::sig

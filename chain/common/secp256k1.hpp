// secp256k1 for both chains (Ethereum signatures, Substrate's ecdsa scheme).
//
// Contract: one process-wide object owning one randomized libsecp256k1 context
// (created on first use, then read-only, so thread-safe). `self_check()` signs
// and recovers a fixed message; the daemon calls it at start-up and refuses to
// run if it fails. Signatures are 65 bytes r||s||v with v = recovery id 0/1
// (callers add 27 for Ethereum's legacy v); s is always low (normalised).
// Digests are 32-byte hashes the caller computed (keccak-256 or blake2-256).
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/hash.hpp"
#include "chain/common/secret.hpp"

#include <array>

namespace lstaked::chain {

using recoverable_signature = std::array<uint8_t, 65>;
using public_key_compressed = std::array<uint8_t, 33>;
using public_key_uncompressed = std::array<uint8_t, 65>; // 0x04 || x || y

class secp256k1 {
public:
  static const secp256k1& instance();

  /// Signs `digest` (RFC 6979 nonce): r||s||recid, low-s.
  caf::expected<recoverable_signature> sign(const hash256& digest, const secret_key32& key) const;

  /// Recovers the signer's key; `sig` is 65 bytes with v in {0,1} or {27,28}.
  /// High-s signatures are refused (they are malleable).
  caf::expected<public_key_uncompressed> recover(const hash256& digest, byte_view sig) const;

  /// The public key of a secret key (error if the key is zero or >= n).
  caf::expected<public_key_uncompressed> public_key(const secret_key32& key) const;

  /// Converts between the two public key encodings.
  caf::expected<public_key_compressed> compress(byte_view pubkey) const;
  caf::expected<public_key_uncompressed> decompress(byte_view pubkey) const;

  /// Sign-then-recover on a fixed key and message; error if anything differs.
  caf::error self_check() const;

  ~secp256k1();
  secp256k1(const secp256k1&) = delete;
  secp256k1& operator=(const secp256k1&) = delete;

private:
  secp256k1();
  struct impl;
  impl* impl_;
};

} // namespace lstaked::chain

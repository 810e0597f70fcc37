// Merlin transcripts (STROBE-128 over keccak-f[1600]), the Fiat-Shamir hash of schnorrkel.
//
// Contract: value types, not thread-safe per object (copy one per thread). Behaviour follows
// dalek-cryptography/merlin 3.x: Transcript::new = STROBE "Merlin v1.0" + append("dom-sep",
// label); append_message and challenge_bytes frame each item with its label and its length
// (u32 little-endian); build_rng / rekey / finalize give the witness RNG schnorrkel signs with.
// Used by sr25519 only; exposed so the construction can be tested on its own.
#pragma once

#include "chain/common/bytes.hpp"

#include <array>
#include <cstdint>
#include <string_view>

namespace lstaked::chain::sig {

/// The subset of STROBE-128 that merlin uses (meta-AD, AD, PRF, KEY).
class strobe128 {
public:
  explicit strobe128(byte_view protocol_label);
  ~strobe128();
  strobe128(const strobe128&) = default;
  strobe128& operator=(const strobe128&) = default;

  void meta_ad(byte_view data, bool more);
  void ad(byte_view data, bool more);
  void prf(uint8_t* out, size_t len, bool more);
  void key(byte_view data, bool more);

private:
  void begin_op(uint8_t flags, bool more);
  void absorb(byte_view data);
  void overwrite(byte_view data);
  void squeeze(uint8_t* out, size_t len);
  void run_f();

  std::array<uint8_t, 200> state_{};
  uint8_t pos_ = 0;
  uint8_t pos_begin_ = 0;
  uint8_t cur_flags_ = 0;
};

class merlin_rng;

class merlin_transcript {
public:
  explicit merlin_transcript(std::string_view label);

  void append_message(std::string_view label, byte_view message);
  void challenge_bytes(std::string_view label, uint8_t* out, size_t len);

  /// Starts the witness RNG: a copy of the transcript state, rekeyed by secrets.
  merlin_rng build_rng() const;

private:
  strobe128 strobe_;
};

class merlin_rng {
public:
  /// Mixes a secret (e.g. the signing nonce) in; `label` names it.
  merlin_rng& rekey_with_witness_bytes(std::string_view label, byte_view witness);
  /// Mixes 32 bytes of OS randomness in (libsodium's randombytes), after which
  /// bytes can be drawn.
  merlin_rng& finalize();
  /// Mixes the given 32 bytes instead of OS randomness: deterministic, tests only.
  merlin_rng& finalize_with(const std::array<uint8_t, 32>& entropy);
  void fill_bytes(uint8_t* out, size_t len);

private:
  friend class merlin_transcript;
  explicit merlin_rng(const strobe128& s) : strobe_(s) {}
  strobe128 strobe_;
};

} // namespace lstaked::chain::sig

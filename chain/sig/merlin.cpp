#include "chain/sig/merlin.hpp"

#include "chain/common/hash.hpp"

#include <nettle/sha3.h>
#include <sodium.h>

#include <cassert>
#include <cstring>

namespace lstaked::chain::sig {

namespace {

// STROBE-128: rate = 200 - 2*16 (security) - 2 (STROBE's padding bytes).
constexpr uint8_t strobe_r = 166;

constexpr uint8_t flag_i = 1 << 0;
constexpr uint8_t flag_a = 1 << 1;
constexpr uint8_t flag_c = 1 << 2;
constexpr uint8_t flag_t = 1 << 3;
constexpr uint8_t flag_m = 1 << 4;
constexpr uint8_t flag_k = 1 << 5;

// keccak-f[1600] on a byte state: lanes are little-endian 64-bit words whatever
// the host's byte order, nettle's sha3_permute works on native words.
void keccak_f1600(std::array<uint8_t, 200>& st) {
  sha3_state s;
  for (size_t i = 0; i < 25; ++i) {
    uint64_t v = 0;
    for (int b = 7; b >= 0; --b)
      v = (v << 8) | st[8 * i + b];
    s.a[i] = v;
  }
  sha3_permute(&s);
  for (size_t i = 0; i < 25; ++i)
    for (size_t b = 0; b < 8; ++b)
      st[8 * i + b] = static_cast<uint8_t>(s.a[i] >> (8 * b));
  sodium_memzero(&s, sizeof s);
}

byte_view view_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::array<uint8_t, 4> le32(size_t n) {
  // Merlin frames lengths as u32; our inputs are far below 4 GiB.
  assert(n <= 0xffffffffu);
  return {static_cast<uint8_t>(n), static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n >> 16),
          static_cast<uint8_t>(n >> 24)};
}

} // namespace

strobe128::strobe128(byte_view protocol_label) {
  // STROBE's initial block: [1, R+2, 1, 0, 1, 96] ‖ "STROBEv1.0.2", then one permutation.
  static constexpr uint8_t head[6] = {1, strobe_r + 2, 1, 0, 1, 96};
  static constexpr char version[] = "STROBEv1.0.2";
  std::memcpy(state_.data(), head, sizeof head);
  std::memcpy(state_.data() + 6, version, 12);
  keccak_f1600(state_);
  meta_ad(protocol_label, false);
}

strobe128::~strobe128() {
  // A witness RNG's state is derived from the signing nonce.
  sodium_memzero(state_.data(), state_.size());
}

void strobe128::run_f() {
  state_[pos_] ^= pos_begin_;
  state_[pos_ + 1] ^= 0x04;
  state_[strobe_r + 1] ^= 0x80;
  keccak_f1600(state_);
  pos_ = 0;
  pos_begin_ = 0;
}

void strobe128::absorb(byte_view data) {
  for (size_t i = 0; i < data.size; ++i) {
    state_[pos_++] ^= data[i];
    if (pos_ == strobe_r)
      run_f();
  }
}

void strobe128::overwrite(byte_view data) {
  for (size_t i = 0; i < data.size; ++i) {
    state_[pos_++] = data[i];
    if (pos_ == strobe_r)
      run_f();
  }
}

void strobe128::squeeze(uint8_t* out, size_t len) {
  for (size_t i = 0; i < len; ++i) {
    out[i] = state_[pos_];
    state_[pos_++] = 0;
    if (pos_ == strobe_r)
      run_f();
  }
}

void strobe128::begin_op(uint8_t flags, bool more) {
  if (more) {
    // Continuing the previous operation: same flags, nothing framed.
    assert(cur_flags_ == flags);
    return;
  }
  assert((flags & flag_t) == 0); // merlin never uses transport operations
  uint8_t old_begin = pos_begin_;
  pos_begin_ = static_cast<uint8_t>(pos_ + 1);
  cur_flags_ = flags;
  const uint8_t frame[2] = {old_begin, flags};
  absorb({frame, 2});
  // Cipher and key operations start on a fresh block.
  if ((flags & (flag_c | flag_k)) != 0 && pos_ != 0)
    run_f();
}

void strobe128::meta_ad(byte_view data, bool more) {
  begin_op(flag_m | flag_a, more);
  absorb(data);
}

void strobe128::ad(byte_view data, bool more) {
  begin_op(flag_a, more);
  absorb(data);
}

void strobe128::prf(uint8_t* out, size_t len, bool more) {
  begin_op(flag_i | flag_a | flag_c, more);
  squeeze(out, len);
}

void strobe128::key(byte_view data, bool more) {
  begin_op(flag_a | flag_c, more);
  overwrite(data);
}

merlin_transcript::merlin_transcript(std::string_view label)
  : strobe_(view_of("Merlin v1.0")) {
  append_message("dom-sep", view_of(label));
}

void merlin_transcript::append_message(std::string_view label, byte_view message) {
  auto len = le32(message.size);
  strobe_.meta_ad(view_of(label), false);
  strobe_.meta_ad(len, true);
  strobe_.ad(message, false);
}

void merlin_transcript::challenge_bytes(std::string_view label, uint8_t* out, size_t len) {
  auto n = le32(len);
  strobe_.meta_ad(view_of(label), false);
  strobe_.meta_ad(n, true);
  strobe_.prf(out, len, false);
}

merlin_rng merlin_transcript::build_rng() const {
  return merlin_rng{strobe_};
}

merlin_rng& merlin_rng::rekey_with_witness_bytes(std::string_view label, byte_view witness) {
  auto len = le32(witness.size);
  strobe_.meta_ad(view_of(label), false);
  strobe_.meta_ad(len, true);
  strobe_.key(witness, false);
  return *this;
}

merlin_rng& merlin_rng::finalize_with(const std::array<uint8_t, 32>& entropy) {
  strobe_.meta_ad(view_of("rng"), false);
  strobe_.key(entropy, false);
  return *this;
}

merlin_rng& merlin_rng::finalize() {
  ensure_sodium();
  std::array<uint8_t, 32> entropy;
  randombytes_buf(entropy.data(), entropy.size());
  finalize_with(entropy);
  sodium_memzero(entropy.data(), entropy.size());
  return *this;
}

void merlin_rng::fill_bytes(uint8_t* out, size_t len) {
  auto n = le32(len);
  strobe_.meta_ad(n, false);
  strobe_.prf(out, len, false);
}

} // namespace lstaked::chain::sig

// Start-up known-answer check of chain/sig, in the spirit of secp256k1::self_check().
//
// Contract: thread-safe, ~1 ms. Derives fixed keys, signs fixed messages and compares with
// answers produced by polkadot-js (see tools/vectors/sig/), then verifies, and checks an
// SS58 round trip. The daemon should call it at start-up and refuse to run on an error:
// a miscompiled or mislinked primitive (libsodium, nettle's keccak-f) shows up here, not
// as a notary that accepts or refuses the wrong claims.
#pragma once

#include "chain/common/error.hpp"

namespace lstaked::chain::sig {

caf::error self_check();

} // namespace lstaked::chain::sig

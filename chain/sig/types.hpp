// Shared vocabulary of chain/sig: the signature schemes of Substrate's MultiSignature.
//
// Contract: plain types, no behaviour beyond naming.
#pragma once

#include "chain/common/error.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lstaked::chain::sig {

/// The three schemes of MultiSignature, in its SCALE variant order.
enum class scheme : uint8_t { ed25519 = 0, sr25519 = 1, ecdsa = 2 };

using public_key32 = std::array<uint8_t, 32>;
using signature64 = std::array<uint8_t, 64>;

/// "ed25519" / "sr25519" / "ecdsa".
const char* to_string(scheme s);
std::optional<scheme> scheme_from_string(std::string_view name);

} // namespace lstaked::chain::sig

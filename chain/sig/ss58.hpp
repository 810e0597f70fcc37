// SS58 addresses (Substrate's base58check variant) for Kusama, Polkadot and friends.
//
// Contract: pure functions, thread-safe. An address is base58(prefix ‖ payload ‖ checksum),
// the checksum being the first 2 bytes of blake2b-512("SS58PRE" ‖ prefix ‖ payload).
// Prefixes 0..63 take one byte, 64..16383 two bytes (the "full" form of the SS58 registry).
// Payloads are account ids (32 bytes) or, as polkadot-js also accepts, raw 33-byte ecdsa keys.
// Anything else (bad checksum, length, alphabet, prefix) is an error, never a guess.
#pragma once

#include "chain/common/bytes.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lstaked::chain::sig {

using account_id = std::array<uint8_t, 32>;

/// Network prefixes this project uses.
inline constexpr uint16_t ss58_polkadot = 0;
inline constexpr uint16_t ss58_kusama = 2;
inline constexpr uint16_t ss58_substrate = 42;

/// Plain base58 (Bitcoin alphabet); exposed for tests.
std::string base58_encode(byte_view in);
caf::expected<bytes> base58_decode(std::string_view text);

/// Encodes a 32- or 33-byte payload; error for other sizes or a prefix > 16383.
caf::expected<std::string> ss58_encode(byte_view payload, uint16_t prefix);

struct ss58_address {
  uint16_t prefix = 0;
  bytes payload; // 32 bytes (account id) or 33 (compressed ecdsa key)
};

/// Decodes and checks an address; `expected_prefix` (if set) must match.
caf::expected<ss58_address> ss58_decode(std::string_view address,
                                        std::optional<uint16_t> expected_prefix = std::nullopt);

/// Decodes an address that must carry a 32-byte account id (and the given prefix, if set).
caf::expected<account_id> ss58_decode_account(std::string_view address,
                                              std::optional<uint16_t> expected_prefix = std::nullopt);

} // namespace lstaked::chain::sig

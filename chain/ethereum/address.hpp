// Ethereum addresses: 20 bytes, the last 20 of keccak-256(x||y) of the
// uncompressed public key; text form with the EIP-55 mixed-case checksum.
//
// Contract: pure functions, thread-safe. `parse_address` accepts all-lower or
// all-upper hex without a checksum (those carry none) and mixed case only if
// the checksum is right; `parse_address_checksummed` demands a correct checksum.
#pragma once

#include "chain/common/bytes.hpp"
#include "chain/common/secp256k1.hpp"

#include <array>
#include <string>
#include <string_view>

namespace lstaked::chain::eth {

using address = std::array<uint8_t, 20>;

/// The address of a public key (65-byte 0x04||x||y, 64-byte x||y or 33-byte compressed).
caf::expected<address> address_from_public_key(byte_view pubkey);

/// "0x" + EIP-55 checksummed hex.
std::string to_checksum_address(const address& a);

/// Parses "0x" + 40 hex digits (see the contract for case rules).
caf::expected<address> parse_address(std::string_view text);

/// Parses "0x" + 40 hex digits whose letters must match the EIP-55 checksum.
caf::expected<address> parse_address_checksummed(std::string_view text);

} // namespace lstaked::chain::eth

// Ethereum transactions the daemon signs: EIP-1559 (type 2) and legacy with
// EIP-155 replay protection; their signing hashes, raw encodings and tx hashes.
//
// Contract: pure functions, thread-safe. The access list is always empty (the
// daemon never needs one). `to` empty means contract creation. The tx hash is
// keccak-256 of the raw bytes, i.e. what eth_sendRawTransaction answers.
#pragma once

#include "chain/common/hash.hpp"
#include "chain/common/secret.hpp"
#include "chain/ethereum/address.hpp"
#include "chain/ethereum/u256.hpp"

#include <optional>

namespace lstaked::chain::eth {

struct tx_eip1559 {
  u256 chain_id;
  u256 nonce;
  u256 max_priority_fee_per_gas;
  u256 max_fee_per_gas;
  u256 gas_limit;
  std::optional<address> to;
  u256 value;
  bytes data;
};

struct tx_legacy {
  u256 nonce;
  u256 gas_price;
  u256 gas_limit;
  std::optional<address> to;
  u256 value;
  bytes data;
  u256 chain_id; // EIP-155
};

struct signed_tx {
  bytes raw;    // for eth_sendRawTransaction
  hash256 hash; // keccak256(raw)
};

/// The digest the sender signs.
hash256 signing_hash(const tx_eip1559& tx);
hash256 signing_hash(const tx_legacy& tx);

caf::expected<signed_tx> sign_transaction(const tx_eip1559& tx, const secret_key32& key);
caf::expected<signed_tx> sign_transaction(const tx_legacy& tx, const secret_key32& key);

} // namespace lstaked::chain::eth

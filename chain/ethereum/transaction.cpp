#include "chain/ethereum/transaction.hpp"

#include "chain/common/secp256k1.hpp"
#include "chain/ethereum/keccak.hpp"
#include "chain/ethereum/rlp.hpp"

namespace lstaked::chain::eth {

namespace {

void append_to(bytes& out, const std::optional<address>& to) {
  if (to)
    rlp_append_string(out, *to);
  else
    rlp_append_string(out, byte_view{}); // creation: the empty string
}

// The fields both the signing payload and the signed form of type 2 share.
bytes eip1559_fields(const tx_eip1559& tx) {
  bytes f;
  rlp_append_uint(f, tx.chain_id);
  rlp_append_uint(f, tx.nonce);
  rlp_append_uint(f, tx.max_priority_fee_per_gas);
  rlp_append_uint(f, tx.max_fee_per_gas);
  rlp_append_uint(f, tx.gas_limit);
  append_to(f, tx.to);
  rlp_append_uint(f, tx.value);
  rlp_append_string(f, tx.data);
  rlp_append_list(f, byte_view{}); // empty access list
  return f;
}

bytes legacy_fields(const tx_legacy& tx) {
  bytes f;
  rlp_append_uint(f, tx.nonce);
  rlp_append_uint(f, tx.gas_price);
  rlp_append_uint(f, tx.gas_limit);
  append_to(f, tx.to);
  rlp_append_uint(f, tx.value);
  rlp_append_string(f, tx.data);
  return f;
}

// r and s are RLP integers: big-endian without leading zeros.
void append_rs(bytes& out, const recoverable_signature& sig) {
  rlp_append_uint(out, *u256::from_be(byte_view{sig.data(), 32}));
  rlp_append_uint(out, *u256::from_be(byte_view{sig.data() + 32, 32}));
}

signed_tx finish(bytes raw) {
  auto hash = keccak256(byte_view{raw});
  return signed_tx{std::move(raw), hash};
}

} // namespace

hash256 signing_hash(const tx_eip1559& tx) {
  bytes payload{0x02};
  rlp_append_list(payload, eip1559_fields(tx));
  return keccak256(byte_view{payload});
}

hash256 signing_hash(const tx_legacy& tx) {
  // EIP-155: the chain id and two empty values take the place of v, r, s.
  bytes f = legacy_fields(tx);
  rlp_append_uint(f, tx.chain_id);
  rlp_append_uint(f, u256{0});
  rlp_append_uint(f, u256{0});
  bytes payload;
  rlp_append_list(payload, f);
  return keccak256(byte_view{payload});
}

caf::expected<signed_tx> sign_transaction(const tx_eip1559& tx, const secret_key32& key) {
  auto sig = secp256k1::instance().sign(signing_hash(tx), key);
  if (!sig)
    return sig.error();
  bytes f = eip1559_fields(tx);
  rlp_append_uint(f, u256{(*sig)[64]}); // y parity 0/1
  append_rs(f, *sig);
  bytes raw{0x02};
  rlp_append_list(raw, f);
  return finish(std::move(raw));
}

caf::expected<signed_tx> sign_transaction(const tx_legacy& tx, const secret_key32& key) {
  if (tx.chain_id.is_zero())
    return make_error(ec::invalid_input, "legacy transactions are signed with EIP-155 only");
  auto sig = secp256k1::instance().sign(signing_hash(tx), key);
  if (!sig)
    return sig.error();
  // v = recovery id + chain_id * 2 + 35
  auto doubled = checked_mul(tx.chain_id, u256{2});
  if (!doubled)
    return doubled.error();
  auto v = checked_add(*doubled, u256{35u + (*sig)[64]});
  if (!v)
    return v.error();
  bytes f = legacy_fields(tx);
  rlp_append_uint(f, *v);
  append_rs(f, *sig);
  bytes raw;
  rlp_append_list(raw, f);
  return finish(std::move(raw));
}

} // namespace lstaked::chain::eth

#include "chain/ethereum/transaction.hpp"

#include "chain/ethereum/rlp.hpp"
#include "chain/ethereum/signature.hpp"

#include "vectors.hpp"

#include <gtest/gtest.h>

using namespace lstaked;
using namespace lstaked::chain;
using namespace lstaked::chain::eth;

namespace {

secret_key32 key_from_hex(const std::string& hex) {
  auto raw = from_hex_fixed<32>(hex);
  EXPECT_TRUE(raw);
  return secret_key32{raw->data()};
}

u256 dec(const nlohmann::json& j) {
  auto v = u256::from_dec(j.get<std::string>());
  EXPECT_TRUE(v) << j;
  return *v;
}

std::optional<address> to_of(const nlohmann::json& j) {
  if (j.is_null())
    return std::nullopt;
  return *parse_address(j.get<std::string>());
}

} // namespace

TEST(transaction, signed_transactions_match_cast_mktx) {
  auto vectors = test::load_eth_vectors("transactions.json");
  ASSERT_EQ(vectors.size(), 260u);
  size_t legacy_count = 0, creations = 0;
  for (auto& v : vectors) {
    auto& t = v["tx"];
    auto key = key_from_hex(v["key"]);
    caf::expected<signed_tx> signed_one{caf::error{}};
    hash256 digest{};
    if (t["type"] == "legacy") {
      tx_legacy tx{dec(t["nonce"]), dec(t["gas_price"]), dec(t["gas_limit"]), to_of(t["to"]),
                   dec(t["value"]), *from_hex(t["data"].get<std::string>()), dec(t["chain_id"])};
      signed_one = sign_transaction(tx, key);
      digest = signing_hash(tx);
      ++legacy_count;
    } else {
      tx_eip1559 tx{dec(t["chain_id"]), dec(t["nonce"]), dec(t["max_priority_fee_per_gas"]),
                    dec(t["max_fee_per_gas"]), dec(t["gas_limit"]), to_of(t["to"]),
                    dec(t["value"]), *from_hex(t["data"].get<std::string>())};
      signed_one = sign_transaction(tx, key);
      digest = signing_hash(tx);
    }
    creations += t["to"].is_null();
    ASSERT_TRUE(signed_one) << describe(signed_one.error());
    EXPECT_EQ(to_hex(signed_one->raw), v["raw"].get<std::string>()) << t;
    EXPECT_EQ(to_hex(signed_one->hash), v["hash"].get<std::string>());
    // the signature inside recovers to the key's address
    bytes raw = signed_one->raw;
    bool typed = raw[0] == 0x02;
    auto decoded = rlp_decode(typed ? byte_view{raw.data() + 1, raw.size() - 1} : byte_view{raw});
    ASSERT_TRUE(decoded);
    auto& items = decoded->items;
    recoverable_signature sig{};
    auto r = rlp_to_uint(items[items.size() - 2])->to_be32();
    auto s = rlp_to_uint(items[items.size() - 1])->to_be32();
    std::copy(r.begin(), r.end(), sig.begin());
    std::copy(s.begin(), s.end(), sig.begin() + 32);
    auto v_value = *rlp_to_uint(items[items.size() - 3]);
    if (typed) {
      sig[64] = uint8_t(v_value.low_u64());
    } else {
      auto chain2 = *checked_mul(dec(t["chain_id"]), u256{2});
      sig[64] = uint8_t(checked_sub(*checked_sub(v_value, chain2), u256{35})->low_u64());
    }
    EXPECT_EQ(*recover_address(digest, sig), *address_of(key));
  }
  EXPECT_GT(legacy_count, 50u);
  EXPECT_GT(creations, 5u);
}

TEST(transaction, legacy_without_chain_id_refused) {
  tx_legacy tx{};
  tx.gas_limit = 21000;
  uint8_t raw_key[32] = {1};
  EXPECT_FALSE(sign_transaction(tx, secret_key32{raw_key}));
}

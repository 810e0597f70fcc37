#include "tests/support/claim_request.hpp"

#include "chain/sig/sign_raw.hpp"

namespace lstaked::test {

nlohmann::json signed_claim_request::body() const {
  return {{"address", fields.address},     {"ethAddress", fields.eth_address},
          {"amount", fields.amount},       {"nonce", fields.nonce},
          {"expiresAt", fields.expires_at}, {"scheme", scheme},
          {"signature", chain::to_hex(signature)}};
}

caf::expected<signed_claim_request> sign_claim_request(const chain::sig::keypair& key,
                                                       const api::claim_message_fields& fields) {
  signed_claim_request r;
  r.fields = fields;
  r.scheme = chain::sig::to_string(key.kind());
  r.message = api::claim_message(fields);
  auto sig = key.sign(chain::sig::wrap_bytes(
    chain::byte_view{reinterpret_cast<const uint8_t*>(r.message.data()), r.message.size()}));
  if (!sig)
    return sig.error();
  r.signature = std::move(*sig);
  return r;
}

} // namespace lstaked::test

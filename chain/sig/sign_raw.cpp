#include "chain/sig/sign_raw.hpp"

#include "chain/sig/ecdsa.hpp"
#include "chain/sig/ed25519.hpp"
#include "chain/sig/sr25519.hpp"
#include "chain/sig/ss58.hpp"

#include <algorithm>
#include <cstring>

namespace lstaked::chain::sig {

namespace {

constexpr std::string_view wrap_prefix = "<Bytes>";
constexpr std::string_view wrap_postfix = "</Bytes>";
constexpr std::string_view ethereum_prefix = "\x19" "Ethereum Signed Message:\n";

bool starts_with(byte_view m, std::string_view p) {
  return m.size >= p.size() && std::memcmp(m.data, p.data(), p.size()) == 0;
}

bool ends_with(byte_view m, std::string_view p) {
  return m.size >= p.size() && std::memcmp(m.data + m.size - p.size(), p.data(), p.size()) == 0;
}

template <size_t N>
std::array<uint8_t, N> fixed(byte_view v) {
  std::array<uint8_t, N> out{};
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

} // namespace

bool is_wrapped(byte_view message, bool with_ethereum) {
  if (message.size >= wrap_prefix.size() + wrap_postfix.size() && starts_with(message, wrap_prefix)
      && ends_with(message, wrap_postfix))
    return true;
  return with_ethereum && starts_with(message, ethereum_prefix);
}

bytes wrap_bytes(byte_view message) {
  if (is_wrapped(message, true))
    return bytes(message.begin(), message.end());
  bytes out(wrap_prefix.begin(), wrap_prefix.end());
  append(out, message);
  out.insert(out.end(), wrap_postfix.begin(), wrap_postfix.end());
  return out;
}

caf::expected<bytes> bare_signature(scheme s, byte_view signature) {
  size_t bare = s == scheme::ecdsa ? 65 : 64;
  if (signature.size == bare)
    return bytes(signature.begin(), signature.end());
  if (signature.size == bare + 1) {
    if (signature[0] != static_cast<uint8_t>(s))
      return make_error(ec::invalid_input, std::string("MultiSignature variant is not ")
                                             + to_string(s));
    return bytes(signature.begin() + 1, signature.end());
  }
  return make_error(ec::invalid_input, std::string(to_string(s)) + ": signature must be "
                                         + std::to_string(bare) + " bytes (or "
                                         + std::to_string(bare + 1) + " as a MultiSignature)");
}

caf::expected<bool> verify_message(scheme s, byte_view signer, byte_view message,
                                   byte_view raw_signature) {
  auto bare = bare_signature(s, raw_signature);
  if (!bare)
    return bare.error();
  byte_view signature{*bare};
  switch (s) {
    case scheme::ed25519:
      if (signer.size != 32)
        return make_error(ec::invalid_input, "ed25519: signer must be a 32-byte public key");
      if (signature.size != 64)
        return make_error(ec::invalid_input, "ed25519: signature must be 64 bytes");
      return ed25519_verify(fixed<32>(signer), message, signature);
    case scheme::sr25519:
      if (signer.size != 32)
        return make_error(ec::invalid_input, "sr25519: signer must be a 32-byte public key");
      if (signature.size != 64)
        return make_error(ec::invalid_input, "sr25519: signature must be 64 bytes");
      return sr25519_verify(fixed<32>(signer), message, signature);
    case scheme::ecdsa:
      if (signature.size != 65)
        return make_error(ec::invalid_input, "ecdsa: signature must be 65 bytes");
      if (signer.size == 33)
        return ecdsa_verify(fixed<33>(signer), message, signature);
      if (signer.size == 32)
        return ecdsa_verify_account(fixed<32>(signer), message, signature);
      return make_error(ec::invalid_input,
                        "ecdsa: signer must be a 33-byte key or a 32-byte account id");
  }
  return make_error(ec::invalid_input, "unknown signature scheme");
}

caf::expected<bool> verify_sign_raw(scheme s, byte_view signer, byte_view message,
                                    byte_view signature) {
  auto wrapped = wrap_bytes(message);
  return verify_message(s, signer, wrapped, signature);
}

caf::expected<bytes> parse_signer(std::string_view text, std::optional<uint16_t> expected_prefix) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    auto raw = from_hex(text);
    if (!raw)
      return raw.error();
    if (raw->size() != 32 && raw->size() != 33)
      return make_error(ec::invalid_input, "public key must be 32 or 33 bytes");
    return std::move(*raw);
  }
  auto decoded = ss58_decode(text, expected_prefix);
  if (!decoded)
    return decoded.error();
  return std::move(decoded->payload);
}

} // namespace lstaked::chain::sig

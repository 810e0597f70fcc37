#include "chain/ethereum/address.hpp"

#include "chain/ethereum/keccak.hpp"

#include <cctype>
#include <cstring>

namespace lstaked::chain::eth {

caf::expected<address> address_from_public_key(byte_view pubkey) {
  uint8_t xy[64];
  if (pubkey.size == 64) {
    std::memcpy(xy, pubkey.data, 64);
  } else {
    // Parsing through libsecp256k1 also proves the point is on the curve.
    auto full = secp256k1::instance().decompress(pubkey);
    if (!full)
      return full.error();
    std::memcpy(xy, full->data() + 1, 64);
  }
  auto digest = keccak256(byte_view{xy, 64});
  address out{};
  std::memcpy(out.data(), digest.data() + 12, 20);
  return out;
}

std::string to_checksum_address(const address& a) {
  std::string lower = to_hex(a, false);
  // EIP-55: hash the lower-case hex text; a letter is upper case when the
  // matching nibble of the hash is >= 8.
  auto digest = keccak256(std::string_view{lower});
  std::string out = "0x";
  for (size_t i = 0; i < lower.size(); ++i) {
    uint8_t nibble = (i % 2 == 0) ? digest[i / 2] >> 4 : digest[i / 2] & 0x0f;
    char c = lower[i];
    out += (c >= 'a' && c <= 'f' && nibble >= 8) ? char(c - 'a' + 'A') : c;
  }
  return out;
}

namespace {

caf::expected<address> parse(std::string_view text, bool require_checksum) {
  if (text.size() != 42 || text[0] != '0' || text[1] != 'x')
    return make_error(ec::decode_error, "an address is 0x followed by 40 hex digits");
  auto raw = from_hex_fixed<20>(text);
  if (!raw)
    return raw.error();
  bool has_lower = false;
  bool has_upper = false;
  for (char c : text.substr(2)) {
    has_lower |= (c >= 'a' && c <= 'f');
    has_upper |= (c >= 'A' && c <= 'F');
  }
  bool mixed = has_lower && has_upper;
  if (mixed || require_checksum) {
    if (to_checksum_address(*raw) != text)
      return make_error(ec::crypto_error, "address checksum (EIP-55) is wrong");
  }
  return *raw;
}

} // namespace

caf::expected<address> parse_address(std::string_view text) {
  return parse(text, false);
}

caf::expected<address> parse_address_checksummed(std::string_view text) {
  return parse(text, true);
}

} // namespace lstaked::chain::eth

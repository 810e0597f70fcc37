#include "chain/sig/ss58.hpp"

#include "chain/common/hash.hpp"

#include <algorithm>

namespace lstaked::chain::sig {

namespace {

constexpr char alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr uint16_t max_prefix = 16383; // 14 bits in the two-byte form
constexpr size_t checksum_len = 2;      // for 32/33-byte payloads

int digit_of(char c) {
  static const auto table = [] {
    std::array<int8_t, 128> t{};
    t.fill(-1);
    for (int i = 0; i < 58; ++i)
      t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
    return t;
  }();
  auto u = static_cast<uint8_t>(c);
  return u < 128 ? table[u] : -1;
}

std::array<uint8_t, checksum_len> checksum(byte_view body) {
  static constexpr uint8_t tag[] = {'S', 'S', '5', '8', 'P', 'R', 'E'};
  bytes input(tag, tag + sizeof tag);
  append(input, body);
  auto digest = blake2b(input, 64);
  return {digest[0], digest[1]};
}

} // namespace

std::string base58_encode(byte_view in) {
  // Schoolbook base conversion; inputs here are tens of bytes.
  size_t zeros = 0;
  while (zeros < in.size && in[zeros] == 0)
    ++zeros;
  std::vector<uint8_t> digits; // base58 digits, least significant first
  for (size_t i = zeros; i < in.size; ++i) {
    unsigned carry = in[i];
    for (auto& d : digits) {
      carry += unsigned(d) << 8;
      d = static_cast<uint8_t>(carry % 58);
      carry /= 58;
    }
    while (carry) {
      digits.push_back(static_cast<uint8_t>(carry % 58));
      carry /= 58;
    }
  }
  std::string out(zeros, '1');
  for (auto it = digits.rbegin(); it != digits.rend(); ++it)
    out.push_back(alphabet[*it]);
  return out;
}

caf::expected<bytes> base58_decode(std::string_view text) {
  if (text.empty())
    return make_error(ec::decode_error, "empty base58 string");
  size_t zeros = 0;
  while (zeros < text.size() && text[zeros] == '1')
    ++zeros;
  // Base 2^32 limbs, least significant first, up to 5 digits per step
  // (58^5 < 2^32): every address in a path is decoded per request.
  std::vector<uint32_t> limbs;
  limbs.reserve(text.size() / 5 + 2);
  for (size_t i = zeros; i < text.size();) {
    uint64_t scale = 1, add = 0;
    for (size_t n = 0; n < 5 && i < text.size(); ++n, ++i) {
      int d = digit_of(text[i]);
      if (d < 0)
        return make_error(ec::decode_error, "invalid base58 character");
      scale *= 58;
      add = add * 58 + static_cast<uint64_t>(d);
    }
    uint64_t carry = add;
    for (auto& limb : limbs) {
      carry += static_cast<uint64_t>(limb) * scale;
      limb = static_cast<uint32_t>(carry);
      carry >>= 32;
    }
    if (carry)
      limbs.push_back(static_cast<uint32_t>(carry));
  }
  bytes out(zeros, 0);
  out.reserve(zeros + limbs.size() * 4);
  bool leading = true; // the value's own bytes start at its first non-zero one
  for (auto it = limbs.rbegin(); it != limbs.rend(); ++it)
    for (int shift = 24; shift >= 0; shift -= 8) {
      auto b = static_cast<uint8_t>(*it >> shift);
      if (leading && b == 0)
        continue;
      leading = false;
      out.push_back(b);
    }
  return out;
}

caf::expected<std::string> ss58_encode(byte_view payload, uint16_t prefix) {
  if (payload.size != 32 && payload.size != 33)
    return make_error(ec::encode_error, "ss58 payload must be 32 or 33 bytes, got "
                                          + std::to_string(payload.size));
  if (prefix > max_prefix)
    return make_error(ec::encode_error, "ss58 prefix above 16383");
  bytes body;
  if (prefix < 64) {
    body.push_back(static_cast<uint8_t>(prefix));
  } else {
    // Two-byte form: the low 6 bits of the first byte and the top 2 bits of the
    // second carry bits 2..7 and 0..1 of the prefix's low byte; the rest of the
    // second byte carries its high bits (as the SS58 spec and polkadot-js do).
    body.push_back(static_cast<uint8_t>(((prefix & 0xfc) >> 2) | 0x40));
    body.push_back(static_cast<uint8_t>((prefix >> 8) | ((prefix & 0x03) << 6)));
  }
  append(body, payload);
  auto sum = checksum(body);
  body.insert(body.end(), sum.begin(), sum.end());
  return base58_encode(body);
}

caf::expected<ss58_address> ss58_decode(std::string_view address,
                                        std::optional<uint16_t> expected_prefix) {
  if (address.size() > 64)
    return make_error(ec::decode_error, "ss58 address too long");
  auto raw = base58_decode(address);
  if (!raw)
    return make_error(ec::decode_error, "ss58: " + describe(raw.error()));
  if (raw->empty())
    return make_error(ec::decode_error, "ss58: empty");
  ss58_address out;
  size_t prefix_len = 1;
  uint8_t first = (*raw)[0];
  if (first < 64) {
    out.prefix = first;
  } else if (first < 128) {
    if (raw->size() < 2)
      return make_error(ec::decode_error, "ss58: truncated prefix");
    prefix_len = 2;
    uint8_t second = (*raw)[1];
    auto low = static_cast<uint16_t>(((first << 2) | (second >> 6)) & 0xff);
    auto high = static_cast<uint16_t>(second & 0x3f);
    out.prefix = static_cast<uint16_t>(low | (high << 8));
    // The two-byte form of a prefix below 64 would be a second spelling of the
    // same address; refuse it so one account has one address per network.
    if (out.prefix < 64)
      return make_error(ec::decode_error, "ss58: non-canonical two-byte prefix");
  } else {
    return make_error(ec::decode_error, "ss58: reserved prefix byte");
  }
  size_t payload_len = raw->size() < prefix_len + checksum_len
                         ? 0
                         : raw->size() - prefix_len - checksum_len;
  if (payload_len != 32 && payload_len != 33)
    return make_error(ec::decode_error, "ss58: wrong length (payload of "
                                          + std::to_string(payload_len) + " bytes)");
  byte_view body{raw->data(), prefix_len + payload_len};
  auto sum = checksum(body);
  if (!std::equal(sum.begin(), sum.end(), raw->begin() + body.size))
    return make_error(ec::crypto_error, "ss58: invalid checksum");
  if (expected_prefix && *expected_prefix != out.prefix)
    return make_error(ec::invalid_input, "ss58: network prefix " + std::to_string(out.prefix)
                                           + ", expected " + std::to_string(*expected_prefix));
  out.payload.assign(raw->begin() + prefix_len, raw->begin() + body.size);
  return out;
}

caf::expected<account_id> ss58_decode_account(std::string_view address,
                                              std::optional<uint16_t> expected_prefix) {
  auto decoded = ss58_decode(address, expected_prefix);
  if (!decoded)
    return decoded.error();
  if (decoded->payload.size() != 32)
    return make_error(ec::invalid_input, "ss58: not a 32-byte account id");
  account_id id;
  std::copy(decoded->payload.begin(), decoded->payload.end(), id.begin());
  return id;
}

} // namespace lstaked::chain::sig

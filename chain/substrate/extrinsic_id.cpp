#include "chain/substrate/extrinsic_id.hpp"

#include <cctype>
#include <limits>

namespace lstaked::chain::substrate {

namespace {

constexpr size_t max_id_length = 66; // the hash form is the longest

bool parse_decimal(const std::string& s, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0'))
    return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    auto digit = static_cast<uint64_t>(c - '0');
    if (v > (max - digit) / 10)
      return false;
    v = v * 10 + digit;
  }
  out = v;
  return true;
}

caf::error bad(const std::string& why) {
  return make_error(ec::invalid_input,
                    "extrinsic id: " + why
                      + " (expected \"<blockNumber>-<extrinsicIndex>\" or a 0x-prefixed 32-byte hash)");
}

} // namespace

caf::expected<extrinsic_id> parse_extrinsic_id(const std::string& text) {
  if (text.empty())
    return bad("empty");
  if (text.size() > max_id_length)
    return bad("longer than " + std::to_string(max_id_length) + " characters");
  extrinsic_id id;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    if (text.size() != 66)
      return bad("a hash must have 64 hex digits");
    id.by_hash = true;
    id.hash = "0x";
    for (size_t i = 2; i < text.size(); ++i) {
      auto c = static_cast<unsigned char>(text[i]);
      if (!std::isxdigit(c))
        return bad("a hash must be hexadecimal");
      id.hash.push_back(static_cast<char>(std::tolower(c)));
    }
    return id;
  }
  auto dash = text.find('-');
  if (dash == std::string::npos || text.find('-', dash + 1) != std::string::npos)
    return bad("not of the form <block>-<index>");
  uint64_t block = 0, index = 0;
  if (!parse_decimal(text.substr(0, dash), std::numeric_limits<uint64_t>::max(), block))
    return bad("the block number must be a decimal number without sign or leading zeros");
  if (!parse_decimal(text.substr(dash + 1), std::numeric_limits<uint32_t>::max(), index))
    return bad("the extrinsic index must be a decimal number below 2^32 without leading zeros");
  id.block_number = block;
  id.extrinsic_index = static_cast<uint32_t>(index);
  return id;
}

std::string to_string(const extrinsic_id& id) {
  if (id.by_hash)
    return id.hash;
  return std::to_string(id.block_number) + "-" + std::to_string(id.extrinsic_index);
}

} // namespace lstaked::chain::substrate

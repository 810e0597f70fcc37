#include "chain/ethereum/rlp.hpp"

namespace lstaked::chain::eth {

namespace {

void append_header(bytes& out, size_t length, uint8_t short_base) {
  // short_base is 0x80 for strings, 0xc0 for lists; long forms add 55.
  if (length <= 55) {
    out.push_back(uint8_t(short_base + length));
    return;
  }
  uint8_t len_bytes[8];
  int n = 0;
  for (size_t l = length; l != 0; l >>= 8)
    len_bytes[n++] = uint8_t(l & 0xff);
  out.push_back(uint8_t(short_base + 55 + n));
  for (int i = n - 1; i >= 0; --i)
    out.push_back(len_bytes[i]);
}

caf::error fail(const char* what) {
  return make_error(ec::decode_error, std::string("RLP: ") + what);
}

// Decodes one item at in[pos..end), advancing pos past it.
caf::error decode_at(const uint8_t* in, size_t end, size_t& pos, size_t depth, rlp_item& out) {
  if (depth > rlp_max_depth)
    return fail("nesting too deep");
  if (pos >= end)
    return fail("unexpected end of input");
  uint8_t prefix = in[pos++];
  if (prefix < 0x80) {
    out = rlp_item{false, bytes{prefix}, {}};
    return caf::none;
  }
  bool is_list = prefix >= 0xc0;
  uint8_t base = is_list ? 0xc0 : 0x80;
  size_t length = 0;
  if (prefix - base <= 55) {
    length = prefix - base;
  } else {
    size_t n = prefix - base - 55; // 1..8 length bytes
    if (n > end - pos)
      return fail("length runs past the input");
    if (in[pos] == 0)
      return fail("length with a leading zero byte");
    if (n > sizeof(size_t))
      return fail("length too large");
    for (size_t i = 0; i < n; ++i)
      length = (length << 8) | in[pos++];
    if (length <= 55)
      return fail("long form used for a short length");
  }
  if (length > end - pos)
    return fail("payload runs past the input");
  size_t payload_end = pos + length;
  if (!is_list) {
    if (length == 1 && in[pos] < 0x80)
      return fail("single byte below 0x80 must encode itself");
    out = rlp_item{false, bytes(in + pos, in + payload_end), {}};
    pos = payload_end;
    return caf::none;
  }
  out = rlp_item{true, {}, {}};
  while (pos < payload_end) {
    rlp_item child;
    if (auto err = decode_at(in, payload_end, pos, depth + 1, child))
      return err;
    out.items.push_back(std::move(child));
  }
  return caf::none;
}

} // namespace

void rlp_append_string(bytes& out, byte_view in) {
  if (in.size == 1 && in[0] < 0x80) {
    out.push_back(in[0]);
    return;
  }
  append_header(out, in.size, 0x80);
  append(out, in);
}

void rlp_append_uint(bytes& out, const u256& value) {
  rlp_append_string(out, value.to_be_minimal());
}

void rlp_append_list(bytes& out, byte_view encoded_items) {
  append_header(out, encoded_items.size, 0xc0);
  append(out, encoded_items);
}

bytes rlp_encode(const rlp_item& item) {
  bytes out;
  if (!item.is_list) {
    rlp_append_string(out, item.value);
    return out;
  }
  bytes payload;
  for (auto& child : item.items)
    append(payload, rlp_encode(child));
  rlp_append_list(out, payload);
  return out;
}

caf::expected<rlp_item> rlp_decode(byte_view in) {
  rlp_item out;
  size_t pos = 0;
  if (auto err = decode_at(in.data, in.size, pos, 0, out))
    return err;
  if (pos != in.size)
    return fail("trailing bytes after the item");
  return out;
}

caf::expected<u256> rlp_to_uint(const rlp_item& item) {
  if (item.is_list)
    return fail("expected an integer, got a list");
  if (!item.value.empty() && item.value[0] == 0)
    return fail("integer with a leading zero byte");
  if (item.value.size() > 32)
    return fail("integer longer than 32 bytes");
  return u256::from_be(item.value);
}

} // namespace lstaked::chain::eth

#include "chain/ethereum/abi.hpp"

#include "chain/ethereum/address.hpp"
#include "chain/ethereum/keccak.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

namespace lstaked::chain::eth {

namespace {

using kind = abi_type::kind;

// Fixed arrays beyond this length, or static types whose head is larger than
// this, are refused when parsed: nothing we talk to uses them, and the limit
// keeps size arithmetic far from overflow.
constexpr size_t max_fixed_length = 1 << 20;
constexpr size_t max_static_size = size_t(1) << 32;

caf::error type_error(std::string what) {
  return make_error(ec::decode_error, "ABI type: " + std::move(what));
}
caf::error decode_fail(std::string what) {
  return make_error(ec::decode_error, "ABI decode: " + std::move(what));
}
caf::error encode_fail(std::string what) {
  return make_error(ec::encode_error, "ABI encode: " + std::move(what));
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return s;
}

// Splits on commas outside parentheses; an empty list gives no parts.
caf::expected<std::vector<std::string_view>> split_top_level(std::string_view s) {
  std::vector<std::string_view> parts;
  if (trim(s).empty())
    return parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '(')
      ++depth;
    else if (s[i] == ')' && --depth < 0)
      return type_error("unbalanced parentheses");
    else if (s[i] == ',' && depth == 0) {
      parts.push_back(trim(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  if (depth != 0)
    return type_error("unbalanced parentheses");
  parts.push_back(trim(s.substr(start)));
  return parts;
}

// A parameter "type [name]": the type is what comes before the first space
// outside parentheses.
std::string_view type_part(std::string_view param) {
  int depth = 0;
  for (size_t i = 0; i < param.size(); ++i) {
    if (param[i] == '(')
      ++depth;
    else if (param[i] == ')')
      --depth;
    else if (depth == 0 && is_space(param[i]))
      return param.substr(0, i);
  }
  return param;
}

caf::expected<unsigned> parse_small_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 7 || (digits.size() > 1 && digits[0] == '0'))
    return type_error("bad number in type");
  unsigned n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      return type_error("bad number in type");
    n = n * 10 + unsigned(c - '0');
  }
  return n;
}

caf::expected<abi_type> parse_type(std::string_view s, size_t depth);

caf::expected<std::vector<abi_type>> parse_list(std::string_view inner, size_t depth) {
  auto parts = split_top_level(inner);
  if (!parts)
    return parts.error();
  std::vector<abi_type> out;
  for (auto part : *parts) {
    if (part.empty())
      return type_error("empty component");
    auto t = parse_type(type_part(part), depth);
    if (!t)
      return t.error();
    out.push_back(std::move(*t));
  }
  return out;
}

caf::expected<abi_type> parse_base(std::string_view s, size_t depth) {
  abi_type t;
  if (!s.empty() && (s.front() == '(' || s.substr(0, 6) == "tuple(")) {
    if (s.back() != ')')
      return type_error("tuple without ')'");
    auto inner = s.substr(s.find('(') + 1);
    inner.remove_suffix(1);
    auto children = parse_list(inner, depth + 1);
    if (!children)
      return children.error();
    if (children->empty())
      return type_error("empty tuple");
    t.k = kind::tuple;
    t.size = 0;
    t.children = std::move(*children);
    return t;
  }
  auto with_size = [&](std::string_view prefix, kind k, unsigned lo, unsigned hi,
                       unsigned step) -> caf::expected<abi_type> {
    auto rest = s.substr(prefix.size());
    abi_type r;
    r.k = k;
    if (rest.empty()) {
      if (k == kind::fixed_bytes)
        return type_error("bytesN needs N");
      r.size = 256; // "uint" and "int" mean 256 bits
      return r;
    }
    auto n = parse_small_number(rest);
    if (!n || *n < lo || *n > hi || *n % step != 0)
      return type_error("bad size in " + std::string(s));
    r.size = *n;
    return r;
  };
  if (s == "address") {
    t.k = kind::address;
    t.size = 160;
    return t;
  }
  if (s == "bool") {
    t.k = kind::boolean;
    t.size = 8;
    return t;
  }
  if (s == "string") {
    t.k = kind::string;
    t.size = 0;
    return t;
  }
  if (s == "bytes") {
    t.k = kind::bytes;
    t.size = 0;
    return t;
  }
  if (s.substr(0, 4) == "uint")
    return with_size("uint", kind::uint, 8, 256, 8);
  if (s.substr(0, 3) == "int")
    return with_size("int", kind::int_, 8, 256, 8);
  if (s.substr(0, 5) == "bytes")
    return with_size("bytes", kind::fixed_bytes, 1, 32, 1);
  return type_error("unknown type '" + std::string(s) + "'");
}

caf::expected<abi_type> parse_type(std::string_view s, size_t depth) {
  if (depth > abi_max_depth)
    return type_error("nesting too deep");
  s = trim(s);
  if (s.empty())
    return type_error("empty type");
  // Array suffixes bind from the right: T[2][] is a dynamic array of T[2].
  if (s.back() == ']') {
    auto open = s.rfind('[');
    if (open == std::string_view::npos)
      return type_error("']' without '['");
    auto element = parse_type(s.substr(0, open), depth + 1);
    if (!element)
      return element.error();
    auto digits = s.substr(open + 1, s.size() - open - 2);
    abi_type t;
    if (digits.empty()) {
      t.k = kind::array;
      t.size = 0;
    } else {
      auto n = parse_small_number(digits);
      if (!n || *n == 0 || *n > max_fixed_length)
        return type_error("bad fixed array length");
      t.k = kind::fixed_array;
      t.size = *n;
    }
    t.children.push_back(std::move(*element));
    if (!t.is_dynamic() && t.head_size() > max_static_size)
      return type_error("static type too large");
    return t;
  }
  auto t = parse_base(s, depth);
  if (t && !t->is_dynamic() && t->head_size() > max_static_size)
    return type_error("static type too large");
  return t;
}

// ---- encoding ----

void put_word(bytes& out, const u256& w) {
  auto be = w.to_be32();
  out.insert(out.end(), be.begin(), be.end());
}

void put_padded(bytes& out, byte_view data) {
  append(out, data);
  out.resize(out.size() + (32 - data.size % 32) % 32, 0);
}

// Are the bits above `bits` a sign extension of bit bits-1?
bool fits_signed(const u256& w, unsigned bits) {
  u256 top = w.shr(bits - 1);
  return top.is_zero() || top == u256::max().shr(bits - 1);
}

bool fits_unsigned(const u256& w, unsigned bits) {
  return bits == 256 || w.shr(bits).is_zero();
}

using type_at = std::function<const abi_type&(size_t)>;

caf::error encode_one(const abi_type& t, const abi_value& v, bytes& out);

caf::error encode_sequence(const type_at& types, size_t count, const std::vector<abi_value>& values,
                           bytes& out) {
  if (values.size() != count)
    return encode_fail("expected " + std::to_string(count) + " values, got "
                       + std::to_string(values.size()));
  size_t head_total = 0;
  for (size_t i = 0; i < count; ++i)
    head_total += types(i).head_size();
  bytes heads, tails;
  for (size_t i = 0; i < count; ++i) {
    const auto& t = types(i);
    if (t.is_dynamic()) {
      put_word(heads, u256{head_total + tails.size()});
      if (auto err = encode_one(t, values[i], tails))
        return err;
    } else if (auto err = encode_one(t, values[i], heads)) {
      return err;
    }
  }
  append(out, heads);
  append(out, tails);
  return caf::none;
}

caf::error encode_one(const abi_type& t, const abi_value& v, bytes& out) {
  switch (t.k) {
    case kind::uint:
      if (!fits_unsigned(v.word, t.size))
        return encode_fail("value does not fit " + t.canonical());
      put_word(out, v.word);
      return caf::none;
    case kind::int_:
      if (!fits_signed(v.word, t.size))
        return encode_fail("value does not fit " + t.canonical());
      put_word(out, v.word);
      return caf::none;
    case kind::address:
      if (!fits_unsigned(v.word, 160))
        return encode_fail("address wider than 20 bytes");
      put_word(out, v.word);
      return caf::none;
    case kind::boolean:
      if (v.word > u256{1})
        return encode_fail("bool must be 0 or 1");
      put_word(out, v.word);
      return caf::none;
    case kind::fixed_bytes:
      if (v.data.size() != t.size)
        return encode_fail(t.canonical() + " needs exactly " + std::to_string(t.size) + " bytes");
      put_padded(out, v.data);
      return caf::none;
    case kind::bytes:
    case kind::string:
      put_word(out, u256{v.data.size()});
      put_padded(out, v.data);
      return caf::none;
    case kind::array: {
      put_word(out, u256{v.items.size()});
      const auto& element = t.children[0];
      return encode_sequence([&](size_t) -> const abi_type& { return element; }, v.items.size(),
                             v.items, out);
    }
    case kind::fixed_array: {
      const auto& element = t.children[0];
      return encode_sequence([&](size_t) -> const abi_type& { return element; }, t.size, v.items,
                             out);
    }
    case kind::tuple:
      return encode_sequence([&](size_t i) -> const abi_type& { return t.children[i]; },
                             t.children.size(), v.items, out);
  }
  return encode_fail("unknown type");
}

// ---- decoding ----

struct reader {
  const uint8_t* data;
  size_t size;
  size_t extent = 0; // the furthest byte any value occupies

  caf::expected<u256> word_at(size_t pos) {
    if (pos > size || size - pos < 32)
      return decode_fail("word at " + std::to_string(pos) + " runs past the data");
    extent = std::max(extent, pos + 32);
    return *u256::from_be(byte_view{data + pos, 32});
  }

  // A word that must be a usable offset or length (< the data size).
  caf::expected<size_t> small_at(size_t pos, const char* what) {
    auto w = word_at(pos);
    if (!w)
      return w.error();
    if (!w->fits_u64() || w->low_u64() > size)
      return decode_fail(std::string(what) + " too large");
    return size_t(w->low_u64());
  }
};

caf::error decode_one(const abi_type& t, reader& r, size_t pos, size_t depth, abi_value& out);

// A tuple-like sequence whose head starts at `base`.
caf::error decode_sequence(const type_at& types, size_t count, reader& r, size_t base, size_t depth,
                           std::vector<abi_value>& out) {
  if (depth > abi_max_depth)
    return decode_fail("nesting too deep");
  // The heads must fit in the data: checked before allocating anything, so a
  // claimed length of 2^60 costs nothing. Every head is >= 32 bytes (empty
  // tuples are refused by the type parser), so the first check bounds `count`
  // and the loop stays short.
  if (base > r.size || count > (r.size - base) / 32)
    return decode_fail("sequence of " + std::to_string(count) + " runs past the data");
  size_t heads = 0;
  for (size_t i = 0; i < count; ++i) {
    heads += types(i).head_size();
    if (heads > r.size - base)
      return decode_fail("sequence of " + std::to_string(count) + " runs past the data");
  }
  out.resize(count);
  size_t head = base;
  for (size_t i = 0; i < count; ++i) {
    const auto& t = types(i);
    if (t.is_dynamic()) {
      auto offset = r.small_at(head, "offset");
      if (!offset)
        return offset.error();
      if (*offset > r.size - base)
        return decode_fail("offset past the data");
      if (auto err = decode_one(t, r, base + *offset, depth + 1, out[i]))
        return err;
    } else if (auto err = decode_one(t, r, head, depth + 1, out[i])) {
      return err;
    }
    head += t.head_size();
  }
  return caf::none;
}

caf::error decode_one(const abi_type& t, reader& r, size_t pos, size_t depth, abi_value& out) {
  switch (t.k) {
    case kind::uint:
    case kind::int_:
    case kind::address:
    case kind::boolean: {
      auto w = r.word_at(pos);
      if (!w)
        return w.error();
      bool ok = t.k == kind::int_    ? fits_signed(*w, t.size)
                : t.k == kind::boolean ? *w <= u256{1}
                                       : fits_unsigned(*w, t.size);
      if (!ok)
        return decode_fail("value out of range for " + t.canonical());
      out = abi_value::number(*w);
      return caf::none;
    }
    case kind::fixed_bytes: {
      auto w = r.word_at(pos);
      if (!w)
        return w.error();
      if (!std::all_of(r.data + pos + t.size, r.data + pos + 32, [](uint8_t b) { return b == 0; }))
        return decode_fail("non-zero padding in " + t.canonical());
      out = abi_value::blob(bytes(r.data + pos, r.data + pos + t.size));
      return caf::none;
    }
    case kind::bytes:
    case kind::string: {
      auto length = r.small_at(pos, "length");
      if (!length)
        return length.error();
      size_t start = pos + 32;
      size_t padded = (*length + 31) / 32 * 32;
      if (start > r.size || padded > r.size - start)
        return decode_fail("bytes run past the data");
      if (!std::all_of(r.data + start + *length, r.data + start + padded,
                       [](uint8_t b) { return b == 0; }))
        return decode_fail("non-zero padding after bytes");
      r.extent = std::max(r.extent, start + padded);
      out = abi_value::blob(bytes(r.data + start, r.data + start + *length));
      return caf::none;
    }
    case kind::array: {
      auto length = r.small_at(pos, "array length");
      if (!length)
        return length.error();
      const auto& element = t.children[0];
      out = abi_value{};
      return decode_sequence([&](size_t) -> const abi_type& { return element; }, *length, r,
                             pos + 32, depth, out.items);
    }
    case kind::fixed_array: {
      const auto& element = t.children[0];
      out = abi_value{};
      return decode_sequence([&](size_t) -> const abi_type& { return element; }, t.size, r, pos,
                             depth, out.items);
    }
    case kind::tuple:
      out = abi_value{};
      return decode_sequence([&](size_t i) -> const abi_type& { return t.children[i]; },
                             t.children.size(), r, pos, depth, out.items);
  }
  return decode_fail("unknown type");
}

} // namespace

bool abi_type::is_dynamic() const {
  switch (k) {
    case kind::bytes:
    case kind::string:
    case kind::array:
      return true;
    case kind::fixed_array:
      return children[0].is_dynamic();
    case kind::tuple:
      return std::any_of(children.begin(), children.end(),
                         [](const abi_type& c) { return c.is_dynamic(); });
    default:
      return false;
  }
}

size_t abi_type::head_size() const {
  if (is_dynamic())
    return 32;
  if (k == kind::fixed_array)
    return size * children[0].head_size();
  if (k == kind::tuple) {
    size_t total = 0;
    for (auto& c : children)
      total += c.head_size();
    return total;
  }
  return 32;
}

std::string abi_type::canonical() const {
  switch (k) {
    case kind::uint:
      return "uint" + std::to_string(size);
    case kind::int_:
      return "int" + std::to_string(size);
    case kind::address:
      return "address";
    case kind::boolean:
      return "bool";
    case kind::fixed_bytes:
      return "bytes" + std::to_string(size);
    case kind::bytes:
      return "bytes";
    case kind::string:
      return "string";
    case kind::array:
      return children[0].canonical() + "[]";
    case kind::fixed_array:
      return children[0].canonical() + "[" + std::to_string(size) + "]";
    case kind::tuple: {
      std::string out = "(";
      for (size_t i = 0; i < children.size(); ++i)
        out += (i ? "," : "") + children[i].canonical();
      return out + ")";
    }
  }
  return "?";
}

caf::expected<abi_type> parse_abi_type(std::string_view text) {
  return parse_type(text, 0);
}

caf::expected<std::vector<abi_type>> parse_abi_types(std::string_view text) {
  text = trim(text);
  // "(T1,T2)" is a parameter list only if its first '(' closes at the very end;
  // "(T1,T2)[]" is a one-element list holding an array of tuples.
  if (!text.empty() && text.front() == '(') {
    int depth = 0;
    size_t close = std::string_view::npos;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '(')
        ++depth;
      else if (text[i] == ')' && --depth == 0) {
        close = i;
        break;
      }
    }
    if (close == text.size() - 1)
      text = text.substr(1, text.size() - 2);
  }
  return parse_list(text, 0);
}

abi_value abi_value::address(byte_view twenty_bytes) {
  return number(*u256::from_be(twenty_bytes));
}

caf::expected<bytes> abi_encode(const std::vector<abi_type>& types,
                                const std::vector<abi_value>& values) {
  bytes out;
  if (auto err = encode_sequence([&](size_t i) -> const abi_type& { return types[i]; },
                                 types.size(), values, out))
    return err;
  return out;
}

caf::expected<std::vector<abi_value>> abi_decode(const std::vector<abi_type>& types,
                                                 byte_view data) {
  reader r{data.data, data.size};
  std::vector<abi_value> out;
  if (auto err = decode_sequence([&](size_t i) -> const abi_type& { return types[i]; },
                                 types.size(), r, 0, 0, out))
    return err;
  if (r.extent != data.size)
    return decode_fail("trailing bytes after the encoded values");
  return out;
}

std::array<uint8_t, 4> abi_selector(std::string_view signature) {
  auto digest = keccak256(signature);
  return {digest[0], digest[1], digest[2], digest[3]};
}

// ---- JSON ----

namespace {

caf::error json_fail(const abi_type& t, std::string what) {
  return make_error(ec::invalid_input, "ABI value for " + t.canonical() + ": " + std::move(what));
}

caf::expected<abi_value> integer_from_json(const abi_type& t, const nlohmann::json& j) {
  std::string text;
  if (j.is_number_unsigned())
    text = std::to_string(j.get<uint64_t>());
  else if (j.is_number_integer())
    text = std::to_string(j.get<int64_t>());
  else if (j.is_string())
    text = j.get<std::string>();
  else
    return json_fail(t, "expected an integer or a decimal string");
  bool negative = !text.empty() && text[0] == '-';
  if (negative && t.k == kind::uint)
    return json_fail(t, "negative value for an unsigned type");
  std::string_view digits = negative ? std::string_view(text).substr(1) : std::string_view(text);
  auto magnitude = digits.substr(0, 2) == "0x" && !negative ? u256::from_hex(digits)
                                                            : u256::from_dec(digits);
  if (!magnitude)
    return json_fail(t, describe(magnitude.error()));
  if (t.k == kind::uint) {
    if (!fits_unsigned(*magnitude, t.size))
      return json_fail(t, "out of range");
    return abi_value::number(*magnitude);
  }
  // int<N>: -2^(N-1) <= value < 2^(N-1)
  u256 limit = u256{1}.shl(t.size - 1);
  if (negative ? *magnitude > limit : *magnitude >= limit)
    return json_fail(t, "out of range");
  return abi_value::number(negative ? u256::wrapping_sub(u256{}, *magnitude) : *magnitude);
}

} // namespace

caf::expected<abi_value> abi_value_from_json(const abi_type& t, const nlohmann::json& j) {
  switch (t.k) {
    case kind::uint:
    case kind::int_:
      return integer_from_json(t, j);
    case kind::address: {
      if (!j.is_string())
        return json_fail(t, "expected a 0x address string");
      auto a = parse_address(j.get<std::string>());
      if (!a)
        return a.error();
      return abi_value::address(*a);
    }
    case kind::boolean:
      if (!j.is_boolean())
        return json_fail(t, "expected true or false");
      return abi_value::boolean(j.get<bool>());
    case kind::fixed_bytes:
    case kind::bytes: {
      if (!j.is_string())
        return json_fail(t, "expected 0x hex");
      auto raw = from_hex(j.get<std::string>());
      if (!raw)
        return raw.error();
      if (t.k == kind::fixed_bytes && raw->size() != t.size)
        return json_fail(t, "expected " + std::to_string(t.size) + " bytes");
      return abi_value::blob(std::move(*raw));
    }
    case kind::string:
      if (!j.is_string())
        return json_fail(t, "expected a string");
      return abi_value::text(j.get<std::string>());
    case kind::array:
    case kind::fixed_array:
    case kind::tuple: {
      if (!j.is_array())
        return json_fail(t, "expected an array");
      size_t expected_count = t.k == kind::array       ? j.size()
                              : t.k == kind::fixed_array ? t.size
                                                         : t.children.size();
      if (j.size() != expected_count)
        return json_fail(t, "expected " + std::to_string(expected_count) + " elements");
      std::vector<abi_value> items;
      for (size_t i = 0; i < j.size(); ++i) {
        auto item = abi_value_from_json(t.k == kind::tuple ? t.children[i] : t.children[0], j[i]);
        if (!item)
          return item.error();
        items.push_back(std::move(*item));
      }
      return abi_value::list(std::move(items));
    }
  }
  return json_fail(t, "unknown type");
}

nlohmann::json abi_value_to_json(const abi_type& t, const abi_value& v) {
  switch (t.k) {
    case kind::uint:
      return v.word.to_dec();
    case kind::int_:
      if (v.word.bit(255))
        return "-" + u256::wrapping_sub(u256{}, v.word).to_dec();
      return v.word.to_dec();
    case kind::address: {
      auto be = v.word.to_be32();
      address a{};
      std::copy(be.begin() + 12, be.end(), a.begin());
      return to_checksum_address(a);
    }
    case kind::boolean:
      return !v.word.is_zero();
    case kind::fixed_bytes:
    case kind::bytes:
      return to_hex(v.data);
    case kind::string:
      return std::string(v.data.begin(), v.data.end());
    case kind::array:
    case kind::fixed_array:
    case kind::tuple: {
      auto out = nlohmann::json::array();
      for (size_t i = 0; i < v.items.size(); ++i)
        out.push_back(abi_value_to_json(
          t.k == kind::tuple && i < t.children.size() ? t.children[i] : t.children[0],
          v.items[i]));
      return out;
    }
  }
  return nullptr;
}

} // namespace lstaked::chain::eth

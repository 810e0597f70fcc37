#include "chain/substrate/value.hpp"

#include <algorithm>
#include <cstring>

namespace lstaked::chain::substrate {

#define TRY_ERR(expr)                                                                              \
  do {                                                                                             \
    if (auto e_ = (expr))                                                                          \
      return e_;                                                                                   \
  } while (0)

namespace {

caf::error fail(const std::string& what) {
  return make_error(ec::decode_error, "SCALE: " + what);
}
caf::error enc_fail(const std::string& what) {
  return make_error(ec::encode_error, what);
}

// caf::expected::error() is only valid on a failed expected.
template <class T>
caf::error error_of(const caf::expected<T>& x) {
  return x ? caf::error{} : x.error();
}

int prim_width(primitive p) {
  switch (p) {
    case primitive::u8:
    case primitive::i8:
      return 1;
    case primitive::u16:
    case primitive::i16:
      return 2;
    case primitive::u32:
    case primitive::i32:
      return 4;
    case primitive::u64:
    case primitive::i64:
      return 8;
    case primitive::u128:
    case primitive::i128:
      return 16;
    case primitive::u256:
    case primitive::i256:
      return 32;
    default:
      return 0;
  }
}

bool is_signed(primitive p) {
  return p == primitive::i8 || p == primitive::i16 || p == primitive::i32 || p == primitive::i64
         || p == primitive::i128 || p == primitive::i256;
}

u128 max_of_width(int width) {
  return width >= 16 ? ~static_cast<u128>(0) : (static_cast<u128>(1) << (8 * width)) - 1;
}

// The integer a Compact<T> carries: T itself or T wrapped in single-field composites.
// Returns the byte width (0 for a unit target such as Compact<()>), or -1.
int compact_target_width(const metadata& md, uint32_t type, int depth = 0) {
  if (depth > max_depth)
    return -1;
  auto& t = md.type(type);
  if (t.kind == type_kind::primitive) {
    int w = prim_width(t.prim);
    return (w == 0 || w > 16 || is_signed(t.prim)) ? -1 : w;
  }
  if (t.kind == type_kind::composite && t.fields.size() == 1)
    return compact_target_width(md, t.fields[0].type, depth + 1);
  if ((t.kind == type_kind::composite && t.fields.empty())
      || (t.kind == type_kind::tuple && t.tuple.empty()))
    return 0;
  return -1;
}

int bit_store_width(const metadata& md, uint32_t store) {
  auto& t = md.type(store);
  if (t.kind != type_kind::primitive)
    return -1;
  switch (t.prim) {
    case primitive::u8:
      return 1;
    case primitive::u16:
      return 2;
    case primitive::u32:
      return 4;
    case primitive::u64:
      return 8;
    default:
      return -1;
  }
}

caf::expected<byte_view> read_bits(const metadata& md, const type_def& t, scale_reader& r) {
  const uint8_t* start = r.position();
  auto nbits = r.compact_u32();
  if (!nbits)
    return nbits.error();
  int w = bit_store_width(md, t.elem);
  if (w < 0)
    return fail("unsupported bit sequence store type");
  size_t bits_per = static_cast<size_t>(w) * 8;
  size_t words = (static_cast<size_t>(*nbits) + bits_per - 1) / bits_per;
  if (auto e = r.skip(words * static_cast<size_t>(w)))
    return e;
  return byte_view{start, static_cast<size_t>(r.position() - start)};
}

} // namespace

const value* value::find(std::string_view name) const {
  const std::vector<field>* fs = kind == value_kind::variant ? (var ? &var->fields : nullptr)
                                                             : fields;
  if (!fs)
    return nullptr;
  for (size_t i = 0; i < fs->size() && i < items.size(); ++i)
    if ((*fs)[i].name == name)
      return &items[i];
  return nullptr;
}

const value& value::unwrap() const {
  const value* v = this;
  while (v->kind == value_kind::composite && v->items.size() == 1)
    v = &v->items[0];
  return *v;
}

caf::error decode_value(const metadata& md, uint32_t type, scale_reader& r, value& out,
                        int depth) {
  if (depth > max_depth)
    return fail("nesting deeper than " + std::to_string(max_depth));
  auto& t = md.type(type);
  out.type = type;
  switch (t.kind) {
    case type_kind::primitive: {
      switch (t.prim) {
        case primitive::boolean: {
          auto b = r.boolean();
          if (!b)
            return b.error();
          out.kind = value_kind::boolean;
          out.num = *b;
          return {};
        }
        case primitive::character: {
          auto c = r.u32();
          if (!c)
            return c.error();
          if (*c > 0x10ffff || (*c >= 0xd800 && *c <= 0xdfff))
            return fail("invalid char " + std::to_string(*c));
          out.kind = value_kind::character;
          out.num = *c;
          return {};
        }
        case primitive::str: {
          auto s = r.length_prefixed();
          if (!s)
            return s.error();
          std::string_view sv(reinterpret_cast<const char*>(s->data), s->size);
          if (!valid_utf8(sv))
            return fail("string is not valid UTF-8");
          out.kind = value_kind::string;
          out.data.assign(s->begin(), s->end());
          return {};
        }
        default: {
          int w = prim_width(t.prim);
          auto raw = r.take(static_cast<size_t>(w));
          if (!raw)
            return raw.error();
          if (w == 32) {
            out.kind = value_kind::big;
            out.num = is_signed(t.prim) ? 1 : 0;
            out.data.assign(raw->begin(), raw->end());
            return {};
          }
          u128 v = 0;
          for (int i = 0; i < w; ++i)
            v |= static_cast<u128>((*raw)[static_cast<size_t>(i)]) << (8 * i);
          if (is_signed(t.prim)) {
            // Sign-extend to 128 bits so the value reads back as an __int128.
            if (w < 16 && ((v >> (8 * w - 1)) & 1))
              v |= ~max_of_width(w);
            out.kind = value_kind::sint;
          } else {
            out.kind = value_kind::uint;
          }
          out.num = v;
          return {};
        }
      }
    }
    case type_kind::compact: {
      int w = compact_target_width(md, t.elem);
      if (w < 0)
        return fail("unsupported compact target type " + std::to_string(t.elem));
      out.kind = value_kind::uint;
      if (w == 0)
        return {};
      auto v = r.compact();
      if (!v)
        return v.error();
      if (*v > max_of_width(w))
        return fail("compact exceeds its " + std::to_string(8 * w) + "-bit type");
      out.num = *v;
      return {};
    }
    case type_kind::sequence:
    case type_kind::array: {
      size_t n = t.len;
      if (t.kind == type_kind::sequence) {
        auto len = r.compact_u32();
        if (!len)
          return len.error();
        n = *len;
      }
      if (t.byte_like) {
        auto raw = r.take(n);
        if (!raw)
          return raw.error();
        out.kind = value_kind::bytes;
        out.data.assign(raw->begin(), raw->end());
        return {};
      }
      // Every element we accept takes input; a count past the input is malformed
      // (and would otherwise let a few bytes allocate gigabytes).
      if (n > r.remaining() && md.type(t.elem).fixed_size != 0)
        return fail("sequence of " + std::to_string(n) + " elements exceeds the input");
      if (n > r.remaining() + 1024)
        return fail("sequence of " + std::to_string(n) + " zero-sized elements");
      out.kind = value_kind::sequence;
      // Grow as elements actually decode: memory stays proportional to the input consumed,
      // even for nested sequences that each claim the whole remaining input.
      out.items.reserve(std::min<size_t>(n, 64));
      for (size_t i = 0; i < n; ++i) {
        out.items.emplace_back();
        TRY_ERR(decode_value(md, t.elem, r, out.items.back(), depth + 1));
      }
      return {};
    }
    case type_kind::tuple: {
      out.kind = value_kind::tuple;
      out.items.resize(t.tuple.size());
      for (size_t i = 0; i < t.tuple.size(); ++i)
        TRY_ERR(decode_value(md, t.tuple[i], r, out.items[i], depth + 1));
      return {};
    }
    case type_kind::composite: {
      out.kind = value_kind::composite;
      out.fields = &t.fields;
      out.items.resize(t.fields.size());
      for (size_t i = 0; i < t.fields.size(); ++i)
        TRY_ERR(decode_value(md, t.fields[i].type, r, out.items[i], depth + 1));
      return {};
    }
    case type_kind::variant: {
      auto idx = r.u8();
      if (!idx)
        return idx.error();
      auto var = t.find_variant(*idx);
      if (!var)
        return fail("no variant with index " + std::to_string(*idx) + " in " + t.path_string());
      out.kind = value_kind::variant;
      out.var = var;
      out.num = *idx;
      out.fields = &var->fields;
      out.items.resize(var->fields.size());
      for (size_t i = 0; i < var->fields.size(); ++i)
        TRY_ERR(decode_value(md, var->fields[i].type, r, out.items[i], depth + 1));
      return {};
    }
    case type_kind::bit_sequence: {
      auto raw = read_bits(md, t, r);
      if (!raw)
        return raw.error();
      out.kind = value_kind::bits;
      out.data.assign(raw->begin(), raw->end());
      return {};
    }
  }
  return fail("unknown type kind");
}

caf::expected<value> decode_value(const metadata& md, uint32_t type, byte_view in) {
  scale_reader r{in};
  value v;
  TRY_ERR(decode_value(md, type, r, v));
  TRY_ERR(r.expect_end());
  return v;
}

caf::error skip_value(const metadata& md, uint32_t type, scale_reader& r, int depth) {
  if (depth > max_depth)
    return fail("nesting deeper than " + std::to_string(max_depth));
  auto& t = md.type(type);
  if (t.plain)
    return r.skip(static_cast<size_t>(t.fixed_size));
  switch (t.kind) {
    case type_kind::primitive:
      if (t.prim == primitive::boolean)
        return error_of(r.boolean());
      if (t.prim == primitive::str) {
        auto s = r.length_prefixed();
        if (!s)
          return s.error();
        if (!valid_utf8(std::string_view(reinterpret_cast<const char*>(s->data), s->size)))
          return fail("string is not valid UTF-8");
        return {};
      }
      if (t.prim == primitive::character) {
        value v;
        return decode_value(md, type, r, v, depth);
      }
      return r.skip(static_cast<size_t>(prim_width(t.prim)));
    case type_kind::compact: {
      int w = compact_target_width(md, t.elem);
      if (w < 0)
        return fail("unsupported compact target type " + std::to_string(t.elem));
      if (w == 0)
        return {};
      auto v = r.compact();
      if (!v)
        return v.error();
      if (*v > max_of_width(w))
        return fail("compact exceeds its " + std::to_string(8 * w) + "-bit type");
      return {};
    }
    case type_kind::sequence:
    case type_kind::array: {
      size_t n = t.len;
      if (t.kind == type_kind::sequence) {
        auto len = r.compact_u32();
        if (!len)
          return len.error();
        n = *len;
      }
      auto& et = md.type(t.elem);
      if (et.plain) {
        auto each = static_cast<size_t>(et.fixed_size);
        if (each != 0 && n > r.remaining() / each)
          return fail("sequence of " + std::to_string(n) + " elements exceeds the input");
        if (each == 0 && n > r.remaining() + 1024) // same bound as decode_value
          return fail("sequence of " + std::to_string(n) + " zero-sized elements");
        return r.skip(n * each);
      }
      if (n > r.remaining() && et.fixed_size != 0)
        return fail("sequence of " + std::to_string(n) + " elements exceeds the input");
      if (n > r.remaining() + 1024)
        return fail("sequence of " + std::to_string(n) + " zero-sized elements");
      for (size_t i = 0; i < n; ++i)
        TRY_ERR(skip_value(md, t.elem, r, depth + 1));
      return {};
    }
    case type_kind::tuple:
      for (auto e : t.tuple)
        TRY_ERR(skip_value(md, e, r, depth + 1));
      return {};
    case type_kind::composite:
      for (auto& f : t.fields)
        TRY_ERR(skip_value(md, f.type, r, depth + 1));
      return {};
    case type_kind::variant: {
      auto idx = r.u8();
      if (!idx)
        return idx.error();
      auto var = t.find_variant(*idx);
      if (!var)
        return fail("no variant with index " + std::to_string(*idx) + " in " + t.path_string());
      for (auto& f : var->fields)
        TRY_ERR(skip_value(md, f.type, r, depth + 1));
      return {};
    }
    case type_kind::bit_sequence:
      return error_of(read_bits(md, t, r));
  }
  return fail("unknown type kind");
}

namespace {

// Decimal of a 256-bit little-endian integer (schoolbook division by 10).
std::string big_decimal(const bytes& le, bool is_signed_type) {
  std::array<uint8_t, 32> v{};
  std::copy(le.begin(), le.end(), v.begin());
  bool negative = is_signed_type && (v[31] & 0x80);
  if (negative) { // two's complement negate
    unsigned carry = 1;
    for (auto& b : v) {
      unsigned s = static_cast<uint8_t>(~b) + carry;
      b = static_cast<uint8_t>(s);
      carry = s >> 8;
    }
  }
  std::string digits;
  for (;;) {
    bool zero = true;
    unsigned rem = 0;
    for (int i = 31; i >= 0; --i) {
      unsigned cur = (rem << 8) | v[static_cast<size_t>(i)];
      v[static_cast<size_t>(i)] = static_cast<uint8_t>(cur / 10);
      rem = cur % 10;
      zero = zero && v[static_cast<size_t>(i)] == 0;
    }
    digits.push_back(static_cast<char>('0' + rem));
    if (zero)
      break;
  }
  if (negative)
    digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

std::string utf8_of(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xc0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    s.push_back(static_cast<char>(0xe0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    s.push_back(static_cast<char>(0xf0 | (cp >> 18)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
  return s;
}

} // namespace

nlohmann::json fields_to_json(const std::vector<value>& items, const std::vector<field>* fields) {
  if (fields && !fields->empty() && !(*fields)[0].name.empty()) {
    auto obj = nlohmann::json::object();
    for (size_t i = 0; i < items.size(); ++i)
      obj[(*fields)[i].name] = to_json(items[i]);
    return obj;
  }
  if (items.size() == 1)
    return to_json(items[0]);
  auto arr = nlohmann::json::array();
  for (auto& item : items)
    arr.push_back(to_json(item));
  return arr;
}

nlohmann::json to_json(const value& v) {
  switch (v.kind) {
    case value_kind::boolean:
      return v.num != 0;
    case value_kind::uint:
      return to_decimal(v.num);
    case value_kind::sint:
      return to_decimal_signed(static_cast<i128>(v.num));
    case value_kind::big:
      return big_decimal(v.data, v.num != 0);
    case value_kind::character:
      return utf8_of(static_cast<uint32_t>(v.num));
    case value_kind::string:
      return std::string(v.data.begin(), v.data.end());
    case value_kind::bytes:
    case value_kind::bits:
      return to_hex(v.data);
    case value_kind::composite:
      return fields_to_json(v.items, v.fields);
    case value_kind::variant: {
      auto obj = nlohmann::json::object();
      obj[v.var->name] = v.items.empty() ? nlohmann::json(nullptr)
                                         : fields_to_json(v.items, &v.var->fields);
      return obj;
    }
    case value_kind::sequence:
    case value_kind::tuple: {
      auto arr = nlohmann::json::array();
      for (auto& item : v.items)
        arr.push_back(to_json(item));
      return arr;
    }
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Encoding from canonical JSON.

namespace {

caf::expected<u128> json_uint(const nlohmann::json& in, int width) {
  u128 v;
  if (in.is_number_unsigned()) {
    v = in.get<uint64_t>();
  } else if (in.is_number_integer()) {
    // nlohmann stores literals such as 0 or 5 as signed integers.
    auto i = in.get<int64_t>();
    if (i < 0)
      return enc_fail("negative value for an unsigned integer");
    v = static_cast<u128>(i);
  } else if (in.is_string()) {
    auto p = parse_u128(in.get<std::string>());
    if (!p)
      return enc_fail("bad integer: " + describe(p.error()));
    v = *p;
  } else {
    return enc_fail("expected an integer, got " + in.dump());
  }
  if (v > max_of_width(width))
    return enc_fail("integer " + to_decimal(v) + " exceeds " + std::to_string(8 * width) + " bits");
  return v;
}

caf::expected<u128> json_sint(const nlohmann::json& in, int width) {
  i128 v;
  if (in.is_number_integer()) {
    v = in.get<int64_t>();
  } else if (in.is_string()) {
    auto s = in.get<std::string>();
    bool neg = !s.empty() && s[0] == '-';
    auto p = parse_u128(neg ? std::string_view(s).substr(1) : std::string_view(s));
    if (!p)
      return enc_fail("bad integer: " + describe(p.error()));
    u128 limit = static_cast<u128>(1) << (8 * width - 1);
    if ((!neg && *p >= limit) || (neg && *p > limit))
      return enc_fail("integer " + s + " out of range");
    v = neg ? -static_cast<i128>(*p - 1) - 1 : static_cast<i128>(*p);
  } else {
    return enc_fail("expected an integer, got " + in.dump());
  }
  if (width < 16) {
    i128 lim = static_cast<i128>(1) << (8 * width - 1);
    if (v >= lim || v < -lim)
      return enc_fail("integer out of range");
  }
  return static_cast<u128>(v);
}

caf::error encode_fields(const metadata& md, const std::vector<field>& fields,
                         const nlohmann::json& in, bytes& out, int depth) {
  if (fields.empty()) {
    if (!(in.is_null() || (in.is_array() && in.empty()) || (in.is_object() && in.empty())))
      return enc_fail("expected no fields, got " + in.dump());
    return {};
  }
  if (!fields[0].name.empty()) {
    if (!in.is_object())
      return enc_fail("expected an object with fields, got " + in.dump());
    for (auto it = in.begin(); it != in.end(); ++it) {
      bool known = false;
      for (auto& f : fields)
        known = known || f.name == it.key();
      if (!known)
        return enc_fail("unknown field '" + it.key() + "'");
    }
    for (auto& f : fields) {
      auto it = in.find(f.name);
      if (it == in.end())
        return enc_fail("missing field '" + f.name + "'");
      TRY_ERR(encode_value(md, f.type, *it, out, depth + 1));
    }
    return {};
  }
  if (fields.size() == 1)
    return encode_value(md, fields[0].type, in, out, depth + 1);
  if (!in.is_array() || in.size() != fields.size())
    return enc_fail("expected an array of " + std::to_string(fields.size()) + " values");
  for (size_t i = 0; i < fields.size(); ++i)
    TRY_ERR(encode_value(md, fields[i].type, in[i], out, depth + 1));
  return {};
}

} // namespace

caf::error encode_value(const metadata& md, uint32_t type, const nlohmann::json& in, bytes& out,
                        int depth) {
  if (depth > max_depth)
    return enc_fail("nesting too deep");
  auto& t = md.type(type);
  switch (t.kind) {
    case type_kind::primitive: {
      switch (t.prim) {
        case primitive::boolean:
          if (!in.is_boolean())
            return enc_fail("expected a bool, got " + in.dump());
          out.push_back(in.get<bool>() ? 1 : 0);
          return {};
        case primitive::str:
          if (!in.is_string())
            return enc_fail("expected a string, got " + in.dump());
          put_string(out, in.get<std::string>());
          return {};
        case primitive::character: {
          if (!in.is_string())
            return enc_fail("expected a one-character string");
          auto s = in.get<std::string>();
          if (!valid_utf8(s) || s.empty())
            return enc_fail("expected a one-character string");
          uint32_t cp = static_cast<uint8_t>(s[0]);
          size_t len = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
          if (len != s.size())
            return enc_fail("expected a one-character string");
          cp = len == 1 ? cp : (cp & (0x7f >> len));
          for (size_t i = 1; i < len; ++i)
            cp = (cp << 6) | (static_cast<uint8_t>(s[i]) & 0x3f);
          put_u32(out, cp);
          return {};
        }
        case primitive::u256:
        case primitive::i256:
          return enc_fail("256-bit integers are not supported by the encoder");
        default: {
          int w = prim_width(t.prim);
          auto v = is_signed(t.prim) ? json_sint(in, w) : json_uint(in, w);
          if (!v)
            return v.error();
          for (int i = 0; i < w; ++i)
            out.push_back(static_cast<uint8_t>(*v >> (8 * i)));
          return {};
        }
      }
    }
    case type_kind::compact: {
      int w = compact_target_width(md, t.elem);
      if (w < 0)
        return enc_fail("unsupported compact target");
      if (w == 0)
        return {};
      auto v = json_uint(in, w);
      if (!v)
        return v.error();
      put_compact(out, *v);
      return {};
    }
    case type_kind::sequence:
    case type_kind::array: {
      if (t.byte_like) {
        if (!in.is_string())
          return enc_fail("expected 0x hex bytes, got " + in.dump());
        auto raw = from_hex(in.get<std::string>());
        if (!raw)
          return enc_fail("bad hex: " + describe(raw.error()));
        if (t.kind == type_kind::array && raw->size() != t.len)
          return enc_fail("expected " + std::to_string(t.len) + " bytes");
        if (t.kind == type_kind::sequence)
          put_compact(out, raw->size());
        append(out, *raw);
        return {};
      }
      if (!in.is_array())
        return enc_fail("expected an array, got " + in.dump());
      if (t.kind == type_kind::array && in.size() != t.len)
        return enc_fail("expected " + std::to_string(t.len) + " elements");
      if (t.kind == type_kind::sequence)
        put_compact(out, in.size());
      for (auto& e : in)
        TRY_ERR(encode_value(md, t.elem, e, out, depth + 1));
      return {};
    }
    case type_kind::tuple: {
      if (t.tuple.empty() && in.is_null())
        return {};
      if (!in.is_array() || in.size() != t.tuple.size())
        return enc_fail("expected a tuple of " + std::to_string(t.tuple.size()));
      for (size_t i = 0; i < t.tuple.size(); ++i)
        TRY_ERR(encode_value(md, t.tuple[i], in[i], out, depth + 1));
      return {};
    }
    case type_kind::composite:
      return encode_fields(md, t.fields, in, out, depth);
    case type_kind::variant: {
      std::string name;
      nlohmann::json payload;
      if (in.is_string()) {
        name = in.get<std::string>();
      } else if (in.is_object() && in.size() == 1) {
        name = in.begin().key();
        payload = in.begin().value();
      } else {
        return enc_fail("expected {\"Variant\": payload} for " + t.path_string());
      }
      auto var = t.find_variant(name);
      if (!var)
        return enc_fail("no variant '" + name + "' in " + t.path_string());
      out.push_back(var->index);
      return encode_fields(md, var->fields, payload, out, depth);
    }
    case type_kind::bit_sequence: {
      if (!in.is_string())
        return enc_fail("expected the hex encoding of a bit sequence");
      auto raw = from_hex(in.get<std::string>());
      if (!raw)
        return enc_fail("bad hex");
      scale_reader r{*raw};
      auto bits = read_bits(md, t, r);
      if (!bits || !r.at_end())
        return enc_fail("malformed bit sequence");
      append(out, *raw);
      return {};
    }
  }
  return enc_fail("unknown type kind");
}

} // namespace lstaked::chain::substrate

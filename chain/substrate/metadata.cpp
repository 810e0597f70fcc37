#include "chain/substrate/metadata.hpp"

#include "chain/substrate/scale.hpp"

#include <algorithm>

namespace lstaked::chain::substrate {

#define TRY_ASSIGN(var, expr)                                                                      \
  auto var##_r = (expr);                                                                           \
  if (!var##_r)                                                                                    \
    return std::move(var##_r.error());                                                             \
  auto var = std::move(*var##_r)
#define TRY_ERR(expr)                                                                              \
  do {                                                                                             \
    if (auto e_ = (expr))                                                                          \
      return e_;                                                                                   \
  } while (0)

const variant_def* type_def::find_variant(std::string_view name) const {
  for (auto& v : variants)
    if (v.name == name)
      return &v;
  return nullptr;
}

std::string type_def::path_string() const {
  std::string out;
  for (auto& p : path) {
    if (!out.empty())
      out += "::";
    out += p;
  }
  return out;
}

const storage_entry* pallet_def::find_storage(std::string_view n) const {
  for (auto& s : storage)
    if (s.name == n)
      return &s;
  return nullptr;
}

const constant_def* pallet_def::find_constant(std::string_view n) const {
  for (auto& c : constants)
    if (c.name == n)
      return &c;
  return nullptr;
}

namespace {
caf::error bad(const std::string& what) {
  return make_error(ec::decode_error, "metadata: " + what);
}
} // namespace

struct metadata_parser {
  scale_reader& r;
  metadata& md;
  uint32_t max_type_ref = 0; // largest referenced id, checked at the end
  bool any_ref = false;

  caf::expected<uint32_t> type_ref() {
    auto v = r.compact_u32();
    if (v) {
      max_type_ref = std::max(max_type_ref, *v);
      any_ref = true;
    }
    return v;
  }

  caf::expected<uint32_t> count() {
    auto n = r.compact_u32();
    if (!n)
      return n;
    // Each element takes at least one byte: a count past the input is malformed.
    if (*n > r.remaining())
      return bad("vector length " + std::to_string(*n) + " exceeds input");
    return n;
  }

  caf::error skip_docs() {
    TRY_ASSIGN(n, count());
    for (uint32_t i = 0; i < n; ++i) {
      auto s = r.length_prefixed();
      if (!s)
        return s.error();
    }
    return {};
  }

  caf::expected<std::optional<std::string>> opt_string() {
    TRY_ASSIGN(tag, r.u8());
    if (tag == 0)
      return std::optional<std::string>{};
    if (tag != 1)
      return bad("option tag " + std::to_string(tag));
    TRY_ASSIGN(s, r.string());
    return std::optional<std::string>{std::move(s)};
  }

  caf::expected<std::optional<uint32_t>> opt_type() {
    TRY_ASSIGN(tag, r.u8());
    if (tag == 0)
      return std::optional<uint32_t>{};
    if (tag != 1)
      return bad("option tag " + std::to_string(tag));
    TRY_ASSIGN(t, type_ref());
    return std::optional<uint32_t>{t};
  }

  caf::error fields(std::vector<field>& out) {
    TRY_ASSIGN(n, count());
    out.resize(n);
    for (auto& f : out) {
      TRY_ASSIGN(name, opt_string());
      f.name = name ? *name : std::string{};
      TRY_ASSIGN(t, type_ref());
      f.type = t;
      TRY_ASSIGN(tn, opt_string());
      f.type_name = tn ? *tn : std::string{};
      TRY_ERR(skip_docs());
    }
    return {};
  }

  caf::error type(type_def& t) {
    TRY_ASSIGN(np, count());
    t.path.resize(np);
    for (auto& p : t.path) {
      TRY_ASSIGN(s, r.string());
      p = std::move(s);
    }
    TRY_ASSIGN(nparams, count());
    t.params.resize(nparams);
    for (auto& p : t.params) {
      TRY_ASSIGN(s, r.string());
      p.name = std::move(s);
      TRY_ASSIGN(ty, opt_type());
      p.type = ty;
    }
    TRY_ASSIGN(tag, r.u8());
    switch (tag) {
      case 0:
        t.kind = type_kind::composite;
        TRY_ERR(fields(t.fields));
        break;
      case 1: {
        t.kind = type_kind::variant;
        TRY_ASSIGN(nv, count());
        t.variants.resize(nv);
        t.variant_at.assign(256, -1);
        for (size_t i = 0; i < nv; ++i) {
          auto& v = t.variants[i];
          TRY_ASSIGN(name, r.string());
          v.name = std::move(name);
          TRY_ERR(fields(v.fields));
          TRY_ASSIGN(idx, r.u8());
          v.index = idx;
          if (t.variant_at[idx] >= 0)
            return bad("duplicate variant index " + std::to_string(idx));
          t.variant_at[idx] = static_cast<int16_t>(i);
          TRY_ERR(skip_docs());
        }
        break;
      }
      case 2: {
        t.kind = type_kind::sequence;
        TRY_ASSIGN(e, type_ref());
        t.elem = e;
        break;
      }
      case 3: {
        t.kind = type_kind::array;
        TRY_ASSIGN(len, r.u32());
        t.len = len;
        TRY_ASSIGN(e, type_ref());
        t.elem = e;
        break;
      }
      case 4: {
        t.kind = type_kind::tuple;
        TRY_ASSIGN(n, count());
        t.tuple.resize(n);
        for (auto& e : t.tuple) {
          TRY_ASSIGN(id, type_ref());
          e = id;
        }
        break;
      }
      case 5: {
        t.kind = type_kind::primitive;
        TRY_ASSIGN(p, r.u8());
        if (p > static_cast<uint8_t>(primitive::i256))
          return bad("unknown primitive " + std::to_string(p));
        t.prim = static_cast<primitive>(p);
        break;
      }
      case 6: {
        t.kind = type_kind::compact;
        TRY_ASSIGN(e, type_ref());
        t.elem = e;
        break;
      }
      case 7: {
        t.kind = type_kind::bit_sequence;
        TRY_ASSIGN(s, type_ref());
        TRY_ASSIGN(o, type_ref());
        t.elem = s;
        t.order = o;
        break;
      }
      default:
        return bad("unknown type definition tag " + std::to_string(tag));
    }
    return skip_docs();
  }

  caf::error registry() {
    TRY_ASSIGN(n, count());
    // A type takes at least 5 bytes; grow as types parse so a lying count costs nothing.
    md.types.reserve(std::min<size_t>(n, r.remaining() / 5));
    for (uint32_t i = 0; i < n; ++i) {
      TRY_ASSIGN(id, r.compact_u32());
      // scale-info numbers types densely in order; anything else is not a registry we trust.
      if (id != i)
        return bad("type id " + std::to_string(id) + " at position " + std::to_string(i));
      TRY_ERR(type(md.types.emplace_back()));
    }
    return {};
  }

  caf::error pallet(pallet_def& p) {
    TRY_ASSIGN(name, r.string());
    p.name = std::move(name);
    TRY_ASSIGN(has_storage, r.u8());
    if (has_storage > 1)
      return bad("option tag");
    if (has_storage) {
      TRY_ASSIGN(prefix, r.string());
      p.storage_prefix = std::move(prefix);
      TRY_ASSIGN(n, count());
      p.storage.resize(n);
      for (auto& e : p.storage) {
        TRY_ASSIGN(en, r.string());
        e.name = std::move(en);
        TRY_ASSIGN(modifier, r.u8());
        if (modifier > 1)
          return bad("storage modifier " + std::to_string(modifier));
        e.optional = modifier == 0;
        TRY_ASSIGN(kind, r.u8());
        if (kind == 0) {
          TRY_ASSIGN(v, type_ref());
          e.value_type = v;
        } else if (kind == 1) {
          e.is_map = true;
          TRY_ASSIGN(nh, count());
          e.hashers.resize(nh);
          for (auto& h : e.hashers) {
            TRY_ASSIGN(hv, r.u8());
            if (hv > static_cast<uint8_t>(storage_hasher::identity))
              return bad("storage hasher " + std::to_string(hv));
            h = static_cast<storage_hasher>(hv);
          }
          TRY_ASSIGN(k, type_ref());
          TRY_ASSIGN(v, type_ref());
          e.key_type = k;
          e.value_type = v;
        } else {
          return bad("storage entry type " + std::to_string(kind));
        }
        TRY_ASSIGN(def, r.length_prefixed());
        e.default_value.assign(def.begin(), def.end());
        TRY_ERR(skip_docs());
      }
    }
    TRY_ASSIGN(calls, opt_type());
    p.call_type = calls;
    TRY_ASSIGN(events, opt_type());
    p.event_type = events;
    TRY_ASSIGN(nc, count());
    p.constants.resize(nc);
    for (auto& c : p.constants) {
      TRY_ASSIGN(cn, r.string());
      c.name = std::move(cn);
      TRY_ASSIGN(t, type_ref());
      c.type = t;
      TRY_ASSIGN(v, r.length_prefixed());
      c.value.assign(v.begin(), v.end());
      TRY_ERR(skip_docs());
    }
    TRY_ASSIGN(errors, opt_type());
    p.error_type = errors;
    TRY_ASSIGN(idx, r.u8());
    p.index = idx;
    if (md.version >= 15)
      TRY_ERR(skip_docs());
    return {};
  }

  caf::error extensions() {
    TRY_ASSIGN(n, count());
    md.extrinsic.extensions.resize(n);
    for (auto& e : md.extrinsic.extensions) {
      TRY_ASSIGN(id, r.string());
      e.identifier = std::move(id);
      TRY_ASSIGN(t, type_ref());
      TRY_ASSIGN(a, type_ref());
      e.type = t;
      e.additional_type = a;
    }
    return {};
  }

  caf::error v15_tail() {
    TRY_ASSIGN(napis, count());
    for (uint32_t i = 0; i < napis; ++i) {
      TRY_ASSIGN(name, r.length_prefixed());
      (void) name;
      TRY_ASSIGN(nm, count());
      for (uint32_t m = 0; m < nm; ++m) {
        TRY_ASSIGN(mname, r.length_prefixed());
        (void) mname;
        TRY_ASSIGN(ni, count());
        for (uint32_t k = 0; k < ni; ++k) {
          TRY_ASSIGN(iname, r.length_prefixed());
          (void) iname;
          TRY_ASSIGN(it, type_ref());
          (void) it;
        }
        TRY_ASSIGN(out, type_ref());
        (void) out;
        TRY_ERR(skip_docs());
      }
      TRY_ERR(skip_docs());
    }
    TRY_ASSIGN(call_enum, type_ref());
    TRY_ASSIGN(event_enum, type_ref());
    TRY_ASSIGN(error_enum, type_ref());
    (void) error_enum;
    md.call_enum_type = call_enum;
    md.event_enum_type = event_enum;
    TRY_ASSIGN(ncustom, count());
    for (uint32_t i = 0; i < ncustom; ++i) {
      TRY_ASSIGN(key, r.length_prefixed());
      (void) key;
      TRY_ASSIGN(t, type_ref());
      (void) t;
      TRY_ASSIGN(v, r.length_prefixed());
      (void) v;
    }
    return {};
  }

  caf::error body() {
    TRY_ERR(registry());
    TRY_ASSIGN(np, count());
    md.pallets.resize(np);
    for (auto& p : md.pallets)
      TRY_ERR(pallet(p));
    if (md.version == 14) {
      TRY_ASSIGN(t, type_ref());
      md.extrinsic.type = t;
      TRY_ASSIGN(v, r.u8());
      md.extrinsic.version = v;
      TRY_ERR(extensions());
      TRY_ASSIGN(rt, type_ref());
      md.runtime_type = rt;
    } else {
      TRY_ASSIGN(v, r.u8());
      md.extrinsic.version = v;
      TRY_ASSIGN(a, type_ref());
      TRY_ASSIGN(c, type_ref());
      TRY_ASSIGN(s, type_ref());
      TRY_ASSIGN(x, type_ref());
      md.extrinsic.address_type = a;
      md.extrinsic.call_type = c;
      md.extrinsic.signature_type = s;
      md.extrinsic.extra_type = x;
      TRY_ERR(extensions());
      TRY_ASSIGN(rt, type_ref());
      md.runtime_type = rt;
      TRY_ERR(v15_tail());
    }
    return r.expect_end();
  }
};

namespace {

// Encoded size of a type when it is the same for every value, else -1.
// Cycles (recursive types) are variable by construction.
int64_t compute_fixed(metadata& md, uint32_t id, std::vector<uint8_t>& state) {
  auto& t = md.types[id];
  if (state[id] == 2)
    return t.fixed_size;
  if (state[id] == 1)
    return -1;
  state[id] = 1;
  int64_t size = -1;
  auto sum = [&](auto begin, auto end, auto type_of) -> int64_t {
    int64_t total = 0;
    for (auto it = begin; it != end; ++it) {
      int64_t s = compute_fixed(md, type_of(*it), state);
      if (s < 0)
        return -1;
      total += s;
    }
    return total;
  };
  switch (t.kind) {
    case type_kind::composite:
      size = sum(t.fields.begin(), t.fields.end(), [](const field& f) { return f.type; });
      break;
    case type_kind::tuple:
      size = sum(t.tuple.begin(), t.tuple.end(), [](uint32_t e) { return e; });
      break;
    case type_kind::array: {
      int64_t s = compute_fixed(md, t.elem, state);
      // Cap at 2^40 bytes (checked before multiplying: no overflow on hostile lengths).
      if (s < 0 || (s > 0 && static_cast<int64_t>(t.len) > (int64_t{1} << 40) / s))
        size = -1;
      else
        size = s * static_cast<int64_t>(t.len);
      break;
    }
    case type_kind::variant: {
      // Fixed only when every variant has the same payload size.
      int64_t common = -2;
      for (auto& v : t.variants) {
        int64_t s = sum(v.fields.begin(), v.fields.end(), [](const field& f) { return f.type; });
        if (s < 0 || (common != -2 && s != common)) {
          common = -1;
          break;
        }
        common = s;
      }
      size = common < 0 ? -1 : 1 + common;
      break;
    }
    case type_kind::primitive:
      switch (t.prim) {
        case primitive::boolean:
        case primitive::u8:
        case primitive::i8:
          size = 1;
          break;
        case primitive::u16:
        case primitive::i16:
          size = 2;
          break;
        case primitive::character:
        case primitive::u32:
        case primitive::i32:
          size = 4;
          break;
        case primitive::u64:
        case primitive::i64:
          size = 8;
          break;
        case primitive::u128:
        case primitive::i128:
          size = 16;
          break;
        case primitive::u256:
        case primitive::i256:
          size = 32;
          break;
        case primitive::str:
          size = -1;
          break;
      }
      break;
    default:
      size = -1;
  }
  t.fixed_size = size;
  state[id] = 2;
  return size;
}

// Plain: fixed-size integers and aggregates of them, where any bytes are a valid value.
bool compute_plain(metadata& md, uint32_t id, std::vector<uint8_t>& state) {
  auto& t = md.types[id];
  if (state[id] == 2)
    return t.plain;
  if (state[id] == 1)
    return false;
  state[id] = 1;
  bool plain = false;
  switch (t.kind) {
    case type_kind::primitive:
      plain = t.prim != primitive::boolean && t.prim != primitive::character
              && t.prim != primitive::str;
      break;
    case type_kind::composite:
      plain = true;
      for (auto& f : t.fields)
        plain = plain && compute_plain(md, f.type, state);
      break;
    case type_kind::tuple:
      plain = true;
      for (auto e : t.tuple)
        plain = plain && compute_plain(md, e, state);
      break;
    case type_kind::array:
      plain = compute_plain(md, t.elem, state);
      break;
    default:
      plain = false;
  }
  t.plain = plain && t.fixed_size >= 0;
  state[id] = 2;
  return t.plain;
}

bool is_u8(const metadata& md, uint32_t id) {
  auto& t = md.types[id];
  return t.kind == type_kind::primitive && t.prim == primitive::u8;
}

caf::expected<uint32_t> field_type(const metadata& md, uint32_t composite, std::string_view name) {
  auto& t = md.types[composite];
  if (t.kind != type_kind::composite)
    return bad("type " + std::to_string(composite) + " is not a composite");
  for (auto& f : t.fields)
    if (f.name == name)
      return f.type;
  return bad("no field '" + std::string(name) + "' in " + t.path_string());
}

caf::error derive(metadata& md) {
  std::vector<uint8_t> state(md.types.size(), 0);
  for (uint32_t i = 0; i < md.types.size(); ++i) {
    compute_fixed(md, i, state);
    auto& t = md.types[i];
    t.byte_like = (t.kind == type_kind::sequence || t.kind == type_kind::array) && is_u8(md, t.elem);
  }
  std::fill(state.begin(), state.end(), 0);
  for (uint32_t i = 0; i < md.types.size(); ++i)
    compute_plain(md, i, state);
  std::fill(std::begin(md.pallet_at_), std::end(md.pallet_at_), int16_t{-1});
  for (size_t i = 0; i < md.pallets.size(); ++i) {
    auto& p = md.pallets[i];
    if (md.pallet_at_[p.index] >= 0)
      return bad("duplicate pallet index " + std::to_string(p.index));
    md.pallet_at_[p.index] = static_cast<int16_t>(i);
    md.pallet_by_name_[p.name] = i;
  }
  if (md.version == 14) {
    // V14 names the extrinsic parts only as type parameters of UncheckedExtrinsic.
    auto& ext = md.types[md.extrinsic.type];
    auto param = [&](std::string_view n) -> caf::expected<uint32_t> {
      for (auto& p : ext.params)
        if (p.name == n && p.type)
          return *p.type;
      return bad("extrinsic type has no parameter " + std::string(n));
    };
    TRY_ASSIGN(a, param("Address"));
    TRY_ASSIGN(c, param("Call"));
    TRY_ASSIGN(s, param("Signature"));
    TRY_ASSIGN(x, param("Extra"));
    md.extrinsic.address_type = a;
    md.extrinsic.call_type = c;
    md.extrinsic.signature_type = s;
    md.extrinsic.extra_type = x;
    md.call_enum_type = c;
  }
  // System.Events is Vec<EventRecord<RuntimeEvent, Hash>>: take the record and event types from it.
  if (auto sys = md.find_pallet("System")) {
    if (auto ev = sys->find_storage("Events"); ev && !ev->is_map) {
      auto& vec = md.types[ev->value_type];
      if (vec.kind == type_kind::sequence) {
        md.event_record_type = vec.elem;
        TRY_ASSIGN(event_type, field_type(md, vec.elem, "event"));
        if (md.version == 14)
          md.event_enum_type = event_type;
        else if (event_type != md.event_enum_type)
          return bad("System.Events record type disagrees with the outer event enum");
        auto& outer = md.types[event_type];
        if (outer.kind != type_kind::variant)
          return bad("the outer event type is not an enum");
        md.has_events = true;
      }
    }
  }
  if (md.types[md.call_enum_type].kind != type_kind::variant)
    return bad("the call type is not an enum");
  return {};
}

} // namespace

caf::expected<metadata_ptr> metadata::parse(byte_view raw) {
  static constexpr uint8_t magic[4] = {0x6d, 0x65, 0x74, 0x61}; // "meta"
  auto starts_with_magic = [](byte_view v) {
    return v.size >= 5 && std::equal(magic, magic + 4, v.data);
  };
  byte_view body = raw;
  if (!starts_with_magic(body)) {
    // Unwrap Option<Vec<u8>> or Vec<u8> (Metadata_metadata_at_version / OpaqueMetadata).
    scale_reader w{raw};
    if (raw.size > 0 && raw[0] == 1) {
      scale_reader opt{byte_view{raw.data + 1, raw.size - 1}};
      auto inner = opt.length_prefixed();
      if (inner && opt.at_end() && starts_with_magic(*inner))
        body = *inner;
    }
    if (!starts_with_magic(body)) {
      auto inner = w.length_prefixed();
      if (inner && w.at_end() && starts_with_magic(*inner))
        body = *inner;
    }
    if (!starts_with_magic(body))
      return bad("no 'meta' magic");
  }
  auto md = std::make_shared<metadata>();
  md->version = body[4];
  if (md->version != 14 && md->version != 15)
    return bad("unsupported metadata version " + std::to_string(md->version)
               + " (V14 and V15 are supported)");
  scale_reader r{byte_view{body.data + 5, body.size - 5}};
  metadata_parser p{r, *md};
  TRY_ERR(p.body());
  if (p.any_ref && p.max_type_ref >= md->types.size())
    return bad("type id " + std::to_string(p.max_type_ref) + " is not in the registry ("
               + std::to_string(md->types.size()) + " types)");
  TRY_ERR(derive(*md));
  return metadata_ptr{std::move(md)};
}

const pallet_def* metadata::find_pallet(std::string_view name) const {
  auto it = pallet_by_name_.find(std::string(name));
  return it == pallet_by_name_.end() ? nullptr : &pallets[it->second];
}

static caf::expected<variant_ref> find_in(const metadata& md, std::string_view pallet,
                                          std::string_view item, bool call) {
  auto p = md.find_pallet(pallet);
  if (!p)
    return make_error(ec::not_found, "no pallet " + std::string(pallet));
  auto& t = call ? p->call_type : p->event_type;
  if (!t)
    return make_error(ec::not_found, "pallet " + std::string(pallet) + " has no "
                                       + (call ? "calls" : "events"));
  auto v = md.type(*t).find_variant(item);
  if (!v)
    return make_error(ec::not_found, "no " + std::string(call ? "call " : "event ")
                                       + std::string(pallet) + "." + std::string(item));
  return variant_ref{p, v};
}

caf::expected<variant_ref> metadata::find_call(std::string_view pallet,
                                               std::string_view call) const {
  return find_in(*this, pallet, call, true);
}

caf::expected<variant_ref> metadata::find_event(std::string_view pallet,
                                                std::string_view event) const {
  return find_in(*this, pallet, event, false);
}

caf::expected<const storage_entry*> metadata::find_storage(std::string_view pallet,
                                                           std::string_view item) const {
  auto p = find_pallet(pallet);
  if (!p)
    return make_error(ec::not_found, "no pallet " + std::string(pallet));
  auto s = p->find_storage(item);
  if (!s)
    return make_error(ec::not_found,
                      "no storage item " + std::string(pallet) + "." + std::string(item));
  return s;
}

caf::expected<const constant_def*> metadata::find_constant(std::string_view pallet,
                                                           std::string_view name) const {
  auto p = find_pallet(pallet);
  if (!p)
    return make_error(ec::not_found, "no pallet " + std::string(pallet));
  auto c = p->find_constant(name);
  if (!c)
    return make_error(ec::not_found,
                      "no constant " + std::string(pallet) + "." + std::string(name));
  return c;
}

const signed_extension* metadata::find_extension(std::string_view identifier) const {
  for (auto& e : extrinsic.extensions)
    if (e.identifier == identifier)
      return &e;
  return nullptr;
}

} // namespace lstaked::chain::substrate

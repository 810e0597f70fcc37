#include "chain/ethereum/eip712.hpp"

#include "chain/ethereum/keccak.hpp"

#include <set>

namespace lstaked::chain::eth {

namespace {

constexpr size_t max_depth = 16; // struct nesting / array nesting in one value

caf::error fail(std::string what) {
  return make_error(ec::invalid_input, "EIP-712: " + std::move(what));
}

// "Person[][3]" -> "Person"
std::string base_type(const std::string& type) {
  auto bracket = type.find('[');
  return bracket == std::string::npos ? type : type.substr(0, bracket);
}

caf::error collect_deps(const eip712_types& types, const std::string& name,
                        std::set<std::string>& found, size_t depth) {
  if (depth > max_depth)
    return fail("types nested too deeply");
  auto it = types.find(name);
  if (it == types.end())
    return fail("unknown type '" + name + "'");
  for (auto& member : it->second) {
    auto base = base_type(member.type);
    if (types.count(base) && !found.count(base)) {
      found.insert(base);
      if (auto err = collect_deps(types, base, found, depth + 1))
        return err;
    }
  }
  return caf::none;
}

std::string format_struct(const std::string& name, const std::vector<eip712_member>& members) {
  std::string out = name + "(";
  for (size_t i = 0; i < members.size(); ++i)
    out += (i ? "," : "") + members[i].type + " " + members[i].name;
  return out + ")";
}

// Integers in typed-data JSON come as numbers, decimal or 0x-hex strings.
caf::expected<abi_value> atomic_value(const abi_type& t, const nlohmann::json& j) {
  if ((t.k == abi_type::kind::uint || t.k == abi_type::kind::int_) && j.is_string()) {
    auto s = j.get<std::string>();
    if (s.size() > 2 && s[0] == '0' && s[1] == 'x') {
      auto v = u256::from_hex(s);
      if (!v)
        return v.error();
      if (t.k == abi_type::kind::uint && t.size < 256 && !v->shr(t.size).is_zero())
        return fail("value out of range for " + t.canonical());
      if (t.k == abi_type::kind::int_) // hex is read as a non-negative number (as ethers does)
        return abi_value_from_json(t, v->to_dec());
      return abi_value::number(*v);
    }
  }
  return abi_value_from_json(t, j);
}

// encodeData of one member value: a 32-byte word.
caf::error encode_value(const eip712_types& types, const std::string& type,
                        const nlohmann::json& value, size_t depth, bytes& out);

caf::expected<hash256> hash_struct(const eip712_types& types, const std::string& name,
                                   const nlohmann::json& value, size_t depth) {
  if (depth > max_depth)
    return fail("value nested too deeply");
  auto it = types.find(name);
  if (it == types.end())
    return fail("unknown type '" + name + "'");
  if (!value.is_object())
    return fail("value of " + name + " must be an object");
  auto encoded_type = eip712_encode_type(types, name);
  if (!encoded_type)
    return encoded_type.error();
  bytes data;
  auto type_hash = keccak256(std::string_view{*encoded_type});
  append(data, type_hash);
  for (auto& member : it->second) {
    auto field = value.find(member.name);
    if (field == value.end())
      return fail(name + "." + member.name + " is missing");
    if (auto err = encode_value(types, member.type, *field, depth + 1, data))
      return err;
  }
  if (value.size() != it->second.size())
    return fail(name + " has fields that its type does not declare");
  return keccak256(byte_view{data});
}

caf::error encode_value(const eip712_types& types, const std::string& type,
                        const nlohmann::json& value, size_t depth, bytes& out) {
  if (depth > max_depth)
    return fail("value nested too deeply");
  if (!type.empty() && type.back() == ']') {
    // Arrays: keccak256 of the concatenated encodeData of the elements.
    auto open = type.rfind('[');
    auto element = type.substr(0, open);
    auto length = type.substr(open + 1, type.size() - open - 2);
    if (!value.is_array())
      return fail("value of " + type + " must be an array");
    if (!length.empty() && length != std::to_string(value.size()))
      return fail("value of " + type + " has " + std::to_string(value.size()) + " elements");
    bytes inner;
    for (auto& item : value)
      if (auto err = encode_value(types, element, item, depth + 1, inner))
        return err;
    append(out, keccak256(byte_view{inner}));
    return caf::none;
  }
  if (types.count(type)) {
    auto h = hash_struct(types, type, value, depth + 1);
    if (!h)
      return h.error();
    append(out, *h);
    return caf::none;
  }
  auto t = parse_abi_type(type);
  if (!t || t->k == abi_type::kind::tuple)
    return fail("unknown type '" + type + "'");
  if (t->k == abi_type::kind::string) {
    if (!value.is_string())
      return fail("string value expected");
    append(out, keccak256(value.get<std::string>()));
    return caf::none;
  }
  auto v = atomic_value(*t, value);
  if (!v)
    return v.error();
  if (t->k == abi_type::kind::bytes) {
    append(out, keccak256(byte_view{v->data}));
    return caf::none;
  }
  auto word = abi_encode({*t}, {*v});
  if (!word)
    return word.error();
  append(out, *word);
  return caf::none;
}

const std::vector<eip712_member>& standard_domain_members() {
  static const std::vector<eip712_member> members = {{"name", "string"},
                                                     {"version", "string"},
                                                     {"chainId", "uint256"},
                                                     {"verifyingContract", "address"},
                                                     {"salt", "bytes32"}};
  return members;
}

} // namespace

caf::expected<typed_data> parse_typed_data(const nlohmann::json& doc) {
  if (!doc.is_object())
    return fail("typed data must be a JSON object");
  for (auto key : {"types", "primaryType", "domain", "message"})
    if (!doc.contains(key))
      return fail(std::string("typed data lacks '") + key + "'");
  typed_data out;
  const auto& types = doc["types"];
  if (!types.is_object() || !doc["primaryType"].is_string() || !doc["domain"].is_object()
      || !doc["message"].is_object())
    return fail("types, domain and message must be objects, primaryType a string");
  for (auto& [name, members] : types.items()) {
    if (!members.is_array())
      return fail("members of " + name + " must be an array");
    std::vector<eip712_member> list;
    std::set<std::string> seen;
    for (auto& m : members) {
      if (!m.is_object() || !m.contains("name") || !m.contains("type") || !m["name"].is_string()
          || !m["type"].is_string())
        return fail("a member of " + name + " needs a string name and type");
      auto member_name = m["name"].get<std::string>();
      if (!seen.insert(member_name).second)
        return fail(name + " declares " + member_name + " twice");
      list.push_back({member_name, m["type"].get<std::string>()});
    }
    out.types[name] = std::move(list);
  }
  out.primary_type = doc["primaryType"].get<std::string>();
  out.domain = doc["domain"];
  out.message = doc["message"];
  if (!out.types.count("EIP712Domain")) {
    std::vector<eip712_member> derived;
    for (auto& m : standard_domain_members())
      if (out.domain.contains(m.name))
        derived.push_back(m);
    out.types["EIP712Domain"] = derived;
  }
  if (!out.types.count(out.primary_type))
    return fail("primaryType '" + out.primary_type + "' is not among the types");
  return out;
}

caf::expected<std::string> eip712_encode_type(const eip712_types& types, const std::string& name) {
  std::set<std::string> deps;
  if (auto err = collect_deps(types, name, deps, 0))
    return err;
  deps.erase(name);
  auto it = types.find(name);
  std::string out = format_struct(name, it->second);
  for (auto& dep : deps) // std::set iterates in sorted order, as EIP-712 requires
    out += format_struct(dep, types.at(dep));
  return out;
}

caf::expected<hash256> eip712_hash_struct(const eip712_types& types, const std::string& name,
                                          const nlohmann::json& value) {
  return hash_struct(types, name, value, 0);
}

hash256 eip712_digest(const hash256& domain_separator, const hash256& struct_hash) {
  keccak256_hasher h;
  const uint8_t prefix[2] = {0x19, 0x01};
  h.update(byte_view{prefix, 2});
  h.update(domain_separator);
  h.update(struct_hash);
  return h.finish();
}

caf::expected<eip712_hashes> eip712_hash(const typed_data& data) {
  auto domain = hash_struct(data.types, "EIP712Domain", data.domain, 0);
  if (!domain)
    return domain.error();
  auto message = hash_struct(data.types, data.primary_type, data.message, 0);
  if (!message)
    return message.error();
  return eip712_hashes{*domain, *message, eip712_digest(*domain, *message)};
}

caf::expected<hash256> eip712_hash_flat_struct(const std::string& struct_name,
                                               const std::vector<eip712_field>& fields) {
  std::vector<eip712_member> members;
  for (auto& f : fields)
    members.push_back({f.name, f.type});
  bytes data;
  append(data, keccak256(std::string_view{format_struct(struct_name, members)}));
  for (auto& f : fields) {
    auto t = parse_abi_type(f.type);
    if (!t || t->k == abi_type::kind::tuple || t->k == abi_type::kind::array
        || t->k == abi_type::kind::fixed_array)
      return fail("flat struct member " + f.name + " has a non-atomic type " + f.type);
    if (t->k == abi_type::kind::string || t->k == abi_type::kind::bytes) {
      append(data, keccak256(byte_view{f.value.data}));
      continue;
    }
    auto word = abi_encode({*t}, {f.value});
    if (!word)
      return word.error();
    append(data, *word);
  }
  return keccak256(byte_view{data});
}

hash256 eip712_domain_separator(const eip712_domain& domain) {
  auto h = eip712_hash_flat_struct(
    "EIP712Domain", {{"name", "string", abi_value::text(domain.name)},
                     {"version", "string", abi_value::text(domain.version)},
                     {"chainId", "uint256", abi_value::number(domain.chain_id)},
                     {"verifyingContract", "address", abi_value::address(domain.verifying_contract)}});
  return *h; // cannot fail: every member is atomic and in range
}

} // namespace lstaked::chain::eth

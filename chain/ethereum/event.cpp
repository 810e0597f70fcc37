#include "chain/ethereum/event.hpp"

#include "chain/ethereum/keccak.hpp"

namespace lstaked::chain::eth {

namespace {

using kind = abi_type::kind;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::vector<std::string_view> words(std::string_view s) {
  // Splits on spaces outside parentheses (a tuple type may contain spaces).
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i <= s.size(); ++i) {
    char c = i < s.size() ? s[i] : ' ';
    if (c == '(')
      ++depth;
    if (c == ')')
      --depth;
    bool sep = depth == 0 && is_space(c);
    if (!sep && start == std::string_view::npos)
      start = i;
    if (sep && start != std::string_view::npos) {
      out.push_back(s.substr(start, i - start));
      start = std::string_view::npos;
    }
  }
  return out;
}

// The in-place encoding Solidity hashes for an indexed dynamic value: elements
// padded to 32 bytes, no lengths or offsets; a top-level string/bytes unpadded.
void in_place(const abi_type& t, const abi_value& v, bool top, bytes& out) {
  switch (t.k) {
    case kind::string:
    case kind::bytes:
      append(out, v.data);
      if (!top)
        out.resize(out.size() + (32 - v.data.size() % 32) % 32, 0);
      return;
    case kind::fixed_bytes: {
      append(out, v.data);
      out.resize(out.size() + 32 - v.data.size(), 0);
      return;
    }
    case kind::array:
    case kind::fixed_array:
      for (auto& item : v.items)
        in_place(t.children[0], item, false, out);
      return;
    case kind::tuple:
      for (size_t i = 0; i < v.items.size() && i < t.children.size(); ++i)
        in_place(t.children[i], v.items[i], false, out);
      return;
    default: {
      auto be = v.word.to_be32();
      out.insert(out.end(), be.begin(), be.end());
    }
  }
}

} // namespace

std::string event_abi::signature() const {
  std::string out = name + "(";
  for (size_t i = 0; i < params.size(); ++i)
    out += (i ? "," : "") + params[i].type.canonical();
  return out + ")";
}

hash256 event_abi::topic0() const {
  return keccak256(signature());
}

caf::expected<event_abi> parse_event(std::string_view text) {
  auto open = text.find('(');
  if (open == std::string_view::npos || text.empty() || text.back() != ')')
    return make_error(ec::decode_error, "event signature must look like Name(type, ...)");
  event_abi out;
  out.name = std::string(text.substr(0, open));
  while (!out.name.empty() && is_space(out.name.back()))
    out.name.pop_back();
  if (out.name.empty())
    return make_error(ec::decode_error, "event without a name");
  auto inner = text.substr(open + 1, text.size() - open - 2);
  // Split the parameters on top-level commas.
  int depth = 0;
  size_t start = 0;
  std::vector<std::string_view> params;
  for (size_t i = 0; i <= inner.size(); ++i) {
    char c = i < inner.size() ? inner[i] : ',';
    if (c == '(')
      ++depth;
    else if (c == ')')
      --depth;
    else if (c == ',' && depth == 0) {
      params.push_back(inner.substr(start, i - start));
      start = i + 1;
    }
  }
  if (params.size() == 1 && words(params[0]).empty())
    params.clear();
  for (auto p : params) {
    auto w = words(p);
    if (w.empty() || w.size() > 3)
      return make_error(ec::decode_error, "bad event parameter '" + std::string(p) + "'");
    auto type = parse_abi_type(w[0]);
    if (!type)
      return type.error();
    event_param param{"", std::move(*type), false};
    size_t next = 1;
    if (next < w.size() && w[next] == "indexed") {
      param.indexed = true;
      ++next;
    }
    if (next < w.size())
      param.name = std::string(w[next++]);
    if (next != w.size())
      return make_error(ec::decode_error, "bad event parameter '" + std::string(p) + "'");
    out.params.push_back(std::move(param));
  }
  return out;
}

caf::expected<std::vector<abi_value>> decode_log(const event_abi& event,
                                                 const std::vector<hash256>& topics,
                                                 byte_view data) {
  size_t indexed = 0;
  std::vector<abi_type> data_types;
  for (auto& p : event.params) {
    if (p.indexed)
      ++indexed;
    else
      data_types.push_back(p.type);
  }
  if (topics.empty() || topics[0] != event.topic0())
    return make_error(ec::decode_error, "log is not a " + event.signature() + " event");
  if (topics.size() != indexed + 1)
    return make_error(ec::decode_error, "log has " + std::to_string(topics.size())
                                          + " topics, " + event.signature() + " has "
                                          + std::to_string(indexed + 1));
  auto data_values = abi_decode(data_types, data);
  if (!data_values)
    return data_values.error();
  std::vector<abi_value> out;
  size_t next_topic = 1, next_data = 0;
  for (auto& p : event.params) {
    if (!p.indexed) {
      out.push_back(std::move((*data_values)[next_data++]));
      continue;
    }
    const auto& topic = topics[next_topic++];
    if (p.type.is_dynamic() || p.type.k == kind::fixed_array || p.type.k == kind::tuple) {
      out.push_back(abi_value::blob(bytes(topic.begin(), topic.end())));
      continue;
    }
    // A static word: decode it with the ABI's range checks.
    auto word = abi_decode({p.type}, topic);
    if (!word)
      return word.error();
    out.push_back(std::move(word->front()));
  }
  return out;
}

caf::expected<std::pair<std::vector<hash256>, bytes>>
encode_log(const event_abi& event, const std::vector<abi_value>& values) {
  if (values.size() != event.params.size())
    return make_error(ec::encode_error, "wrong number of event values");
  std::vector<hash256> topics{event.topic0()};
  std::vector<abi_type> data_types;
  std::vector<abi_value> data_values;
  for (size_t i = 0; i < values.size(); ++i) {
    const auto& p = event.params[i];
    if (!p.indexed) {
      data_types.push_back(p.type);
      data_values.push_back(values[i]);
      continue;
    }
    if (p.type.is_dynamic() || p.type.k == kind::fixed_array || p.type.k == kind::tuple) {
      bytes packed;
      in_place(p.type, values[i], true, packed);
      topics.push_back(keccak256(byte_view{packed}));
      continue;
    }
    auto word = abi_encode({p.type}, {values[i]});
    if (!word)
      return word.error();
    hash256 topic{};
    std::copy(word->begin(), word->end(), topic.begin());
    topics.push_back(topic);
  }
  auto data = abi_encode(data_types, data_values);
  if (!data)
    return data.error();
  return std::make_pair(std::move(topics), std::move(*data));
}

} // namespace lstaked::chain::eth

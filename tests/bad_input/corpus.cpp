#include "tests/bad_input/corpus.hpp"

#include <regex>
#include <set>

namespace lstaked::test::bad_input {

namespace {

const json& deref(const json& doc, const json& node) {
  if (node.is_object() && node.contains("$ref"))
    return deref(doc, doc.at(json::json_pointer(node["$ref"].get<std::string>().substr(1))));
  return node;
}

// {"repeat": s, "times": n} -> s x n; {"bytes_hex": h} -> raw bytes; else as is.
json materialize(const json& v) {
  if (v.is_object() && v.contains("repeat") && v.size() == 2 && v.contains("times")) {
    std::string out;
    for (int i = 0; i < v["times"].get<int>(); ++i)
      out += v["repeat"].get<std::string>();
    return out;
  }
  return v;
}

std::string raw_bytes(const json& v) {
  if (v.is_object() && v.contains("bytes_hex")) {
    auto hex = v["bytes_hex"].get<std::string>();
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
      out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
  }
  auto m = materialize(v);
  return m.is_string() ? m.get<std::string>() : m.dump();
}

std::string short_text(const std::string& s) {
  auto t = s.size() > 60 ? s.substr(0, 57) + "...(" + std::to_string(s.size()) + " bytes)" : s;
  std::string out;
  for (unsigned char c : t)
    out += c < 0x20 ? "\\x" + std::to_string(c) : std::string(1, static_cast<char>(c));
  return out;
}

bool integer_text_in_range(const std::string& s, const json& schema) {
  static const std::regex integer_re("^-?[0-9]+$");
  if (!std::regex_match(s, integer_re) || s.size() > 19)
    return false;
  long long v = std::stoll(s);
  if (schema.contains("minimum") && v < schema["minimum"].get<long long>())
    return false;
  if (schema.contains("maximum") && v > schema["maximum"].get<long long>())
    return false;
  return true;
}

// Bad values for a field of `schema`: wrong types, the type's values, the format's.
std::vector<json> bad_values_for(const json& doc, const json& schema_in, const json& m) {
  auto& schema = deref(doc, schema_in);
  std::string type = schema.value("type", "string");
  std::vector<json> out;
  auto add_all = [&](const json& list) {
    if (list.is_array())
      for (auto& v : list)
        out.push_back(materialize(v));
  };
  add_all(m["wrong_types"].value(type, json::array()));
  add_all(m["values"].value(type, json::array()));
  if (schema.contains("format"))
    add_all(m["formats"].value(schema["format"].get<std::string>(), json::array()));
  std::vector<json> bad;
  for (auto& v : out)
    if (!schema_accepts(doc, schema, v))
      bad.push_back(v);
  return bad;
}

std::string fill_path(std::string path, const std::map<std::string, std::string>& params) {
  for (auto& [name, value] : params) {
    auto at = path.find("{" + name + "}");
    if (at != std::string::npos)
      path.replace(at, name.size() + 2, value);
  }
  return path;
}

std::string as_param_text(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

} // namespace

std::string percent_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()
        && std::isxdigit(static_cast<unsigned char>(s[i + 1]))
        && std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool schema_accepts(const json& doc, const json& schema_in, const json& value) {
  auto& schema = deref(doc, schema_in);
  if (schema.contains("allOf")) {
    for (auto& part : schema["allOf"])
      if (!schema_accepts(doc, part, value))
        return false;
    return true;
  }
  std::string type = schema.value("type", "");
  if (value.is_null())
    return schema.value("nullable", false);
  if (type == "string") {
    if (!value.is_string())
      return false;
    auto s = value.get<std::string>();
    if (schema.contains("enum")) {
      bool found = false;
      for (auto& e : schema["enum"])
        found = found || e == value;
      if (!found)
        return false;
    }
    if (schema.contains("pattern") && !std::regex_search(s, std::regex(schema["pattern"].get<std::string>())))
      return false;
    if (schema.contains("minLength") && s.size() < schema["minLength"].get<size_t>())
      return false;
    if (schema.contains("maxLength") && s.size() > schema["maxLength"].get<size_t>())
      return false;
    return true;
  }
  if (type == "integer") {
    if (value.is_number_integer())
      return integer_text_in_range(value.dump(), schema);
    if (value.is_string()) // a query or path parameter's text
      return integer_text_in_range(value.get<std::string>(), schema);
    return false;
  }
  if (type == "boolean")
    return value.is_boolean();
  if (type == "number")
    return value.is_number();
  if (type == "array") {
    if (!value.is_array())
      return false;
    if (schema.contains("items"))
      for (auto& v : value)
        if (!schema_accepts(doc, schema["items"], v))
          return false;
    return true;
  }
  if (type == "object") {
    if (!value.is_object())
      return false;
    for (auto& r : schema.value("required", json::array()))
      if (!value.contains(r.get<std::string>()))
        return false;
    auto props = schema.value("properties", json::object());
    for (auto& [k, v] : value.items()) {
      if (!props.contains(k)) {
        if (schema.contains("additionalProperties") && schema["additionalProperties"] == false)
          return false;
        continue;
      }
      if (!schema_accepts(doc, props[k], v))
        return false;
    }
    return true;
  }
  return true;
}

json documented_response(const json& doc, const std::string& operation_id, int status) {
  for (auto& [path, item] : doc["paths"].items())
    for (auto& [method, op] : item.items())
      if (op.is_object() && op.value("operationId", "") == operation_id) {
        auto key = std::to_string(status);
        if (!op["responses"].contains(key))
          return nullptr;
        return deref(doc, op["responses"][key]);
      }
  return nullptr;
}

corpus build_corpus(const json& doc, const json& m, const valid_values& valid) {
  corpus c;
  static const std::vector<std::string> http_methods = {"get", "post", "put", "delete", "patch"};
  for (auto& [path, item] : doc["paths"].items()) {
    bool admin = path == "/admin" || path.rfind("/admin/", 0) == 0;
    std::set<std::string> served;
    for (auto& hm : http_methods)
      if (item.contains(hm))
        served.insert(hm);
    for (auto& method_lc : served) {
      auto& op = item[method_lc];
      std::string method = method_lc == "get" ? "GET" : "POST";
      if (method_lc != "get" && method_lc != "post")
        method = method_lc; // not served by http_server today
      std::string op_id = op.value("operationId", method + " " + path);
      // Parameters and their valid values.
      std::vector<json> params;
      std::map<std::string, std::string> valid_path;
      std::map<std::string, std::string> valid_query;
      bool incomplete = false;
      for (auto& p : op.value("parameters", json::array())) {
        auto& param = deref(doc, p);
        params.push_back(param);
        auto name = param["name"].get<std::string>();
        json v;
        if (auto it = valid.fields.find(name); it != valid.fields.end())
          v = it->second;
        else if (deref(doc, param["schema"]).contains("example"))
          v = deref(doc, param["schema"])["example"];
        else {
          c.missing.push_back(op_id + ": a valid value of parameter \"" + name + "\"");
          incomplete = true;
          continue;
        }
        (param["in"] == "path" ? valid_path : valid_query)[name] = percent_encode(as_param_text(v));
      }
      if (incomplete)
        continue;
      auto base = [&](std::string what, expect e) {
        bad_request r;
        r.what = method + " " + path + ": " + std::move(what);
        r.operation = op_id;
        r.admin = admin;
        r.method = method;
        r.target = fill_path(path, valid_path);
        if (admin) {
          r.has_authorization = true;
          r.authorization = "Bearer " + valid.admin_token;
        }
        r.expected = e;
        return r;
      };
      json body_schema;
      json valid_body;
      if (op.contains("requestBody")) {
        body_schema = deref(doc, op["requestBody"]["content"]["application/json"]["schema"]);
        if (auto it = valid.bodies.find(op_id); it != valid.bodies.end())
          valid_body = it->second;
        else {
          c.missing.push_back(op_id + ": a valid request body");
          continue;
        }
      }
      auto with_body = [&](bad_request r, const std::string& body) {
        r.has_content_type = true;
        r.content_type = "application/json";
        r.body = body;
        return r;
      };
      // The valid body, for cases whose bad part is elsewhere (a parameter, the
      // content type, the method): accepted, it would change the database.
      auto plain = [&](std::string what, expect e) {
        auto r = base(std::move(what), e);
        return valid_body.is_null() ? r : with_body(r, valid_body.dump());
      };
      // For junk that a route may ignore: with a POST's valid body it would
      // be a valid request, so the body lacks its first required field.
      bool spoilable = valid_body.is_null() || !body_schema.value("required", json::array()).empty();
      auto junk = [&](std::string what) {
        if (valid_body.is_null())
          return base(std::move(what), expect::not_5xx);
        auto spoiled = valid_body;
        spoiled.erase(body_schema["required"][0].get<std::string>());
        return with_body(base(std::move(what) + ", body without a required field", expect::refused),
                         spoiled.dump());
      };

      // Path parameters: every bad value, the others valid.
      for (auto& param : params) {
        auto name = param["name"].get<std::string>();
        std::vector<std::string> encoded;
        for (auto& v : m["path_values"])
          encoded.push_back(materialize(v).get<std::string>());
        for (auto& v : bad_values_for(doc, param["schema"], m))
          encoded.push_back(percent_encode(as_param_text(v)));
        encoded.push_back("");
        for (auto& e : encoded) {
          auto decoded = percent_decode(e);
          if (schema_accepts(doc, param["schema"], json(decoded)))
            continue;
          if (param["in"] == "path") {
            auto r = plain(name + " = \"" + short_text(decoded) + "\"", expect::refused);
            auto vp = valid_path;
            vp[name] = e;
            r.target = fill_path(path, vp);
            c.requests.push_back(std::move(r));
          }
        }
        if (param["in"] == "query") {
          auto type = deref(doc, param["schema"]).value("type", "string");
          for (auto& v : m["query_values"].value(type, json::array())) {
            auto text = v.get<std::string>();
            auto decoded = text.find('%') != std::string::npos ? percent_decode(text) : text;
            if (schema_accepts(doc, param["schema"], json(decoded)))
              continue;
            auto r = plain("?" + name + "=\"" + short_text(decoded) + "\"", expect::refused);
            r.target += "?" + name + "=" + (text.find('%') != std::string::npos ? text : percent_encode(text));
            c.requests.push_back(std::move(r));
          }
        }
      }
      // Junk after the path and in the query: ignored or refused, never 5xx.
      // (A POST whose body has no required field cannot be spoiled: its junk
      // would be a valid request, so it gets none.)
      for (auto& s : m["raw_path_suffixes"]) {
        if (!spoilable)
          break;
        auto r = junk("path + \"" + s.get<std::string>() + "\"");
        r.target += s.get<std::string>();
        c.requests.push_back(std::move(r));
      }
      for (auto& q : m["raw_query"]) {
        if (!spoilable)
          break;
        auto r = junk("query \"" + q.get<std::string>() + "\"");
        r.target += q.get<std::string>();
        c.requests.push_back(std::move(r));
      }
      // Methods the path does not serve.
      for (auto& wm : m["wrong_methods"]) {
        auto w = wm.get<std::string>();
        std::string lc = w;
        for (auto& ch : lc)
          ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (item.contains(lc))
          continue;
        auto r = base("wrong method " + w, expect::status_405);
        r.method = w;
        if (w != "GET")
          r = with_body(r, valid_body.is_null() ? "{}" : valid_body.dump());
        c.requests.push_back(std::move(r));
      }
      // The admin token (operations that need credentials).
      if (admin && !op.value("security", json::array()).empty())
        for (auto& t : m["admin_tokens"]) {
          auto text = raw_bytes(t);
          auto at = text.find("{token}");
          if (at != std::string::npos)
            text.replace(at, 7, valid.admin_token);
          auto r = plain("Authorization \"" + short_text(text.substr(0, 12)) + "...\"", expect::status_401);
          r.has_authorization = !text.empty();
          r.authorization = text;
          c.requests.push_back(std::move(r));
        }
      if (body_schema.is_null())
        continue;

      // Bodies: whole-body junk, content types, oversize.
      for (auto& b : m["bodies"]) {
        // No body at all is valid where the document says the body is optional.
        if (raw_bytes(b).empty() && !op["requestBody"].value("required", false))
          continue;
        auto parsed = json::parse(raw_bytes(b), nullptr, false);
        if (!parsed.is_discarded() && schema_accepts(doc, body_schema, parsed))
          continue; // e.g. {"a": 1} for a body with no required field: not bad input
        c.requests.push_back(with_body(base("body " + short_text(raw_bytes(b)), expect::refused), raw_bytes(b)));
      }
      for (auto& t : m["content_types"]) {
        auto r = plain("Content-Type \"" + t.get<std::string>() + "\"", expect::refused);
        r.has_content_type = !t.get<std::string>().empty();
        r.content_type = t.get<std::string>();
        c.requests.push_back(std::move(r));
      }
      {
        auto big = valid_body;
        auto required_fields = body_schema.value("required", json::array());
        auto first = required_fields.empty() ? std::string("zzOversized")
                                             : required_fields[0].get<std::string>();
        big[first] = std::string(m["oversized_body_bytes"].get<size_t>(), 'a');
        c.requests.push_back(with_body(base("oversized body", expect::refused), big.dump()));
      }
      // Every field: missing, each bad value, duplicated, and an unknown one.
      auto props = body_schema.value("properties", json::object());
      std::set<std::string> required;
      for (auto& r : body_schema.value("required", json::array()))
        required.insert(r.get<std::string>());
      for (auto& [field, field_schema] : props.items()) {
        if (required.count(field)) {
          auto b = valid_body;
          b.erase(field);
          c.requests.push_back(with_body(base(field + " missing", expect::refused), b.dump()));
        }
        for (auto& v : bad_values_for(doc, field_schema, m)) {
          auto b = valid_body;
          b[field] = v;
          c.requests.push_back(with_body(
            base(field + " = " + short_text(v.dump(-1, ' ', false, json::error_handler_t::replace)),
                 expect::refused),
            b.dump(-1, ' ', false, json::error_handler_t::replace)));
        }
        if (valid_body.contains(field)) {
          // The same key twice, both values valid: which one counts is the
          // parser's whim, so it must be refused.
          auto rest = valid_body.dump();
          auto dup = "{\"" + field + "\":" + valid_body[field].dump() + "," + rest.substr(1);
          c.requests.push_back(with_body(base(field + " twice", expect::refused), dup));
        }
      }
      if (body_schema.contains("additionalProperties") && body_schema["additionalProperties"] == false) {
        auto b = valid_body;
        b["zzUnknownField"] = "x";
        c.requests.push_back(with_body(base("an unknown field", expect::refused), b.dump()));
      }
    }
  }
  return c;
}

} // namespace lstaked::test::bad_input

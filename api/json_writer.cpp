#include "api/json_writer.hpp"

#include <nlohmann/json.hpp>

#include <charconv>

namespace lstaked::api {

void json_writer::separate() {
  if (after_key_) {
    after_key_ = false;
    return; // the value of a member: the comma came before its key
  }
  if (!first_.empty()) {
    if (!first_.back())
      out_.push_back(',');
    first_.back() = false;
  }
}

json_writer& json_writer::open(char c) {
  separate();
  out_.push_back(c);
  first_.push_back(true);
  return *this;
}

json_writer& json_writer::close(char c) {
  out_.push_back(c);
  first_.pop_back();
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  separate();
  escape(k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

json_writer& json_writer::string(std::string_view v) {
  separate();
  escape(v);
  return *this;
}

json_writer& json_writer::number(int64_t v) {
  separate();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec; // 24 bytes hold any int64
  out_.append(buf, end);
  return *this;
}

json_writer& json_writer::null() {
  separate();
  out_.append("null");
  return *this;
}

void json_writer::escape(std::string_view v) {
  for (unsigned char c : v) {
    if (c >= 0x80) { // UTF-8: nlohmann validates it (and throws on invalid bytes) as before
      out_.append(nlohmann::json(std::string{v}).dump());
      return;
    }
  }
  static const char* hex = "0123456789abcdef";
  out_.push_back('"');
  size_t run = 0; // start of the pending run of bytes that need no escape
  for (size_t i = 0; i < v.size(); ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    if (c >= 0x20 && c != '"' && c != '\\')
      continue;
    out_.append(v.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out_.append("\\\""); break;
      case '\\': out_.append("\\\\"); break;
      case '\b': out_.append("\\b"); break;
      case '\f': out_.append("\\f"); break;
      case '\n': out_.append("\\n"); break;
      case '\r': out_.append("\\r"); break;
      case '\t': out_.append("\\t"); break;
      default:
        out_.append("\\u00");
        out_.push_back(hex[c >> 4]);
        out_.push_back(hex[c & 0xf]);
    }
  }
  out_.append(v.data() + run, v.size() - run);
  out_.push_back('"');
}

} // namespace lstaked::api

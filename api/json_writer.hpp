// A JSON text written straight into one string, for the hot read routes
// (history page, account summary, claim lookup): building an nlohmann::json
// tree costs an allocation per node and per key, which was a quarter of a
// history page's time on a years-old ledger (issue #16, P4).
//
// Contract: the caller writes a well-formed document (keys only inside
// objects, every begin matched by its end; checked by assertions in tests,
// not at run time). Strings are escaped exactly as nlohmann::json::dump()
// escapes them, and a string with bytes >= 0x80 goes through nlohmann itself
// (so invalid UTF-8 throws as it did). Callers that want the bytes of the
// former nlohmann replies write each object's keys in ascending order, as
// nlohmann's std::map-based objects did.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lstaked::api {

class json_writer {
public:
  /// `capacity`: the expected size of the text (a history page of 20 is ~3 kB).
  explicit json_writer(size_t capacity = 1024) { out_.reserve(capacity); }
  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }
  /// The next member's key (inside an object).
  json_writer& key(std::string_view k);
  json_writer& string(std::string_view v);
  json_writer& number(int64_t v);
  json_writer& null();
  /// key + string / number / null in one call.
  json_writer& field(std::string_view k, std::string_view v) { return key(k).string(v); }
  json_writer& field(std::string_view k, int64_t v) { return key(k).number(v); }
  json_writer& field_null(std::string_view k) { return key(k).null(); }

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

private:
  json_writer& open(char c);
  json_writer& close(char c);
  void separate(); // a comma before a value that is not the first of its container
  void escape(std::string_view v);

  std::string out_;
  std::vector<bool> first_; // per open container: nothing written in it yet
  bool after_key_ = false;
};

} // namespace lstaked::api

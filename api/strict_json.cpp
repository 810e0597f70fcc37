#include "api/strict_json.hpp"

#include <set>
#include <vector>

namespace lstaked::api {

json_body parse_json_body(const std::string& text) {
  using json = nlohmann::json;
  json_body out;
  std::vector<std::set<std::string>> open_objects;
  auto watch = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty())
          open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && out.duplicate_key.empty()
            && !open_objects.back().insert(parsed.get<std::string>()).second)
          out.duplicate_key = parsed.get<std::string>();
        break;
      default:
        break;
    }
    return true;
  };
  out.value = json::parse(text, watch, false);
  out.ok = !out.value.is_discarded() && out.duplicate_key.empty();
  return out;
}

} // namespace lstaked::api

// docs/openapi.json lists exactly the routes the daemon serves: the test
// registers them with the daemon's own function (api::add_api_routes, which
// `lstaked run` calls; no actor, no chain, no socket) and compares the two
// lists both ways, per listener. A route added to the code and not to the
// document fails here, and so does a documented route nobody serves. It also
// holds the document to what the bad-input corpus (tests/bad_input) relies
// on: every $ref resolves, path parameters match the pattern's, every
// operation documents its errors with the shared Error shape, and admin
// operations (only they) state the credentials they need.
#include "api/api_routes.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>

using namespace lstaked;
using nlohmann::json;

namespace {

const std::string doc_path = std::string(LSTAKED_SOURCE_DIR) + "/docs/openapi.json";

json load_doc() {
  std::ifstream in{doc_path};
  return json::parse(in, nullptr, false);
}

// "/v1/claims/{claimId}" -> "/v1/claims/:claimId" (the server's spelling).
std::string to_pattern(const std::string& openapi_path) {
  return std::regex_replace(openapi_path, std::regex("\\{([^}]+)\\}"), ":$1");
}

std::vector<std::string> pattern_params(const std::string& pattern) {
  std::vector<std::string> out;
  std::regex re(":([^/]+)");
  for (std::sregex_iterator it(pattern.begin(), pattern.end(), re), end; it != end; ++it)
    out.push_back((*it)[1]);
  return out;
}

const json& resolve(const json& doc, const json& node) {
  if (!node.is_object() || !node.contains("$ref"))
    return node;
  auto ref = node["$ref"].get<std::string>();
  EXPECT_EQ(ref.rfind("#/", 0), 0u) << ref;
  return doc.at(json::json_pointer(ref.substr(1)));
}

struct served {
  std::set<api::route> user, admin;
};

served registered_routes() {
  config cfg; // defaults: no chains, nothing enabled; routes do not depend on it
  api::http_server user{cfg.http};
  api::admin_server admin{cfg, std::string(32, 't')};
  api::add_api_routes(user, admin, cfg, api::api_environment{});
  served s;
  s.user.insert(user.routes().begin(), user.routes().end());
  s.admin.insert(admin.routes().begin(), admin.routes().end());
  EXPECT_EQ(s.user.size(), user.routes().size()) << "a user route is registered twice";
  EXPECT_EQ(s.admin.size(), admin.routes().size()) << "an admin route is registered twice";
  return s;
}

// The admin listener's paths: /admin (the console's redirect to /admin/) and
// everything under /admin/.
bool admin_path(const std::string& p) {
  return p == "/admin" || p.rfind("/admin/", 0) == 0;
}

const std::vector<std::string> methods = {"get", "post", "put", "delete", "patch", "head", "options"};

std::string upper(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(openapi_routes, the_document_is_openapi_3_json) {
  auto doc = load_doc();
  ASSERT_FALSE(doc.is_discarded()) << doc_path << " is not JSON";
  EXPECT_EQ(doc.value("openapi", "").rfind("3.", 0), 0u);
  EXPECT_TRUE(doc["paths"].is_object());
  EXPECT_TRUE(doc["components"]["schemas"].contains("Error"));
}

TEST(openapi_routes, the_document_lists_exactly_the_routes_the_daemon_registers) {
  auto doc = load_doc();
  ASSERT_FALSE(doc.is_discarded());
  auto s = registered_routes();
  ASSERT_FALSE(s.user.empty());
  ASSERT_FALSE(s.admin.empty());
  std::set<api::route> doc_user, doc_admin;
  for (auto& [path, item] : doc["paths"].items())
    for (auto& m : methods)
      if (item.contains(m))
        (admin_path(path) ? doc_admin : doc_user).insert({upper(m), to_pattern(path)});
  for (auto& r : s.user)
    EXPECT_TRUE(doc_user.count(r)) << "the user API serves " << r.method << " " << r.pattern
                                   << " but docs/openapi.json does not document it";
  for (auto& r : doc_user)
    EXPECT_TRUE(s.user.count(r)) << "docs/openapi.json documents " << r.method << " " << r.pattern
                                 << " but the user API does not serve it";
  for (auto& r : s.admin)
    EXPECT_TRUE(doc_admin.count(r)) << "the admin API serves " << r.method << " " << r.pattern
                                    << " but docs/openapi.json does not document it";
  for (auto& r : doc_admin)
    EXPECT_TRUE(s.admin.count(r)) << "docs/openapi.json documents " << r.method << " " << r.pattern
                                  << " but the admin API does not serve it";
  // Each listener keeps to its prefix (the admin API under /admin/v1/; the
  // console's page and assets may live elsewhere under /admin/, and /admin
  // redirects to /admin/).
  for (auto& r : s.admin)
    EXPECT_TRUE(admin_path(r.pattern)) << r.pattern;
  for (auto& r : s.user)
    EXPECT_FALSE(admin_path(r.pattern)) << r.pattern;
}

TEST(openapi_routes, every_operation_documents_its_parameters_errors_and_authentication) {
  auto doc = load_doc();
  ASSERT_FALSE(doc.is_discarded());
  for (auto& [path, item] : doc["paths"].items()) {
    bool admin = admin_path(path);
    if (admin) {
      ASSERT_TRUE(item.contains("servers")) << path << ": admin paths name the admin listener";
    }
    for (auto& m : methods) {
      if (!item.contains(m))
        continue;
      SCOPED_TRACE(upper(m) + " " + path);
      auto& op = item[m];
      EXPECT_TRUE(op.contains("operationId"));
      // Path parameters: exactly the pattern's, each required with a schema.
      std::set<std::string> declared;
      for (auto& p : op.value("parameters", json::array())) {
        auto& param = resolve(doc, p);
        ASSERT_TRUE(param.contains("name") && param.contains("in") && param.contains("schema"));
        resolve(doc, param["schema"]);
        if (param["in"] == "path") {
          EXPECT_TRUE(param.value("required", false));
          declared.insert(param["name"].get<std::string>());
        }
      }
      auto wanted = pattern_params(to_pattern(path));
      EXPECT_EQ(declared, std::set<std::string>(wanted.begin(), wanted.end()));
      // Responses: a 2xx, and every 4xx/5xx in the Error shape.
      bool has_success = false;
      for (auto& [status, r] : op["responses"].items()) {
        auto& resp = resolve(doc, r);
        // A success: a 2xx, or a documented redirect (e.g. /admin -> /admin/).
        if (status[0] == '2' || (status[0] == '3' && resp.contains("headers") && resp["headers"].contains("Location")))
          has_success = true;
        if ((status[0] == '4' || status[0] == '5') && !(status == "503" && !admin && path == "/v1/status")
            && !(status == "503" && path == "/admin/v1/status")) {
          auto& schema = resp["content"]["application/json"]["schema"];
          EXPECT_EQ(schema.value("$ref", ""), "#/components/schemas/Error") << status;
        }
      }
      EXPECT_TRUE(has_success);
      EXPECT_TRUE(op["responses"].contains("404"));
      EXPECT_TRUE(op["responses"].contains("405"));
      if (m == "post") {
        EXPECT_TRUE(op.contains("requestBody"));
        EXPECT_TRUE(op["responses"].contains("413"));
        EXPECT_TRUE(op["responses"].contains("415"));
        auto& body = resolve(doc, op["requestBody"]["content"]["application/json"]["schema"]);
        EXPECT_EQ(body.value("type", ""), "object");
        EXPECT_TRUE(body.contains("required"));
      }
      // User operations need no credentials. Every admin operation says
      // which it needs (`security`; an explicit [] only for what must be
      // reachable without, e.g. a login page), and one that needs any
      // documents its 401.
      if (!admin) {
        EXPECT_FALSE(op.contains("security"));
      } else {
        ASSERT_TRUE(op.contains("security") && op["security"].is_array())
          << "admin operations state their security requirement";
        if (!op["security"].empty()) {
          EXPECT_TRUE(op["responses"].contains("401"));
          // A presented token may be refused unchecked (too many wrong ones).
          EXPECT_TRUE(op["responses"].contains("429")) << path << " " << m;
        }
      }
    }
  }
}

TEST(openapi_routes, every_reference_resolves) {
  auto doc = load_doc();
  ASSERT_FALSE(doc.is_discarded());
  std::function<void(const json&, const std::string&)> walk = [&](const json& node,
                                                                  const std::string& where) {
    if (node.is_object()) {
      if (node.contains("$ref")) {
        auto ref = node["$ref"].get<std::string>();
        ASSERT_EQ(ref.rfind("#/", 0), 0u) << where;
        EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1)))) << where << ": " << ref;
      }
      for (auto& [k, v] : node.items())
        walk(v, where + "/" + k);
    } else if (node.is_array()) {
      for (size_t i = 0; i < node.size(); ++i)
        walk(node[i], where + "/" + std::to_string(i));
    }
  };
  walk(doc, "");
}

} // namespace

#include "api/admin_server.hpp"
#include "api/console_assets.hpp"

namespace lstaked::api {

namespace {

void serve(const console_asset& a, httplib::Response& res) {
  res.set_header("Content-Security-Policy",
                 "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                 "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-cache");
  res.set_content(reinterpret_cast<const char*>(a.data), a.size, a.type);
}

} // namespace

void add_console_routes(admin_server& admin) {
  for (auto& a : console_assets()) {
    std::string name = a.name;
    if (name == "index.html") {
      admin.get_public("/admin/", [&a](const httplib::Request&, httplib::Response& res) { serve(a, res); });
      admin.get_public("/admin", [](const httplib::Request&, httplib::Response& res) {
        res.set_redirect("/admin/");
      });
    } else {
      admin.get_public("/admin/" + name,
                       [&a](const httplib::Request&, httplib::Response& res) { serve(a, res); });
    }
  }
}

} // namespace lstaked::api

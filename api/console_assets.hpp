// The admin console's static files (api/console/*), embedded into the binary
// at build time by cmake/embed_console.cmake, and the routes that serve them.
//
// Contract: the files hold no data and no secret, so they are served without
// login (get_public): the page asks for everything through /admin/v1/ with
// its session. Every answer carries a strict Content-Security-Policy (only
// this origin's scripts and styles, no framing) and no-cache.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace lstaked::api {

class admin_server;

struct console_asset {
  const char* name; // file name under api/console/
  const char* type; // Content-Type
  const unsigned char* data;
  size_t size;
};

const std::vector<console_asset>& console_assets();

/// GET /admin/ (index.html) and GET /admin/<file> for every asset.
void add_console_routes(admin_server& admin);

} // namespace lstaked::api

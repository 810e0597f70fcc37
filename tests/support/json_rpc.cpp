#include "tests/support/json_rpc.hpp"

#include <httplib.h>

#include <stdexcept>

namespace lstaked::test {

nlohmann::json json_rpc_call(const std::string& peer, const std::string& url, const std::string& method,
                             const nlohmann::json& params, std::chrono::seconds read_timeout) {
  httplib::Client client{url};
  client.set_read_timeout(read_timeout);
  nlohmann::json req = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
  auto res = client.Post("/", req.dump(), "application/json");
  if (!res || res->status != 200)
    throw std::runtime_error(peer + " " + method + ": no answer");
  auto body = nlohmann::json::parse(res->body);
  if (body.contains("error"))
    throw std::runtime_error(peer + " " + method + ": " + body["error"].dump());
  return body["result"];
}

} // namespace lstaked::test

#include "api/unstake_routes.hpp"

#include "api/route_helpers.hpp"
#include "storage/payout_queue.hpp"

namespace lstaked::api {

void add_unstake_routes(http_server& server, unstake_routes_context ctx) {
  server.get("/v1/unstakes/:requestId", [ctx](const httplib::Request& req, httplib::Response& res) {
    auto id = req.matches[1].str();
    // A uint256 in decimal: at most 78 digits, no sign, no leading zero.
    bool digits = !id.empty() && id.size() <= 78 && id.find_first_not_of("0123456789") == std::string::npos
                  && (id == "0" || id[0] != '0');
    if (!digits || !ledger::u256::from_dec(id))
      return json_error(res, 400, "invalid_request_id",
                        "requestId is the contract's request id, a decimal uint256");
    auto r = ledger::find_unstake(read_connection(ctx.database_path), id);
    if (!r)
      return json_error(res, 404, "not_found", "no unstake request " + id);
    auto body = r->to_json();
    body["amount"] = amount_json(r->amount_planck);
    if (r->recipient.size() == 66)
      body["recipientAddress"] = ss58_of(r->recipient, ctx.ss58_prefix);
    json_reply(res, {{"unstake", body}});
  });
}

} // namespace lstaked::api

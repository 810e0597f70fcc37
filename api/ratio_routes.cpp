#include "api/ratio_routes.hpp"

#include "api/route_helpers.hpp"
#include "storage/ratio_ledger.hpp"

#include <chrono>

namespace lstaked::api {

using nlohmann::json;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

json point_json(const ledger::ratio_point& p) {
  return {{"id", p.id},
          {"ratio", p.ratio.to_dec()},
          {"effectiveTimestamp", p.published_at},
          {"ethBlock", p.eth_block ? json(*p.eth_block) : json()},
          {"txHash", p.tx_hash.empty() ? json() : json(p.tx_hash)}};
}

} // namespace

void add_ratio_routes(http_server& server, ratio_routes_context ctx) {
  server.get("/v1/ratio", [ctx](const httplib::Request&, httplib::Response& res) {
    auto& db = read_connection(ctx.database_path);
    auto newest = ledger::ratio_history_page(db, INT64_MAX, 1);
    json body;
    if (newest.empty()) {
      body = {{"ratio", ledger::current_ratio(db).to_dec()}, {"effectiveTimestamp", nullptr},
              {"ethBlock", nullptr}, {"txHash", nullptr}};
    } else {
      body = point_json(newest.front());
      body.erase("id");
    }
    // One KSM-equivalent of aKSMb (1e18) is worth 1e18 * 1e18 / ratio shares' KSM: shown for wallets.
    auto calcs = ledger::recent_calculations(db, 1);
    json next = nullptr;
    if (ctx.calculator_enabled)
      next = calcs.empty() ? json(now_ms())
                           : json(calcs.front().created_at
                                  + std::chrono::duration_cast<std::chrono::milliseconds>(ctx.interval)
                                      .count());
    body["nextCalculationTimestamp"] = next;
    auto apr = ledger::trailing_apr_percent(db, 30LL * 24 * 3600 * 1000, now_ms());
    body["trailingAprPercent"] = apr ? json(*apr) : json();
    body["aprWindowDays"] = 30;
    json_reply(res, body);
  });

  server.get("/v1/ratio/history", [ctx](const httplib::Request& req, httplib::Response& res) {
    int64_t limit = 0, before = 0;
    if (!page_query(req, res, limit, before))
      return;
    json entries = json::array();
    for (auto& p : ledger::ratio_history_page(read_connection(ctx.database_path), before, limit))
      entries.push_back(point_json(p));
    json body = {{"entries", entries}};
    body["nextBefore"] = static_cast<int64_t>(entries.size()) == limit
                           ? json(entries.back()["id"])
                           : json();
    json_reply(res, body);
  });
}

} // namespace lstaked::api

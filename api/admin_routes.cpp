// The console's read endpoints (contract: api/admin_routes.hpp).
#include "api/admin_routes.hpp"

#include "api/route_helpers.hpp"
#include "storage/admin_actions.hpp"
#include "storage/outbox.hpp"
#include "storage/payout_queue.hpp"
#include "storage/ratio_ledger.hpp"

#include <SQLiteCpp/Statement.h>

#include <deque>
#include <mutex>

namespace lstaked::api {

using nlohmann::json;

namespace {

// Rows of a query as JSON objects (column name -> integer, text or null).
json rows(SQLite::Database& db, const std::string& sql, const std::vector<json>& binds = {}) {
  SQLite::Statement q(db, sql);
  for (size_t i = 0; i < binds.size(); ++i) {
    int at = static_cast<int>(i + 1);
    if (binds[i].is_number_integer())
      q.bind(at, binds[i].get<int64_t>());
    else
      q.bind(at, binds[i].get<std::string>());
  }
  json out = json::array();
  while (q.executeStep()) {
    json row = json::object();
    for (int c = 0; c < q.getColumnCount(); ++c) {
      auto col = q.getColumn(c);
      if (col.isNull())
        row[q.getColumnName(c)] = nullptr;
      else if (col.isInteger())
        row[q.getColumnName(c)] = col.getInt64();
      else
        row[q.getColumnName(c)] = col.getString();
    }
    out.push_back(std::move(row));
  }
  return out;
}

// Catch-up estimate per chain from how fast its cursor moved over the last
// minute of overview requests (the page polls): lag / blocks per second.
class catch_up_meter {
public:
  json estimate(const std::string& chain, const json& status) {
    if (!status.is_object() || !status["cursor"].is_number_integer())
      return nullptr;
    auto cursor = status["cursor"].get<uint64_t>();
    auto lag = status.value("lag", uint64_t{0});
    auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock{mutex_};
    auto& s = samples_[chain];
    s.emplace_back(now, cursor);
    while (s.size() > 2 && now - s.front().first > std::chrono::seconds(60))
      s.pop_front();
    if (lag == 0)
      return 0;
    auto seconds = std::chrono::duration<double>(now - s.front().first).count();
    if (s.size() < 2 || seconds <= 0 || cursor <= s.front().second)
      return nullptr; // not moving (yet): unknown
    double rate = static_cast<double>(cursor - s.front().second) / seconds;
    return static_cast<uint64_t>(static_cast<double>(lag) / rate + 0.5);
  }

private:
  std::mutex mutex_;
  std::map<std::string, std::deque<std::pair<std::chrono::steady_clock::time_point, uint64_t>>> samples_;
};

json overview(const admin_routes_context& ctx, catch_up_meter& meter) {
  auto& db = read_connection(ctx.database_path);
  json chains = json::object();
  for (auto [chain, role] : {std::pair{"kusama", "kusama_watcher"}, std::pair{"ethereum", "eth_watcher"}}) {
    auto st = child_status(ctx, role);
    json c = st.is_object() ? st : json{{"running", false}};
    c["running"] = st.is_object();
    auto cursor = rows(db, "SELECT block_number, block_hash, updated_at FROM chain_cursors WHERE chain = ?",
                       {chain});
    c["stored_cursor"] = cursor.empty() ? json() : cursor[0];
    auto eta = meter.estimate(chain, st);
    if (eta.is_null() && st.is_object() && st.value("eta_seconds", uint64_t{0}) > 0)
      eta = st["eta_seconds"];
    c["eta_seconds"] = eta;
    chains[chain] = std::move(c);
  }
  return {{"status", status_body(ctx.status)},
          {"chains", chains},
          {"flows", rows(db, "SELECT flow, paused, reason, changed_at FROM flows ORDER BY flow")},
          {"alerts", rows(db, "SELECT id, created_at, severity, source, message FROM alerts "
                              "WHERE resolved_at IS NULL ORDER BY id DESC LIMIT 100")},
          {"pending_actions", rows(db, "SELECT id, at_ms, action, target FROM admin_actions "
                                       "WHERE state = 'PENDING' ORDER BY id")}};
}

json ledgers(const admin_routes_context& ctx) {
  auto& db = read_connection(ctx.database_path);
  auto bond = child_status(ctx, "bond_manager");
  json stashes = json::array();
  if (bond.is_object() && bond.contains("stashes"))
    for (auto& s : bond["stashes"]) {
      auto last = ledger::last_nomination_change(db, s.value("account", ""));
      json j = s;
      j["last_nomination_change"] =
        last ? json{{"intent_id", last->intent_id}, {"chain_time_ms", last->chain_time_ms},
                    {"targets", last->targets.size()}}
             : json();
      stashes.push_back(std::move(j));
    }
  return {{"bond_manager", bond},
          {"stashes", stashes},
          {"staking_events", rows(db, "SELECT block_number, kind, account, amount_planck, created_at "
                                      "FROM staking_events ORDER BY id DESC LIMIT 50")}};
}

json ratio(const admin_routes_context& ctx) {
  auto& db = read_connection(ctx.database_path);
  json history = json::array();
  for (auto& p : ledger::ratio_history_page(db, INT64_MAX, 500))
    history.push_back({{"id", p.id}, {"ratio", p.ratio.to_dec()}, {"published_at", p.published_at},
                       {"eth_block", p.eth_block ? json(*p.eth_block) : json()},
                       {"tx_hash", p.tx_hash}});
  json calcs = json::array();
  for (auto& c : ledger::recent_calculations(db, 50))
    calcs.push_back(c.to_json());
  auto balance = ledger::with_statements(db, [](ledger::statement_cache& sc) {
    return ledger::fee_balance(sc);
  });
  return {{"calculator", child_status(ctx, "ratio_calculator")},
          {"current_ratio", ledger::current_ratio(db).to_dec()},
          {"history", history},
          {"calculations", calcs},
          {"fee_balance_planck", balance.to_dec()},
          {"fee_withdrawal_account", ctx.fee_withdrawal_account},
          {"fee_ledger", rows(db, "SELECT id, kind, amount_planck, calculation_id, outbox_id, "
                                  "reference, created_at, settled_at FROM fee_ledger "
                                  "ORDER BY id DESC LIMIT 200")}};
}

json deposits(const admin_routes_context& ctx, const std::string& status, int64_t limit,
              int64_t before) {
  auto& db = read_connection(ctx.database_path);
  auto list = rows(db,
                   "SELECT d.id, d.block_number, d.extrinsic_index, d.event_index, d.extrinsic_hash, "
                   "d.account, d.amount_planck, d.shares, d.status, d.created_at, "
                   "(SELECT a.id FROM admin_actions a WHERE a.action = 'refund_deposit' AND "
                   "a.target = CAST(d.id AS TEXT) AND a.state <> 'FAILED' ORDER BY a.id DESC LIMIT 1) "
                   "AS refund_action FROM deposits d WHERE d.id < ? AND (? = '' OR d.status = ?) "
                   "ORDER BY d.id DESC LIMIT ?",
                   {before, status, status, limit});
  for (auto& d : list)
    d["address"] = ss58_of(d["account"].get<std::string>(), ctx.ss58_prefix);
  return {{"deposits", list},
          {"counts", rows(db, "SELECT status, COUNT(*) AS n FROM deposits GROUP BY status")}};
}

json claims(const admin_routes_context& ctx, int64_t limit, int64_t before) {
  auto& db = read_connection(ctx.database_path);
  auto list = rows(db,
                   "SELECT rowid AS row, claim_id, account, eth_address, amount_planck, status, "
                   "claim_before_block, created_at, expires_at, settled_tx, settled_block FROM claims "
                   "WHERE rowid < ? ORDER BY rowid DESC LIMIT ?",
                   {before, limit});
  for (auto& c : list)
    c["address"] = ss58_of(c["account"].get<std::string>(), ctx.ss58_prefix);
  return {{"claims", list},
          {"counts", rows(db, "SELECT status, COUNT(*) AS n FROM claims GROUP BY status")}};
}

json payouts(const admin_routes_context& ctx) {
  auto& db = read_connection(ctx.database_path);
  auto totals = ledger::queue_totals_of(db);
  auto head = ledger::queue_head(db);
  json held = json::array();
  for (auto& r : ledger::unstakes_in_state(db, "HELD", std::nullopt, 200))
    held.push_back(r.to_json());
  json recent = rows(db, "SELECT request_id, block_number, log_index, recipient, amount_planck, status, "
                         "held_reason, outbox_id, kusama_extrinsic, expected_release_at, updated_at "
                         "FROM unstake_requests ORDER BY block_number DESC, log_index DESC LIMIT 100");
  return {{"queue", child_status(ctx, "payout_queue")},
          {"counts", ledger::unstake_counts(db)},
          {"totals", {{"unfunded_planck", totals.unfunded_planck.to_dec()},
                      {"set_aside_planck", totals.set_aside_planck.to_dec()},
                      {"held_planck", totals.held_planck.to_dec()}}},
          {"head", head ? head->to_json() : json()},
          {"held", held},
          {"recent", recent}};
}

json outbox(const admin_routes_context& ctx, int64_t limit) {
  auto& db = read_connection(ctx.database_path);
  json out = json::object();
  for (auto [chain, role] : {std::pair{"kusama", "kusama_submitter"}, std::pair{"ethereum", "eth_submitter"}}) {
    json list = json::array();
    for (auto& i : ledger::recent_intents(db, chain, static_cast<size_t>(limit)))
      list.push_back(i.to_json());
    out[chain] = {{"submitter", child_status(ctx, role)},
                  {"counts", ledger::outbox_counts(db, chain)},
                  {"intents", list}};
  }
  return out;
}

// Runs a read and answers it; a database failure is a JSON 500.
template <class F>
void answer(httplib::Response& res, F&& f) {
  try {
    json_reply(res, f());
  } catch (const std::exception& e) {
    json_error(res, 500, "database_error", e.what());
  }
}

} // namespace

json child_status(const admin_routes_context& ctx, const std::string& name) {
  json out;
  caf::scoped_actor self{*ctx.system};
  self->request(ctx.supervisor, ctx.timeout, status_atom_v, name)
    .receive(
      [&](std::string& text) {
        out = json::parse(text, nullptr, false);
        if (out.is_discarded())
          out = nullptr;
      },
      [](caf::error&) {});
  return out;
}

void add_admin_routes(admin_server& admin, const admin_routes_context& ctx) {
  auto meter = std::make_shared<catch_up_meter>();
  admin.get("/admin/v1/overview", [ctx, meter](const httplib::Request&, httplib::Response& res) {
    answer(res, [&] { return overview(ctx, *meter); });
  });
  admin.get("/admin/v1/ledgers", [ctx](const httplib::Request&, httplib::Response& res) {
    answer(res, [&] { return ledgers(ctx); });
  });
  admin.get("/admin/v1/ratio", [ctx](const httplib::Request&, httplib::Response& res) {
    answer(res, [&] { return ratio(ctx); });
  });
  admin.get("/admin/v1/deposits", [ctx](const httplib::Request& req, httplib::Response& res) {
    int64_t limit = 0, before = 0;
    if (!page_query(req, res, limit, before))
      return;
    auto status = req.has_param("status") ? req.get_param_value("status") : std::string();
    if (!status.empty() && status != "CREDITED" && status != "BELOW_MINIMUM" && status != "REFUNDED")
      return json_error(res, 400, "invalid_query",
                        "status must be CREDITED, BELOW_MINIMUM or REFUNDED");
    answer(res, [&] { return deposits(ctx, status, limit, before); });
  });
  admin.get("/admin/v1/claims", [ctx](const httplib::Request& req, httplib::Response& res) {
    int64_t limit = 0, before = 0;
    if (!page_query(req, res, limit, before))
      return;
    answer(res, [&] { return claims(ctx, limit, before); });
  });
  admin.get("/admin/v1/payouts", [ctx](const httplib::Request&, httplib::Response& res) {
    answer(res, [&] { return payouts(ctx); });
  });
  admin.get("/admin/v1/outbox", [ctx](const httplib::Request& req, httplib::Response& res) {
    int64_t limit = 0, before = 0;
    if (!page_query(req, res, limit, before))
      return;
    answer(res, [&] { return outbox(ctx, limit); });
  });
  admin.get("/admin/v1/actions", [ctx](const httplib::Request& req, httplib::Response& res) {
    int64_t limit = 0, before = 0;
    if (!page_query(req, res, limit, before))
      return;
    answer(res, [&] {
      json list = json::array();
      for (auto& a : ledger::list_actions(read_connection(ctx.database_path), before, limit))
        list.push_back(a.to_json());
      return json{{"actions", list}};
    });
  });
  admin.get("/admin/v1/alerts", [ctx](const httplib::Request&, httplib::Response& res) {
    answer(res, [&] {
      return json{{"alerts", rows(read_connection(ctx.database_path),
                                  "SELECT id, created_at, severity, source, message, resolved_at "
                                  "FROM alerts ORDER BY id DESC LIMIT 200")}};
    });
  });
  add_admin_action_routes(admin, ctx);
}

} // namespace lstaked::api

// The console's actions (contract: api/admin_routes.hpp; docs/console.md).
#include "api/admin_routes.hpp"

#include "api/strict_json.hpp"

#include "chain/ethereum/amount.hpp"
#include "chain/sig/ss58.hpp"
#include "storage/admin_actions.hpp"
#include "storage/operator_transfers.hpp"
#include "storage/payout_queue.hpp"
#include "storage/ratio_ledger.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

namespace lstaked::api {

using nlohmann::json;
using ledger::u256;

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

const std::vector<std::string> flows = {"deposits", "claims", "bonding", "ratio", "payouts"};

// A refusal inside a write task: the HTTP status and stable code travel with it.
struct action_refused : write_refused {
  int status;
  std::string code;
  action_refused(int s, std::string c, const std::string& message)
    : write_refused(make_error(ec::invalid_input, message)), status(s), code(std::move(c)) {}
};

struct write_outcome {
  int status = 200;
  std::string code, message;
  json body;
};

// Runs `f(statement_cache&) -> json` in one transaction through the storage
// actor (the only writer), FULL durability, and answers: its JSON, or the
// refusal it threw (nothing written), or 503 when storage does not answer.
template <class F>
void run_action(const admin_routes_context& ctx, const std::string& name, httplib::Response& res,
                F f) {
  auto out = std::make_shared<write_outcome>();
  write_task task{"admin_" + name, sql::durability::full, [out, f](SQLite::Database& db) {
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                      try {
                        out->body = f(sc);
                      } catch (const action_refused& r) {
                        out->status = r.status;
                        out->code = r.code;
                        out->message = r.what();
                        throw;
                      }
                    });
                  }};
  caf::scoped_actor self{*ctx.system};
  std::optional<storage_actor> storage;
  self->request(ctx.supervisor, ctx.timeout, storage_atom_v)
    .receive([&](storage_actor& a) { storage = std::move(a); }, [](caf::error&) {});
  if (!storage)
    return json_error(res, 503, "storage_unavailable", "the storage actor is restarting");
  bool written = false;
  std::string failure;
  self->request(*storage, ctx.timeout, write_atom_v, std::move(task))
    .receive([&](uint64_t) { written = true; }, [&](caf::error& err) { failure = describe(err); });
  if (written) {
    spdlog::info("admin: {} {}", name, out->body.dump());
    return json_reply(res, out->body);
  }
  if (!out->code.empty()) {
    auto msg = out->message;
    if (auto colon = msg.find(": "); colon != std::string::npos)
      msg = msg.substr(colon + 2); // "<ec>: <message>"
    return json_error(res, out->status, out->code, msg);
  }
  json_error(res, 503, "write_failed", failure);
}

json body_of(const httplib::Request& req) {
  if (req.body.empty())
    return json::object();
  // Strict: a key given twice is ambiguous (api/strict_json.hpp).
  auto parsed = parse_json_body(req.body);
  if (!parsed.duplicate_key.empty())
    throw action_refused(400, "invalid_body", "\"" + parsed.duplicate_key + "\" is given twice");
  if (!parsed.ok || !parsed.value.is_object())
    throw action_refused(400, "invalid_body", "the body must be a JSON object");
  return parsed.value;
}

// Only `allowed` keys, every one a string of at most 200 characters.
json checked_body(const httplib::Request& req, const std::vector<std::string>& allowed) {
  auto j = body_of(req);
  for (auto& [k, v] : j.items()) {
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      throw action_refused(400, "invalid_body", "unknown field \"" + k + "\"");
    if (!v.is_string() || v.get<std::string>().size() > 200)
      throw action_refused(400, "invalid_body", "\"" + k + "\" must be a string (at most 200 characters)");
  }
  return j;
}

// Parses the body before the write; answers the refusal and returns false.
bool parse_body(const httplib::Request& req, httplib::Response& res,
                const std::vector<std::string>& allowed, json& out) {
  try {
    out = checked_body(req, allowed);
    return true;
  } catch (const action_refused& r) {
    auto msg = std::string(r.what());
    if (auto colon = msg.find(": "); colon != std::string::npos)
      msg = msg.substr(colon + 2);
    json_error(res, r.status, r.code, msg);
    return false;
  }
}

int64_t id_of(const std::string& text, const char* what) {
  if (text.empty() || text.size() > 18 || !std::all_of(text.begin(), text.end(), ::isdigit))
    throw action_refused(400, "invalid_id", std::string(what) + " must be a positive integer");
  return std::stoll(text);
}

// A deferred action: PENDING, one at a time per kind.
json record_pending(ledger::statement_cache& sc, const std::string& action, const std::string& target,
                    const json& params) {
  for (auto& p : ledger::pending_actions(sc, action))
    if (p.target == target)
      throw action_refused(409, "already_pending",
                           action + " is already pending (action " + std::to_string(p.id) + ")");
  auto id = ledger::record_action(sc, action, target, params, now_ms());
  return json{{"action", ledger::admin_action{id, now_ms(), action, target, params, "PENDING", "", {}}
                           .to_json()}};
}

} // namespace

void add_admin_action_routes(admin_server& admin, const admin_routes_context& ctx) {
  for (bool pause : {true, false}) {
    auto verb = pause ? "pause" : "resume";
    admin.post(std::string("/admin/v1/flows/:flow/") + verb,
               [ctx, pause](const httplib::Request& req, httplib::Response& res) {
      auto flow = req.matches[1].str();
      if (std::find(flows.begin(), flows.end(), flow) == flows.end())
        return json_error(res, 404, "unknown_flow",
                          "flows are deposits, claims, bonding, ratio, payouts");
      json body;
      if (!parse_body(req, res, {"reason"}, body))
        return;
      auto reason = body.value("reason", std::string(pause ? "paused by the operator" : ""));
      run_action(ctx, pause ? "pause_flow" : "resume_flow", res, [=](ledger::statement_cache& sc) {
        bool was = ledger::flow_paused(sc, flow);
        ledger::set_flow_paused(sc, flow, pause, reason, now_ms());
        auto outcome = flow + (pause ? " paused" : " resumed")
                       + (was == pause ? std::string(" (it already was)") : std::string());
        auto id = ledger::record_done(sc, pause ? "pause_flow" : "resume_flow", flow,
                                      {{"reason", reason}}, "DONE", outcome, now_ms());
        return json{{"flow", flow}, {"paused", pause}, {"actionId", id}, {"outcome", outcome}};
      });
    });
  }

  admin.post("/admin/v1/payouts/:requestId/release", [ctx](const httplib::Request& req,
                                                          httplib::Response& res) {
    auto request_id = req.matches[1].str();
    json body;
    if (!parse_body(req, res, {}, body))
      return;
    if (request_id.empty() || request_id.size() > 78
        || !std::all_of(request_id.begin(), request_id.end(), ::isdigit))
      return json_error(res, 400, "invalid_id", "the request id is a decimal integer");
    run_action(ctx, "release_held", res, [=](ledger::statement_cache& sc) {
      if (auto err = ledger::release_held(sc, request_id, now_ms())) {
        auto r = ledger::refusal_of(err);
        if (r == ledger::refusal::unstake_unknown)
          throw action_refused(404, "unknown_request", "no unstake request " + request_id);
        if (r == ledger::refusal::unstake_unpayable)
          throw action_refused(409, "unpayable", "request " + request_id
                                                   + " can never be paid as asked; it stays HELD");
        throw action_refused(409, "not_held", "request " + request_id + " is not HELD");
      }
      auto outcome = "request " + request_id + " back in the queue (QUEUED)";
      auto id = ledger::record_done(sc, "release_held", request_id, json::object(), "DONE", outcome,
                                    now_ms());
      return json{{"requestId", request_id}, {"status", "QUEUED"}, {"actionId", id},
                  {"outcome", outcome}};
    });
  });

  admin.post("/admin/v1/alerts/:id/ack", [ctx](const httplib::Request& req,
                                                   httplib::Response& res) {
    auto text = req.matches[1].str();
    json body;
    if (!parse_body(req, res, {}, body))
      return;
    run_action(ctx, "ack_alert", res, [=](ledger::statement_cache& sc) {
      auto alert = id_of(text, "the alert id");
      auto r = ledger::acknowledge_alert(sc, alert, now_ms());
      if (r == ledger::alert_ack::unknown)
        throw action_refused(404, "unknown_alert", "no alert " + text);
      if (r == ledger::alert_ack::already_resolved)
        throw action_refused(409, "already_acknowledged", "alert " + text + " is already acknowledged");
      auto outcome = "alert " + text + " acknowledged";
      auto id = ledger::record_done(sc, "ack_alert", text, json::object(), "DONE", outcome, now_ms());
      return json{{"alertId", alert}, {"actionId", id}, {"outcome", outcome}};
    });
  });

  admin.post("/admin/v1/ratio/publish", [ctx](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!parse_body(req, res, {}, body))
      return;
    if (!ctx.ratio_enabled)
      return json_error(res, 503, "not_configured", "the ratio calculator is not configured");
    run_action(ctx, "publish_ratio", res, [](ledger::statement_cache& sc) {
      return record_pending(sc, "publish_ratio", "", json::object());
    });
  });

  admin.post("/admin/v1/validators/rotate", [ctx](const httplib::Request& req,
                                                  httplib::Response& res) {
    json body;
    if (!parse_body(req, res, {}, body))
      return;
    if (!ctx.bonding_enabled)
      return json_error(res, 503, "not_configured", "the bond manager is not configured (staking.deposit_key_file)");
    run_action(ctx, "rotate_validators", res, [](ledger::statement_cache& sc) {
      return record_pending(sc, "rotate_validators", "", json::object());
    });
  });

  admin.post("/admin/v1/deposits/:id/refund", [ctx](const httplib::Request& req,
                                                        httplib::Response& res) {
    auto text = req.matches[1].str();
    json body;
    if (!parse_body(req, res, {}, body))
      return;
    run_action(ctx, "refund_deposit", res, [=](ledger::statement_cache& sc) {
      auto deposit = id_of(text, "the deposit id");
      auto& q = sc("SELECT account, amount_planck, status FROM deposits WHERE id = ?");
      q.bind(1, deposit);
      if (!q.executeStep())
        throw action_refused(404, "unknown_deposit", "no deposit " + text);
      auto account = q.getColumn(0).getString();
      auto amount = q.getColumn(1).getString();
      auto status = q.getColumn(2).getString();
      q.reset();
      if (status != "BELOW_MINIMUM")
        throw action_refused(409, "not_refundable",
                             "deposit " + text + " is " + status + ", not BELOW_MINIMUM");
      auto answer = record_pending(sc, "refund_deposit", text,
                                   {{"deposit_id", deposit}, {"account", account},
                                    {"amount_planck", amount}});
      // The money side: an operator transfer the payout actor signs; the
      // action completes when it settles (storage/operator_transfers.hpp).
      auto transfer = ledger::request_refund(sc, deposit, answer["action"]["id"].get<int64_t>(), now_ms());
      if (!transfer)
        throw action_refused(409, "not_refundable", describe(transfer.error()));
      answer["transferId"] = *transfer;
      return answer;
    });
  });

  admin.post("/admin/v1/fees/withdraw", [ctx](const httplib::Request& req, httplib::Response& res) {
    json body;
    if (!parse_body(req, res, {"amount", "nativeAmount"}, body))
      return;
    if (ctx.fee_withdrawal_account.empty())
      return json_error(res, 409, "no_withdrawal_account",
                        "admin.fee_withdrawal_account is not configured");
    std::optional<u256> amount;
    if (body.contains("nativeAmount") == body.contains("amount"))
      return json_error(res, 400, "invalid_amount",
                        "give exactly one of amount (KSM) or nativeAmount (planck)");
    if (body.contains("amount")) {
      auto a = chain::eth::parse_amount(body["amount"].get<std::string>(), chain::eth::ksm_decimals);
      if (a)
        amount = *a;
    } else if (auto a = u256::from_dec(body["nativeAmount"].get<std::string>())) {
      amount = *a;
    }
    if (!amount || amount->is_zero())
      return json_error(res, 400, "invalid_amount",
                        "the amount must be a positive KSM amount (at most 12 decimals)");
    auto to = chain::sig::ss58_decode_account(ctx.fee_withdrawal_account, ctx.ss58_prefix);
    if (!to)
      return json_error(res, 409, "no_withdrawal_account", "admin.fee_withdrawal_account is invalid");
    auto to_hex = chain::to_hex(chain::byte_view(to->data(), to->size()));
    auto planck = *amount;
    auto account = ctx.fee_withdrawal_account;
    run_action(ctx, "withdraw_fees", res, [=](ledger::statement_cache& sc) {
      // What is already asked for and not yet carried out counts against the balance.
      auto available = ledger::fee_balance(sc);
      for (auto& p : ledger::pending_actions(sc, "withdraw_fees"))
        if (auto v = u256::from_dec(p.params.value("amount_planck", "0"))) {
          auto rest = chain::eth::checked_sub(available, *v);
          available = rest ? *rest : u256{};
        }
      if (available < planck)
        throw action_refused(409, "exceeds_fee_balance",
                             "the fee ledger holds " + available.to_dec()
                               + " planck not yet asked for; " + planck.to_dec() + " asked");
      auto id = ledger::record_action(sc, "withdraw_fees", account,
                                      {{"amount_planck", planck.to_dec()}, {"to", account},
                                       {"to_account", to_hex}},
                                      now_ms());
      // The money side (storage/operator_transfers.hpp): refused beyond the
      // fee ledger's balance less what is being withdrawn.
      auto transfer = ledger::request_fee_withdrawal(sc, planck, to_hex, id, now_ms());
      if (!transfer)
        throw action_refused(409, "exceeds_fee_balance", describe(transfer.error()));
      return json{{"action", ledger::admin_action{id, now_ms(), "withdraw_fees", account,
                                                  {{"amount_planck", planck.to_dec()}, {"to", account},
                                                   {"to_account", to_hex}},
                                                  "PENDING", "", {}}
                               .to_json()},
                  {"transferId", *transfer}};
    });
  });
}

} // namespace lstaked::api

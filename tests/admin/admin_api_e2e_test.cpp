// The admin console's actions refuse bad input with a stable JSON error and
// change nothing (issue #15, docs/console.md): the BUILT daemon (no chains;
// deposits, payouts, alerts and fees written before it starts), driven over
// its admin listener. After every refusal the audit log and the target are
// exactly as before; each accepted action adds exactly one audit row.
#include "chain/common/bytes.hpp"
#include "chain/sig/keypair.hpp"
#include "chain/sig/ss58.hpp"
#include "tests/support/daemon.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <thread>

using namespace lstaked;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

struct reply {
  int status = 0;
  json body;
  std::string code() const {
    return body.is_object() && body.contains("error") ? body["error"].value("code", "") : "";
  }
};

class admin_api_e2e : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<test::daemon> d;
  int admin_port = 0;
  std::string token;

  std::string db_path() { return dir.file("data") + "/lstaked.sqlite"; }

  std::string value(const std::string& sql) {
    SQLite::Database db(db_path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, sql);
    if (!q.executeStep() || q.getColumn(0).isNull())
      return "";
    return q.getColumn(0).getString();
  }
  std::string audit_rows() { return value("SELECT COUNT(*) FROM admin_actions"); }

  void SetUp() override {
    auto kp = chain::sig::keypair::from_uri(chain::sig::scheme::sr25519, "//Dave");
    auto dave = kp->address(2);
    auto path = dir.file("lstaked.toml");
    std::ofstream{path} << "data_dir = \"" << dir.file("data") << "\"\n[http]\nlisten = \"127.0.0.1:0\"\n"
                        << "[admin]\nlisten = \"127.0.0.1:0\"\nfee_withdrawal_account = \"" << dave
                        << "\"\n";
    d = std::make_unique<test::daemon>(dir, path);
    ASSERT_EQ(d->cli({"db", "migrate"}).exit_code, 0);
    {
      SQLite::Database db(db_path(), SQLite::OPEN_READWRITE);
      auto account = "'0x" + std::string(64, 'a') + "'";
      db.exec("INSERT INTO deposits (id, block_hash, block_number, extrinsic_index, event_index, account, "
              "amount_planck, shares, status, created_at) VALUES "
              "(1, '0x" + std::string(64, '1') + "', 1, 1, 0, " + account + ", '2000000000000', '0', 'CREDITED', 1),"
              "(2, '0x" + std::string(64, '2') + "', 2, 1, 0, " + account + ", '500000000000', '0', 'BELOW_MINIMUM', 1)");
      auto request = [&](const char* id, int log, const char* status, const char* reason,
                         const std::string& recipient) {
        db.exec(std::string("INSERT INTO unstake_requests (request_id, tx_hash, log_index, block_number, "
                            "eth_account, recipient, amount_wei, amount_planck, shares, status, held_reason, "
                            "created_at, updated_at) VALUES ('") + id + "', '0x" + std::string(64, 'e') + "', "
                + std::to_string(log) + ", 5, '0x" + std::string(40, 'e') + "', '" + recipient
                + "', '1000000', '1', '1', '" + status + "', " + (reason ? std::string("'") + reason + "'" : "NULL")
                + ", 1, 1)");
      };
      request("1", 0, "QUEUED", nullptr, "0x" + std::string(64, 'b'));
      request("2", 1, "HELD", "malformed_recipient", "0x1234");
      request("3", 2, "HELD", "recipient_missing", "0x" + std::string(64, 'c'));
      db.exec("INSERT INTO alerts (id, created_at, severity, source, message) VALUES (1, 1, 'warning', 't', 'm')");
      db.exec("INSERT INTO fee_ledger (kind, amount_planck, reference, created_at) VALUES ('FEE', '1000', 'x', 1)");
    }
    ASSERT_TRUE(d->start("lstaked")) << d->last_log();
    admin_port = d->process()->wait_for_port("admin listening on http://", 10s);
    ASSERT_GT(admin_port, 0);
    std::ifstream{dir.file("data") + "/admin.token"} >> token;
  }

  reply call(const std::string& path, const std::string& body = "{}", httplib::Headers headers = {},
             bool bearer = true) {
    httplib::Client c{"127.0.0.1", admin_port};
    if (bearer)
      headers.emplace("Authorization", "Bearer " + token);
    auto res = c.Post(path.c_str(), headers, body, "application/json");
    reply r;
    if (res) {
      r.status = res->status;
      r.body = json::parse(res->body, nullptr, false);
    }
    return r;
  }

  // Logs in as the console does: the session cookie ("name=value") and its CSRF token.
  void console_login(std::string& cookie, std::string& csrf) {
    httplib::Client c{"127.0.0.1", admin_port};
    auto login = c.Post("/admin/v1/session", json{{"token", token}}.dump(), "application/json");
    ASSERT_TRUE(login);
    ASSERT_EQ(login->status, 200);
    auto set_cookie = login->get_header_value("Set-Cookie");
    cookie = set_cookie.substr(0, set_cookie.find(';'));
    csrf = json::parse(login->body)["csrfToken"].get<std::string>();
  }

  // A refusal: the status and code, and nothing written.
  void refused(const std::string& path, const std::string& body, int status, const std::string& code) {
    auto before = audit_rows();
    auto flows = value("SELECT group_concat(flow || paused) FROM flows");
    auto requests = value("SELECT group_concat(request_id || status) FROM unstake_requests");
    auto alerts = value("SELECT group_concat(id || ifnull(resolved_at, '-')) FROM alerts");
    auto r = call(path, body);
    EXPECT_EQ(r.status, status) << path << " " << body << " -> " << r.body.dump();
    EXPECT_EQ(r.code(), code) << path << " " << body;
    EXPECT_EQ(audit_rows(), before) << path << " " << body;
    EXPECT_EQ(value("SELECT group_concat(flow || paused) FROM flows"), flows);
    EXPECT_EQ(value("SELECT group_concat(request_id || status) FROM unstake_requests"), requests);
    EXPECT_EQ(value("SELECT group_concat(id || ifnull(resolved_at, '-')) FROM alerts"), alerts);
  }
};

} // namespace

TEST_F(admin_api_e2e, every_action_refuses_bad_input_with_a_json_error_and_changes_nothing) {
  refused("/admin/v1/flows/nope/pause", "{}", 404, "unknown_flow");
  refused("/admin/v1/flows/claims/pause", "[1]", 400, "invalid_body");
  refused("/admin/v1/flows/claims/pause", "not json", 400, "invalid_body");
  refused("/admin/v1/flows/claims/pause", R"({"reason": 1})", 400, "invalid_body");
  refused("/admin/v1/flows/claims/pause", R"({"why": "x"})", 400, "invalid_body");
  refused("/admin/v1/payouts/abc/release", "{}", 400, "invalid_id");
  refused("/admin/v1/payouts/99/release", "{}", 404, "unknown_request");
  refused("/admin/v1/payouts/1/release", "{}", 409, "not_held");
  refused("/admin/v1/payouts/2/release", "{}", 409, "unpayable");
  refused("/admin/v1/alerts/x/ack", "{}", 400, "invalid_id");
  refused("/admin/v1/alerts/99/ack", "{}", 404, "unknown_alert");
  refused("/admin/v1/ratio/publish", "{}", 503, "not_configured");
  refused("/admin/v1/validators/rotate", "{}", 503, "not_configured");
  refused("/admin/v1/deposits/x/refund", "{}", 400, "invalid_id");
  refused("/admin/v1/deposits/99/refund", "{}", 404, "unknown_deposit");
  refused("/admin/v1/deposits/1/refund", "{}", 409, "not_refundable");
  refused("/admin/v1/fees/withdraw", "{}", 400, "invalid_amount");
  refused("/admin/v1/fees/withdraw", R"({"amount": "0"})", 400, "invalid_amount");
  refused("/admin/v1/fees/withdraw", R"({"amount": "-1"})", 400, "invalid_amount");
  refused("/admin/v1/fees/withdraw", R"({"amount": "0.0000000000001"})", 400, "invalid_amount");
  refused("/admin/v1/fees/withdraw", R"({"amount": "1", "nativeAmount": "1"})", 400, "invalid_amount");
  refused("/admin/v1/fees/withdraw", R"({"amount": 1})", 400, "invalid_body");
  refused("/admin/v1/fees/withdraw", R"({"nativeAmount": "1001"})", 409, "exceeds_fee_balance");
  EXPECT_EQ(audit_rows(), "0");
}

TEST_F(admin_api_e2e, accepted_actions_are_audited_once_and_their_repeats_are_refused) {
  EXPECT_EQ(call("/admin/v1/alerts/1/ack").status, 200);
  refused("/admin/v1/alerts/1/ack", "{}", 409, "already_acknowledged");
  EXPECT_EQ(call("/admin/v1/payouts/3/release").status, 200);
  EXPECT_EQ(value("SELECT status FROM unstake_requests WHERE request_id = '3'"), "QUEUED");
  refused("/admin/v1/payouts/3/release", "{}", 409, "not_held");
  EXPECT_EQ(call("/admin/v1/deposits/2/refund").status, 200);
  refused("/admin/v1/deposits/2/refund", "{}", 409, "already_pending");
  EXPECT_EQ(call("/admin/v1/fees/withdraw", R"({"nativeAmount": "600"})").status, 200);
  // The pending withdrawal counts against the balance: 400 left.
  refused("/admin/v1/fees/withdraw", R"({"nativeAmount": "600"})", 409, "exceeds_fee_balance");
  EXPECT_EQ(call("/admin/v1/fees/withdraw", R"({"amount": "0.0000000004"})").status, 200);
  EXPECT_EQ(audit_rows(), "5");
  EXPECT_EQ(value("SELECT group_concat(action || ':' || state, ',') FROM admin_actions ORDER BY id"),
            "ack_alert:DONE,release_held:DONE,refund_deposit:PENDING,withdraw_fees:PENDING,withdraw_fees:PENDING");
}

TEST_F(admin_api_e2e, wrong_tokens_are_limited_per_client_and_a_live_session_keeps_working) {
  // Log in first: a console already open must not be locked out by a guesser.
  httplib::Client c{"127.0.0.1", admin_port};
  std::string cookie, csrf;
  ASSERT_NO_FATAL_FAILURE(console_login(cookie, csrf));
  auto overview = [&](const std::string& bearer) {
    auto r = c.Get("/admin/v1/overview", {{"Authorization", "Bearer " + bearer}});
    return r ? r->status : 0;
  };
  // Right tokens never count: many in a row are all accepted.
  for (int i = 0; i < 15; ++i)
    ASSERT_EQ(overview(token), 200) << i;
  ASSERT_EQ(call("/admin/v1/flows/claims/pause", "{}").status, 200);
  // A logged-in console guesses nothing: another Authorization scheme, or a
  // wrong bearer token, beside a live session cookie is not counted.
  for (int i = 0; i < 12; ++i) {
    auto basic = c.Get("/admin/v1/overview", {{"Cookie", cookie}, {"Authorization", "Basic dXNlcjpwYXNz"}});
    ASSERT_TRUE(basic);
    ASSERT_EQ(basic->status, 200) << i;
    auto wrong = c.Get("/admin/v1/overview", {{"Cookie", cookie}, {"Authorization", "Bearer wrong-token-1234"}});
    ASSERT_TRUE(wrong);
    ASSERT_EQ(wrong->status, 200) << i;
  }
  // 10 wrong guesses (logins and Bearer headers alike) are checked and refused 401 ...
  for (int i = 0; i < 10; ++i) {
    auto r = i % 2 ? call("/admin/v1/session", R"({"token": "wrong-token-123456"})", {}, false)
                   : call("/admin/v1/flows/claims/pause", "{}", {{"Authorization", "Bearer wrong-token-1234"}}, false);
    ASSERT_EQ(r.status, 401) << i << " " << r.body.dump();
  }
  // ... then no token from this address is checked, not even the right one.
  auto locked = c.Post("/admin/v1/session", json{{"token", token}}.dump(), "application/json");
  ASSERT_TRUE(locked);
  EXPECT_EQ(locked->status, 429);
  EXPECT_EQ(json::parse(locked->body)["error"]["code"], "too_many_wrong_tokens");
  auto retry_after = std::stoi(locked->get_header_value("Retry-After"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 10);
  EXPECT_EQ(call("/admin/v1/flows/claims/resume", "{}").status, 429);
  EXPECT_EQ(value("SELECT paused FROM flows WHERE flow = 'claims'"), "1"); // the locked request did nothing
  // The session opened before keeps working.
  auto resumed = call("/admin/v1/flows/claims/resume", "{}", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, false);
  EXPECT_EQ(resumed.status, 200) << resumed.body.dump();
  EXPECT_EQ(value("SELECT paused FROM flows WHERE flow = 'claims'"), "0");
  EXPECT_EQ(overview(token), 429);
  // One guess comes back every 10 s.
  std::this_thread::sleep_for(std::chrono::seconds(retry_after));
  EXPECT_EQ(overview(token), 200);
  auto metrics = d->get("/metrics").raw;
  EXPECT_NE(metrics.find("lstaked_admin_token_lockouts_total 3"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("lstaked_admin_auth_failures_total 10"), std::string::npos) << metrics;
}

TEST_F(admin_api_e2e, a_console_post_needs_the_session_csrf_token_and_credentials_are_checked) {
  EXPECT_EQ(call("/admin/v1/flows/claims/pause", "{}", {}, false).status, 401);
  EXPECT_EQ(call("/admin/v1/session", R"({"token": "wrong-token-123456"})", {}, false).status, 401);
  httplib::Client c{"127.0.0.1", admin_port};
  std::string cookie, csrf;
  ASSERT_NO_FATAL_FAILURE(console_login(cookie, csrf));
  auto before = audit_rows();
  auto forged = call("/admin/v1/flows/claims/pause", "{}", {{"Cookie", cookie}}, false);
  EXPECT_EQ(forged.status, 403);
  EXPECT_EQ(forged.code(), "csrf_mismatch");
  auto wrong = call("/admin/v1/flows/claims/pause", "{}", {{"Cookie", cookie}, {"X-CSRF-Token", token}}, false);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(audit_rows(), before);
  EXPECT_EQ(value("SELECT paused FROM flows WHERE flow = 'claims'"), "0");
  auto ok = call("/admin/v1/flows/claims/pause", "{}", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, false);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(value("SELECT paused FROM flows WHERE flow = 'claims'"), "1");
  EXPECT_EQ(call("/admin/v1/session/logout", "{}", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, false).status, 200);
  EXPECT_EQ(call("/admin/v1/flows/claims/resume", "{}", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}}, false).status,
            401);
  // The login page's question costs no failure: no cookie, no session.
  auto question = c.Get("/admin/v1/session");
  ASSERT_TRUE(question);
  EXPECT_EQ(question->status, 200);
  EXPECT_EQ(json::parse(question->body)["session"], false);
  auto metrics = d->get("/metrics").raw;
  EXPECT_NE(metrics.find("lstaked_admin_auth_failures_total 3"), std::string::npos) << metrics;
}

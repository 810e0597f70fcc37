// The HTTP server for real, on an ephemeral loopback port: status, JSON errors,
// body limits, keep-alive, metrics.
#include "api/status_routes.hpp"
#include "tests/support/api_fixture.hpp"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

using namespace lstaked;
using json = nlohmann::json;

class http_test : public test::api_fixture {
protected:
  void SetUp() override {
    start_actors(actors_config());
    http_config http;
    http.port = 0;
    http.max_body_bytes = 1024;
    auto bound = serve(http, [&](api::http_server& server) {
      api::add_status_routes(server, {sys, sup, std::chrono::steady_clock::now(), 2,
                                      std::chrono::milliseconds(2000)});
      server.post("/test/echo", [](const httplib::Request& req, httplib::Response& res) {
        api::json_reply(res, {{"bytes", req.body.size()}});
      });
      server.get("/test/refuse", [](const httplib::Request&, httplib::Response& res) {
        api::json_error(res, 400, "invalid_input", "refused by the route");
      });
      server.get("/test/throw", [](const httplib::Request&, httplib::Response&) {
        throw std::runtime_error("boom");
      });
    });
    ASSERT_TRUE(bound) << describe(bound.error());
  }
};

TEST_F(http_test, status_reports_version_schema_and_actor_health) {
  auto res = client->Get("/v1/status");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  auto body = json::parse(res->body);
  EXPECT_EQ(body["schemaVersion"], 2);
  EXPECT_TRUE(body["ok"].get<bool>());
  ASSERT_EQ(body["actors"].size(), 1u);
  EXPECT_EQ(body["actors"][0]["name"], "storage");
  EXPECT_FALSE(body["version"].get<std::string>().empty());
}

TEST_F(http_test, unknown_route_is_a_json_404) {
  auto res = client->Get("/v1/nothing-here");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  auto body = json::parse(res->body);
  EXPECT_EQ(body["error"]["code"], "not_found");
}

TEST_F(http_test, oversize_body_is_a_json_413_and_never_reaches_the_handler) {
  auto res = client->Post("/test/echo", std::string(2048, 'x'), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], "payload_too_large");
  auto ok = client->Post("/test/echo", std::string(512, 'x'), "application/json");
  ASSERT_TRUE(ok);
  EXPECT_EQ(json::parse(ok->body)["bytes"], 512);
}

TEST_F(http_test, a_throwing_handler_is_a_json_500_and_the_server_survives) {
  auto res = client->Get("/test/throw");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(json::parse(res->body)["error"]["code"], "internal_error");
  EXPECT_EQ(res->body.find("boom"), std::string::npos) << "internal details must not leak";
  EXPECT_EQ(client->Get("/v1/status")->status, 200);
}

TEST_F(http_test, keep_alive_connection_serves_many_requests) {
  client->set_keep_alive(true);
  for (int i = 0; i < 200; ++i) {
    auto res = client->Get("/v1/status");
    ASSERT_TRUE(res) << "request " << i;
    ASSERT_EQ(res->status, 200);
  }
}

TEST_F(http_test, metrics_count_requests_by_route_and_status) {
  client->Get("/v1/status");
  client->Get("/v1/status");
  client->Get("/missing");
  client->Get("/test/refuse");
  auto res = client->Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const auto& text = res->body;
  EXPECT_NE(text.find("# TYPE lstaked_http_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find(R"(lstaked_http_requests_total{method="GET",route="/v1/status",status="200"})"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find(R"(route="unmatched",status="404")"), std::string::npos);
  EXPECT_NE(text.find(R"(route="/test/refuse",status="400")"), std::string::npos);
  EXPECT_EQ(text.find(R"(route="unmatched",status="400")"), std::string::npos)
    << "a route's own refusal must not also count as unmatched";
  EXPECT_NE(text.find("lstaked_http_request_seconds_bucket"), std::string::npos);
  EXPECT_NE(text.find("lstaked_uptime_seconds"), std::string::npos);
}

// Issue 17: the reverse-proxy recipe (tools/nginx/lstaked.conf) tested as
// shipped: Debian's nginx, started by the test on 127.0.0.1 with a throwaway
// self-signed certificate made by openssl now, in front of the BUILT daemon
// (trusted_proxies = nginx's address). The same hostile clients
// (tools/hostile-load --tls) go through it: a normal client's status, account
// summary and valid claim are still answered in < 2 s (p99), the admin
// listener (not proxied) too; nginx's own refusals are the API's JSON.
#include "tests/hostile/load_fixture.hpp"

#include <csignal>
#include <filesystem>
#include <regex>

using namespace lstaked;
using namespace lstaked::test::hostile;

namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string nginx_binary() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/bin/nginx"})
    if (::access(p, X_OK) == 0)
      return p;
  return {};
}

class hostile_nginx_e2e : public load_stack {
protected:
  std::unique_ptr<test::background_process> nginx;
  int tls_port = 0;

  void TearDown() override {
    if (nginx) {
      nginx->signal(SIGQUIT);
      nginx->wait(10s);
    }
  }

  void start_nginx() {
    auto binary = nginx_binary();
    ASSERT_FALSE(binary.empty()) << "nginx is not installed (tools/setup installs it)";
    auto cert = dir.file("cert.pem"), key = dir.file("key.pem");
    auto made = test::run_process({"/usr/bin/env", "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
                             "/CN=localhost", "-keyout", key, "-out", cert},
                            dir.path(), 60s);
    ASSERT_EQ(made.exit_code, 0) << made.err;
    std::ifstream in{repo + "/tools/nginx/lstaked.conf"};
    std::string site{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    tls_port = free_port();
    for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"@LISTEN@", "127.0.0.1:" + std::to_string(tls_port)},
           {"@UPSTREAM@", "127.0.0.1:" + std::to_string(lstaked->port)},
           {"@CERT@", cert},
           {"@KEY@", key}})
      site = std::regex_replace(site, std::regex(from), to);
    std::ofstream{dir.file("lstaked-site.conf")} << site;
    // The frame around the recipe, as Debian's nginx.conf is around conf.d/
    // (one process, files in the test's directory).
    std::filesystem::create_directories(dir.file("nginx/logs"));
    std::ofstream{dir.file("nginx/nginx.conf")}
      << "master_process off;\ndaemon off;\nuser root;\nworker_rlimit_nofile 4096;\n"
      << "pid " << dir.file("nginx/nginx.pid") << ";\nerror_log " << dir.file("nginx/error.log")
      << " warn;\nevents { worker_connections 2048; }\nhttp {\n  access_log off;\n"
      << "  client_body_temp_path " << dir.file("nginx/body") << ";\n"
      << "  proxy_temp_path " << dir.file("nginx/proxy") << ";\n"
      << "  include " << dir.file("lstaked-site.conf") << ";\n}\n";
    auto checked = test::run_process({binary, "-t", "-p", dir.file("nginx"), "-c",
                                dir.file("nginx/nginx.conf")}, dir.path(), 30s);
    ASSERT_EQ(checked.exit_code, 0) << checked.err << checked.out;
    nginx = std::make_unique<test::background_process>(
      std::vector<std::string>{binary, "-p", dir.file("nginx"), "-c", dir.file("nginx/nginx.conf")},
      dir.file("nginx-run"));
    ASSERT_TRUE(eventually([&] {
      raw_conn c;
      return c.open(tls_port);
    }, 20s, 50ms)) << nginx->stderr_text();
  }
};

TEST_F(hostile_nginx_e2e, the_same_hostile_clients_through_nginx_with_tls) {
  start_stack("trusted_proxies = [\"127.0.0.1\"]\n");
  if (HasFatalFailure())
    return;
  start_nginx();
  if (HasFatalFailure())
    return;
  auto report = drive({"--port", std::to_string(tls_port), "--tls", "--baseline-seconds", "5",
                       "--attack-seconds", "15", "--slowloris", "96", "--sources", "24",
                       "--flood-threads", "4", "--probe-interval-ms", "500"});
  expect_served(report);
  EXPECT_GE(report["slowloris"]["connects"].get<int>(), 96);
  // nginx answered the flood beyond its rate with 429 (the daemon saw the rest).
  EXPECT_GT(report["flood"]["statuses"].value("429", 0), 0) << report["flood"].dump();
  EXPECT_GT(report["flood"]["statuses"].value("200", 0), 0) << report["flood"].dump();

  // What nginx let through reached the lookup's negative cache.
  EXPECT_GT(metric("lstaked_deposit_lookup_cached_total"), 0);
  // Plain HTTP to the TLS port is refused; nginx's 404 is the API's JSON shape.
  raw_conn plain{tls_port};
  plain.send(request("GET", "/v1/status"));
  EXPECT_EQ(status_of(plain.read_response(5s)), 400);
}

} // namespace

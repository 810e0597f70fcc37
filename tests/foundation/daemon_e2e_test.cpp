// The built binary, driven from outside: start, serve, SIGTERM, clean exit;
// and each start-up mistake gives one clear error line and a non-zero exit.
#include "storage/database.hpp"
#include "tests/support/daemon.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sys/stat.h>

using namespace lstaked;
using namespace std::chrono_literals;

namespace {

const std::string& binary = test::lstaked_binary();

void write(const std::string& path, const std::string& text) {
  std::ofstream{path} << text;
}

int user_version(const std::string& path) {
  SQLite::Database db(path);
  SQLite::Statement q(db, "PRAGMA user_version");
  q.executeStep();
  return q.getColumn(0).getInt();
}

// One error line naming the problem, and a non-zero exit.
void expect_refused(const test::process_result& r, const std::string& fragment) {
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;
}

} // namespace

TEST(daemon_e2e, starts_serves_status_and_exits_cleanly_on_sigterm) {
  test::temp_dir dir;
  auto daemon = test::daemon::with_flags(dir, {"--data-dir", dir.file("data"), "--http-listen", "127.0.0.1:0"});
  ASSERT_TRUE(daemon.start("daemon", 20s)) << daemon.stderr_text();
  httplib::Client client{"127.0.0.1", daemon.port};
  auto res = client.Get("/v1/status");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_TRUE(body["ok"].get<bool>());
  EXPECT_EQ(body["schemaVersion"], sql::latest_schema_version());

  // `lstaked status` asks it: a table, or the same document with --json.
  auto url = "http://127.0.0.1:" + std::to_string(daemon.port);
  auto table = test::run_process({binary, "status", "--url", url}, dir.path());
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("OK"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("ACTOR"), std::string::npos) << table.out;
  auto as_json = test::run_process({binary, "status", "--url", url, "--json"}, dir.path());
  EXPECT_EQ(as_json.exit_code, 0) << as_json.err;
  auto printed = nlohmann::json::parse(as_json.out, nullptr, false);
  ASSERT_TRUE(printed.is_object()) << as_json.out;
  EXPECT_EQ(printed["actors"].size(), body["actors"].size());

  auto code = daemon.stop(20s);
  ASSERT_TRUE(code) << "daemon did not stop";
  EXPECT_EQ(*code, 0) << daemon.stderr_text();
  EXPECT_NE(daemon.stderr_text().find("WAL checkpointed"), std::string::npos);

  struct stat st {};
  ASSERT_EQ(::stat(dir.file("data/admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(daemon.stderr_text().find(test::run_process({"/bin/cat", dir.file("data/admin.token")},
                                                        dir.path())
                                        .out.substr(0, 64)),
            std::string::npos)
    << "the admin token must never be logged";

  // Nobody there: exit 2 and a line saying so.
  auto gone = test::run_process({binary, "status", "--url", url}, dir.path());
  EXPECT_EQ(gone.exit_code, 2);
  EXPECT_NE(gone.err.find("no answer"), std::string::npos) << gone.err;
  auto zero = test::run_process({binary, "status", "--http-listen", "127.0.0.1:0"}, dir.path());
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("--url"), std::string::npos) << zero.err;
}

TEST(daemon_e2e, malformed_toml_is_refused) {
  test::temp_dir dir;
  write(dir.file("c.toml"), "[http\n");
  expect_refused(test::run_process({binary, "run", "--config", dir.file("c.toml")}, dir.path()),
                 "c.toml:1:");
}

TEST(daemon_e2e, unknown_key_is_refused) {
  test::temp_dir dir;
  write(dir.file("c.toml"), "[http]\nlisten_port = 1\n");
  expect_refused(test::run_process({binary, "run", "--config", dir.file("c.toml")}, dir.path()),
                 "http.listen_port: unknown key");
}

TEST(daemon_e2e, world_readable_token_file_is_refused) {
  test::temp_dir dir;
  write(dir.file("token"), "0123456789abcdef0123456789abcdef");
  ::chmod(dir.file("token").c_str(), 0644);
  write(dir.file("c.toml"), "data_dir = \"" + dir.file("data") + "\"\n[admin]\ntoken_file = \""
                              + dir.file("token") + "\"\n");
  expect_refused(test::run_process({binary, "run", "--config", dir.file("c.toml")}, dir.path()),
                 "mode 0644");
}

TEST(daemon_e2e, unwritable_data_dir_is_refused) {
  test::temp_dir dir;
  write(dir.file("plain-file"), "x");
  expect_refused(
    test::run_process({binary, "run", "--data-dir", dir.file("plain-file/data")}, dir.path()),
    "cannot create data directory");
}

TEST(daemon_e2e, newer_schema_is_refused_and_the_database_untouched) {
  test::temp_dir dir;
  auto data = dir.file("data");
  auto migrated = test::run_process({binary, "db", "migrate", "--data-dir", data}, dir.path());
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  auto db_path = data + "/lstaked.sqlite";
  {
    SQLite::Database db(db_path, SQLite::OPEN_READWRITE);
    db.exec("PRAGMA user_version=" + std::to_string(sql::latest_schema_version() + 7));
  }
  expect_refused(test::run_process({binary, "run", "--data-dir", data}, dir.path()),
                 "newer than this binary");
  EXPECT_EQ(user_version(db_path), sql::latest_schema_version() + 7);
  auto check = test::run_process({binary, "db", "check", "--data-dir", data}, dir.path());
  EXPECT_NE(check.exit_code, 0);
}

TEST(daemon_e2e, busy_port_is_refused) {
  test::temp_dir dir;
  auto first = test::daemon::with_flags(dir, {"--data-dir", dir.file("a"), "--http-listen", "127.0.0.1:0"});
  ASSERT_TRUE(first.start("a", 20s));
  auto port = std::to_string(first.port);
  expect_refused(test::run_process({binary, "run", "--data-dir", dir.file("b"), "--http-listen",
                                    "127.0.0.1:" + port},
                                   dir.path()),
                 "cannot listen on 127.0.0.1:" + port);
}

TEST(daemon_e2e, cli_reports_versions_and_checks_config) {
  test::temp_dir dir;
  auto version = test::run_process({binary, "version"}, dir.path());
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("lstaked ", 0), 0u);
  write(dir.file("good.toml"), "[http]\nlisten = \"127.0.0.1:9000\"\n");
  auto good = test::run_process({binary, "config", "check", dir.file("good.toml")}, dir.path());
  EXPECT_EQ(good.exit_code, 0) << good.err;
  write(dir.file("bad.toml"), "[http]\nthreads = 0\n[log]\nlevel = \"loud\"\n");
  auto bad = test::run_process({binary, "config", "check", dir.file("bad.toml")}, dir.path());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("http.threads"), std::string::npos);
  EXPECT_NE(bad.err.find("log.level"), std::string::npos);
  // Key files too, as start-up would: missing, readable by others, or not a key.
  write(dir.file("keys.toml"), "[ethereum]\npool_address = \"0x" + std::string(40, '1')
                                 + "\"\ntoken_address = \"0x" + std::string(40, '2')
                                 + "\"\n[claims]\nnotary_key_file = \"" + dir.file("missing.key") + "\"\n");
  auto missing = test::run_process({binary, "config", "check", dir.file("keys.toml")}, dir.path());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("missing.key"), std::string::npos) << missing.err;
  write(dir.file("missing.key"), "not a key\n");
  ::chmod(dir.file("missing.key").c_str(), 0644);
  auto open_key = test::run_process({binary, "config", "check", dir.file("keys.toml")}, dir.path());
  EXPECT_EQ(open_key.exit_code, 1);
  EXPECT_NE(open_key.err.find("missing.key"), std::string::npos) << open_key.err;
  ::chmod(dir.file("missing.key").c_str(), 0600);
  auto garbage = test::run_process({binary, "config", "check", dir.file("keys.toml")}, dir.path());
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_EQ(garbage.err.find("not a key"), std::string::npos) << "never echo a key file: " << garbage.err;
  // ... and start-up refuses it before it creates the data directory.
  auto run = test::run_process({binary, "run", "--config", dir.file("keys.toml"), "--data-dir",
                                dir.file("never")}, dir.path());
  EXPECT_NE(run.exit_code, 0);
  struct stat st{};
  EXPECT_NE(::stat(dir.file("never").c_str(), &st), 0) << "the data directory was created";
  auto usage = test::run_process({binary, "no-such-command"}, dir.path());
  EXPECT_EQ(usage.exit_code, 2);
  auto migrate = test::run_process({binary, "db", "migrate", "--data-dir", dir.file("d")}, dir.path());
  EXPECT_EQ(migrate.exit_code, 0) << migrate.err;
  auto check = test::run_process({binary, "db", "check", "--data-dir", dir.file("d")}, dir.path());
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("integrity ok"), std::string::npos);
}

TEST(daemon_e2e, debug_commands_answer_json_with_the_documented_exit_codes) {
  test::temp_dir dir;
  // //Alice's sr25519 key on Kusama (prefix 2), as polkadot-js encodes it.
  auto yes = test::run_process({binary, "debug", "ss58", "encode", "--prefix", "2",
                                "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"},
                               dir.path());
  EXPECT_EQ(yes.exit_code, 0);
  EXPECT_EQ(nlohmann::json::parse(yes.out)["address"], "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F");
  auto no = test::run_process({binary, "debug", "verify", "--scheme", "sr25519", "--public-key",
                               "HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F", "--message", "hi",
                               "--signature", "0x" + std::string(128, '0')},
                              dir.path());
  EXPECT_EQ(no.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(no.out)["valid"], false);
  auto bad = test::run_process({binary, "debug", "ss58", "decode", "not-an-address"}, dir.path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("error:"), std::string::npos);
}

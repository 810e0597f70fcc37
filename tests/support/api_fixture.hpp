// The daemon's actors and HTTP API inside the test (or tool) process: an actor
// system, the supervisor with the children the test lists (storage always),
// the real HTTP server with the routes the test adds, on a free 127.0.0.1
// port, and writes to the database through the storage actor.
//
// Contract: `in_process_app` owns all of it; its destructor stops the HTTP
// server, then the supervisor (and with it every child), then waits for the
// actor system. `write` runs one write task, the only way to write while the
// storage actor holds the database (it is the only writer), and returns only
// after the commit. `api_fixture` is the same as a GoogleTest fixture, with
// the members the API suites use (`dir`, `sys`, `sup`, `client`, `port`).
#pragma once

#include "actors/supervisor.hpp"
#include "api/http_server.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <functional>
#include <memory>

namespace lstaked::test {

class in_process_app {
public:
  /// Starts the actor system (CAF's own log quiet; `tune` may change more) and the supervisor.
  explicit in_process_app(supervisor_config cfg,
                          const std::function<void(caf::actor_system_config&)>& tune = {});
  ~in_process_app();
  in_process_app(const in_process_app&) = delete;
  in_process_app& operator=(const in_process_app&) = delete;

  caf::actor_system& system() { return *sys_; }
  supervisor_actor supervisor() const { return sup_; }
  /// The storage actor, asked from the supervisor.
  caf::expected<storage_actor> storage();
  /// One write task ("test" in the logs), answered after its commit.
  caf::error write(std::function<void(SQLite::Database&)> f, const std::string& what = "test");
  /// Starts the HTTP server with the routes `add_routes` adds; the port it bound.
  caf::expected<uint16_t> serve(const http_config& http,
                                const std::function<void(api::http_server&)>& add_routes);

private:
  caf::actor_system_config sys_cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  supervisor_actor sup_;
  std::unique_ptr<api::http_server> server_;
};

class api_fixture : public ::testing::Test {
protected:
  test::temp_dir dir;
  std::unique_ptr<in_process_app> app;
  caf::actor_system* sys = nullptr;
  supervisor_actor sup;
  std::unique_ptr<httplib::Client> client; // keep-alive, TCP_NODELAY, to `port`
  uint16_t port = 0;

  /// The database of the storage actor.
  std::string db_path() const { return dir.file("db.sqlite"); }
  /// A supervisor configuration with storage on `db_path()` and no other child.
  supervisor_config actors_config() const;
  void start_actors(supervisor_config cfg);
  /// Starts the HTTP server and `client`; the port, or why not.
  caf::expected<uint16_t> serve(const http_config& http,
                                const std::function<void(api::http_server&)>& add_routes);
  /// `in_process_app::write`, a fatal test failure if it fails.
  void write(std::function<void(SQLite::Database&)> f);

  void TearDown() override;
};

} // namespace lstaked::test

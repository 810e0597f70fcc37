#include "api/daemon.hpp"

#include "actors/children.hpp"
#include "actors/supervisor.hpp"
#include "api/admin_server.hpp"
#include "api/api_routes.hpp"
#include "api/http_server.hpp"
#include "chain/common/secp256k1.hpp"
#include "chain/sig/ss58.hpp"
#include "chain/sig/self_check.hpp"
#include "config/secret_file.hpp"
#include "storage/database.hpp"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <pthread.h>
#include <sys/stat.h>

namespace lstaked::api {

namespace {

// The admin token: from the configured file (must exist, 0600), or generated
// once under the data dir.
caf::error prepare_admin_token(const config& cfg) {
  auto path = cfg.admin_token_path();
  if (cfg.admin.token_file.empty() && !std::filesystem::exists(path)) {
    if (sodium_init() < 0)
      return make_error(ec::crypto_error, "libsodium failed to initialise");
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    auto err = create_secret_file(path, hex);
    sodium_memzero(hex, sizeof hex);
    if (err)
      return err;
    spdlog::info("generated the admin token in {} (mode 0600)", path);
  }
  auto token = read_secret_file(path);
  if (!token)
    return token.error();
  if (token->size() < 16)
    return make_error(ec::invalid_config, "admin token in " + path + " is shorter than 16 characters");
  return caf::none;
}

} // namespace

caf::expected<int> prepare_database(const config& cfg) {
  auto db = sql::open_database(cfg.database_path(), sql::open_mode::read_write);
  if (!db)
    return db.error();
  if (auto err = sql::integrity_check(**db))
    return err;
  auto applied = sql::migrate(**db);
  if (!applied)
    return applied.error();
  return sql::schema_version(**db);
}

int run_daemon(const config& cfg) {
  ::umask(077); // database, WAL and generated secrets: owner only
  // Known answers for every signature scheme before anything is signed or verified.
  for (auto err : {chain::secp256k1::instance().self_check(), chain::sig::self_check()})
    if (err) {
      spdlog::error("crypto self-check failed: {}", describe(err));
      return 1;
    }
  // Every role from its section; a bad key file or address stops here, before
  // the data directory or the database is touched and before any actor runs.
  auto roles = children(cfg);
  if (!roles) {
    spdlog::error("{}", describe(roles.error()));
    return 1;
  }
  if (auto err = prepare_data_dir(cfg.data_dir)) {
    spdlog::error("{}", describe(err));
    return 1;
  }
  if (auto err = prepare_admin_token(cfg)) {
    spdlog::error("{}", describe(err));
    return 1;
  }
  auto schema = prepare_database(cfg);
  if (!schema) {
    spdlog::error("{}", describe(schema.error()));
    return 1;
  }

  // Block the stop signals in every thread (they inherit this mask), then
  // wait for them synchronously in main: no async-signal-safety puzzles.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  caf::actor_system_config sys_cfg;
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
  configure_scheduler(sys_cfg);
  caf::actor_system system{sys_cfg};
  supervisor_config sup_cfg;
  sup_cfg.storage.path = cfg.database_path();
  sup_cfg.storage.check_integrity = false; // prepare_database checked this file moments ago
  sup_cfg.children = std::move(*roles);
  sup_cfg.restart_backoff = std::chrono::milliseconds(cfg.supervisor.restart_backoff_ms);
  sup_cfg.max_restart_backoff = std::chrono::milliseconds(cfg.supervisor.max_restart_backoff_ms);
  if (auto err = validate(sup_cfg)) {
    spdlog::error("{}", describe(err));
    return 1;
  }
  auto sup = system.spawn(supervisor, sup_cfg);

  auto admin_token = read_admin_token(cfg);
  if (!admin_token) {
    spdlog::error("{}", describe(admin_token.error()));
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    return 1;
  }
  http_server server{cfg.http};
  admin_server admin{cfg, std::move(*admin_token)};
  add_api_routes(server, admin, cfg,
                 api_environment{&system, sup, std::chrono::steady_clock::now(), *schema});
  auto port = server.start();
  if (!port) {
    spdlog::error("{}", describe(port.error()));
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    return 1;
  }
  auto admin_port = admin.start();
  if (!admin_port) {
    spdlog::error("admin listener: {}", describe(admin_port.error()));
    server.stop();
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    return 1;
  }
  spdlog::info("lstaked listening on http://{}:{} (data dir {}, schema {})", cfg.http.host, *port,
               cfg.data_dir, *schema);
  spdlog::info("admin listening on http://{}:{}", cfg.admin.host, *admin_port);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info("received {}; shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
  server.stop(); // stop intake first: no new work reaches the actors
  admin.stop();
  bool clean = false;
  {
    caf::scoped_actor self{system};
    self->request(sup, std::chrono::seconds(60), shutdown_atom_v)
      .receive([&](bool ok) { clean = ok; },
               [&](caf::error& err) { spdlog::error("shutdown: {}", describe(err)); });
  }
  spdlog::info("stopped{}", clean ? "" : " (with errors)");
  return clean ? 0 : 1;
}

} // namespace lstaked::api

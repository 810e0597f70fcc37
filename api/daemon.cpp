#include "api/daemon.hpp"

#include "actors/children.hpp"
#include "actors/supervisor.hpp"
#include "api/admin_routes.hpp"
#include "api/admin_server.hpp"
#include "api/console_assets.hpp"
#include "api/deposit_routes.hpp"
#include "actors/ratio_calculator.hpp"
#include "api/http_server.hpp"
#include "api/ratio_routes.hpp"
#include "api/unstake_routes.hpp"
#include "api/status_routes.hpp"
#include "api/user_routes.hpp"
#include "chain/common/secp256k1.hpp"
#include "chain/ethereum/address.hpp"
#include "chain/ethereum/amount.hpp"
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

std::string checksum_or_empty(const std::string& address) {
  auto a = chain::eth::parse_address(address);
  return a ? chain::eth::to_checksum_address(*a) : std::string{};
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

  // Every role from its section; a bad key file or address stops here, before any actor runs.
  auto roles = children(cfg);
  if (!roles) {
    spdlog::error("{}", describe(roles.error()));
    return 1;
  }

  caf::actor_system_config sys_cfg;
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
  configure_scheduler(sys_cfg);
  caf::actor_system system{sys_cfg};
  supervisor_config sup_cfg;
  sup_cfg.storage.path = cfg.database_path();
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
  status_context status{&system, sup, std::chrono::steady_clock::now(), *schema,
                        std::chrono::milliseconds(3000)};
  http_server server{cfg.http};
  // Per client, before the handlers run (docs/http.md): the routes that write
  // or make the daemon ask a node.
  server.rate_limit("POST", "/v1/claims", cfg.http.claims_per_minute, cfg.http.claims_burst);
  server.rate_limit("POST", "/v1/deposits", cfg.http.deposits_per_minute, cfg.http.deposits_burst);
  add_status_routes(server, status);
  user_routes_context users{&system, sup, cfg.database_path(),
                            cfg.kusama.ss58_prefix, cfg.ethereum.chain_id,
                            checksum_or_empty(cfg.ethereum.token_address),
                            static_cast<int64_t>(cfg.claims.max_request_ttl_seconds),
                            std::chrono::milliseconds(30000)};
  users.claim_validity_ms = static_cast<int64_t>(cfg.claims.validity_blocks)
                            * user_routes_context::ethereum_slot_ms;
  add_user_routes(server, users);
  auto minimum = chain::eth::parse_amount(cfg.kusama.minimum_deposit, chain::eth::ksm_decimals);
  add_deposit_routes(server, deposit_routes_context{&system, sup, cfg.database_path(),
                                                    cfg.kusama.ss58_prefix,
                                                    cfg.kusama.deposit_address,
                                                    minimum ? *minimum : chain::eth::u256{},
                                                    std::chrono::milliseconds(30000),
                                                    node_lookup_bound(cfg.http.threads)});
  add_ratio_routes(server, ratio_routes_context{cfg.database_path(),
                                                std::chrono::seconds(cfg.ratio.interval_seconds),
                                                ratio_calculator_enabled(cfg)});
  add_unstake_routes(server, unstake_routes_context{cfg.database_path(), cfg.kusama.ss58_prefix});
  admin_server admin{cfg, std::move(*admin_token)};
  admin.get("/admin/v1/status", [status](const httplib::Request&, httplib::Response& res) {
    status_reply(status, res);
  });
  admin_routes_context console{&system, sup, cfg.database_path(), cfg.kusama.ss58_prefix,
                               cfg.admin.fee_withdrawal_account};
  console.ratio_enabled = ratio_calculator_enabled(cfg);
  console.bonding_enabled = !cfg.staking.deposit_key_file.empty(); // as make_bond_manager_config
  console.status = status;
  add_admin_routes(admin, console);
  add_console_routes(admin);
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

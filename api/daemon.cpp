#include "api/daemon.hpp"

#include "actors/supervisor.hpp"
#include "api/deposit_routes.hpp"
#include "api/http_server.hpp"
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

caf::expected<std::string> account_hex(const std::string& ss58, uint16_t prefix) {
  auto id = chain::sig::ss58_decode_account(ss58, prefix);
  if (!id)
    return make_error(ec::invalid_config, "\"" + ss58 + "\": " + describe(id.error()));
  return chain::to_hex(*id);
}

// The Kusama watcher and lookup, when a deposit address is configured.
caf::error configure_kusama(const config& cfg, supervisor_config& sup) {
  if (cfg.kusama.deposit_address.empty())
    return caf::none;
  auto deposit = account_hex(cfg.kusama.deposit_address, cfg.chains.ss58_prefix);
  auto minimum = chain::eth::parse_amount(cfg.kusama.minimum_deposit, chain::eth::ksm_decimals);
  if (!deposit || !minimum)
    return deposit ? minimum.error() : deposit.error();
  kusama_watcher_config w;
  w.rpc.url = cfg.chains.kusama_rpc_url;
  w.deposit_account = *deposit;
  w.start_block = cfg.kusama.start_block;
  w.minimum_planck = *minimum;
  w.max_blocks_per_step = cfg.kusama.max_blocks_per_step;
  w.poll_interval = std::chrono::milliseconds(cfg.kusama.poll_interval_ms);
  for (auto& a : cfg.kusama.pool_accounts) {
    auto hex = account_hex(a, cfg.chains.ss58_prefix);
    if (!hex)
      return hex.error();
    w.pool_accounts.push_back(*hex);
  }
  kusama_lookup_config l;
  l.rpc.url = cfg.chains.kusama_rpc_url;
  l.deposit_account = *deposit;
  sup.kusama_watcher = w;
  sup.kusama_lookup = l;
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

  std::optional<notary_config> notary_cfg;
  if (!cfg.claims.notary_key_file.empty()) {
    notary_cfg = notary_config{cfg.claims.notary_key_file, cfg.chains.ethereum_chain_id,
                               cfg.chains.pool_address, cfg.chains.token_address,
                               cfg.claims.validity_blocks};
    chain::secret_key32 probe;
    auto signer = load_notary_key(notary_cfg->key_file, probe); // fail here, not in an actor
    if (auto err = signer ? validate(*notary_cfg) : signer.error()) {
      spdlog::error("{}", describe(err));
      return 1;
    }
  }

  caf::actor_system_config sys_cfg;
  sys_cfg.set("logger.verbosity", caf::atom("quiet"));
  configure_scheduler(sys_cfg);
  caf::actor_system system{sys_cfg};
  supervisor_config sup_cfg;
  sup_cfg.storage.path = cfg.database_path();
  sup_cfg.notary = notary_cfg;
  if (!cfg.chains.pool_address.empty()) {
    eth_watcher_config w;
    w.rpc.url = cfg.chains.ethereum_rpc_url;
    w.pool_address = cfg.chains.pool_address;
    w.chain_id = cfg.chains.ethereum_chain_id;
    w.start_block = cfg.chains.start_block;
    w.finality = cfg.chains.finality;
    w.confirmations = cfg.chains.confirmations;
    w.poll_interval = std::chrono::milliseconds(cfg.chains.poll_interval_ms);
    sup_cfg.eth_watcher = w;
  }
  if (auto err = configure_kusama(cfg, sup_cfg)) {
    spdlog::error("{}", describe(err));
    return 1;
  }
  sup_cfg.restart_backoff = std::chrono::milliseconds(cfg.supervisor.restart_backoff_ms);
  sup_cfg.max_restart_backoff = std::chrono::milliseconds(cfg.supervisor.max_restart_backoff_ms);
  if (auto err = validate(sup_cfg)) {
    spdlog::error("{}", describe(err));
    return 1;
  }
  auto sup = system.spawn(supervisor, sup_cfg);

  http_server server{cfg.http};
  add_status_routes(server, status_context{&system, sup, std::chrono::steady_clock::now(),
                                           *schema, std::chrono::milliseconds(3000)});
  add_user_routes(server, user_routes_context{&system, sup, cfg.database_path(),
                                              cfg.chains.ss58_prefix, cfg.chains.ethereum_chain_id,
                                              checksum_or_empty(cfg.chains.token_address),
                                              static_cast<int64_t>(cfg.claims.max_request_ttl_seconds),
                                              std::chrono::milliseconds(30000)});
  auto minimum = chain::eth::parse_amount(cfg.kusama.minimum_deposit, chain::eth::ksm_decimals);
  add_deposit_routes(server, deposit_routes_context{&system, sup, cfg.database_path(),
                                                    cfg.chains.ss58_prefix,
                                                    cfg.kusama.deposit_address,
                                                    minimum ? *minimum : chain::eth::u256{},
                                                    std::chrono::milliseconds(30000),
                                                    node_lookup_bound(cfg.http.threads)});
  auto port = server.start();
  if (!port) {
    spdlog::error("{}", describe(port.error()));
    caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
    return 1;
  }
  spdlog::info("lstaked listening on http://{}:{} (data dir {}, schema {})", cfg.http.host, *port,
               cfg.data_dir, *schema);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  spdlog::info("received {}; shutting down", signal == SIGINT ? "SIGINT" : "SIGTERM");
  server.stop(); // stop intake first: no new work reaches the actors
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

#include "api/api_routes.hpp"

#include "actors/ratio_calculator.hpp"
#include "api/admin_routes.hpp"
#include "api/console_assets.hpp"
#include "api/deposit_routes.hpp"
#include "api/ratio_routes.hpp"
#include "api/status_routes.hpp"
#include "api/unstake_routes.hpp"
#include "api/user_routes.hpp"
#include "chain/ethereum/address.hpp"
#include "chain/ethereum/amount.hpp"

namespace lstaked::api {

namespace {

std::string checksum_or_empty(const std::string& address) {
  auto a = chain::eth::parse_address(address);
  return a ? chain::eth::to_checksum_address(*a) : std::string{};
}

} // namespace

void add_api_routes(http_server& server, admin_server& admin, const config& cfg,
                    const api_environment& env) {
  status_context status{env.system, env.supervisor, env.started, env.schema_version,
                        std::chrono::milliseconds(3000)};
  // Per client, before the handlers run (docs/http.md): the routes that write
  // or make the daemon ask a node.
  server.rate_limit("POST", "/v1/claims", cfg.http.claims_per_minute, cfg.http.claims_burst);
  server.rate_limit("POST", "/v1/deposits", cfg.http.deposits_per_minute, cfg.http.deposits_burst);
  add_status_routes(server, status);
  user_routes_context users{env.system, env.supervisor, cfg.database_path(),
                            cfg.kusama.ss58_prefix, cfg.ethereum.chain_id,
                            checksum_or_empty(cfg.ethereum.token_address),
                            static_cast<int64_t>(cfg.claims.max_request_ttl_seconds),
                            std::chrono::milliseconds(30000)};
  users.claim_validity_ms = static_cast<int64_t>(cfg.claims.validity_blocks)
                            * user_routes_context::ethereum_slot_ms;
  add_user_routes(server, users);
  auto minimum = chain::eth::parse_amount(cfg.kusama.minimum_deposit, chain::eth::ksm_decimals);
  add_deposit_routes(server, deposit_routes_context{env.system, env.supervisor, cfg.database_path(),
                                                    cfg.kusama.ss58_prefix,
                                                    cfg.kusama.deposit_address,
                                                    minimum ? *minimum : chain::eth::u256{},
                                                    std::chrono::milliseconds(30000),
                                                    node_lookup_bound(cfg.http.threads)});
  add_ratio_routes(server, ratio_routes_context{cfg.database_path(),
                                                std::chrono::seconds(cfg.ratio.interval_seconds),
                                                ratio_calculator_enabled(cfg)});
  add_unstake_routes(server, unstake_routes_context{cfg.database_path(), cfg.kusama.ss58_prefix});

  admin.get("/admin/v1/status", [status](const httplib::Request&, httplib::Response& res) {
    status_reply(status, res);
  });
  // The admin console: its JSON endpoints and actions, and the page itself.
  admin_routes_context console{env.system, env.supervisor, cfg.database_path(), cfg.kusama.ss58_prefix,
                               cfg.admin.fee_withdrawal_account};
  console.ratio_enabled = ratio_calculator_enabled(cfg);
  console.bonding_enabled = !cfg.staking.deposit_key_file.empty(); // as make_bond_manager_config
  console.status = status;
  add_admin_routes(admin, console);
  add_console_routes(admin);
}

} // namespace lstaked::api

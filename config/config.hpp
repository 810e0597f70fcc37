// The daemon's configuration: one TOML file, environment overrides, CLI flags.
//
// Contract: `load_config` applies, in order, the documented defaults, the TOML
// file (if any), LSTAKED_* environment variables, then explicit overrides
// (CLI flags). It never stops at the first problem: every error is returned,
// each naming its key. `config_keys()` is the single list of keys; the README's
// reference is generated from it (`lstaked config keys`), so a key without
// documentation cannot exist. Secrets are never stored here, only their paths.
#pragma once

#include "chain/common/error.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lstaked {

struct log_config {
  std::string level = "info";  // trace|debug|info|warn|error
  std::string format = "text"; // text|json
};

struct http_config {
  std::string host = "127.0.0.1";
  uint16_t port = 8645;
  uint32_t threads = 8;
  uint64_t max_body_bytes = 64 * 1024;
  uint32_t read_timeout_ms = 5000;  // a whole request (headers + body), however it trickles
  uint32_t write_timeout_ms = 5000;
  uint32_t keep_alive_idle_ms = 5000;          // idle keep-alive connection closed after this
  uint32_t max_connections = 512;              // open connections; beyond: 503 at accept
  uint32_t max_connections_per_client = 16;    // per peer address (trusted proxies exempt)
  uint64_t max_header_bytes = 16384;           // request line + headers; beyond: 431
  std::vector<std::string> trusted_proxies;    // peers whose X-Forwarded-For names the client
  uint32_t claims_per_minute = 30;             // POST /v1/claims per client (token bucket rate)
  uint32_t claims_burst = 10;                  // ... and bucket size
  uint32_t deposits_per_minute = 120;           // POST /v1/deposits per client
  uint32_t deposits_burst = 60;
};

struct admin_config {
  /// Empty: `<data_dir>/admin.token`, created with 0600 on first start.
  std::string token_file;
  std::string host = "127.0.0.1"; // the admin listener: its own port and workers
  uint16_t port = 8646;
  uint32_t threads = 2;
  bool listen_set = false; // admin.listen given (file, env or flag), not the default
  /// SS58 account the console's "withdraw fees" sends to; empty: withdrawals refused.
  std::string fee_withdrawal_account;
  /// Wrong admin tokens one client address may present at once, and how many
  /// more per minute; all addresses together get 5 times both (api/admin_server).
  uint32_t wrong_token_burst = 10;
  uint32_t wrong_tokens_per_minute = 6;
};

/// [kusama]: the node, where deposits arrive and what the watcher reads.
struct kusama_settings {
  std::string rpc_url = "http://127.0.0.1:9944";
  uint16_t ss58_prefix = 2;
  /// SS58 (with ss58_prefix). Empty: no Kusama watcher, deposits disabled.
  std::string deposit_address;
  std::string minimum_deposit = "1"; // KSM, decimal
  uint64_t start_block = 0;          // 0: the finalized head at first start
  std::vector<std::string> pool_accounts; // SS58: stashes whose staking events are kept
  uint64_t poll_interval_ms = 3000;
  uint64_t max_blocks_per_step = 64;
};

/// [ethereum]: the node, the contracts and what the watcher reads.
struct ethereum_settings {
  std::string rpc_url = "http://127.0.0.1:8545";
  uint64_t chain_id = 31337;
  std::string pool_address;  // PolkadotPool; empty: claims disabled
  std::string token_address; // aKSMb
  uint64_t start_block = 0;   // first block the watcher reads (the deploy block)
  std::string finality = "finalized"; // finalized | safe | confirmations
  uint64_t confirmations = 12;
  uint64_t poll_interval_ms = 4000;
  /// File (0600) with the operator's secp256k1 key (64 hex digits): the only
  /// account the daemon sends Ethereum transactions from. Empty: it sends none.
  std::string operator_key_file;
  uint64_t max_fee_per_gas_gwei = 500; // cap of maxFeePerGas; above it nothing is sent
  uint64_t tx_stuck_seconds = 60;      // unmined this long: replaced with a higher fee
};

struct claims_settings {
  /// Empty: no notary, claims disabled.
  std::string notary_key_file;
  std::vector<std::string> notary_key_files; // more keys held here (threshold > 1)
  uint64_t validity_blocks = 7200;
  uint64_t max_request_ttl_seconds = 3600;
  uint64_t notary_set_max_age_seconds = 120;
};

/// [staking]: the Kusama operator (issue #12): which accounts the daemon
/// signs for, where the pool's KSM is bonded and whom it nominates.
struct staking_settings {
  /// File (0600) with the deposit account's secret URI. Empty: the daemon
  /// signs nothing on Kusama (no bonding, nominating or reward collection).
  std::string deposit_key_file;
  std::string key_scheme = "sr25519";           // sr25519 | ed25519, for every key file
  std::vector<std::string> stashes;             // SS58
  std::vector<std::string> stash_key_files;     // one per stash: its key or its Staking proxy's
  std::vector<std::string> proxied_stashes;     // SS58: stashes driven through a Staking proxy
  std::vector<std::string> validators;          // SS58, trusted, in order of preference
  std::string validators_file;                  // more validators, one SS58 per line
  std::string max_commission_percent = "10";    // decimal percent
  uint64_t slash_lookback_eras = 28;
  uint64_t nomination_interval_seconds = 86400; // chain time
  std::string deposit_buffer = "0";             // KSM kept free on the deposit account
  std::string fee_reserve = "0.1";              // KSM kept free on every pool account
  std::string min_step = "1";                   // KSM: smallest transfer or bond sent
  uint64_t payouts_per_batch = 8;
  uint64_t mortality_blocks = 64;
  uint64_t poll_interval_ms = 6000;
};
/// [ratio]: the aKSMb ratio calculator (issue #13; docs/ratio.md).
struct ratio_settings {
  uint64_t fee_bps = 200;             // of positive rewards, never of principal
  uint64_t interval_seconds = 86400;  // between calculations (within aKSMb's minRatioInterval)
  uint64_t gas_limit = 200000;        // of aKSMb.updateRatio
  uint64_t poll_interval_ms = 60000;
};
struct payout_settings {
  uint64_t max_batch_items = 500;     // cap on payouts per force_batch (the weights may allow fewer)
  uint64_t weight_safety_percent = 75; // share of the max extrinsic weight a batch may use
  uint64_t poll_interval_ms = 6000;
};
struct supervisor_settings {
  uint32_t restart_backoff_ms = 500;
  uint32_t max_restart_backoff_ms = 30000;
};

/// The whole file: one member per TOML section, named as the section.
struct config {
  std::string data_dir = "./lstaked-data";
  log_config log;
  http_config http;
  admin_config admin;
  kusama_settings kusama;
  ethereum_settings ethereum;
  claims_settings claims;
  staking_settings staking;
  ratio_settings ratio;
  payout_settings payouts;
  supervisor_settings supervisor;

  /// `<data_dir>/lstaked.sqlite`
  std::string database_path() const;
  /// admin.token_file or its default under data_dir.
  std::string admin_token_path() const;
};

/// An SS58 address of the [kusama] network as its AccountId, 0x + 64 hex;
/// ec::invalid_config quoting the address if it is not one.
caf::expected<std::string> kusama_account_hex(const kusama_settings& kusama,
                                              const std::string& ss58);

/// One configuration key: its TOML path, env name, default and documentation.
struct config_key {
  std::string key;           // e.g. "http.listen"
  std::string env;           // e.g. "LSTAKED_HTTP_LISTEN"
  std::string default_value; // rendered as in TOML
  std::string doc;
  /// Parses `text` (from env or a flag) into `cfg`; error names the problem.
  std::function<caf::error(config& cfg, const std::string& text)> set;
};

/// Every key, in documentation order.
const std::vector<config_key>& config_keys();

/// A problem with one key.
struct config_problem {
  std::string key; // TOML path, or the file for syntax errors
  std::string message;
};

struct config_result {
  config value;
  std::vector<config_problem> problems;
  bool ok() const { return problems.empty(); }
};

/// Loads defaults <- file (optional) <- env <- overrides (key -> text).
/// `env` is a lookup for environment variables (getenv in production).
config_result load_config(const std::optional<std::string>& file,
                          const std::function<const char*(const char*)>& env,
                          const std::map<std::string, std::string>& overrides);

/// Renders the keys as a Markdown table (for the README).
std::string config_reference_markdown();

} // namespace lstaked

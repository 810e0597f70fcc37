#include "config/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>

#include "chain/ethereum/amount.hpp"
#include "chain/sig/ss58.hpp"

namespace lstaked {

std::string config::database_path() const {
  return data_dir + "/lstaked.sqlite";
}

std::string config::admin_token_path() const {
  return admin.token_file.empty() ? data_dir + "/admin.token" : admin.token_file;
}

caf::expected<std::string> kusama_account_hex(const kusama_settings& kusama,
                                              const std::string& ss58) {
  auto id = chain::sig::ss58_decode_account(ss58, kusama.ss58_prefix);
  if (!id)
    return make_error(ec::invalid_config, "\"" + ss58 + "\": " + describe(id.error()));
  return chain::to_hex(*id);
}

namespace {

enum class kind { text, unsigned_integer, text_list };

struct key_spec {
  config_key pub;
  kind type;
};

caf::error bad(std::string msg) {
  return make_error(ec::invalid_config, std::move(msg));
}

// Parses a decimal unsigned integer within [min, max].
caf::expected<uint64_t> parse_unsigned(const std::string& text, uint64_t min, uint64_t max) {
  uint64_t v = 0;
  auto [ptr, err] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (err != std::errc{} || ptr != text.data() + text.size() || text.empty())
    return bad("expected an unsigned integer, got \"" + text + "\"");
  if (v < min || v > max)
    return bad("must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got "
               + text);
  return v;
}

template <class Field>
key_spec unsigned_key(std::string key, std::string def, uint64_t min, uint64_t max,
                      std::string doc, Field field) {
  key_spec s;
  s.type = kind::unsigned_integer;
  s.pub.key = std::move(key);
  s.pub.default_value = std::move(def);
  s.pub.doc = std::move(doc) + " (" + std::to_string(min) + "–" + std::to_string(max) + ")";
  s.pub.set = [min, max, field](config& cfg, const std::string& text) -> caf::error {
    auto v = parse_unsigned(text, min, max);
    if (!v)
      return v.error();
    field(cfg) = static_cast<std::decay_t<decltype(field(cfg))>>(*v);
    return caf::none;
  };
  return s;
}

template <class Field>
key_spec text_key(std::string key, std::string def, std::string doc, Field field,
                  std::vector<std::string> allowed = {}) {
  key_spec s;
  s.type = kind::text;
  s.pub.key = std::move(key);
  s.pub.default_value = "\"" + def + "\"";
  if (!allowed.empty()) {
    doc += " One of:";
    for (auto& a : allowed)
      doc += " `" + a + "`";
    doc += ".";
  }
  s.pub.doc = std::move(doc);
  s.pub.set = [field, allowed](config& cfg, const std::string& text) -> caf::error {
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
      std::string msg = "\"" + text + "\" is not one of";
      for (auto& a : allowed)
        msg += " " + a;
      return bad(msg);
    }
    field(cfg) = text;
    return caf::none;
  };
  return s;
}

// host:port with an IPv4 literal or "localhost" host; the port may be 0 (ephemeral).
caf::error set_listen(config& cfg, const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return bad("expected HOST:PORT, got \"" + text + "\"");
  auto port = parse_unsigned(text.substr(colon + 1), 0, 65535);
  if (!port)
    return bad("port: " + describe(port.error()));
  cfg.http.host = text.substr(0, colon);
  cfg.http.port = static_cast<uint16_t>(*port);
  return caf::none;
}

// A list of strings: a TOML array, or comma-separated text from env/flags.
template <class Field>
key_spec list_key(std::string key, std::string doc, Field field) {
  key_spec s;
  s.type = kind::text_list;
  s.pub.key = std::move(key);
  s.pub.default_value = "[]";
  s.pub.doc = std::move(doc) + " (TOML array; comma-separated in the environment)";
  s.pub.set = [field](config& cfg, const std::string& text) -> caf::error {
    std::vector<std::string> items;
    std::string item;
    std::istringstream in(text);
    while (std::getline(in, item, ','))
      if (!item.empty())
        items.push_back(item);
    field(cfg) = std::move(items);
    return caf::none;
  };
  return s;
}

caf::error set_url(std::string& out, const std::string& text) {
  if (text.rfind("http://", 0) != 0 && text.rfind("https://", 0) != 0)
    return bad("expected an http:// or https:// URL, got \"" + text + "\"");
  out = text;
  return caf::none;
}

void add_staking_keys(std::vector<key_spec>& v) {
  v.push_back(text_key("staking.deposit_key_file", "",
                       "File (mode 0600) with the deposit account's secret URI (mnemonic or 0x seed, "
                       "optional //hard derivation). It must be the key of kusama.deposit_address. "
                       "Empty: the daemon signs nothing on Kusama (no bonding, nominating or reward "
                       "collection).",
                       [](config& c) -> std::string& { return c.staking.deposit_key_file; }));
  v.push_back(text_key("staking.key_scheme", "sr25519",
                       "Signature scheme of every staking key file.",
                       [](config& c) -> std::string& { return c.staking.key_scheme; },
                       {"sr25519", "ed25519"}));
  v.push_back(list_key("staking.stashes",
                       "The pool's stash accounts (SS58): free KSM of the deposit account is "
                       "spread over them and bonded with payee Staked. Their staking events are "
                       "recorded like kusama.pool_accounts'",
                       [](config& c) -> std::vector<std::string>& { return c.staking.stashes; }));
  v.push_back(list_key("staking.stash_key_files",
                       "One key file (mode 0600) per entry of staking.stashes, in the same order: "
                       "the stash's own secret URI, or for a stash in staking.proxied_stashes the "
                       "secret URI of its Staking proxy",
                       [](config& c) -> std::vector<std::string>& { return c.staking.stash_key_files; }));
  v.push_back(list_key("staking.proxied_stashes",
                       "Stashes (SS58, also listed in staking.stashes) driven through a Staking "
                       "proxy: every staking call is sent as proxy.proxy(stash, Staking, call), and "
                       "the deposit account funds them by transfer",
                       [](config& c) -> std::vector<std::string>& { return c.staking.proxied_stashes; }));
  v.push_back(list_key("staking.validators",
                       "Trusted validators (SS58), in order of preference; each stash nominates "
                       "the first of them that pass the filters, at most the runtime's MaxNominations",
                       [](config& c) -> std::vector<std::string>& { return c.staking.validators; }));
  v.push_back(text_key("staking.validators_file", "",
                       "A file with more trusted validators, one SS58 address per line (# comments "
                       "allowed), appended to staking.validators.",
                       [](config& c) -> std::string& { return c.staking.validators_file; }));
  v.push_back(text_key("staking.max_commission_percent", "10",
                       "Validators with a higher commission are skipped (decimal percent, up to 7 "
                       "decimals).",
                       [](config& c) -> std::string& { return c.staking.max_commission_percent; }));
  v.push_back(unsigned_key("staking.slash_lookback_eras", "28", 0, 10000,
                           "Validators slashed in any of the last N eras are skipped.",
                           [](config& c) -> uint64_t& { return c.staking.slash_lookback_eras; }));
  v.push_back(unsigned_key("staking.nomination_interval_seconds", "86400", 0, 315360000,
                           "Chain time (block timestamps) between two nomination changes of a "
                           "stash; a change is also made only when the chosen set differs.",
                           [](config& c) -> uint64_t& { return c.staking.nomination_interval_seconds; }));
  v.push_back(text_key("staking.deposit_buffer", "0",
                       "KSM kept free on the deposit account beyond the existential deposit and "
                       "fee reserve, so unstakes are paid at once instead of after an unbond "
                       "(docs/payouts.md).",
                       [](config& c) -> std::string& { return c.staking.deposit_buffer; }));
  v.push_back(text_key("staking.fee_reserve", "0.1",
                       "KSM kept free on every pool account for transaction fees.",
                       [](config& c) -> std::string& { return c.staking.fee_reserve; }));
  v.push_back(text_key("staking.min_step", "1",
                       "Smallest amount (KSM) worth a transfer or a bond; less waits for more.",
                       [](config& c) -> std::string& { return c.staking.min_step; }));
  v.push_back(unsigned_key("staking.payouts_per_batch", "8", 1, 64,
                           "payout_stakers calls per utility.batch_all.",
                           [](config& c) -> uint64_t& { return c.staking.payouts_per_batch; }));
  v.push_back(unsigned_key("staking.mortality_blocks", "64", 4, 4096,
                           "Mortal era of every extrinsic the daemon signs, in blocks (rounded up "
                           "to a power of two; at most Kusama's BlockHashCount, 4096, beyond which "
                           "the birth block's hash is gone and the extrinsic invalid before its "
                           "era ends): an unused nonce is re-signed after it.",
                           [](config& c) -> uint64_t& { return c.staking.mortality_blocks; }));
  v.push_back(unsigned_key("staking.poll_interval_ms", "6000", 50, 3600000,
                           "How often the submitter and the bond manager look at the chain.",
                           [](config& c) -> uint64_t& { return c.staking.poll_interval_ms; }));
}

std::vector<key_spec> make_specs() {
  std::vector<key_spec> v;
  v.push_back(text_key("data_dir", "./lstaked-data",
                       "Directory for the SQLite database and generated secrets; created if missing "
                       "(mode 0700).",
                       [](config& c) -> std::string& { return c.data_dir; }));
  v.push_back(text_key("log.level", "info", "Minimum log level.",
                       [](config& c) -> std::string& { return c.log.level; },
                       {"trace", "debug", "info", "warn", "error"}));
  v.push_back(text_key("log.format", "text", "Log line format on stderr.",
                       [](config& c) -> std::string& { return c.log.format; }, {"text", "json"}));
  {
    key_spec s;
    s.type = kind::text;
    s.pub.key = "http.listen";
    s.pub.default_value = "\"127.0.0.1:8645\"";
    s.pub.doc = "Address of the user API and /metrics, as HOST:PORT (port 0 "
                "picks a free port; the actual address is logged). Keep it on loopback unless a "
                "reverse proxy with TLS fronts it.";
    s.pub.set = set_listen;
    v.push_back(std::move(s));
  }
  v.push_back(unsigned_key("http.threads", "8", 1, 1024,
                           "HTTP worker threads: the number of keep-alive connections served at once.",
                           [](config& c) -> uint32_t& { return c.http.threads; }));
  v.push_back(unsigned_key("http.max_body_bytes", "65536", 256, 16 * 1024 * 1024,
                           "Largest request body accepted; larger ones get 413.",
                           [](config& c) -> uint64_t& { return c.http.max_body_bytes; }));
  v.push_back(unsigned_key("http.read_timeout_ms", "5000", 100, 600000,
                           "Time allowed to read a whole request (request line, headers and body) "
                           "from its first byte (a new connection: from accept), however slowly it "
                           "trickles; past it the connection is closed (docs/http.md).",
                           [](config& c) -> uint32_t& { return c.http.read_timeout_ms; }));
  v.push_back(unsigned_key("http.write_timeout_ms", "5000", 100, 600000,
                           "Time allowed to write a response.",
                           [](config& c) -> uint32_t& { return c.http.write_timeout_ms; }));
  v.push_back(unsigned_key("http.keep_alive_idle_ms", "5000", 100, 600000,
                           "An idle keep-alive connection is closed after this; while half of "
                           "http.max_connections are open, after at most 1 s (docs/http.md).",
                           [](config& c) -> uint32_t& { return c.http.keep_alive_idle_ms; }));
  v.push_back(unsigned_key("http.max_connections", "512", 8, 60000,
                           "Open connections to the user API at once; a connection beyond it is "
                           "answered 503 (Retry-After) and closed at accept, without a worker. "
                           "Keep it below the process's open-file limit.",
                           [](config& c) -> uint32_t& { return c.http.max_connections; }));
  v.push_back(unsigned_key("http.max_connections_per_client", "16", 1, 60000,
                           "Open connections per client address (a peer in http.trusted_proxies is "
                           "exempt); one beyond it is answered 503 (Retry-After) and closed.",
                           [](config& c) -> uint32_t& { return c.http.max_connections_per_client; }));
  v.push_back(unsigned_key("http.max_header_bytes", "16384", 1024, 1048576,
                           "Largest request line plus headers; larger ones get 431.",
                           [](config& c) -> uint64_t& { return c.http.max_header_bytes; }));
  v.push_back(list_key("http.trusted_proxies",
                       "Peer IP addresses (the reverse proxy) whose X-Forwarded-For header (its "
                       "rightmost entry) names the client for rate limits; from any other peer "
                       "the header is ignored",
                       [](config& c) -> std::vector<std::string>& { return c.http.trusted_proxies; }));
  v.push_back(unsigned_key("http.claims_per_minute", "30", 1, 1000000,
                           "POST /v1/claims per client address: sustained rate; beyond it 429 "
                           "rate_limited with Retry-After. An answer 4xx or 503 gives its token "
                           "back (docs/http.md).",
                           [](config& c) -> uint32_t& { return c.http.claims_per_minute; }));
  v.push_back(unsigned_key("http.claims_burst", "10", 1, 1000000,
                           "POST /v1/claims per client address: requests allowed at once before "
                           "http.claims_per_minute applies.",
                           [](config& c) -> uint32_t& { return c.http.claims_burst; }));
  v.push_back(unsigned_key("http.deposits_per_minute", "120", 1, 1000000,
                           "POST /v1/deposits per client address: sustained rate; beyond it 429 "
                           "rate_limited with Retry-After. An answer 4xx or 503 gives its token "
                           "back (docs/http.md).",
                           [](config& c) -> uint32_t& { return c.http.deposits_per_minute; }));
  v.push_back(unsigned_key("http.deposits_burst", "60", 1, 1000000,
                           "POST /v1/deposits per client address: requests allowed at once before "
                           "http.deposits_per_minute applies.",
                           [](config& c) -> uint32_t& { return c.http.deposits_burst; }));
  v.push_back(text_key("admin.token_file", "",
                       "File holding the admin console's bearer token; must be mode 0600 (startup "
                       "fails otherwise). Empty: `<data_dir>/admin.token`, generated on first start.",
                       [](config& c) -> std::string& { return c.admin.token_file; }));
  {
    key_spec s;
    s.type = kind::text;
    s.pub.key = "admin.listen";
    s.pub.default_value = "\"127.0.0.1:8646\"";
    s.pub.doc = "Address of the admin listener (/admin/v1/..., bearer token of admin.token_file), "
                "as HOST:PORT, with its own workers so it stays reachable while the user API is "
                "under load. Keep it on loopback. When it is not set and http.listen's port is 0, "
                "it is 127.0.0.1:0 too (a free port, logged), so test daemons never collide.";
    s.pub.set = [](config& cfg, const std::string& text) -> caf::error {
      auto colon = text.rfind(':');
      if (colon == std::string::npos || colon == 0)
        return bad("expected HOST:PORT, got \"" + text + "\"");
      auto port = parse_unsigned(text.substr(colon + 1), 0, 65535);
      if (!port)
        return bad("port: " + describe(port.error()));
      cfg.admin.host = text.substr(0, colon);
      cfg.admin.port = static_cast<uint16_t>(*port);
      cfg.admin.listen_set = true;
      return caf::none;
    };
    v.push_back(std::move(s));
  }
  v.push_back(unsigned_key("admin.threads", "2", 1, 64,
                           "Worker threads of the admin listener.",
                           [](config& c) -> uint32_t& { return c.admin.threads; }));
  v.push_back(unsigned_key("admin.wrong_token_burst", "10", 1, 1000000,
                           "Wrong admin tokens (console login or bearer) one client address may present "
                           "before its logins and bearer requests are refused 429 too_many_wrong_tokens "
                           "without the token being checked; all addresses together get 5 times as many "
                           "(docs/console.md).",
                           [](config& c) -> uint32_t& { return c.admin.wrong_token_burst; }));
  v.push_back(unsigned_key("admin.wrong_tokens_per_minute", "6", 1, 1000000,
                           "Wrong admin tokens a client address gets back per minute after "
                           "admin.wrong_token_burst is spent (all addresses together: 5 times as many).",
                           [](config& c) -> uint32_t& { return c.admin.wrong_tokens_per_minute; }));
  v.push_back(text_key("admin.fee_withdrawal_account", "",
                       "Kusama account (SS58 with kusama.ss58_prefix) that the admin console's "
                       "\"withdraw fees\" action pays the fee ledger to. Empty: the action is "
                       "refused (docs/console.md).",
                       [](config& c) -> std::string& { return c.admin.fee_withdrawal_account; }));
  {
    key_spec s;
    s.type = kind::text;
    s.pub.key = "kusama.rpc_url";
    s.pub.default_value = "\"http://127.0.0.1:9944\"";
    s.pub.doc = "Substrate JSON-RPC endpoint (HTTP) of the Kusama relay chain or Kusama Asset Hub.";
    s.pub.set = [](config& c, const std::string& t) { return set_url(c.kusama.rpc_url, t); };
    v.push_back(std::move(s));
  }
  v.push_back(unsigned_key("kusama.ss58_prefix", "2", 0, 16383,
                           "SS58 address prefix of the network (2 = Kusama).",
                           [](config& c) -> uint16_t& { return c.kusama.ss58_prefix; }));
  v.push_back(text_key("kusama.deposit_address", "",
                       "The pool's deposit address (SS58 with kusama.ss58_prefix): every "
                       "Balances.Transfer to it in a finalized block is a deposit. Empty: the Kusama "
                       "watcher does not run and deposits are disabled.",
                       [](config& c) -> std::string& { return c.kusama.deposit_address; }));
  v.push_back(text_key("kusama.minimum_deposit", "1",
                       "Smallest deposit credited, in KSM (decimal, up to 12 decimals). Smaller "
                       "ones are recorded as BELOW_MINIMUM for a refund, never absorbed.",
                       [](config& c) -> std::string& { return c.kusama.minimum_deposit; }));
  v.push_back(unsigned_key("kusama.start_block", "0", 0, UINT64_MAX / 2,
                           "First Kusama block the watcher reads when it has no cursor yet (set it "
                           "to the block the deposit address was published at). 0: the finalized "
                           "head at the first start.",
                           [](config& c) -> uint64_t& { return c.kusama.start_block; }));
  v.push_back(list_key("kusama.pool_accounts",
                       "The pool's stash accounts (SS58) whose staking events (Bonded, Unbonded, "
                       "Withdrawn, Rewarded, Slashed) are recorded; the deposit address always is.",
                       [](config& c) -> std::vector<std::string>& { return c.kusama.pool_accounts; }));
  v.push_back(unsigned_key("kusama.poll_interval_ms", "3000", 50, 600000,
                           "How often the Kusama watcher looks for a new finalized block once "
                           "caught up.",
                           [](config& c) -> uint64_t& { return c.kusama.poll_interval_ms; }));
  v.push_back(unsigned_key("kusama.max_blocks_per_step", "64", 1, 10000,
                           "Kusama blocks read and committed per storage transaction during "
                           "catch-up.",
                           [](config& c) -> uint64_t& { return c.kusama.max_blocks_per_step; }));
  {
    key_spec s;
    s.type = kind::text;
    s.pub.key = "ethereum.rpc_url";
    s.pub.default_value = "\"http://127.0.0.1:8545\"";
    s.pub.doc = "Ethereum JSON-RPC endpoint (HTTP).";
    s.pub.set = [](config& c, const std::string& t) {
      return set_url(c.ethereum.rpc_url, t);
    };
    v.push_back(std::move(s));
  }
  v.push_back(unsigned_key("ethereum.chain_id", "31337", 1, UINT32_MAX,
                           "EIP-155 chain id the daemon expects the Ethereum node to report.",
                           [](config& c) -> uint64_t& { return c.ethereum.chain_id; }));
  v.push_back(text_key("ethereum.pool_address", "",
                       "Address of the PolkadotPool contract (the EIP-712 verifyingContract of "
                       "claims). Empty: claims are disabled.",
                       [](config& c) -> std::string& { return c.ethereum.pool_address; }));
  v.push_back(text_key("ethereum.token_address", "", "Address of the aKSMb bond token.",
                       [](config& c) -> std::string& { return c.ethereum.token_address; }));
  v.push_back(unsigned_key("ethereum.start_block", "0", 0, UINT64_MAX / 2,
                           "First block the Ethereum watcher reads when it has no cursor yet: the "
                           "pool's deploy block (tools/deploy-contracts prints it).",
                           [](config& c) -> uint64_t& { return c.ethereum.start_block; }));
  v.push_back(text_key("ethereum.finality", "finalized",
                       "Which blocks count as final: the node's `finalized` or `safe` tag, or "
                       "`confirmations` (latest minus ethereum.confirmations) for chains without "
                       "the tags.",
                       [](config& c) -> std::string& { return c.ethereum.finality; },
                       {"finalized", "safe", "confirmations"}));
  v.push_back(unsigned_key("ethereum.confirmations", "12", 1, 100000,
                           "Blocks behind the head that count as final when ethereum.finality = "
                           "\"confirmations\".",
                           [](config& c) -> uint64_t& { return c.ethereum.confirmations; }));
  v.push_back(unsigned_key("ethereum.poll_interval_ms", "4000", 50, 600000,
                           "How often the Ethereum watcher looks for a new final block once caught up.",
                           [](config& c) -> uint64_t& { return c.ethereum.poll_interval_ms; }));
  v.push_back(text_key("ethereum.operator_key_file", "",
                       "File with the operator's secp256k1 secret key (64 hex digits), mode 0600: "
                       "the only account the daemon sends Ethereum transactions from (the outbox, "
                       "docs/operator.md). Empty: no Ethereum transaction is sent.",
                       [](config& c) -> std::string& { return c.ethereum.operator_key_file; }));
  v.push_back(unsigned_key("ethereum.max_fee_per_gas_gwei", "500", 1, 1000000,
                           "Cap of an Ethereum transaction's maxFeePerGas, in gwei. When the chain "
                           "needs more (next base fee plus priority fee), nothing is sent and "
                           "status and health say so.",
                           [](config& c) -> uint64_t& { return c.ethereum.max_fee_per_gas_gwei; }));
  v.push_back(unsigned_key("ethereum.tx_stuck_seconds", "60", 1, 86400,
                           "An Ethereum transaction not mined this long after it was sent is "
                           "replaced by one with the same nonce and fees raised by 12.5%.",
                           [](config& c) -> uint64_t& { return c.ethereum.tx_stuck_seconds; }));
  v.push_back(text_key("claims.notary_key_file", "",
                       "File with the notary's secp256k1 secret key (64 hex digits), mode 0600. "
                       "Empty: no notary on this node, claims are disabled.",
                       [](config& c) -> std::string& { return c.claims.notary_key_file; }));
  v.push_back(list_key("claims.notary_key_files",
                       "More notary key files (each 64 hex digits, mode 0600) held by this daemon: "
                       "a claim is signed by the pool's threshold of them, in ascending address "
                       "order. Claims are signed only while the notaries NOT held here are fewer "
                       "than the pool's threshold (unsafe_notary_set otherwise, see "
                       "docs/contracts.md).",
                       [](config& c) -> std::vector<std::string>& {
                         return c.claims.notary_key_files;
                       }));
  v.push_back(unsigned_key("claims.validity_blocks", "7200", 10, 10000000,
                           "A claim is valid until the latest Ethereum block at signing plus this "
                           "many blocks (claimBeforeBlock).",
                           [](config& c) -> uint64_t& { return c.claims.validity_blocks; }));
  v.push_back(unsigned_key("claims.max_request_ttl_seconds", "3600", 60, 4000000000ull,
                           "How far in the future a claim request's expiresAt may lie; older "
                           "requests are refused as expired.",
                           [](config& c) -> uint64_t& { return c.claims.max_request_ttl_seconds; }));
  v.push_back(unsigned_key("claims.notary_set_max_age_seconds", "120", 10, 86400,
                           "Claims are signed only while the pool's notary set, re-read at the "
                           "final Ethereum block every ethereum.poll_interval_ms, was last read "
                           "safe at most this long ago.",
                           [](config& c) -> uint64_t& {
                             return c.claims.notary_set_max_age_seconds;
                           }));
  v.push_back(unsigned_key("supervisor.restart_backoff_ms", "500", 10, 600000,
                           "First delay before a failed actor is restarted; doubles per failure.",
                           [](config& c) -> uint32_t& { return c.supervisor.restart_backoff_ms; }));
  add_staking_keys(v);
  v.push_back(unsigned_key("ratio.fee_bps", "200", 0, 10000,
                           "The operator's fee, in basis points of each positive reward (200 = 2%); "
                           "never of principal, never of a loss (docs/ratio.md).",
                           [](config& c) -> uint64_t& { return c.ratio.fee_bps; }));
  v.push_back(unsigned_key("ratio.interval_seconds", "86400", 60, 31536000,
                           "Time between two ratio calculations (daily by default, weekly = 604800); "
                           "an update is never sent before aKSMb's minRatioInterval allows it.",
                           [](config& c) -> uint64_t& { return c.ratio.interval_seconds; }));
  v.push_back(unsigned_key("ratio.gas_limit", "200000", 21000, 30000000,
                           "Gas limit of the aKSMb.updateRatio transaction.",
                           [](config& c) -> uint64_t& { return c.ratio.gas_limit; }));
  v.push_back(unsigned_key("ratio.poll_interval_ms", "60000", 50, 3600000,
                           "How often the ratio calculator checks whether a calculation is due.",
                           [](config& c) -> uint64_t& { return c.ratio.poll_interval_ms; }));
  v.push_back(unsigned_key("payouts.max_batch_items", "500", 1, 10000,
                           "Most payouts one utility.force_batch carries; the runtime's weights "
                           "(System.BlockWeights, TransactionPaymentApi) may allow fewer (docs/payouts.md).",
                           [](config& c) -> uint64_t& { return c.payouts.max_batch_items; }));
  v.push_back(unsigned_key("payouts.weight_safety_percent", "75", 1, 100,
                           "Share of the block's max extrinsic weight one payout batch may use.",
                           [](config& c) -> uint64_t& { return c.payouts.weight_safety_percent; }));
  v.push_back(unsigned_key("payouts.poll_interval_ms", "6000", 50, 3600000,
                           "How often the payout queue settles, funds and pays (runs when "
                           "staking.deposit_key_file is set; the deposit account pays).",
                           [](config& c) -> uint64_t& { return c.payouts.poll_interval_ms; }));
  v.push_back(unsigned_key("supervisor.max_restart_backoff_ms", "30000", 10, 3600000,
                           "Ceiling of the restart delay.", [](config& c) -> uint32_t& {
                             return c.supervisor.max_restart_backoff_ms;
                           }));
  for (auto& s : v) {
    s.pub.env = "LSTAKED_";
    for (char ch : s.pub.key)
      s.pub.env += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  return v;
}

const std::vector<key_spec>& specs() {
  static const std::vector<key_spec> all = make_specs();
  return all;
}

const key_spec* find_spec(const std::string& key) {
  for (auto& s : specs())
    if (s.pub.key == key)
      return &s;
  return nullptr;
}

// Walks a TOML table, applying known leaf keys and reporting unknown ones.
void apply_table(const toml::table& table, const std::string& prefix, config& cfg,
                 std::vector<config_problem>& problems) {
  for (auto&& [k, node] : table) {
    std::string key = prefix.empty() ? std::string{k.str()} : prefix + "." + std::string{k.str()};
    if (auto sub = node.as_table()) {
      apply_table(*sub, key, cfg, problems);
      continue;
    }
    auto spec = find_spec(key);
    if (!spec) {
      problems.push_back({key, "unknown key"});
      continue;
    }
    std::string text;
    if (spec->type == kind::text_list) {
      auto arr = node.as_array();
      bool ok = arr != nullptr;
      if (arr)
        for (auto&& item : *arr) {
          auto v = item.value<std::string>();
          if (!item.is_string() || !v || v->empty() || v->find(',') != std::string::npos) {
            ok = false;
            break;
          }
          text += (text.empty() ? "" : ",") + *v;
        }
      if (!ok) {
        problems.push_back({key, "expected an array of non-empty strings"});
        continue;
      }
    } else if (spec->type == kind::text) {
      auto s = node.value<std::string>();
      if (!node.is_string() || !s) {
        problems.push_back({key, "expected a string"});
        continue;
      }
      text = *s;
    } else {
      auto i = node.as_integer();
      if (!i) {
        problems.push_back({key, "expected an integer"});
        continue;
      }
      if (i->get() < 0) {
        problems.push_back({key, "must not be negative"});
        continue;
      }
      text = std::to_string(i->get());
    }
    if (auto err = spec->pub.set(cfg, text))
      problems.push_back({key, describe(err)});
  }
}

void validate(const config& cfg, std::vector<config_problem>& problems) {
  if (cfg.data_dir.empty())
    problems.push_back({"data_dir", "must not be empty"});
  bool any_claims = !cfg.claims.notary_key_file.empty() || !cfg.claims.notary_key_files.empty()
                    || !cfg.ethereum.pool_address.empty() || !cfg.ethereum.token_address.empty();
  if (any_claims) {
    if (cfg.claims.notary_key_file.empty())
      problems.push_back({"claims.notary_key_file", "required when the pool is configured"});
    if (cfg.ethereum.pool_address.empty())
      problems.push_back({"ethereum.pool_address", "required when claims are configured"});
    if (cfg.ethereum.token_address.empty())
      problems.push_back({"ethereum.token_address", "required when claims are configured"});
  }
  auto check_ss58 = [&](const std::string& key, const std::string& address) {
    auto id = chain::sig::ss58_decode_account(address, cfg.kusama.ss58_prefix);
    if (!id)
      problems.push_back({key, "\"" + address + "\": " + describe(id.error())});
  };
  if (!cfg.kusama.deposit_address.empty())
    check_ss58("kusama.deposit_address", cfg.kusama.deposit_address);
  if (!cfg.admin.fee_withdrawal_account.empty())
    check_ss58("admin.fee_withdrawal_account", cfg.admin.fee_withdrawal_account);
  for (auto& a : cfg.kusama.pool_accounts)
    check_ss58("kusama.pool_accounts", a);
  auto minimum = chain::eth::parse_amount(cfg.kusama.minimum_deposit, chain::eth::ksm_decimals);
  if (!minimum)
    problems.push_back({"kusama.minimum_deposit", describe(minimum.error())});
  else if (minimum->is_zero())
    problems.push_back({"kusama.minimum_deposit", "must be positive"});
  auto& st = cfg.staking;
  for (auto& a : st.stashes)
    check_ss58("staking.stashes", a);
  for (auto& a : st.proxied_stashes) {
    check_ss58("staking.proxied_stashes", a);
    if (std::find(st.stashes.begin(), st.stashes.end(), a) == st.stashes.end())
      problems.push_back({"staking.proxied_stashes", "\"" + a + "\" is not in staking.stashes"});
  }
  for (auto& a : st.validators)
    check_ss58("staking.validators", a);
  if (st.stash_key_files.size() != st.stashes.size())
    problems.push_back({"staking.stash_key_files",
                        "needs one key file per entry of staking.stashes ("
                          + std::to_string(st.stashes.size()) + "), got "
                          + std::to_string(st.stash_key_files.size())});
  if (!st.deposit_key_file.empty()) {
    if (cfg.kusama.deposit_address.empty())
      problems.push_back({"staking.deposit_key_file", "needs kusama.deposit_address"});
    if (st.stashes.empty())
      problems.push_back({"staking.stashes", "at least one stash is needed to bond"});
  }
  for (auto* key : {"staking.deposit_buffer", "staking.fee_reserve", "staking.min_step"}) {
    auto& text = std::string(key) == "staking.deposit_buffer" ? st.deposit_buffer
                 : std::string(key) == "staking.fee_reserve"  ? st.fee_reserve
                                                               : st.min_step;
    if (auto a = chain::eth::parse_amount(text, chain::eth::ksm_decimals); !a)
      problems.push_back({key, describe(a.error())});
  }
  if (auto p = chain::eth::parse_amount(st.max_commission_percent, 7); !p)
    problems.push_back({"staking.max_commission_percent", describe(p.error())});
  else if (*p > chain::eth::u256{1'000'000'000})
    problems.push_back({"staking.max_commission_percent", "must be at most 100"});
  if (cfg.supervisor.max_restart_backoff_ms < cfg.supervisor.restart_backoff_ms)
    problems.push_back({"supervisor.max_restart_backoff_ms",
                        "must be at least supervisor.restart_backoff_ms"});
}

} // namespace

const std::vector<config_key>& config_keys() {
  static const std::vector<config_key> keys = [] {
    std::vector<config_key> out;
    for (auto& s : specs())
      out.push_back(s.pub);
    return out;
  }();
  return keys;
}

config_result load_config(const std::optional<std::string>& file,
                          const std::function<const char*(const char*)>& env,
                          const std::map<std::string, std::string>& overrides) {
  config_result result;
  if (file) {
    try {
      auto table = toml::parse_file(*file);
      apply_table(table, "", result.value, result.problems);
    } catch (const toml::parse_error& e) {
      std::ostringstream where;
      where << *file << ":" << e.source().begin.line << ":" << e.source().begin.column;
      result.problems.push_back({where.str(), std::string{e.description()}});
      return result;
    }
  }
  for (auto& s : specs()) {
    if (const char* v = env(s.pub.env.c_str()))
      if (auto err = s.pub.set(result.value, v))
        result.problems.push_back({s.pub.key + " (from " + s.pub.env + ")", describe(err)});
  }
  for (auto& [key, text] : overrides) {
    auto spec = find_spec(key);
    if (!spec) {
      result.problems.push_back({key, "unknown key"});
      continue;
    }
    if (auto err = spec->pub.set(result.value, text))
      result.problems.push_back({key, describe(err)});
  }
  validate(result.value, result.problems);
  return result;
}

std::string config_reference_markdown() {
  std::ostringstream out;
  out << "| key | default | environment | meaning |\n|---|---|---|---|\n";
  for (auto& k : config_keys())
    out << "| `" << k.key << "` | `" << k.default_value << "` | `" << k.env << "` | " << k.doc
        << " |\n";
  return out.str();
}

} // namespace lstaked

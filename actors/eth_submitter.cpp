#include "actors/eth_submitter.hpp"

#include "actors/metrics.hpp"
#include "chain/common/secp256k1.hpp"
#include "chain/ethereum/keccak.hpp"
#include "chain/ethereum/signature.hpp"
#include "chain/ethereum/transaction.hpp"
#include "config/secret_file.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <functional>
#include <set>

namespace lstaked {

namespace eth = chain::eth;
using eth::u256;
using nlohmann::json;

// --- calls, keys, fees -------------------------------------------------------

json eth_outbox_call::to_json() const {
  return {{"to", chain::to_hex(to)},
          {"data", chain::to_hex(data)},
          {"value", value.to_dec()},
          {"gas_limit", std::to_string(gas_limit)}};
}

caf::expected<eth_outbox_call> eth_outbox_call::parse(const json& j) {
  auto bad = [](const std::string& why) { return make_error(ec::invalid_input, "outbox call: " + why); };
  if (!j.is_object())
    return bad("not a JSON object");
  eth_outbox_call c;
  if (!j.contains("to") || !j["to"].is_string())
    return bad("\"to\" is missing");
  auto to = eth::parse_address(j["to"].get<std::string>());
  if (!to)
    return bad("\"to\": " + describe(to.error()));
  c.to = *to;
  if (!j.contains("data") || !j["data"].is_string() || j["data"].get<std::string>().rfind("0x", 0) != 0)
    return bad("\"data\" must be 0x hex");
  auto data = chain::from_hex(j["data"].get<std::string>());
  if (!data)
    return bad("\"data\" is not hex");
  c.data = std::move(*data);
  if (j.contains("value")) {
    if (!j["value"].is_string())
      return bad("\"value\" must be a decimal string (wei)");
    auto v = u256::from_dec(j["value"].get<std::string>());
    if (!v)
      return bad("\"value\": " + describe(v.error()));
    c.value = *v;
  }
  if (!j.contains("gas_limit") || !j["gas_limit"].is_string())
    return bad("\"gas_limit\" must be a decimal string (the caller sets it)");
  auto gas = u256::from_dec(j["gas_limit"].get<std::string>());
  if (!gas || !gas->fits_u64() || gas->is_zero() || gas->low_u64() > 30'000'000)
    return bad("\"gas_limit\" must be in [1, 30000000]");
  c.gas_limit = gas->low_u64();
  return c;
}

caf::expected<eth::address> load_eth_operator_key(const std::string& key_file,
                                                  chain::secret_key32& out) {
  auto text = read_secret_file(key_file);
  if (!text) // keeps the ec (insecure_permissions for a file others may read)
    return make_error(code_of(text.error()),
                      "ethereum.operator_key_file: " + message_of(text.error()));
  std::string_view hex = *text;
  auto raw = chain::from_hex(hex);
  if (!raw || raw->size() != 32)
    return make_error(ec::invalid_config,
                      "ethereum.operator_key_file: " + key_file + " must hold 32 bytes of hex");
  std::copy(raw->begin(), raw->end(), out.data());
  sodium_memzero(raw->data(), raw->size());
  if (auto err = chain::secp256k1::instance().self_check())
    return err;
  auto signer = eth::address_of(out);
  if (!signer)
    return make_error(ec::invalid_config,
                      "ethereum.operator_key_file: " + key_file + " is not a valid secp256k1 key");
  // Sign and recover once with the real key: a broken key fails at start, not on a payment.
  auto probe = eth::keccak256(std::string_view{"lstaked eth submitter self-check"});
  auto sig = eth::sign_digest(probe, out);
  if (!sig)
    return sig.error();
  auto back = eth::recover_address(probe, *sig);
  if (!back || *back != *signer)
    return make_error(ec::crypto_error, "ethereum operator key self-check failed");
  return *signer;
}

namespace {

// ceil(x * 9 / 8), and at least x + 1: +12.5% where geth asks for +10%.
caf::expected<u256> raised(const u256& x) {
  auto nine = eth::checked_mul(x, u256{9});
  if (!nine)
    return nine.error();
  auto up = eth::checked_add(*nine, u256{7});
  if (!up)
    return up.error();
  auto r = eth::checked_div(*up, u256{8});
  if (!r)
    return r.error();
  auto plus_one = eth::checked_add(x, u256{1});
  if (!plus_one)
    return plus_one.error();
  return std::max(*r, *plus_one);
}

std::string gwei_text(const u256& wei) {
  u256 q, r;
  u256::divmod(wei, u256{1'000'000'000ull}, q, r);
  if (r.is_zero())
    return q.to_dec() + " gwei";
  return wei.to_dec() + " wei";
}

} // namespace

caf::expected<eth_fees> bumped_fees(const eth_fees& previous, const eth_fees& market,
                                    const u256& cap) {
  auto max_fee = raised(previous.max_fee_per_gas);
  auto tip = raised(previous.max_priority_fee_per_gas);
  if (!max_fee)
    return max_fee.error();
  if (!tip)
    return tip.error();
  if (*max_fee > cap)
    return make_error(ec::invalid_state, "a replacement needs maxFeePerGas " + gwei_text(*max_fee)
                                           + ", above the cap of " + gwei_text(cap)
                                           + " (ethereum.max_fee_per_gas_gwei)");
  eth_fees out;
  // The market may have moved further than 12.5%: follow it, up to the cap.
  out.max_fee_per_gas = std::min(std::max(*max_fee, market.max_fee_per_gas), cap);
  out.max_priority_fee_per_gas =
    std::min(std::max(*tip, market.max_priority_fee_per_gas), out.max_fee_per_gas);
  if (out.max_priority_fee_per_gas < *tip)
    return make_error(ec::invalid_state, "a replacement needs a tip of " + gwei_text(*tip)
                                           + ", above its capped maxFeePerGas");
  return out;
}

caf::error validate(const eth_submitter_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  if (cfg.database.empty())
    return make_error(ec::invalid_config, "the Ethereum submitter needs the database path");
  if (!cfg.key)
    return make_error(ec::invalid_config, "the Ethereum submitter has no key to sign with");
  if (auto a = eth::parse_address(cfg.address); !a || chain::to_hex(*a) != cfg.address)
    return make_error(ec::invalid_config,
                      "the Ethereum submitter's address must be 0x + 40 lower-case hex");
  if (cfg.chain_id == 0)
    return make_error(ec::invalid_config, "ethereum.chain_id must be set");
  if (cfg.finality != "finalized" && cfg.finality != "safe" && cfg.finality != "confirmations")
    return make_error(ec::invalid_config, "ethereum.finality must be finalized, safe or confirmations");
  if (cfg.max_fee_per_gas.is_zero())
    return make_error(ec::invalid_config, "ethereum.max_fee_per_gas_gwei must be positive");
  if (cfg.fee_history_blocks == 0 || cfg.fee_history_blocks > 1024)
    return make_error(ec::invalid_config, "fee history must cover 1 to 1024 blocks");
  if (!(cfg.reward_percentile >= 0 && cfg.reward_percentile <= 100))
    return make_error(ec::invalid_config, "the reward percentile must be in [0, 100]");
  if (cfg.poll_interval.count() <= 0 || cfg.resubmit_interval.count() <= 0
      || cfg.stuck_after.count() <= 0)
    return make_error(ec::invalid_config, "Ethereum submitter intervals must be > 0");
  return caf::none;
}

namespace {

using self_ptr = eth_submitter_actor::stateful_pointer<eth_submitter_state>;
constexpr const char* chain_name = "ethereum";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

struct submitter_metrics {
  counter_metric& signed_total;
  counter_metric& submit_errors;
  counter_metric& replaced;
  counter_metric& fee_bumps;
  gauge_metric& stuck;
  gauge_metric& open;
};

submitter_metrics& metrics() {
  auto& r = metrics_registry::global();
  static submitter_metrics m{
    r.counter("lstaked_eth_outbox_signed_total", "Ethereum transactions signed (bumps included)"),
    r.counter("lstaked_eth_outbox_submit_errors_total",
              "eth_sendRawTransaction calls that failed (retried)"),
    r.counter("lstaked_eth_outbox_replaced_total",
              "Outbox nonces consumed on Ethereum by a transaction the daemon did not sign"),
    r.counter("lstaked_eth_outbox_fee_bumps_total",
              "Stuck Ethereum transactions replaced by the same nonce at a higher fee"),
    r.gauge("lstaked_eth_outbox_stuck", "Ethereum outbox rows sent but not mined for too long"),
    r.gauge("lstaked_eth_outbox_open", "Ethereum outbox rows not yet final"),
  };
  return m;
}

/// One row as this step sees it.
struct row_view {
  ledger::outbox_intent row;
  std::vector<ledger::outbox_attempt> live;  // its LIVE attempts, oldest first
  std::optional<rpc::eth_receipt> receipt;   // of whichever attempt the chain has
  std::string receipt_hash;
};

/// What one step sees of the chain and the database.
struct chain_view {
  uint64_t final_number = 0;
  std::string final_hash;
  uint64_t latest_number = 0;
  uint64_t nonce_at_final = 0;
  uint64_t nonce_latest = 0;
  std::vector<row_view> rows; // the operator's open rows, by nonce
  size_t other_accounts = 0;  // open 'ethereum' rows of other accounts (not ours to sign)
};

std::string hex(const chain::hash256& h) {
  return chain::to_hex(h);
}

caf::expected<chain_view> read_view(eth_submitter_state& st) {
  auto& c = *st.client;
  if (!st.chain_checked) {
    auto id = c.chain_id();
    if (!id)
      return id.error();
    if (*id != st.cfg.chain_id)
      return make_error(ec::invalid_config, "the Ethereum node reports chain id "
                                              + std::to_string(*id) + ", ethereum.chain_id is "
                                              + std::to_string(st.cfg.chain_id)
                                              + ": nothing is signed");
    st.chain_checked = true;
  }
  chain_view v;
  // F first, then the nonce AT F, then receipts: a transaction of ours that
  // used the nonce by F has its receipt by the time we ask for it.
  std::optional<rpc::eth_block_header> fin;
  if (st.cfg.finality == "confirmations") {
    auto latest = c.block_number();
    if (!latest)
      return latest.error();
    auto at = *latest >= st.cfg.confirmations ? *latest - st.cfg.confirmations : 0;
    auto b = c.block(at);
    if (!b)
      return b.error();
    fin = *b;
  } else {
    auto b = c.block(st.cfg.finality);
    if (!b)
      return b.error();
    fin = *b;
  }
  if (!fin)
    return make_error(ec::decode_error, "the node has no " + st.cfg.finality + " block");
  v.final_number = fin->number;
  v.final_hash = hex(fin->hash);
  auto who = eth::parse_address(st.cfg.address);
  auto at_final = c.transaction_count(*who, v.final_number);
  if (!at_final)
    return at_final.error();
  v.nonce_at_final = *at_final;
  auto latest = c.block_number();
  if (!latest)
    return latest.error();
  v.latest_number = *latest;
  auto at_latest = c.transaction_count(*who, std::string("latest"));
  if (!at_latest)
    return at_latest.error();
  v.nonce_latest = *at_latest;
  // One read transaction: the rows and their attempts as of the same commit.
  st.db->exec("BEGIN");
  try {
    for (auto& r : ledger::open_intents(*st.db, chain_name)) {
      if (r.account != st.cfg.address) {
        ++v.other_accounts;
        continue;
      }
      row_view rv;
      for (auto& a : ledger::attempts_of(*st.db, r.id))
        if (a.status == "LIVE")
          rv.live.push_back(std::move(a));
      rv.row = std::move(r);
      v.rows.push_back(std::move(rv));
    }
    st.db->exec("COMMIT");
  } catch (...) {
    st.db->exec("ROLLBACK");
    throw;
  }
  for (auto& rv : v.rows) {
    for (auto& a : rv.live) {
      auto h = chain::from_hex_fixed<32>(a.tx_hash);
      if (!h)
        return make_error(ec::decode_error, "outbox attempt hash " + a.tx_hash + " is not 32 bytes");
      auto rc = c.transaction_receipt(*h);
      if (!rc)
        return rc.error();
      if (*rc) {
        rv.receipt = std::move(**rc);
        rv.receipt_hash = a.tx_hash;
        break; // one nonce, one mined transaction
      }
    }
  }
  return v;
}

/// The market's fees now: tip = median of the last blocks' reward percentile
/// (at least min_priority_fee); need = next base fee + tip; maxFee = 2 x next
/// base fee + tip, capped.
struct fee_quote {
  u256 base_fee_next;
  u256 tip;
  u256 need;    // what the next block asks of a transaction with this tip
  eth_fees fees;
  bool capped = false;
  json to_json() const {
    return {{"base_fee_next", base_fee_next.to_dec()}, {"priority_fee", tip.to_dec()},
            {"needed_max_fee_per_gas", need.to_dec()},
            {"max_fee_per_gas", fees.max_fee_per_gas.to_dec()}, {"capped", capped}};
  }
};

caf::expected<fee_quote> quote_fees(eth_submitter_state& st) {
  auto h = st.client->fee_history(st.cfg.fee_history_blocks, std::string("latest"),
                                  {st.cfg.reward_percentile});
  if (!h)
    return h.error();
  if (h->base_fee_per_gas.empty())
    return make_error(ec::decode_error, "eth_feeHistory without base fees");
  fee_quote q;
  q.base_fee_next = h->base_fee_per_gas.back();
  std::vector<u256> rewards;
  for (auto& row : h->reward)
    if (!row.empty())
      rewards.push_back(row[0]);
  std::sort(rewards.begin(), rewards.end());
  q.tip = rewards.empty() ? u256{} : rewards[rewards.size() / 2];
  q.tip = std::max(q.tip, st.cfg.min_priority_fee);
  auto need = eth::checked_add(q.base_fee_next, q.tip);
  auto twice = eth::checked_mul(q.base_fee_next, u256{2});
  if (!need || !twice)
    return make_error(ec::overflow, "fee arithmetic overflow");
  auto max_fee = eth::checked_add(*twice, q.tip);
  if (!max_fee)
    return max_fee.error();
  q.need = *need;
  q.capped = *max_fee > st.cfg.max_fee_per_gas;
  q.fees.max_fee_per_gas = std::min(*max_fee, st.cfg.max_fee_per_gas);
  q.fees.max_priority_fee_per_gas = std::min(q.tip, q.fees.max_fee_per_gas);
  return q;
}

std::optional<eth_fees> fees_of(const ledger::outbox_attempt& a) {
  auto j = json::parse(a.fee, nullptr, false);
  if (!j.is_object() || !j.contains("max_fee_per_gas") || !j.contains("max_priority_fee_per_gas"))
    return std::nullopt;
  auto m = u256::from_dec(j["max_fee_per_gas"].get<std::string>());
  auto t = u256::from_dec(j["max_priority_fee_per_gas"].get<std::string>());
  if (!m || !t)
    return std::nullopt;
  return eth_fees{*m, *t};
}

caf::expected<ledger::outbox_attempt> sign_row(eth_submitter_state& st,
                                               const ledger::outbox_intent& row,
                                               const eth_fees& fees) {
  auto call = eth_outbox_call::parse(row.call);
  if (!call)
    return call.error();
  eth::tx_eip1559 tx;
  tx.chain_id = u256{st.cfg.chain_id};
  tx.nonce = u256{row.nonce};
  tx.max_priority_fee_per_gas = fees.max_priority_fee_per_gas;
  tx.max_fee_per_gas = fees.max_fee_per_gas;
  tx.gas_limit = u256{call->gas_limit};
  tx.to = call->to;
  tx.value = call->value;
  tx.data = call->data;
  auto s = eth::sign_transaction(tx, *st.cfg.key);
  if (!s)
    return s.error();
  ledger::outbox_attempt a;
  a.tx_hash = hex(s->hash);
  a.signed_hex = chain::to_hex(s->raw);
  a.fee = json{{"max_fee_per_gas", fees.max_fee_per_gas.to_dec()},
               {"max_priority_fee_per_gas", fees.max_priority_fee_per_gas.to_dec()},
               {"gas_limit", std::to_string(call->gas_limit)}}
            .dump();
  return a;
}

/// Is this node answer to a (re-)submission harmless: the transaction is
/// known, or its nonce already used (settled from receipts / the nonce at F)?
bool benign_submit_error(const caf::error& err) {
  auto text = describe(err);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (auto* s : {"already known", "already imported", "known transaction", "nonce too low",
                  "alreadyknown"})
    if (text.find(s) != std::string::npos)
      return true;
  return false;
}

void schedule(self_ptr self, bool now) {
  schedule_step(self, now);
}

void write(self_ptr self, std::string name, std::function<void(ledger::statement_cache&)> f,
           std::function<void(bool)> done) {
  write_step(self, "eth_submitter", std::move(name), std::move(f), std::move(done));
}

using notes_t = std::vector<std::pair<int64_t, std::string>>;

void submit(eth_submitter_state& st, const ledger::outbox_attempt& a, int64_t intent_id,
            notes_t& notes) {
  st.last_sent[a.tx_hash] = now_ms();
  auto raw = chain::from_hex(a.signed_hex);
  caf::error err;
  if (!raw) {
    err = make_error(ec::decode_error, "stored raw transaction is not hex");
  } else if (auto r = st.client->send_raw_transaction(*raw); !r) {
    err = r.error();
  } else if (hex(*r) != a.tx_hash) {
    // Not expected (the hash is keccak of these bytes): say so, settle by ours.
    spdlog::warn("eth_submitter: outbox {}: node answered hash {} for {}", intent_id, hex(*r),
                 a.tx_hash);
  }
  if (!err || benign_submit_error(err))
    return;
  metrics().submit_errors.inc();
  st.step_failed = true;
  auto why = "submission failed (will retry the same bytes): " + describe(err);
  spdlog::warn("eth_submitter: outbox {}: {}", intent_id, why);
  notes.emplace_back(intent_id, why);
}

/// "reverted", with the reason the node gives for the same call at the parent
/// block (best effort: one eth_call per failed transaction).
std::string revert_error(eth_submitter_state& st, const row_view& rv) {
  auto cached = st.revert_reasons.find(rv.receipt_hash);
  if (cached != st.revert_reasons.end())
    return cached->second;
  std::string out = "reverted";
  auto call = eth_outbox_call::parse(rv.row.call);
  if (call && rv.receipt->block_number > 0) {
    rpc::eth_call_request req;
    req.from = *eth::parse_address(st.cfg.address);
    req.to = call->to;
    req.data = call->data;
    req.value = call->value;
    req.gas = call->gas_limit;
    auto r = st.client->call(req, rv.receipt->block_number - 1);
    if (!r) {
      // "<method>: node error 3: execution reverted: <reason> (data: 0x…)"
      auto text = describe(r.error());
      auto at = text.find("execution reverted");
      if (at != std::string::npos) {
        auto reason = text.substr(at + std::string("execution reverted").size());
        if (auto data = reason.find(" (data:"); data != std::string::npos)
          reason.resize(data);
        if (reason.rfind(": ", 0) == 0)
          reason = reason.substr(2);
        if (!reason.empty())
          out += ": " + reason.substr(0, 200);
      }
    }
    if (out == "reverted" && rv.receipt->gas_used >= call->gas_limit)
      out += ": out of gas (used all " + std::to_string(call->gas_limit) + ")";
  }
  st.revert_reasons[rv.receipt_hash] = out;
  return out;
}

json describe_view(const eth_submitter_state& st, const chain_view& v,
                   const std::set<int64_t>& stuck_rows, const std::optional<fee_quote>& q) {
  json open = json::array();
  for (auto& rv : v.rows) {
    auto j = rv.row.to_json();
    if (stuck_rows.count(rv.row.id))
      j["stuck"] = true;
    if (rv.live.size() > 1) {
      json hashes = json::array();
      for (auto& a : rv.live)
        hashes.push_back(a.tx_hash);
      j["live_attempts"] = hashes;
    }
    open.push_back(std::move(j));
  }
  json out{{"account", st.cfg.address},
           {"chain_id", st.cfg.chain_id},
           {"finalized", v.final_number},
           {"latest", v.latest_number},
           {"nonce_at_finalized", v.nonce_at_final},
           {"nonce_latest", v.nonce_latest},
           {"max_fee_per_gas_cap", st.cfg.max_fee_per_gas.to_dec()},
           {"open", open},
           {"stuck", stuck_rows.size()}};
  if (q)
    out["fees"] = q->to_json();
  if (v.other_accounts > 0)
    out["other_accounts_open"] = v.other_accounts;
  return out;
}

void step(self_ptr self) {
  auto& st = self->state;
  if (st.busy)
    return;
  caf::expected<chain_view> got{make_error(ec::unavailable, "not read")};
  try {
    got = read_view(st);
  } catch (const std::exception& e) {
    got = make_error(ec::database_error, e.what());
  }
  if (!got) {
    st.step_failed = true;
    st.last_error = describe(got.error());
    spdlog::warn("eth_submitter: {}", st.last_error);
    return schedule(self, false);
  }
  auto& v = *got;
  st.last_error.clear();
  auto clock_now = self->clock().now();

  // 1. Settle from receipts; rows whose nonce someone else used.
  struct settle {
    int64_t id;
    std::string hash, block_hash, error;
    uint64_t block = 0, index = 0;
    bool success = true;
  };
  std::vector<settle> settles;
  std::vector<std::tuple<std::string, uint64_t, std::string>> in_block;
  std::vector<std::pair<int64_t, std::string>> replaced;
  for (auto& rv : v.rows) {
    auto& r = rv.row;
    if (rv.receipt) {
      auto& rc = *rv.receipt;
      if (rc.block_number <= v.final_number)
        settles.push_back({r.id, rv.receipt_hash, hex(rc.block_hash),
                           rc.success ? std::string{} : revert_error(st, rv), rc.block_number,
                           rc.tx_index, rc.success});
      else if (r.status == "SUBMITTED")
        in_block.emplace_back(rv.receipt_hash, rc.block_number, hex(rc.block_hash));
      continue;
    }
    if (v.nonce_at_final > r.nonce)
      replaced.emplace_back(
        r.id, "the account's nonce at final block " + std::to_string(v.final_number) + " is "
                + std::to_string(v.nonce_at_final) + " and none of our "
                + std::to_string(r.attempts) + " attempt(s) has a receipt");
  }
  if (!settles.empty() || !replaced.empty() || !in_block.empty()) {
    return write(
      self, "eth_outbox_settle",
      [settles, replaced, in_block](ledger::statement_cache& sc) {
        auto now = now_ms();
        for (auto& s : settles)
          ledger::settle_by_receipt(sc, chain_name, s.hash, s.block, s.block_hash,
                                    static_cast<uint32_t>(s.index), s.success, s.error, now);
        for (auto& [id, why] : replaced)
          if (ledger::mark_replaced(sc, id, why, now))
            metrics().replaced.inc();
        for (auto& [h, n, bh] : in_block)
          ledger::mark_in_block(sc, h, n, bh, now);
      },
      [self, settles, replaced](bool ok) {
        for (auto& s : settles)
          spdlog::log(s.success ? spdlog::level::info : spdlog::level::warn,
                      "eth_submitter: outbox {} finalized in block {} ({}{})", s.id, s.block,
                      s.success ? "success" : "failed: ", s.error);
        for (auto& [id, why] : replaced)
          spdlog::critical("eth_submitter: outbox {} REPLACED: {}", id, why);
        schedule(self, ok);
      });
  }

  // What is pending: sent, no receipt. Its newest attempt's clock starts now
  // if this incarnation has not seen it yet (after a restart: conservative).
  std::set<int64_t> stuck_rows;
  std::set<std::string> live_hashes;
  for (auto& rv : v.rows)
    for (auto& a : rv.live)
      live_hashes.insert(a.tx_hash);
  // What this incarnation remembers is only about live attempts.
  auto forget_dead = [&](auto& by_hash) {
    for (auto it = by_hash.begin(); it != by_hash.end();)
      it = live_hashes.count(it->first) ? std::next(it) : by_hash.erase(it);
  };
  forget_dead(st.last_sent);
  forget_dead(st.revert_reasons);
  forget_dead(st.pending_since);
  for (auto& rv : v.rows) {
    if (rv.live.empty() || rv.receipt || rv.row.status == "INTENT" || rv.row.status == "EXPIRED"
        || rv.row.nonce < v.nonce_latest)
      continue;
    auto& newest = rv.live.back();
    auto since = st.pending_since.emplace(newest.tx_hash, clock_now).first->second;
    if (clock_now - since >= st.cfg.stuck_after)
      stuck_rows.insert(rv.row.id);
  }

  // 2. Sign INTENT rows in nonce order, and replace stuck transactions.
  std::optional<fee_quote> quote;
  std::string fee_blocked;
  auto market = [&]() -> caf::expected<fee_quote> {
    if (!quote) {
      auto q = quote_fees(st);
      if (!q)
        return q.error();
      quote = *q;
    }
    return *quote;
  };
  struct signed_attempt {
    int64_t id;
    ledger::outbox_attempt a;
    bool replacement;
  };
  std::vector<signed_attempt> signed_now;
  notes_t notes;
  // The next nonce the chain can take: the latest count, then our rows in order.
  uint64_t next = v.nonce_latest;
  for (auto& rv : v.rows) {
    auto& r = rv.row;
    if (r.nonce < v.nonce_latest) {
      // Used in a block: ours (settled from the receipt once final) or, for a
      // row never signed, someone else's (REPLACED once final). A higher
      // INTENT waits for that decision: it may not skip an unsigned nonce.
      if (r.status == "INTENT" || r.status == "EXPIRED")
        break;
      continue;
    }
    if (r.nonce > next) {
      st.last_error = "outbox " + std::to_string(r.id) + ": nonce " + std::to_string(r.nonce)
                      + " leaves a gap after " + std::to_string(next)
                      + " (the account's next nonce on chain and in the outbox): not signed";
      break;
    }
    next = r.nonce + 1;
    bool is_intent = r.status == "INTENT" || r.status == "EXPIRED";
    bool is_stuck = stuck_rows.count(r.id) > 0;
    if (!is_intent && !is_stuck)
      continue;
    auto q = market();
    if (!q) {
      st.step_failed = true;
      st.last_error = "fee quote: " + describe(q.error());
      break;
    }
    std::optional<eth_fees> fees;
    if (is_intent) {
      if (st.cfg.max_fee_per_gas < q->need) {
        fee_blocked = "the chain needs maxFeePerGas " + gwei_text(q->need)
                      + " (next base fee + tip), above the cap of "
                      + gwei_text(st.cfg.max_fee_per_gas) + " (ethereum.max_fee_per_gas_gwei)";
      } else {
        fees = q->fees;
      }
    } else {
      auto previous = fees_of(rv.live.back());
      if (!previous) {
        st.last_error = "outbox " + std::to_string(r.id) + ": the live attempt has no fees to raise";
        break;
      }
      auto bumped = bumped_fees(*previous, q->fees, st.cfg.max_fee_per_gas);
      if (!bumped)
        fee_blocked = "outbox " + std::to_string(r.id) + " is stuck: " + describe(bumped.error());
      else
        fees = *bumped;
    }
    if (!fees) {
      auto note = "not sent: " + fee_blocked;
      if (r.note != note)
        notes.emplace_back(r.id, note);
      break; // a higher nonce would wait behind this one anyway
    }
    auto a = sign_row(st, r, *fees);
    if (!a) {
      st.last_error = "outbox " + std::to_string(r.id) + ": cannot sign: " + describe(a.error());
      spdlog::error("eth_submitter: {}", st.last_error);
      break;
    }
    signed_now.push_back({r.id, std::move(*a), !is_intent});
  }
  if (fee_blocked != st.fee_blocked) {
    if (!fee_blocked.empty())
      spdlog::warn("eth_submitter: {}", fee_blocked);
    else if (!st.fee_blocked.empty())
      spdlog::info("eth_submitter: the fee cap allows sending again");
  }
  st.fee_blocked = fee_blocked;
  st.view = describe_view(st, v, stuck_rows, quote);
  st.stuck = stuck_rows.size();
  metrics().stuck.set(static_cast<int64_t>(st.stuck));
  metrics().open.set(static_cast<int64_t>(v.rows.size()));

  if (!signed_now.empty()) {
    // Persist, then act: the attempt is committed before the node sees it.
    return write(
      self, "eth_outbox_sign",
      [signed_now](ledger::statement_cache& sc) {
        auto now = now_ms();
        for (auto& s : signed_now) {
          if (s.replacement)
            ledger::record_replacement(sc, s.id, s.a, now);
          else
            ledger::record_attempt(sc, s.id, s.a, now);
        }
      },
      [self, signed_now, notes](bool ok) mutable {
        if (!ok)
          return schedule(self, false);
        auto& st = self->state;
        auto clock_now = self->clock().now();
        for (auto& s : signed_now) {
          metrics().signed_total.inc();
          if (s.replacement)
            metrics().fee_bumps.inc();
          st.pending_since[s.a.tx_hash] = clock_now;
          spdlog::info("eth_submitter: outbox {} signed as {}{} (fees {})", s.id, s.a.tx_hash,
                       s.replacement ? " (replacement, same nonce)" : "", s.a.fee);
          submit(st, s.a, s.id, notes);
        }
        if (notes.empty())
          return schedule(self, true);
        write(
          self, "eth_outbox_notes",
          [notes](ledger::statement_cache& sc) {
            for (auto& [id, n] : notes)
              ledger::note_intent(sc, id, n, now_ms());
          },
          [self](bool) { schedule(self, false); });
      });
  }

  // 3. Keep pending transactions alive: the SAME bytes of the newest attempt.
  auto now = now_ms();
  for (auto& rv : v.rows) {
    auto& r = rv.row;
    if (rv.live.empty() || rv.receipt || r.status == "INTENT" || r.status == "EXPIRED")
      continue;
    if (r.nonce < v.nonce_latest)
      continue; // the nonce is used in a block: wait for F to say by whom
    auto& newest = rv.live.back();
    auto sent = st.last_sent.find(newest.tx_hash);
    if (st.restarted || sent == st.last_sent.end()
        || now - sent->second >= st.cfg.resubmit_interval.count())
      submit(st, newest, r.id, notes);
  }
  st.restarted = false;
  if (notes.empty())
    return schedule(self, false);
  write(
    self, "eth_outbox_notes",
    [notes](ledger::statement_cache& sc) {
      auto now = now_ms();
      for (auto& [id, n] : notes)
        ledger::note_intent(sc, id, n, now);
    },
    [self](bool) { schedule(self, false); });
}

} // namespace

eth_submitter_actor::behavior_type
eth_submitter(eth_submitter_actor::stateful_pointer<eth_submitter_state> self,
              eth_submitter_config cfg, storage_actor storage) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.storage = std::move(storage);
  auto start = [&]() -> caf::error {
    if (auto err = validate(st.cfg))
      return err;
    auto client = rpc::eth_client::make(st.cfg.rpc);
    if (!client)
      return client.error();
    st.client = std::move(*client);
    try {
      st.db = std::make_unique<SQLite::Database>(st.cfg.database, SQLite::OPEN_READONLY);
    } catch (const std::exception& e) {
      return make_error(ec::database_error, e.what());
    }
    return caf::none;
  };
  if (auto err = start())
    return stopped_operator<eth_submitter_actor>(self, eth_submitter_state::name, std::move(err));
  spdlog::info("eth_submitter: sending from {} on chain {} (max fee {})", st.cfg.address,
               st.cfg.chain_id, gwei_text(st.cfg.max_fee_per_gas));
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) { step(self); },
    [self](status_atom) {
      auto& st = self->state;
      auto j = st.view.is_object() ? st.view : json::object();
      j["last_error"] = st.last_error;
      j["fee_blocked"] = st.fee_blocked;
      return j.dump();
    },
    [self](health_atom) {
      auto& st = self->state;
      std::string detail = !st.last_error.empty()    ? st.last_error
                           : !st.fee_blocked.empty() ? st.fee_blocked
                           : st.stuck > 0 ? std::to_string(st.stuck) + " outbox row(s) stuck"
                           : st.view.is_object()
                             ? std::to_string(st.view["open"].size()) + " open outbox row(s)"
                             : std::string("starting");
      bool ok = st.last_error.empty() && st.fee_blocked.empty() && st.stuck == 0;
      return actor_health{eth_submitter_state::name, ok, detail,
                          static_cast<uint64_t>(self->mailbox().size()), 0};
    },
  };
}

caf::expected<std::optional<eth_submitter_config>> make_eth_submitter_config(const config& cfg) {
  auto& e = cfg.ethereum;
  if (e.operator_key_file.empty())
    return std::optional<eth_submitter_config>{};
  auto key = std::make_shared<chain::secret_key32>();
  auto address = load_eth_operator_key(e.operator_key_file, *key);
  if (!address)
    return address.error();
  eth_submitter_config c;
  c.rpc.url = e.rpc_url;
  c.database = cfg.database_path();
  c.chain_id = e.chain_id;
  c.key = std::move(key);
  c.address = chain::to_hex(*address);
  c.finality = e.finality;
  c.confirmations = e.confirmations;
  auto cap = eth::checked_mul(u256{e.max_fee_per_gas_gwei}, u256{1'000'000'000ull});
  if (!cap)
    return cap.error();
  c.max_fee_per_gas = *cap;
  c.poll_interval = std::chrono::milliseconds(e.poll_interval_ms);
  c.resubmit_interval = std::max(c.poll_interval * 5, std::chrono::milliseconds(5000));
  c.stuck_after = std::chrono::seconds(e.tx_stuck_seconds);
  return std::optional<eth_submitter_config>{std::move(c)};
}

child_spec eth_submitter_child(eth_submitter_config cfg) {
  return child_with_storage("eth_submitter", storage_use::restart, spawn_mode::detached,
                            eth_submitter, std::move(cfg));
}

} // namespace lstaked

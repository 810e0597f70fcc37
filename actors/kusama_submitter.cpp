#include "actors/kusama_submitter.hpp"

#include "actors/metrics.hpp"
#include "chain/common/hash.hpp"
#include "chain/substrate/extrinsic.hpp"
#include "chain/substrate/storage.hpp"
#include "config/secret_file.hpp"
#include "storage/kusama_ledger.hpp"
#include "storage/outbox.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

namespace lstaked {

namespace sub = chain::substrate;
using nlohmann::json;

caf::error validate(const kusama_submitter_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  if (cfg.database.empty())
    return make_error(ec::invalid_config, "the submitter needs the database path");
  if (cfg.signers.empty())
    return make_error(ec::invalid_config, "the submitter has no key to sign with");
  if (cfg.mortality_blocks < 4 || cfg.mortality_blocks > 65536)
    return make_error(ec::invalid_config, "staking.mortality_blocks must be in [4, 65536]");
  if (cfg.poll_interval.count() <= 0 || cfg.resubmit_interval.count() <= 0)
    return make_error(ec::invalid_config, "submitter intervals must be > 0");
  return caf::none;
}

namespace {

using self_ptr = kusama_submitter_actor::stateful_pointer<kusama_submitter_state>;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

struct submitter_metrics {
  counter_metric& signed_total;
  counter_metric& submit_errors;
  counter_metric& replaced;
  counter_metric& expired;
  gauge_metric& stuck;
  gauge_metric& open;
};

submitter_metrics& metrics() {
  auto& r = metrics_registry::global();
  static submitter_metrics m{
    r.counter("lstaked_kusama_outbox_signed_total", "Kusama extrinsic attempts signed"),
    r.counter("lstaked_kusama_outbox_submit_errors_total",
              "author_submitExtrinsic calls that failed (retried)"),
    r.counter("lstaked_kusama_outbox_replaced_total",
              "Outbox nonces consumed on chain by an extrinsic the daemon did not sign"),
    r.counter("lstaked_kusama_outbox_expired_total",
              "Outbox attempts whose mortal era ended unused (re-signed with the same nonce)"),
    r.gauge("lstaked_kusama_outbox_stuck", "Outbox rows open longer than the stuck threshold"),
    r.gauge("lstaked_kusama_outbox_open", "Outbox rows not yet final"),
  };
  return m;
}

/// What one step sees of the chain and the database.
struct chain_view {
  uint64_t final_number = 0;
  std::string final_hash;
  uint64_t best_number = 0;
  uint32_t spec_version = 0, tx_version = 0;
  kusama::runtime_ptr rt;
  std::map<std::string, uint64_t> nonce_at_final; // by account hex
  std::optional<uint64_t> cursor;                 // the follower's applied block
  std::vector<ledger::outbox_intent> open;
};

caf::expected<json> call(kusama_submitter_state& st, const std::string& method,
                         json params = json::array()) {
  return st.client->call(method, std::move(params));
}

caf::expected<uint64_t> nonce_at(kusama_submitter_state& st, const sub::metadata& md,
                                 const std::string& account, const std::string& at) {
  auto key = sub::storage_key(md, "System", "Account", {json(account)});
  if (!key)
    return key.error();
  auto raw = call(st, "state_getStorage", json::array({kusama::hex_of(*key), at}));
  if (!raw)
    return raw.error();
  auto bytes = kusama::hex_or_null(*raw, "System.Account");
  if (!bytes)
    return bytes.error();
  auto v = sub::decode_storage_value(md, "System", "Account", bytes->empty() ? nullptr : &*bytes);
  if (!v)
    return v.error();
  auto* n = v->find("nonce");
  if (!n)
    return make_error(ec::decode_error, "System.Account without a nonce");
  return static_cast<uint64_t>(n->unwrap().num);
}

caf::expected<chain_view> read_view(kusama_submitter_state& st) {
  chain_view v;
  if (st.genesis.empty()) {
    auto g = call(st, "chain_getBlockHash", json::array({0}));
    if (!g)
      return g.error();
    if (!g->is_string())
      return make_error(ec::decode_error, "chain_getBlockHash(0): no hash");
    st.genesis = g->get<std::string>();
  }
  auto fin = call(st, "chain_getFinalizedHead");
  if (!fin)
    return fin.error();
  if (!fin->is_string())
    return make_error(ec::decode_error, "chain_getFinalizedHead: no hash");
  v.final_hash = fin->get<std::string>();
  auto number = kusama::header_number(*st.client, v.final_hash);
  if (!number)
    return number.error();
  v.final_number = *number;
  auto best = kusama::header_number(*st.client, nullptr);
  if (!best)
    return best.error();
  v.best_number = *best;
  auto version = call(st, "state_getRuntimeVersion", json::array({v.final_hash}));
  if (!version)
    return version.error();
  auto spec = kusama::parse_number(version->value("specVersion", json()));
  auto txv = kusama::parse_number(version->value("transactionVersion", json()));
  if (!spec || !txv)
    return make_error(ec::decode_error, "state_getRuntimeVersion without spec/transaction version");
  v.spec_version = static_cast<uint32_t>(*spec);
  v.tx_version = static_cast<uint32_t>(*txv);
  auto rt = st.runtimes.at(*st.client, v.final_hash, *version);
  if (!rt)
    return rt.error();
  v.rt = *rt;
  for (auto& [account, key] : st.cfg.signers) {
    auto n = nonce_at(st, *v.rt->md, account, v.final_hash);
    if (!n)
      return n.error();
    v.nonce_at_final[account] = *n;
  }
  // One read transaction: the rows and the cursor as of the same commit.
  st.db->exec("BEGIN");
  try {
    v.open = ledger::open_intents(*st.db, "kusama");
    if (auto c = ledger::kusama_cursor(*st.db))
      v.cursor = c->number;
    st.db->exec("COMMIT");
  } catch (...) {
    st.db->exec("ROLLBACK");
    throw;
  }
  return v;
}

/// The call bytes of a row under `md` (by name, so a runtime upgrade re-encodes it).
caf::expected<chain::bytes> encode_row_call(const sub::metadata& md, const json& c) {
  if (!c.is_object() || !c.contains("pallet") || !c.contains("call"))
    return make_error(ec::invalid_input, "outbox call needs pallet and call");
  auto pallet = c["pallet"].get<std::string>();
  auto name = c["call"].get<std::string>();
  auto args = c.value("args", json::object());
  if (c.contains("proxy_for")) {
    json inner = {{pallet, {{name, args}}}};
    json proxy_args = {{"real", {{"Id", c["proxy_for"]}}},
                       {"force_proxy_type", {{"Some", {{"Staking", nullptr}}}}},
                       {"call", inner}};
    return sub::encode_call(md, "Proxy", "proxy", proxy_args);
  }
  return sub::encode_call(md, pallet, name, args);
}

sub::signature_scheme scheme_of(chain::sig::scheme s) {
  switch (s) {
    case chain::sig::scheme::ed25519: return sub::signature_scheme::ed25519;
    case chain::sig::scheme::sr25519: return sub::signature_scheme::sr25519;
    default: return sub::signature_scheme::ecdsa;
  }
}

/// Signs one row at F (blocking only for the fee query).
caf::expected<ledger::outbox_attempt> sign_row(kusama_submitter_state& st, const chain_view& v,
                                               const ledger::outbox_intent& row) {
  auto key = st.cfg.signers.find(row.account);
  if (key == st.cfg.signers.end())
    return make_error(ec::invalid_config, "no key for outbox account " + row.account);
  auto call_bytes = encode_row_call(*v.rt->md, row.call);
  if (!call_bytes)
    return call_bytes.error();
  sub::tx_params p;
  p.nonce = static_cast<uint32_t>(row.nonce);
  // The era is born at F, but the node judges it at its best block B: only
  // F + period - (B + 1) of its blocks are left, none once finality lags a
  // period behind (every signature is then refused as bad, and every re-signed
  // one too while the lag lasts). When the lag takes half of the era or more,
  // the era is widened by the lag (no wider than 4096: above that the runtime
  // quantizes the birth block, and Kusama keeps 4096 block hashes).
  auto era = sub::make_mortal_era(st.cfg.mortality_blocks, v.final_number);
  uint64_t lag = v.best_number > v.final_number ? v.best_number - v.final_number : 0;
  if (2 * (lag + 1) > era.period && era.period + lag + 1 <= 4096)
    era = sub::make_mortal_era(era.period + lag + 1, v.final_number);
  p.era = era;
  auto genesis = chain::from_hex(st.genesis);
  auto birth = chain::from_hex(v.final_hash);
  if (!genesis || !birth || genesis->size() != 32 || birth->size() != 32)
    return make_error(ec::decode_error, "malformed genesis or block hash");
  std::copy(genesis->begin(), genesis->end(), p.genesis_hash.begin());
  std::copy(birth->begin(), birth->end(), p.block_hash.begin());
  p.spec_version = v.spec_version;
  p.tx_version = v.tx_version;
  sub::signer s;
  s.scheme = scheme_of(key->second->kind());
  s.account_id.assign(key->second->account().begin(), key->second->account().end());
  s.sign = [kp = key->second](chain::byte_view msg) { return kp->sign(msg); };
  auto ext = sub::build_signed_extrinsic(*v.rt->md, *call_bytes, p, s);
  if (!ext)
    return ext.error();
  ledger::outbox_attempt a;
  a.signed_hex = kusama::hex_of(*ext);
  auto hash = kusama::extrinsic_hash(a.signed_hex);
  if (!hash)
    return hash.error();
  a.tx_hash = *hash;
  a.era_birth = v.final_number;
  a.era_period = p.era->period;
  a.spec_version = v.spec_version;
  // The fee is for the status and the audit; failing to quote it does not stop signing.
  if (auto fee = kusama::query_fee(*st.client, a.signed_hex, v.final_hash); fee)
    a.fee = chain::substrate::to_decimal(*fee);
  else
    spdlog::warn("kusama_submitter: no fee quote for outbox {}: {}", row.id, describe(fee.error()));
  return a;
}

/// Is this node answer to a re-submission harmless (the extrinsic is known or already in)?
bool benign_submit_error(const caf::error& err) {
  auto text = describe(err);
  for (auto* s : {"Already Imported", "already imported", "outdated", "Priority is too low",
                  "Transaction is outdated"})
    if (text.find(s) != std::string::npos)
      return true;
  return false;
}

void schedule(self_ptr self, bool now) {
  schedule_step(self, now);
}

void write(self_ptr self, std::string name, std::function<void(ledger::statement_cache&)> f,
           std::function<void(bool)> done) {
  write_step(self, "kusama_submitter", std::move(name), std::move(f), std::move(done));
}

void submit(kusama_submitter_state& st, const ledger::outbox_attempt& a, int64_t intent_id,
            std::vector<std::pair<int64_t, std::string>>& notes) {
  st.last_sent[a.tx_hash] = now_ms();
  auto r = call(st, "author_submitExtrinsic", json::array({a.signed_hex}));
  if (r || benign_submit_error(r.error()))
    return;
  metrics().submit_errors.inc();
  st.step_failed = true;
  auto why = "submission failed (will retry): " + describe(r.error());
  spdlog::warn("kusama_submitter: outbox {}: {}", intent_id, why);
  notes.emplace_back(intent_id, why);
}

json describe_view(const kusama_submitter_state& st, const chain_view& v) {
  json accounts = json::object();
  for (auto& [a, n] : v.nonce_at_final)
    accounts[a] = {{"nonce_at_finalized", n}};
  json open = json::array();
  uint64_t stuck = 0;
  auto now = now_ms();
  for (auto& r : v.open) {
    auto j = r.to_json();
    if (now - r.created_at > st.cfg.stuck_after.count()) {
      j["stuck"] = true;
      ++stuck;
    }
    open.push_back(std::move(j));
  }
  return {{"finalized", v.final_number}, {"best", v.best_number},
          {"cursor", v.cursor ? json(*v.cursor) : json()}, {"spec_version", v.spec_version},
          {"accounts", accounts}, {"open", open}, {"stuck", stuck}};
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
    spdlog::warn("kusama_submitter: {}", st.last_error);
    return schedule(self, false);
  }
  auto& v = *got;
  st.view = describe_view(st, v);
  st.stuck = st.view["stuck"].get<uint64_t>();
  metrics().stuck.set(static_cast<int64_t>(st.stuck));
  metrics().open.set(static_cast<int64_t>(v.open.size()));
  st.last_error.clear();
  bool follower_caught_up = v.cursor && *v.cursor >= v.final_number;

  // 1. Reconcile: rows whose nonce was taken by another, attempts that can never land.
  struct change {
    int64_t id;
    std::string kind; // replaced | expired
    std::string hash, why;
  };
  std::vector<change> changes;
  std::set<int64_t> nonce_taken; // rows whose nonce is used at F: never signed again
  for (auto& r : v.open) {
    auto used = v.nonce_at_final.count(r.account) ? v.nonce_at_final[r.account] : 0;
    bool nonce_used = used > r.nonce;
    if (nonce_used) {
      nonce_taken.insert(r.id);
      // Ours would have been finalized by the hook by now.
      if (follower_caught_up)
        changes.push_back({r.id, "replaced", "",
                           "the account's nonce at finalized block " + std::to_string(v.final_number)
                             + " is " + std::to_string(used) + " and none of our "
                             + std::to_string(r.attempts) + " attempt(s) is in a finalized block"});
      continue;
    }
    if ((r.status == "SUBMITTED" || r.status == "IN_BLOCK") && r.live && follower_caught_up) {
      bool era_over = r.live->era_birth && r.live->era_period
                      && v.final_number >= *r.live->era_birth + *r.live->era_period;
      bool other_runtime = r.live->spec_version && *r.live->spec_version != v.spec_version;
      if (era_over || other_runtime)
        changes.push_back({r.id, "expired", r.live->tx_hash,
                           era_over ? "mortal era ended" : "signed for another runtime"});
    }
  }
  if (!changes.empty()) {
    return write(
      self, "outbox_reconcile",
      [changes](ledger::statement_cache& sc) {
        auto now = now_ms();
        for (auto& c : changes) {
          if (c.kind == "replaced") {
            if (ledger::mark_replaced(sc, c.id, c.why, now))
              metrics().replaced.inc();
          } else if (ledger::mark_expired(sc, c.id, c.hash, now)) {
            metrics().expired.inc();
          }
        }
      },
      [self, changes](bool ok) {
        for (auto& c : changes)
          spdlog::log(c.kind == "replaced" ? spdlog::level::critical : spdlog::level::info,
                      "kusama_submitter: outbox {} {}: {}", c.id, c.kind, c.why);
        schedule(self, ok);
      });
  }

  // 2. Sign every INTENT / EXPIRED row whose lower nonces all have an attempt.
  std::vector<std::pair<int64_t, ledger::outbox_attempt>> attempts;
  std::set<std::string> blocked; // accounts with a lower row that could not be signed
  for (auto& r : v.open) {
    if (r.status != "INTENT" && r.status != "EXPIRED")
      continue;
    if (blocked.count(r.account))
      continue;
    if (nonce_taken.count(r.id)) {
      blocked.insert(r.account); // the follower decides first (finalized or REPLACED)
      continue;
    }
    auto a = sign_row(st, v, r);
    if (!a) {
      blocked.insert(r.account);
      st.last_error = "outbox " + std::to_string(r.id) + ": cannot sign: " + describe(a.error());
      spdlog::error("kusama_submitter: {}", st.last_error);
      continue;
    }
    attempts.emplace_back(r.id, std::move(*a));
  }
  if (!attempts.empty()) {
    return write(
      self, "outbox_sign",
      [attempts](ledger::statement_cache& sc) {
        for (auto& [id, a] : attempts)
          ledger::record_attempt(sc, id, a, now_ms());
      },
      [self, attempts](bool ok) {
        if (!ok)
          return schedule(self, false);
        auto& st = self->state;
        std::vector<std::pair<int64_t, std::string>> notes;
        for (auto& [id, a] : attempts) {
          metrics().signed_total.inc();
          spdlog::info("kusama_submitter: outbox {} signed as {} (era {}+{}, fee {})", id,
                       a.tx_hash, a.era_birth.value_or(0), a.era_period.value_or(0),
                       a.fee.empty() ? "not quoted" : a.fee);
          submit(st, a, id, notes);
        }
        if (notes.empty())
          return schedule(self, true);
        write(
          self, "outbox_notes",
          [notes](ledger::statement_cache& sc) {
            for (auto& [id, n] : notes)
              ledger::note_intent(sc, id, n, now_ms());
          },
          [self](bool) { schedule(self, false); });
      });
  }

  // 3. Keep live attempts alive (same bytes) and note which are in a best block.
  std::vector<std::pair<int64_t, std::string>> notes;
  std::map<std::string, int64_t> live; // hash -> intent
  auto now = now_ms();
  for (auto& r : v.open) {
    if (!r.live || r.status == "INTENT" || r.status == "EXPIRED")
      continue;
    live[r.live->tx_hash] = r.id;
    if (r.status != "SUBMITTED")
      continue;
    auto sent = st.last_sent.find(r.live->tx_hash);
    if (st.restarted || sent == st.last_sent.end()
        || now - sent->second >= st.cfg.resubmit_interval.count())
      submit(st, *r.live, r.id, notes);
  }
  st.restarted = false;
  std::vector<std::tuple<std::string, uint64_t, std::string>> in_block;
  if (!live.empty() && v.best_number > v.final_number) {
    auto from = std::max(v.final_number + 1, v.best_number > st.cfg.max_best_blocks_scanned
                                               ? v.best_number - st.cfg.max_best_blocks_scanned + 1
                                               : 0);
    for (auto n = from; n <= v.best_number; ++n) {
      auto hash = call(st, "chain_getBlockHash", json::array({n}));
      if (!hash || !hash->is_string())
        break;
      auto block = call(st, "chain_getBlock", json::array({*hash}));
      if (!block)
        break;
      auto hashes = kusama::extrinsic_hashes(*block);
      if (!hashes)
        break;
      for (auto& h : *hashes)
        if (live.count(h))
          in_block.emplace_back(h, n, hash->get<std::string>());
    }
  }
  if (notes.empty() && in_block.empty())
    return schedule(self, false);
  write(
    self, "outbox_progress",
    [notes, in_block](ledger::statement_cache& sc) {
      auto now = now_ms();
      for (auto& [id, n] : notes)
        ledger::note_intent(sc, id, n, now);
      for (auto& [h, n, bh] : in_block)
        ledger::mark_in_block(sc, h, n, bh, now);
    },
    [self](bool) { schedule(self, false); });
}

std::string hex_of_account(const chain::sig::account_id& a) {
  return chain::to_hex(chain::byte_view(a.data(), a.size()));
}

caf::expected<std::shared_ptr<const chain::sig::keypair>>
load_key(const std::string& key_name, const std::string& path, chain::sig::scheme scheme) {
  auto uri = read_secret_file(path);
  if (!uri) // keeps the ec (insecure_permissions for a file others may read)
    return make_error(code_of(uri.error()), key_name + ": " + message_of(uri.error()));
  auto kp = chain::sig::keypair::from_uri(scheme, *uri);
  if (!kp)
    // The message of a URI error may quote the URI: never pass it on.
    return make_error(ec::invalid_config, key_name + ": " + path
                                            + " does not hold a valid secret URI");
  return std::make_shared<const chain::sig::keypair>(std::move(*kp));
}

} // namespace

caf::expected<kusama_connections> open_kusama_connections(const rpc::json_rpc_config& rpc,
                                                          const std::string& database) {
  kusama_connections c;
  auto client = rpc::json_rpc_client::make(rpc);
  if (!client)
    return client.error();
  c.client = std::move(*client);
  try {
    c.db = std::make_unique<SQLite::Database>(database, SQLite::OPEN_READONLY);
  } catch (const std::exception& e) {
    return make_error(ec::database_error, e.what());
  }
  return c;
}

caf::expected<std::optional<operator_keys>> load_operator_keys(const config& cfg) {
  auto& s = cfg.staking;
  if (s.deposit_key_file.empty())
    return std::optional<operator_keys>{};
  auto scheme = s.key_scheme == "ed25519" ? chain::sig::scheme::ed25519 : chain::sig::scheme::sr25519;
  operator_keys k;
  auto deposit = kusama_account_hex(cfg.kusama, cfg.kusama.deposit_address);
  if (!deposit)
    return deposit.error();
  k.deposit_account = *deposit;
  auto dk = load_key("staking.deposit_key_file", s.deposit_key_file, scheme);
  if (!dk)
    return dk.error();
  if (hex_of_account((*dk)->account()) != k.deposit_account)
    return make_error(ec::invalid_config,
                      "staking.deposit_key_file: the key is not the one of kusama.deposit_address "
                        + cfg.kusama.deposit_address);
  k.signers[k.deposit_account] = *dk;
  if (s.stash_key_files.size() != s.stashes.size())
    return make_error(ec::invalid_config, "staking.stash_key_files: one file per stash needed");
  for (size_t i = 0; i < s.stashes.size(); ++i) {
    auto stash = kusama_account_hex(cfg.kusama, s.stashes[i]);
    if (!stash)
      return stash.error();
    bool proxied = std::find(s.proxied_stashes.begin(), s.proxied_stashes.end(), s.stashes[i])
                   != s.proxied_stashes.end();
    auto key = load_key("staking.stash_key_files[" + std::to_string(i) + "]", s.stash_key_files[i],
                        scheme);
    if (!key)
      return key.error();
    auto signer = hex_of_account((*key)->account());
    if (!proxied && signer != *stash)
      return make_error(ec::invalid_config, "staking.stash_key_files[" + std::to_string(i)
                                              + "]: the key is not the one of stash "
                                              + s.stashes[i]
                                              + " (list the stash in staking.proxied_stashes if "
                                                "it is its Staking proxy)");
    if (proxied && signer == *stash)
      return make_error(ec::invalid_config, "staking.stash_key_files[" + std::to_string(i)
                                              + "]: stash " + s.stashes[i]
                                              + " is listed as proxied but this is its own key");
    if (std::any_of(k.stashes.begin(), k.stashes.end(),
                    [&](const operator_keys::stash& o) { return o.account == *stash; }))
      return make_error(ec::invalid_config, "staking.stashes: " + s.stashes[i] + " is listed twice");
    if (*stash == k.deposit_account)
      return make_error(ec::invalid_config,
                        "staking.stashes: the deposit account cannot also be a stash");
    k.stashes.push_back({*stash, signer, proxied});
    k.signers[signer] = *key;
  }
  return std::optional<operator_keys>{std::move(k)};
}

kusama_submitter_actor::behavior_type
kusama_submitter(kusama_submitter_actor::stateful_pointer<kusama_submitter_state> self,
                 kusama_submitter_config cfg, storage_actor storage) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.storage = std::move(storage);
  if (auto err = start_operator(st))
    return stopped_operator<kusama_submitter_actor>(self, kusama_submitter_state::name, std::move(err));
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) { step(self); },
    [self](status_atom) {
      auto j = self->state.view;
      if (j.is_null())
        j = json::object();
      j["last_error"] = self->state.last_error;
      return j.dump();
    },
    [self](health_atom) {
      auto& st = self->state;
      std::string detail = !st.last_error.empty() ? st.last_error
                           : st.stuck > 0 ? std::to_string(st.stuck) + " outbox row(s) stuck"
                           : st.view.is_object()
                             ? std::to_string(st.view["open"].size()) + " open outbox row(s)"
                             : std::string("starting");
      return actor_health{kusama_submitter_state::name, st.last_error.empty() && st.stuck == 0,
                          detail, static_cast<uint64_t>(self->mailbox().size()), 0};
    },
  };
}

follower::block_hook kusama_outbox_hook() {
  return [](ledger::statement_cache& sc, const follower::applied_block& b) {
    if (!b.extrinsic_hashes)
      return;
    std::map<uint32_t, ledger::extrinsic_result> results;
    if (b.extrinsic_success)
      for (auto& [i, ok] : *b.extrinsic_success) {
        ledger::extrinsic_result r;
        r.success = ok;
        if (!ok && b.extrinsic_errors)
          if (auto e = b.extrinsic_errors->find(i); e != b.extrinsic_errors->end())
            r.dispatch_error = e->second;
        results[i] = r;
      }
    auto done = ledger::match_finalized_block(sc, "kusama", b.ref.number, b.ref.hash,
                                              *b.extrinsic_hashes, results,
                                              follower::now_ms());
    for (auto id : done)
      spdlog::info("kusama_submitter: outbox {} finalized in block {}", id, b.ref.number);
  };
}

caf::expected<std::optional<kusama_submitter_config>> make_kusama_submitter_config(const config& cfg) {
  auto keys = load_operator_keys(cfg);
  if (!keys)
    return keys.error();
  if (!*keys)
    return std::optional<kusama_submitter_config>{};
  kusama_submitter_config c;
  c.rpc.url = cfg.kusama.rpc_url;
  c.database = cfg.database_path();
  c.signers = (*keys)->signers;
  c.mortality_blocks = cfg.staking.mortality_blocks;
  c.poll_interval = std::chrono::milliseconds(cfg.staking.poll_interval_ms);
  c.resubmit_interval = std::max(c.poll_interval * 5, std::chrono::milliseconds(5000));
  return std::optional<kusama_submitter_config>{std::move(c)};
}

child_spec kusama_submitter_child(kusama_submitter_config cfg) {
  return child_with_storage("kusama_submitter", storage_use::restart, spawn_mode::detached,
                            kusama_submitter, std::move(cfg));
}

} // namespace lstaked

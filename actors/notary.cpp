#include "actors/notary.hpp"

#include "actors/metrics.hpp"
#include "chain/common/hash.hpp"
#include "chain/ethereum/keccak.hpp"
#include "chain/ethereum/signature.hpp"
#include "chain/sig/sign_raw.hpp"
#include "config/secret_file.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace lstaked {

caf::error validate(const notary_config& cfg) {
  if (cfg.key_file.empty())
    return make_error(ec::invalid_config, "notary.key_file is required for claims");
  if (cfg.chain_id == 0)
    return make_error(ec::invalid_config, "ethereum.chain_id must be set");
  if (auto a = chain::eth::parse_address(cfg.pool_address); !a)
    return make_error(ec::invalid_config, "ethereum.pool_address: " + describe(a.error()));
  if (auto a = chain::eth::parse_address(cfg.token_address); !a)
    return make_error(ec::invalid_config, "ethereum.token_address: " + describe(a.error()));
  if (cfg.validity_blocks == 0)
    return make_error(ec::invalid_config, "claims.validity_blocks must be positive");
  if (cfg.notary_set_max_age.count() <= 0)
    return make_error(ec::invalid_config, "claims.notary_set_max_age_seconds must be positive");
  return caf::none;
}

std::vector<std::string> notary_key_files(const config& cfg) {
  std::vector<std::string> files;
  if (!cfg.claims.notary_key_file.empty())
    files.push_back(cfg.claims.notary_key_file);
  for (auto& f : cfg.claims.notary_key_files)
    if (std::find(files.begin(), files.end(), f) == files.end())
      files.push_back(f);
  return files;
}

caf::expected<std::vector<std::string>> notary_addresses(const std::vector<std::string>& files) {
  std::vector<std::string> out;
  for (auto& f : files) {
    chain::secret_key32 probe;
    auto a = load_notary_key(f, probe);
    if (!a)
      return a.error();
    auto text = chain::to_hex(chain::byte_view(a->data(), a->size()));
    if (std::find(out.begin(), out.end(), text) != out.end())
      return make_error(ec::invalid_config, "notary key in " + f + " is listed twice");
    out.push_back(std::move(text));
  }
  return out;
}

caf::expected<chain::eth::address> load_notary_key(const std::string& key_file,
                                                   chain::secret_key32& out) {
  auto text = read_secret_file(key_file);
  if (!text)
    return text.error();
  auto raw = chain::from_hex(*text);
  if (!raw || raw->size() != 32)
    return make_error(ec::invalid_config,
                      "notary key in " + key_file + " must be 32 bytes of hex");
  std::copy(raw->begin(), raw->end(), out.data());
  sodium_memzero(raw->data(), raw->size());
  if (auto err = chain::secp256k1::instance().self_check())
    return err;
  auto signer = chain::eth::address_of(out);
  if (!signer)
    return make_error(ec::invalid_config, "notary key in " + key_file + " is not a valid secp256k1 key");
  // Sign and recover once with the real key: a broken key or library fails here, not on a user.
  auto probe = chain::eth::keccak256(std::string_view{"lstaked notary self-check"});
  auto sig = chain::eth::sign_digest(probe, out);
  if (!sig)
    return sig.error();
  auto back = chain::eth::recover_address(probe, *sig);
  if (!back || *back != *signer)
    return make_error(ec::crypto_error, "notary key self-check failed");
  return *signer;
}

namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

struct notary_metrics {
  counter_metric& signed_claims;
  counter_metric& refused_bad_signature;
  counter_metric& refused_other;
  histogram_metric& latency;
  static notary_metrics& get() {
    auto& r = metrics_registry::global();
    static notary_metrics m{
      r.counter("lstaked_notary_claims_total", "Claim requests by outcome", {{"outcome", "signed"}}),
      r.counter("lstaked_notary_claims_total", "Claim requests by outcome",
                {{"outcome", "bad_signature"}}),
      r.counter("lstaked_notary_claims_total", "Claim requests by outcome", {{"outcome", "refused"}}),
      r.histogram("lstaked_notary_claim_seconds", "Claim request: verify, reserve, sign, commit"),
    };
    return m;
  }
};

} // namespace

namespace {

// Group commit: while one transaction is in flight, requests queue up; the
// next transaction carries all of them (each in its own SAVEPOINT, so one
// refusal never undoes another). A claim is answered only after the commit
// that stored it, so no signature leaves the process before its claim is on disk.
void flush(notary_actor::stateful_pointer<notary_state> self, notary_metrics& metrics) {
  auto& st = self->state;
  if (st.writing || st.queue.empty())
    return;
  st.writing = true;
  auto batch = std::make_shared<std::vector<pending_claim>>();
  size_t take = std::min(st.queue.size(), notary_state::max_batch);
  batch->assign(std::make_move_iterator(st.queue.begin()),
                std::make_move_iterator(st.queue.begin() + static_cast<std::ptrdiff_t>(take)));
  st.queue.erase(st.queue.begin(), st.queue.begin() + static_cast<std::ptrdiff_t>(take));
  std::vector<presigned_claim> claims;
  claims.reserve(batch->size());
  for (auto& p : *batch)
    claims.push_back(p.claim);
  auto results = std::make_shared<std::vector<caf::expected<ledger::claim_record>>>();
  auto set_check = st.require_safe_notary_set;
  auto max_age = st.notary_set_max_age.count();
  write_task task{
    "reserve_claims", sql::durability::full,
    [claims, results, set_check, max_age](SQLite::Database& db) {
      results->clear();
      // The writer connection's kept statements: prepared once, not per group commit.
      ledger::with_statements(db, [&](ledger::statement_cache& statements) {
        // The pause rule (ledger::check_claims_open), read in the same
        // transaction as the reservations: a pause committed before this
        // transaction stops every claim in it.
        if (auto paused = ledger::check_claims_open(statements)) {
          for (size_t i = 0; i < claims.size(); ++i)
            results->push_back(paused);
          return;
        }
        for (auto& p : claims) {
          // The notary-set rule (ledger::check_notary_set), in the same
          // transaction: the reading is safe, fresh, and names the keys this
          // claim was signed with.
          if (set_check)
            if (auto unsafe = ledger::check_notary_set(statements, p.signed_with, now_ms(), max_age)) {
              results->push_back(unsafe);
              continue;
            }
          // The ledger builds the record from the intent; the signature was made
          // over exactly these fields. Anything else is a bug: refuse, never store.
          auto sign = [&p](const ledger::claim_record& c) -> caf::expected<std::string> {
            if (auto err = ledger::check_signed_fields(
                  c, {p.intent.claim_id, p.amount_wei, p.intent.claim_before_block,
                      p.intent.eth_address}))
              return err;
            return p.signature;
          };
          statements("SAVEPOINT claim").exec();
          try {
            auto claim = ledger::reserve_claim(statements, p.intent, sign, now_ms());
            if (!claim)
              statements("ROLLBACK TO claim").exec();
            statements("RELEASE claim").exec();
            results->push_back(std::move(claim));
          } catch (const std::exception& e) {
            db.exec("ROLLBACK TO claim");
            db.exec("RELEASE claim");
            results->push_back(make_error(ec::database_error, e.what()));
          }
        }
      });
    }};
  self->request(st.storage, std::chrono::seconds(30), write_atom_v, std::move(task))
    .then(
      [self, batch, results, &metrics](uint64_t) {
        auto now = std::chrono::steady_clock::now();
        for (size_t i = 0; i < batch->size(); ++i) {
          auto& p = (*batch)[i];
          auto& r = (*results)[i];
          if (r) {
            self->state.signed_claims += 1;
            metrics.signed_claims.inc();
            metrics.latency.observe_us(static_cast<uint64_t>(
              std::chrono::duration_cast<std::chrono::microseconds>(now - p.started).count()));
            p.promise.deliver(*r);
          } else {
            metrics.refused_other.inc();
            p.promise.deliver(r.error());
          }
        }
        self->state.writing = false;
        flush(self, metrics);
      },
      [self, batch, &metrics](caf::error& err) {
        for (auto& p : *batch) {
          metrics.refused_other.inc();
          p.promise.deliver(err);
        }
        self->state.writing = false;
        flush(self, metrics);
      });
}

} // namespace

notary_signer_actor::behavior_type
notary_signer(notary_signer_actor::stateful_pointer<notary_signer_state> self,
              std::vector<notary_signing_key> keys, chain::eth::eip712_domain domain,
              chain::eth::address token) {
  self->state.keys = std::move(keys);
  self->state.domain = std::move(domain);
  self->state.token = token;
  return {
    [self](claim_atom, claim_request& req, uint64_t claim_before_block,
           std::vector<std::string>& sign_with) -> caf::result<presigned_claim> {
      auto& st = self->state;
      chain::byte_view msg{reinterpret_cast<const uint8_t*>(req.message.data()),
                           req.message.size()};
      auto valid = chain::sig::verify_sign_raw(static_cast<chain::sig::scheme>(req.scheme),
                                               req.signer, msg, req.signature);
      if (!valid || !*valid)
        return make_error(ec::crypto_error, valid ? "signature does not match the request"
                                                  : describe(valid.error()));
      presigned_claim out;
      auto& intent = out.intent;
      intent.request_digest = chain::to_hex(chain::blake2b_256(msg));
      // claimId = keccak-256 of the signed message: one request, one id, forever.
      auto claim_id = chain::eth::keccak256(msg);
      intent.claim_id = chain::to_hex(claim_id);
      intent.account = std::move(req.account);
      intent.eth_address = std::move(req.eth_address);
      intent.amount_planck = req.amount_planck;
      intent.nonce = std::move(req.nonce);
      intent.claim_before_block = claim_before_block;
      intent.expires_at_ms = req.expires_at * 1000;
      // The same amount_wei and fields the ledger will store (checked there).
      auto wei = checked_mul(intent.amount_planck, ledger::wei_per_planck());
      if (!wei)
        return wei.error();
      out.amount_wei = *wei;
      auto to = chain::eth::parse_address(intent.eth_address);
      auto id = chain::eth::u256::from_be(claim_id);
      if (!to || !id)
        return make_error(ec::invalid_input, "bad claim fields");
      chain::eth::claim_authorization auth{st.token, *id, out.amount_wei,
                                           chain::eth::u256{claim_before_block}, *to};
      // One signature per key asked for, in that (ascending) order, as the
      // pool counts them.
      std::vector<uint8_t> signatures;
      for (auto& address : sign_with) {
        auto key = std::find_if(st.keys.begin(), st.keys.end(),
                                [&](const notary_signing_key& k) { return k.address == address; });
        if (key == st.keys.end())
          return make_error(ec::invalid_state, "no notary key for " + address);
        auto sig = chain::eth::sign_claim(st.domain, auth, key->key);
        if (!sig)
          return sig.error();
        signatures.insert(signatures.end(), sig->begin(), sig->end());
      }
      if (signatures.empty())
        return make_error(ec::invalid_state, "no notary key to sign with");
      out.signature = chain::to_hex(chain::byte_view(signatures.data(), signatures.size()));
      out.signed_with = std::move(sign_with);
      return out;
    },
  };
}

namespace {

// Re-reads the stored notary-set reading: which keys sign from now on (or why none).
void refresh_notary_set(notary_actor::stateful_pointer<notary_state> self) {
  auto& st = self->state;
  if (!st.require_safe_notary_set || st.refreshing)
    return;
  st.refreshing = true;
  auto stored = std::make_shared<std::optional<ledger::notary_set_state>>();
  write_task task{"notary_set_read", sql::durability::normal, [stored](SQLite::Database& db) {
                    *stored = ledger::notary_set_of(db);
                  }};
  self->request(st.storage, std::chrono::seconds(30), write_atom_v, std::move(task))
    .then(
      [self, stored](uint64_t) {
        auto& st = self->state;
        st.refreshing = false;
        if (!*stored) {
          st.sign_with.clear();
          st.sign_reason = "the pool's notary set has not been read yet";
        } else if (!(*stored)->safe) {
          st.sign_with.clear();
          st.sign_reason = (*stored)->reason;
        } else {
          st.sign_with = ledger::notary_signers((*stored)->reading);
          st.sign_reason.clear();
        }
      },
      [self](caf::error& err) {
        self->state.refreshing = false;
        spdlog::warn("notary: cannot read the notary set: {}", describe(err));
      });
}

} // namespace

notary_actor::behavior_type notary(notary_actor::stateful_pointer<notary_state> self,
                                   notary_config cfg, storage_actor storage) {
  auto& st = self->state;
  st.storage = std::move(storage);
  st.validity_blocks = cfg.validity_blocks;
  st.require_safe_notary_set = cfg.require_safe_notary_set;
  st.notary_set_max_age = cfg.notary_set_max_age;
  auto files = cfg.more_key_files;
  files.insert(files.begin(), cfg.key_file);
  caf::error err;
  for (auto& file : files) {
    notary_signing_key k;
    auto address = load_notary_key(file, k.key);
    if (!address) {
      err = address.error();
      break;
    }
    k.address = chain::to_hex(chain::byte_view(address->data(), address->size()));
    st.keys.push_back(std::move(k));
  }
  std::sort(st.keys.begin(), st.keys.end(),
            [](const notary_signing_key& a, const notary_signing_key& b) { return a.address < b.address; });
  auto pool = chain::eth::parse_address(cfg.pool_address);
  auto token = chain::eth::parse_address(cfg.token_address);
  if (err || !pool || !token) {
    // The actor terminates with this reason; the handlers below never run.
    if (!err)
      err = make_error(ec::invalid_config, "bad pool/token address");
    spdlog::error("notary: {}", describe(err));
    self->quit(std::move(err));
  } else {
    for (auto& k : st.keys)
      st.addresses.push_back(k.address);
    if (!st.require_safe_notary_set) {
      st.sign_with = st.addresses; // no chain to ask (tests): every key signs
      st.sign_reason.clear();
    }
    st.token = *token;
    st.domain = chain::eth::pool_domain(chain::eth::u256{cfg.chain_id}, *pool);
    std::string signers;
    for (auto& a : st.addresses)
      signers += (signers.empty() ? "" : ", ") + a;
    spdlog::info("notary: {} key(s) ({}) for pool {}", st.keys.size(), signers,
                 chain::eth::to_checksum_address(*pool));
    // One signer per core: sr25519 verification and the EIP-712 signatures run
    // in parallel on the scheduler's workers instead of one at a time in this
    // actor. (Scheduled, not detached: bench_claims measured detached signer
    // threads no faster on 2 cores, and they add a thread wake-up per claim.)
    auto cores = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    for (unsigned i = 0; i < cores; ++i)
      st.signers.push_back(self->spawn<caf::linked>(notary_signer, st.keys, st.domain, st.token));
    // Only the signers sign now: no copy of a key stays in this actor.
    st.keys.clear();
    refresh_notary_set(self);
  }
  auto& metrics = notary_metrics::get();
  return {
    [self, &metrics](claim_atom, claim_request& req) -> caf::result<ledger::claim_record> {
      auto started = std::chrono::steady_clock::now();
      auto& st = self->state;
      if (!st.latest_block) {
        metrics.refused_other.inc();
        return make_error(ec::unavailable, "the Ethereum head is not known yet");
      }
      if (st.signers.empty()) // only when the key failed to load (the actor is quitting)
        return make_error(ec::unavailable, "the notary has no key");
      if (st.sign_with.empty()) {
        // Nothing is signed: no valid claim could be made safely (see the
        // group commit's ledger::check_notary_set, which decides when keys sign).
        metrics.refused_other.inc();
        return ledger::make_refusal(ledger::refusal::unsafe_notary_set, st.sign_reason);
      }
      auto claim_before_block = *st.latest_block + st.validity_blocks;
      auto rp = self->make_response_promise<ledger::claim_record>();
      auto& signer = st.signers[st.next_signer++ % st.signers.size()];
      self->request(signer, caf::infinite, claim_atom_v, std::move(req), claim_before_block,
                    st.sign_with)
        .then(
          [self, rp, started, &metrics](presigned_claim& p) mutable {
            self->state.queue.push_back(pending_claim{std::move(p), rp, started});
            flush(self, metrics);
          },
          [rp, &metrics](caf::error& err) mutable {
            if (code_of(err) == ec::crypto_error)
              metrics.refused_bad_signature.inc();
            else
              metrics.refused_other.inc();
            rp.deliver(err);
          });
      return rp;
    },
    [self](eth_head_atom, uint64_t block) {
      if (!self->state.latest_block || block > *self->state.latest_block)
        self->state.latest_block = block;
      // The head moves every few seconds: so does our view of the notary set.
      refresh_notary_set(self);
    },
    [self](storage_atom, storage_actor& storage) { self->state.storage = std::move(storage); },
    [self](health_atom) {
      auto& st = self->state;
      std::string detail;
      if (!st.latest_block)
        detail = "waiting for the Ethereum head";
      else if (st.sign_with.empty())
        detail = "not signing (unsafe_notary_set): " + st.sign_reason;
      else {
        detail = "signing with";
        for (auto& a : st.sign_with)
          detail += " " + a;
        detail += ", " + std::to_string(st.signed_claims) + " claims signed";
      }
      return actor_health{notary_state::name, st.latest_block.has_value() && !st.sign_with.empty(),
                          detail, static_cast<uint64_t>(self->mailbox().size()), 0};
    },
  };
}

caf::expected<std::optional<notary_config>> make_notary_config(const config& cfg) {
  auto files = notary_key_files(cfg);
  if (files.empty())
    return std::optional<notary_config>{};
  notary_config n{files.front(), cfg.ethereum.chain_id, cfg.ethereum.pool_address,
                  cfg.ethereum.token_address, cfg.claims.validity_blocks};
  n.more_key_files.assign(files.begin() + 1, files.end());
  n.notary_set_max_age = std::chrono::seconds(cfg.claims.notary_set_max_age_seconds);
  if (auto addresses = notary_addresses(files); !addresses) // each key loads, none twice
    return addresses.error();
  return std::optional<notary_config>{std::move(n)};
}

child_spec notary_child(notary_config cfg) {
  auto spec = child_with_storage("notary", storage_use::notify, spawn_mode::shared, notary,
                                 std::move(cfg));
  spec.receives_eth_head = true;
  return spec;
}

} // namespace lstaked

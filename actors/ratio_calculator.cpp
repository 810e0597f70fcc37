#include "actors/ratio_calculator.hpp"

#include "chain/ethereum/abi.hpp"
#include "chain/ethereum/keccak.hpp"
#include "actors/eth_submitter.hpp"
#include "actors/metrics.hpp"
#include "chain/rpc/kusama_staking.hpp"
#include "storage/admin_actions.hpp"
#include "storage/outbox.hpp"

#include <spdlog/spdlog.h>

namespace lstaked {

using nlohmann::json;
using chain::eth::u256;

caf::error validate(const ratio_calculator_config& cfg) {
  if (auto err = rpc::validate(cfg.kusama_rpc))
    return err;
  if (auto err = rpc::validate(cfg.eth_rpc))
    return err;
  if (cfg.database.empty())
    return make_error(ec::invalid_config, "the ratio calculator needs the database path");
  if (cfg.pool_accounts.empty())
    return make_error(ec::invalid_config, "the ratio calculator needs the pool's accounts");
  for (auto& a : cfg.pool_accounts)
    if (auto b = chain::from_hex(a); !b || b->size() != 32)
      return make_error(ec::invalid_config, "not a pool AccountId: " + a);
  if (!chain::eth::parse_address(cfg.token_address))
    return make_error(ec::invalid_config, "ethereum.token_address is not an address");
  if (!chain::eth::parse_address(cfg.operator_address))
    return make_error(ec::invalid_config, "the ratio operator address is not an address");
  if (cfg.fee_bps > 10'000)
    return make_error(ec::invalid_config, "ratio.fee_bps must be at most 10000 (100%)");
  if (cfg.interval.count() <= 0 || cfg.poll_interval.count() <= 0)
    return make_error(ec::invalid_config, "ratio intervals must be > 0");
  return caf::none;
}

namespace {

using self_ptr = ratio_calculator_actor::stateful_pointer<ratio_calculator_state>;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

struct calculator_metrics {
  counter_metric& stored = metrics_registry::global().counter(
    "lstaked_ratio_calculations_total", "Ratio calculations stored (any decision)");
  counter_metric& moved = metrics_registry::global().counter(
    "lstaked_ratio_readings_moved_total",
    "Ratio readings refused because a cursor moved before the write (read again)");
  counter_metric& failed = metrics_registry::global().counter(
    "lstaked_ratio_failures_total", "Ratio calculations that failed (RPC, database, refusals)");
};
calculator_metrics& metrics() {
  static calculator_metrics m;
  return m;
}

void schedule(self_ptr self) {
  self->delayed_send(self, self->state.cfg.poll_interval, tick_atom_v);
}

caf::expected<u256> view_word(rpc::eth_client& eth, const chain::eth::address& to,
                              const std::string& signature, uint64_t block) {
  auto sel = chain::eth::abi_selector(signature);
  rpc::eth_call_request req;
  req.to = to;
  req.data.assign(sel.begin(), sel.end());
  auto answer = eth.call(req, rpc::block_id{block});
  if (!answer)
    return answer.error();
  if (answer->size() != 32)
    return make_error(ec::decode_error, "aKSMb." + signature + ": not one word");
  return u256::from_be(chain::byte_view(answer->data(), 32));
}

caf::expected<uint64_t> small(const caf::expected<u256>& v, const char* what) {
  if (!v)
    return v.error();
  if (!v->fits_u64())
    return make_error(ec::decode_error, std::string(what) + " out of range");
  return v->low_u64();
}

std::string to_dec(chain::substrate::u128 v) {
  return chain::substrate::to_decimal(v);
}

/// The pool accounts' holdings at `block_hash` (the Kusama cursor).
caf::expected<std::pair<u256, json>> read_holdings(ratio_calculator_state& st,
                                                   const std::string& block_hash) {
  auto version = st.kusama->call("state_getRuntimeVersion", json::array({block_hash}));
  if (!version)
    return version.error();
  auto rt = st.runtimes.at(*st.kusama, block_hash, *version);
  if (!rt)
    return rt.error();
  kusama::snapshot_request req;
  for (auto& a : st.cfg.pool_accounts) {
    auto b = *chain::from_hex(a);
    kusama::account32 id{};
    std::copy(b.begin(), b.end(), id.begin());
    req.accounts.push_back(id);
    req.stashes.push_back(id);
  }
  auto snap = kusama::read_snapshot(*st.kusama, *(*rt)->md, block_hash, req);
  if (!snap)
    return snap.error();
  chain::substrate::u128 total = 0;
  json detail = json::object();
  for (auto& id : req.accounts) {
    auto bal = snap->balances.count(id) ? snap->balances.at(id) : kusama::account_balance{};
    auto led = snap->ledgers.find(id);
    chain::substrate::u128 bonded = led == snap->ledgers.end() ? 0 : led->second.total;
    // Hold-based staking keeps the bond in `reserved`; lock-based inside `free`.
    chain::substrate::u128 counted = bal.free + (bal.reserved >= bonded ? bonded : 0);
    total += counted;
    detail[chain::to_hex(chain::byte_view(id.data(), id.size()))] = {
      {"free", to_dec(bal.free)}, {"reserved", to_dec(bal.reserved)}, {"bonded", to_dec(bonded)},
      {"counted", to_dec(counted)}};
  }
  auto held = u256::from_dec(to_dec(total));
  if (!held)
    return held.error();
  return std::make_pair(*held, detail);
}

/// Whether the operator key holds aKSMb's OPERATOR_ROLE at `eth_block`
/// (without it every update would revert). An error: the node could not say.
caf::expected<bool> operator_holds_role(ratio_calculator_state& st, uint64_t eth_block) {
  auto token = *chain::eth::parse_address(st.cfg.token_address);
  auto role = chain::eth::keccak256(std::string_view("OPERATOR_ROLE"));
  auto sel = chain::eth::abi_selector("hasRole(bytes32,address)");
  rpc::eth_call_request req;
  req.to = token;
  req.data.assign(sel.begin(), sel.end());
  req.data.insert(req.data.end(), role.begin(), role.end());
  req.data.insert(req.data.end(), 12, 0);
  auto op = *chain::eth::parse_address(st.cfg.operator_address);
  req.data.insert(req.data.end(), op.begin(), op.end());
  auto answer = st.eth->call(req, rpc::block_id{eth_block});
  if (!answer)
    return answer.error();
  return answer->size() == 32 && answer->back() == 1;
}

// Completes the console's PENDING publish_ratio actions being served FAILED
// with why no calculation can be made now.
void fail_actions(self_ptr self, const std::string& why) {
  auto& st = self->state;
  if (st.pending_actions.empty())
    return;
  auto ids = std::move(st.pending_actions);
  st.pending_actions.clear();
  st.publish_now = false;
  write_task task{"ratio_actions", sql::durability::full, [ids, why](SQLite::Database& db) {
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                      for (auto id : ids)
                        ledger::complete_action(sc, id, "FAILED", why, now_ms());
                    });
                  }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then([](uint64_t) {}, [](caf::error& err) {
      spdlog::warn("ratio_calculator: console actions not completed: {}", describe(err));
    });
}

void tick(self_ptr self) {
  auto& st = self->state;
  if (st.busy)
    return;
  auto fail = [&](const std::string& why) {
    metrics().failed.inc();
    st.readings_moved_in_a_row = 0; // a real failure between two races: not "in a row"
    st.last_error = why;
    st.detail = why;
    spdlog::warn("ratio_calculator: {}", why);
    schedule(self);
  };
  std::optional<ledger::kusama_block_ref> kc;
  std::optional<ledger::eth_block_ref> ec_;
  std::optional<ledger::ratio_calculation> publishing, last;
  bool paused = false;
  try {
    st.db->exec("BEGIN");
    kc = ledger::kusama_cursor(*st.db);
    ec_ = ledger::eth_cursor(*st.db);
    paused = ledger::flow_paused(*st.db, "ratio");
    publishing = ledger::publishing_calculation(*st.db);
    auto recent = ledger::recent_calculations(*st.db, 1);
    if (!recent.empty())
      last = recent.front();
    st.pending_actions.clear();
    for (auto& a : ledger::pending_actions(*st.db, "publish_ratio"))
      st.pending_actions.push_back(a.id);
    if (!st.pending_actions.empty())
      st.publish_now = true;
    st.db->exec("COMMIT");
  } catch (const std::exception& e) {
    try { st.db->exec("ROLLBACK"); } catch (...) {}
    return fail(std::string("database: ") + e.what());
  }
  if (paused) {
    st.detail = "ratio flow paused";
    fail_actions(self, "the ratio flow is paused");
    return schedule(self);
  }
  // Checked as soon as the Ethereum follower has a cursor (at start, not when
  // the first calculation is due), and again until the role is there.
  if (!st.operator_checked && ec_) {
    auto holds = operator_holds_role(st, ec_->number);
    if (!holds)
      return fail("cannot read aKSMb's roles: " + describe(holds.error()));
    if (!*holds) {
      auto why = "the operator key " + st.cfg.operator_address
                 + " does not hold aKSMb's OPERATOR_ROLE: no ratio can be published"
                   " (grant it with aKSMb.grantRole(OPERATOR_ROLE, operator) or configure"
                   " ethereum.operator_key_file with the operator's key)";
      if (st.last_error != why)
        spdlog::critical("ratio_calculator: {}", why);
      st.last_error = why;
      st.detail = why;
      fail_actions(self, why);
      return schedule(self);
    }
    st.operator_checked = true;
    st.last_error.clear();
    spdlog::info("ratio_calculator: the operator key {} holds aKSMb's OPERATOR_ROLE",
                 st.cfg.operator_address);
  }
  if (publishing) {
    st.detail = "publishing calculation " + std::to_string(publishing->id) + " (ratio "
                + publishing->published_ratio + "): waiting for RatioUpdated to be final";
    // A failed or replaced transaction ends the wait (no fee).
    write_task task{"ratio_settle", sql::durability::full, [](SQLite::Database& db) {
                      ledger::with_statements(db, [](ledger::statement_cache& sc) {
                        ledger::settle_publications(sc);
                      });
                    }};
    self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
      .then([self](uint64_t) { schedule(self); }, [self](caf::error&) { schedule(self); });
    return;
  }
  if (!kc || !ec_)
    return fail("waiting for both followers to have a cursor");
  auto now = now_ms();
  int64_t due = last ? last->created_at + std::chrono::duration_cast<std::chrono::milliseconds>(
                                            st.cfg.interval).count()
                     : now;
  st.next_due_ms = due;
  if (now < due && !st.publish_now) {
    st.detail = "next calculation due at " + std::to_string(due) + " ms";
    st.last_error.clear();
    return schedule(self);
  }
  // aKSMb at the Ethereum cursor.
  auto token = *chain::eth::parse_address(st.cfg.token_address);
  auto header = st.eth->block(rpc::block_id{ec_->number});
  if (!header || !*header)
    return fail("cannot read Ethereum block " + std::to_string(ec_->number));
  if (chain::to_hex((*header)->hash) != ec_->hash)
    return fail("the Ethereum cursor's block changed on the node; retrying");
  ledger::ratio_readings r;
  r.eth_block = ec_->number;
  r.eth_hash = ec_->hash;
  r.eth_timestamp = (*header)->timestamp;
  auto shares = view_word(*st.eth, token, "totalShares()", r.eth_block);
  auto ratio = view_word(*st.eth, token, "ratio()", r.eth_block);
  auto min_interval = small(view_word(*st.eth, token, "minRatioInterval()", r.eth_block), "minRatioInterval");
  auto annual = small(view_word(*st.eth, token, "maxAnnualRewardBps()", r.eth_block), "maxAnnualRewardBps");
  auto loss = small(view_word(*st.eth, token, "maxLossBps()", r.eth_block), "maxLossBps");
  auto last_update = small(view_word(*st.eth, token, "lastRatioUpdate()", r.eth_block), "lastRatioUpdate");
  for (auto* e : {&shares, &ratio})
    if (!*e)
      return fail("cannot read aKSMb: " + describe(e->error()));
  for (auto* e : {&min_interval, &annual, &loss, &last_update})
    if (!*e)
      return fail("cannot read aKSMb's bounds: " + describe(e->error()));
  r.eth_total_shares = *shares;
  // Nothing staked yet (no shares anywhere): nothing to calculate, nothing stored.
  if (shares->is_zero()) {
    bool none = false;
    try {
      ledger::with_statements(*st.db, [&](ledger::statement_cache& sc) {
        auto side = ledger::ratio_side_of(sc);
        none = side.unclaimed_shares.is_zero() && side.reserved_shares.is_zero();
      });
    } catch (const std::exception& e) {
      return fail(std::string("database: ") + e.what());
    }
    if (none) {
      st.detail = "no shares exist yet: nothing to calculate";
      st.last_error.clear();
      fail_actions(self, st.detail);
      return schedule(self);
    }
  }
  r.eth_ratio = *ratio;
  r.bounds = {*min_interval, *annual, *loss};
  r.last_update = *last_update;
  if (r.eth_timestamp < r.last_update + r.bounds.min_interval) {
    st.next_due_ms = std::max<int64_t>(due, static_cast<int64_t>(r.last_update + r.bounds.min_interval) * 1000);
    st.detail = "aKSMb accepts the next update from " + std::to_string(r.last_update + r.bounds.min_interval);
    fail_actions(self, st.detail + " (unix seconds)");
    return schedule(self);
  }
  // The pool's holdings at the Kusama cursor.
  r.kusama_block = kc->number;
  r.kusama_hash = kc->hash;
  auto held = read_holdings(st, kc->hash);
  if (!held)
    return fail("cannot read the pool's holdings at Kusama block " + std::to_string(kc->number) + ": "
                + describe(held.error()));
  r.held_on_chain = held->first;
  r.held_detail = held->second;
  ledger::ratio_policy p;
  p.fee_bps = st.cfg.fee_bps;
  p.operator_address = st.cfg.operator_address;
  p.token_address = st.cfg.token_address;
  p.gas_limit = st.cfg.gas_limit;
  auto nonce = st.eth->transaction_count(*chain::eth::parse_address(st.cfg.operator_address),
                                         rpc::block_id{std::string("latest")});
  if (!nonce)
    return fail("cannot read the operator's nonce: " + describe(nonce.error()));
  p.operator_next_nonce = *nonce;
  st.busy = true;
  auto out = std::make_shared<ledger::ratio_calculation>();
  // The console's publish_ratio actions complete with the calculation they caused.
  write_task task{"ratio_decide", sql::durability::full,
                  [r, p, out, ids = st.pending_actions](SQLite::Database& db) {
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                      *out = ledger::decide_ratio(sc, r, p, now_ms());
                      auto outcome = "calculation " + std::to_string(out->id) + ": " + out->decision
                                     + (out->published_ratio.empty() ? "" : " " + out->published_ratio)
                                     + (out->reason.empty() ? "" : " (" + out->reason + ")");
                      for (auto id : ids)
                        ledger::complete_action(sc, id, "DONE", outcome, now_ms());
                    });
                  }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then(
      [self, out](uint64_t) {
        auto& st = self->state;
        st.busy = false;
        st.publish_now = false;
        st.pending_actions.clear();
        st.last_error.clear();
        st.readings_moved_in_a_row = 0;
        metrics().stored.inc();
        st.last = out->to_json();
        st.detail = "calculation " + std::to_string(out->id) + ": " + out->decision
                    + (out->published_ratio.empty() ? "" : " " + out->published_ratio);
        spdlog::info("ratio_calculator: {} (reward {}, fee {} planck)", st.detail,
                     out->result.is_object() ? out->result.value("reward_planck", "?") : "?",
                     out->fee.to_dec());
        schedule(self);
      },
      [self](caf::error& err) {
        auto& st = self->state;
        st.busy = false;
        if (ledger::refusal_of(err) == ledger::refusal::ratio_readings_moved) {
          metrics().moved.inc();
          st.readings_moved_in_a_row += 1;
          st.detail = "reading again: " + message_of(err);
          if (st.readings_moved_in_a_row < ratio_calculator_state::readings_moved_alarm) {
            // Every reading of this tick succeeded, so an earlier tick's
            // error (an RPC failure, say) no longer holds.
            st.last_error.clear();
            spdlog::info("ratio_calculator: {}", st.detail);
            return schedule(self);
          }
          st.last_error = "no calculation stored: the readings moved "
                          + std::to_string(st.readings_moved_in_a_row)
                          + " times in a row (last: " + message_of(err) + ")";
          st.detail = st.last_error;
          spdlog::warn("ratio_calculator: {}", st.last_error);
          return schedule(self);
        }
        metrics().failed.inc();
        st.readings_moved_in_a_row = 0;
        st.last_error = "calculation not stored: " + describe(err);
        st.detail = st.last_error;
        spdlog::warn("ratio_calculator: {}", st.last_error);
        schedule(self);
      });
}

} // namespace

ratio_calculator_actor::behavior_type
ratio_calculator(ratio_calculator_actor::stateful_pointer<ratio_calculator_state> self,
                 ratio_calculator_config cfg, storage_actor storage) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.storage = std::move(storage);
  auto stopped = [self](caf::error err) -> ratio_calculator_actor::behavior_type {
    spdlog::error("ratio_calculator: {}", describe(err));
    self->quit(std::move(err));
    return {[](tick_atom) {}, [](publish_atom) {}, [](status_atom) { return std::string("{}"); },
            [](health_atom) {
              return actor_health{ratio_calculator_state::name, false, "stopped", 0, 0};
            }};
  };
  if (auto err = validate(st.cfg))
    return stopped(std::move(err));
  auto k = rpc::json_rpc_client::make(st.cfg.kusama_rpc);
  if (!k)
    return stopped(k.error());
  st.kusama = std::move(*k);
  auto e = rpc::eth_client::make(st.cfg.eth_rpc);
  if (!e)
    return stopped(e.error());
  st.eth = std::move(*e);
  try {
    st.db = std::make_unique<SQLite::Database>(st.cfg.database, SQLite::OPEN_READONLY);
  } catch (const std::exception& ex) {
    return stopped(make_error(ec::database_error, ex.what()));
  }
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) { tick(self); },
    [self](publish_atom) {
      self->state.publish_now = true;
      tick(self);
    },
    [self](status_atom) {
      auto& st = self->state;
      json j{{"detail", st.detail}, {"last_error", st.last_error}, {"last", st.last},
             {"fee_bps", st.cfg.fee_bps}, {"interval_seconds", st.cfg.interval.count()},
             {"next_due_ms", st.next_due_ms ? json(*st.next_due_ms) : json()}};
      return j.dump();
    },
    [self](health_atom) {
      auto& st = self->state;
      return actor_health{ratio_calculator_state::name, st.last_error.empty(), st.detail,
                          static_cast<uint64_t>(self->mailbox().size()), 0};
    },
  };
}

bool ratio_calculator_enabled(const config& cfg) {
  return !cfg.ethereum.operator_key_file.empty() && !cfg.ethereum.token_address.empty()
         && !cfg.kusama.deposit_address.empty();
}

caf::expected<std::optional<ratio_calculator_config>> make_ratio_calculator_config(const config& cfg) {
  if (!ratio_calculator_enabled(cfg))
    return std::optional<ratio_calculator_config>{};
  chain::secret_key32 key; // only its address is kept here
  auto address = load_eth_operator_key(cfg.ethereum.operator_key_file, key);
  if (!address)
    return address.error();
  ratio_calculator_config c;
  c.kusama_rpc.url = cfg.kusama.rpc_url;
  c.eth_rpc.url = cfg.ethereum.rpc_url;
  c.database = cfg.database_path();
  std::vector<std::string> accounts{cfg.kusama.deposit_address};
  accounts.insert(accounts.end(), cfg.staking.stashes.begin(), cfg.staking.stashes.end());
  accounts.insert(accounts.end(), cfg.kusama.pool_accounts.begin(), cfg.kusama.pool_accounts.end());
  for (auto& a : accounts) {
    auto hex = kusama_account_hex(cfg.kusama, a);
    if (!hex)
      return hex.error();
    if (std::find(c.pool_accounts.begin(), c.pool_accounts.end(), *hex) == c.pool_accounts.end())
      c.pool_accounts.push_back(*hex);
  }
  c.token_address = cfg.ethereum.token_address;
  c.operator_address = chain::to_hex(chain::byte_view(address->data(), address->size()));
  c.fee_bps = static_cast<uint32_t>(cfg.ratio.fee_bps);
  c.interval = std::chrono::seconds(cfg.ratio.interval_seconds);
  c.gas_limit = cfg.ratio.gas_limit;
  c.poll_interval = std::chrono::milliseconds(cfg.ratio.poll_interval_ms);
  return std::optional<ratio_calculator_config>{std::move(c)};
}

child_spec ratio_calculator_child(ratio_calculator_config cfg) {
  return child_with_storage("ratio_calculator", storage_use::restart, spawn_mode::detached,
                            ratio_calculator, std::move(cfg));
}

} // namespace lstaked

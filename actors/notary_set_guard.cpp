#include "actors/notary_set_guard.hpp"

#include "actors/eth_watcher.hpp"
#include "actors/notary.hpp"
#include "chain/ethereum/abi.hpp"
#include "storage/chain_identity.hpp"

#include <SQLiteCpp/Database.h>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace lstaked {

caf::error validate(const notary_set_guard_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  if (!chain::eth::parse_address(cfg.pool_address))
    return make_error(ec::invalid_config, "ethereum.pool_address is not an address: "
                                            + cfg.pool_address);
  if (cfg.held.empty())
    return make_error(ec::invalid_config, "the notary-set guard needs this daemon's notary addresses");
  for (auto& a : cfg.held)
    if (!chain::eth::parse_address(a))
      return make_error(ec::invalid_config, "not a notary address: " + a);
  if (cfg.finality != "finalized" && cfg.finality != "safe" && cfg.finality != "confirmations")
    return make_error(ec::invalid_config, "ethereum.finality must be finalized, safe or confirmations");
  if (cfg.poll_interval.count() <= 0 || cfg.storage_timeout.count() <= 0)
    return make_error(ec::invalid_config, "notary-set guard intervals must be > 0");
  return caf::none;
}

namespace {

using self_ptr = notary_set_guard_actor::stateful_pointer<notary_set_guard_state>;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// A view function's 32-byte answer as a number (these never exceed 64 bits).
caf::expected<uint64_t> word_u64(const caf::expected<chain::bytes>& answer, const char* what) {
  if (!answer)
    return answer.error();
  if (answer->size() != 32)
    return make_error(ec::decode_error, std::string(what) + ": answer is not one word");
  auto word = chain::eth::u256::from_be(chain::byte_view(answer->data(), 32));
  if (!word || !word->fits_u64())
    return make_error(ec::decode_error, std::string(what) + ": out of range");
  return word->low_u64();
}

// Blocking: the node's identity (chain id, genesis hash), compared with the
// pinned one in the storage task: a foreign chain's notary set is never stored.
caf::expected<ledger::chain_identity> read_identity(notary_set_guard_state& st) {
  auto id = st.eth->chain_id();
  if (!id)
    return id.error();
  return ethereum_identity(*id, st.eth->block(rpc::block_id{uint64_t{0}}));
}

// Blocking: the reading at the final block.
caf::expected<ledger::notary_set_reading> read_set(notary_set_guard_state& st) {
  auto tag = st.cfg.finality == "confirmations" ? std::string("latest") : st.cfg.finality;
  auto head = st.eth->block(rpc::block_id{tag});
  if (!head)
    return head.error();
  if (!*head)
    return make_error(ec::unavailable, "the node has no " + tag + " block yet");
  uint64_t at = (*head)->number;
  if (st.cfg.finality == "confirmations")
    at = at >= st.cfg.confirmations ? at - st.cfg.confirmations : 0;
  auto call = [&](const std::string& signature, chain::bytes args) {
    auto selector = chain::eth::abi_selector(signature);
    rpc::eth_call_request req;
    req.to = st.pool;
    req.data = chain::bytes{selector[0], selector[1], selector[2], selector[3]};
    req.data.insert(req.data.end(), args.begin(), args.end());
    return st.eth->call(req, rpc::block_id{at});
  };
  ledger::notary_set_reading r;
  r.block_number = at;
  auto count = word_u64(call("notaryCount()", {}), "notaryCount()");
  if (!count)
    return count.error();
  auto threshold = word_u64(call("threshold()", {}), "threshold()");
  if (!threshold)
    return threshold.error();
  r.notary_count = *count;
  r.threshold = *threshold;
  for (auto& text : st.cfg.held) {
    auto a = *chain::eth::parse_address(text);
    chain::bytes arg(12, 0);
    arg.insert(arg.end(), a.begin(), a.end());
    auto is = word_u64(call("isNotary(address)", arg), "isNotary(address)");
    if (!is)
      return is.error();
    if (*is == 1)
      r.held.push_back(chain::to_hex(chain::byte_view(a.data(), a.size())));
  }
  return r;
}

void tick(self_ptr self) {
  auto& st = self->state;
  auto node = read_identity(st);
  auto reading = node ? read_set(st) : caf::expected<ledger::notary_set_reading>{node.error()};
  if (!reading) {
    st.read_failed = true;
    st.detail = "cannot read the pool's notary set: " + describe(reading.error());
    spdlog::warn("notary_set_guard: {}", st.detail);
    self->delayed_send(self, st.cfg.poll_interval, tick_atom_v);
    return;
  }
  auto stored = std::make_shared<ledger::notary_set_state>();
  // NORMAL durability: a lost reading leaves an older one, which the notary
  // stops trusting once it is older than its bound.
  write_task task{"notary_set", sql::durability::normal,
                  [r = *reading, node = *node, stored](SQLite::Database& db) {
                    // The chain the followers pinned (or this one, if it is the first to meet
                    // it): another chain's notary set must not decide our claims.
                    auto pin = ledger::pin_identity(db, node, now_ms());
                    if (auto why = ledger::identity_mismatch(node, pin); !why.empty())
                      throw write_refused{make_error(ec::invalid_state, why)};
                    ledger::with_statements(db, [&](ledger::statement_cache& sc) {
                      *stored = ledger::record_notary_set(sc, r, now_ms());
                    });
                  }};
  self->request(st.storage, st.cfg.storage_timeout, write_atom_v, std::move(task))
    .then(
      [self, stored](uint64_t) {
        auto& st = self->state;
        auto& r = stored->reading;
        if (!st.safe || *st.safe != stored->safe) {
          if (stored->safe)
            spdlog::info("notary_set_guard: notary set safe at block {} (threshold {}, {} of {} "
                         "notaries held here): claims may be signed",
                         r.block_number, r.threshold, r.held.size(), r.notary_count);
          else
            spdlog::critical("notary_set_guard: claims refused (unsafe_notary_set): {}",
                             stored->reason);
        }
        st.safe = stored->safe;
        st.read_failed = false;
        st.detail = "block " + std::to_string(r.block_number) + ": threshold "
                    + std::to_string(r.threshold) + ", " + std::to_string(r.held.size()) + " of "
                    + std::to_string(r.notary_count) + " notaries held here"
                    + (stored->safe ? "" : "; UNSAFE: " + stored->reason);
        self->delayed_send(self, st.cfg.poll_interval, tick_atom_v);
      },
      [self](caf::error& err) {
        auto& st = self->state;
        st.read_failed = true;
        st.detail = "cannot store the notary set: " + describe(err);
        self->delayed_send(self, st.cfg.poll_interval, tick_atom_v);
      });
}

} // namespace

notary_set_guard_actor::behavior_type
notary_set_guard(notary_set_guard_actor::stateful_pointer<notary_set_guard_state> self,
                 notary_set_guard_config cfg, storage_actor storage) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.storage = std::move(storage);
  st.detail = "not read yet";
  auto stopped = [self](caf::error err) -> notary_set_guard_actor::behavior_type {
    spdlog::error("notary_set_guard: {}", describe(err));
    self->quit(std::move(err));
    return {[](tick_atom) {},
            [](health_atom) {
              return actor_health{notary_set_guard_state::name, false, "stopped", 0, 0};
            }};
  };
  if (auto err = validate(st.cfg))
    return stopped(std::move(err));
  st.pool = *chain::eth::parse_address(st.cfg.pool_address);
  auto client = rpc::eth_client::make(st.cfg.rpc);
  if (!client)
    return stopped(client.error());
  st.eth = std::move(*client);
  self->send(self, tick_atom_v);
  return {
    [self](tick_atom) { tick(self); },
    [self](health_atom) {
      auto& st = self->state;
      return actor_health{notary_set_guard_state::name,
                          !st.read_failed && st.safe.value_or(false), st.detail,
                          static_cast<uint64_t>(self->mailbox().size()), 0};
    },
  };
}

caf::expected<std::optional<notary_set_guard_config>>
make_notary_set_guard_config(const config& cfg) {
  auto files = notary_key_files(cfg);
  if (files.empty())
    return std::optional<notary_set_guard_config>{};
  auto addresses = notary_addresses(files);
  if (!addresses)
    return addresses.error();
  notary_set_guard_config g;
  g.rpc.url = cfg.ethereum.rpc_url;
  g.pool_address = cfg.ethereum.pool_address;
  g.held = std::move(*addresses);
  g.finality = cfg.ethereum.finality;
  g.confirmations = cfg.ethereum.confirmations;
  g.poll_interval = std::chrono::milliseconds(cfg.ethereum.poll_interval_ms);
  return std::optional<notary_set_guard_config>{std::move(g)};
}

child_spec notary_set_guard_child(notary_set_guard_config cfg) {
  return child_with_storage("notary_set_guard", storage_use::restart, spawn_mode::detached,
                            notary_set_guard, std::move(cfg));
}

} // namespace lstaked

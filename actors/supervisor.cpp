#include "actors/supervisor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <thread>

namespace lstaked {

caf::error validate(const supervisor_config& cfg) {
  if (auto err = validate(cfg.storage))
    return err;
  if (cfg.notary)
    if (auto err = validate(*cfg.notary))
      return err;
  if (cfg.eth_watcher)
    if (auto err = validate(*cfg.eth_watcher))
      return err;
  if (cfg.kusama_watcher)
    if (auto err = validate(*cfg.kusama_watcher))
      return err;
  if (cfg.kusama_lookup)
    if (auto err = validate(*cfg.kusama_lookup))
      return err;
  if (cfg.restart_backoff.count() <= 0 || cfg.max_restart_backoff < cfg.restart_backoff)
    return make_error(ec::invalid_config, "restart backoff must be positive and below its maximum");
  return caf::none;
}

namespace {

using self_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

// Watches and links a new incarnation of child `name` and records its handle.
template <class Handle>
void adopt(self_ptr self, const std::string& name, const Handle& child, Handle& slot) {
  self->monitor(child);
  self->link_to(child);
  slot = child;
  self->state.children[name].address = child.address();
}

template <class Handle>
void adopt(self_ptr self, const std::string& name, const Handle& child,
           std::optional<Handle>& slot) {
  slot = child;
  adopt(self, name, child, *slot);
}

void start_child(self_ptr self, const std::string& name) {
  auto& st = self->state;
  // Watchers and the lookup make blocking JSON-RPC calls: each gets its own
  // thread (detached), so none stalls the scheduler.
  if (name == "storage") {
    adopt(self, name, self->spawn(storage, st.cfg.storage), st.storage);
    if (st.notary) // the notary keeps working with the new incarnation
      self->send(*st.notary, storage_atom_v, st.storage);
    // Watchers hold the storage handle in flight steps: restart them on the new one.
    if (st.eth_watcher && st.children["eth_watcher"].address)
      self->send_exit(*st.eth_watcher, caf::exit_reason::user_shutdown);
    if (st.kusama_watcher && st.children["kusama_watcher"].address)
      self->send_exit(*st.kusama_watcher, caf::exit_reason::user_shutdown);
  } else if (name == "kusama_watcher" && st.cfg.kusama_watcher) {
    adopt(self, name,
          self->spawn<caf::detached>(kusama_watcher, *st.cfg.kusama_watcher, st.storage),
          st.kusama_watcher);
  } else if (name == "kusama_lookup" && st.cfg.kusama_lookup) {
    adopt(self, name, self->spawn<caf::detached>(kusama_lookup, *st.cfg.kusama_lookup),
          st.kusama_lookup);
  } else if (name == "eth_watcher" && st.cfg.eth_watcher) {
    adopt(self, name, self->spawn<caf::detached>(eth_watcher, *st.cfg.eth_watcher, st.storage),
          st.eth_watcher);
  } else if (name == "notary" && st.cfg.notary) {
    adopt(self, name, self->spawn(notary, *st.cfg.notary, st.storage), st.notary);
    if (st.eth_head)
      self->send(*st.notary, eth_head_atom_v, *st.eth_head);
  }
}

std::chrono::milliseconds backoff_for(const supervisor_config& cfg, uint64_t failures) {
  auto delay = cfg.restart_backoff;
  for (uint64_t i = 1; i < failures && delay < cfg.max_restart_backoff; ++i)
    delay *= 2;
  return std::min(delay, cfg.max_restart_backoff);
}

health_protocol health_handle(self_ptr self, const std::string& name) {
  if (name == "storage")
    return caf::actor_cast<health_protocol>(self->state.storage);
  if (name == "eth_watcher")
    return caf::actor_cast<health_protocol>(*self->state.eth_watcher);
  if (name == "kusama_watcher")
    return caf::actor_cast<health_protocol>(*self->state.kusama_watcher);
  if (name == "kusama_lookup")
    return caf::actor_cast<health_protocol>(*self->state.kusama_lookup);
  return caf::actor_cast<health_protocol>(*self->state.notary);
}

// Collects one health answer per child, then delivers them in name order.
struct health_collector {
  caf::typed_response_promise<std::vector<actor_health>> rp;
  std::map<std::string, actor_health> answers;
  size_t pending = 0;
  void add(actor_health h) {
    answers[h.name] = std::move(h);
    if (--pending == 0) {
      std::vector<actor_health> out;
      for (auto& [_, h] : answers)
        out.push_back(std::move(h));
      rp.deliver(std::move(out));
    }
  }
};

} // namespace

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self, supervisor_config cfg) {
  self->state.cfg = std::move(cfg);
  // Children are linked so that they stop when the supervisor stops; their
  // own exits are trapped here (restarts happen in the down handler), while
  // an exit from anyone else stops the supervisor and, through the links, them.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    for (auto& [_, child] : self->state.children)
      if (child.address == msg.source)
        return;
    self->quit(msg.reason);
  });
  start_child(self, "storage");
  if (self->state.cfg.notary)
    start_child(self, "notary");
  if (self->state.cfg.eth_watcher) {
    start_child(self, "eth_watcher");
    self->send(self, tick_atom_v);
  }
  if (self->state.cfg.kusama_watcher)
    start_child(self, "kusama_watcher");
  if (self->state.cfg.kusama_lookup)
    start_child(self, "kusama_lookup");
  self->set_down_handler([self](caf::down_msg& msg) {
    for (auto& [name, child] : self->state.children) {
      if (child.address != msg.source)
        continue;
      child.address = nullptr;
      if (self->state.shutting_down)
        return;
      child.failures += 1;
      child.last_error = msg.reason ? describe(msg.reason) : "stopped";
      auto delay = backoff_for(self->state.cfg, child.failures);
      spdlog::error("supervisor: actor {} stopped ({}); restarting in {} ms", name,
                    child.last_error, delay.count());
      self->delayed_send(self, delay, restart_atom_v, name);
      return;
    }
  });
  return {
    [self](restart_atom, const std::string& name) {
      if (self->state.shutting_down)
        return;
      auto& child = self->state.children[name];
      child.restarts += 1;
      spdlog::info("supervisor: restarting {} (restart #{})", name, child.restarts);
      start_child(self, name);
    },
    [self](status_atom) -> caf::result<std::vector<actor_health>> {
      auto collector = std::make_shared<health_collector>();
      collector->rp = self->make_response_promise<std::vector<actor_health>>();
      collector->pending = self->state.children.size();
      for (auto& [name, child] : self->state.children) {
        auto base = actor_health{name, false, "", 0, child.restarts};
        if (!child.address) {
          base.detail = "restarting after: " + child.last_error;
          collector->add(base);
          continue;
        }
        self->request(health_handle(self, name), self->state.cfg.health_timeout, health_atom_v)
          .then(
            [self, collector, name](actor_health h) {
              auto& c = self->state.children[name];
              if (h.ok)
                c.failures = 0; // healthy again: the next failure starts from the base delay
              h.restarts = c.restarts;
              collector->add(std::move(h));
            },
            [collector, base](caf::error& err) mutable {
              base.detail = "no health answer: " + describe(err);
              collector->add(base);
            });
      }
      return collector->rp;
    },
    [self](storage_atom) { return self->state.storage; },
    [self](notary_atom) -> caf::result<notary_actor> {
      auto it = self->state.children.find("notary");
      if (!self->state.notary || it == self->state.children.end() || !it->second.address)
        return make_error(ec::unavailable, self->state.cfg.notary ? "the notary is restarting"
                                                                  : "claims are not configured");
      return *self->state.notary;
    },
    [self](kusama_lookup_atom) -> caf::result<kusama_lookup_actor> {
      auto it = self->state.children.find("kusama_lookup");
      if (!self->state.kusama_lookup || it == self->state.children.end() || !it->second.address)
        return make_error(ec::unavailable, self->state.cfg.kusama_lookup
                                             ? "the Kusama lookup is restarting"
                                             : "deposits are not configured");
      return *self->state.kusama_lookup;
    },
    [self](tick_atom) {
      auto& st = self->state;
      if (st.shutting_down)
        return;
      self->delayed_send(self, st.cfg.head_interval, tick_atom_v);
      if (!st.eth_watcher || !st.children["eth_watcher"].address)
        return;
      self->request(*st.eth_watcher, st.cfg.head_interval, status_atom_v)
        .then(
          [self](const eth_watcher_status& s) {
            if (s.final_head > 0)
              self->send(self, eth_head_atom_v, s.final_head);
          },
          [](caf::error&) {}); // health reports a silent watcher
    },
    [self](eth_head_atom, uint64_t block) {
      self->state.eth_head = block;
      if (self->state.notary)
        self->send(*self->state.notary, eth_head_atom_v, block);
    },
    [self](shutdown_atom) -> caf::result<bool> {
      self->state.shutting_down = true;
      auto rp = self->make_response_promise<bool>();
      if (self->state.notary)
        self->send_exit(*self->state.notary, caf::exit_reason::user_shutdown);
      if (self->state.eth_watcher)
        self->send_exit(*self->state.eth_watcher, caf::exit_reason::user_shutdown);
      if (self->state.kusama_watcher)
        self->send_exit(*self->state.kusama_watcher, caf::exit_reason::user_shutdown);
      if (self->state.kusama_lookup)
        self->send_exit(*self->state.kusama_lookup, caf::exit_reason::user_shutdown);
      if (!self->state.children["storage"].address) {
        rp.deliver(true);
        self->quit();
        return rp;
      }
      // Writes are FIFO: the checkpoint's reply means every earlier write committed.
      self->request(self->state.storage, std::chrono::seconds(30), checkpoint_atom_v)
        .then(
          [self, rp](int64_t frames) mutable {
            spdlog::info("storage drained; WAL checkpointed ({} frames)", frames);
            self->send_exit(self->state.storage, caf::exit_reason::user_shutdown);
            rp.deliver(true);
            self->quit();
          },
          [self, rp](caf::error& err) mutable {
            spdlog::warn("shutdown checkpoint failed: {}", describe(err));
            self->send_exit(self->state.storage, caf::exit_reason::user_shutdown);
            rp.deliver(false);
            self->quit();
          });
      return rp;
    },
  };
}

void configure_scheduler(caf::actor_system_config& cfg) {
  auto cores = static_cast<size_t>(std::max(2u, std::thread::hardware_concurrency()));
  cfg.set("scheduler.max-threads", cores);
}

} // namespace lstaked

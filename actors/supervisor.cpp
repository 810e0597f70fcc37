#include "actors/supervisor.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>
#include <thread>

namespace lstaked {

caf::error validate(const supervisor_config& cfg) {
  if (auto err = validate(cfg.storage))
    return err;
  for (auto& child : cfg.children) {
    if (child.config_error)
      return child.config_error;
    if (child.name.empty() || child.name == "storage" || !child.spawn)
      return make_error(ec::invalid_config,
                        "a supervised child needs a name other than storage and a spawn function");
  }
  if (cfg.restart_backoff.count() <= 0 || cfg.max_restart_backoff < cfg.restart_backoff)
    return make_error(ec::invalid_config, "restart backoff must be positive and below its maximum");
  return caf::none;
}

namespace {

std::string status_json(const kusama_watcher_status& s) {
  return nlohmann::json{{"cursor", s.has_cursor ? nlohmann::json(s.cursor) : nlohmann::json()},
                        {"cursor_hash", s.cursor_hash},       {"final_head", s.finalized},
                        {"lag", s.lag},                       {"spec_version", s.spec_version},
                        {"blocks_per_second", s.blocks_per_second},
                        {"eta_seconds", s.eta_seconds},       {"halted", s.halted},
                        {"last_error", s.last_error}}
    .dump();
}

std::string status_json(const eth_watcher_status& s) {
  return nlohmann::json{{"cursor", s.has_cursor ? nlohmann::json(s.cursor) : nlohmann::json()},
                        {"cursor_hash", s.cursor_hash}, {"final_head", s.final_head},
                        {"lag", s.lag},                 {"window", s.window},
                        {"halted", s.halted},           {"last_error", s.last_error}}
    .dump();
}

using self_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

const child_spec* spec_of(self_ptr self, const std::string& name) {
  for (auto& spec : self->state.cfg.children)
    if (spec.name == name)
      return &spec;
  return nullptr;
}

// Watches and links a new incarnation of `name` and records its handle.
void adopt(self_ptr self, const std::string& name, const caf::actor& handle) {
  self->monitor(handle);
  self->link_to(handle);
  self->state.children[name].handle = handle;
}

void start_storage(self_ptr self) {
  auto& st = self->state;
  st.storage = self->spawn(storage, st.cfg.storage);
  adopt(self, "storage", caf::actor_cast<caf::actor>(st.storage));
  for (auto& spec : st.cfg.children) {
    auto& handle = st.children[spec.name].handle;
    if (!handle)
      continue; // not started yet, or restarting: it gets the new handle when it starts
    if (spec.storage == storage_use::notify)
      caf::anon_send(handle, storage_atom_v, st.storage); // a dynamically typed handle
    else if (spec.storage == storage_use::restart)
      // It holds the old handle in flight steps: restart it on the new one.
      self->send_exit(handle, caf::exit_reason::user_shutdown);
  }
}

void start_child(self_ptr self, const child_spec& spec) {
  auto& st = self->state;
  adopt(self, spec.name, spec.spawn(self->system(), st.storage));
  if (spec.receives_eth_head && st.eth_head)
    caf::anon_send(st.children[spec.name].handle, eth_head_atom_v, *st.eth_head);
}

std::chrono::milliseconds backoff_for(const supervisor_config& cfg, uint64_t failures) {
  auto delay = cfg.restart_backoff;
  for (uint64_t i = 1; i < failures && delay < cfg.max_restart_backoff; ++i)
    delay *= 2;
  return std::min(delay, cfg.max_restart_backoff);
}

// The running incarnation of role `name`, or ec::unavailable saying why not.
template <class Handle>
caf::result<Handle> running(self_ptr self, const std::string& name,
                            const std::string& not_configured, const std::string& restarting) {
  auto it = self->state.children.find(name);
  if (!spec_of(self, name) || it == self->state.children.end())
    return make_error(ec::unavailable, not_configured);
  if (!it->second.handle)
    return make_error(ec::unavailable, restarting);
  return caf::actor_cast<Handle>(it->second.handle);
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
      if (child.handle && child.handle.address() == msg.source)
        return;
    self->quit(msg.reason);
  });
  start_storage(self);
  for (auto& spec : self->state.cfg.children)
    start_child(self, spec);
  if (spec_of(self, "eth_watcher"))
    self->send(self, tick_atom_v);
  self->set_down_handler([self](caf::down_msg& msg) {
    for (auto& [name, child] : self->state.children) {
      if (!child.handle || child.handle.address() != msg.source)
        continue;
      child.handle = nullptr;
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
      if (name == "storage")
        start_storage(self);
      else if (auto* spec = spec_of(self, name))
        start_child(self, *spec);
    },
    [self](status_atom) -> caf::result<std::vector<actor_health>> {
      auto collector = std::make_shared<health_collector>();
      collector->rp = self->make_response_promise<std::vector<actor_health>>();
      collector->pending = self->state.children.size();
      for (auto& [name, child] : self->state.children) {
        auto base = actor_health{name, false, "", 0, child.restarts};
        if (!child.handle) {
          base.detail = "restarting after: " + child.last_error;
          collector->add(base);
          continue;
        }
        self->request(caf::actor_cast<health_protocol>(child.handle), self->state.cfg.health_timeout,
                      health_atom_v)
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
    [self](status_atom, const std::string& name) -> caf::result<std::string> {
      auto it = self->state.children.find(name);
      if (it == self->state.children.end() || !it->second.handle || name == "storage")
        return make_error(ec::unavailable, name + " is not running");
      auto rp = self->make_response_promise<std::string>();
      auto timeout = self->state.cfg.health_timeout;
      auto fail = [rp](caf::error& err) mutable { rp.deliver(std::move(err)); };
      if (name == "kusama_watcher") {
        self->request(caf::actor_cast<kusama_watcher_actor>(it->second.handle), timeout, status_atom_v)
          .then([rp](const kusama_watcher_status& s) mutable { rp.deliver(status_json(s)); }, fail);
      } else if (name == "eth_watcher") {
        self->request(caf::actor_cast<eth_watcher_actor>(it->second.handle), timeout, status_atom_v)
          .then([rp](const eth_watcher_status& s) mutable { rp.deliver(status_json(s)); }, fail);
      } else {
        // Every other role that answers status_atom answers JSON text.
        using status_text = caf::typed_actor<caf::replies_to<status_atom>::with<std::string>>;
        self->request(caf::actor_cast<status_text>(it->second.handle), timeout, status_atom_v)
          .then([rp](std::string& s) mutable { rp.deliver(std::move(s)); }, fail);
      }
      return rp;
    },
    [self](storage_atom) { return self->state.storage; },
    [self](notary_atom) {
      return running<notary_actor>(self, "notary", "claims are not configured",
                                   "the notary is restarting");
    },
    [self](kusama_lookup_atom) {
      return running<kusama_lookup_actor>(self, "kusama_lookup", "deposits are not configured",
                                          "the Kusama lookup is restarting");
    },
    [self](tick_atom) {
      auto& st = self->state;
      if (st.shutting_down)
        return;
      self->delayed_send(self, st.cfg.head_interval, tick_atom_v);
      auto& watcher = st.children["eth_watcher"].handle;
      if (!watcher)
        return;
      self->request(caf::actor_cast<eth_watcher_actor>(watcher), st.cfg.head_interval, status_atom_v)
        .then(
          [self](const eth_watcher_status& s) {
            if (s.final_head > 0)
              self->send(self, eth_head_atom_v, s.final_head);
          },
          [](caf::error&) {}); // health reports a silent watcher
    },
    [self](eth_head_atom, uint64_t block) {
      auto& st = self->state;
      st.eth_head = block;
      for (auto& spec : st.cfg.children)
        if (auto& handle = st.children[spec.name].handle; spec.receives_eth_head && handle)
          caf::anon_send(handle, eth_head_atom_v, block);
    },
    [self](shutdown_atom) -> caf::result<bool> {
      self->state.shutting_down = true;
      auto rp = self->make_response_promise<bool>();
      for (auto& [name, child] : self->state.children)
        if (name != "storage" && child.handle)
          self->send_exit(child.handle, caf::exit_reason::user_shutdown);
      if (!self->state.children["storage"].handle) {
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

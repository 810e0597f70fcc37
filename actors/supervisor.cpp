#include "actors/supervisor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

namespace lstaked {

caf::error validate(const supervisor_config& cfg) {
  if (auto err = validate(cfg.storage))
    return err;
  if (cfg.restart_backoff.count() <= 0 || cfg.max_restart_backoff < cfg.restart_backoff)
    return make_error(ec::invalid_config, "restart backoff must be positive and below its maximum");
  return caf::none;
}

namespace {

using self_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

void start_storage(self_ptr self) {
  auto child = self->spawn(storage, self->state.cfg.storage);
  self->monitor(child);
  self->state.storage = child;
  self->state.children["storage"].address = child.address();
}

std::chrono::milliseconds backoff_for(const supervisor_config& cfg, uint64_t failures) {
  auto delay = cfg.restart_backoff;
  for (uint64_t i = 1; i < failures && delay < cfg.max_restart_backoff; ++i)
    delay *= 2;
  return std::min(delay, cfg.max_restart_backoff);
}

} // namespace

supervisor_actor::behavior_type
supervisor(supervisor_actor::stateful_pointer<supervisor_state> self, supervisor_config cfg) {
  self->state.cfg = std::move(cfg);
  start_storage(self);
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
      if (name == "storage")
        start_storage(self);
    },
    [self](status_atom) -> caf::result<std::vector<actor_health>> {
      auto rp = self->make_response_promise<std::vector<actor_health>>();
      auto& child = self->state.children["storage"];
      auto base = actor_health{"storage", false, "", 0, child.restarts};
      if (!child.address) {
        base.detail = "restarting after: " + child.last_error;
        rp.deliver(std::vector<actor_health>{base});
        return rp;
      }
      self->request(self->state.storage, self->state.cfg.health_timeout, health_atom_v)
        .then(
          [self, rp](actor_health h) mutable {
            auto& c = self->state.children["storage"];
            c.failures = 0; // healthy again: the next failure starts from the base delay
            h.restarts = c.restarts;
            rp.deliver(std::vector<actor_health>{h});
          },
          [rp, base](caf::error& err) mutable {
            base.detail = "no health answer: " + describe(err);
            rp.deliver(std::vector<actor_health>{base});
          });
      return rp;
    },
    [self](storage_atom) { return self->state.storage; },
    [self](shutdown_atom) -> caf::result<bool> {
      self->state.shutting_down = true;
      auto rp = self->make_response_promise<bool>();
      if (!self->state.children["storage"].address) {
        rp.deliver(true);
        self->quit();
        return rp;
      }
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

} // namespace lstaked

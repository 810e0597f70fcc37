#include "actors/kusama_lookup.hpp"

#include <spdlog/spdlog.h>

namespace lstaked {

caf::error validate(const kusama_lookup_config& cfg) {
  if (auto err = rpc::validate(cfg.rpc))
    return err;
  auto raw = chain::from_hex(cfg.deposit_account);
  if (!raw || raw->size() != 32)
    return make_error(ec::invalid_config, "deposit_account must be 0x + 64 hex (an AccountId32)");
  if (cfg.hash_search_blocks == 0)
    return make_error(ec::invalid_config, "hash_search_blocks must be positive");
  return {};
}

// Placeholder until the lookup lands: every lookup is ec::unavailable.
kusama_lookup_actor::behavior_type
kusama_lookup(kusama_lookup_actor::stateful_pointer<kusama_lookup_state> self,
              kusama_lookup_config cfg) {
  self->state.cfg = std::move(cfg);
  return {
    [](ksm_lookup_atom, const std::string&) -> caf::result<extrinsic_lookup> {
      return make_error(ec::unavailable, "the Kusama lookup is not implemented yet");
    },
    [self](health_atom) {
      return actor_health{kusama_lookup_state::name, true, "", self->mailbox().size(), 0};
    },
  };
}

} // namespace lstaked

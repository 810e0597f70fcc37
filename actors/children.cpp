#include "actors/children.hpp"

#include "actors/bond_manager.hpp"
#include "actors/eth_submitter.hpp"
#include "actors/eth_watcher.hpp"
#include "actors/kusama_lookup.hpp"
#include "actors/kusama_submitter.hpp"
#include "actors/kusama_watcher.hpp"
#include "actors/notary.hpp"
#include "actors/notary_set_guard.hpp"
#include "actors/payout_queue.hpp"
#include "actors/ratio_calculator.hpp"

namespace lstaked {

namespace {

// Appends make(cfg)'s child when the role is configured; keeps the first error.
template <class Make, class Child>
void add(std::vector<child_spec>& out, caf::error& first_error, const config& cfg, Make make,
         Child child) {
  if (first_error)
    return;
  auto made = make(cfg);
  if (!made)
    first_error = made.error();
  else if (*made)
    out.push_back(child(std::move(**made)));
}

} // namespace

caf::expected<std::vector<child_spec>> children(const config& cfg) {
  std::vector<child_spec> out;
  caf::error err;
  add(out, err, cfg, make_notary_set_guard_config, notary_set_guard_child);
  add(out, err, cfg, make_notary_config, notary_child);
  add(out, err, cfg, make_eth_watcher_config, eth_watcher_child);
  add(out, err, cfg, make_kusama_watcher_config, kusama_watcher_child);
  add(out, err, cfg, make_kusama_lookup_config, kusama_lookup_child);
  add(out, err, cfg, make_kusama_submitter_config, kusama_submitter_child);
  add(out, err, cfg, make_bond_manager_config, bond_manager_child);
  add(out, err, cfg, make_payout_queue_config, payout_queue_child);
  add(out, err, cfg, make_eth_submitter_config, eth_submitter_child);
  add(out, err, cfg, make_ratio_calculator_config, ratio_calculator_child);
  if (err)
    return err;
  return out;
}

} // namespace lstaked

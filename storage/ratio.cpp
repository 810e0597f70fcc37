#include "storage/ratio.hpp"

namespace lstaked::ledger {

namespace {

using chain::eth::checked_add;
using chain::eth::checked_mul;
using chain::eth::checked_mul_div;
using chain::eth::checked_sub;

constexpr uint64_t bps = 10'000;
constexpr uint64_t year = 365ull * 24 * 3600;

// ceil(a * b / d). Every use here multiplies values far below 2^128 (shares up
// to ~1e30 by 1e12; a ratio ~1e18 by BPS*YEAR), so a product that overflows 256
// bits is an error (ec::overflow), not something to round.
caf::expected<u256> mul_div_up(const u256& a, const u256& b, const u256& d) {
  auto prod = checked_mul(a, b);
  if (!prod)
    return prod;
  u256 q, rem;
  u256::divmod(*prod, d, q, rem);
  if (rem.is_zero())
    return q;
  return checked_add(q, u256{1});
}

} // namespace

nlohmann::json ratio_result::to_json() const {
  return {{"pool_value_planck", pool_value.to_dec()}, {"all_shares", all_shares.to_dec()},
          {"implied_value_planck", implied_value.to_dec()},
          {"reward_planck", (loss ? "-" : "") + reward.to_dec()}, {"fee_planck", fee.to_dec()},
          {"new_ratio", new_ratio.to_dec()}};
}

caf::expected<ratio_result> compute_ratio(const ratio_inputs& in) {
  if (in.fee_bps > bps)
    return make_error(ec::invalid_input, "fee above 100% (" + std::to_string(in.fee_bps) + " bps)");
  if (in.current_ratio.is_zero())
    return make_error(ec::invalid_input, "the current ratio is zero");
  ratio_result r;
  // Owed to others first: what the pool must never count as its own.
  auto owed = checked_add(in.owed_payouts, in.refundable);
  if (owed)
    owed = checked_add(*owed, in.fee_balance);
  if (!owed)
    return owed.error();
  if (in.held_on_chain <= *owed)
    return make_error(ec::invalid_state, "the pool holds " + in.held_on_chain.to_dec()
                                           + " planck but owes " + owed->to_dec()
                                           + ": no ratio can be computed");
  r.pool_value = *checked_sub(in.held_on_chain, *owed);
  auto shares = checked_add(in.eth_total_shares, in.unclaimed_shares);
  if (shares)
    shares = checked_add(*shares, in.reserved_shares);
  if (!shares)
    return shares.error();
  if (shares->is_zero())
    return make_error(ec::invalid_state, "no shares exist: the ratio stays as it is");
  r.all_shares = *shares;
  // implied = floor(shares * 1e18 / ratio / 1e6) = floor(shares * 1e12 / ratio)
  auto implied = checked_mul_div(r.all_shares, u256::pow10(12), in.current_ratio);
  if (!implied)
    return implied.error();
  r.implied_value = *implied;
  if (r.pool_value >= r.implied_value) {
    r.reward = *checked_sub(r.pool_value, r.implied_value);
    auto fee = checked_mul_div(r.reward, u256{in.fee_bps}, u256{bps});
    if (!fee)
      return fee.error();
    r.fee = *fee;
  } else {
    r.loss = true;
    r.reward = *checked_sub(r.implied_value, r.pool_value);
    r.fee = u256{0};
  }
  auto after_fee = *checked_sub(r.pool_value, r.fee); // fee <= reward <= pool_value
  if (after_fee.is_zero())
    return make_error(ec::invalid_state, "the pool's value after the fee is zero");
  // new_ratio = ceil(shares * 1e18 / (after_fee * 1e6)) = ceil(shares * 1e12 / after_fee)
  auto ratio = mul_div_up(r.all_shares, u256::pow10(12), after_fee);
  if (!ratio)
    return ratio.error();
  r.new_ratio = *ratio;
  return r;
}

const char* to_string(ratio_decision d) {
  switch (d) {
    case ratio_decision::publish: return "publish";
    case ratio_decision::publish_clamped: return "publish_clamped";
    case ratio_decision::no_change: return "no_change";
    case ratio_decision::too_soon: return "too_soon";
    case ratio_decision::loss_beyond_bound: return "loss_beyond_bound";
  }
  return "unknown";
}

bounded_ratio bound_ratio(const u256& current, const u256& wanted, uint64_t elapsed,
                          const ratio_bounds& b) {
  bounded_ratio out;
  const u256 base = u256{bps * year};
  // The contract's own arithmetic: uint256, checked (overflow would revert there too).
  auto step = checked_mul(u256{b.max_annual_reward_bps}, u256{elapsed});
  auto grown = step ? checked_add(base, *step) : step;
  auto min_allowed = grown ? mul_div_up(current, base, *grown) : caf::expected<u256>(current);
  out.min_allowed = min_allowed ? *min_allowed : current;
  // The exact floor of mulDiv(ratio, base, grown, Ceil) is what the contract reports;
  // the acceptance test itself is newRatio * grown >= ratio * base.
  out.max_allowed = *checked_mul_div(current, u256{bps + b.max_loss_bps}, u256{bps});
  if (elapsed < b.min_interval) {
    out.decision = ratio_decision::too_soon;
    return out;
  }
  if (wanted == current) {
    out.decision = ratio_decision::no_change;
    return out;
  }
  if (wanted < current) {
    auto lhs = checked_mul(wanted, *grown);
    auto rhs = checked_mul(current, base);
    if (lhs && rhs && *lhs >= *rhs) {
      out.decision = ratio_decision::publish;
      out.ratio = wanted;
    } else {
      // Above the annual ceiling: the ceiling's ratio (the smallest the contract
      // accepts); the remainder of the reward is recognized by later updates.
      out.decision = ratio_decision::publish_clamped;
      out.ratio = out.min_allowed;
    }
    return out;
  }
  auto lhs = checked_mul(wanted, u256{bps});
  auto rhs = checked_mul(current, u256{bps + b.max_loss_bps});
  if (lhs && rhs && *lhs <= *rhs) {
    out.decision = ratio_decision::publish;
    out.ratio = wanted;
  } else {
    out.decision = ratio_decision::loss_beyond_bound;
  }
  return out;
}

} // namespace lstaked::ledger

// Decimal amounts <-> integer base units (planck: 12 decimals for KSM; wei of
// aKSMb: 18 decimals). Money is never floating point.
//
// Contract: pure functions, thread-safe. `parse_amount` accepts exactly
// [0-9]+ or [0-9]+.[0-9]+ with at most `decimals` fraction digits: no sign
// (not even '+'), no whitespace, no exponent, no empty parts ("1." or ".5"),
// no more fraction digits than the token has (refused, never rounded — a
// silently dropped digit is money lost). Leading zeros in the integer part are
// refused except a single "0". Zero is accepted here; callers that need a
// positive amount check it themselves.
#pragma once

#include "chain/ethereum/u256.hpp"

#include <string>
#include <string_view>

namespace lstaked::chain::eth {

constexpr unsigned ksm_decimals = 12;
constexpr unsigned aksmb_decimals = 18;

caf::expected<u256> parse_amount(std::string_view text, unsigned decimals);

/// The shortest exact decimal form: "12.1234", "0.000000000001", "5".
std::string format_amount(const u256& base_units, unsigned decimals);
/// The same from the base units' canonical decimal digits (u256::to_dec's
/// form: no sign, no leading zero but "0"); for callers that hold the digits.
std::string format_amount_digits(std::string_view digits, unsigned decimals);

} // namespace lstaked::chain::eth

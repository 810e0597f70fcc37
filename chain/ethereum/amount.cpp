#include "chain/ethereum/amount.hpp"

namespace lstaked::chain::eth {

caf::expected<u256> parse_amount(std::string_view text, unsigned decimals) {
  if (decimals > 77)
    return make_error(ec::invalid_input, "too many decimals for a 256-bit amount");
  if (text.empty())
    return make_error(ec::invalid_input, "empty amount");
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? std::string_view{}
                                                            : text.substr(dot + 1);
  if (whole.empty())
    return make_error(ec::invalid_input, "amount has no digits before the decimal point");
  if (dot != std::string_view::npos && fraction.empty())
    return make_error(ec::invalid_input, "amount has no digits after the decimal point");
  for (std::string_view part : {whole, fraction})
    for (char c : part)
      if (c < '0' || c > '9')
        return make_error(ec::invalid_input,
                          "amount must be plain decimal digits with an optional '.' "
                          "(no sign, spaces or exponent)");
  if (whole.size() > 1 && whole[0] == '0')
    return make_error(ec::invalid_input, "amount has a leading zero");
  if (fraction.size() > decimals)
    return make_error(ec::invalid_input, "amount has more than " + std::to_string(decimals)
                                           + " decimal places");
  // base units = whole * 10^decimals + fraction padded to `decimals` digits
  std::string digits(whole);
  digits += fraction;
  digits.append(decimals - fraction.size(), '0');
  size_t first = digits.find_first_not_of('0');
  digits = first == std::string::npos ? "0" : digits.substr(first);
  auto value = u256::from_dec(digits);
  if (!value)
    return make_error(ec::overflow, "amount does not fit in 256 bits");
  return *value;
}

std::string format_amount(const u256& base_units, unsigned decimals) {
  return format_amount_digits(base_units.to_dec(), decimals);
}

std::string format_amount_digits(std::string_view digits, unsigned decimals) {
  if (decimals == 0)
    return std::string{digits};
  std::string out;
  out.reserve(digits.size() + decimals + 2);
  if (digits.size() <= decimals) {
    out.append("0");
    out.push_back('.');
    out.append(decimals - digits.size(), '0');
    out.append(digits);
  } else {
    out.append(digits.substr(0, digits.size() - decimals));
    out.push_back('.');
    out.append(digits.substr(digits.size() - decimals));
  }
  // The shortest form: no trailing zero in the fraction, no point without one.
  auto last = out.find_last_not_of('0');
  out.resize(out[last] == '.' ? last : last + 1);
  return out;
}

} // namespace lstaked::chain::eth

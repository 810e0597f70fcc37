#include "chain/common/error.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>

namespace lstaked {

namespace {
constexpr caf::atom_value category = caf::atom("lstaked");

// A refined error's context: (category, base ec, message); see make_refined_error.
bool is_refined(const caf::error& err) {
  const auto& ctx = err.context();
  return ctx.size() == 3 && ctx.match_element<caf::atom_value>(0)
         && ctx.get_as<caf::atom_value>(0) == category && ctx.match_element<uint8_t>(1)
         && ctx.match_element<std::string>(2);
}
} // namespace

const char* to_string(ec code) {
  switch (code) {
    case ec::none: return "none";
    case ec::invalid_config: return "invalid_config";
    case ec::io_error: return "io_error";
    case ec::insecure_permissions: return "insecure_permissions";
    case ec::schema_too_new: return "schema_too_new";
    case ec::not_our_database: return "not_our_database";
    case ec::database_error: return "database_error";
    case ec::decode_error: return "decode_error";
    case ec::encode_error: return "encode_error";
    case ec::crypto_error: return "crypto_error";
    case ec::invalid_input: return "invalid_input";
    case ec::not_found: return "not_found";
    case ec::rpc_error: return "rpc_error";
    case ec::timeout: return "timeout";
    case ec::unavailable: return "unavailable";
    case ec::overflow: return "overflow";
    case ec::invalid_state: return "invalid_state";
  }
  return "unknown";
}

caf::error make_error(ec code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), category,
                    caf::make_message(std::move(message))};
}

caf::error make_refined_error(caf::atom_value refining, uint8_t code, ec base,
                              std::string message) {
  return caf::error{code, refining,
                    caf::make_message(category, static_cast<uint8_t>(base), std::move(message))};
}

bool is(const caf::error& err, ec code) {
  return code_of(err) == code;
}

ec code_of(const caf::error& err) {
  if (!err)
    return ec::none;
  if (err.category() == category)
    return static_cast<ec>(err.code());
  if (is_refined(err))
    return static_cast<ec>(err.context().get_as<uint8_t>(1));
  return ec::none;
}

std::string message_of(const caf::error& err) {
  if (!err)
    return {};
  const auto& ctx = err.context();
  if (err.category() == category && ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  if (is_refined(err))
    return ctx.get_as<std::string>(2);
  return {};
}

std::string describe(const caf::error& err) {
  if (!err)
    return "none";
  if (err.category() != category && !is_refined(err))
    return caf::to_string(err);
  std::string out = to_string(code_of(err));
  bool has_message = err.category() == category
                       ? err.context().size() == 1 && err.context().match_element<std::string>(0)
                       : true;
  if (has_message) {
    out += ": ";
    out += message_of(err);
  }
  return out;
}

} // namespace lstaked

#include "chain/common/error.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>

namespace lstaked {

namespace {
constexpr caf::atom_value category = caf::atom("lstaked");
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

bool is(const caf::error& err, ec code) {
  return code_of(err) == code;
}

ec code_of(const caf::error& err) {
  if (!err || err.category() != category)
    return ec::none;
  return static_cast<ec>(err.code());
}

std::string describe(const caf::error& err) {
  if (!err)
    return "none";
  if (err.category() != category)
    return caf::to_string(err);
  std::string out = to_string(static_cast<ec>(err.code()));
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0)) {
    out += ": ";
    out += ctx.get_as<std::string>(0);
  }
  return out;
}

} // namespace lstaked

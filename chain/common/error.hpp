// The project's error vocabulary.
//
// Contract: every function at a module boundary that can fail returns
// caf::expected<T> or caf::error built from `ec` with `make_error(ec::x, "what")`.
// `describe(err)` renders one line for logs, the CLI and HTTP error bodies.
// Programmer errors are asserts, never values of this enum.
//
// A module may refine an ec with a precise reason of its own (storage's
// `ledger::refusal`): `make_refined_error` builds an error of the module's
// category that still *is* its base ec for `is`, `code_of` and `describe`, so
// callers checking `is(err, ec::invalid_input)` and humans reading
// "<ec>: <message>" see exactly what the unrefined error showed. chain/ knows
// nothing of the refining module (layering: chain <- storage <- ...).
#pragma once

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/make_message.hpp>

#include <cstdint>
#include <string>

namespace lstaked {

enum class ec : uint8_t {
  /// Not an error (CAF reserves code 0 for "no error").
  none = 0,
  /// A configuration value is missing, malformed or out of range.
  invalid_config,
  /// A file or directory could not be read, written or created.
  io_error,
  /// A secret file is readable by group or others (it must be 0600).
  insecure_permissions,
  /// The database is from a newer schema than this binary knows.
  schema_too_new,
  /// The database is not an lstaked database (wrong application_id).
  not_our_database,
  /// SQLite reported an error, or the integrity check failed.
  database_error,
  /// Input bytes or text could not be decoded (SCALE, RLP, ABI, hex, JSON...).
  decode_error,
  /// A value cannot be encoded (out of range, wrong type for the schema).
  encode_error,
  /// A cryptographic check failed (bad signature, bad key, bad checksum).
  crypto_error,
  /// Input from a caller is well-formed but not acceptable (range, state).
  invalid_input,
  /// A lookup found nothing (unknown claim, unknown pallet name...).
  not_found,
  /// A remote peer (node RPC) failed or answered with an error.
  rpc_error,
  /// A remote peer did not answer in time.
  timeout,
  /// The flow is paused or the system is shutting down.
  unavailable,
  /// Arithmetic would overflow or underflow (money is never wrapped).
  overflow,
  /// A state transition is not allowed from the current state.
  invalid_state,
};

/// Stable lower_snake_case name of a code (used in logs and JSON errors).
const char* to_string(ec code);

/// Builds a caf::error in the lstaked category carrying a human message.
caf::error make_error(ec code, std::string message);

/// True if `err` belongs to the lstaked category and has code `code`.
bool is(const caf::error& err, ec code);

/// The ec of `err`, or ec::none if it is not an lstaked error.
ec code_of(const caf::error& err);

/// One line: "<code>: <message>" for lstaked and refined errors (the base
/// ec's name), CAF's rendering otherwise.
std::string describe(const caf::error& err);

/// The human message of an lstaked or refined error; "" for others.
std::string message_of(const caf::error& err);

/// An error of `category` with `code` (a module's own enum, never 0: CAF
/// reads code 0 as "no error") that refines `base`: code_of() is `base` and
/// describe() is "<base>: <message>". The context is (the lstaked category
/// atom, base, message), which is how code_of recognises a refinement.
caf::error make_refined_error(caf::atom_value category, uint8_t code, ec base,
                              std::string message);

} // namespace lstaked

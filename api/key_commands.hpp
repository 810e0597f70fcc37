// `lstaked key generate|import|address`: the operator's signing keys as 0600
// files, without a key ever appearing in argv, stdout, stderr or a log.
//
// Contract:
//   --scheme sr25519 | ed25519  (Kusama; the file holds a secret URI: "0x<seed>",
//                                a mnemonic, or a dev URI such as "//Alice")
//   --scheme ethereum            (secp256k1; the file holds 64 hex digits)
// - `generate --out FILE`: 32 bytes from libsodium's CSPRNG; the file is
//   created 0600 with O_EXCL (an existing file is never overwritten);
// - `import --out FILE`: the secret is read from stdin (never a flag, so it
//   stays out of shell history and `ps`), checked, and written like generate;
// - `address FILE`: the file must be 0600/0400 (read_secret_file).
// Each prints one JSON line with PUBLIC data only: {"scheme", "address",
// "accountId" (Kusama) , "file"}; exit 0 on success, 2 on bad usage or input
// (one line on stderr, never echoing the secret).
#pragma once

#include <CLI/CLI.hpp>

namespace lstaked::api {

/// Registers `key` and its subcommands on `app`.
void add_key_commands(CLI::App& app);

} // namespace lstaked::api

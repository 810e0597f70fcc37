// `lstaked audit`: reconciles the database with both chains and prints every
// discrepancy (storage/audit.hpp lists the checks, their codes and the shares
// formula; docs/audit.md explains them to operators).
//
// Contract:
// - The database is opened READ-ONLY (a WAL reader: it works while the daemon
//   runs and never blocks it) and every check reads it inside ONE read
//   transaction, so the ledger, the cursors and the sums are one snapshot.
// - The chains are read only up to the daemon's cursors in that snapshot
//   (finalized blocks it applied): Ethereum's eth_getLogs from
//   ethereum.start_block to the Ethereum cursor in windows of `eth_window`
//   blocks, aKSMb.totalShares() at the cursor; every Kusama block from
//   kusama.start_block (or, when that is 0, the first deposit's block: the
//   daemon did not record where it began) to the Kusama cursor, in batches,
//   with progress on stderr for long scans. The chain's block at each cursor
//   must be the one the daemon applied.
// - Output: text lines, or with `as_json` one JSON document
//   {"ok", "checks": [{"name","ok","detail"}], "discrepancies": [{"code","message"}]}.
// - Exit 0 clean, 1 discrepancies, 2 could not run (database missing or
//   behind the code, a chain unreachable or answering nonsense), with one line
//   on stderr saying why. Nothing secret is read or printed.
#pragma once

#include "config/config.hpp"

#include <cstdint>
#include <ostream>

namespace lstaked::api {

struct audit_options {
  bool as_json = false;
  uint64_t eth_window = 2000;      // blocks per eth_getLogs
  uint64_t kusama_batch = 100;     // blocks per batch of Kusama reads
  uint64_t progress_min_blocks = 2000; // Kusama scans at least this long report progress
};

int run_audit_command(const config& cfg, const audit_options& opts, std::ostream& out,
                      std::ostream& err);

} // namespace lstaked::api

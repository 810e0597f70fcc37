// The database side of `lstaked audit` on a large ledger (issue #16): the
// ledger-internal checks (audit::check_ledger: shares conserved, per-account
// balances, history, claims, unstakes, fees, ratio) on one read snapshot of a
// read-only connection, as api/audit_command.cpp runs them before it reads
// the chains. The chain comparisons need real chains holding the same
// history, which a synthetic data set cannot have; `lstaked audit` itself is
// timed separately (docs/benchmarks/scale.md).
//   scale_audit DB_PATH
#include "storage/audit.hpp"
#include "storage/database.hpp"

#include <SQLiteCpp/Statement.h>

#include <chrono>
#include <cstdio>

using namespace lstaked;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: scale_audit DB_PATH\n");
    return 2;
  }
  auto opened = sql::open_database(argv[1], sql::open_mode::read_only);
  if (!opened) {
    std::fprintf(stderr, "scale_audit: %s\n", describe(opened.error()).c_str());
    return 2;
  }
  auto& db = **opened;
  auto t0 = std::chrono::steady_clock::now();
  audit::report r;
  {
    db.exec("BEGIN");
    SQLite::Statement pin(db, "SELECT count(*) FROM chain_cursors");
    pin.executeStep();
    pin.reset();
    audit::check_ledger(db, r);
    db.exec("ROLLBACK");
  }
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& c : r.checks())
    std::printf("  %-20s %s  %s\n", c.name.c_str(), c.ok ? "ok" : "FOUND", c.detail.c_str());
  size_t shown = 0;
  for (auto& d : r.discrepancies())
    if (shown++ < 10)
      std::printf("  discrepancy %s: %s\n", d.code.c_str(), d.message.c_str());
  std::printf("check_ledger: %.2f s, %zu discrepancies\n", seconds, r.discrepancies().size());
  return r.ok() ? 0 : 1;
}

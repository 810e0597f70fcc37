// The schema, as forward-only migrations. Never edit a released migration:
// add a new one. Money tables get CHECK constraints so a bug cannot store a
// negative or fractional amount (amounts are decimal TEXT of integers, since
// planck/wei/shares exceed SQLite's 64-bit INTEGER).
#include "storage/database.hpp"

namespace lstaked::sql {

const std::vector<migration>& migrations() {
  static const std::vector<migration> all = {
    {1, "metadata and alerts",
     R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE alerts (
  id          INTEGER PRIMARY KEY,
  created_at  INTEGER NOT NULL,            -- unix ms
  severity    TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  source      TEXT NOT NULL,               -- actor or flow that raised it
  message     TEXT NOT NULL,
  resolved_at INTEGER                      -- unix ms, NULL while open
) STRICT;
CREATE INDEX alerts_open ON alerts (resolved_at) WHERE resolved_at IS NULL;
)sql"},
    {2, "chain cursors and flow switches",
     R"sql(
CREATE TABLE chain_cursors (
  chain        TEXT PRIMARY KEY CHECK (chain IN ('kusama', 'ethereum')),
  block_number INTEGER NOT NULL CHECK (block_number >= 0),
  block_hash   TEXT NOT NULL,
  updated_at   INTEGER NOT NULL
) STRICT;
CREATE TABLE flows (
  flow       TEXT PRIMARY KEY CHECK (flow IN ('deposits', 'claims', 'ratio', 'bonding', 'payouts')),
  paused     INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  reason     TEXT,
  changed_at INTEGER NOT NULL
) STRICT;
INSERT INTO flows (flow, paused, changed_at) VALUES
  ('deposits', 0, 0), ('claims', 0, 0), ('ratio', 0, 0), ('bonding', 0, 0), ('payouts', 0, 0);
)sql"},
  };
  return all;
}

int latest_schema_version() {
  return migrations().back().version;
}

} // namespace lstaked::sql

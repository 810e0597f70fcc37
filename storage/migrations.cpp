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
    {3, "money ledger: accounts, deposits, claims, unstake requests, history",
     R"sql(
CREATE TABLE accounts (
  account          TEXT PRIMARY KEY CHECK (length(account) = 66), -- 0x + AccountId32 hex
  unclaimed_shares TEXT NOT NULL DEFAULT '0',  -- credited, not in any claim
  reserved_shares  TEXT NOT NULL DEFAULT '0',  -- held by ACTIVE claims
  deposited_planck TEXT NOT NULL DEFAULT '0',  -- principal of CREDITED deposits
  updated_at       INTEGER NOT NULL
) STRICT;
CREATE TABLE deposits (
  id              INTEGER PRIMARY KEY,
  block_hash      TEXT NOT NULL,
  block_number    INTEGER NOT NULL CHECK (block_number >= 0),
  extrinsic_index INTEGER NOT NULL CHECK (extrinsic_index >= 0),
  event_index     INTEGER NOT NULL CHECK (event_index >= 0),
  extrinsic_hash  TEXT,
  account         TEXT NOT NULL,               -- sender, credited
  amount_planck   TEXT NOT NULL,
  shares          TEXT NOT NULL,               -- '0' unless CREDITED
  status          TEXT NOT NULL CHECK (status IN ('CREDITED', 'BELOW_MINIMUM', 'REFUNDED')),
  created_at      INTEGER NOT NULL,
  UNIQUE (block_hash, extrinsic_index, event_index)
) STRICT;
CREATE INDEX deposits_by_extrinsic ON deposits (block_number, extrinsic_index);
CREATE TABLE claims (
  claim_id           TEXT PRIMARY KEY,           -- 0x + 64 hex (uint256)
  account            TEXT NOT NULL REFERENCES accounts (account),
  eth_address        TEXT NOT NULL,
  amount_planck      TEXT NOT NULL,
  amount_wei         TEXT NOT NULL,
  shares             TEXT NOT NULL,              -- reserved from the account
  claim_before_block INTEGER NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('ACTIVE', 'CLAIMED', 'EXPIRED')),
  signature          TEXT NOT NULL,
  request_digest     TEXT NOT NULL UNIQUE,       -- same signed request -> same claim
  created_at         INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL,
  settled_tx         TEXT,
  settled_block      INTEGER
) STRICT;
CREATE INDEX claims_active ON claims (claim_before_block) WHERE status = 'ACTIVE';
CREATE INDEX claims_by_account ON claims (account, created_at);
CREATE TABLE claim_nonces (
  account TEXT NOT NULL,
  nonce   TEXT NOT NULL,
  used_at INTEGER NOT NULL,
  PRIMARY KEY (account, nonce)
) STRICT, WITHOUT ROWID;
CREATE TABLE unstake_requests (
  request_id       TEXT PRIMARY KEY,             -- decimal uint256 from the contract
  tx_hash          TEXT NOT NULL,
  log_index        INTEGER NOT NULL,
  block_number     INTEGER NOT NULL,
  eth_account      TEXT NOT NULL,
  recipient        TEXT NOT NULL,                -- Kusama AccountId, 0x + 64 hex
  amount_wei       TEXT NOT NULL,
  amount_planck    TEXT NOT NULL,                -- amount_wei / 1e6, rounded down
  shares           TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('REQUESTED', 'QUEUED', 'PAID', 'FAILED')),
  kusama_extrinsic TEXT,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL,
  UNIQUE (tx_hash, log_index)
) STRICT;
CREATE TABLE history (
  id            INTEGER PRIMARY KEY,
  account       TEXT NOT NULL,                   -- Kusama AccountId the entry belongs to
  kind          TEXT NOT NULL CHECK (kind IN ('STAKE', 'CLAIM', 'UNSTAKE')),
  amount_planck TEXT NOT NULL,
  status        TEXT NOT NULL,
  reference     TEXT NOT NULL,                   -- deposit key, claim id, unstake request id
  chain_ref     TEXT,                            -- extrinsic id or Ethereum tx hash
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  UNIQUE (kind, reference)
) STRICT;
CREATE INDEX history_by_account ON history (account, id);
CREATE TABLE eth_blocks (
  number INTEGER PRIMARY KEY,
  hash   TEXT NOT NULL
) STRICT;
CREATE TABLE ratio_history (
  id           INTEGER PRIMARY KEY,
  ratio        TEXT NOT NULL,
  published_at INTEGER NOT NULL,
  eth_block    INTEGER,
  tx_hash      TEXT
) STRICT;
)sql"},
    {4, "Kusama: staking events of the pool's accounts, deposits submitted by users",
     R"sql(
CREATE TABLE staking_events (
  id              INTEGER PRIMARY KEY,
  block_hash      TEXT NOT NULL,
  block_number    INTEGER NOT NULL CHECK (block_number >= 0),
  event_index     INTEGER NOT NULL CHECK (event_index >= 0),
  extrinsic_index INTEGER CHECK (extrinsic_index >= 0),  -- NULL outside ApplyExtrinsic
  kind            TEXT NOT NULL
                  CHECK (kind IN ('Bonded', 'Unbonded', 'Withdrawn', 'Rewarded', 'Slashed')),
  account         TEXT NOT NULL CHECK (length(account) = 66),
  amount_planck   TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  UNIQUE (block_hash, event_index)
) STRICT;
CREATE INDEX staking_events_by_account ON staking_events (account, block_number);
CREATE TABLE deposit_submissions (
  extrinsic_ref   TEXT PRIMARY KEY,              -- "<block>-<index>" as found on chain
  extrinsic_hash  TEXT,
  block_hash      TEXT NOT NULL,                 -- of a block not yet finalized when seen
  block_number    INTEGER NOT NULL CHECK (block_number >= 0),
  extrinsic_index INTEGER NOT NULL CHECK (extrinsic_index >= 0),
  account         TEXT NOT NULL CHECK (length(account) = 66),
  amount_planck   TEXT NOT NULL,
  submitted_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX deposit_submissions_by_account ON deposit_submissions (account);
CREATE INDEX deposits_by_extrinsic_hash ON deposits (extrinsic_hash) WHERE extrinsic_hash IS NOT NULL;
CREATE INDEX deposits_by_account ON deposits (account, id);
)sql"},
    {5, "the pool's notary set as last read at a finalized Ethereum block",
     R"sql(
CREATE TABLE notary_set (
  id              INTEGER PRIMARY KEY CHECK (id = 1),  -- one row: the latest reading
  block_number    INTEGER NOT NULL CHECK (block_number >= 0),
  notary_count    INTEGER NOT NULL CHECK (notary_count >= 0),
  threshold       INTEGER NOT NULL CHECK (threshold >= 0),
  held            TEXT NOT NULL,     -- this daemon's notary addresses on chain, sorted, comma-separated
  held_count      INTEGER NOT NULL CHECK (held_count >= 0),
  safe            INTEGER NOT NULL CHECK (safe IN (0, 1)),
  reason          TEXT NOT NULL,     -- why not safe ('' when safe)
  checked_at      INTEGER NOT NULL   -- unix ms of the reading
) STRICT;
)sql"},
    {6, "chain identity pinned with each chain's cursor (issue #19)",
     R"sql(
CREATE TABLE chain_identity (
  chain        TEXT PRIMARY KEY CHECK (chain IN ('kusama', 'ethereum')),
  genesis_hash TEXT NOT NULL CHECK (length(genesis_hash) = 66),
  name         TEXT NOT NULL,                  -- Kusama's system_chain ('' on Ethereum)
  ss58_prefix  INTEGER CHECK (ss58_prefix >= 0),
  decimals     INTEGER CHECK (decimals >= 0),
  chain_id     INTEGER CHECK (chain_id >= 0),  -- Ethereum
  pinned_at    INTEGER NOT NULL
) STRICT;
)sql"},
    {7, "outbox: every transaction the daemon signs, written before it is signed (issue #12)",
     R"sql(
CREATE TABLE outbox (
  id             INTEGER PRIMARY KEY,
  chain          TEXT NOT NULL CHECK (chain IN ('kusama', 'ethereum')),
  account        TEXT NOT NULL CHECK (length(account) = 66 OR length(account) = 42), -- signer
  nonce          INTEGER NOT NULL CHECK (nonce >= 0),
  purpose        TEXT NOT NULL,          -- 'bond', 'nominate', 'payout_stakers', ...
  call           TEXT NOT NULL,          -- JSON, by name: re-encoded after a runtime upgrade
  status         TEXT NOT NULL CHECK (status IN
                   ('INTENT', 'SUBMITTED', 'IN_BLOCK', 'FINALIZED', 'EXPIRED', 'REPLACED')),
  outcome        TEXT CHECK (outcome IN ('success', 'failed')),  -- set with FINALIZED
  dispatch_error TEXT,                   -- 'Staking.InsufficientBond', ... when failed
  tx_hash        TEXT,                   -- of the current (last) attempt
  attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  block_number   INTEGER,                -- where it was included (IN_BLOCK / FINALIZED)
  block_hash     TEXT,
  extrinsic_index INTEGER,
  note           TEXT,                   -- last submission error, why REPLACED, ...
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  UNIQUE (chain, account, nonce)         -- one nonce sequence per account, one intent per nonce
) STRICT;
CREATE INDEX outbox_open ON outbox (chain, account, nonce)
  WHERE status NOT IN ('FINALIZED', 'REPLACED');
CREATE TABLE outbox_attempts (
  tx_hash      TEXT PRIMARY KEY,         -- every signature ever made, for matching and audit
  intent_id    INTEGER NOT NULL REFERENCES outbox (id),
  attempt      INTEGER NOT NULL CHECK (attempt >= 1),
  signed_hex   TEXT NOT NULL,            -- the exact bytes, re-submitted as they are
  era_birth    INTEGER,                  -- mortal era: birth block number
  era_period   INTEGER,
  spec_version INTEGER,
  fee          TEXT,                     -- planck / wei the node quoted
  status       TEXT NOT NULL CHECK (status IN ('LIVE', 'EXPIRED', 'INCLUDED')),
  created_at   INTEGER NOT NULL,
  UNIQUE (intent_id, attempt)
) STRICT;
CREATE TABLE nomination_changes (
  intent_id    INTEGER PRIMARY KEY REFERENCES outbox (id),
  stash        TEXT NOT NULL CHECK (length(stash) = 66),
  chain_time   INTEGER NOT NULL,         -- block timestamp (ms) of the snapshot that decided it
  targets      TEXT NOT NULL             -- comma-separated AccountIds
) STRICT;
)sql"},
    {8, "ratio calculations and the fee ledger (issue #13)",
     R"sql(
CREATE TABLE ratio_calculations (
  id              INTEGER PRIMARY KEY,
  created_at      INTEGER NOT NULL,
  kusama_block    INTEGER NOT NULL CHECK (kusama_block >= 0),  -- finalized, read at
  kusama_hash     TEXT NOT NULL,
  eth_block       INTEGER NOT NULL CHECK (eth_block >= 0),     -- finalized, read at
  inputs          TEXT NOT NULL,     -- JSON: every input of ledger::compute_ratio
  result          TEXT,              -- JSON: pool value, implied, reward, fee, new ratio
  decision        TEXT NOT NULL CHECK (decision IN ('publish', 'publish_clamped', 'no_change',
                                                    'too_soon', 'loss_beyond_bound', 'error')),
  published_ratio TEXT,              -- what was (to be) sent
  fee_planck      TEXT NOT NULL DEFAULT '0',
  reason          TEXT NOT NULL DEFAULT '',
  outbox_id       INTEGER REFERENCES outbox (id),
  status          TEXT NOT NULL CHECK (status IN ('RECORDED', 'PUBLISHING', 'IN_EFFECT',
                                                  'NOT_PUBLISHED'))
) STRICT;
CREATE TABLE fee_ledger (
  id             INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL CHECK (kind IN ('FEE', 'WITHDRAWAL')),
  amount_planck  TEXT NOT NULL,
  calculation_id INTEGER REFERENCES ratio_calculations (id),
  reference      TEXT NOT NULL DEFAULT '',   -- RatioUpdated tx hash, withdrawal extrinsic
  created_at     INTEGER NOT NULL,
  UNIQUE (kind, calculation_id)
) STRICT;
-- One RatioUpdated per transaction: applied once.
CREATE UNIQUE INDEX ratio_history_by_tx ON ratio_history (tx_hash) WHERE tx_hash IS NOT NULL;
)sql"},
    {9, "payout queue: unstake request states FUNDED, PAYING, HELD; payout fees in the fee ledger (issue #14)",
     // SQLite cannot change a CHECK constraint in place: both tables are
     // rebuilt (create, copy, drop, rename) inside this migration's
     // transaction, keeping every row and its id. No code ever wrote FAILED;
     // a row in it (if any) becomes HELD with reason legacy_failed, so the
     // operator sees it instead of the queue forgetting it.
     R"sql(
CREATE TABLE unstake_requests_v9 (
  request_id          TEXT PRIMARY KEY,          -- decimal uint256 from the contract
  tx_hash             TEXT NOT NULL,
  log_index           INTEGER NOT NULL CHECK (log_index >= 0),
  block_number        INTEGER NOT NULL CHECK (block_number >= 0),
  eth_account         TEXT NOT NULL,
  recipient           TEXT NOT NULL,             -- Kusama AccountId, 0x + 64 hex (HELD if not)
  amount_wei          TEXT NOT NULL CHECK (amount_wei <> '' AND amount_wei NOT GLOB '*[^0-9]*'),
  amount_planck       TEXT NOT NULL CHECK (amount_planck <> ''
                                           AND amount_planck NOT GLOB '*[^0-9]*'),
  shares              TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN
                        ('REQUESTED', 'QUEUED', 'FUNDED', 'PAYING', 'PAID', 'HELD')),
  held_reason         TEXT,                      -- while HELD: recipient_missing, item_failed:<error>, ...
  outbox_id           INTEGER REFERENCES outbox (id), -- the payout extrinsic (PAYING, PAID, held after it)
  batch_index         INTEGER CHECK (batch_index >= 0), -- this request's item in that batch
  kusama_extrinsic    TEXT,                      -- "<block>-<index>" once PAID
  expected_release_at INTEGER,                   -- unix ms, while waiting for unbonding
  funded_at           INTEGER,
  paid_at             INTEGER,
  created_at          INTEGER NOT NULL,
  updated_at          INTEGER NOT NULL,
  UNIQUE (tx_hash, log_index),
  CHECK ((status = 'HELD') = (held_reason IS NOT NULL)),
  CHECK (status <> 'PAYING' OR (outbox_id IS NOT NULL AND batch_index IS NOT NULL))
) STRICT;
INSERT INTO unstake_requests_v9 (request_id, tx_hash, log_index, block_number, eth_account,
  recipient, amount_wei, amount_planck, shares, status, held_reason, kusama_extrinsic,
  created_at, updated_at)
SELECT request_id, tx_hash, log_index, block_number, eth_account, recipient, amount_wei,
  amount_planck, shares, CASE status WHEN 'FAILED' THEN 'HELD' ELSE status END,
  CASE status WHEN 'FAILED' THEN 'legacy_failed' END, kusama_extrinsic, created_at, updated_at
FROM unstake_requests;
DROP TABLE unstake_requests;
ALTER TABLE unstake_requests_v9 RENAME TO unstake_requests;
-- The queue's order: Ethereum block number, then log index, both INTEGER.
CREATE INDEX unstake_queue ON unstake_requests (block_number, log_index)
  WHERE status IN ('REQUESTED', 'QUEUED', 'FUNDED');
CREATE INDEX unstake_by_state ON unstake_requests (status, block_number, log_index);
CREATE INDEX unstake_by_outbox ON unstake_requests (outbox_id) WHERE outbox_id IS NOT NULL;
CREATE INDEX unstake_by_recipient ON unstake_requests (recipient);

CREATE TABLE fee_ledger_v9 (
  id             INTEGER PRIMARY KEY,
  kind           TEXT NOT NULL CHECK (kind IN ('FEE', 'WITHDRAWAL', 'PAYOUT_FEE')),
  amount_planck  TEXT NOT NULL CHECK (amount_planck <> '' AND amount_planck NOT GLOB '*[^0-9]*'),
  calculation_id INTEGER REFERENCES ratio_calculations (id),
  outbox_id      INTEGER REFERENCES outbox (id), -- PAYOUT_FEE: the payout extrinsic's intent
  reference      TEXT NOT NULL DEFAULT '',   -- RatioUpdated tx hash, withdrawal / payout extrinsic
  created_at     INTEGER NOT NULL,
  settled_at     INTEGER,                    -- PAYOUT_FEE: NULL while only reserved (PAYING)
  UNIQUE (kind, calculation_id),
  CHECK ((kind = 'PAYOUT_FEE') = (outbox_id IS NOT NULL)),
  CHECK (kind = 'PAYOUT_FEE' OR settled_at IS NULL)
) STRICT;
INSERT INTO fee_ledger_v9 (id, kind, amount_planck, calculation_id, reference, created_at)
SELECT id, kind, amount_planck, calculation_id, reference, created_at FROM fee_ledger;
DROP TABLE fee_ledger;
ALTER TABLE fee_ledger_v9 RENAME TO fee_ledger;
-- One payout fee per payout extrinsic (reserved at begin_payout, set at settle).
CREATE UNIQUE INDEX fee_ledger_payout_once ON fee_ledger (outbox_id) WHERE kind = 'PAYOUT_FEE';
)sql"},
    {10, "admin console audit log: every operator action, when, what, outcome (issue #15)",
     R"sql(
CREATE TABLE admin_actions (
  id         INTEGER PRIMARY KEY,
  at_ms      INTEGER NOT NULL,                 -- unix ms, when the operator asked
  action     TEXT NOT NULL,                    -- pause_flow, release_held, publish_ratio, ...
  target     TEXT NOT NULL DEFAULT '',         -- flow name, request id, alert id, deposit id
  params     TEXT NOT NULL DEFAULT '{}',       -- JSON, validated parameters
  state      TEXT NOT NULL CHECK (state IN ('PENDING', 'DONE', 'FAILED')),
  outcome    TEXT NOT NULL DEFAULT '',         -- one line for the operator
  done_at_ms INTEGER,                          -- unix ms, NULL while PENDING
  CHECK ((state = 'PENDING') = (done_at_ms IS NULL))
) STRICT;
CREATE INDEX admin_actions_pending ON admin_actions (action, id) WHERE state = 'PENDING';
)sql"},
    {11, "operator transfers: refunds of BELOW_MINIMUM deposits and fee withdrawals (issue #15)",
     R"sql(
CREATE TABLE operator_transfers (
  id            INTEGER PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('REFUND', 'FEE_WITHDRAWAL')),
  deposit_id    INTEGER REFERENCES deposits (id),    -- REFUND only
  recipient     TEXT NOT NULL,                       -- 0x + 64 hex
  amount_planck TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('REQUESTED', 'PAYING', 'DONE', 'FAILED')),
  outbox_id     INTEGER REFERENCES outbox (id),
  action_id     INTEGER,                             -- the admin action that asked for it
  reason        TEXT,                                -- FAILED: why
  kusama_extrinsic TEXT,                             -- DONE: "<block>-<index>"
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  CHECK ((kind = 'REFUND') = (deposit_id IS NOT NULL))
) STRICT;
-- A deposit is refunded at most once: one live (not FAILED) refund per deposit.
CREATE UNIQUE INDEX operator_transfers_refund_once ON operator_transfers (deposit_id)
  WHERE kind = 'REFUND' AND status != 'FAILED';
CREATE INDEX operator_transfers_by_status ON operator_transfers (status, id);
)sql"},
    {12, "read paths of the user API: covering indexes (issue #16, P4 on a years-old ledger)",
     R"sql(
-- A history page reads 20 rows of one account; with (account, id) alone each
-- row was a seek into the table, where one account's rows lie years apart.
-- Carrying the page's columns in the index makes a page one contiguous range.
CREATE INDEX history_page ON history
  (account, id, kind, amount_planck, status, reference, chain_ref, created_at, updated_at);
DROP INDEX history_by_account;
-- The account summary sums an account's ACTIVE claims and unpaid unstake
-- requests: small partial indexes that carry the amount answer both without
-- touching the (large) tables (status is in them so SQLite sees them as covering).
CREATE INDEX claims_active_amounts ON claims (account, status, amount_planck)
  WHERE status = 'ACTIVE';
CREATE INDEX unstake_unpaid_amounts ON unstake_requests (recipient, status, amount_planck)
  WHERE status != 'PAID';
)sql"},
  };
  return all;
}

int latest_schema_version() {
  return migrations().back().version;
}

} // namespace lstaked::sql

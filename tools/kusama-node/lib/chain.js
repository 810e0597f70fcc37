// The chain: genesis, the transaction pool, block production (on an interval or on demand),
// finality lag, per-block storage for state queries at recent hashes, dev actions, snapshots.
import fs from 'node:fs';
import { bnToU8a, compactAddLength, compactToU8a, hexToU8a, stringToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady } from '@polkadot/util-crypto';
import { loadRuntime } from './runtime.js';
import { buildGenesisState, defaultConfig } from './genesis.js';
import { StorageLayout } from './storage-layout.js';
import { Ctx, callWeight } from './dispatch.js';
import { DispatchFail, RpcError, TX } from './errors.js';
import { validate } from './extrinsic.js';
import { getAccount } from './pallets/balances.js';
import * as staking from './pallets/staking.js';
import { parse, stringify } from './json.js';
import { cloneState } from './clone-state.js';

const ZERO_HASH = u8aToHex(new Uint8Array(32));

function u32le(n) { return bnToU8a(n, { bitLength: 32, isLe: true }); }
function u64le(n) { return bnToU8a(n, { bitLength: 64, isLe: true }); }

// Vec<EventRecord>: phase, event bytes, topics (always empty here).
function encodeEvents(events) {
  const parts = [];
  for (const { phase, bytes } of events) {
    if (phase === 'Initialization') parts.push(new Uint8Array([2]));
    else if (phase === 'Finalization') parts.push(new Uint8Array([1]));
    else parts.push(new Uint8Array([0]), u32le(phase.ApplyExtrinsic));
    parts.push(bytes, new Uint8Array([0]));
  }
  return { count: events.length, body: u8aConcat(...parts) };
}

// A full state Map is kept every CHECKPOINT blocks (and at the head and the oldest kept block);
// the blocks in between keep only their changes. Memory: at the bench's 100,000 kept blocks, 390
// Maps instead of 100,000 (a full copy per block took ~22 GB). A read between checkpoints checks
// at most CHECKPOINT blocks' changes (~256 Map lookups, a few µs, next to an RPC's ~100 µs);
// keys() copies the nearest Map once. 256 is also the default --state-pruning, so a default node
// holds at most a few Maps.
export const CHECKPOINT = 256;

function applyChanges(map, changes) {
  for (const [k, v] of changes) { if (v === null) map.delete(k); else map.set(k, v); }
  return map;
}

// The state after one block, as the RPC methods and subscriptions read it (.get and .keys, as the
// Map that was stored per block before): the block's own Map if it holds one, else the newest of
// its own and its ancestors' changes that sets the key, down to the nearest ancestor with a Map.
class BlockState {
  constructor(block) { this.block = block; }

  get(key) {
    for (let b = this.block; ; b = b.parent) {
      if (b.full) return b.full.get(key);
      const v = b.changes.get(key);
      if (v !== undefined) return v ?? undefined; // null: deleted in that block
    }
  }

  keys() { return (this.block.full ?? materialize(this.block)).keys(); }
}

// Full state (key -> value Map) after `block`, as a new Map: the nearest ancestor that holds a
// full Map, copied, with the later blocks' changes replayed in order (the same operations as
// when the blocks were sealed, so even the Map's insertion order is the same).
function materialize(block) {
  const path = [];
  let b = block;
  for (; !b.full; b = b.parent) path.push(b);
  const map = new Map(b.full);
  for (let i = path.length - 1; i >= 0; i -= 1) applyChanges(map, path[i].changes);
  return map;
}

export class Chain {
  static async create(options = {}) {
    await cryptoWaitReady();
    const config = { ...defaultConfig(), ...options };
    const runtime = await loadRuntime(config.metadata);
    return new Chain(runtime, config);
  }

  constructor(runtime, config) {
    this.runtime = runtime;
    this.config = config;
    this.statePruning = config.statePruning ?? 256; // as a default (pruned) Substrate node
    this.layout = new StorageLayout(runtime);
    this.blocks = [];
    this.byHash = new Map();
    this.pool = new Map(); // hash -> validated tx
    this.devQueue = [];
    this.finalizedNumber = 0;
    this.onBlock = null; // set by the WebSocket front to push subscriptions
    this.forks = 0;
    this.orphans = [];
    this.state = buildGenesisState(config, runtime);
    const ctx = new Ctx({ state: this.state, runtime, config, number: 0, now: config.genesisTime });
    staking.startEra(ctx, 0);
    this.genesisHash = ZERO_HASH; // set by the first sealBlock
    this.sealBlock(0, ZERO_HASH, [], [], config.genesisTime);
    this.genesisHash = this.blocks[0].hash;
  }

  get head() { return this.blocks[this.blocks.length - 1]; }

  // Runtime version in force at block n: the shipped one, with specVersion bumped by each
  // dev_runtimeUpgrade at or before n (the metadata itself does not change).
  versionAt(n) {
    const ups = (this.state.runtimeUpgrades || []).filter((u) => u.block <= n);
    return ups.length ? { ...this.runtime.version, specVersion: ups.at(-1).specVersion } : this.runtime.version;
  }
  get finalized() { return this.blocks[this.finalizedNumber]; }
  blockHash(n) { return this.blocks[n]?.hash ?? null; }
  // Also finds blocks orphaned by dev_reorg, as a real node still serves non-canonical blocks.
  blockByHash(hash) { return this.byHash.get(hash?.toLowerCase()) ?? null; }

  storageAt(hash) {
    const block = hash ? this.blockByHash(hash) : this.head;
    if (!block || !block.storage) {
      throw new RpcError(4003, `Client error: UnknownBlock: State already discarded for ${hash}`);
    }
    return block.storage;
  }

  // Drops a block's state (state pruning). Its kept children that hold only changes get a full
  // Map first, so that no kept block ever walks through a discarded one. In the usual case (one
  // canonical child, the oldest kept block holding a full Map) the Map moves on in place: O(changes).
  discardState(block) {
    if (!block.storage) return;
    const kids = [this.blocks[block.number + 1], ...this.orphans].filter((c) => c?.parent === block && c.storage && !c.full);
    kids.forEach((c, i) => {
      c.full = applyChanges(i === kids.length - 1 && block.full ? block.full : materialize(block), c.changes);
    });
    Object.assign(block, { storage: null, full: null, changes: null });
  }

  // Writes storage, builds the header and records the block. Storage of blocks older than
  // statePruning is dropped, as on a pruned node; headers and bodies stay.
  sealBlock(number, parentHash, extrinsics, events, now) {
    const { runtime } = this;
    const parent = this.blocks[number - 1];
    const changes = this.layout.diff(this.state);
    const slot = Math.floor(now / this.config.slotMs);
    const preDigest = runtime.variant.engine === 'BABE'
      ? u8aConcat(new Uint8Array([2]), u32le(number % Math.max(1, this.config.validatorCount)), u64le(slot)) // SecondaryPlain
      : u64le(slot);
    const digest = { logs: [{ PreRuntime: [u8aToHex(stringToU8a(runtime.variant.engine)), u8aToHex(preDigest)] }] };
    // After a dev_reorg the replacement blocks must hash differently from the orphaned ones.
    if (this.forks) digest.logs.push({ Other: u8aToHex(u32le(this.forks)) });
    const ev = encodeEvents(events);
    // Per-block System items, encoded by hand (fixed-width LE) because they change every block.
    changes.set(runtime.key('System', 'Number'), u8aToHex(u32le(number)));
    changes.set(runtime.key('System', 'ParentHash'), parentHash);
    changes.set(runtime.key('System', 'EventCount'), u8aToHex(u32le(ev.count)));
    changes.set(runtime.key('Timestamp', 'Now'), u8aToHex(u64le(now)));
    changes.set(runtime.key('System', 'Digest'), runtime.encodeValue('System', 'Digest', digest));
    changes.set(runtime.key('System', 'Events'), u8aToHex(u8aConcat(runtime.registry.createType('Compact<u32>', ev.count).toU8a(), ev.body)));
    if (number > 0) {
      changes.set(runtime.key('System', 'BlockHash', number - 1), parentHash);
      const old = number - 1 - runtime.consts.blockHashCount;
      if (old > 0) changes.set(runtime.key('System', 'BlockHash', old), null);
    }
    // The head holds its full state. The parent hands its Map over (changed in place, O(changes))
    // unless it keeps one: every CHECKPOINT-th block, or the oldest kept block (its parent's state
    // is discarded). Other blocks keep only their changes and are read through BlockState.
    let full;
    if (!parent?.storage) full = new Map(); // genesis (and, as before, a parent whose state is discarded)
    else if (!parent.full) full = materialize(parent); // the new head after a dev_reorg
    else if (parent.number % CHECKPOINT !== 0 && parent.parent?.storage) { full = parent.full; parent.full = null; }
    else full = new Map(parent.full);
    applyChanges(full, changes);
    // Not a Merkle trie root (no trie here): a hash chained over the state changes.
    const stateRoot = blake2AsHex(u8aConcat(hexToU8a(parent ? parent.header.stateRoot.toHex() : ZERO_HASH), stringToU8a(JSON.stringify([...changes].sort()))));
    const extrinsicsRoot = blake2AsHex(u8aConcat(...extrinsics.map((x) => hexToU8a(x))));
    const header = runtime.registry.createType('Header', { parentHash, number, stateRoot, extrinsicsRoot, digest });
    const hash = header.hash.toHex();
    const block = { number, hash, header, extrinsics, parent: parent ?? null, full, changes, now };
    block.storage = new BlockState(block);
    this.blocks.push(block);
    this.byHash.set(hash, block);
    const pruneAt = number - this.statePruning;
    if (pruneAt >= 0 && this.blocks[pruneAt]) this.discardState(this.blocks[pruneAt]);
    // Newest first: a block being discarded may still be the path by which its children get a Map.
    const pruned = this.orphans.filter((b) => b.number <= pruneAt);
    this.orphans = this.orphans.filter((b) => b.number > pruneAt);
    for (const b of pruned.sort((x, y) => y.number - x.number)) this.discardState(b);
    // JS state after each unfinalized block, so dev_reorg can go back to it.
    block.postState = cloneState(this.state);
    for (let n = this.finalizedNumber - 1; n >= 0 && this.blocks[n]?.postState; n -= 1) this.blocks[n].postState = null;
    return block;
  }

  // Produces one block: era bookkeeping and dev actions at initialisation, the timestamp
  // inherent, then every ready pool transaction in nonce order.
  produceBlock() {
    const { runtime } = this;
    const parent = this.head;
    const number = parent.number + 1;
    const now = this.config.genesisTime + number * this.config.slotMs;
    const ctx = new Ctx({ state: this.state, runtime, config: this.config, number, now });
    staking.onInitialize(ctx);
    for (const action of this.devQueue.splice(0)) action(ctx);
    const extrinsics = [];
    ctx.phase = { ApplyExtrinsic: 0 };
    // Unsigned v4 extrinsic: compact length, 0x04, call index, Compact<u64> moment.
    const inherent = u8aConcat(new Uint8Array([4]), runtime.timestampCallIndex, compactToU8a(now));
    extrinsics.push(u8aToHex(compactAddLength(inherent)));
    ctx.emit('System', 'ExtrinsicSuccess', [{ weight: { refTime: 10_000_000n, proofSize: 1_493n }, class: 'Mandatory', paysFee: 'Yes' }]);
    let progress = true;
    while (progress) {
      progress = false;
      for (const [hash, tx] of this.pool) {
        let v;
        try {
          v = validate(this, tx.hex, { bestNumber: number - 1, state: this.state, known: tx });
        } catch {
          this.pool.delete(hash); // became invalid (era, fee, stale nonce): dropped as a node would
          continue;
        }
        if (v.nonce !== getAccount(this.state, v.signer).nonce) continue; // future: wait
        this.pool.delete(hash);
        ctx.phase = { ApplyExtrinsic: extrinsics.length };
        this.applySigned(ctx, v);
        extrinsics.push(v.hex);
        progress = true;
      }
    }
    ctx.phase = 'Finalization';
    const block = this.sealBlock(number, parent.hash, extrinsics, ctx.events, now);
    const lag = this.config.finalityLag;
    this.finalizedNumber = Math.max(this.finalizedNumber, number - lag);
    this.onBlock?.(block);
    return block;
  }

  applySigned(ctx, v) {
    const acc = this.state.accounts[v.signer];
    acc.nonce += 1;
    acc.free -= v.fee;
    this.state.totalIssuance -= v.fee; // fees are burned here (Kusama sends them to treasury/author)
    ctx.emit('Balances', 'Withdraw', [v.signer, v.fee]);
    let error = null;
    try {
      ctx.transactional(() => ctx.dispatch(v.signer, v.ext.method));
    } catch (e) {
      if (!(e instanceof DispatchFail)) {
        console.error(`dispatch of ${v.ext.method.section}.${v.ext.method.method} crashed:`, e);
        error = new DispatchFail({ raw: 'Other' });
      } else error = e;
    }
    ctx.emit('TransactionPayment', 'TransactionFeePaid', [v.signer, v.fee, v.tip]);
    const info = { weight: callWeight(v.ext.method), class: 'Normal', paysFee: 'Yes' };
    if (error) ctx.emit('System', 'ExtrinsicFailed', [this.runtime.dispatchError(error.err), info]);
    else ctx.emit('System', 'ExtrinsicSuccess', [info]);
  }

  // Replaces the last `depth` (unfinalized) blocks by a new branch of `length` blocks. The
  // retracted transactions go back to the pool (as on a real node) unless dropExtrinsics.
  reorg(depth, { length = depth + 1, dropExtrinsics = false } = {}) {
    const newHeadNumber = this.head.number - depth;
    if (depth < 1 || newHeadNumber < this.finalizedNumber) {
      throw new RpcError(-32602, `Invalid params: can only revert unfinalized blocks (best ${this.head.number}, finalized ${this.finalizedNumber})`);
    }
    const retracted = this.blocks.splice(newHeadNumber + 1);
    this.orphans.push(...retracted);
    this.state = cloneState(this.blocks[newHeadNumber].postState);
    this.layout = new StorageLayout(this.runtime);
    this.layout.diff(this.state); // encoder cache now matches the new head's storage
    this.devQueue = [];
    this.forks += 1;
    if (!dropExtrinsics) {
      for (const b of retracted) for (const hex of b.extrinsics.slice(1)) { try { this.submit(hex); } catch { /* invalid on the new branch */ } }
    } else {
      this.pool.clear();
    }
    for (const tx of [...this.pool.values()]) { try { validate(this, tx.hex, { bestNumber: this.head.number, state: this.state }); } catch { this.pool.delete(tx.hash); } }
    return { retracted: retracted.map((b) => b.hash), head: this.produceBlocks(length) };
  }

  produceBlocks(n) {
    let block = this.head;
    for (let i = 0; i < n; i += 1) block = this.produceBlock();
    return block;
  }

  submit(hex) {
    const hash = blake2AsHex(hexToU8a(hex));
    if (this.pool.has(hash)) throw TX.alreadyImported();
    const v = validate(this, hex, { bestNumber: this.head.number, state: this.state });
    for (const tx of this.pool.values()) if (tx.signer === v.signer && tx.nonce === v.nonce) throw TX.tooLowPriority();
    this.pool.set(hash, v);
    return hash;
  }

  // Nonce for the next transaction: chain nonce plus the sender's ready pool transactions.
  nextIndex(who) {
    let n = getAccount(this.state, who).nonce;
    const mine = new Set([...this.pool.values()].filter((t) => t.signer === who).map((t) => t.nonce));
    while (mine.has(n)) n += 1;
    return n;
  }

  // Dev actions run at the start of the next block, so their events land in a block.
  queue(action) { this.devQueue.push(action); }

  snapshot(file) {
    const keep = this.blocks.filter((b) => b.storage);
    const data = {
      format: 'lstaked-kusama-node-snapshot/1',
      config: this.config, state: this.state, finalizedNumber: this.finalizedNumber,
      pool: [...this.pool.values()].map((t) => t.hex),
      blocks: this.blocks.map((b) => ({ header: b.header.toHex(), extrinsics: b.extrinsics, now: b.now })),
      baseNumber: keep[0].number, baseStorage: [...(keep[0].full ?? materialize(keep[0]))],
      changes: keep.slice(1).map((b) => [...b.changes]),
    };
    fs.writeFileSync(file, stringify(data));
    return { blocks: this.blocks.length, head: this.head.hash };
  }

  static async restore(file, overrides = {}) {
    const data = parse(fs.readFileSync(file, 'utf8'));
    if (data.format !== 'lstaked-kusama-node-snapshot/1') throw new Error(`${file}: not a snapshot`);
    const chain = await Chain.create({ ...data.config, ...overrides, metadata: data.config.metadata });
    chain.load(data);
    return chain;
  }

  load(data) {
    const { registry } = this.runtime;
    this.state = data.state;
    this.finalizedNumber = data.finalizedNumber;
    this.blocks = data.blocks.map((b, number) => {
      const header = registry.createType('Header', hexToU8a(b.header));
      return { number, hash: header.hash.toHex(), header, extrinsics: b.extrinsics, storage: null, full: null, changes: null, now: b.now };
    });
    this.blocks.forEach((b, n) => { b.parent = this.blocks[n - 1] ?? null; });
    this.genesisHash = this.blocks[0].hash;
    this.byHash = new Map(this.blocks.map((b) => [b.hash, b]));
    this.blocks.at(-1).postState = cloneState(this.state); // a restored chain can reorg from its head only
    // The retained blocks' state, laid out as sealBlock does: full Maps at the oldest retained
    // block, every CHECKPOINT blocks and at the head, changes only in between.
    const state = new Map(data.baseStorage);
    const kept = this.blocks.slice(data.baseNumber);
    kept.forEach((b, i) => {
      if (i > 0) b.changes = new Map(data.changes[i - 1]);
      applyChanges(state, b.changes ?? []);
      if (i === 0 || b.number % CHECKPOINT === 0) b.full = new Map(state);
      b.storage = new BlockState(b);
    });
    kept.at(-1).full = state;
    this.layout = new StorageLayout(this.runtime);
    this.layout.diff(this.state); // prime the encoder cache with the head state
    this.pool = new Map();
    for (const hex of data.pool) { try { this.submit(hex); } catch { /* no longer valid */ } }
  }
}

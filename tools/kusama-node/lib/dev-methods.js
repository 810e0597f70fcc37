// dev_* methods: drive time and state from tests (no real node has these).
// State-changing ones take effect at the start of a new block they produce, so the
// change and its events are visible in a block like any other chain change.
import { u8aToHex } from '@polkadot/util';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { RpcError } from './errors.js';
import { Chain } from './chain.js';
import * as staking from './pallets/staking.js';

const bad = (why) => new RpcError(-32602, `Invalid params: ${why}`);
const who = (address) => { try { return u8aToHex(decodeAddress(address)); } catch { throw bad(`bad address ${address}`); } };
const amount = (x) => { try { const v = BigInt(x); if (v < 0n) throw new Error(); return v; } catch { throw bad(`bad amount ${x} (planck, integer)`); } };
const blockRef = (b) => ({ number: b.number, hash: b.hash });

export function devMethods(node) {
  const chain = () => node.chain;
  return {
    dev_newBlocks: (count = 1) => blockRef(chain().produceBlocks(Math.max(1, Number(count)))),
    dev_nextEra: (count = 1) => {
      const c = chain();
      const target = c.state.staking.activeEra.index + Math.max(1, Number(count));
      while (c.state.staking.activeEra.index < target) c.produceBlock();
      return { era: c.state.staking.activeEra.index, ...blockRef(c.head) };
    },
    // Replace the last `depth` unfinalized blocks by a new branch (default depth + 1 blocks long).
    dev_reorg: (depth, { length, dropExtrinsics = false } = {}) => {
      const d = Number(depth);
      const r = chain().reorg(d, { length: length === undefined ? d + 1 : Number(length), dropExtrinsics });
      return { retracted: r.retracted, ...blockRef(r.head) };
    },
    // Simulated runtime upgrade: System.CodeUpdated in the next block, and from that block on
    // state_getRuntimeVersion reports specVersion + 1 (or the one given); transactions must be
    // signed for it. Lets the daemon test re-fetching metadata on an upgrade.
    dev_runtimeUpgrade: (specVersion) => {
      const c = chain();
      const next = specVersion === undefined ? c.versionAt(c.head.number).specVersion + 1 : Number(specVersion);
      c.queue((ctx) => {
        (ctx.state.runtimeUpgrades ||= []).push({ block: ctx.number, specVersion: next });
        ctx.emit('System', 'CodeUpdated', []);
      });
      return { specVersion: next, ...blockRef(c.produceBlock()) };
    },
    dev_setFinalityLag: (lag) => {
      const c = chain();
      c.config.finalityLag = Math.max(0, Number(lag));
      c.finalizedNumber = Math.max(c.finalizedNumber, c.head.number - c.config.finalityLag);
      return { finalityLag: c.config.finalityLag, finalized: c.finalizedNumber };
    },
    dev_setBalance: (address, free) => {
      const account = who(address);
      const value = amount(free);
      chain().queue((ctx) => {
        const acc = ctx.state.accounts[account]
          || (ctx.state.accounts[account] = { nonce: 0, consumers: 0, providers: 1, sufficients: 0, free: 0n, reserved: 0n, frozen: 0n });
        ctx.state.totalIssuance += value - acc.free;
        acc.free = value;
        ctx.emit('Balances', 'BalanceSet', [account, value]);
      });
      return blockRef(chain().produceBlock());
    },
    // fraction in Perbill (1_000_000_000 = 100 %) of the validator's exposure in the active era.
    dev_slash: (address, perbill) => {
      const validator = who(address);
      const fraction = Number(perbill);
      if (!(fraction > 0 && fraction <= 1_000_000_000)) throw bad('perbill must be in 1..=1_000_000_000');
      let slashed = 0n;
      chain().queue((ctx) => { slashed = staking.slash(ctx, validator, fraction); });
      const b = chain().produceBlock();
      return { ...blockRef(b), slashed: slashed.toString() };
    },
    // Fault injection for reliability tests: mode error (JSON-RPC -32603), http500, slow
    // (delay every answer by delayMs), drop (close the connection without answering).
    // dev_* methods are never affected, so a test can always clear the fault.
    dev_fault: ({ mode = 'none', durationMs = 60_000, delayMs = 1000, methods = null } = {}) => {
      if (!['none', 'error', 'http500', 'slow', 'drop'].includes(mode)) throw bad(`unknown fault mode ${mode}`);
      node.fault = mode === 'none' ? null : { mode, until: Date.now() + Number(durationMs), delayMs: Number(delayMs), methods };
      return node.fault ?? { mode: 'none' };
    },
    dev_setBlockInterval: (ms) => { node.setBlockInterval(Number(ms)); return { blockMs: chain().config.blockMs }; },
    dev_snapshot: (path) => { if (typeof path !== 'string') throw bad('path'); return { path, ...chain().snapshot(path) }; },
    dev_restore: async (path) => {
      if (typeof path !== 'string') throw bad('path');
      const restored = await Chain.restore(path, { blockMs: chain().config.blockMs });
      restored.onBlock = node.chain.onBlock;
      node.chain = restored;
      return blockRef(restored.head);
    },
    dev_info: () => {
      const c = chain();
      const st = c.state.staking;
      return {
        metadata: c.config.metadata, chain: c.runtime.variant.chain, specVersion: c.versionAt(c.head.number).specVersion,
        head: blockRef(c.head), finalized: blockRef(c.finalized), genesisHash: c.genesisHash,
        activeEra: st.activeEra.index, currentEra: st.currentEra,
        eraBlocks: c.config.eraBlocks, blockMs: c.config.blockMs, finalityLag: c.config.finalityLag,
        bondingDuration: c.config.bondingDuration ?? c.runtime.consts.bondingDuration,
        existentialDeposit: c.runtime.consts.existentialDeposit.toString(),
        validators: Object.entries(st.validators).map(([v, p]) => ({ address: encodeAddress(v, 2), commission: p.commission })),
        pool: c.pool.size,
      };
    },
  };
}

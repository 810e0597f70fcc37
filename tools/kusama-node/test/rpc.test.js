// The node as the daemon sees it: raw JSON-RPC over HTTP, encodings checked independently
// with polkadot-js (hashes, header format, metadata V14/V15, events), finality lag, state
// pruning, batches, keep-alive concurrency, fault injection, snapshot/restore, block timer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Metadata, TypeRegistry } from '@polkadot/types';
import { hexToU8a, u8aToHex, u8aToString } from '@polkadot/util';
import { blake2AsHex, xxhashAsHex } from '@polkadot/util-crypto';
import { startNode, connect, shippedMetadataHex, sendAndSeal, freeOf, KSM } from '../test-support/helpers.js';

const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

for (const metadata of ['kusama', 'asset-hub']) {
  describe(`JSON-RPC surface (${metadata})`, () => {
    let node; let api;
    before(async () => {
      node = await startNode(['--block-ms', '0', '--metadata', metadata, '--finality-lag', '3', '--state-pruning', '20']);
      ({ api } = await connect(node.url));
      await node.rpc('dev_newBlocks', 10);
    });
    after(async () => { await api?.disconnect(); await node?.stop(); });

    it('headers: hex numbers, SCALE digest logs, hash = blake2-256 of the SCALE header', async () => {
      const hash = await node.rpc('chain_getBlockHash', 5);
      const header = await node.rpc('chain_getHeader', hash);
      assert.equal(header.number, '0x5');
      assert.match(header.digest.logs[0], /^0x06/, 'PreRuntime digest item');
      const encoded = api.registry.createType('Header', { ...header, number: 5 }).toU8a();
      assert.equal(blake2AsHex(encoded), hash);
      assert.equal(header.parentHash, await node.rpc('chain_getBlockHash', 4));
      assert.equal(await node.rpc('chain_getBlockHash', '0x5'), hash);
      assert.deepEqual(await node.rpc('chain_getBlockHash', [0, 99]), [api.genesisHash.toHex(), null]);
      assert.equal(await node.rpc('chain_getHeader', `0x${'ab'.repeat(32)}`), null);
      const { block } = await node.rpc('chain_getBlock', hash);
      assert.equal(block.extrinsics.length, 1);
      const ext = api.registry.createType('Extrinsic', block.extrinsics[0]);
      assert.equal(`${ext.method.section}.${ext.method.method}`, 'timestamp.set');
      assert.equal(ext.hash.toHex(), blake2AsHex(hexToU8a(block.extrinsics[0])));
    });

    it('finalized head lags the best block by --finality-lag, dev_setFinalityLag changes it', async () => {
      const best = await node.rpc('chain_getHeader');
      const fin = await node.rpc('chain_getHeader', await node.rpc('chain_getFinalizedHead'));
      assert.equal(Number(best.number) - Number(fin.number), 3);
      await node.rpc('dev_setFinalityLag', 0);
      assert.equal(await node.rpc('chain_getFinalizedHead'), await node.rpc('chain_getBlockHash'));
      await node.rpc('dev_setFinalityLag', 3);
    });

    it('serves V14 from state_getMetadata and V14/V15 through Metadata_metadata_at_version', async () => {
      const v14hex = await node.rpc('state_getMetadata');
      assert.equal(u8aToString(hexToU8a(v14hex).subarray(0, 4)), 'meta');
      const m14 = new Metadata(new TypeRegistry(), v14hex);
      assert.equal(m14.version, 14);
      assert.ok(m14.asV14.pallets.some((p) => p.name.toString() === 'Staking'));
      const versions = api.registry.createType('Vec<u32>', await node.rpc('state_call', 'Metadata_metadata_versions', '0x'));
      assert.deepEqual(versions.map((v) => v.toNumber()), [14, 15]);
      const file = metadata === 'kusama' ? 'kusama' : 'asset-hub-kusama';
      const shipped = await shippedMetadataHex(file);
      assert.equal(await node.rpc('state_call', 'Metadata_metadata_at_version', '0x0f000000'), shipped);
      assert.equal(await node.rpc('state_call', 'Metadata_metadata_at_version', '0x10000000'), '0x00');
      const rv = await node.rpc('state_getRuntimeVersion');
      assert.equal(rv.specVersion, metadata === 'kusama' ? 1009002 : 1009003);
      assert.deepEqual(await node.rpc('system_properties'), { ss58Format: 2, tokenDecimals: 12, tokenSymbol: 'KSM' });
    });

    it('System.Events and System.Number via state_getStorage at a block hash; pruned state errors', async () => {
      const hash = await node.rpc('chain_getBlockHash', 8);
      const key = xxhashAsHex('System', 128) + xxhashAsHex('Events', 128).slice(2);
      const raw = await node.rpc('state_getStorage', key, hash);
      const events = api.registry.createType('Vec<FrameSystemEventRecord>', raw);
      assert.equal(events[0].event.method, 'ExtrinsicSuccess');
      assert.ok(events[0].phase.isApplyExtrinsic);
      const numKey = xxhashAsHex('System', 128) + xxhashAsHex('Number', 128).slice(2);
      assert.equal(await node.rpc('state_getStorage', numKey, hash), '0x08000000');
      await node.rpc('dev_newBlocks', 20);
      await assert.rejects(node.rpc('state_getStorage', numKey, hash), (e) => e.code === 4003);
      assert.ok(await node.rpc('chain_getBlock', hash), 'bodies are kept after state pruning');
      const at = await node.rpc('state_queryStorageAt', [numKey]);
      assert.equal(at[0].block, await node.rpc('chain_getBlockHash'));
    });

    it('JSON-RPC errors, batches, 405 on GET, and many concurrent keep-alive requests', async () => {
      let r = await (await post(node.url, { jsonrpc: '2.0', id: 1, method: 'nope_nope', params: [] })).json();
      assert.equal(r.error.code, -32601);
      r = await (await post(node.url, '{not json')).json();
      assert.equal(r.error.code, -32700);
      r = await (await post(node.url, [{ jsonrpc: '2.0', id: 1, method: 'system_chain' }, { jsonrpc: '2.0', id: 2, method: 'chain_getBlockHash', params: [0] }])).json();
      assert.equal(r[0].result, metadata === 'kusama' ? 'Kusama' : 'Kusama Asset Hub');
      assert.equal(r[1].result, api.genesisHash.toHex());
      assert.equal((await fetch(node.url)).status, 405);
      const many = await Promise.all(Array.from({ length: 200 }, (_, i) => node.rpc('chain_getBlockHash', i % 5)));
      assert.equal(many.length, 200);
      assert.ok(many.every((h) => /^0x[0-9a-f]{64}$/.test(h)));
    });
  });
}

describe('dev controls (kusama)', () => {
  let node;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kusama-node-'));
  before(async () => { node = await startNode(['--block-ms', '0']); });
  after(async () => { await node?.stop(); fs.rmSync(tmp, { recursive: true, force: true }); });

  it('fault injection: error, http500, slow, drop, then cleared', async () => {
    await node.rpc('dev_fault', { mode: 'error', durationMs: 5000 });
    await assert.rejects(node.rpc('chain_getHeader'), (e) => e.code === -32603);
    await node.rpc('dev_fault', { mode: 'http500', durationMs: 5000 });
    assert.equal((await post(node.url, { jsonrpc: '2.0', id: 1, method: 'chain_getHeader' })).status, 500);
    await node.rpc('dev_fault', { mode: 'slow', durationMs: 5000, delayMs: 300 });
    const t0 = Date.now();
    await node.rpc('chain_getHeader');
    assert.ok(Date.now() - t0 >= 290);
    await node.rpc('dev_fault', { mode: 'drop', durationMs: 5000, methods: ['chain_getHeader'] });
    await assert.rejects(node.rpc('chain_getHeader'));
    assert.ok(await node.rpc('system_chain'), 'other methods unaffected');
    await node.rpc('dev_fault', { mode: 'none' });
    assert.ok(await node.rpc('chain_getHeader'));
  });

  it('snapshot to a file and restore it, in place and at start', async () => {
    await node.rpc('dev_newBlocks', 7);
    const file = path.join(tmp, 'snap.json');
    const snap = await node.rpc('dev_snapshot', file);
    const head = await node.rpc('chain_getBlockHash');
    assert.equal(snap.head, head);
    await node.rpc('dev_newBlocks', 3);
    const restored = await node.rpc('dev_restore', file);
    assert.equal(restored.hash, head);
    assert.equal(await node.rpc('chain_getBlockHash'), head);
    const second = await startNode(['--restore', file, '--block-ms', '0']);
    try {
      assert.equal(await second.rpc('chain_getBlockHash'), head);
      const next1 = await node.rpc('dev_newBlocks', 1);
      const next2 = await second.rpc('dev_newBlocks', 1);
      assert.equal(next1.hash, next2.hash, 'replay is deterministic');
    } finally { await second.stop(); }
  });

  it('dev_reorg replaces unfinalized blocks; retracted transfers vanish or are re-included', async () => {
    const { api, dev } = await connect(node.url);
    try {
      await node.rpc('dev_setFinalityLag', 3);
      await node.rpc('dev_newBlocks', 4);
      const before = await freeOf(api, dev.bob.address);
      const sent = await sendAndSeal(api, node.rpc, api.tx.balances.transferKeepAlive(dev.bob.address, 7n * KSM), dev.alice);
      const n = (await api.rpc.chain.getHeader(sent.blockHash)).number.toNumber();
      await assert.rejects(node.rpc('dev_reorg', 4), (e) => e.code === -32602, 'finalized blocks cannot be reverted');
      const r = await node.rpc('dev_reorg', 1, { dropExtrinsics: true });
      assert.deepEqual(r.retracted, [sent.blockHash]);
      assert.equal(r.number, n + 1);
      assert.notEqual(await node.rpc('chain_getBlockHash', n), sent.blockHash);
      assert.ok(await node.rpc('chain_getBlock', sent.blockHash), 'orphaned block still served by hash');
      assert.equal(await freeOf(api, dev.bob.address), before, 'transfer gone with its block');
      const again = await sendAndSeal(api, node.rpc, api.tx.balances.transferKeepAlive(dev.bob.address, 7n * KSM), dev.alice);
      const r2 = await node.rpc('dev_reorg', 1);
      assert.deepEqual(r2.retracted, [again.blockHash]);
      const block = await api.rpc.chain.getBlock(await node.rpc('chain_getBlockHash', r2.number - 1));
      assert.ok(block.block.extrinsics.some((x) => x.hash.toHex() === again.hash), 're-included on the new branch');
      assert.equal(await freeOf(api, dev.bob.address), before + 7n * KSM);
    } finally { await api.disconnect(); }
  });

  it('dev_runtimeUpgrade: CodeUpdated, new specVersion from that block, old-version signatures refused', async () => {
    const old = await connect(node.url);
    try {
      const before = await node.rpc('state_getRuntimeVersion');
      const oldHash = await node.rpc('chain_getBlockHash');
      const up = await node.rpc('dev_runtimeUpgrade');
      assert.equal(up.specVersion, before.specVersion + 1);
      const evs = await (await old.api.at(up.hash)).query.system.events();
      assert.ok(evs.some(({ event, phase }) => event.method === 'CodeUpdated' && phase.isInitialization));
      assert.equal((await node.rpc('state_getRuntimeVersion')).specVersion, up.specVersion);
      assert.equal((await node.rpc('state_getRuntimeVersion', oldHash)).specVersion, before.specVersion);
      const last = await old.api.query.system.lastRuntimeUpgrade();
      assert.equal(last.unwrap().specVersion.toNumber(), up.specVersion);
      const stale = await old.api.tx.balances.transferKeepAlive(old.dev.bob.address, KSM).signAsync(old.dev.alice, { era: 0 });
      await assert.rejects(node.rpc('author_submitExtrinsic', stale.toHex()), (e) => e.code === 1010 && e.data === 'Transaction has a bad signature');
      const fresh = await connect(node.url);
      try {
        assert.equal(fresh.api.runtimeVersion.specVersion.toNumber(), up.specVersion);
        const r = await sendAndSeal(fresh.api, node.rpc, fresh.api.tx.balances.transferKeepAlive(fresh.dev.bob.address, KSM), fresh.dev.alice);
        assert.ok(r.byIndex[1].some((e) => e.method === 'Transfer'));
      } finally { await fresh.api.disconnect(); }
    } finally { await old.api.disconnect(); }
  });

  it('produces blocks on the --block-ms interval', async () => {
    const timed = await startNode(['--block-ms', '100']);
    try {
      await new Promise((r) => setTimeout(r, 700));
      const head = await timed.rpc('chain_getHeader');
      assert.ok(Number(head.number) >= 3, `head ${head.number}`);
    } finally { await timed.stop(); }
  });
});

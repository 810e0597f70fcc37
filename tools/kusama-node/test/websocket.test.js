// WebSocket on the same port: @polkadot/api over WsProvider with head and storage
// subscriptions, and signAndSend watching a transfer to Ready, InBlock and Finalized.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { startNode, KSM } from '../test-support/helpers.js';

for (const metadata of ['kusama', 'asset-hub']) {
  describe(`websocket subscriptions (${metadata})`, () => {
    let node; let api; let alice; let bob;
    before(async () => {
      node = await startNode(['--block-ms', '150', '--finality-lag', '2', '--metadata', metadata]);
      await cryptoWaitReady();
      api = await ApiPromise.create({ provider: new WsProvider(node.url.replace('http', 'ws')), noInitWarn: true });
      const keyring = new Keyring({ type: 'sr25519', ss58Format: 2 });
      alice = keyring.addFromUri('//Alice');
      bob = keyring.addFromUri('//Bob');
    });
    after(async () => { await api?.disconnect(); await node?.stop(); });

    it('new and finalized heads arrive in order, finalized trailing by the lag', async () => {
      const heads = [];
      const fins = [];
      const unsubA = await api.rpc.chain.subscribeNewHeads((h) => heads.push(h.number.toNumber()));
      const unsubB = await api.rpc.chain.subscribeFinalizedHeads((h) => fins.push(h.number.toNumber()));
      await new Promise((r) => setTimeout(r, 1200));
      unsubA(); unsubB();
      assert.ok(heads.length >= 4, `heads ${heads}`);
      for (let i = 1; i < heads.length; i += 1) assert.equal(heads[i], heads[i - 1] + 1);
      assert.ok(fins.length >= 3);
      assert.ok(heads.at(-1) - fins.at(-1) >= 2);
    });

    it('runtime version subscription reports a dev_runtimeUpgrade', async () => {
      const versions = [];
      const unsub = await api.rpc.state.subscribeRuntimeVersion((v) => versions.push(v.specVersion.toNumber()));
      await new Promise((r) => setTimeout(r, 200));
      const up = await node.rpc('dev_runtimeUpgrade');
      await new Promise((r) => setTimeout(r, 500));
      unsub();
      assert.equal(versions.at(-1), up.specVersion);
      assert.equal(versions[0], up.specVersion - 1);
    });

    it('signAndSend with a status callback sees Ready, InBlock, Finalized and the Transfer event; storage subscription updates', async () => {
      const seen = [];
      let bobFree = null;
      const unsubAcc = await api.query.system.account(bob.address, (a) => { bobFree = a.data.free.toBigInt(); });
      await new Promise((r) => setTimeout(r, 300));
      const start = bobFree;
      const events = await new Promise((resolve, reject) => {
        api.tx.balances.transferKeepAlive(bob.address, 3n * KSM).signAndSend(alice, (res) => {
          seen.push(res.status.type);
          if (res.status.isFinalized) resolve(res.events);
          if (res.isError) reject(new Error(res.status.type));
        }).catch(reject);
      });
      assert.deepEqual(seen.filter((s) => ['Ready', 'InBlock', 'Finalized'].includes(s)), ['Ready', 'InBlock', 'Finalized']);
      assert.ok(events.some(({ event }) => api.events.balances.Transfer.is(event) && event.data[2].toBigInt() === 3n * KSM));
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(bobFree, start + 3n * KSM);
      unsubAcc();
    });
  });
}

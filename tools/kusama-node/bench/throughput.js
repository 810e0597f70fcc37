#!/usr/bin/env node
// Throughput of the local Kusama node, measured over HTTP like the daemon uses it:
//  1. production: empty blocks/s (dev_newBlocks) and blocks/s with N signed transfers each;
//  2. serving: blocks/s read back as chain_getBlockHash + chain_getBlock +
//     state_getStorage(System.Events at that hash), with C concurrent keep-alive clients.
// usage: node tools/kusama-node/bench/throughput.js [--metadata kusama|asset-hub] [--blocks 2000] [--clients 4]
import { xxhashAsHex } from '@polkadot/util-crypto';
import { startNode, connect, KSM } from '../test-support/helpers.js';

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const metadata = arg('metadata', 'kusama');
const blocks = Number(arg('blocks', 2000));
const clients = Number(arg('clients', 4));
const txBlocks = Number(arg('tx-blocks', 100));
const txPerBlock = Number(arg('tx-per-block', 10));

const node = await startNode(['--block-ms', '0', '--metadata', metadata, '--state-pruning', String(blocks + txBlocks + 10)]);
try {
  let t = performance.now();
  await node.rpc('dev_newBlocks', blocks);
  const emptyRate = blocks / ((performance.now() - t) / 1000);

  const { api, dev } = await connect(node.url);
  const senders = [dev.alice, dev.bob, dev.charlie, dev.dave, dev.eve, dev.ferdie];
  const nonces = await Promise.all(senders.map(async (s) => (await api.rpc.system.accountNextIndex(s.address)).toNumber()));
  const signed = [];
  for (let b = 0; b < txBlocks; b += 1) {
    const batch = [];
    for (let i = 0; i < txPerBlock; i += 1) {
      const k = (b * txPerBlock + i) % senders.length;
      const tx = await api.tx.balances.transferKeepAlive(dev.ferdie.address, KSM).signAsync(senders[k], { nonce: nonces[k]++, era: 0 });
      batch.push(tx.toHex());
    }
    signed.push(batch);
  }
  t = performance.now();
  for (const batch of signed) {
    for (const hex of batch) await node.rpc('author_submitExtrinsic', hex);
    await node.rpc('dev_newBlocks', 1);
  }
  const txRate = txBlocks / ((performance.now() - t) / 1000);
  await api.disconnect();

  const head = Number((await node.rpc('chain_getHeader')).number);
  const eventsKey = xxhashAsHex('System', 128) + xxhashAsHex('Events', 128).slice(2);
  let next = 1;
  t = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next <= head) {
      const n = next++;
      const hash = await node.rpc('chain_getBlockHash', n);
      await node.rpc('chain_getBlock', hash);
      await node.rpc('state_getStorage', eventsKey, hash);
    }
  }));
  const serveRate = head / ((performance.now() - t) / 1000);
  console.log(JSON.stringify({
    metadata, cores: (await import('node:os')).availableParallelism(),
    producedEmptyBlocksPerSec: Math.round(emptyRate),
    producedBlocksPerSecWithTransfers: Math.round(txRate), transfersPerBlock: txPerBlock,
    servedBlocksPerSec: Math.round(serveRate), servedBlocks: head, clients,
  }, null, 1));
} finally {
  await node.stop();
}

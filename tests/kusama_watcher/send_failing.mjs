// Sends, with the real @polkadot/api, //Alice -> //Ferdie extrinsics that fail:
// utility.batchAll([transferKeepAlive(1 KSM), transferKeepAlive(10^9 KSM)])
// (the second cannot be paid: all rolled back, System.ExtrinsicFailed), then
// utility.batch of the same two (the first stays, BatchInterrupted, the
// extrinsic succeeds). Each in its own block. Prints one JSON line:
// {blocks: [n1, n2], hashes: [tx.hash, tx.hash]}.
// Usage: node send_failing.mjs http://127.0.0.1:PORT
import { api, dev, rpc, KSM } from './dev.mjs';
const alice = dev.alice;
const ferdie = dev.ferdie;
const blocks = [];
const hashes = [];
for (const batch of [api.tx.utility.batchAll, api.tx.utility.batch]) {
  const tx = batch([api.tx.balances.transferKeepAlive(ferdie.address, KSM),
    api.tx.balances.transferKeepAlive(ferdie.address, 1_000_000_000n * KSM)]);
  await tx.signAndSend(alice);
  hashes.push(tx.hash.toHex());
  blocks.push((await rpc('dev_newBlocks', 1)).number);
}
console.log(JSON.stringify({ blocks, hashes }));
await api.disconnect();

// Sends the integration test's deposits with the real @polkadot/api over HTTP:
// //Alice -> //Ferdie one balances.transferKeepAlive(2 KSM), then
// utility.batchAll([transferKeepAlive(3 KSM), transferKeepAlive(4 KSM)]), then
// transferKeepAlive(0.5 KSM), each sealed in its own block (dev_newBlocks). Prints one JSON line:
// {alice, ferdie (AccountId hex), blocks: [n1, n2, n3], amounts: [...planck],
// hashes: [tx.hash of each signed extrinsic, as @polkadot/api computes it]}.
// Usage: node send_deposits.mjs http://127.0.0.1:PORT
import { api, dev, rpc, KSM } from './dev.mjs';
import { u8aToHex } from '@polkadot/util';
const alice = dev.alice;
const ferdie = dev.ferdie;
const blocks = [];
const hashes = [];
// Signs and submits `tx`, seals a block with it; its hash is polkadot-js' own.
async function sendAndSeal(tx) {
  await tx.signAndSend(alice);
  hashes.push(tx.hash.toHex());
  blocks.push((await rpc('dev_newBlocks', 1)).number);
}
await sendAndSeal(api.tx.balances.transferKeepAlive(ferdie.address, 2n * KSM));
await sendAndSeal(api.tx.utility.batchAll([
  api.tx.balances.transferKeepAlive(ferdie.address, 3n * KSM),
  api.tx.balances.transferKeepAlive(ferdie.address, 4n * KSM),
]));
// Under the watcher's 1 KSM minimum: kept as BELOW_MINIMUM, not credited.
await sendAndSeal(api.tx.balances.transferKeepAlive(ferdie.address, KSM / 2n));
console.log(JSON.stringify({ alice: u8aToHex(alice.publicKey), ferdie: u8aToHex(ferdie.publicKey), blocks,
  amounts: [(2n * KSM).toString(), (3n * KSM).toString(), (4n * KSM).toString()], hashes }));
await api.disconnect();

// Fills the local Kusama node with a realistic chain for the P2 catch-up
// benchmark: every `--every`-th block carries `--tx` signed extrinsics from six
// users (transferKeepAlive and batchAll of two transfers to the deposit
// address, and transfers between users that are not deposits), the blocks in
// between are empty but for the inherents and era bookkeeping (rewards every
// era). Extrinsics are signed by polkadot-js (sr25519) before any is sent.
//   node fill_chain.mjs URL DEPOSIT_SS58 BLOCKS EVERY TX
// Prints one JSON line: {"head", "extrinsics", "deposits", "depositPlanck"}.
import { connect, rpcClient, KSM } from '../kusama-node/test-support/helpers.js';

const [url, deposit, blocksText, everyText, txText] = process.argv.slice(2);
const blocks = Number(blocksText), every = Number(everyText), perBlock = Number(txText);
const rpc = rpcClient(url);
const { api, keyring } = await connect(url);
const users = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve', '//Ferdie'].map((u) => keyring.addFromUri(u));
const nonces = await Promise.all(users.map(async (u) => (await api.rpc.system.accountNextIndex(u.address)).toNumber()));

const loaded = Math.floor(blocks / every);
const signed = [];
let deposits = 0, depositPlanck = 0n;
for (let b = 0; b < loaded; b += 1) {
  const batch = [];
  for (let i = 0; i < perBlock; i += 1) {
    const k = (b * perBlock + i) % users.length;
    const amount = KSM + BigInt(b * perBlock + i);
    let tx;
    switch (i % 3) {
      case 0: tx = api.tx.balances.transferKeepAlive(deposit, amount); deposits += 1; depositPlanck += amount; break;
      case 1:
        tx = api.tx.utility.batchAll([api.tx.balances.transferKeepAlive(deposit, amount),
                                      api.tx.balances.transferKeepAlive(deposit, 2n * amount)]);
        deposits += 2; depositPlanck += 3n * amount; break;
      default: tx = api.tx.balances.transferKeepAlive(users[(k + 1) % users.length].address, amount);
    }
    batch.push((await tx.signAsync(users[k], { nonce: nonces[k]++, era: 0 })).toHex());
  }
  signed.push(batch);
}
let head = 0;
for (const batch of signed) {
  for (const hex of batch) await rpc('author_submitExtrinsic', hex);
  head = Number((await rpc('dev_newBlocks', 1)).number);
  if (every > 1) head = Number((await rpc('dev_newBlocks', every - 1)).number);
}
const rest = blocks - loaded * every;
if (rest > 0) head = Number((await rpc('dev_newBlocks', rest)).number);
console.log(JSON.stringify({ head, extrinsics: loaded * perBlock, deposits, depositPlanck: depositPlanck.toString() }));
await api.disconnect();
process.exit(0);

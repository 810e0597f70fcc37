// Fills the local Kusama node with a realistic chain for the P2 catch-up
// benchmark: every `--every`-th block carries `--tx` signed extrinsics from six
// users (transferKeepAlive and batchAll of two transfers to the deposit
// address, and transfers between users that are not deposits), the blocks in
// between are empty but for the inherents and era bookkeeping (rewards every
// era). Extrinsics are signed by polkadot-js (sr25519), a block ahead of those sent.
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
let deposits = 0, depositPlanck = 0n;
// The options signAsync would use for an immortal transaction with a given nonce (no chain
// reads), passed to the synchronous sign() so that signing can overlap the node's work below.
const signOptions = { blockHash: api.genesisHash, genesisHash: api.genesisHash, runtimeVersion: api.runtimeVersion,
                      signedExtensions: api.registry.signedExtensions, version: api.extrinsicType };
async function signBlock(b) {
  const batch = [];
  for (let i = 0; i < perBlock; i += 1) {
    await new Promise(setImmediate); // lets the request in flight be written and answered meanwhile
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
    batch.push(tx.sign(users[k], { ...signOptions, nonce: nonces[k]++ }).toHex());
  }
  return batch;
}

// One JSON-RPC batch over keep-alive HTTP; the node runs a batch's calls in order. Any error
// stops the fill.
async function rpcBatch(calls) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map(([method, ...params], id) => ({ jsonrpc: '2.0', id, method, params }))) });
  const out = await res.json();
  for (const r of out) if (r.error) throw new Error(`${calls[r.id][0]}: ${r.error.message} ${r.error.data ?? ''}`);
  return out.sort((a, b) => a.id - b.id).map((r) => r.result);
}

// Per loaded block one request: its extrinsics, the block, then the empty blocks after it. The
// next block's extrinsics are signed while the node works on this request (2 processes, 2 cores):
// one call per request, with signing and the node in turn, 2,000 blocks took 43–108 s against 32–59 s
// this way (docs/benchmarks/scale.md, section 5; the load moved both).
let head = 0;
let pending = null;
const t0 = performance.now();
const progress = Number(process.env.FILL_PROGRESS || 0); // blocks between progress lines on stderr

for (let b = 0; b < loaded; b += 1) {
  const calls = (await signBlock(b)).map((hex) => ['author_submitExtrinsic', hex]);
  calls.push(['dev_newBlocks', 1]);
  if (every > 1) calls.push(['dev_newBlocks', every - 1]);
  if (pending) head = Number((await pending).at(-1).number);
  pending = rpcBatch(calls);
  if (progress && b > 0 && (b * every) % progress === 0) console.error(`fill_chain: block ${b * every}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
if (pending) head = Number((await pending).at(-1).number);
const rest = blocks - loaded * every;
if (rest > 0) head = Number((await rpc('dev_newBlocks', rest)).number);
console.log(JSON.stringify({ head, extrinsics: loaded * perBlock, deposits, depositPlanck: depositPlanck.toString() }));
await api.disconnect();
process.exit(0);

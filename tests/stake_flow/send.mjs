// Sends KSM on the local Kusama node as a user's wallet does, with the real
// @polkadot/api over HTTP, and reports where each extrinsic landed.
//   node send.mjs http://127.0.0.1:PORT '<plan JSON>'
// plan: {"to": "//Ferdie" | "<ss58>", "steps": [
//   {"fund": "//User", "planck": "..."}          dev_setBalance (produces a block)
//   {"from": "//User", "transfer": "<planck>"}   balances.transferKeepAlive to `to`
//   {"from": "//User", "batch": ["<planck>", ...]} utility.batchAll of transferKeepAlive
//   {"seal": N}                                  dev_newBlocks(N): submitted ones go in the first
// ]}
// Every submitted extrinsic must be in the first block of the next seal and
// succeed (System.ExtrinsicSuccess), or this exits 1. Prints one JSON line:
// {"to": {address, accountId}, "accounts": {uri: {address, accountId}},
//  "extrinsics": [{from, address, accountId, kind, amounts, hash, block, blockHash, index}],
//  "head": N}
import { ApiPromise, HttpProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';

const [url, planText] = process.argv.slice(2);
const plan = JSON.parse(planText);
let id = 0;
async function rpc(method, ...params) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: (id += 1), method, params }) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

await cryptoWaitReady();
const api = await ApiPromise.create({ provider: new HttpProvider(url), noInitWarn: true, throwOnConnect: true });
const keyring = new Keyring({ type: 'sr25519', ss58Format: 2 });
const pairs = {};
const pair = (uri) => (pairs[uri] ??= keyring.addFromUri(uri));
const ref = (p) => ({ address: p.address, accountId: u8aToHex(p.publicKey) });
const to = plan.to.startsWith('//') ? pair(plan.to).address : plan.to;
const toRef = { address: keyring.encodeAddress(to, 2), accountId: u8aToHex(keyring.decodeAddress(to)) };

const out = { to: toRef, accounts: {}, extrinsics: [], head: 0 };
let pending = [];
let head = Number((await rpc('dev_info')).head.number);

async function locate(blockNumber) {
  const blockHash = await rpc('chain_getBlockHash', blockNumber);
  const signed = await api.rpc.chain.getBlock(blockHash);
  const hashes = signed.block.extrinsics.map((x) => x.hash.toHex());
  const events = await (await api.at(blockHash)).query.system.events();
  for (const x of pending) {
    const index = hashes.indexOf(x.hash);
    if (index < 0) throw new Error(`extrinsic ${x.hash} from ${x.from} is not in block ${blockNumber}`);
    const ok = events.some((r) => r.phase.isApplyExtrinsic && r.phase.asApplyExtrinsic.toNumber() === index
      && r.event.section === 'system' && r.event.method === 'ExtrinsicSuccess');
    if (!ok) throw new Error(`extrinsic ${blockNumber}-${index} (${x.kind} from ${x.from}) failed`);
    out.extrinsics.push({ ...x, block: blockNumber, blockHash, index });
  }
  pending = [];
}

for (const step of plan.steps) {
  if (step.fund) {
    const p = pair(step.fund);
    out.accounts[step.fund] = ref(p);
    const first = head + 1;
    head = Number((await rpc('dev_setBalance', p.address, String(step.planck))).number);
    if (pending.length) await locate(first);
  } else if (step.seal) {
    const first = head + 1;
    head = Number((await rpc('dev_newBlocks', step.seal)).number);
    if (pending.length) await locate(first);
  } else if (step.from) {
    const p = pair(step.from);
    out.accounts[step.from] = ref(p);
    let tx;
    let amounts;
    if (step.transfer !== undefined) {
      amounts = [String(step.transfer)];
      tx = api.tx.balances.transferKeepAlive(to, BigInt(step.transfer));
    } else {
      amounts = step.batch.map(String);
      tx = api.tx.utility.batchAll(step.batch.map((a) => api.tx.balances.transferKeepAlive(to, BigInt(a))));
    }
    const hash = await tx.signAndSend(p);
    pending.push({ from: step.from, ...ref(p), kind: step.transfer !== undefined ? 'transferKeepAlive' : 'batchAll',
                   amounts, hash: hash.toHex() });
  } else {
    throw new Error(`unknown step ${JSON.stringify(step)}`);
  }
}
if (pending.length) throw new Error(`${pending.length} extrinsic(s) submitted but never sealed`);
out.head = head;
console.log(JSON.stringify(out));
await api.disconnect();
process.exit(0);

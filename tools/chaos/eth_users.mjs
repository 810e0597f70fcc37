// The chaos driver's Ethereum users, over anvil's raw JSON-RPC (ABI words built
// here with @polkadot/util-crypto's keccak, independently of the daemon's code).
//
//   node eth_users.mjs mint URL POOL TOKEN SENDER FILE
//     FILE: [{"claimId", "amountWei", "claimBeforeBlock", "account", "signature"}]
//     claimBonds(token, claimId, amount, claimBeforeBlock, account, signature) from
//     SENDER (an unlocked anvil account: anyone may submit a claim for its recipient).
//   node eth_users.mjs burn URL POOL TOKEN FILE
//     FILE: [{"from", "recipient": "0x<32 bytes>", "amountWei"}]
//     burnBond(token, amount, recipient) from each user's own address (anvil
//     impersonation, funded with 1 ETH for gas), the amount capped at the whole
//     planck the user holds when it is sent (nothing sent, "skipped", at 0).
//   Both print [{"hash", "ok": true|false, "block"}] in order; a reverted
//   transaction is reported, not thrown (the driver decides).
//   node eth_users.mjs balances URL TOKEN FILE
//     FILE: ["0x<address>", ...]; prints {"ratio": "..", "balances": {"0x..": "wei"},
//     "shares": {"0x..": "aKSMb shares"}} (balanceOf and sharesOf, at the latest block).
import { readFileSync } from 'node:fs';
import { keccakAsU8a } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';

const [mode, url, ...args] = process.argv.slice(2);
let id = 0;
async function rpc(method, params) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
  const j = await res.json();
  if (j.error) throw new Error(`${method}: ${JSON.stringify(j.error)}`);
  return j.result;
}
const selector = (sig) => u8aToHex(keccakAsU8a(sig, 256)).slice(2, 10);
const word = (hex) => hex.replace(/^0x/, '').toLowerCase().padStart(64, '0');
const num = (v) => word(BigInt(v).toString(16));
const bytes = (hex) => { // length word + right-padded data
  const h = hex.replace(/^0x/, '');
  return num(h.length / 2) + h.padEnd(Math.ceil(h.length / 64) * 64, '0');
};

async function send(from, to, data) {
  const hash = await rpc('eth_sendTransaction', [{ from, to, data, gas: '0x61a80' }]);
  let receipt = null;
  for (let i = 0; i < 400 && !receipt; i += 1) {
    receipt = await rpc('eth_getTransactionReceipt', [hash]);
    if (!receipt) await new Promise((r) => setTimeout(r, 25));
  }
  return { hash, ok: receipt?.status === '0x1', block: receipt ? Number(receipt.blockNumber) : -1 };
}

const out = [];
if (mode === 'mint') {
  const [pool, token, sender, file] = args;
  const sel = selector('claimBonds(address,uint256,uint256,uint256,address,bytes)');
  for (const c of JSON.parse(readFileSync(file, 'utf8'))) {
    const data = `0x${sel}${word(token)}${num(c.claimId)}${num(c.amountWei)}${num(c.claimBeforeBlock)}`
      + `${word(c.account)}${num(0xc0)}${bytes(c.signature)}`;
    out.push(await send(sender, pool, data));
  }
} else if (mode === 'burn') {
  const [pool, token, file] = args;
  const sel = selector('burnBond(address,uint256,bytes)');
  const balanceOf = async (a) => BigInt(await rpc('eth_call', [{ to: token,
    data: `0x${selector('balanceOf(address)')}${word(a)}` }, 'latest']));
  for (const b of JSON.parse(readFileSync(file, 'utf8'))) {
    await rpc('anvil_impersonateAccount', [b.from]);
    await rpc('anvil_setBalance', [b.from, '0xde0b6b3a7640000']);
    // As a wallet's "max": at most the whole planck the user holds right now
    // (a ratio published since the plan was made may have moved it).
    const held = await balanceOf(b.from);
    const amount = [BigInt(b.amountWei), held - (held % 1000000n)].reduce((x, y) => (x < y ? x : y));
    if (amount === 0n) { out.push({ hash: null, ok: true, skipped: true, block: -1 }); continue; }
    out.push({ ...(await send(b.from, pool, `0x${sel}${word(token)}${num(amount)}${num(0x60)}${bytes(b.recipient)}`)),
      amountWei: amount.toString() });
  }
} else if (mode === 'balances') {
  const [token, file] = args;
  const call = async (data) => BigInt(await rpc('eth_call', [{ to: token, data }, 'latest'])).toString();
  const balances = {};
  const shares = {};
  for (const a of JSON.parse(readFileSync(file, 'utf8'))) {
    balances[a] = await call(`0x${selector('balanceOf(address)')}${word(a)}`);
    shares[a] = await call(`0x${selector('sharesOf(address)')}${word(a)}`);
  }
  console.log(JSON.stringify({ ratio: await call(`0x${selector('ratio()')}`), balances, shares }));
  process.exit(0);
} else {
  throw new Error(`unknown mode ${mode}`);
}
console.log(JSON.stringify(out));

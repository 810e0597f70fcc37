// The users' side of many unstakes: burnBond(token, amount, recipient) sent
// from one of anvil's unlocked dev accounts (eth_sendTransaction over raw
// JSON-RPC, ABI-encoded here with @polkadot/util-crypto's keccak — not the
// daemon's code), one transaction per burn, in the given order.
// Usage: node burn_many.mjs ANVIL_URL POOL TOKEN FROM BURNS_JSON_FILE
//   BURNS_JSON_FILE: [{"recipient": "0x<32 bytes>", "amountWei": "123"}, ...]
// Prints {"txs": [{"hash", "block"}...]} in the same order.
import { readFileSync } from 'node:fs';
import { keccakAsU8a } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';

const [url, pool, token, from, file] = process.argv.slice(2);
const burns = JSON.parse(readFileSync(file, 'utf8'));
const selector = u8aToHex(keccakAsU8a('burnBond(address,uint256,bytes)', 256)).slice(2, 10);
const word = (hex) => hex.replace(/^0x/, '').toLowerCase().padStart(64, '0');
let id = 0;
async function rpc(method, params) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) });
  const j = await res.json();
  if (j.error) throw new Error(`${method}: ${JSON.stringify(j.error)}`);
  return j.result;
}
const txs = [];
for (const b of burns) {
  const recipient = b.recipient.replace(/^0x/, '');
  if (recipient.length % 2) throw new Error('odd recipient hex');
  const len = recipient.length / 2;
  const padded = recipient.padEnd(Math.ceil(len / 32) * 64, '0');
  const data = '0x' + selector + word(token) + word(BigInt(b.amountWei).toString(16)) + word('60')
    + word(len.toString(16)) + padded;
  const hash = await rpc('eth_sendTransaction', [{ from, to: pool, data, gas: '0x30d40' }]);
  let receipt = null;
  for (let i = 0; i < 200 && !receipt; i += 1) {
    receipt = await rpc('eth_getTransactionReceipt', [hash]);
    if (!receipt) await new Promise((r) => setTimeout(r, 25));
  }
  if (!receipt || receipt.status !== '0x1') throw new Error(`burn ${hash} failed: ${JSON.stringify(receipt)}`);
  txs.push({ hash, block: Number(receipt.blockNumber) });
}
console.log(JSON.stringify({ txs }));

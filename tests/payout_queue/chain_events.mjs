// The chain's account of the queue's funding, read with the real @polkadot/api:
// every Balances.Transfer and Staking event in blocks [FROM, TO] that names one
// of ACCOUNTS (SS58 or 0x-hex, comma-separated), in chain order.
// Usage: node chain_events.mjs NODE_URL ACCOUNTS FROM TO
// Prints {"events": [{"block": n, "event": i, "name": "staking.Unbonded", "data": ["0x..", "123"]}]}
// (accounts as 0x-hex, numbers as decimal strings).
import { api } from '../kusama_watcher/dev.mjs';
import { u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';

const [accountsText, fromText, toText] = process.argv.slice(3);
const accounts = new Set(accountsText.split(',').map((a) => u8aToHex(decodeAddress(a))));
const show = (d) => (d.toRawType() === 'AccountId32' || d.toRawType() === 'AccountId'
  ? u8aToHex(d.toU8a()) : (typeof d.toBigInt === 'function' ? d.toBigInt().toString() : d.toString()));
const events = [];
for (let n = Number(fromText); n <= Number(toText); n += 1) {
  const at = await api.at(await api.rpc.chain.getBlockHash(n));
  (await at.query.system.events()).forEach(({ event }, index) => {
    const name = `${event.section}.${event.method}`;
    if (name !== 'balances.Transfer' && event.section !== 'staking') return;
    const data = event.data.map(show);
    if (!data.some((d) => accounts.has(d))) return;
    events.push({ block: n, event: index, name, data });
  });
}
console.log(JSON.stringify({ events }));
await api.disconnect();

// What this directory's @polkadot/api scripts share: the node's URL from the
// command line, a JSON-RPC call helper (for the node's dev_* methods), an
// ApiPromise over HTTP and the sr25519 dev keyring (SS58 prefix 2).
import { ApiPromise, HttpProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

export const KSM = 1_000_000_000_000n;
export const url = process.argv[2];
let id = 0;
export async function rpc(method, ...params) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: (id += 1), method, params }) });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

await cryptoWaitReady();
export const api = await ApiPromise.create({ provider: new HttpProvider(url), noInitWarn: true, throwOnConnect: true });
export const keyring = new Keyring({ type: 'sr25519', ss58Format: 2 });
export const dev = Object.fromEntries(['Alice', 'Bob', 'Eve', 'Ferdie'].map((n) => [n.toLowerCase(), keyring.addFromUri(`//${n}`)]));

// Test support, kept out of test/ so that `node --test test/` does not run it as a test file:
// start a node on a free port (port 0), connect the real @polkadot/api over HTTP, call dev
// methods and read a block's events.
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';
import { ApiPromise, HttpProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const START = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'start');
export const KSM = 1_000_000_000_000n;

export async function startNode(args = []) {
  const proc = spawn(process.execPath, [START, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`node did not start: ${stderr}`)), 30_000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`node exited ${code}: ${stderr}`)); });
  });
  const rpc = rpcClient(url);
  const stop = () => new Promise((resolve) => {
    if (proc.exitCode !== null) { resolve(); return; }
    proc.once('exit', resolve);
    proc.kill('SIGTERM');
  });
  return { url, proc, rpc, stop, stderr: () => stderr };
}

// A JSON-RPC caller over HTTP: rpc(method, ...params) -> result; a node error
// is thrown as an Error with its message, carrying its code and data.
export function rpcClient(url) {
  let id = 0;
  return async (method, ...params) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: (id += 1), method, params }) });
    const body = await res.json();
    if (body.error) { const e = new Error(body.error.message); Object.assign(e, body.error); throw e; }
    return body.result;
  };
}

export async function connect(url) {
  await cryptoWaitReady();
  const api = await ApiPromise.create({ provider: new HttpProvider(url), noInitWarn: true, throwOnConnect: true });
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 2 });
  const dev = {};
  for (const n of ['Alice', 'Bob', 'Charlie', 'Dave', 'Eve', 'Ferdie']) {
    dev[n.toLowerCase()] = keyring.addFromUri(`//${n}`);
    dev[`${n.toLowerCase()}Stash`] = keyring.addFromUri(`//${n}//stash`);
  }
  return { api, keyring, dev };
}

// Submits, produces one block, returns that block's events split by extrinsic.
export async function sendAndSeal(api, rpc, tx, signer, options = {}) {
  const hash = await tx.signAndSend(signer, options);
  const block = await rpc('dev_newBlocks', 1);
  return { hash: hash.toHex(), ...(await blockEvents(api, block.hash)) };
}

export async function blockEvents(api, blockHash) {
  const at = await api.at(blockHash);
  const events = await at.query.system.events();
  const signed = await api.rpc.chain.getBlock(blockHash);
  const byIndex = {};
  for (const r of events) {
    if (r.phase.isApplyExtrinsic) {
      const i = r.phase.asApplyExtrinsic.toNumber();
      (byIndex[i] ||= []).push(r.event);
    }
  }
  return { blockHash, block: signed.block, events, byIndex };
}

export const names = (evs) => (evs || []).map((e) => `${e.section}.${e.method}`);

export async function freeOf(api, address, at) {
  const q = at ? await api.at(at) : api;
  const a = await q.query.system.account(address);
  return a.data.free.toBigInt();
}

// The V15 metadata file shipped in @polkadot/types-support (its folder is not exported).
export async function shippedMetadataHex(file) {
  let dir = path.dirname(fileURLToPath(import.meta.resolve('@polkadot/types-support')));
  while (!dir.endsWith(`${path.sep}types-support`)) dir = path.dirname(dir);
  return (await import(pathToFileURL(path.join(dir, 'metadata', 'v15', `${file}-hex.js`)).href)).default;
}

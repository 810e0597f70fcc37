// WebSocket JSON-RPC on the same port as HTTP (as a Substrate node does), with the
// subscriptions @polkadot/api uses: new/all/finalized heads, runtime version, storage,
// and author_submitAndWatchExtrinsic (ready -> inBlock -> finalized).
import { randomBytes } from 'node:crypto';
import { WebSocketServer } from 'ws';
import { handlePayload } from './http-server.js';
import { RpcError } from './errors.js';

const SUBS = {
  chain_subscribeNewHeads: ['chain_newHead', 'heads'], chain_subscribeNewHead: ['chain_newHead', 'heads'],
  subscribe_newHead: ['chain_newHead', 'heads'], chain_subscribeAllHeads: ['chain_allHead', 'heads'],
  chain_subscribeFinalizedHeads: ['chain_finalizedHead', 'finalized'], chain_subscribeFinalisedHeads: ['chain_finalizedHead', 'finalized'],
  state_subscribeRuntimeVersion: ['state_runtimeVersion', 'version'], chain_subscribeRuntimeVersion: ['state_runtimeVersion', 'version'],
  state_subscribeStorage: ['state_storage', 'storage'], author_submitAndWatchExtrinsic: ['author_extrinsicUpdate', 'watch'],
};
const UNSUBS = new Set(['chain_unsubscribeNewHeads', 'chain_unsubscribeNewHead', 'unsubscribe_newHead', 'chain_unsubscribeAllHeads',
  'chain_unsubscribeFinalizedHeads', 'chain_unsubscribeFinalisedHeads', 'state_unsubscribeRuntimeVersion',
  'chain_unsubscribeRuntimeVersion', 'state_unsubscribeStorage', 'author_unwatchExtrinsic']);

export function attachWebSocket(node, server) {
  const wss = new WebSocketServer({ server });
  node.subscriptionMethods = [...Object.keys(SUBS), ...UNSUBS]; // listed by rpc_methods
  const subs = new Map(); // id -> { ws, method, kind, ... }
  const notify = (s, result) => {
    if (s.ws.readyState === s.ws.OPEN) s.ws.send(JSON.stringify({ jsonrpc: '2.0', method: s.method, params: { subscription: s.id, result } }));
  };
  const header = (hash) => node.methods.chain_getHeader(hash);

  node.onBlock = (block) => {
    const chain = node.chain;
    for (const s of subs.values()) {
      if (s.kind === 'heads') notify(s, header(block.hash));
      else if (s.kind === 'version') {
        const v = chain.versionAt(block.number);
        if (v.specVersion !== s.specVersion) { s.specVersion = v.specVersion; notify(s, v); }
      }
      else if (s.kind === 'finalized' && chain.finalizedNumber > s.last) { s.last = chain.finalizedNumber; notify(s, header(chain.finalized.hash)); }
      else if (s.kind === 'storage') {
        const changes = s.keys.map((k) => [k, block.storage.get(k) ?? null]).filter(([k, v]) => s.values.get(k) !== v);
        for (const [k, v] of changes) s.values.set(k, v);
        if (changes.length) notify(s, { block: block.hash, changes });
      } else if (s.kind === 'watch') {
        if (s.inBlock && chain.blocks[s.inBlock.number] !== s.inBlock) { notify(s, { retracted: s.inBlock.hash }); s.inBlock = null; }
        if (!s.inBlock) {
          const i = block.extrinsics.findIndex((x) => x === s.hex);
          if (i >= 0) { s.inBlock = block; notify(s, { inBlock: block.hash }); }
          else if (!chain.pool.has(s.txHash)) { notify(s, 'dropped'); subs.delete(s.id); continue; }
        }
        if (s.inBlock && chain.finalizedNumber >= s.inBlock.number) { notify(s, { finalized: s.inBlock.hash }); subs.delete(s.id); }
      }
    }
  };

  const subscribe = (ws, req) => {
    const [method, kind] = SUBS[req.method];
    const id = randomBytes(8).toString('hex');
    const s = { id, ws, method, kind };
    const chain = node.chain;
    let first;
    if (kind === 'heads') first = header();
    if (kind === 'finalized') { s.last = chain.finalizedNumber; first = header(chain.finalized.hash); }
    if (kind === 'version') { first = chain.versionAt(chain.head.number); s.specVersion = first.specVersion; }
    if (kind === 'storage') {
      s.keys = (req.params?.[0] || []).map((k) => k.toLowerCase());
      s.values = new Map(s.keys.map((k) => [k, chain.head.storage.get(k) ?? null]));
      first = { block: chain.head.hash, changes: s.keys.map((k) => [k, s.values.get(k)]) };
    }
    if (kind === 'watch') {
      s.hex = req.params?.[0];
      s.txHash = node.methods.author_submitExtrinsic(s.hex); // throws the same errors as submit
      const tx = chain.pool.get(s.txHash);
      // Ready when every earlier nonce is on chain or in the pool, as in the Substrate pool.
      first = tx.nonce < chain.nextIndex(tx.signer) ? 'ready' : 'future';
    }
    subs.set(id, s);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: id }));
    if (first !== undefined) notify(s, first);
  };

  wss.on('connection', (ws) => {
    ws.on('message', async (data) => {
      let req;
      try { req = JSON.parse(data.toString()); } catch { req = null; }
      if (req && !Array.isArray(req) && SUBS[req.method]) {
        try { subscribe(ws, req); } catch (e) {
          const error = e instanceof RpcError ? { code: e.code, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) } : { code: -32603, message: e.message };
          ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, error }));
        }
        return;
      }
      if (req && UNSUBS.has(req.method)) {
        const ok = subs.delete(req.params?.[0]);
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: req.id, result: ok }));
        return;
      }
      ws.send(JSON.stringify(await handlePayload(node, data.toString())));
    });
    ws.on('close', () => { for (const [id, s] of subs) if (s.ws === ws) subs.delete(id); });
  });
  return wss;
}

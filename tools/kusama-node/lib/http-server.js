// HTTP (and optional WebSocket) front of the node: JSON-RPC 2.0, single or batch, keep-alive,
// bound to 127.0.0.1. Fault injection (dev_fault) is applied here, per request.
import http from 'node:http';
import { RpcError } from './errors.js';
import { createRpc } from './rpc-methods.js';

const MAX_BODY = 16 * 1024 * 1024;

export function createNode(chain) {
  const node = { chain, fault: null, timer: null, onBlock: null };
  // Subscriptions follow whichever chain is current (dev_restore swaps it).
  chain.onBlock = (b) => node.onBlock?.(b);
  node.setBlockInterval = (ms) => {
    node.chain.config.blockMs = ms;
    if (node.timer) clearInterval(node.timer);
    node.timer = ms > 0 ? setInterval(() => {
      try { node.chain.produceBlock(); } catch (e) { console.error('block production failed:', e); }
    }, ms) : null;
  };
  node.methods = createRpc(node);
  return node;
}

const activeFault = (node, method) => {
  const f = node.fault;
  if (!f || method?.startsWith('dev_')) return null;
  if (Date.now() > f.until) { node.fault = null; return null; }
  if (f.methods && !f.methods.includes(method)) return null;
  return f;
};

async function call(node, req) {
  const id = req?.id ?? null;
  if (!req || req.jsonrpc !== '2.0' || typeof req.method !== 'string') {
    return { jsonrpc: '2.0', id, error: { code: -32600, message: 'Invalid request' } };
  }
  const fn = node.methods[req.method];
  if (!fn) return { jsonrpc: '2.0', id, error: { code: -32601, message: 'Method not found' } };
  const fault = activeFault(node, req.method);
  if (fault?.mode === 'error') return { jsonrpc: '2.0', id, error: { code: -32603, message: 'Internal error (injected fault)' } };
  try {
    const params = Array.isArray(req.params) ? req.params : req.params === undefined ? [] : [req.params];
    const result = await fn(...params);
    return { jsonrpc: '2.0', id, result: result === undefined ? null : result };
  } catch (e) {
    if (e instanceof RpcError) {
      const error = { code: e.code, message: e.message };
      if (e.data !== undefined) error.data = e.data;
      return { jsonrpc: '2.0', id, error };
    }
    console.error(`${req.method} failed:`, e);
    return { jsonrpc: '2.0', id, error: { code: -32603, message: `Internal error: ${e.message}` } };
  }
}

export async function handlePayload(node, text) {
  let body;
  try { body = JSON.parse(text); } catch { return { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } }; }
  if (Array.isArray(body)) return Promise.all(body.map((r) => call(node, r)));
  return call(node, body);
}

export function listen(node, port) {
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'text/plain' }).end('Used HTTP Method is not allowed. POST is required\n');
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) { res.writeHead(413).end(); req.destroy(); } else chunks.push(c);
    });
    req.on('end', async () => {
      if (size > MAX_BODY) return;
      const text = Buffer.concat(chunks).toString('utf8');
      const methodsInBody = (() => { try { const b = JSON.parse(text); return (Array.isArray(b) ? b : [b]).map((r) => r?.method); } catch { return []; } })();
      const fault = methodsInBody.map((m) => activeFault(node, m)).find(Boolean);
      if (fault?.mode === 'drop') { req.socket.destroy(); return; }
      if (fault?.mode === 'http500') { res.writeHead(500, { 'content-type': 'text/plain' }).end('injected fault\n'); return; }
      if (fault?.mode === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
      const out = JSON.stringify(await handlePayload(node, text));
      if (process.env.KUSAMA_NODE_LOG) console.error(`rpc ${text.slice(0, 400)} -> ${out.slice(0, 400)}`);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

// A fault-injecting JSON-RPC proxy between the daemon and anvil (anvil has no
// fault injection of its own). Forwards every POST to the upstream unchanged,
// except while a fault is set:
//   error    answers {"error": {"code": -32000, "message": "injected fault"}}
//   http500  answers HTTP 500
//   drop     closes the connection without an answer
//   slow     forwards after delayMs
// optionally only for some methods (a batch is faulted if any call matches).
// Control (never faulted): POST /__fault {"mode": "none"|..., "methods": [..],
// "delayMs": 1000, "durationMs": 60000} -> the fault now in force.
// Usage: node eth_fault_proxy.mjs UPSTREAM_URL   (prints "listening on http://127.0.0.1:PORT")
import http from 'node:http';

const upstream = process.argv[2];
let fault = null;
const active = () => (fault && Date.now() < fault.until ? fault : null);
const readBody = (req) => new Promise((resolve) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => resolve(Buffer.concat(chunks)));
});
const methodsOf = (body) => {
  try {
    const j = JSON.parse(body.toString());
    return (Array.isArray(j) ? j : [j]).map((c) => c.method);
  } catch { return []; }
};

const server = http.createServer(async (req, res) => {
  const body = await readBody(req);
  if (req.url === '/__fault') {
    const f = JSON.parse(body.toString() || '{}');
    fault = !f.mode || f.mode === 'none' ? null
      : { mode: f.mode, methods: f.methods ?? null, delayMs: f.delayMs ?? 1000, until: Date.now() + (f.durationMs ?? 60_000) };
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(fault ?? { mode: 'none' }));
    return;
  }
  const f = active();
  const hit = f && (!f.methods || methodsOf(body).some((m) => f.methods.includes(m)));
  if (hit && f.mode === 'drop') { req.socket.destroy(); return; }
  if (hit && f.mode === 'http500') { res.statusCode = 500; res.end('injected fault'); return; }
  if (hit && f.mode === 'error') {
    const calls = (() => { try { return JSON.parse(body.toString()); } catch { return {}; } })();
    const answer = (c) => ({ jsonrpc: '2.0', id: c?.id ?? null, error: { code: -32000, message: 'injected fault' } });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(Array.isArray(calls) ? calls.map(answer) : answer(calls)));
    return;
  }
  if (hit && f.mode === 'slow') await new Promise((r) => setTimeout(r, f.delayMs));
  try {
    const up = await fetch(upstream, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    res.statusCode = up.status;
    res.setHeader('content-type', up.headers.get('content-type') ?? 'application/json');
    res.end(Buffer.from(await up.arrayBuffer()));
  } catch (e) {
    res.statusCode = 502;
    res.end(String(e));
  }
});
server.keepAliveTimeout = 5000;
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`));

// polkadot-js side of the decode benchmark (tools/bench_decode): decodes the same recorded
// blocks (bench-blocks-kusama-v15.bin) with @polkadot/types and the same metadata: each
// block's System.Events value and each extrinsic of its body.
//
//   node tools/vectors/substrate/bench_polkadotjs.mjs [seconds=10]
//
// Prints one JSON line: {"blocks_per_s", "events_mb_per_s", "blocks", "seconds"}.
import { readFileSync } from 'node:fs';
import { compactFromU8a } from '@polkadot/util';
import { load, siType, lookupName, storageValueType, here } from './common.mjs';

const seconds = Number(process.argv[2] || 10);
const m = load('kusama-v15');
const reg = m.registry;
const eventsType = lookupName(reg, storageValueType(m, 'System', 'Events'));
const file = new Uint8Array(readFileSync(new URL('bench-blocks-kusama-v15.bin', here)));

// Split the file into blocks (framing only; no decoding of contents here).
let off = 0;
const take = () => { const [o, n] = compactFromU8a(file.subarray(off)); off += o; return n.toNumber(); };
const blocks = [];
for (let n = take(), b = 0; b < n; b++) {
  const len = take();
  const events = file.subarray(off, off + len); off += len;
  const exts = [];
  for (let k = take(), i = 0; i < k; i++) {
    const start = off; const l = take(); off += l;
    exts.push(file.subarray(start, off));
  }
  blocks.push({ events, exts });
}

let decoded = 0, eventBytes = 0, sink = 0;
const t0 = process.hrtime.bigint();
const deadline = t0 + BigInt(Math.round(seconds * 1e9));
while (process.hrtime.bigint() < deadline) {
  for (const b of blocks) {
    const evs = reg.createType(eventsType, b.events);
    sink += evs.length;
    for (const x of b.exts) sink += reg.createType('Extrinsic', x).method.args.length;
    decoded++;
    eventBytes += b.events.length;
  }
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(JSON.stringify({ blocks_per_s: decoded / secs, events_mb_per_s: eventBytes / secs / 1e6, blocks: decoded, seconds: secs, sink }));

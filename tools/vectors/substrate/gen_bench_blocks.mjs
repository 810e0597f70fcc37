// Kusama-like blocks for the decode benchmark, encoded by polkadot-js with the real Kusama
// V15 metadata: per block 11 extrinsics (timestamp.set unsigned; 4 transfer_keep_alive,
// 2 utility.batch_all of transfers, bond_extra, nominate(16), payout_stakers, unbond, all
// ed25519-signed) and 64 events (fee withdraw/deposit/treasury/fee-paid and success per
// extrinsic, transfers, parachain candidate backed/included), event fields random from a
// seeded PRNG and kept only when polkadot-js re-encodes them identically.
//
//   node tools/vectors/substrate/gen_bench_blocks.mjs [blocks=64]
//
// Output: bench-blocks-kusama-v15.bin, SCALE: Vec<(Vec<u8> events, Vec<Extrinsic> body)>,
// i.e. per block compact(len) ‖ System.Events value, then the block body as a node stores it.
import { writeFileSync } from 'node:fs';
import { expandMetadata } from '@polkadot/types/metadata';
import { u8aConcat, compactToU8a, u8aToHex, hexToU8a, stringCamelCase } from '@polkadot/util';
import { cryptoWaitReady, blake2AsU8a } from '@polkadot/util-crypto';
import { Keyring } from '@polkadot/keyring';
import { load, rng, gen, siType, lookupName, storageValueType, here } from './common.mjs';

await cryptoWaitReady();
rng.seed(0xb10c);
const blocks = Number(process.argv[2] || 64);
const m = load('kusama-v15');
const reg = m.registry;
const d = expandMetadata(reg, m.metadata);
const tx = (pallet, call, ...args) => d.tx[stringCamelCase(pallet)][stringCamelCase(call)](...args);

const vecType = storageValueType(m, 'System', 'Events');
const recordType = siType(reg, vecType).def.asSequence.type;
const recFields = siType(reg, recordType).def.asComposite.fields;
const eventType = recFields.find((f) => f.name.unwrap().toString() === 'event').type;
const outer = siType(reg, eventType).def.asVariant.variants;

function event(pallet, name, extrinsicIndex) {
  const pv = outer.find((v) => v.name.toString() === pallet);
  const ev = siType(reg, pv.fields[0].type).def.asVariant.variants.find((v) => v.name.toString() === name);
  for (;;) {
    const parts = [extrinsicIndex === null ? Uint8Array.of(1) : u8aConcat(Uint8Array.of(0), new Uint8Array(new Uint32Array([extrinsicIndex]).buffer))];
    parts.push(Uint8Array.of(pv.index.toNumber(), ev.index.toNumber()));
    for (const f of ev.fields) gen(reg, f.type, 1, parts);
    parts.push(compactToU8a(0));
    const bytes = u8aConcat(...parts);
    try {
      const rec = reg.createType(lookupName(reg, recordType), bytes);
      if (u8aToHex(rec.toU8a()) === u8aToHex(bytes)) return bytes;
    } catch (e) { /* retry with other random values */ }
  }
}

const keyring = new Keyring({ type: 'ed25519' });
const pairs = Array.from({ length: 8 }, (_, i) => keyring.addFromSeed(blake2AsU8a(Uint8Array.of(i))));
const GENESIS = '0xb0a8d493285c2df73290dfb7e61f870f17b41801197a149ca93654499ea3dafe';
const id = (i) => ({ Id: u8aToHex(blake2AsU8a(Uint8Array.of(100, i))) });

const out = [compactToU8a(blocks)];
let eventBytes = 0, extrinsicBytes = 0;
for (let b = 0; b < blocks; b++) {
  const number = 23_000_000 + b;
  const exts = [reg.createType('Extrinsic', tx('Timestamp', 'set', 1_763_900_000_000n + BigInt(b) * 6000n)).toU8a()];
  const calls = [
    tx('Balances', 'transfer_keep_alive', id(b), 1_000_000_000_000n + BigInt(b)),
    tx('Balances', 'transfer_keep_alive', id(b + 1), 20_000_000_000n),
    tx('Balances', 'transfer_keep_alive', id(b + 2), 333_333_333n),
    tx('Balances', 'transfer_keep_alive', id(b + 3), 4_000_000_000_000n),
    tx('Utility', 'batch_all', [tx('Balances', 'transfer_keep_alive', id(b + 4), 5n), tx('Balances', 'transfer_keep_alive', id(b + 5), 6n)]),
    tx('Utility', 'batch_all', [tx('Staking', 'bond_extra', 7_000_000_000_000n), tx('Staking', 'nominate', [id(1), id(2)])]),
    tx('Staking', 'bond_extra', 1_000_000_000_000n),
    tx('Staking', 'nominate', Array.from({ length: 16 }, (_, i) => id(200 + i))),
    tx('Staking', 'payout_stakers', id(300 + b).Id, 6000 + b),
    tx('Staking', 'unbond', 2_000_000_000_000n),
  ];
  calls.forEach((call, i) => {
    const ext = reg.createType('Extrinsic', call);
    const era = reg.createType('ExtrinsicEra', { current: number - 3, period: 64 });
    ext.sign(pairs[(b + i) % pairs.length], { blockHash: u8aToHex(blake2AsU8a(Uint8Array.of(b, i))), genesisHash: GENESIS, nonce: b * 3 + i, tip: i === 3 ? 1_000_000n : 0n, era, runtimeVersion: { specVersion: 1009002, transactionVersion: 26 }, signedExtensions: reg.signedExtensions, mode: 0 });
    exts.push(ext.toU8a());
  });
  // 64 events: per extrinsic success; per signed extrinsic withdraw, 2 deposits, treasury
  // deposit, fee paid; 5 transfers; 4 parachain candidate events (backed/included).
  const evs = [event('ParaInclusion', 'CandidateIncluded', null), event('ParaInclusion', 'CandidateIncluded', null)];
  evs.push(event('System', 'ExtrinsicSuccess', 0));
  for (let i = 1; i <= 10; i++) {
    evs.push(event('Balances', 'Withdraw', i));
    if (i <= 5) evs.push(event('Balances', 'Transfer', i));
    evs.push(event('Balances', 'Deposit', i), event('Treasury', 'Deposit', i), event('Balances', 'Deposit', i));
    evs.push(event('TransactionPayment', 'TransactionFeePaid', i), event('System', 'ExtrinsicSuccess', i));
  }
  evs.push(event('ParaInclusion', 'CandidateBacked', null), event('ParaInclusion', 'CandidateBacked', null));
  // 2 + 1 + 10*6 + 5 + 2 = 70; trim to 64 like the figure, keeping the order.
  while (evs.length > 64) evs.splice(evs.length - 3, 1);
  const events = u8aConcat(compactToU8a(evs.length), ...evs);
  // polkadot-js must decode the whole value back to the same bytes.
  if (u8aToHex(reg.createType(lookupName(reg, vecType), events).toU8a()) !== u8aToHex(events)) throw new Error('events round trip');
  eventBytes += events.length;
  const body = u8aConcat(compactToU8a(exts.length), ...exts);
  extrinsicBytes += body.length;
  out.push(compactToU8a(events.length), events, body);
}
const file = u8aConcat(...out);
writeFileSync(new URL('bench-blocks-kusama-v15.bin', here), file);
console.log(`${blocks} blocks, ${file.length} bytes (events ${eventBytes}, extrinsics ${extrinsicBytes})`);

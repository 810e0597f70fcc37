// Reference vectors for chain/substrate, produced by polkadot-js (@polkadot/types 16.5.6)
// from the committed real metadata (see extract_metadata.mjs).
//
//   node tools/vectors/substrate/gen_vectors.mjs      (from the repository root)
//
// Writes vectors-<chain>.json with:
//  - extrinsics: signed/unsigned v4 extrinsics built and signed by polkadot-js (ed25519
//    keys from fixed seeds), with polkadot-js's decoding rendered in canonical JSON;
//  - builder: the inputs of each signed extrinsic (seed, call JSON, nonce, tip, era,
//    hashes, versions), the exact bytes polkadot-js signed, and the extrinsic;
//  - events: System.Events values covering every event variant of every pallet (random
//    field values from a seeded PRNG, kept only if polkadot-js decodes them and
//    re-encodes them to the same bytes), with polkadot-js's decoding;
//  - storage: keys built by polkadot-js's decorated storage functions;
//  - constants: a few pallet constants as polkadot-js decodes them.
import { writeFileSync } from 'node:fs';
import { expandMetadata } from '@polkadot/types/metadata';
import { u8aToHex, u8aConcat, compactToU8a, compactStripLength, stringCamelCase, hexToU8a, BN } from '@polkadot/util';
import { cryptoWaitReady, blake2AsU8a, signatureVerify } from '@polkadot/util-crypto';
import { Keyring } from '@polkadot/keyring';
import { load, render, siType, lookupName, here } from './common.mjs';

await cryptoWaitReady();

import { rng, gen, storageValueType } from './common.mjs';
const ri = (n) => rng.int(n);
const randBytes = (n) => rng.bytes(n);

// ---- events ---------------------------------------------------------------------------
function eventVectors(m) {
  const reg = m.registry;
  const vecType = storageValueType(m, 'System', 'Events');
  const recordType = siType(reg, vecType).def.asSequence.type;
  const recFields = siType(reg, recordType).def.asComposite.fields;
  const phaseType = recFields.find((f) => f.name.unwrap().toString() === 'phase').type;
  const eventType = recFields.find((f) => f.name.unwrap().toString() === 'event').type;
  const outer = siType(reg, eventType).def.asVariant.variants;
  const blobs = [];
  let kept = 0, dropped = 0;
  const droppedNames = [];
  for (const pv of outer) {
    const palletName = pv.name.toString();
    const evType = pv.fields[0].type;
    const records = [];
    for (const ev of siType(reg, evType).def.asVariant.variants) {
      let ok = 0;
      for (let attempt = 0; attempt < 8 && ok < 2; attempt++) {
        const parts = [];
        try {
          gen(reg, phaseType, 1, parts);
          parts.push(Uint8Array.of(pv.index.toNumber(), ev.index.toNumber()));
          for (const f of ev.fields) gen(reg, f.type, 1, parts);
          const nt = ri(2);
          parts.push(compactToU8a(nt));
          for (let i = 0; i < nt; i++) parts.push(randBytes(32));
        } catch (e) { if (String(e.message).startsWith('skip')) break; throw e; }
        const bytes = u8aConcat(...parts);
        try {
          const rec = reg.createType(lookupName(reg, recordType), bytes);
          if (u8aToHex(rec.toU8a()) !== u8aToHex(bytes)) continue;
          records.push({ bytes, rec, palletName, ev });
          ok++;
        } catch (e) { /* polkadot-js refused these random bytes; try others */ }
      }
      if (ok) kept++; else { dropped++; droppedNames.push(`${palletName}.${ev.name}`); }
    }
    if (!records.length) continue;
    const value = u8aConcat(compactToU8a(records.length), ...records.map((r) => r.bytes));
    // Decode the whole System.Events value with polkadot-js and render each record.
    const decoded = reg.createType(lookupName(reg, vecType), value);
    if (u8aToHex(decoded.toU8a()) !== u8aToHex(value)) throw new Error('events round trip');
    const json = decoded.map((rec, i) => {
      const ev = rec.event;
      const [pi, ei] = ev.index;
      const pvar = outer.find((x) => x.index.toNumber() === pi);
      const evar = siType(reg, pvar.fields[0].type).def.asVariant.variants.find((x) => x.index.toNumber() === ei);
      const f = evar.fields;
      let fields;
      if (f.length === 0) fields = null;
      else if (f[0].name.isSome) { fields = {}; f.forEach((x, k) => { fields[x.name.unwrap().toString()] = render(reg, x.type, ev.data[k]); }); }
      else if (f.length === 1) fields = render(reg, f[0].type, ev.data[0]);
      else fields = f.map((x, k) => render(reg, x.type, ev.data[k]));
      return { phase: render(reg, phaseType, rec.phase), pallet: pvar.name.toString(), event: evar.name.toString(), fields, topics: rec.topics.map((t) => t.toHex()) };
    });
    blobs.push({ pallet: palletName, hex: u8aToHex(value), records: json });
  }
  return { blobs, kept, dropped, droppedNames };
}

// ---- extrinsics ----------------------------------------------------------------------
const seeds = ['0x' + '01'.repeat(32), '0x' + '9d'.repeat(16) + '42'.repeat(16)];
const GENESIS = '0xb0a8d493285c2df73290dfb7e61f870f17b41801197a149ca93654499ea3dafe';

function extrinsicVectors(m) {
  const reg = m.registry;
  const d = expandMetadata(reg, m.metadata);
  const keyring = new Keyring({ type: 'ed25519' });
  const pairs = seeds.map((s) => keyring.addFromSeed(hexToU8a(s)));
  const acct = (i) => u8aToHex(pairs[i].publicKey);
  const other = '0x' + 'a7'.repeat(32);
  const val = '0x' + '5c'.repeat(32);
  const tx = (pallet, call, ...args) => d.tx[stringCamelCase(pallet)][stringCamelCase(call)](...args);
  const transfers = (n) => Array.from({ length: n }, (_, i) => tx('Balances', 'transfer_keep_alive', { Id: other }, 1_000_000_000_000n + BigInt(i)));
  const calls = [
    tx('Balances', 'transfer_keep_alive', { Id: other }, 12_345_678_901_234n),
    tx('Balances', 'transfer_allow_death', { Id: other }, 1n),
    tx('Balances', 'transfer_all', { Id: other }, true),
    tx('Balances', 'transfer_all', { Id: other }, false),
    tx('Utility', 'batch_all', transfers(2)),
    tx('Utility', 'batch_all', transfers(9)), // signing payload > 256 bytes: hashed
    tx('Utility', 'batch', [tx('Staking', 'bond_extra', 5n), tx('Staking', 'nominate', [{ Id: val }])]),
    tx('Staking', 'bond', 2_000_000_000_000n, { Staked: null }),
    tx('Staking', 'bond', 3n, { Account: other }),
    tx('Staking', 'bond_extra', 340282366920938463463374607431768211455n),
    tx('Staking', 'nominate', [{ Id: val }, { Id: other }]),
    tx('Staking', 'unbond', 1_000_000_000_000n),
    tx('Staking', 'withdraw_unbonded', 0),
    tx('Staking', 'payout_stakers', val, 6123),
  ];
  const runtimeVersion = { specVersion: 1009002, transactionVersion: 26 };
  const out = [], builder = [];
  calls.forEach((call, i) => {
    const signerIdx = i % 2;
    const mortal = i % 3 !== 2;
    const blockNumber = 22_000_000 + i * 977;
    const blockHash = u8aToHex(blake2AsU8a(Uint8Array.of(i, 1, 2)));
    const nonce = i * 3;
    const tip = i % 4 === 1 ? 1_000_000n * BigInt(i) : 0n;
    const era = mortal ? reg.createType('ExtrinsicEra', { current: blockNumber, period: i % 2 ? 64 : 2400 }) : reg.createType('ExtrinsicEra', '0x00');
    const ext = reg.createType('Extrinsic', call);
    let signed;
    const pair = pairs[signerIdx];
    const spy = { address: pair.address, addressRaw: pair.addressRaw, publicKey: pair.publicKey, sign: (data, o) => { signed = data; return pair.sign(data, o); } };
    ext.sign(spy, { blockHash: mortal ? blockHash : GENESIS, genesisHash: GENESIS, nonce, tip, era, runtimeVersion, signedExtensions: reg.signedExtensions, mode: 0 });
    const hex = ext.toHex();
    // polkadot-js's own check that what it signed verifies with the signer's key.
    if (!signatureVerify(signed, ext.inner.signature.multiSignature.value.toU8a(), pair.publicKey).isValid) throw new Error('signature does not verify');
    out.push(decodeExtrinsic(m, hex));
    builder.push({
      seed: seeds[signerIdx], account: acct(signerIdx), call: out[out.length - 1].json.call, call_hex: call.toHex(),
      nonce, tip: tip.toString(), era: mortal ? { period: era.asMortalEra.period.toString(), block_number: blockNumber, phase: era.asMortalEra.phase.toString() } : null,
      genesis_hash: GENESIS, block_hash: blockHash, spec_version: runtimeVersion.specVersion, tx_version: runtimeVersion.transactionVersion,
      signed_bytes: u8aToHex(signed), extrinsic: hex,
    });
  });
  // Unsigned v4 extrinsics.
  for (const call of [tx('Balances', 'transfer_keep_alive', { Id: other }, 7n), tx('Utility', 'batch_all', transfers(1))]) {
    out.push(decodeExtrinsic(m, reg.createType('Extrinsic', call).toHex()));
  }
  return { extrinsics: out, builder };
}

function callTypeOf(m) {
  if (m.version === 15) return m.latest.extrinsic.callType;
  const ext = siType(m.registry, m.latest.extrinsic.type);
  return ext.params.find((p) => p.name.toString() === 'Call').type.unwrap();
}
function extTypeParam(m, name) {
  if (m.version === 15) return m.latest.extrinsic[{ Address: 'addressType', Signature: 'signatureType' }[name]];
  const ext = siType(m.registry, m.latest.extrinsic.type);
  return ext.params.find((p) => p.name.toString() === name).type.unwrap();
}

function decodeExtrinsic(m, hex) {
  const reg = m.registry;
  const ext = reg.createType('Extrinsic', hex);
  if (ext.toHex() !== hex) throw new Error('extrinsic round trip ' + hex + ' ' + ext.toHex());
  const json = {
    version: ext.version & 0x7f, signed: ext.isSigned,
    call: render(reg, callTypeOf(m), ext.method),
    pallet: null, method: null,
    hash: ext.hash.toHex(),
  };
  const callJson = json.call;
  json.pallet = Object.keys(callJson)[0];
  json.method = Object.keys(callJson[json.pallet])[0];
  if (ext.isSigned) {
    const sig = ext.inner.signature;
    json.address = render(reg, extTypeParam(m, 'Address'), sig.signer);
    json.signature = render(reg, extTypeParam(m, 'Signature'), sig.multiSignature);
    json.scheme = sig.multiSignature.type.toLowerCase();
    json.signer = sig.signer.type === 'Id' ? sig.signer.inner.toHex() : null;
    json.era = sig.era.isMortalEra ? { period: sig.era.asMortalEra.period.toString(), phase: sig.era.asMortalEra.phase.toString() } : 'Immortal';
    json.nonce = sig.nonce.toBn().toString();
    json.tip = sig.tip.toBn().toString();
    // The extensions' own bytes follow version, address and signature: decode each with
    // polkadot-js using the extension's metadata type.
    const raw = compactStripLength(hexToU8a(hex))[1];
    let off = 1 + sig.signer.encodedLength + sig.multiSignature.encodedLength;
    json.extensions = {};
    for (const se of m.latest.extrinsic.signedExtensions) {
      const codec = reg.createType(lookupName(reg, se.type), raw.subarray(off));
      json.extensions[se.identifier.toString()] = render(reg, se.type, codec);
      off += codec.encodedLength;
    }
  } else {
    json.address = null; json.signature = null; json.scheme = null; json.signer = null; json.era = null; json.nonce = '0'; json.tip = '0'; json.extensions = {};
  }
  return { hex, json };
}

// ---- storage keys and constants ---------------------------------------------------------
function storageVectors(m) {
  const d = expandMetadata(m.registry, m.metadata);
  const acct = '0x' + '42'.repeat(32);
  const key = (f, ...a) => u8aToHex(compactStripLength(f(...a))[1]);
  const v = [
    { pallet: 'System', item: 'Account', keys: [acct], key: key(d.query.system.account, acct) },
    { pallet: 'System', item: 'Number', keys: [], key: key(d.query.system.number) },
    { pallet: 'System', item: 'BlockHash', keys: ['22000000'], key: key(d.query.system.blockHash, 22000000) },
    { pallet: 'Staking', item: 'Ledger', keys: [acct], key: key(d.query.staking.ledger, acct) },
    { pallet: 'Staking', item: 'Bonded', keys: [acct], key: key(d.query.staking.bonded, acct) },
    { pallet: 'Staking', item: 'Nominators', keys: [acct], key: key(d.query.staking.nominators, acct) },
    { pallet: 'Staking', item: 'ActiveEra', keys: [], key: key(d.query.staking.activeEra) },
    { pallet: 'Staking', item: 'ErasStakersOverview', keys: ['6123', acct], key: key(d.query.staking.erasStakersOverview, 6123, acct) },
    { pallet: 'Staking', item: 'ErasValidatorPrefs', keys: ['6123', acct], key: key(d.query.staking.erasValidatorPrefs, 6123, acct) },
    { pallet: 'Balances', item: 'Locks', keys: [acct], key: key(d.query.balances.locks, acct) },
  ];
  // Identity and Twox256 hashers, where the runtime has such items; a partial key (iteration prefix).
  const has = (p, i) => d.query[stringCamelCase(p)] && d.query[stringCamelCase(p)][stringCamelCase(i)];
  if (has('Claims', 'Claims')) v.push({ pallet: 'Claims', item: 'Claims', keys: ['0x' + '3b'.repeat(20)], key: key(d.query.claims.claims, '0x' + '3b'.repeat(20)) });
  if (has('Preimage', 'StatusFor')) v.push({ pallet: 'Preimage', item: 'StatusFor', keys: ['0x' + '7e'.repeat(32)], key: key(d.query.preimage.statusFor, '0x' + '7e'.repeat(32)) });
  if (has('CoretimeAssignmentProvider', 'CoreSchedules')) v.push({ pallet: 'CoretimeAssignmentProvider', item: 'CoreSchedules', keys: [['77', '3']], key: key(d.query.coretimeAssignmentProvider.coreSchedules, [77, 3]) });
  v.push({ pallet: 'Staking', item: 'ErasStakersOverview', keys: ['6123'], key: u8aToHex(d.query.staking.erasStakersOverview.keyPrefix(6123)) });
  const consts = [['Balances', 'ExistentialDeposit'], ['Staking', 'BondingDuration'], ['Staking', 'HistoryDepth'], ['System', 'SS58Prefix'], ['System', 'BlockWeights'], ['System', 'Version']]
    .map(([p, c]) => {
      const pal = m.latest.pallets.find((x) => x.name.toString() === p);
      const cm = pal.constants.find((x) => x.name.toString() === c);
      return { pallet: p, name: c, json: render(m.registry, cm.type, d.consts[stringCamelCase(p)][stringCamelCase(c)]) };
    });
  // Storage values: random values of each item's type that polkadot-js decodes and re-encodes
  // identically, and the item's default (fallback) where the modifier is Default.
  const values = [];
  for (const [p, item] of [['System', 'Account'], ['System', 'Number'], ['Staking', 'Ledger'], ['Staking', 'ActiveEra'], ['Staking', 'Nominators'], ['Staking', 'Payee'], ['Balances', 'Locks']]) {
    const pal = m.latest.pallets.find((x) => x.name.toString() === p);
    const e = pal.storage.unwrap().items.find((x) => x.name.toString() === item);
    const ty = e.type.isPlain ? e.type.asPlain : e.type.asMap.value;
    for (let attempt = 0, ok = 0; attempt < 20 && ok < 2; attempt++) {
      const parts = [];
      gen(m.registry, ty, 1, parts);
      const bytes = u8aConcat(...parts);
      try {
        const c = m.registry.createType(lookupName(m.registry, ty), bytes);
        if (u8aToHex(c.toU8a()) !== u8aToHex(bytes)) continue;
        values.push({ pallet: p, item, hex: u8aToHex(bytes), json: render(m.registry, ty, c) });
        ok++;
      } catch (err) { /* try other random bytes */ }
    }
    if (e.modifier.isDefault) {
      const c = m.registry.createType(lookupName(m.registry, ty), e.fallback.toU8a(true));
      values.push({ pallet: p, item, hex: null, json: render(m.registry, ty, c) });
    }
  }
  return { storage: v, constants: consts, values };
}

// SCALE compacts as polkadot-js encodes them.
{
  const vals = [0n, 1n, 63n, 64n, 16383n, 16384n, (1n << 30n) - 1n, 1n << 30n, (1n << 32n) - 1n, 1n << 32n, (1n << 64n) - 1n, 1n << 64n, (1n << 128n) - 1n, 12_345_678_901_234n];
  writeFileSync(new URL('vectors-scale.json', here), JSON.stringify({ generator: 'node tools/vectors/substrate/gen_vectors.mjs', compact: vals.map((v) => [v.toString(), u8aToHex(compactToU8a(v))]) }, null, 1));
}

for (const name of ['kusama-v15', 'asset-hub-kusama-v15', 'kusama-v14']) {
  rng.seed(0x5eed);
  const m = load(name);
  const ev = eventVectors(m);
  const { extrinsics, builder } = extrinsicVectors(m);
  const { storage, constants, values } = storageVectors(m);
  const summary = {
    version: m.version, types: m.registry.lookup.types.length,
    pallets: m.latest.pallets.map((p) => [p.name.toString(), p.index.toNumber()]),
    extensions: m.latest.extrinsic.signedExtensions.map((e) => e.identifier.toString()),
    calls: ['Balances.transfer_keep_alive', 'Balances.transfer_all', 'Utility.batch_all', 'Staking.bond', 'Staking.payout_stakers'].map((pc) => {
      const [p, c] = pc.split('.');
      const f = m.registry.findMetaCall ? null : null;
      const call = expandMetadata(m.registry, m.metadata).tx[stringCamelCase(p)][stringCamelCase(c)];
      return [pc, call.callIndex[0], call.callIndex[1]];
    }),
  };
  const doc = { metadata: `${name}.bin`, summary, generator: 'node tools/vectors/substrate/gen_vectors.mjs', extrinsics, builder, events: ev.blobs, storage, storage_values: values, constants, dropped_events: ev.droppedNames };
  writeFileSync(new URL(`vectors-${name}.json`, here), JSON.stringify(doc, null, 1));
  console.log(name, 'extrinsics', extrinsics.length, 'builder', builder.length, 'event variants kept', ev.kept, 'dropped', ev.dropped, ev.droppedNames.join(' '));
}

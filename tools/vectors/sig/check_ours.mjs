// The converse of gen_sig_vectors.mjs: polkadot-js verifies signatures made by OUR signers.
//
//   node tools/vectors/sig/check_ours.mjs <build>/tests/chain_sig/sig_ours.json
//
// Input: written by the chain_sig_export test. For every entry polkadot-js must
// (1) derive the same public key from the test seed or secret URI, (2) accept the plain signature,
// (3) accept the signRaw signature against the SS58 address (Kusama), and (4) refuse both
// for a changed message. Exits 1 on the first disagreement.
import { cryptoWaitReady, ed25519PairFromSeed, sr25519PairFromSeed, secp256k1PairFromSeed,
  ed25519Verify, sr25519Verify, secp256k1Verify, signatureVerify, encodeAddress,
  blake2AsU8a } from '@polkadot/util-crypto';
import { hexToU8a, u8aToHex, u8aWrapBytes, u8aConcat } from '@polkadot/util';
import { Keyring } from '@polkadot/keyring';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) { console.error('usage: check_ours.mjs sig_ours.json'); process.exit(2); }
await cryptoWaitReady();
const entries = JSON.parse(readFileSync(file, 'utf8'));
const pairFrom = { sr25519: sr25519PairFromSeed, ed25519: ed25519PairFromSeed, ecdsa: secp256k1PairFromSeed };
const verify = {
  sr25519: (m, s, k) => sr25519Verify(m, s, k),
  ed25519: (m, s, k) => ed25519Verify(m, s, k),
  ecdsa: (m, s, k) => secp256k1Verify(m, s, k, 'blake2', true),
};
const safe = (f) => { try { return f(); } catch { return false; } };
let checked = 0;
const fail = (why, e) => { console.error(`FAIL ${why}: ${JSON.stringify(e)}`); process.exit(1); };
for (const e of entries) {
  const msg = hexToU8a(e.message);
  const sig = hexToU8a(e.signature);
  const raw = hexToU8a(e.signRaw);
  // Entries carry either a test seed or a secret URI (derived here by the keyring).
  const pair = e.uri ? new Keyring({ type: e.scheme, ss58Format: 2 }).createFromUri(e.uri)
    : pairFrom[e.scheme](hexToU8a(e.seed));
  if (u8aToHex(pair.publicKey) !== e.publicKey) fail('public key', e);
  const account = e.scheme === 'ecdsa' ? blake2AsU8a(pair.publicKey, 256) : pair.publicKey;
  if (encodeAddress(account, 2) !== e.address) fail('address', e);
  if (!safe(() => verify[e.scheme](msg, sig, pair.publicKey))) fail('signature', e);
  const sr = signatureVerify(u8aWrapBytes(msg), raw, e.address);
  if (!sr.isValid || sr.crypto !== e.scheme) fail('signRaw', e);
  const changed = u8aConcat(msg, new Uint8Array([1]));
  if (safe(() => verify[e.scheme](changed, sig, pair.publicKey))) fail('changed message accepted', e);
  if (signatureVerify(u8aWrapBytes(changed), raw, e.address).isValid) fail('changed signRaw accepted', e);
  ++checked;
}
if (checked < 150) fail('too few entries', { checked });
console.log(`polkadot-js accepted all ${checked} signatures made by lstaked (and refused the altered ones)`);

// Generates the reference vectors for chain/sig from polkadot-js (never from our code).
//
//   node tools/vectors/sig/gen_sig_vectors.mjs   (from the repository root)
//
// Writes ss58.json, ed25519.json, sr25519.json, ecdsa.json and sign_raw.json next to this
// script. Keys come from fixed seeds (blake2-256 of a label) so the files are reproducible,
// except sr25519 signatures, which are randomized by design: tests verify them, they never
// compare their bytes. Every "valid" flag is polkadot-js's own verdict.
import { cryptoWaitReady, blake2AsU8a, encodeAddress, decodeAddress, ed25519PairFromSeed,
  ed25519Sign, ed25519Verify, sr25519PairFromSeed, sr25519Sign, sr25519Verify,
  secp256k1PairFromSeed, secp256k1Sign, secp256k1Verify, signatureVerify, base58Encode,
  base58Decode } from '@polkadot/util-crypto';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, u8aWrapBytes, stringToU8a, u8aConcat } from '@polkadot/util';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const write = (name, doc) => {
  writeFileSync(join(here, name), JSON.stringify(doc, null, 1) + '\n');
  console.log(`${name}: ${JSON.stringify(doc).length} bytes`);
};
const seed = (label) => blake2AsU8a(stringToU8a(label), 256);
const attempt = (f) => { try { return f(); } catch { return false; } };

// Messages of assorted lengths, text and binary, including empty and > 1 keccak block.
function message(i) {
  if (i % 7 === 0) return new Uint8Array(0);
  if (i % 5 === 0) return stringToU8a(`claim ${i} of 12.5 KSM to 0x${'ab'.repeat(20)} nonce ${i * 31}`);
  const len = [1, 31, 32, 33, 64, 135, 136, 137, 200, 300, 1000][i % 11];
  return len <= 64 ? blake2AsU8a(stringToU8a(`msg-${i}`), 512).slice(0, len)
    : new Uint8Array(len).map((_, j) => (i * 131 + j * 7) & 0xff);
}
function flip(u8a, index, mask = 0x01) {
  const out = u8a.slice();
  out[index] ^= mask;
  return out;
}

await cryptoWaitReady();

// ---- SS58 ----
const ss58 = { valid: [], invalid: [] };
const prefixes = [0, 1, 2, 5, 42, 63, 64, 65, 127, 255, 256, 1000, 4095, 16383];
for (let i = 0; i < 60; ++i) {
  const key = seed(`ss58-key-${i}`);
  const prefix = prefixes[i % prefixes.length];
  const address = encodeAddress(key, prefix);
  ss58.valid.push({ prefix, publicKey: u8aToHex(key), address });
  const decoded = decodeAddress(address);
  if (u8aToHex(decoded) !== u8aToHex(key)) throw new Error('polkadot-js ss58 round trip');
}
// Invalid: a changed character (checksum), a truncated or extended body, a payload of the
// wrong length with a correct checksum, characters outside the alphabet.
for (let i = 0; i < 30; ++i) {
  const key = seed(`ss58-bad-${i}`);
  const prefix = [0, 2, 42, 1000][i % 4];
  const good = encodeAddress(key, prefix);
  const raw = base58Decode(good);
  let bad, why;
  switch (i % 6) {
    case 0: { // flip one bit of the public key, keep the old checksum
      bad = base58Encode(flip(raw, raw.length - 10)); why = 'checksum'; break; }
    case 1: { // flip the checksum
      bad = base58Encode(flip(raw, raw.length - 1)); why = 'checksum'; break; }
    case 2: { // drop one payload byte, recompute a checksum over the short payload
      const body = raw.slice(0, raw.length - 3);
      const sum = blake2AsU8a(u8aConcat(stringToU8a('SS58PRE'), body), 512).slice(0, 2);
      bad = base58Encode(u8aConcat(body, sum)); why = 'length'; break; }
    case 3: { // a 0/O/I/l is not base58
      bad = good.slice(0, 5) + '0' + good.slice(6); why = 'alphabet'; break; }
    case 4: { // truncated
      bad = good.slice(0, good.length - 2); why = 'length'; break; }
    case 5: { // one extra payload byte with a valid checksum
      const body = u8aConcat(raw.slice(0, raw.length - 2), new Uint8Array([7]));
      const sum = blake2AsU8a(u8aConcat(stringToU8a('SS58PRE'), body), 512).slice(0, 2);
      bad = base58Encode(u8aConcat(body, sum)); why = 'length'; break; }
  }
  if (attempt(() => decodeAddress(bad)) !== false && why !== 'length')
    throw new Error(`polkadot-js accepted ${bad}`);
  // polkadot-js accepts some payload lengths (1,2,4,8,33 bytes) that are not accounts;
  // record its verdict and whether the payload is a 32-byte account.
  const accepted = attempt(() => decodeAddress(bad)) !== false;
  ss58.invalid.push({ address: bad, why, polkadotJsAccepts: accepted });
}
// The well-known dev accounts on Polkadot (0), Kusama (2) and generic Substrate (42).
const keyring = new Keyring({ type: 'sr25519' });
ss58.dev = ['Alice', 'Bob', 'Charlie'].map((name) => {
  const pair = keyring.addFromUri(`//${name}`);
  return { name, publicKey: u8aToHex(pair.publicKey),
    polkadot: encodeAddress(pair.publicKey, 0), kusama: encodeAddress(pair.publicKey, 2),
    substrate: encodeAddress(pair.publicKey, 42) };
});
write('ss58.json', ss58);

// ---- ed25519 (deterministic: signatures are compared byte for byte) ----
const ed = { keys: [], signatures: [] };
for (let k = 0; k < 20; ++k) {
  const s = seed(`ed25519-seed-${k}`);
  const pair = ed25519PairFromSeed(s);
  ed.keys.push({ seed: u8aToHex(s), publicKey: u8aToHex(pair.publicKey) });
}
for (let i = 0; i < 300; ++i) {
  const k = i % ed.keys.length;
  const pair = ed25519PairFromSeed(seed(`ed25519-seed-${k}`));
  const msg = message(i);
  const sig = ed25519Sign(msg, pair);
  let case_ = 'valid', vmsg = msg, vsig = sig, vkey = pair.publicKey;
  switch (i % 5) {
    case 1: case_ = 'wrong_key'; vkey = ed25519PairFromSeed(seed(`ed25519-seed-${(k + 1) % 20}`)).publicKey; break;
    case 2: case_ = 'wrong_message'; vmsg = u8aConcat(msg, new Uint8Array([0])); break;
    case 3: case_ = 'tampered'; vsig = flip(sig, i % 64, 1 << (i % 8)); break;
  }
  ed.signatures.push({ key: k, case: case_, message: u8aToHex(msg), signature: u8aToHex(sig),
    verifyKey: u8aToHex(vkey), verifyMessage: u8aToHex(vmsg), verifySignature: u8aToHex(vsig),
    valid: attempt(() => ed25519Verify(vmsg, vsig, vkey)) });
}
write('ed25519.json', ed);

// ---- sr25519 (randomized: verify only) ----
const sr = { keys: [], signatures: [] };
for (let k = 0; k < 20; ++k) {
  const s = seed(`sr25519-seed-${k}`);
  const pair = sr25519PairFromSeed(s);
  sr.keys.push({ seed: u8aToHex(s), publicKey: u8aToHex(pair.publicKey),
    secretKey: u8aToHex(pair.secretKey) });
}
for (let i = 0; i < 400; ++i) {
  const k = i % sr.keys.length;
  const pair = sr25519PairFromSeed(seed(`sr25519-seed-${k}`));
  const msg = message(i);
  const sig = sr25519Sign(msg, pair);
  let case_ = 'valid', vmsg = msg, vsig = sig, vkey = pair.publicKey;
  switch (i % 8) {
    case 1: case_ = 'wrong_key'; vkey = sr25519PairFromSeed(seed(`sr25519-seed-${(k + 1) % 20}`)).publicKey; break;
    case 2: case_ = 'wrong_message'; vmsg = msg.length ? flip(msg, 0) : new Uint8Array([0]); break;
    case 3: case_ = 'tampered_r'; vsig = flip(sig, i % 32, 1 << (i % 8)); break;
    case 4: case_ = 'tampered_s'; vsig = flip(sig, 32 + (i % 31), 1 << (i % 8)); break;
    case 5: case_ = 'no_marker'; vsig = flip(sig, 63, 0x80); break;
  }
  sr.signatures.push({ key: k, case: case_, message: u8aToHex(msg), verifyKey: u8aToHex(vkey),
    verifyMessage: u8aToHex(vmsg), verifySignature: u8aToHex(vsig),
    valid: attempt(() => sr25519Verify(vmsg, vsig, vkey)) });
}
// A signature whose s is not reduced (s + l) must be refused (schnorrkel checks canonical s).
{
  const pair = sr25519PairFromSeed(seed('sr25519-seed-0'));
  const msg = stringToU8a('non-canonical s');
  const sig = sr25519Sign(msg, pair);
  const s = sig.slice(32); s[31] &= 0x7f;
  let n = 0n; for (let j = 31; j >= 0; --j) n = (n << 8n) | BigInt(s[j]);
  n += (1n << 252n) + 27742317777372353535851937790883648493n;
  const s2 = new Uint8Array(32); for (let j = 0; j < 32; ++j) { s2[j] = Number(n & 0xffn); n >>= 8n; }
  if (s2[31] & 0x80) throw new Error('unexpected');
  s2[31] |= 0x80;
  const vsig = u8aConcat(sig.slice(0, 32), s2);
  sr.signatures.push({ key: 0, case: 'non_canonical_s', message: u8aToHex(msg),
    verifyKey: u8aToHex(pair.publicKey), verifyMessage: u8aToHex(msg),
    verifySignature: u8aToHex(vsig), valid: attempt(() => sr25519Verify(msg, vsig, pair.publicKey)) });
}
write('sr25519.json', sr);

// ---- ecdsa (secp256k1 over blake2-256; RFC 6979, so signatures are compared too) ----
const ecdsa = { keys: [], signatures: [] };
for (let k = 0; k < 20; ++k) {
  const s = seed(`ecdsa-seed-${k}`);
  const pair = secp256k1PairFromSeed(s);
  ecdsa.keys.push({ seed: u8aToHex(s), publicKey: u8aToHex(pair.publicKey),
    accountId: u8aToHex(blake2AsU8a(pair.publicKey, 256)),
    // The keyring's ecdsa address hashes the key; encodeAddress alone keeps the raw 33 bytes.
    kusama: encodeAddress(blake2AsU8a(pair.publicKey, 256), 2),
    kusamaRawKey: encodeAddress(pair.publicKey, 2) });
  const ring = new Keyring({ type: 'ecdsa', ss58Format: 2 }).addFromSeed(s);
  if (ring.address !== ecdsa.keys[k].kusama) throw new Error('keyring ecdsa address');
}
for (let i = 0; i < 300; ++i) {
  const k = i % ecdsa.keys.length;
  const pair = secp256k1PairFromSeed(seed(`ecdsa-seed-${k}`));
  const msg = message(i);
  const sig = secp256k1Sign(msg, pair, 'blake2');
  let case_ = 'valid', vmsg = msg, vsig = sig, vkey = pair.publicKey;
  switch (i % 5) {
    case 1: case_ = 'wrong_key'; vkey = secp256k1PairFromSeed(seed(`ecdsa-seed-${(k + 1) % 20}`)).publicKey; break;
    case 2: case_ = 'wrong_message'; vmsg = u8aConcat(msg, new Uint8Array([1])); break;
    case 3: case_ = 'tampered'; vsig = flip(sig, i % 64, 1 << (i % 8)); break;
  }
  ecdsa.signatures.push({ key: k, case: case_, message: u8aToHex(msg), signature: u8aToHex(sig),
    verifyKey: u8aToHex(vkey), verifyMessage: u8aToHex(vmsg), verifySignature: u8aToHex(vsig),
    valid: attempt(() => secp256k1Verify(vmsg, vsig, vkey, 'blake2', true)) });
}
write('ecdsa.json', ecdsa);

// ---- signRaw: what the extension produces (keyring pair signs u8aWrapBytes(message)) ----
const signRaw = { cases: [] };
const rings = {
  sr25519: new Keyring({ type: 'sr25519', ss58Format: 2 }),
  ed25519: new Keyring({ type: 'ed25519', ss58Format: 2 }),
  ecdsa: new Keyring({ type: 'ecdsa', ss58Format: 2 }),
};
const texts = ['hello', '', 'lstaked claim: 12.1234 KSM to 0x8ba1f109551bd432803012645ac136ddd64dba72 nonce 7 expires 1767225600',
  '<Bytes>already wrapped</Bytes>', '0x1234'];
for (const [scheme, ring] of Object.entries(rings)) {
  for (const who of ['Alice', 'Bob', 'Dave']) {
    const pair = ring.addFromUri(`//${who}`);
    for (const text of texts) {
      const msg = stringToU8a(text);
      const sig = pair.sign(u8aWrapBytes(msg));
      const other = ring.addFromUri(`//${who}//other`);
      signRaw.cases.push({ scheme, who, address: pair.address, publicKey: u8aToHex(pair.publicKey),
        messageText: text, signature: u8aToHex(sig), valid: signatureVerify(u8aWrapBytes(msg), sig, pair.address).isValid,
        // The same signature checked against the bare message (the raw, unwrapped form).
        validUnwrapped: attempt(() => scheme === 'sr25519' ? sr25519Verify(msg, sig, pair.publicKey)
          : scheme === 'ed25519' ? ed25519Verify(msg, sig, pair.publicKey)
          : secp256k1Verify(msg, sig, pair.publicKey, 'blake2', true)),
        otherAddress: other.address,
        validForOther: signatureVerify(u8aWrapBytes(msg), sig, other.address).isValid });
    }
  }
}
write('sign_raw.json', signRaw);

// ---- merlin transcripts and deterministic sr25519 signing, from @scure/sr25519 (the
// implementation polkadot-js's util-crypto calls) with a fixed external RNG ----
import * as scure from '@scure/sr25519';
const merlin = { transcripts: [], deterministic: [] };
{
  const { Merlin } = scure.__tests;
  const big = new Uint8Array(1024).fill(99);
  for (let c = 0; c < 4; ++c) {
    const t = new Merlin(`test protocol ${c}`);
    const steps = [];
    t.appendMessage('step1', stringToU8a('some data'));
    steps.push({ op: 'append', label: 'step1', data: u8aToHex(stringToU8a('some data')) });
    for (let i = 0; i < 3 + c * 5; ++i) {
      const len = [32, 64, 1, 200][(i + c) % 4];
      const out = t.challengeBytes('challenge', len);
      steps.push({ op: 'challenge', label: 'challenge', length: len, expect: u8aToHex(out) });
      const data = i % 2 ? big : out;
      t.appendMessage(i % 2 ? 'bigdata' : 'challengedata', data);
      steps.push({ op: 'append', label: i % 2 ? 'bigdata' : 'challengedata', data: u8aToHex(data) });
    }
    merlin.transcripts.push({ label: `test protocol ${c}`, steps });
  }
  for (let i = 0; i < 40; ++i) {
    const s = seed(`sr25519-seed-${i % 20}`);
    const secretKey = scure.secretFromSeed(s);
    const entropy = blake2AsU8a(stringToU8a(`entropy-${i}`), 256);
    const msg = message(i);
    const sig = scure.sign(secretKey, msg, (n) => { if (n !== 32) throw new Error('rng'); return entropy.slice(); });
    if (!sr25519Verify(msg, sig, scure.getPublicKey(secretKey))) throw new Error('scure self-check');
    merlin.deterministic.push({ seed: u8aToHex(s), entropy: u8aToHex(entropy), message: u8aToHex(msg),
      signature: u8aToHex(sig) });
  }
}
write('merlin.json', merlin);

// ---- secret URIs: hard derivation as the keyring does it, for each scheme ----
import { mnemonicToMiniSecret } from '@polkadot/util-crypto';
import { DEV_PHRASE } from '@polkadot/keyring';
const uris = { devSeed: u8aToHex(mnemonicToMiniSecret(DEV_PHRASE)), keys: [] };
{
  const root = u8aToHex(seed('uri-root'));
  const list = ['//Alice', '//Bob', '//Charlie', '//Alice//stash', '//Alice//0', '//7', '//18446744073709551615',
    '//0x1234', `//0x${'ab'.repeat(40)}`, '//a-junction-name-much-longer-than-thirty-two-bytes',
    '//' + 'x'.repeat(31), '//' + 'y'.repeat(32), '//' + 'z'.repeat(70), '//kusama//ledger//3',
    root, `${root}//operator`, `${root}//operator//1`];
  for (const type of ['sr25519', 'ed25519', 'ecdsa']) {
    const ring = new Keyring({ type, ss58Format: 2 });
    for (const uri of list) {
      const pair = ring.createFromUri(uri);
      uris.keys.push({ scheme: type, uri, publicKey: u8aToHex(pair.publicKey), address: pair.address });
    }
  }
}
write('uris.json', uris);

// ---- BIP-39 mnemonics and mnemonic-rooted URIs ----
import { mnemonicGenerate, mnemonicValidate } from '@polkadot/util-crypto';
const bip39 = { devPhrase: DEV_PHRASE, valid: [], invalid: [], uris: [] };
for (let i = 0; i < 20; ++i) {
  const words = [12, 15, 18, 21, 24][i % 5];
  const phrase = mnemonicGenerate(words);
  const password = i % 3 === 0 ? '' : `pass word ${i}`;
  bip39.valid.push({ phrase, password, miniSecret: u8aToHex(mnemonicToMiniSecret(phrase, password)) });
  // Swap two words: the checksum no longer matches (polkadot-js must agree).
  const w = phrase.split(' ');
  [w[0], w[1]] = [w[1], w[0]];
  const swapped = w.join(' ');
  if (w[0] !== w[1] && !mnemonicValidate(swapped)) bip39.invalid.push(swapped);
}
bip39.invalid.push(DEV_PHRASE.replace('walk', 'walks'), DEV_PHRASE + ' ', DEV_PHRASE.replace(' ', '  '),
  DEV_PHRASE.split(' ').slice(0, 11).join(' '));
for (const p of bip39.invalid) if (mnemonicValidate(p)) throw new Error(`valid: ${p}`);
for (const type of ['sr25519', 'ed25519', 'ecdsa']) {
  const ring = new Keyring({ type, ss58Format: 2 });
  for (const uri of [`${bip39.valid[0].phrase}`, `${bip39.valid[1].phrase}//stash`,
    `${bip39.valid[2].phrase}//a//1///secret`, `${DEV_PHRASE}//Alice`, '//Alice///password']) {
    const pair = ring.createFromUri(uri);
    bip39.uris.push({ scheme: type, uri, publicKey: u8aToHex(pair.publicKey), address: pair.address });
  }
}
write('bip39.json', bip39);

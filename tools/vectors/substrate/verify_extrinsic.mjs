// Checks signed v4 extrinsics with polkadot-js: they decode, re-encode to the same bytes, and
// their signature verifies (ed25519 / sr25519) over the payload polkadot-js rebuilds from the
// extrinsic and the chain parameters that are not in it (genesis, era birth block hash, spec and
// transaction versions). Used to check extrinsics built by our code, e.g. with randomized
// sr25519 signatures, which cannot be compared byte for byte.
//
//   echo '[{"chain":"kusama-v15","hex":"0x…","genesis_hash":"0x…","block_hash":"0x…",
//           "spec_version":1,"tx_version":1}]' | node tools/vectors/substrate/verify_extrinsic.mjs
//
// Prints a JSON array of {"ok", "error"?, "scheme"?, "pallet"?, "method"?}; exit 0 iff all ok.
import { readFileSync } from 'node:fs';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, blake2AsU8a, signatureVerify } from '@polkadot/util-crypto';
import { load } from './common.mjs';

await cryptoWaitReady();
const input = JSON.parse(readFileSync(0, 'utf8'));
const chains = {};
const results = input.map((x) => {
  try {
    const m = chains[x.chain] ??= load(x.chain);
    const reg = m.registry;
    const ext = reg.createType('Extrinsic', x.hex);
    if (ext.toHex() !== x.hex) return { ok: false, error: 'does not re-encode to the same bytes' };
    if (!ext.isSigned) return { ok: false, error: 'not signed' };
    const sig = ext.inner.signature;
    const payload = sig.createPayload(ext.method, {
      blockHash: x.block_hash, genesisHash: x.genesis_hash, era: sig.era, nonce: sig.nonce, tip: sig.tip,
      assetId: sig.assetId, mode: sig.mode, metadataHash: sig.metadataHash,
      runtimeVersion: { specVersion: x.spec_version, transactionVersion: x.tx_version },
      signedExtensions: reg.signedExtensions,
    });
    let msg = payload.toU8a({ method: true });
    if (msg.length > 256) msg = blake2AsU8a(msg);
    const scheme = sig.multiSignature.type.toLowerCase();
    const signer = sig.signer.inner.toU8a();
    const valid = signatureVerify(msg, sig.multiSignature.inner.toU8a(), signer);
    const ok = valid.isValid && valid.crypto === scheme;
    return { ok, scheme, pallet: ext.method.section, method: ext.method.method, ...(ok ? {} : { error: `signature does not verify (${valid.crypto})` }) };
  } catch (e) {
    return { ok: false, error: String(e.message || e) };
  }
});
console.log(JSON.stringify(results));
process.exit(results.every((r) => r.ok) ? 0 : 1);

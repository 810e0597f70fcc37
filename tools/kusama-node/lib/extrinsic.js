// Transaction validity as a Substrate node checks it at submission (and again when the
// block is built): decodable, signed, mortal era alive, signature over the signing payload
// (spec/tx version, genesis, era birth block hash, signed extensions), nonce not stale,
// balance covers the fee. Failures are the RPC errors a real node returns.
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsHex, ed25519Verify, signatureVerify, sr25519Verify } from '@polkadot/util-crypto';
import { isReady as wasmReady, sr25519Verify as wasmSr25519Verify } from '@polkadot/wasm-crypto';
import { TX } from './errors.js';
import { getAccount, spendable } from './pallets/balances.js';
import { callWeight } from './dispatch.js';

export function decode(runtime, hex) {
  let ext;
  try {
    ext = runtime.registry.createType('Extrinsic', hexToU8a(hex));
  } catch (e) {
    throw TX.badFormat(e.message);
  }
  if (ext.toHex() !== hex.toLowerCase()) throw TX.badFormat('trailing or malformed bytes');
  return ext;
}

export function fee(runtime, len, tip = 0n) {
  return runtime.variant.feeBase + runtime.variant.feePerByte * BigInt(len) + tip;
}

export function queryInfo(runtime, hex) {
  const ext = decode(runtime, hex);
  const len = hexToU8a(hex).length;
  return { weight: callWeight(ext.method), partialFee: fee(runtime, len), len };
}

// chain: { runtime, state, number (of the block the tx would go in, minus 1 = best), blockHash(n), genesisHash }
// Verify with the scheme the MultiSignature names. util-crypto 14 verifies sr25519 in pure
// JS (~13 ms); the schnorrkel wasm from @polkadot/wasm-crypto does it in well under 1 ms.
function verifySignature(msg, multi, signer) {
  try {
    if (multi.type === 'Sr25519') {
      return wasmReady() ? wasmSr25519Verify(multi.value.toU8a(), msg, signer) : sr25519Verify(msg, multi.value.toU8a(), signer);
    }
    if (multi.type === 'Ed25519') return ed25519Verify(msg, multi.value.toU8a(), signer);
    return signatureVerify(msg, multi.toU8a(), signer).isValid; // Ecdsa: blake2 + recovery
  } catch {
    return false;
  }
}

// `known`: the earlier validity of the same transaction; its signature needs no second
// check while the era still points at the same birth block.
export function validate(chain, hex, { bestNumber, state, known = null }) {
  const { runtime } = chain;
  const ext = known?.ext ?? decode(runtime, hex);
  if (!ext.isSigned) throw TX.noUnsignedValidator();
  const sig = ext.inner.signature;
  // MultiAddress::Id is the only signer form a runtime without an Indices lookup accepts.
  if (sig.signer.type !== 'Id') throw TX.badProof();
  const signer = sig.signer.value.toHex();
  const era = sig.era;
  // CheckMortality: the payload commits to the hash of the era's birth block.
  let birthHash = chain.genesisHash;
  if (era.isMortalEra) {
    // As in the runtime, validity is judged for the block being built (best + 1); an
    // expired era yields a different birth block, hence a bad signature (as on Kusama).
    const current = bestNumber + 1;
    const birth = era.asMortalEra.birth(current);
    if (birth > current) throw TX.ancientBirth();
    birthHash = chain.blockHash(birth) || u8aToHex(new Uint8Array(32));
  }
  const payload = known && known.birthHash === birthHash ? null : sig.createPayload(ext.method, {
    era, nonce: sig.nonce, tip: sig.tip, assetId: sig.assetId, mode: sig.mode,
    genesisHash: chain.genesisHash, blockHash: birthHash,
    runtimeVersion: chain.versionAt(bestNumber + 1),
  });
  if (sig.mode && sig.mode.toNumber && sig.mode.toNumber() !== 0) throw TX.badProof(); // metadata hash check not simulated
  if (!(known && known.birthHash === birthHash)) {
    let msg = payload.toU8a({ method: true });
    if (msg.length > 256) msg = hexToU8a(blake2AsHex(msg));
    if (!verifySignature(msg, sig.multiSignature, hexToU8a(signer))) throw TX.badProof();
  }
  const nonce = sig.nonce.toNumber();
  const acc = getAccount(state, signer);
  if (nonce < acc.nonce) throw TX.stale();
  const len = hexToU8a(hex).length;
  const tip = sig.tip.toBigInt();
  const total = fee(runtime, len, tip);
  // The fee is withdrawn keep-alive: it can never reap the payer.
  if (acc.providers === 0 || total > spendable(state, signer, runtime.consts.existentialDeposit, true)) throw TX.payment();
  return { hash: blake2AsHex(hexToU8a(hex)), hex, ext, signer, nonce, tip, fee: total, len, era, birthHash };
}

// The independent count for the exactly-once tests: every signed extrinsic on
// the chain (best chain, blocks 1..head), decoded by the real @polkadot/api,
// with its signer, nonce, call and result. Prints one JSON line:
// {head, finalized, extrinsics: [{block, index, hash, signer, nonce, call,
//   success, error}]} where call is "section.method" (inner calls of
// utility batches and proxy.proxy as "section.method(inner,...)") and error
// "Section.Name" for a failed one.
// Usage: node chain_extrinsics.mjs http://127.0.0.1:PORT
import { api } from '../kusama_watcher/dev.mjs';
import { u8aToHex } from '@polkadot/util';

function describeCall(call) {
  const name = `${call.section}.${call.method}`;
  if (call.section === 'utility' && call.args[0] && Array.isArray(call.args[0])) {
    return `${name}(${call.args[0].map(describeCall).join(',')})`;
  }
  if (call.section === 'proxy' && call.method === 'proxy') return `${name}(${describeCall(call.args[2])})`;
  return name;
}

function errorName(dispatchError) {
  if (dispatchError.isModule) {
    const m = api.registry.findMetaError(dispatchError.asModule);
    return `${m.section.charAt(0).toUpperCase()}${m.section.slice(1)}.${m.name}`;
  }
  return dispatchError.type;
}

const head = (await api.rpc.chain.getHeader()).number.toNumber();
const finalized = (await api.rpc.chain.getHeader(await api.rpc.chain.getFinalizedHead())).number.toNumber();
const extrinsics = [];
for (let n = 1; n <= head; n++) {
  const hash = await api.rpc.chain.getBlockHash(n);
  const block = await api.rpc.chain.getBlock(hash);
  const events = await (await api.at(hash)).query.system.events();
  block.block.extrinsics.forEach((ex, index) => {
    if (!ex.isSigned) return;
    let success = true;
    let error = null;
    for (const { phase, event } of events) {
      if (!phase.isApplyExtrinsic || phase.asApplyExtrinsic.toNumber() !== index) continue;
      if (api.events.system.ExtrinsicFailed.is(event)) {
        success = false;
        error = errorName(event.data[0]);
      }
    }
    extrinsics.push({ block: n, index, hash: ex.hash.toHex(), signer: u8aToHex(ex.signer.toU8a().slice(-32)),
      nonce: ex.nonce.toNumber(), call: describeCall(ex.method), success, error });
  });
}
console.log(JSON.stringify({ head, finalized, extrinsics }));
await api.disconnect();

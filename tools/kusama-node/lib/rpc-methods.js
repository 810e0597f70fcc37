// JSON-RPC methods, answered the way a Substrate node answers them (hex-encoded SCALE,
// hex block numbers in headers, null for unknown blocks, node error codes).
import { compactFromU8a, hexToU8a, isHex, u8aToHex, u8aToBn } from '@polkadot/util';
import { blake2AsHex, decodeAddress } from '@polkadot/util-crypto';
import { RpcError } from './errors.js';
import { queryInfo } from './extrinsic.js';
import { devMethods } from './dev-methods.js';

// SCALE bytes of a codec (codec.toHex() is big-endian for numbers, not SCALE).
const scale = (codec) => u8aToHex(codec.toU8a());
const badParams = (why) => new RpcError(-32602, `Invalid params: ${why}`);

// Built once per block: catch-up readers ask for the same headers again and again.
function headerJson(block) {
  if (block.headerJson) return block.headerJson;
  const h = block.header;
  block.headerJson = {
    parentHash: h.parentHash.toHex(),
    number: `0x${block.number.toString(16)}`,
    stateRoot: h.stateRoot.toHex(),
    extrinsicsRoot: h.extrinsicsRoot.toHex(),
    digest: { logs: h.digest.logs.map((l) => l.toHex()) },
  };
  return block.headerJson;
}

function accountHex(address) {
  try {
    return u8aToHex(decodeAddress(address));
  } catch (e) {
    throw badParams(`bad address: ${e.message}`);
  }
}

export function createRpc(node) {
  const chain = () => node.chain;
  const blockAt = (hash) => {
    if (hash === undefined || hash === null) return chain().head;
    if (!isHex(hash, 256)) throw badParams('expected a 32-byte hex block hash');
    return chain().blockByHash(hash);
  };
  const runtimeApiOutput = (api, method) => {
    const { runtime } = chain();
    const a = runtime.v15.apis.find((x) => x.name.toString() === api);
    const m = a?.methods.find((x) => x.name.toString() === method);
    return runtime.registry.createLookupType(m.output);
  };

  const stateCall = {
    Metadata_metadata: () => u8aToHex(chain().runtime.registry.createType('Bytes', chain().runtime.metaV14Bytes).toU8a()),
    Metadata_metadata_versions: () => scale(chain().runtime.registry.createType('Vec<u32>', [14, 15])),
    Metadata_metadata_at_version: (data) => chain().runtime.metadataAtVersion(u8aToBn(data.subarray(0, 4), { isLe: true }).toNumber()),
    Core_version: (data, block) => scale(chain().runtime.registry.createType('RuntimeVersion', chain().versionAt(block.number))),
    AccountNonceApi_account_nonce: (data) => scale(chain().runtime.registry.createType('u32', chain().nextIndex(u8aToHex(data.subarray(0, 32))))),
    TransactionPaymentApi_query_info: (data) => {
      const [offset, length] = compactFromU8a(data);
      const info = queryInfo(chain().runtime, u8aToHex(data.subarray(0, offset + length.toNumber())));
      return scale(chain().runtime.registry.createType(runtimeApiOutput('TransactionPaymentApi', 'query_info'), {
        weight: info.weight, class: 'Normal', partialFee: info.partialFee,
      }));
    },
    TransactionPaymentApi_query_fee_details: (data) => {
      const [offset, length] = compactFromU8a(data);
      const info = queryInfo(chain().runtime, u8aToHex(data.subarray(0, offset + length.toNumber())));
      return scale(chain().runtime.registry.createType(runtimeApiOutput('TransactionPaymentApi', 'query_fee_details'), feeDetails(chain(), info)));
    },
  };

  const methods = {
    rpc_methods: () => ({ methods: [...Object.keys(methods), ...(node.subscriptionMethods || [])].sort(), version: 1 }),
    system_chain: () => chain().runtime.variant.chain,
    system_name: () => 'lstaked-kusama-node',
    system_version: () => '0.1.0',
    system_chainType: () => 'Development',
    system_properties: () => ({ ss58Format: 2, tokenDecimals: 12, tokenSymbol: 'KSM' }),
    system_health: () => ({ peers: 0, isSyncing: false, shouldHavePeers: false }),
    system_peers: () => [],
    system_localPeerId: () => '12D3KooWLstakedLocalKusamaTestNode',
    system_accountNextIndex: (address) => chain().nextIndex(accountHex(address)),
    chain_getBlockHash: (n) => {
      const one = (x) => {
        if (x === undefined || x === null) return chain().head.hash;
        const num = typeof x === 'string' ? Number.parseInt(x, x.startsWith('0x') ? 16 : 10) : x;
        return chain().blockHash(num);
      };
      return Array.isArray(n) ? n.map(one) : one(n);
    },
    chain_getHeader: (hash) => { const b = blockAt(hash); return b ? headerJson(b) : null; },
    chain_getBlock: (hash) => {
      const b = blockAt(hash);
      return b ? { block: { header: headerJson(b), extrinsics: b.extrinsics }, justifications: null } : null;
    },
    chain_getFinalizedHead: () => chain().finalized.hash,
    state_getRuntimeVersion: (at) => { const b = blockAt(at); if (!b) throw new RpcError(4003, `Client error: UnknownBlock: ${at}`); return chain().versionAt(b.number); },
    state_getMetadata: () => u8aToHex(chain().runtime.metaV14Bytes),
    state_getStorage: (key, at) => chain().storageAt(at).get(key?.toLowerCase()) ?? null,
    state_getStorageHash: (key, at) => { const v = chain().storageAt(at).get(key?.toLowerCase()); return v ? blake2AsHex(hexToU8a(v)) : null; },
    state_getStorageSize: (key, at) => { const v = chain().storageAt(at).get(key?.toLowerCase()); return v ? hexToU8a(v).length : null; },
    state_queryStorageAt: (keys, at) => {
      const storage = chain().storageAt(at);
      const block = at ?? chain().head.hash;
      return [{ block, changes: keys.map((k) => [k, storage.get(k.toLowerCase()) ?? null]) }];
    },
    state_getKeysPaged: (prefix, count, startKey, at) => {
      const p = (prefix || '0x').toLowerCase();
      if (count > 1000) throw new RpcError(-32602, 'count exceeds maximum value. value: 1000, max: 1000');
      return [...chain().storageAt(at).keys()].filter((k) => k.startsWith(p) && (!startKey || k > startKey.toLowerCase())).sort().slice(0, count);
    },
    state_getKeys: (prefix, at) => [...chain().storageAt(at).keys()].filter((k) => k.startsWith((prefix || '0x').toLowerCase())).sort(),
    state_call: (method, data, at) => {
      chain().storageAt(at); // unknown/pruned block -> the same error as a real node
      const fn = stateCall[method];
      if (!fn) throw new RpcError(4003, `Client error: Execution failed: Other("Exported method ${method} is not found")`);
      return fn(hexToU8a(data || '0x'), blockAt(at));
    },
    author_submitExtrinsic: (hex) => {
      if (!isHex(hex)) throw badParams('expected hex extrinsic');
      const hash = chain().submit(hex);
      node.onSubmitted?.();
      return hash;
    },
    author_pendingExtrinsics: () => [...chain().pool.values()].map((t) => t.hex),
    payment_queryInfo: (hex) => {
      const info = queryInfo(chain().runtime, hex);
      return {
        weight: { ref_time: Number(info.weight.refTime), proof_size: Number(info.weight.proofSize) },
        class: 'normal', partialFee: info.partialFee.toString(),
      };
    },
    payment_queryFeeDetails: (hex) => {
      const d = feeDetails(chain(), queryInfo(chain().runtime, hex));
      const h = (x) => `0x${x.toString(16)}`;
      return { inclusionFee: { baseFee: h(d.inclusionFee.baseFee), lenFee: h(d.inclusionFee.lenFee), adjustedWeightFee: h(0n) } };
    },
    ...devMethods(node),
  };
  // Aliases a Substrate node also answers to.
  Object.assign(methods, {
    chain_getFinalisedHead: methods.chain_getFinalizedHead,
    chain_getHead: methods.chain_getBlockHash,
    chain_getRuntimeVersion: methods.state_getRuntimeVersion,
    state_getStorageAt: methods.state_getStorage,
    account_nextIndex: methods.system_accountNextIndex,
  });
  return methods;
}

function feeDetails(chain, info) {
  const { feeBase, feePerByte } = chain.runtime.variant;
  return { inclusionFee: { baseFee: feeBase, lenFee: feePerByte * BigInt(info.len), adjustedWeightFee: 0n }, tip: 0n };
}

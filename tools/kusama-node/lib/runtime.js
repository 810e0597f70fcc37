// The "runtime" of the test node: real Kusama / Kusama Asset Hub metadata from
// @polkadot/types-support, the registry built from it, and small helpers that
// encode storage values, events and dispatch errors *by name*, so nothing below
// hard-codes a pallet or call index (the same code serves both chains).
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TypeRegistry, Metadata } from '@polkadot/types';
import { expandMetadata } from '@polkadot/types/metadata';
import { compactAddLength, compactStripLength, hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';

const require = createRequire(import.meta.url);

export const VARIANTS = {
  kusama: {
    file: 'kusama', chain: 'Kusama', engine: 'BABE',
    // Fees scaled so a transfer costs ~0.0002 KSM, the order of magnitude seen on Kusama.
    feeBase: 100_000_000n, feePerByte: 500_000n,
  },
  'asset-hub': {
    file: 'asset-hub-kusama', chain: 'Kusama Asset Hub', engine: 'aura',
    feeBase: 10_000_000n, feePerByte: 50_000n,
  },
};

// The package does not export its metadata folder, so locate it on disk.
function supportDir() {
  const main = require.resolve('@polkadot/types-support');
  let dir = path.dirname(main);
  while (!dir.endsWith(`${path.sep}types-support`)) dir = path.dirname(dir);
  return dir;
}

async function loadSupportFile(name) {
  const url = pathToFileURL(path.join(supportDir(), 'metadata', 'v15', name)).href;
  return (await import(url)).default;
}

// V15 metadata is not what state_getMetadata returns on a real node (that is V14),
// so derive a V14 from the same lookup: V15 only added pallet docs, runtime APIs,
// outer enums and split the extrinsic type; V14 wants the UncheckedExtrinsic type id.
function toV14Bytes(registry, v15) {
  const ue = v15.lookup.types.find((t) => t.type.path.join('::').endsWith('unchecked_extrinsic::UncheckedExtrinsic'));
  const v14 = registry.createType('MetadataV14', {
    lookup: v15.lookup,
    pallets: v15.pallets.map((p) => ({
      name: p.name, storage: p.storage, calls: p.calls, events: p.events,
      constants: p.constants, errors: p.errors, index: p.index,
    })),
    extrinsic: { type: ue.id, version: v15.extrinsic.version, signedExtensions: v15.extrinsic.signedExtensions },
    type: v15.type,
  });
  return u8aConcat(new Uint8Array([0x6d, 0x65, 0x74, 0x61, 14]), v14.toU8a());
}

export async function loadRuntime(variantName) {
  const variant = VARIANTS[variantName];
  if (!variant) throw new Error(`unknown metadata ${variantName} (kusama|asset-hub)`);
  const optHex = await loadSupportFile(`${variant.file}-hex.js`);
  const version = await loadSupportFile(`${variant.file}-ver.js`);
  const rpcList = await loadSupportFile(`${variant.file}-rpc.js`);
  // The file holds Option<OpaqueMetadata>: 0x01 (Some) + compact length + bytes.
  const [, metaV15] = compactStripLength(hexToU8a(optHex).subarray(1));
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, metaV15);
  registry.setMetadata(metadata);
  registry.setChainProperties(registry.createType('ChainProperties', { ss58Format: 2, tokenDecimals: 12, tokenSymbol: 'KSM' }));
  const v15 = metadata.asV15;
  const metaV14 = toV14Bytes(registry, v15);
  return new Runtime(variantName, variant, registry, metadata, v15, metaV15, metaV14, version, rpcList.methods);
}

export class Runtime {
  constructor(name, variant, registry, metadata, v15, metaV15, metaV14, version, realRpcMethods) {
    Object.assign(this, { name, variant, registry, metadata, v15, version, realRpcMethods });
    this.metaV15Bytes = metaV15;
    this.metaV14Bytes = metaV14;
    this.decorated = expandMetadata(registry, metadata);
    this.pallets = new Map(v15.pallets.map((p) => [p.name.toString(), p]));
    this.keyCache = new Map();
    this.typeCache = new Map();
    // Timestamp.set is the inherent of every block: its call index, looked up once.
    const ts = this.decorated.tx.timestamp.set;
    this.timestampCallIndex = ts.callIndex;
    this.consts = {
      existentialDeposit: this.constant('Balances', 'ExistentialDeposit').toBigInt(),
      bondingDuration: this.constant('Staking', 'BondingDuration').toNumber(),
      historyDepth: this.constant('Staking', 'HistoryDepth').toNumber(),
      maxUnlockingChunks: this.constant('Staking', 'MaxUnlockingChunks').toNumber(),
      blockHashCount: this.constant('System', 'BlockHashCount').toNumber(),
      maxNominations: 24, // NominationsQuota on Kusama; not a metadata constant
    };
  }

  has(pallet, item) {
    const p = this.pallets.get(pallet);
    return !!p && p.storage.isSome && p.storage.unwrap().items.some((i) => i.name.toString() === item);
  }

  palletIndex(pallet) { return this.pallets.get(pallet).index.toNumber(); }

  constant(pallet, name) {
    const p = this.pallets.get(pallet);
    const c = p.constants.find((k) => k.name.toString() === name);
    return this.registry.createType(this.registry.createLookupType(c.type), c.value.toU8a(true));
  }

  storageEntry(pallet, item) {
    const sec = pallet[0].toLowerCase() + pallet.slice(1);
    const meth = item[0].toLowerCase() + item.slice(1);
    return this.decorated.query[sec][meth];
  }

  // Hex storage key, as state_getStorage expects it.
  key(pallet, item, ...args) {
    const id = `${pallet}.${item}.${args.join(',')}`;
    let k = this.keyCache.get(id);
    if (!k) {
      k = u8aToHex(compactStripLength(this.storageEntry(pallet, item)(...args))[1]);
      if (this.keyCache.size > 100_000) this.keyCache.clear(); // bounded: BlockHash keys never repeat
      this.keyCache.set(id, k);
    }
    return k;
  }

  // Lookup type name of a storage value, so polkadot-js encodes it exactly as the chain does.
  valueType(pallet, item) {
    const id = `${pallet}.${item}`;
    let t = this.typeCache.get(id);
    if (!t) {
      const { type } = this.storageEntry(pallet, item).meta;
      t = this.registry.createLookupType(type.isPlain ? type.asPlain : type.asMap.value);
      this.typeCache.set(id, t);
    }
    return t;
  }

  // SCALE bytes as hex. Never codec.toHex(): on numbers polkadot-js gives big-endian hex.
  encodeValue(pallet, item, value) {
    return u8aToHex(this.registry.createType(this.valueType(pallet, item), value).toU8a());
  }

  // Variant of a pallet's event/error/call enum, by name.
  enumVariant(pallet, kind, name) {
    const p = this.pallets.get(pallet);
    if (!p || p[kind].isNone) return null;
    const ty = this.registry.lookup.getSiType(p[kind].unwrap().type);
    return ty.def.asVariant.variants.find((v) => v.name.toString() === name) || null;
  }

  // Event bytes: pallet index, variant index, then each field encoded with its metadata type.
  event(pallet, name, values = []) {
    const v = this.enumVariant(pallet, 'events', name);
    if (!v) return null; // event not in this runtime (e.g. SlashReported on Asset Hub)
    const parts = [new Uint8Array([this.palletIndex(pallet), v.index.toNumber()])];
    v.fields.forEach((f, i) => parts.push(this.registry.createType(this.registry.createLookupType(f.type), values[i]).toU8a()));
    return u8aConcat(...parts);
  }

  // DispatchError::Module for pallet errors, or one of the other DispatchError variants
  // (e.g. { Token: 'FundsUnavailable' }) passed through as an object.
  dispatchError(err) {
    if (err.module) {
      const [pallet, name] = err.module;
      const v = this.enumVariant(pallet, 'errors', name);
      if (!v) throw new Error(`no error ${pallet}.${name} in this runtime`);
      return { Module: { index: this.palletIndex(pallet), error: [v.index.toNumber(), 0, 0, 0] } };
    }
    return err.raw;
  }

  // Encoded `DispatchError` (for events that carry one), via the type ExtrinsicFailed uses.
  encodeDispatchError(err) {
    const v = this.enumVariant('System', 'events', 'ExtrinsicFailed');
    return this.registry.createType(this.registry.createLookupType(v.fields[0].type), this.dispatchError(err));
  }

  // Option<OpaqueMetadata> for Metadata_metadata_at_version.
  metadataAtVersion(version) {
    const bytes = version === 15 ? this.metaV15Bytes : version === 14 ? this.metaV14Bytes : null;
    if (!bytes) return '0x00';
    return u8aToHex(u8aConcat(new Uint8Array([1]), compactAddLength(bytes)));
  }
}

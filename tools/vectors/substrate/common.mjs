// Shared by the vector generators: loads the committed metadata into a polkadot-js
// registry and renders polkadot-js decoded values in the canonical JSON form
// documented in chain/substrate/value.hpp. The rendering walks the *polkadot-js*
// Codec objects (decoded by polkadot-js), guided only by the type definitions.
import { readFileSync } from 'node:fs';
import { TypeRegistry, Metadata } from '@polkadot/types';
import { u8aToHex, isFunction, compactToU8a, BN } from '@polkadot/util';

export const here = new URL('./', import.meta.url);

export function load(name) {
  const raw = new Uint8Array(readFileSync(new URL(`${name}.bin`, here)));
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, raw);
  registry.setMetadata(metadata);
  const v = metadata.version;
  const latest = v === 15 ? metadata.asV15 : metadata.asV14;
  return { name, raw, registry, metadata, latest, version: v };
}

export const siType = (reg, id) => reg.lookup.getSiType(Number(id));
export const lookupName = (reg, id) => reg.createLookupType(Number(id));

function isU8(reg, id) {
  const d = siType(reg, id).def;
  return d.isPrimitive && d.asPrimitive.type === 'U8';
}

function renderFields(reg, fields, getter, isVariant, whole) {
  const n = fields.length;
  if (n === 0) return isVariant ? null : [];
  if (fields[0].name.isSome) {
    const o = {};
    fields.forEach((f, i) => { o[f.name.unwrap().toString()] = render(reg, f.type, getter(i, n)); });
    return o;
  }
  if (n === 1) return render(reg, fields[0].type, whole !== undefined ? whole : getter(0, 1));
  return fields.map((f, i) => render(reg, f.type, getter(i, n)));
}

// Access the i-th of n fields of a polkadot-js composite codec.
function fieldGetter(codec) {
  return (i, n) => {
    if (n === 1 && !(codec instanceof Map) && !Array.isArray(codec)) return codec;
    if (codec instanceof Map) return Array.from(codec.values())[i];
    if (Array.isArray(codec)) return codec[i];
    if (n === 1) return codec;
    throw new Error('cannot index composite codec ' + codec.constructor.name + ' ' + JSON.stringify(codec.toHuman()));
  };
}

export function render(reg, id, codec) {
  const t = siType(reg, id);
  const d = t.def;
  const path = t.path.map((p) => p.toString()).join('::');
  // polkadot-js special codecs first.
  if (codec && codec.callIndex && codec.args && isFunction(codec.toU8a)) {
    const [p, c] = codec.callIndex;
    const outer = d.asVariant.variants.find((v) => v.index.toNumber() === p);
    const innerId = outer.fields[0].type;
    const inner = siType(reg, innerId).def.asVariant.variants.find((v) => v.index.toNumber() === c);
    return { [outer.name.toString()]: { [inner.name.toString()]: renderFields(reg, inner.fields, (i) => codec.args[i], true) } };
  }
  if (d.isComposite) {
    const fields = d.asComposite.fields;
    if (fields.length === 1 && !fields[0].name.isSome) {
      // newtype: polkadot-js usually collapses it to the inner codec
      return render(reg, fields[0].type, codec);
    }
    try { return renderFields(reg, fields, fieldGetter(codec), false, codec); } catch (e) { throw new Error(`${e.message} <- ${id} ${path} ${codec?.constructor?.name}`); }
  }
  if (d.isVariant) {
    const variants = d.asVariant.variants;
    if (path === 'sp_runtime::generic::era::Era') {
      // polkadot-js decodes eras into its own ExtrinsicEra (Immortal/Mortal): read its encoding.
      const u = codec.toU8a();
      const v = variants.find((x) => x.index.toNumber() === u[0]);
      return { [v.name.toString()]: u[0] === 0 ? null : String(u[1]) };
    }
    let index, inner;
    if (path === 'Option' || (codec && isFunction(codec.isSome) === false && 'isSome' in codec && 'isNone' in codec && !('index' in codec))) {
      const v = codec.isSome ? variants.find((x) => x.name.toString() === 'Some') : variants.find((x) => x.name.toString() === 'None');
      index = v.index.toNumber();
      inner = codec.isSome ? codec.unwrap() : null;
    } else if (codec && codec.index !== undefined && codec.data !== undefined && codec.index instanceof Uint8Array) {
      // GenericEvent
      const [p, e] = codec.index;
      const outer = variants.find((v) => v.index.toNumber() === p);
      const innerId = outer.fields[0].type;
      const ev = siType(reg, innerId).def.asVariant.variants.find((v) => v.index.toNumber() === e);
      return { [outer.name.toString()]: { [ev.name.toString()]: renderFields(reg, ev.fields, (i) => codec.data[i], true) } };
    } else {
      index = codec.index;
      inner = codec.inner !== undefined ? codec.inner : codec.value;
    }
    const v = variants.find((x) => x.index.toNumber() === index);
    if (!v) throw new Error(`no variant ${index} in ${path}`);
    return { [v.name.toString()]: renderFields(reg, v.fields, fieldGetter(inner), true, inner) };
  }
  if (d.isSequence || d.isArray) {
    const elem = d.isSequence ? d.asSequence.type : d.asArray.type;
    if (isU8(reg, elem)) return u8aToHex(codec.toU8a(true));
    let items;
    if (codec instanceof Map) items = Array.from(codec.entries());
    else if (codec instanceof Set) items = Array.from(codec.values());
    else items = Array.from(codec);
    if (codec instanceof Map) {
      // BTreeMap<K, V>: a sequence of (K, V) tuples
      const tup = siType(reg, elem).def.asTuple;
      return items.map(([k, v]) => [render(reg, tup[0], k), render(reg, tup[1], v)]);
    }
    return items.map((x) => render(reg, elem, x));
  }
  if (d.isTuple) {
    const ids = d.asTuple;
    if (ids.length === 0) return [];
    if (ids.length === 1 && !Array.isArray(codec)) return [render(reg, ids[0], codec)];
    return ids.map((e, i) => render(reg, e, codec[i]));
  }
  if (d.isPrimitive) {
    const p = d.asPrimitive.type;
    if (p === 'Bool') return codec.isTrue !== undefined ? codec.isTrue : codec.valueOf();
    if (p === 'Str') return codec.toString();
    if (p === 'Char') return codec.toString();
    return codec.toBn().toString();
  }
  if (d.isCompact) {
    let inner = codec.unwrap ? codec.unwrap() : codec;
    while (inner && inner.unwrap && inner !== inner.unwrap()) inner = inner.unwrap();
    return inner.toBn().toString();
  }
  if (d.isBitSequence) return u8aToHex(codec.toU8a());
  throw new Error('unhandled type ' + id);
}

// ---- deterministic PRNG -------------------------------------------------------------
function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
// One seeded generator shared by the scripts (reproducible output).
let rnd = mulberry32(0x5eed);
export const rng = {
  seed: (s) => { rnd = mulberry32(s); },
  int: (n) => Math.floor(rnd() * n),
  bytes: (n) => Uint8Array.from({ length: n }, () => Math.floor(rnd() * 256)),
};
const ri = rng.int;
const randBytes = rng.bytes;

const WIDTH = { U8: 1, U16: 2, U32: 4, U64: 8, U128: 16, U256: 32, I8: 1, I16: 2, I32: 4, I64: 8, I128: 16, I256: 32 };

function compactWidth(reg, id) {
  const d = siType(reg, id).def;
  if (d.isPrimitive) return WIDTH[d.asPrimitive.type.toString()];
  if (d.isComposite && d.asComposite.fields.length === 1) return compactWidth(reg, d.asComposite.fields[0].type);
  return 0;
}

function randInt(width) {
  const r = rnd();
  let v;
  if (r < 0.3) v = new BN(ri(64));
  else if (r < 0.5) v = new BN(ri(1 << 14));
  else v = new BN(randBytes(Math.min(width, 1 + ri(width))), 'le');
  return v.bitLength() > 8 * width ? new BN(ri(256)) : v;
}

// Random SCALE bytes of type `id` (input generation only; polkadot-js is the reference decoder).
export function gen(reg, id, depth, out) {
  const t = siType(reg, id);
  const d = t.def;
  const last = t.path.length ? t.path[t.path.length - 1].toString() : '';
  if (d.isPrimitive) {
    const p = d.asPrimitive.type.toString();
    if (p === 'Bool') out.push(Uint8Array.of(ri(2)));
    else if (p === 'Str') { const s = 'abcdefghij'.slice(0, ri(8)); out.push(compactToU8a(s.length), new TextEncoder().encode(s)); }
    else if (p === 'Char') throw new Error('skip: char');
    else { const w = WIDTH[p]; out.push(randInt(w).toArrayLike(Uint8Array, 'le', w)); }
  } else if (d.isCompact) {
    const w = compactWidth(reg, d.asCompact.type);
    if (w) out.push(compactToU8a(randInt(w)));
  } else if (d.isSequence) {
    const elem = d.asSequence.type;
    const ed = siType(reg, elem).def;
    if (ed.isPrimitive && ed.asPrimitive.type.toString() === 'U8') { const n = ri(40); out.push(compactToU8a(n), randBytes(n)); return; }
    // BTreeMap/BTreeSet are sorted and deduplicated by polkadot-js: at most one entry.
    const n = depth > 5 ? 0 : (last === 'BTreeMap' || last === 'BTreeSet' || depth > 0 ? ri(2) : ri(3));
    out.push(compactToU8a(n));
    for (let i = 0; i < n; i++) gen(reg, elem, depth + 1, out);
  } else if (d.isArray) {
    const len = d.asArray.len.toNumber();
    const ed = siType(reg, d.asArray.type).def;
    if (ed.isPrimitive && ed.asPrimitive.type.toString() === 'U8') { out.push(randBytes(len)); return; }
    for (let i = 0; i < len; i++) gen(reg, d.asArray.type, depth + 1, out);
  } else if (d.isTuple) {
    for (const e of d.asTuple) gen(reg, e, depth + 1, out);
  } else if (d.isComposite) {
    for (const f of d.asComposite.fields) gen(reg, f.type, depth + 1, out);
  } else if (d.isVariant) {
    const vs = d.asVariant.variants;
    if (!vs.length) throw new Error('skip: empty enum');
    let v = vs[ri(vs.length)];
    if (depth > 5) v = [...vs].sort((a, b) => a.fields.length - b.fields.length)[0];
    out.push(Uint8Array.of(v.index.toNumber()));
    for (const f of v.fields) gen(reg, f.type, depth + 1, out);
  } else if (d.isBitSequence) {
    const n = ri(20);
    out.push(compactToU8a(n), randBytes(Math.ceil(n / 8)));
  } else throw new Error('skip: unknown def');
}


export function storageValueType(m, pallet, item) {
  const p = m.latest.pallets.find((x) => x.name.toString() === pallet);
  const e = p.storage.unwrap().items.find((x) => x.name.toString() === item);
  return e.type.asPlain;
}

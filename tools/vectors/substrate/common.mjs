// Shared by the vector generators: loads the committed metadata into a polkadot-js
// registry and renders polkadot-js decoded values in the canonical JSON form
// documented in chain/substrate/value.hpp. The rendering walks the *polkadot-js*
// Codec objects (decoded by polkadot-js), guided only by the type definitions.
import { readFileSync } from 'node:fs';
import { TypeRegistry, Metadata } from '@polkadot/types';
import { u8aToHex, isFunction } from '@polkadot/util';

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

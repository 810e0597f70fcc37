// Extracts the real metadata shipped in @polkadot/types-support into binary files
// ("meta" magic + version byte + RuntimeMetadataVxx), the same bytes a node returns.
// Run from the repository root: node tools/vectors/substrate/extract_metadata.mjs
import { writeFileSync } from 'node:fs';
import { hexToU8a, compactFromU8a } from '@polkadot/util';
import ksm15 from '@polkadot/types-support/metadata/v15/kusama-hex';
import ah15 from '@polkadot/types-support/metadata/v15/asset-hub-kusama-hex';
import ksm14 from '@polkadot/types-support/metadata/v14/kusama-hex';

const out = new URL('./', import.meta.url);
function strip(hex) {
  let u8 = hexToU8a(hex);
  // The V15 files hold Option<OpaqueMetadata> (Metadata_metadata_at_version's answer).
  if (u8[0] === 1 && !(u8[0] === 0x6d && u8[1] === 0x65)) {
    const [off, len] = compactFromU8a(u8.subarray(1));
    u8 = u8.subarray(1 + off, 1 + off + len.toNumber());
  }
  if (!(u8[0] === 0x6d && u8[1] === 0x65 && u8[2] === 0x74 && u8[3] === 0x61)) throw new Error('no magic');
  return u8;
}
for (const [name, hex] of [['kusama-v15', ksm15], ['asset-hub-kusama-v15', ah15], ['kusama-v14', ksm14]]) {
  const u8 = strip(hex);
  writeFileSync(new URL(`${name}.bin`, out), u8);
  console.log(name, u8.length, 'bytes, version', u8[4]);
}

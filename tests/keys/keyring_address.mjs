// The reference address of a Kusama key file's content: @polkadot/keyring's
// addFromUri, as a wallet would read the same secret.
// Usage: node keyring_address.mjs sr25519|ed25519 FILE  -> {"address", "accountId"}
import { readFileSync } from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const [type, file] = process.argv.slice(2);
await cryptoWaitReady();
const pair = new Keyring({ type, ss58Format: 2 }).addFromUri(readFileSync(file, 'utf8').trim());
console.log(JSON.stringify({ address: pair.address, accountId: u8aToHex(pair.publicKey) }));

// A claim request signed as the polkadot.js extension's signRaw signs it
// (type "bytes"): keyring pair.sign(u8aWrapBytes(message)), the message built
// from the format in docs/claims.md, independently of the daemon's code.
//   node sign_claim.mjs '{"uri": "//User", "ethAddress": "0x...", "amount": "5.5",
//                         "nonce": "...", "expiresAt": 4000000000, "chainId": 31337}'
// Prints {"body": <POST /v1/claims body>, "message": "...", "accountId": "0x..."}.
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { signedClaim } from '../support/claim_message.mjs';

const f = JSON.parse(process.argv[2]);
await cryptoWaitReady();
const scheme = f.scheme ?? 'sr25519';
const pair = new Keyring({ type: scheme, ss58Format: 2 }).addFromUri(f.uri);
const { body, message } = signedClaim(pair, scheme, f);
console.log(JSON.stringify({ body, message, accountId: u8aToHex(pair.publicKey) }));

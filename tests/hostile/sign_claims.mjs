// Many claim requests of one account, each signed as the polkadot.js
// extension's signRaw signs it (the format of docs/claims.md, as
// tests/stake_flow/sign_claim.mjs), for the normal client of the load test.
//   node sign_claims.mjs '{"uri": "//User", "ethAddress": "0x...", "amount": "0.01",
//                          "count": 20, "prefix": "n", "expiresAt": 4000000000, "chainId": 31337}'
// Prints {"address": "<ss58>", "bodies": [<POST /v1/claims body>, ...]}.
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { signedClaim } from '../support/claim_message.mjs';

const f = JSON.parse(process.argv[2]);
await cryptoWaitReady();
const pair = new Keyring({ type: 'sr25519', ss58Format: 2 }).addFromUri(f.uri);
const bodies = [];
for (let i = 0; i < f.count; i++)
  bodies.push(signedClaim(pair, 'sr25519', { ...f, nonce: `${f.prefix}-${i}` }).body);
console.log(JSON.stringify({ address: pair.address, bodies }));

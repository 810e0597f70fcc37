// Many claim requests of one account, each signed as the polkadot.js
// extension's signRaw signs it (the format of docs/claims.md, as
// tests/stake_flow/sign_claim.mjs), for the normal client of the load test.
//   node sign_claims.mjs '{"uri": "//User", "ethAddress": "0x...", "amount": "0.01",
//                          "count": 20, "prefix": "n", "expiresAt": 4000000000, "chainId": 31337}'
// Prints {"address": "<ss58>", "bodies": [<POST /v1/claims body>, ...]}.
import { Keyring } from '@polkadot/keyring';
import { u8aWrapBytes, stringToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, ethereumEncode } from '@polkadot/util-crypto';

const f = JSON.parse(process.argv[2]);
await cryptoWaitReady();
const pair = new Keyring({ type: 'sr25519', ss58Format: 2 }).addFromUri(f.uri);
const ethAddress = ethereumEncode(f.ethAddress);
const iso = new Date(f.expiresAt * 1000).toISOString().replace('.000Z', 'Z');
const bodies = [];
for (let i = 0; i < f.count; i++) {
  const nonce = `${f.prefix}-${i}`;
  const message = [
    'lstaked: claim aKSMb for staked KSM',
    `Kusama account: ${pair.address}`,
    `Ethereum recipient: ${ethAddress}`,
    `Amount: ${f.amount} KSM`,
    `Ethereum chain id: ${f.chainId}`,
    `Nonce: ${nonce}`,
    `Expires: ${iso} (${f.expiresAt})`,
  ].join('\n');
  const signature = u8aToHex(pair.sign(u8aWrapBytes(stringToU8a(message))));
  bodies.push({ address: pair.address, ethAddress, amount: f.amount, nonce, expiresAt: f.expiresAt,
                scheme: 'sr25519', signature });
}
console.log(JSON.stringify({ address: pair.address, bodies }));

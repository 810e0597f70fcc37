// A claim request signed as the polkadot.js extension's signRaw signs it
// (type "bytes"): keyring pair.sign(u8aWrapBytes(message)), the message built
// from the format in docs/claims.md, independently of the daemon's code.
//   node sign_claim.mjs '{"uri": "//User", "ethAddress": "0x...", "amount": "5.5",
//                         "nonce": "...", "expiresAt": 4000000000, "chainId": 31337}'
// Prints {"body": <POST /v1/claims body>, "message": "...", "accountId": "0x..."}.
import { Keyring } from '@polkadot/keyring';
import { u8aWrapBytes, stringToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, ethereumEncode } from '@polkadot/util-crypto';

const f = JSON.parse(process.argv[2]);
await cryptoWaitReady();
const scheme = f.scheme ?? 'sr25519';
const pair = new Keyring({ type: scheme, ss58Format: 2 }).addFromUri(f.uri);
const ethAddress = ethereumEncode(f.ethAddress);
const iso = new Date(f.expiresAt * 1000).toISOString().replace('.000Z', 'Z');
const message = [
  'lstaked: claim aKSMb for staked KSM',
  `Kusama account: ${pair.address}`,
  `Ethereum recipient: ${ethAddress}`,
  `Amount: ${f.amount} KSM`,
  `Ethereum chain id: ${f.chainId}`,
  `Nonce: ${f.nonce}`,
  `Expires: ${iso} (${f.expiresAt})`,
].join('\n');
const signature = u8aToHex(pair.sign(u8aWrapBytes(stringToU8a(message))));
console.log(JSON.stringify({
  body: { address: pair.address, ethAddress, amount: f.amount, nonce: f.nonce, expiresAt: f.expiresAt, scheme, signature },
  message, accountId: u8aToHex(pair.publicKey),
}));

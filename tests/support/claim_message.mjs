// The claim request a wallet signs (docs/claims.md), built with the reference
// libraries and independently of the daemon's code, for every test script and
// tool that plays a user: signed as the polkadot.js extension's signRaw signs
// (type "bytes": pair.sign(u8aWrapBytes(message))).
import { u8aWrapBytes, stringToU8a, u8aToHex } from '@polkadot/util';
import { ethereumEncode } from '@polkadot/util-crypto';

/// The text of a claim request of `pair` (a keyring pair).
export function claimMessage(pair, { ethAddress, amount, chainId, nonce, expiresAt }) {
  const iso = new Date(expiresAt * 1000).toISOString().replace('.000Z', 'Z');
  return [
    'lstaked: claim aKSMb for staked KSM',
    `Kusama account: ${pair.address}`,
    `Ethereum recipient: ${ethereumEncode(ethAddress)}`,
    `Amount: ${amount} KSM`,
    `Ethereum chain id: ${chainId}`,
    `Nonce: ${nonce}`,
    `Expires: ${iso} (${expiresAt})`,
  ].join('\n');
}

/// The POST /v1/claims body for that request, and the message it signs.
export function signedClaim(pair, scheme, f) {
  const message = claimMessage(pair, f);
  const signature = u8aToHex(pair.sign(u8aWrapBytes(stringToU8a(message))));
  return {
    message,
    body: { address: pair.address, ethAddress: ethereumEncode(f.ethAddress), amount: f.amount,
      nonce: f.nonce, expiresAt: f.expiresAt, scheme, signature },
  };
}

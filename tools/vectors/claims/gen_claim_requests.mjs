// Claim requests signed the way the polkadot.js extension's signRaw signs:
// keyring pair.sign(u8aWrapBytes(message)). The message is built here from the
// format documented in docs/claims.md, independently of the daemon's code.
//   node tools/vectors/claims/gen_claim_requests.mjs > tools/vectors/claims/claim_requests.json
import { Keyring } from '@polkadot/keyring';
import { u8aWrapBytes, stringToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, ethereumEncode } from '@polkadot/util-crypto';

await cryptoWaitReady();

const CHAIN_ID = 31337;
const FAR = 4000000000;  // 2096-10-02: the tests configure a TTL that reaches it
const PAST = 1700000000; // 2023-11-14: always expired
const ETH = ethereumEncode('0x70997970c51812dc3a010c7d01b50e0d17dc79c8'); // anvil account #1

function message(f) {
  const iso = new Date(f.expiresAt * 1000).toISOString().replace('.000Z', 'Z');
  return [
    'lstaked: claim aKSMb for staked KSM',
    `Kusama account: ${f.address}`,
    `Ethereum recipient: ${f.ethAddress}`,
    `Amount: ${f.amount} KSM`,
    `Ethereum chain id: ${CHAIN_ID}`,
    `Nonce: ${f.nonce}`,
    `Expires: ${iso} (${f.expiresAt})`,
  ].join('\n');
}

function pairOf(type, uri) {
  return new Keyring({ type, ss58Format: 2 }).addFromUri(uri);
}

function request(name, expect, scheme, signerUri, fields, tamper) {
  const pair = pairOf(scheme, signerUri);
  const f = { ethAddress: ETH, expiresAt: FAR, ...fields };
  f.address = f.address ?? pair.address;
  const signed = message(f);
  const signature = u8aToHex(pair.sign(u8aWrapBytes(stringToU8a(signed))));
  const body = { address: f.address, ethAddress: f.ethAddress, amount: f.amount, nonce: f.nonce,
                 expiresAt: f.expiresAt, scheme, signature, ...(tamper ?? {}) };
  return { name, expect, scheme, accountId: u8aToHex(new Keyring({ type: scheme }).decodeAddress(f.address)),
           message: signed, body };
}

const alice = (t) => pairOf(t, '//Alice').address;
const out = {
  generatedBy: 'node tools/vectors/claims/gen_claim_requests.mjs (@polkadot/keyring 14.0.3)',
  chainId: CHAIN_ID,
  ethAddress: ETH,
  requests: [
    request('sr25519_valid', 'signed', 'sr25519', '//Alice', { amount: '12.1234', nonce: 'nonce-sr-0001' }),
    request('sr25519_valid_small', 'signed', 'sr25519', '//Alice', { amount: '0.000000000001', nonce: 'nonce-sr-0002' }),
    request('ed25519_valid', 'signed', 'ed25519', '//Alice', { amount: '1', nonce: 'nonce-ed-0001' }),
    request('ecdsa_valid', 'signed', 'ecdsa', '//Alice', { amount: '0.5', nonce: 'nonce-ec-0001' }),
    // Same nonce as sr25519_valid, another amount: a different request reusing a nonce.
    request('sr25519_nonce_reused', 'nonce_reused', 'sr25519', '//Alice', { amount: '2', nonce: 'nonce-sr-0001' }),
    request('sr25519_above_claimable', 'amount_exceeds_claimable', 'sr25519', '//Alice', { amount: '1000000', nonce: 'nonce-sr-0003' }),
    request('sr25519_expired', 'request_expired', 'sr25519', '//Alice', { amount: '1', nonce: 'nonce-sr-0004', expiresAt: PAST }),
    // Signed for 12.1234, sent as 13: the message no longer matches.
    request('sr25519_tampered_amount', 'bad_signature', 'sr25519', '//Alice', { amount: '12.1234', nonce: 'nonce-sr-0005' }, { amount: '13' }),
    // Signed for one recipient, sent with another.
    request('sr25519_tampered_recipient', 'bad_signature', 'sr25519', '//Alice', { amount: '1', nonce: 'nonce-sr-0006' },
            { ethAddress: ethereumEncode('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc') }),
    // Bob signs a request naming Alice's account.
    request('sr25519_wrong_signer', 'bad_signature', 'sr25519', '//Bob', { amount: '1', nonce: 'nonce-sr-0007', address: alice('sr25519') }),
    // An sr25519 signature presented as ed25519.
    request('sr25519_as_ed25519', 'bad_signature', 'sr25519', '//Alice', { amount: '1', nonce: 'nonce-sr-0008' }, { scheme: 'ed25519' }),
  ],
};
console.log(JSON.stringify(out, null, 1));

// The chaos driver's Kusama users and its Kusama-side checks, with the real
// @polkadot/api and keyring (never the daemon's code). One process per batch of
// users, because starting node + @polkadot/api costs about a second.
//
//   node kusama_users.mjs deposit NODE_URL DEPOSIT_SS58 FILE
//     FILE: [{"uri": "//chaos//7", "planck": "12000000000000", "kind": "plain"|"batch"|"proxy"}]
//     Funds each user (dev_setBalance: deposit + 10 KSM for fees and the proxy
//     deposit), then sends its deposit: transferKeepAlive, utility.batchAll of two
//     transfers (the amount split), or through an Any proxy (<uri>//proxy): the
//     user's addProxy is sealed in a block first, then proxy.proxy(user, transfer).
//     Prints [{"uri", "address", "accountId", "hash"}] (hash: the deposit extrinsic's).
//   node kusama_users.mjs sign FILE
//     FILE: [{"uri", "ethAddress", "amount", "nonce", "expiresAt", "chainId"}]
//     Prints [{"body": <POST /v1/claims body>}], signed as the extension's signRaw
//     signs (the message format of docs/claims.md, built here independently).
//   node kusama_users.mjs transfers NODE_URL DEPOSIT_SS58 FROM TO
//     Every Balances.Transfer from or to the deposit account in blocks [FROM, TO]:
//     {"transfers": [{"from", "to", "amount", "block", "blockHash", "extrinsic", "event"}]}.
import { readFileSync } from 'node:fs';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, decodeAddress } from '@polkadot/util-crypto';
import { signedClaim } from '../../tests/support/claim_message.mjs';
import { rpcClient, connect, KSM } from '../kusama-node/test-support/helpers.js';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'sign') {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 2 });
  const out = JSON.parse(readFileSync(args[0], 'utf8')).map((f) => {
    const pair = keyring.addFromUri(f.uri);
    return { body: signedClaim(pair, 'sr25519', f).body };
  });
  console.log(JSON.stringify(out));
  process.exit(0);
}

const [url, depositText] = args;
const rpc = rpcClient(url);
const { api, keyring } = await connect(url);

if (mode === 'deposit') {
  const users = JSON.parse(readFileSync(args[2], 'utf8'));
  const pairs = users.map((u) => keyring.addFromUri(u.uri));
  const proxies = users.map((u) => (u.kind === 'proxy' ? keyring.addFromUri(`${u.uri}//proxy`) : null));
  for (let i = 0; i < users.length; i += 1) {
    await rpc('dev_setBalance', pairs[i].address, (BigInt(users[i].planck) + 10n * KSM).toString());
    if (proxies[i]) await rpc('dev_setBalance', proxies[i].address, (1n * KSM).toString());
  }
  // Proxies first: the user's addProxy must be in a block before the proxy acts.
  let anyProxy = false;
  for (let i = 0; i < users.length; i += 1) {
    if (!proxies[i]) continue;
    await api.tx.proxy.addProxy(proxies[i].address, 'Any', 0).signAndSend(pairs[i], { nonce: -1 });
    anyProxy = true;
  }
  if (anyProxy) await rpc('dev_newBlocks', 1);
  const out = [];
  for (let i = 0; i < users.length; i += 1) {
    const u = users[i];
    const amount = BigInt(u.planck);
    let tx;
    let signer = pairs[i];
    if (u.kind === 'batch') {
      const half = amount / 2n;
      tx = api.tx.utility.batchAll([api.tx.balances.transferKeepAlive(depositText, half),
        api.tx.balances.transferKeepAlive(depositText, amount - half)]);
    } else if (u.kind === 'proxy') {
      tx = api.tx.proxy.proxy(pairs[i].address, null, api.tx.balances.transferKeepAlive(depositText, amount));
      signer = proxies[i];
    } else {
      tx = api.tx.balances.transferKeepAlive(depositText, amount);
    }
    await tx.signAndSend(signer, { nonce: -1 });
    out.push({ uri: u.uri, address: pairs[i].address, accountId: u8aToHex(pairs[i].publicKey), hash: tx.hash.toHex() });
  }
  console.log(JSON.stringify(out));
} else if (mode === 'transfers') {
  const deposit = u8aToHex(decodeAddress(depositText));
  const transfers = [];
  for (let n = Number(args[2]); n <= Number(args[3]); n += 1) {
    const hash = await api.rpc.chain.getBlockHash(n);
    const events = await (await api.at(hash)).query.system.events();
    events.forEach(({ event, phase }, index) => {
      if (event.section !== 'balances' || event.method !== 'Transfer') return;
      const from = u8aToHex(event.data[0].toU8a());
      const to = u8aToHex(event.data[1].toU8a());
      if (from !== deposit && to !== deposit) return;
      transfers.push({ from, to, amount: event.data[2].toBigInt().toString(), block: n, blockHash: hash.toHex(),
        extrinsic: phase.isApplyExtrinsic ? phase.asApplyExtrinsic.toNumber() : -1, event: index });
    });
  }
  console.log(JSON.stringify({ transfers }));
} else {
  throw new Error(`unknown mode ${mode}`);
}
await api.disconnect();

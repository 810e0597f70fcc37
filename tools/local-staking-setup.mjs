// tools/run-local's on-chain set-up for the operator (public dev keys only):
// //Alice funds the pool's stashes and their hot key with 10 KSM each, and
// //lstaked//stash2 names //lstaked//hot its Staking proxy, so the daemon
// drives stash1 with its own key and stash2 through the proxy. Prints the
// SS58 addresses as TOML-ready JSON: {stash1, stash2, hot, validators: [...]}.
// Usage: node tools/local-staking-setup.mjs http://127.0.0.1:PORT
import { rpcClient, connect, KSM } from './kusama-node/test-support/helpers.js';

const url = process.argv[2];
const rpc = rpcClient(url);
const { api, keyring, dev } = await connect(url);
const stash1 = keyring.addFromUri('//lstaked//stash1');
const stash2 = keyring.addFromUri('//lstaked//stash2');
const hot = keyring.addFromUri('//lstaked//hot');
for (const to of [stash1, stash2, hot]) {
  await api.tx.balances.transferKeepAlive(to.address, 10n * KSM).signAndSend(dev.alice, { nonce: -1 });
}
await rpc('dev_newBlocks', 1);
await api.tx.proxy.addProxy(hot.address, 'Staking', 0).signAndSend(stash2, { nonce: -1 });
await rpc('dev_newBlocks', 1);
const validators = (await rpc('dev_info')).validators.map((v) => v.address);
console.log(JSON.stringify({ stash1: stash1.address, stash2: stash2.address, hot: hot.address, validators }));
await api.disconnect();

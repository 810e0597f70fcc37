// The chain state the bond manager test starts from, made with the real
// @polkadot/api: //Ferdie is the deposit account (its genesis million set to
// 1 KSM, then //Alice deposits 2,500 KSM), //Eve a stash driven by its own key
// (1 KSM), //Charlie a stash driven through a Staking proxy //Ferdie//hot
// (1 KSM; the hot key holds 10 KSM for fees). Validators: //Bob//stash blocks
// nominations, //Charlie//stash is slashed (10 %) and validates again.
// Prints {deposit_block, hot, slash_era}.
// Usage: node operator_setup.mjs http://127.0.0.1:PORT
import { api, keyring, dev, rpc, KSM } from '../kusama_watcher/dev.mjs';
import { u8aToHex } from '@polkadot/util';

const hot = keyring.addFromUri('//Ferdie//hot');
async function seal(...txs) {
  for (const [tx, who] of txs) await tx.signAndSend(who, { nonce: -1 });
  const block = await rpc('dev_newBlocks', 1);
  const events = await (await api.at(block.hash)).query.system.events();
  const failed = events.filter((r) => api.events.system.ExtrinsicFailed.is(r.event));
  if (failed.length) throw new Error(`block ${block.number}: ${failed.map((f) => f.event.data.toString()).join('; ')}`);
  return block;
}

await seal([api.tx.proxy.addProxy(hot.address, 'Staking', 0), dev.charlie],
  [api.tx.staking.validate({ commission: 10_000_000, blocked: true }), dev.bobStash]);
await rpc('dev_setBalance', dev.ferdie.address, (1n * KSM).toString());
await rpc('dev_setBalance', dev.eve.address, (1n * KSM).toString());
await rpc('dev_setBalance', dev.charlie.address, (1n * KSM).toString());
await rpc('dev_setBalance', hot.address, (10n * KSM).toString());
const { number: slashBlock } = await rpc('dev_slash', dev.charlieStash.address, 100_000_000);
const slashEra = (await api.query.staking.activeEra()).unwrap().index.toNumber();
await seal([api.tx.staking.validate({ commission: 50_000_000, blocked: false }), dev.charlieStash]);
const deposit = await seal([api.tx.balances.transferKeepAlive(dev.ferdie.address, 2500n * KSM), dev.alice]);
console.log(JSON.stringify({ deposit_block: deposit.number, slash_block: slashBlock, slash_era: slashEra,
  hot: u8aToHex(hot.publicKey) }));
await api.disconnect();

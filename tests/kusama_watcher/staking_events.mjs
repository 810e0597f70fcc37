// Drives the local node's staking simulation with the real @polkadot/api so the
// pool's accounts get every kind of staking event: //Eve (a pool stash) bonds,
// nominates //Alice//stash, is paid (Rewarded), unbonds, is slashed with its
// validator and withdraws; //Ferdie (the deposit account) bonds too. Then it
// reads System.Events of every block with polkadot-js and prints one JSON line:
// {eve, ferdie, head, events: [{block, hash, eventIndex, extrinsicIndex|null,
//   kind, account, amount}]} for the Staking events of Eve and Ferdie.
// Usage: node staking_events.mjs http://127.0.0.1:PORT (node started with
// --era-blocks 5 --bonding-duration 1).
import { api, keyring, dev, rpc, KSM } from './dev.mjs';
import { u8aToHex } from '@polkadot/util';
const eve = dev.eve;
const ferdie = dev.ferdie;
const bob = dev.bob;
const validators = (await rpc('dev_info')).validators.map((v) => v.address);
async function seal(...txs) {
  for (const [tx, who] of txs) await tx.signAndSend(who);
  return rpc('dev_newBlocks', 1);
}

await seal([api.tx.staking.bond(1000n * KSM, 'Staked'), eve], [api.tx.staking.bond(100n * KSM, 'Stash'), ferdie]);
await seal([api.tx.staking.nominate([validators[0]]), eve]);
const { era } = await rpc('dev_nextEra', 1);  // Eve exposed on validators[0] in `era`
await rpc('dev_nextEra', 1);
await seal([api.tx.staking.payoutStakers(validators[0], era), bob]);
await seal([api.tx.staking.unbond(100n * KSM), eve]);
await rpc('dev_slash', validators[0], 100_000_000); // 10 %
await rpc('dev_newBlocks', 1);
await rpc('dev_nextEra', 3);
await seal([api.tx.staking.withdrawUnbonded(0), eve]);

const watched = new Set([eve.address, ferdie.address]);
const head = (await api.rpc.chain.getHeader()).number.toNumber();
const events = [];
for (let n = 1; n <= head; n++) {
  const hash = await api.rpc.chain.getBlockHash(n);
  const records = await (await api.at(hash)).query.system.events();
  records.forEach((r, index) => {
    const { section, method, data } = r.event;
    if (section !== 'staking' || !['Bonded', 'Unbonded', 'Withdrawn', 'Rewarded', 'Slashed'].includes(method)) return;
    const who = (data.stash ?? data.staker).toString();
    if (!watched.has(who)) return;
    events.push({ block: n, hash: hash.toHex(), eventIndex: index,
      extrinsicIndex: r.phase.isApplyExtrinsic ? r.phase.asApplyExtrinsic.toNumber() : null,
      kind: method, account: u8aToHex(keyring.decodeAddress(who)), amount: data.amount.toBigInt().toString() });
  });
}
console.log(JSON.stringify({ eve: u8aToHex(eve.publicKey), ferdie: u8aToHex(ferdie.publicKey), head, events }));
await api.disconnect();

// The independent reference for the bond manager test, read with the real
// @polkadot/api at the best block: for each given stash its ledger (total,
// active), nominations, and the sum of its Staking.Rewarded and Staking.Bonded
// events over all blocks; ClaimedRewards of every (era, validator) the stash
// was exposed to. Prints {stashes: {hex: {total, active, targets, rewarded,
// bonded, exposed: [{era, validator, claimed}]}}, activeEra, head}.
// Usage: node staking_facts.mjs http://127.0.0.1:PORT 0xSTASH...
import { api } from '../kusama_watcher/dev.mjs';
import { u8aToHex } from '@polkadot/util';

const stashes = process.argv.slice(3);
const head = (await api.rpc.chain.getHeader()).number.toNumber();
const activeEra = (await api.query.staking.activeEra()).unwrap().index.toNumber();
const out = {};
for (const s of stashes) out[s] = { rewarded: 0n, bonded: 0n, slashed: 0n, exposed: [] };
for (let n = 1; n <= head; n++) {
  const hash = await api.rpc.chain.getBlockHash(n);
  for (const { event } of await (await api.at(hash)).query.system.events()) {
    if (event.section !== 'staking') continue;
    const who = event.data[0] && u8aToHex(event.data[0].toU8a().slice(-32));
    if (!out[who]) continue;
    if (event.method === 'Rewarded') out[who].rewarded += event.data.amount.toBigInt();
    if (event.method === 'Bonded') out[who].bonded += event.data.amount.toBigInt();
    if (event.method === 'Slashed') out[who].slashed += event.data.amount.toBigInt();
  }
}
for (const s of stashes) {
  const l = await api.query.staking.ledger(s);
  out[s].total = l.isSome ? l.unwrap().total.toBigInt().toString() : '0';
  out[s].active = l.isSome ? l.unwrap().active.toBigInt().toString() : '0';
  const noms = await api.query.staking.nominators(s);
  out[s].targets = noms.isSome ? noms.unwrap().targets.map((t) => u8aToHex(t.toU8a())) : [];
  for (let era = Math.max(0, activeEra - 84); era < activeEra; era++) {
    for (const v of out[s].targets) {
      const page = await api.query.staking.erasStakersPaged(era, v, 0);
      if (page.isNone) continue;
      if (!page.unwrap().others.some((o) => u8aToHex(o.who.toU8a()) === s)) continue;
      const claimed = (await api.query.staking.claimedRewards(era, v)).map((p) => p.toNumber());
      out[s].exposed.push({ era, validator: v, claimed: claimed.includes(0) });
    }
  }
  for (const k of ['rewarded', 'bonded', 'slashed']) out[s][k] = out[s][k].toString();
}
console.log(JSON.stringify({ stashes: out, activeEra, head }));
await api.disconnect();

// Builds a staking state on the local node with the real @polkadot/api, then
// prints what polkadot-js itself reads at one block, as the reference for
// kusama_staking's read_snapshot (tests/bond_manager/kusama_staking_node_test.cpp).
//
// The state: //Eve and //Ferdie (pool stashes) bond and nominate; eras pass;
// one era is paid out for one validator; //Eve unbonds a part; //Bob//stash
// blocks new nominations; //Dave//stash is slashed (and chilled); proxies of
// several types (one delayed) are added. //Charlie is a stash without a ledger.
//
// Output (last line, JSON): {at, number, accounts, stashes, candidates, lookback,
//   facts: {...}, expected: {timestampMs, consts, minNominatorBond, activeEra,
//   currentEra, balances, ledgers, nominations, validators, lastSlashEra,
//   exposures, proxies}} with amounts as decimal strings and accounts as 0x hex.
// Usage: node staking_state.mjs http://127.0.0.1:PORT (node started with
// --block-ms 0 --era-blocks 5 --finality-lag 0).
import { api, keyring, dev, rpc, KSM } from '../kusama_watcher/dev.mjs';
import { u8aToHex } from '@polkadot/util';

const hex = (pair) => u8aToHex(pair.publicKey);
const LOOKBACK = 28;

async function seal(...txs) {
  // Nonces from the pool: several transactions of one sender in one block.
  for (const [tx, who] of txs) await tx.signAndSend(who, { nonce: -1 });
  return rpc('dev_newBlocks', 1);
}
async function ok(block) {
  // Every extrinsic of the block succeeded (the script's setup is not silently wrong).
  const events = await (await api.at(block.hash)).query.system.events();
  const failed = events.filter((r) => r.event.section === 'system' && r.event.method === 'ExtrinsicFailed');
  if (failed.length) throw new Error(`block ${block.number}: ${failed.map((f) => f.event.data.toString()).join('; ')}`);
  return block;
}

const v = [dev.aliceStash, dev.bobStash, dev.charlieStash, dev.daveStash];
const [v0, v1, v2, v3] = v.map((p) => p.address);
const { eve, ferdie, charlie, bob, dave, alice } = dev;

await ok(await seal([api.tx.staking.bond(1000n * KSM, 'Staked'), eve], [api.tx.staking.bond(500n * KSM, 'Staked'), ferdie]));
await ok(await seal([api.tx.staking.nominate([v0, v1]), eve], [api.tx.staking.nominate([v1, v2, v3]), ferdie]));
const { era: exposedEra } = await rpc('dev_nextEra', 1); // both stashes exposed from here on
await rpc('dev_nextEra', 1);                              // exposedEra has ended
await ok(await seal([api.tx.staking.payoutStakers(v1, exposedEra), bob]));
await ok(await seal([api.tx.staking.unbond(100n * KSM), eve],
  [api.tx.staking.validate({ commission: 20_000_000, blocked: true }), dev.bobStash]));
const slashed = await rpc('dev_slash', v3, 100_000_000); // 10 % of its active-era exposure
await ok(await seal(
  [api.tx.proxy.addProxy(charlie.address, 'Staking', 0), eve],
  [api.tx.proxy.addProxy(dave.address, 'NonTransfer', 0), eve],
  [api.tx.proxy.addProxy(bob.address, 'Governance', 0), eve],
  [api.tx.proxy.addProxy(dave.address, 'Any', 0), ferdie],
  [api.tx.proxy.addProxy(alice.address, 'Staking', 10), ferdie], // delayed: cannot act at once
  [api.tx.proxy.addProxy(charlie.address, 'CancelProxy', 0), ferdie],
));
await rpc('dev_nextEra', 1);
const head = await rpc('dev_newBlocks', 1);

// ---- polkadot-js's reads at `head` ------------------------------------------------
const at = await api.at(head.hash);
const nobody = keyring.addFromUri('//NeverFunded');
const stashes = [eve, ferdie, charlie].map(hex);
const accounts = [eve, ferdie, charlie, alice, nobody].map(hex);
const candidates = [...v.map(hex), hex(eve)]; // Eve is no validator
const str = (x) => x.toBigInt().toString();

const consts = {
  existentialDeposit: str(api.consts.balances.existentialDeposit),
  historyDepth: api.consts.staking.historyDepth.toNumber(),
  bondingDuration: api.consts.staking.bondingDuration.toNumber(),
  maxUnlockingChunks: api.consts.staking.maxUnlockingChunks.toNumber(),
  // Not a metadata constant on current runtimes: null where polkadot-js has none.
  maxNominations: api.consts.staking.maxNominations?.toNumber()
    ?? api.consts.electionProviderMultiPhase?.minerMaxVotesPerVoter?.toNumber() ?? null,
};
const activeEraOpt = await at.query.staking.activeEra();
const currentEraOpt = await at.query.staking.currentEra();
const activeEra = activeEraOpt.isSome ? activeEraOpt.unwrap().index.toNumber() : null;
const expected = {
  timestampMs: (await at.query.timestamp.now()).toNumber(),
  consts,
  minNominatorBond: str(await at.query.staking.minNominatorBond()),
  activeEra,
  currentEra: currentEraOpt.isSome ? currentEraOpt.unwrap().toNumber() : null,
  balances: {}, ledgers: {}, nominations: {}, validators: {}, lastSlashEra: {}, exposures: [], proxies: {},
};
for (const a of accounts) {
  const { nonce, data } = await at.query.system.account(a);
  expected.balances[a] = { free: str(data.free), reserved: str(data.reserved), frozen: str(data.frozen), nonce: nonce.toNumber() };
}
for (const s of stashes) {
  const controller = await at.query.staking.bonded(s);
  if (controller.isSome) {
    const l = (await at.query.staking.ledger(controller.unwrap())).unwrap();
    expected.ledgers[s] = { stash: l.stash.toHex(), total: str(l.total.unwrap()), active: str(l.active.unwrap()),
      unlocking: l.unlocking.map((c) => ({ value: str(c.value.unwrap()), era: c.era.unwrap().toNumber() })) };
  }
  const n = await at.query.staking.nominators(s);
  if (n.isSome) expected.nominations[s] = n.unwrap().targets.map((t) => t.toHex());
  const [defs] = await at.query.proxy.proxies(s);
  const delegates = defs.filter((d) => ['Staking', 'NonTransfer', 'Any'].includes(d.proxyType.type) && d.delay.toNumber() === 0)
    .map((d) => d.delegate.toHex());
  if (delegates.length) expected.proxies[s] = [...new Set(delegates)];
}
// Validators is a ValueQuery: the existing keys say who is one.
const validatorKeys = new Set((await at.query.staking.validators.keys()).map((k) => k.args[0].toHex()));
for (const c of candidates) {
  if (!validatorKeys.has(c)) continue;
  const p = await at.query.staking.validators(c);
  expected.validators[c] = { commission: p.commission.unwrap().toNumber(), blocked: p.blocked.isTrue };
}
for (const c of candidates) {
  for (let era = Math.max(0, activeEra - LOOKBACK); era <= activeEra; era += 1) {
    if ((await at.query.staking.validatorSlashInEra(era, c)).isSome) expected.lastSlashEra[c] = era;
  }
}
// Exposures: eras [active - HistoryDepth + 1, active - 1], validators nominated now or candidates.
const exposed = new Set(candidates);
for (const targets of Object.values(expected.nominations)) targets.forEach((t) => exposed.add(t));
for (let era = Math.max(0, activeEra - consts.historyDepth + 1); era < activeEra; era += 1) {
  for (const val of [...exposed].sort()) {
    const ov = await at.query.staking.erasStakersOverview(era, val);
    if (ov.isNone) continue;
    const claimed = (await at.query.staking.claimedRewards(era, val)).map((p) => p.toNumber());
    for (let page = 0; page < ov.unwrap().pageCount.toNumber(); page += 1) {
      const paged = (await at.query.staking.erasStakersPaged(era, val, page)).unwrap();
      for (const s of stashes) {
        for (const o of paged.others) {
          if (o.who.toHex() !== s) continue;
          expected.exposures.push({ era, validator: val, page, value: str(o.value.unwrap()), claimed: claimed.includes(page) });
        }
      }
    }
  }
}

console.log(JSON.stringify({
  at: head.hash, number: head.number, accounts, stashes, candidates, lookback: LOOKBACK,
  facts: { exposedEra, paidValidator: hex(dev.bobStash), slashedValidator: hex(dev.daveStash),
    blockedValidator: hex(dev.bobStash), slashed: slashed.slashed },
  expected,
}));
await api.disconnect();

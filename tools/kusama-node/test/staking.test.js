// Staking across eras through the real @polkadot/api client, both metadata variants:
// bond, nominate, exposures, era rewards, payout_stakers, unbond/rebond/withdraw after the
// bonding duration, a slash, and a Staking proxy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startNode, connect, sendAndSeal, names, KSM } from '../test-support/helpers.js';

for (const metadata of ['kusama', 'asset-hub']) {
  describe(`staking (${metadata})`, () => {
    let node; let api; let dev; let validators;
    const send = (tx, who) => sendAndSeal(api, node.rpc, tx, who);
    const ledger = async (who, at) => (await (at ? await api.at(at) : api).query.staking.ledger(who)).unwrap();
    before(async () => {
      node = await startNode(['--block-ms', '0', '--metadata', metadata, '--era-blocks', '10', '--bonding-duration', '2']);
      ({ api, dev } = await connect(node.url));
      validators = (await node.rpc('dev_info')).validators.map((v) => v.address);
    });
    after(async () => { await api?.disconnect(); await node?.stop(); });

    it('bond puts the amount under a hold and writes Ledger/Bonded/Payee', async () => {
      const r = await send(api.tx.staking.bond(1000n * KSM, 'Staked'), dev.alice);
      assert.deepEqual(names(r.byIndex[1]), ['balances.Withdraw', 'staking.Bonded', 'transactionPayment.TransactionFeePaid', 'system.ExtrinsicSuccess']);
      const l = await ledger(dev.alice.address);
      assert.equal(l.stash.toString(), dev.alice.address);
      assert.equal(l.total.toBigInt(), 1000n * KSM);
      assert.equal(l.active.toBigInt(), 1000n * KSM);
      assert.equal((await api.query.staking.bonded(dev.alice.address)).unwrap().toString(), dev.alice.address);
      assert.ok((await api.query.staking.payee(dev.alice.address)).unwrap().isStaked);
      const acc = await api.query.system.account(dev.alice.address);
      assert.equal(acc.data.reserved.toBigInt(), 1000n * KSM);
      const holds = await api.query.balances.holds(dev.alice.address);
      assert.equal(holds[0].amount.toBigInt(), 1000n * KSM);
      const again = await send(api.tx.staking.bond(KSM, 'Staked'), dev.alice);
      const err = api.registry.findMetaError(again.byIndex[1].at(-1).data[0].asModule);
      assert.equal(`${err.section}.${err.name}`, 'staking.AlreadyBonded');
    });

    it('nominate, then the next era exposes the nominator on its validators', async () => {
      await send(api.tx.staking.nominate(validators.slice(0, 2)), dev.alice);
      const nom = (await api.query.staking.nominators(dev.alice.address)).unwrap();
      assert.deepEqual(nom.targets.map((t) => t.toString()), validators.slice(0, 2));
      const { era } = await node.rpc('dev_nextEra', 1);
      assert.equal((await api.query.staking.activeEra()).unwrap().index.toNumber(), era);
      assert.equal((await api.query.staking.currentEra()).unwrap().toNumber(), era);
      const ov = (await api.query.staking.erasStakersOverview(era, validators[0])).unwrap();
      assert.equal(ov.nominatorCount.toNumber(), 1);
      const page = (await api.query.staking.erasStakersPaged(era, validators[0], 0)).unwrap();
      assert.equal(page.others[0].who.toString(), dev.alice.address);
      assert.equal(page.others[0].value.toBigInt() * 2n, 1000n * KSM);
    });

    it('era reward follows the annual rate and payout_stakers pays validator and nominator once', async () => {
      const { era } = await node.rpc('dev_nextEra', 1);
      const paid = era - 1;
      const reward = (await api.query.staking.erasValidatorReward(paid)).unwrap().toBigInt();
      const total = (await api.query.staking.erasTotalStake(paid)).toBigInt();
      const eraMs = 10n * 6000n; // --era-blocks 10, 6 s slots
      assert.equal(reward, (total * 1500n * eraMs) / (10_000n * 31_557_600_000n));
      const points = await api.query.staking.erasRewardPoints(paid);
      assert.ok(points.total.toNumber() > 0);
      const before = (await ledger(dev.alice.address)).active.toBigInt();
      const r = await send(api.tx.staking.payoutStakers(validators[0], paid), dev.bob);
      const evs = names(r.byIndex[1]);
      assert.deepEqual(evs.slice(0, 2), ['balances.Withdraw', 'staking.PayoutStarted']);
      const rewarded = r.byIndex[1].filter((e) => e.method === 'Rewarded');
      assert.equal(rewarded.length, 2);
      const mine = rewarded.find((e) => e.data[0].toString() === dev.alice.address).data[2].toBigInt();
      assert.ok(mine > 0n);
      assert.equal((await ledger(dev.alice.address)).active.toBigInt(), before + mine, 'Staked payee compounds');
      const claimed = await api.query.staking.claimedRewards(paid, validators[0]);
      assert.deepEqual(claimed.map((x) => x.toNumber()), [0]);
      const twice = await send(api.tx.staking.payoutStakers(validators[0], paid), dev.bob);
      const err = api.registry.findMetaError(twice.byIndex[1].at(-1).data[0].asModule);
      assert.equal(err.name, 'AlreadyClaimed');
      const early = await send(api.tx.staking.payoutStakers(validators[0], era), dev.bob);
      assert.equal(api.registry.findMetaError(early.byIndex[1].at(-1).data[0].asModule).name, 'InvalidEraToReward');
    });

    it('unbond into a chunk, rebond part, withdraw after the bonding duration', async () => {
      const era = (await api.query.staking.currentEra()).unwrap().toNumber();
      const r = await send(api.tx.staking.unbond(100n * KSM), dev.alice);
      assert.ok(names(r.byIndex[1]).includes('staking.Unbonded'));
      let l = await ledger(dev.alice.address);
      assert.equal(l.unlocking.length, 1);
      assert.equal(l.unlocking[0].era.toNumber(), era + 2);
      await send(api.tx.staking.rebond(40n * KSM), dev.alice);
      l = await ledger(dev.alice.address);
      assert.equal(l.unlocking[0].value.toBigInt(), 60n * KSM);
      const early = await send(api.tx.staking.withdrawUnbonded(0), dev.alice);
      assert.ok(!names(early.byIndex[1]).includes('staking.Withdrawn'), 'nothing unlocked yet');
      await node.rpc('dev_nextEra', 2);
      const reservedBefore = (await api.query.system.account(dev.alice.address)).data.reserved.toBigInt();
      const w = await send(api.tx.staking.withdrawUnbonded(0), dev.alice);
      const ev = w.byIndex[1].find((e) => e.method === 'Withdrawn');
      assert.equal(ev.data[1].toBigInt(), 60n * KSM);
      assert.equal((await ledger(dev.alice.address)).unlocking.length, 0);
      assert.equal((await api.query.system.account(dev.alice.address)).data.reserved.toBigInt(), reservedBefore - 60n * KSM);
      // State at an older block still shows the chunk (state_getStorage at a recent hash).
      const l0 = await ledger(dev.alice.address, r.blockHash);
      assert.equal(l0.unlocking[0].value.toBigInt(), 100n * KSM);
    });

    it('a slash cuts validator and nominator by the same fraction of their exposure', async () => {
      const era = (await api.query.staking.activeEra()).unwrap().index.toNumber();
      const page = (await api.query.staking.erasStakersPaged(era, validators[0], 0)).unwrap();
      const exposed = page.others.find((o) => o.who.toString() === dev.alice.address).value.toBigInt();
      const own = (await api.query.staking.erasStakersOverview(era, validators[0])).unwrap().own.toBigInt();
      const before = (await ledger(dev.alice.address)).active.toBigInt();
      const vBefore = (await ledger(validators[0])).active.toBigInt();
      const res = await node.rpc('dev_slash', validators[0], 100_000_000); // 10 %
      const evs = (await api.at(res.hash).then((a) => a.query.system.events())).map((e) => e.event);
      const slashed = evs.filter((e) => e.section === 'staking' && e.method === 'Slashed');
      assert.equal(slashed.length, 2);
      assert.equal((await ledger(dev.alice.address)).active.toBigInt(), before - exposed / 10n);
      assert.equal((await ledger(validators[0])).active.toBigInt(), vBefore - own / 10n);
      assert.ok((await api.query.staking.validators.entries()).every(([k]) => k.args[0].toString() !== validators[0]), 'slashed validator chilled');
    });

    it('a Staking proxy may bond and nominate for its delegator, not transfer', async () => {
      await send(api.tx.proxy.addProxy(dev.bob.address, 'Staking', 0), dev.charlie);
      const r = await send(api.tx.proxy.proxy(dev.charlie.address, null, api.tx.staking.bond(50n * KSM, 'Stash')), dev.bob);
      assert.deepEqual(names(r.byIndex[1]).slice(1, 3), ['staking.Bonded', 'proxy.ProxyExecuted']);
      assert.ok(r.byIndex[1][2].data[0].isOk);
      assert.equal((await ledger(dev.charlie.address)).active.toBigInt(), 50n * KSM);
      const t = await send(api.tx.proxy.proxy(dev.charlie.address, null, api.tx.balances.transferKeepAlive(dev.bob.address, KSM)), dev.bob);
      const result = t.byIndex[1].find((e) => e.method === 'ProxyExecuted').data[0];
      assert.ok(result.isErr);
      assert.equal(api.registry.findMetaError(result.asErr.asModule).name, 'CallFiltered');
      const c = await send(api.tx.staking.chill(), dev.alice);
      assert.ok(names(c.byIndex[1]).includes('staking.Chilled'));
    });
  });
}

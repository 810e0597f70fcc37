// Maps the node's JS state onto the chain's storage keys and SCALE values, using the
// metadata's own types (so the bytes are exactly what the runtime would store).
// The state is cut into groups (one account, one ledger, one era …); a group is only
// re-encoded when its JSON fingerprint changes, which keeps block production cheap.
import { stringify } from './json.js';

const NEW_LOGIC_FLAG = 1n << 127n; // ExtraFlags bit set on every account of a live chain

function* groups(runtime, state) {
  const st = state.staking;
  const has = (p, i) => runtime.has(p, i);
  for (const [who, a] of Object.entries(state.accounts)) {
    yield [`acc:${who}`, a, () => [['System', 'Account', [who], {
      nonce: a.nonce, consumers: a.consumers, providers: a.providers, sufficients: a.sufficients,
      data: { free: a.free, reserved: a.reserved, frozen: a.frozen, flags: NEW_LOGIC_FLAG },
    }]]];
  }
  const upgrade = (state.runtimeUpgrades || []).at(-1);
  yield ['lastUpgrade', upgrade ?? null, () => [['System', 'LastRuntimeUpgrade', [], {
    specVersion: upgrade ? upgrade.specVersion : runtime.version.specVersion, specName: runtime.version.specName,
  }]]];
  yield ['issuance', state.totalIssuance, () => [['Balances', 'TotalIssuance', [], state.totalIssuance]]];
  for (const [who, p] of Object.entries(state.proxies)) {
    yield [`proxy:${who}`, p, () => [['Proxy', 'Proxies', [who], [p.list.map((d) => ({ delegate: d.delegate, proxyType: d.proxyType, delay: d.delay })), p.deposit]]]];
  }
  for (const [k, m] of Object.entries(state.multisigs || {})) {
    yield [`multisig:${k}`, m, () => [['Multisig', 'Multisigs', [m.id, m.callHash], {
      when: m.when, deposit: m.deposit, depositor: m.depositor, approvals: m.approvals,
    }]]];
  }
  for (const [stash, l] of Object.entries(st.ledgers)) {
    const payee = st.payee[stash];
    yield [`ledger:${stash}`, [l, payee], () => [
      ['Staking', 'Bonded', [stash], stash],
      ['Staking', 'Ledger', [stash], { stash, total: l.total, active: l.active, unlocking: l.unlocking, legacyClaimedRewards: [] }],
      ['Staking', 'Payee', [stash], payee],
      ['Balances', 'Holds', [stash], [{ id: { Staking: 'Staking' }, amount: l.total }]],
    ]];
  }
  for (const [v, p] of Object.entries(st.validators)) yield [`val:${v}`, p, () => [['Staking', 'Validators', [v], p]]];
  for (const [n, nom] of Object.entries(st.nominators)) yield [`nom:${n}`, nom, () => [['Staking', 'Nominators', [n], nom]]];
  const globals = [st.currentEra, st.activeEra, st.bondedEras, st.minNominatorBond, Object.keys(st.validators).length, Object.keys(st.nominators).length];
  yield ['staking', globals, () => [
    ['Staking', 'CurrentEra', [], st.currentEra],
    ['Staking', 'ActiveEra', [], st.activeEra],
    ['Staking', 'BondedEras', [], st.bondedEras],
    ['Staking', 'MinNominatorBond', [], st.minNominatorBond],
    ['Staking', 'ValidatorCount', [], Object.keys(st.validators).length],
    ['Staking', 'CounterForValidators', [], Object.keys(st.validators).length],
    ['Staking', 'CounterForNominators', [], Object.keys(st.nominators).length],
  ]];
  for (const [k, e] of Object.entries(st.eras)) {
    const era = Number(k);
    // Reward points change every block; kept apart so the exposures are not re-encoded.
    yield [`points:${era}`, e.points, () => [['Staking', 'ErasRewardPoints', [era], { total: e.points.total, individual: e.points.individual }]]];
    // Exposures are written once per era; only reward and claims change later, and those bump
    // e.version, so past eras cost nothing per block (84 of them at HistoryDepth).
    yield [`era:${era}`, e.version, () => {
      const out = [['Staking', 'ErasTotalStake', [era], e.total]];
      if (e.reward !== null) out.push(['Staking', 'ErasValidatorReward', [era], e.reward]);
      if (has('Staking', 'ErasStartSessionIndex')) out.push(['Staking', 'ErasStartSessionIndex', [era], era * 6]);
      for (const [v, ov] of Object.entries(e.overview)) {
        out.push(['Staking', 'ErasStakersOverview', [era, v], ov]);
        out.push(['Staking', 'ErasStakersPaged', [era, v, 0], e.paged[v]]);
        out.push(['Staking', 'ErasValidatorPrefs', [era, v], e.prefs[v]]);
      }
      for (const [v, pages] of Object.entries(e.claimed)) out.push(['Staking', 'ClaimedRewards', [era, v], pages]);
      return out;
    }];
  }
  for (const [v, s] of Object.entries(st.slashedValidators)) {
    yield [`slash:${v}`, s, () => [['Staking', 'ValidatorSlashInEra', [s.era, v], [s.fraction, s.amount]]]];
  }
}

export class StorageLayout {
  constructor(runtime) {
    this.runtime = runtime;
    this.cache = new Map(); // group id -> { fp, entries: [[key, value]] }
  }

  // Returns { changes: Map(key -> value|null) } relative to the previous call.
  diff(state) {
    const changes = new Map();
    const seen = new Set();
    for (const [id, source, build] of groups(this.runtime, state)) {
      seen.add(id);
      const fp = stringify(source);
      const old = this.cache.get(id);
      if (old && old.fp === fp) continue;
      const entries = build()
        .filter(([p, i]) => this.runtime.has(p, i))
        .map(([p, i, args, value]) => [this.runtime.key(p, i, ...args), this.runtime.encodeValue(p, i, value)]);
      if (old) for (const [k] of old.entries) changes.set(k, null);
      for (const [k, v] of entries) changes.set(k, v);
      this.cache.set(id, { fp, entries });
    }
    for (const [id, old] of this.cache) {
      if (seen.has(id)) continue;
      for (const [k] of old.entries) changes.set(k, null);
      this.cache.delete(id);
    }
    return changes;
  }
}

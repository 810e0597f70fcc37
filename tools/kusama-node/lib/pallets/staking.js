// Staking, reduced to what a nominator-side product sees: bonding with a balance hold,
// nominations, unlocking chunks released after the bonding duration, eras of a fixed
// number of blocks, era rewards from an annual rate split by reward points, rewards paid
// only when someone calls payout_stakers (within HistoryDepth), and slashes that hit the
// validator and its nominators by the same fraction of their exposure.
// Simplifications (see README): controller == stash, a naive equal-split "election",
// active era == current era (no planning offset), slashes applied at once (no deferral).
import { fail } from '../errors.js';
import { deposit, spendable } from './balances.js';

const YEAR_MS = 31_557_600_000n; // 365.25 days
const PERBILL = 1_000_000_000n;
const POINTS_PER_BLOCK = 20;

const S = (state) => state.staking;
const bondingDuration = (ctx) => ctx.config.bondingDuration ?? ctx.runtime.consts.bondingDuration;

function ledgerOf(ctx, stash) {
  const l = S(ctx.state).ledgers[stash];
  if (!l) throw fail('Staking', 'NotController');
  return l;
}

function payeeToJs(payee) {
  if (payee.isAccount) return { Account: payee.asAccount.toHex() };
  if (payee.type === 'Controller') return 'Stash'; // controller == stash now
  return payee.type; // Staked | Stash | None
}

// Moves `amount` of free balance under the staking hold.
function hold(ctx, stash, amount) {
  const acc = ctx.state.accounts[stash];
  acc.free -= amount;
  acc.reserved += amount;
}

function release(ctx, stash, amount) {
  const acc = ctx.state.accounts[stash];
  acc.reserved -= amount;
  acc.free += amount;
}

function killStash(ctx, stash) {
  const st = S(ctx.state);
  delete st.ledgers[stash];
  delete st.payee[stash];
  delete st.nominators[stash];
  delete st.validators[stash];
  ctx.state.accounts[stash].consumers -= 1;
}

export function doBond(ctx, stash, value, payee) {
  const st = S(ctx.state);
  if (st.ledgers[stash]) throw fail('Staking', 'AlreadyBonded');
  const ed = ctx.runtime.consts.existentialDeposit;
  if (value < ed) throw fail('Staking', 'InsufficientBond');
  // As on chain: bond at most what is free, keeping the ED (the stash must stay alive).
  const avail = spendable(ctx.state, stash, ed, true);
  const amount = value < avail ? value : avail;
  if (amount < ed) throw fail('Staking', 'InsufficientBond');
  hold(ctx, stash, amount);
  ctx.state.accounts[stash].consumers += 1;
  st.ledgers[stash] = { total: amount, active: amount, unlocking: [] };
  st.payee[stash] = payee;
  ctx.emit('Staking', 'Bonded', [stash, amount]);
}

function bondExtra(ctx, stash, max) {
  const l = S(ctx.state).ledgers[stash];
  if (!l) throw fail('Staking', 'NotStash');
  const avail = spendable(ctx.state, stash, ctx.runtime.consts.existentialDeposit, true);
  const extra = max < avail ? max : avail;
  hold(ctx, stash, extra);
  l.total += extra;
  l.active += extra;
  ctx.emit('Staking', 'Bonded', [stash, extra]);
}

function unbond(ctx, stash, value) {
  const st = S(ctx.state);
  const l = ledgerOf(ctx, stash);
  if (l.unlocking.length >= ctx.runtime.consts.maxUnlockingChunks) throw fail('Staking', 'NoMoreChunks');
  let amount = value < l.active ? value : l.active;
  // Never leave dust bonded: below the ED the whole active part unbonds.
  if (l.active - amount < ctx.runtime.consts.existentialDeposit) amount = l.active;
  if (amount === 0n) return;
  const minActive = st.nominators[stash] ? st.minNominatorBond : st.validators[stash] ? st.minNominatorBond : 0n;
  if (l.active - amount < minActive && l.active - amount > 0n) throw fail('Staking', 'InsufficientBond');
  if (l.active - amount === 0n && (st.nominators[stash] || st.validators[stash])) throw fail('Staking', 'InsufficientBond');
  l.active -= amount;
  const era = st.currentEra + bondingDuration(ctx);
  const chunk = l.unlocking.find((c) => c.era === era);
  if (chunk) chunk.value += amount; else l.unlocking.push({ value: amount, era });
  ctx.emit('Staking', 'Unbonded', [stash, amount]);
}

function withdrawUnbonded(ctx, stash) {
  const st = S(ctx.state);
  const l = ledgerOf(ctx, stash);
  const done = l.unlocking.filter((c) => c.era <= st.currentEra);
  const amount = done.reduce((a, c) => a + c.value, 0n);
  l.unlocking = l.unlocking.filter((c) => c.era > st.currentEra);
  l.total -= amount;
  release(ctx, stash, amount);
  if (l.unlocking.length === 0 && l.active < ctx.runtime.consts.existentialDeposit) {
    // Whole stake gone: the ledger is removed and the rest of the hold released.
    release(ctx, stash, l.total);
    killStash(ctx, stash);
  }
  if (amount > 0n) ctx.emit('Staking', 'Withdrawn', [stash, amount]);
}

function rebond(ctx, stash, value) {
  const l = ledgerOf(ctx, stash);
  if (l.unlocking.length === 0) throw fail('Staking', 'NoUnlockChunk');
  let left = value;
  // Latest chunks first, as pallet-staking does.
  while (left > 0n && l.unlocking.length) {
    const last = l.unlocking[l.unlocking.length - 1];
    const take = last.value <= left ? last.value : left;
    last.value -= take;
    left -= take;
    l.active += take;
    if (last.value === 0n) l.unlocking.pop();
  }
  const amount = value - left;
  if (l.active < ctx.runtime.consts.existentialDeposit) throw fail('Staking', 'InsufficientBond');
  ctx.emit('Staking', 'Bonded', [stash, amount]);
}

function nominate(ctx, stash, targets) {
  const st = S(ctx.state);
  const l = ledgerOf(ctx, stash);
  if (l.active < st.minNominatorBond) throw fail('Staking', 'InsufficientBond');
  if (targets.length === 0) throw fail('Staking', 'EmptyTargets');
  if (targets.length > ctx.runtime.consts.maxNominations) throw fail('Staking', 'TooManyTargets');
  const old = st.nominators[stash]?.targets || [];
  const unique = [...new Set(targets)];
  for (const t of unique) {
    const v = st.validators[t];
    if (!(v || old.includes(t))) throw fail('Staking', 'BadTarget');
    if (v && v.blocked && t !== stash) throw fail('Staking', 'BadTarget');
  }
  delete st.validators[stash];
  st.nominators[stash] = { targets: unique, submittedIn: st.currentEra, suppressed: false };
}

function chill(ctx, stash) {
  const st = S(ctx.state);
  ledgerOf(ctx, stash);
  if (st.nominators[stash] || st.validators[stash]) {
    delete st.nominators[stash];
    delete st.validators[stash];
    ctx.emit('Staking', 'Chilled', [stash]);
  }
}

function validate(ctx, stash, prefs) {
  const st = S(ctx.state);
  const l = ledgerOf(ctx, stash);
  if (l.active < st.minNominatorBond) throw fail('Staking', 'InsufficientBond');
  delete st.nominators[stash];
  st.validators[stash] = { commission: prefs.commission.toNumber(), blocked: prefs.blocked.isTrue };
  ctx.emit('Staking', 'ValidatorPrefsSet', [stash, { commission: st.validators[stash].commission, blocked: st.validators[stash].blocked }]);
}

function payReward(ctx, stash, amount) {
  const st = S(ctx.state);
  const dest = st.payee[stash] ?? 'Stash';
  if (amount === 0n || dest === 'None') return;
  ctx.state.totalIssuance += amount;
  if (dest === 'Staked' && st.ledgers[stash]) {
    ctx.state.accounts[stash].reserved += amount;
    st.ledgers[stash].total += amount;
    st.ledgers[stash].active += amount;
  } else {
    deposit(ctx, dest.Account ?? stash, amount, { requireEd: false });
  }
  ctx.emit('Staking', 'Rewarded', [stash, dest, amount]);
}

export function payoutStakers(ctx, validator, era) {
  const st = S(ctx.state);
  const depth = ctx.runtime.consts.historyDepth;
  if (era >= st.activeEra.index || era + depth < st.currentEra) throw fail('Staking', 'InvalidEraToReward');
  const e = st.eras[era];
  if (!e || !e.overview[validator]) throw fail('Staking', 'InvalidEraToReward');
  if (!st.ledgers[validator]) throw fail('Staking', 'NotStash');
  if (e.claimed[validator]) throw fail('Staking', 'AlreadyClaimed');
  e.claimed[validator] = [0];
  e.version += 1;
  const points = BigInt(e.points.individual[validator] || 0);
  const totalPoints = BigInt(e.points.total || 0);
  ctx.emit('Staking', 'PayoutStarted', [era, validator, 0, null]);
  if (!e.reward || totalPoints === 0n || points === 0n) return;
  const part = (e.reward * points) / totalPoints;
  const commission = (part * BigInt(e.prefs[validator].commission)) / PERBILL;
  const leftover = part - commission;
  const ov = e.overview[validator];
  const own = ov.total === 0n ? 0n : (leftover * ov.own) / ov.total;
  payReward(ctx, validator, commission + own);
  for (const n of e.paged[validator].others) payReward(ctx, n.who, (leftover * n.value) / ov.total);
}

// Equal split of every nominator's active stake over its elected targets (not Phragmén:
// the product only needs consistent exposures, not an optimal election).
function electExposures(ctx) {
  const st = S(ctx.state);
  const overview = {};
  const paged = {};
  const prefs = {};
  for (const [v, p] of Object.entries(st.validators)) {
    const own = st.ledgers[v]?.active ?? 0n;
    if (own === 0n) continue;
    overview[v] = { total: own, own, nominatorCount: 0, pageCount: 1 };
    paged[v] = { pageTotal: 0n, others: [] };
    prefs[v] = { ...p };
  }
  for (const [n, nom] of Object.entries(st.nominators)) {
    const targets = nom.targets.filter((t) => overview[t]);
    const stake = st.ledgers[n]?.active ?? 0n;
    if (!targets.length || stake === 0n) continue;
    const share = stake / BigInt(targets.length);
    let rest = stake - share * BigInt(targets.length);
    for (const t of targets) {
      const value = share + rest;
      rest = 0n;
      overview[t].total += value;
      overview[t].nominatorCount += 1;
      paged[t].pageTotal += value;
      paged[t].others.push({ who: n, value });
    }
  }
  const total = Object.values(overview).reduce((a, o) => a + o.total, 0n);
  return { overview, paged, prefs, total };
}

// Called at block initialisation: credits reward points to the block author, and at an
// era boundary closes the active era (EraPaid) and starts the next one.
export function onInitialize(ctx) {
  const st = S(ctx.state);
  const cur = st.eras[st.activeEra.index];
  const authors = Object.keys(cur?.overview || {}).sort();
  if (cur && authors.length) {
    const author = authors[ctx.number % authors.length];
    cur.points.individual[author] = (cur.points.individual[author] || 0) + POINTS_PER_BLOCK;
    cur.points.total += POINTS_PER_BLOCK;
  }
  if (ctx.number - st.eraStartBlock >= ctx.config.eraBlocks) rotateEra(ctx);
}

export function rotateEra(ctx) {
  const st = S(ctx.state);
  const ended = st.activeEra.index;
  const e = st.eras[ended];
  if (e) {
    const eraMs = BigInt(ctx.now - (st.activeEra.start ?? ctx.now));
    e.reward = (e.total * BigInt(ctx.config.annualRewardBps) * eraMs) / (10_000n * YEAR_MS);
    e.version += 1; // storage-layout re-encodes an era only when its version moves
    ctx.emit('Staking', 'EraPaid', [ended, e.reward, 0n]);
  }
  startEra(ctx, ended + 1);
}

export function startEra(ctx, index) {
  const st = S(ctx.state);
  const { overview, paged, prefs, total } = electExposures(ctx);
  st.eras[index] = { version: 0, overview, paged, prefs, total, reward: null, points: { total: 0, individual: {} }, claimed: {} };
  st.currentEra = index;
  st.activeEra = { index, start: ctx.now };
  st.eraStartBlock = ctx.number;
  if (index > 0) {
    st.bondedEras.push([index, index * 6]);
    ctx.emit('Staking', 'StakersElected', []);
    ctx.emit('Staking', 'SessionRotated', [index * 6, index, index]);
  }
  // HistoryDepth: older eras are pruned and can no longer be paid out.
  const depth = ctx.runtime.consts.historyDepth;
  for (const k of Object.keys(st.eras)) if (Number(k) + depth < index) delete st.eras[k];
  while (st.bondedEras.length && st.bondedEras[0][0] + bondingDuration(ctx) < index) st.bondedEras.shift();
}

// Slash `fraction` (Perbill) of the exposure of `validator` in the active era, validator and
// nominators alike. Active stake is cut first, then unlocking chunks, latest first.
export function slash(ctx, validator, fraction) {
  const st = S(ctx.state);
  const era = st.activeEra.index;
  const e = st.eras[era];
  ctx.emit('Staking', 'SlashReported', [validator, fraction, era]);
  ctx.emit('Staking', 'OffenceReported', [era, validator, fraction]);
  const victims = [];
  if (e && e.overview[validator]) {
    victims.push([validator, e.overview[validator].own]);
    for (const n of e.paged[validator].others) victims.push([n.who, n.value]);
  } else if (st.ledgers[validator]) {
    victims.push([validator, st.ledgers[validator].active]);
  }
  let totalSlashed = 0n;
  for (const [who, exposed] of victims) {
    const l = st.ledgers[who];
    if (!l) continue;
    let amount = (exposed * BigInt(fraction)) / PERBILL;
    if (amount > l.total) amount = l.total;
    let left = amount;
    const fromActive = left < l.active ? left : l.active;
    l.active -= fromActive;
    left -= fromActive;
    for (let i = l.unlocking.length - 1; i >= 0 && left > 0n; i -= 1) {
      const take = l.unlocking[i].value < left ? l.unlocking[i].value : left;
      l.unlocking[i].value -= take;
      left -= take;
    }
    l.unlocking = l.unlocking.filter((c) => c.value > 0n);
    l.total -= amount;
    ctx.state.accounts[who].reserved -= amount;
    ctx.state.totalIssuance -= amount;
    totalSlashed += amount;
    ctx.emit('Staking', 'Slashed', [who, amount]);
  }
  st.slashedValidators[validator] = { era, fraction, amount: totalSlashed };
  // A slashed validator is chilled, so careful nominators see it leave the validator set.
  if (st.validators[validator]) {
    delete st.validators[validator];
    ctx.emit('Staking', 'Chilled', [validator]);
  }
  return totalSlashed;
}

export const calls = {
  bond(ctx, origin, [value, payee]) { doBond(ctx, origin, value.toBigInt(), payeeToJs(payee)); },
  bondExtra(ctx, origin, [max]) { bondExtra(ctx, origin, max.toBigInt()); },
  unbond(ctx, origin, [value]) { unbond(ctx, origin, value.toBigInt()); },
  withdrawUnbonded(ctx, origin) { withdrawUnbonded(ctx, origin); },
  rebond(ctx, origin, [value]) { rebond(ctx, origin, value.toBigInt()); },
  nominate(ctx, origin, [targets]) { nominate(ctx, origin, targets.map((t) => ctx.lookup(t))); },
  chill(ctx, origin) { chill(ctx, origin); },
  validate(ctx, origin, [prefs]) { validate(ctx, origin, prefs); },
  setPayee(ctx, origin, [payee]) { ledgerOf(ctx, origin); S(ctx.state).payee[origin] = payeeToJs(payee); },
  payoutStakers(ctx, origin, [validator, era]) { payoutStakers(ctx, validator.toHex(), era.toNumber()); },
  payoutStakersByPage(ctx, origin, [validator, era, page]) {
    if (page.toNumber() !== 0) throw fail('Staking', 'InvalidPage');
    payoutStakers(ctx, validator.toHex(), era.toNumber());
  },
};

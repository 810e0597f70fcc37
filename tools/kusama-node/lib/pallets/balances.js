// Balances: System.Account data, existential deposit, transfers with the chain's events.
// Errors follow pallet-balances on fungible traits: an amount the sender cannot spend is
// Token(FundsUnavailable) (with keep-alive the ED is unspendable), a new account below the
// ED is Token(BelowMinimum).
import { token } from '../errors.js';

export function getAccount(state, who) {
  return state.accounts[who] || { nonce: 0, consumers: 0, providers: 0, sufficients: 0, free: 0n, reserved: 0n, frozen: 0n };
}

export function accountExists(state, who) {
  return !!state.accounts[who];
}

// Creates the account if needed (NewAccount + Endowed), adds `amount` to free.
export function deposit(ctx, who, amount, { requireEd = true } = {}) {
  const ed = ctx.runtime.consts.existentialDeposit;
  let acc = ctx.state.accounts[who];
  if (!acc) {
    if (requireEd && amount < ed) throw token('BelowMinimum');
    acc = { nonce: 0, consumers: 0, providers: 1, sufficients: 0, free: 0n, reserved: 0n, frozen: 0n };
    ctx.state.accounts[who] = acc;
    acc.free = amount;
    ctx.emit('System', 'NewAccount', [who]);
    ctx.emit('Balances', 'Endowed', [who, amount]);
    return;
  }
  acc.free += amount;
}

// What `who` can spend. keepAlive, or any consumer (e.g. a staking hold), keeps the ED back.
export function spendable(state, who, ed, keepAlive) {
  const acc = getAccount(state, who);
  const keep = keepAlive || acc.consumers > 0 || acc.reserved > 0n ? ed : 0n;
  const floor = acc.frozen > keep ? acc.frozen : keep;
  return acc.free > floor ? acc.free - floor : 0n;
}

// Takes `amount` from free; reaps the account (DustLost + KilledAccount) if it falls below the ED.
export function withdraw(ctx, who, amount, keepAlive) {
  const ed = ctx.runtime.consts.existentialDeposit;
  if (amount > spendable(ctx.state, who, ed, keepAlive)) throw token('FundsUnavailable');
  const acc = ctx.state.accounts[who];
  acc.free -= amount;
  reapIfDust(ctx, who);
}

export function reapIfDust(ctx, who) {
  const ed = ctx.runtime.consts.existentialDeposit;
  const acc = ctx.state.accounts[who];
  if (!acc || acc.reserved > 0n || acc.consumers > 0 || acc.free >= ed) return;
  if (acc.free > 0n) {
    ctx.emit('Balances', 'DustLost', [who, acc.free]);
    ctx.state.totalIssuance -= acc.free;
  }
  delete ctx.state.accounts[who];
  ctx.emit('System', 'KilledAccount', [who]);
}

export function transfer(ctx, from, to, amount, keepAlive) {
  if (from === to || amount === 0n) {
    if (amount > spendable(ctx.state, from, ctx.runtime.consts.existentialDeposit, keepAlive)) throw token('FundsUnavailable');
    ctx.emit('Balances', 'Transfer', [from, to, amount]);
    return;
  }
  const ed = ctx.runtime.consts.existentialDeposit;
  if (amount > spendable(ctx.state, from, ed, keepAlive)) throw token('FundsUnavailable');
  if (!accountExists(ctx.state, to) && amount < ed) throw token('BelowMinimum');
  ctx.state.accounts[from].free -= amount;
  deposit(ctx, to, amount);
  ctx.emit('Balances', 'Transfer', [from, to, amount]);
  reapIfDust(ctx, from);
}

export const calls = {
  transferAllowDeath(ctx, origin, [dest, value]) {
    transfer(ctx, origin, ctx.lookup(dest), value.toBigInt(), false);
  },
  transferKeepAlive(ctx, origin, [dest, value]) {
    transfer(ctx, origin, ctx.lookup(dest), value.toBigInt(), true);
  },
  transferAll(ctx, origin, [dest, keepAlive]) {
    const ed = ctx.runtime.consts.existentialDeposit;
    const amount = spendable(ctx.state, origin, ed, keepAlive.isTrue);
    transfer(ctx, origin, ctx.lookup(dest), amount, keepAlive.isTrue);
  },
};

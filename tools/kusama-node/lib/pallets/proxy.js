// Proxy: add_proxy / remove_proxy / proxy, enough for a Staking proxy that bonds and
// nominates for a stash. Announcements and delays are not simulated (delay must be 0).
import { DispatchFail, fail, raw } from '../errors.js';
import { spendable } from './balances.js';

const allowed = (proxyType, call) => {
  if (proxyType === 'Any') return true;
  if (proxyType === 'NonTransfer') return call.section !== 'balances';
  if (proxyType === 'Staking') {
    if (call.section === 'staking') return true;
    if (call.section === 'utility') return call.args[0].every?.((c) => allowed(proxyType, c)) ?? false;
    return false;
  }
  return false;
};

function deposit(ctx, n) {
  if (n === 0) return 0n;
  return ctx.runtime.constant('Proxy', 'ProxyDepositBase').toBigInt()
    + ctx.runtime.constant('Proxy', 'ProxyDepositFactor').toBigInt() * BigInt(n);
}

function setReserve(ctx, who, list) {
  const entry = ctx.state.proxies[who] || { list: [], deposit: 0n };
  const acc = ctx.state.accounts[who];
  const want = deposit(ctx, list.length);
  const delta = want - entry.deposit;
  if (delta > 0n) {
    if (delta > spendable(ctx.state, who, ctx.runtime.consts.existentialDeposit, true)) throw raw({ Token: 'FundsUnavailable' });
    acc.free -= delta; acc.reserved += delta;
    ctx.emit('Balances', 'Reserved', [who, delta]);
  } else if (delta < 0n) {
    acc.free -= delta; acc.reserved += delta;
    ctx.emit('Balances', 'Unreserved', [who, -delta]);
  }
  if (list.length) ctx.state.proxies[who] = { list, deposit: want };
  else delete ctx.state.proxies[who];
}

export const calls = {
  addProxy(ctx, origin, [delegate, proxyType, delay]) {
    const d = ctx.lookup(delegate);
    const list = [...(ctx.state.proxies[origin]?.list || [])];
    if (list.some((p) => p.delegate === d && p.proxyType === proxyType.type)) throw fail('Proxy', 'Duplicate');
    if (d === origin) throw fail('Proxy', 'NoSelfProxy');
    list.push({ delegate: d, proxyType: proxyType.type, delay: delay.toNumber() });
    setReserve(ctx, origin, list);
    ctx.emit('Proxy', 'ProxyAdded', [origin, d, proxyType.type, delay.toNumber()]);
  },
  removeProxy(ctx, origin, [delegate, proxyType, delay]) {
    const d = ctx.lookup(delegate);
    const list = ctx.state.proxies[origin]?.list || [];
    const keep = list.filter((p) => !(p.delegate === d && p.proxyType === proxyType.type && p.delay === delay.toNumber()));
    if (keep.length === list.length) throw fail('Proxy', 'NotFound');
    setReserve(ctx, origin, keep);
    ctx.emit('Proxy', 'ProxyRemoved', [origin, d, proxyType.type, delay.toNumber()]);
  },
  proxy(ctx, origin, [real, forceType, call]) {
    const delegator = ctx.lookup(real);
    const def = (ctx.state.proxies[delegator]?.list || []).find((p) => p.delegate === origin
      && (forceType.isNone || forceType.unwrap().type === p.proxyType));
    if (!def) throw fail('Proxy', 'NotProxy');
    if (def.delay !== 0) throw fail('Proxy', 'Unannounced');
    let result = { Ok: null };
    try {
      if (!allowed(def.proxyType, call)) throw fail('System', 'CallFiltered');
      ctx.transactional(() => ctx.dispatch(delegator, call));
    } catch (e) {
      if (!(e instanceof DispatchFail)) throw e;
      result = { Err: ctx.runtime.dispatchError(e.err) };
    }
    ctx.emit('Proxy', 'ProxyExecuted', [result]);
  },
};

// Multisig: as_multi_threshold_1 and as_multi (the call executes with the approval that
// reaches the threshold), so deposits from a multisig account can be tested. The multisig
// account id is derived as pallet-multisig does (createKeyMulti in polkadot-js).
// approve_as_multi and cancel_as_multi are not simulated.
import { u8aToHex } from '@polkadot/util';
import { blake2AsHex, createKeyMulti } from '@polkadot/util-crypto';
import { DispatchFail, fail, raw } from '../errors.js';
import { spendable } from './balances.js';

function signatories(origin, others) {
  const list = others.map((a) => a.toHex());
  for (let i = 1; i < list.length; i += 1) if (list[i - 1] >= list[i]) throw fail('Multisig', 'SignatoriesOutOfOrder');
  if (list.includes(origin)) throw fail('Multisig', 'SenderInSignatories');
  return [...list, origin].sort();
}

const multiAccount = (who, threshold) => u8aToHex(createKeyMulti(who, threshold));

// Runs `call` as `id`; a failure is reported in the event, not propagated (as in the pallet).
function execute(ctx, id, call) {
  try {
    ctx.transactional(() => ctx.dispatch(id, call));
    return { Ok: null };
  } catch (e) {
    if (!(e instanceof DispatchFail)) throw e;
    return { Err: ctx.runtime.dispatchError(e.err) };
  }
}

export const calls = {
  asMultiThreshold1(ctx, origin, [others, call]) {
    const who = signatories(origin, [...others]);
    const id = multiAccount(who, 1);
    ctx.transactional(() => ctx.dispatch(id, call));
  },
  asMulti(ctx, origin, [threshold, others, maybeTimepoint, call]) {
    const t = threshold.toNumber();
    if (t < 2) throw fail('Multisig', 'MinimumThreshold');
    const who = signatories(origin, [...others]);
    const id = multiAccount(who, t);
    const callHash = blake2AsHex(call.toU8a());
    const key = `${id}:${callHash}`;
    const ms = (ctx.state.multisigs ||= {});
    const op = ms[key];
    if (op) {
      if (maybeTimepoint.isNone) throw fail('Multisig', 'NoTimepoint');
      const tp = maybeTimepoint.unwrap();
      if (tp.height.toNumber() !== op.when.height || tp.index.toNumber() !== op.when.index) throw fail('Multisig', 'WrongTimepoint');
      if (op.approvals.includes(origin)) throw fail('Multisig', 'AlreadyApproved');
      if (op.approvals.length + 1 < t) {
        op.approvals = [...op.approvals, origin].sort();
        ctx.emit('Multisig', 'MultisigApproval', [origin, op.when, id, callHash]);
        return;
      }
      delete ms[key];
      const dep = ctx.state.accounts[op.depositor];
      dep.reserved -= op.deposit; dep.free += op.deposit;
      ctx.emit('Balances', 'Unreserved', [op.depositor, op.deposit]);
      const result = execute(ctx, id, call);
      ctx.emit('Multisig', 'MultisigExecuted', [origin, op.when, id, callHash, result]);
      return;
    }
    if (maybeTimepoint.isSome) throw fail('Multisig', 'UnexpectedTimepoint');
    const deposit = ctx.runtime.constant('Multisig', 'DepositBase').toBigInt()
      + ctx.runtime.constant('Multisig', 'DepositFactor').toBigInt() * BigInt(t);
    if (deposit > spendable(ctx.state, origin, ctx.runtime.consts.existentialDeposit, true)) throw raw({ Token: 'FundsUnavailable' });
    const acc = ctx.state.accounts[origin];
    acc.free -= deposit; acc.reserved += deposit;
    ctx.emit('Balances', 'Reserved', [origin, deposit]);
    ms[key] = { id, callHash, when: { height: ctx.number, index: ctx.phase.ApplyExtrinsic }, deposit, depositor: origin, approvals: [origin] };
    ctx.emit('Multisig', 'NewMultisig', [origin, id, callHash]);
  },
};

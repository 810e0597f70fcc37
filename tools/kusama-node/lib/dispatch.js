// Call dispatch: one context per block phase, the call table, and transactional rollback
// (a failed call leaves no state change and no event behind, as in FRAME).
import { DispatchFail, raw } from './errors.js';
import { cloneState } from './clone-state.js';
import { blake2AsHex } from '@polkadot/util-crypto';
import * as balances from './pallets/balances.js';
import * as staking from './pallets/staking.js';
import * as utility from './pallets/utility.js';
import * as proxy from './pallets/proxy.js';
import * as multisig from './pallets/multisig.js';

const system = {
  remark() {},
  remarkWithEvent(ctx, origin, [remark]) { ctx.emit('System', 'Remarked', [origin, blake2AsHex(remark.toU8a(true))]); },
};

const TABLE = { balances: balances.calls, staking: staking.calls, utility: utility.calls, proxy: proxy.calls, multisig: multisig.calls, system };

export class Ctx {
  constructor({ state, runtime, config, number, now }) {
    Object.assign(this, { state, runtime, config, number, now });
    this.events = []; // { phase, bytes }
    this.phase = 'Initialization';
  }

  emit(pallet, name, values) {
    const bytes = this.runtime.event(pallet, name, values);
    if (bytes) this.events.push({ phase: this.phase, bytes });
  }

  lookup(address) {
    // MultiAddress: polkadot-js exposes the variant as .type/.value (no isId getters).
    if (address.type === 'Id' || address.type === 'Address32') return address.value.toHex();
    throw raw('CannotLookup');
  }

  transactional(fn) {
    const snapshot = cloneState(this.state);
    const mark = this.events.length;
    try {
      return fn();
    } catch (e) {
      for (const k of Object.keys(this.state)) this.state[k] = snapshot[k];
      this.events.length = mark;
      throw e;
    }
  }

  dispatch(origin, call) {
    const fn = TABLE[call.section]?.[call.method];
    // Calls this node does not simulate fail visibly rather than pretend to succeed.
    if (!fn) throw new DispatchFail({ raw: 'Other' });
    fn(this, origin, [...call.args]);
  }
}

// Weight reported in DispatchInfo and payment_queryInfo: a flat cost per (nested) call.
export function callWeight(call) {
  let n = 1;
  const stack = [call];
  while (stack.length) {
    const c = stack.pop();
    if (c.section === 'utility' && Array.isArray(c.args[0])) { n += c.args[0].length; stack.push(...c.args[0]); }
    if (c.section === 'proxy' && c.method === 'proxy') { n += 1; stack.push(c.args[2]); }
  }
  return { refTime: 150_000_000n * BigInt(n), proofSize: 4_000n * BigInt(n) };
}

// The chain's account of payouts, read with the real @polkadot/api: every
// Balances.Transfer FROM the deposit account in blocks [FROM, TO], in chain
// order (block, event index), with the extrinsic that carried it.
// Usage: node payouts_on_chain.mjs NODE_URL DEPOSIT_ACCOUNT FROM TO
// Prints {"transfers": [{"to": "0x..", "amount": "..", "block": n, "extrinsic": i, "event": j}],
//         "fees": {"<block>-<extrinsic>": "<actual_fee + tip>"}} (TransactionFeePaid of
// extrinsics the deposit account signed).
import { api } from '../kusama_watcher/dev.mjs';
import { u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';

const [depositText, fromText, toText] = process.argv.slice(3);
const deposit = u8aToHex(decodeAddress(depositText));
const transfers = [];
const fees = {};
for (let n = Number(fromText); n <= Number(toText); n += 1) {
  const hash = await api.rpc.chain.getBlockHash(n);
  const at = await api.at(hash);
  const events = await at.query.system.events();
  events.forEach((record, index) => {
    const { event, phase } = record;
    if (event.section === 'transactionPayment' && event.method === 'TransactionFeePaid') {
      const [who, actualFee, tip] = event.data;
      if (u8aToHex(who.toU8a()) === deposit && phase.isApplyExtrinsic)
        fees[`${n}-${phase.asApplyExtrinsic.toNumber()}`] = (actualFee.toBigInt() + tip.toBigInt()).toString();
      return;
    }
    if (event.section !== 'balances' || event.method !== 'Transfer') return;
    const [from, to, amount] = event.data;
    if (u8aToHex(from.toU8a()) !== deposit) return;
    transfers.push({ to: u8aToHex(to.toU8a()), amount: amount.toBigInt().toString(), block: n,
      extrinsic: phase.isApplyExtrinsic ? phase.asApplyExtrinsic.toNumber() : -1, event: index });
  });
}
console.log(JSON.stringify({ transfers, fees }));
await api.disconnect();

// The independent reference for the ratio test: the pool accounts' holdings
// read with the real @polkadot/api at the Kusama block the daemon read, and the
// formula of docs/ratio.md evaluated with JavaScript BigInt (not the daemon's
// code). Prints {held, pool_value, implied, reward, fee, ratio} as decimal strings.
// Usage: node expected_ratio.mjs URL BLOCK_HASH SHARES CURRENT_RATIO FEE_BPS OWED ACCOUNT...
//   SHARES = aKSMb totalShares (cast) + the ledger's unclaimed + reserved shares;
//   OWED = owed payouts + refundable + fee balance (planck).
import { api } from '../kusama_watcher/dev.mjs';

const [hash, sharesText, ratioText, feeBpsText, owedText, ...accounts] = process.argv.slice(3);
const at = await api.at(hash);
let held = 0n;
const detail = {};
for (const a of accounts) {
  const acc = await at.query.system.account(a);
  const ledger = await at.query.staking.ledger(a);
  const total = ledger.isSome ? ledger.unwrap().total.toBigInt() : 0n;
  const free = acc.data.free.toBigInt();
  const reserved = acc.data.reserved.toBigInt();
  // Hold-based staking keeps the bond in `reserved`; lock-based inside `free`.
  const counted = free + (reserved >= total ? total : 0n);
  held += counted;
  detail[a] = { free: free.toString(), reserved: reserved.toString(), total: total.toString() };
}
const shares = BigInt(sharesText);
const current = BigInt(ratioText);
const feeBps = BigInt(feeBpsText);
const pool = held - BigInt(owedText);
const implied = (shares * 10n ** 12n) / current;
const reward = pool - implied;
const fee = reward > 0n ? (reward * feeBps) / 10000n : 0n;
const after = pool - fee;
const num = shares * 10n ** 12n;
const ratio = num / after + (num % after === 0n ? 0n : 1n);
console.log(JSON.stringify({ held: held.toString(), pool_value: pool.toString(), implied: implied.toString(),
  reward: reward.toString(), fee: fee.toString(), ratio: ratio.toString(), detail }));
await api.disconnect();

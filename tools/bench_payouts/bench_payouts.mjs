#!/usr/bin/env node
// P5 (issue #14): payouts on the local Kusama node, measured with @polkadot/api (the reference
// library), never through our C++. For each metadata variant it starts its own node
// (tools/kusama-node, --block-ms 0, blocks produced with dev_newBlocks) and measures in one run:
//
//  1. payouts per extrinsic: how many Balances.transfer_keep_alive fit one Utility.force_batch,
//     computed as actors/payout_queue.cpp does it (System.BlockWeights per_class.normal
//     max_extrinsic, else max_block; item and base weight from TransactionPaymentApi_query_info
//     of an unsigned force_batch of 1 and of 2 transfers; weight_safety_percent 75; capped by
//     payouts.max_batch_items 500), then confirmed on chain: one force_batch of that many
//     transfers to fresh accounts (each >= ED) is included with one ItemCompleted per item,
//     BatchCompleted, ExtrinsicSuccess, one Balances.Transfer per item and each recipient's
//     balance equal to its amount. With --confirm-fit (default on) the uncapped weight fit is
//     confirmed the same way, when it is at most --fit-limit items.
//  2. fee per payout: the fee paid (TransactionPayment.TransactionFeePaid, checked against
//     Balances.Withdraw) for that batch divided by its items, against the fee of one signed
//     transfer_keep_alive with the same amount, in the same run -> the ratio.
//  3. the node's accept rate: N signed transfer_keep_alive (immortal, explicit nonces, signed
//     before the clock starts) from the six dev accounts, submitted with author_submitExtrinsic
//     by one keep-alive HTTP client per sender; baseline in the same run: the same number of
//     system_health round trips with the same clients. All N are then sealed and checked.
//
// usage: node tools/bench_payouts/bench_payouts.mjs [--metadata kusama|asset-hub|both] [--max-batch-items 500]
//          [--weight-safety-percent 75] [--amount-planck 1000000000000] [--singles 5] [--accept-n 1200]
//          [--confirm-fit true|false] [--fit-limit 10000] [--out result.json]
// Prints one JSON document (also written to --out) and a human summary on stderr.
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { u8aConcat, u8aToHex, hexToU8a, bnToU8a } from '@polkadot/util';
import { startNode, connect, blockEvents, names } from '../kusama-node/test-support/helpers.js';

const arg = (name, dflt) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : dflt; };
const variants = arg('metadata', 'both') === 'both' ? ['kusama', 'asset-hub'] : [arg('metadata')];
const maxBatchItems = BigInt(arg('max-batch-items', '500'));
const safetyPercent = BigInt(arg('weight-safety-percent', '75'));
const amount = BigInt(arg('amount-planck', '1000000000000')); // 1 KSM per payout
const singles = Number(arg('singles', 5));
const acceptN = Number(arg('accept-n', 1200));
const confirmFit = arg('confirm-fit', 'true') !== 'false';
const fitLimit = Number(arg('fit-limit', 10000));
const out = arg('out', '');

const log = (...a) => console.error('bench_payouts:', ...a);
const seconds = (t0) => (performance.now() - t0) / 1000;

// A fresh AccountId per (variant, purpose, index): never a genesis account.
let freshCounter = 0;
const fresh = (tag) => u8aToHex(blake2AsU8a(`lstaked-bench-payouts/${tag}/${freshCounter++}`, 256));

// ---- 1. batch size from the runtime's weights, as the daemon computes it --------------------

// Option<Weight> per_class.normal.max_extrinsic, else max_block (as max_extrinsic_weight()).
function maxExtrinsicWeight(api) {
  const bw = api.consts.system.blockWeights;
  const normal = bw.perClass.normal.maxExtrinsic;
  const w = normal.isSome ? normal.unwrap() : bw.maxBlock;
  return { refTime: w.refTime.toBigInt(), proofSize: w.proofSize.toBigInt() };
}

// TransactionPaymentApi_query_info(uxt, len) by state_call, the bytes the daemon sends: the
// unsigned v4 extrinsic with its length prefix, then the length as u32.
async function queryInfo(api, rpc, tx) {
  const uxt = tx.toU8a();
  const data = u8aConcat(uxt, bnToU8a(uxt.length, { bitLength: 32, isLe: true }));
  const res = await rpc('state_call', 'TransactionPaymentApi_query_info', u8aToHex(data));
  const info = api.registry.createType('RuntimeDispatchInfoV2', hexToU8a(res));
  return { refTime: info.weight.refTime.toBigInt(), proofSize: info.weight.proofSize.toBigInt(), partialFee: info.partialFee.toBigInt() };
}

// payout_policy::max_batch_items without the cap: per metered dimension,
// (max × safety% − base) / item; a dimension with item = base = 0 does not limit.
function weightFit(item, base, max) {
  let n = null;
  for (const k of ['refTime', 'proofSize']) {
    if (item[k] === 0n && base[k] === 0n) continue;
    const budget = max[k] * safetyPercent / 100n;
    if (base[k] >= budget) return 0n;
    if (item[k] > 0n) { const d = (budget - base[k]) / item[k]; n = n === null || d < n ? d : n; }
  }
  return n;
}

async function batchLimit(api, rpc, payer) {
  const max = maxExtrinsicWeight(api);
  const one = api.tx.balances.transferKeepAlive({ Id: payer }, 1);
  const w1 = await queryInfo(api, rpc, api.tx.utility.forceBatch([one]));
  const w2 = await queryInfo(api, rpc, api.tx.utility.forceBatch([one, one]));
  const sub = (a, b) => (a > b ? a - b : 0n);
  const item = { refTime: sub(w2.refTime, w1.refTime), proofSize: sub(w2.proofSize, w1.proofSize) };
  const base = { refTime: sub(w1.refTime, item.refTime), proofSize: sub(w1.proofSize, item.proofSize) };
  const fit = weightFit(item, base, max);
  const items = fit === null ? maxBatchItems : (fit < maxBatchItems ? fit : maxBatchItems);
  return { max, item, base, fit, items: Number(items) };
}

// ---- 2. one signed extrinsic, sealed, with its fee and events --------------------------------

async function sealOne(api, rpc, tx, signer) {
  const hash = (await tx.signAndSend(signer, { era: 0 })).toHex();
  const block = await rpc('dev_newBlocks', 1);
  const ev = await blockEvents(api, block.hash);
  const index = ev.block.extrinsics.findIndex((x) => x.hash.toHex() === hash);
  if (index < 0) throw new Error(`extrinsic ${hash} not in block ${block.number}`);
  const evs = ev.byIndex[index] || [];
  const feePaid = evs.filter((e) => e.section === 'transactionPayment' && e.method === 'TransactionFeePaid');
  const withdraw = evs.filter((e) => e.section === 'balances' && e.method === 'Withdraw');
  if (feePaid.length !== 1 || withdraw.length !== 1) throw new Error(`fee events: ${names(evs)}`);
  const fee = feePaid[0].data[1].toBigInt();
  if (withdraw[0].data[1].toBigInt() !== fee) throw new Error('Balances.Withdraw differs from TransactionFeePaid');
  return { hash, block: block.number, blockHash: block.hash, index, evs, fee, length: ev.block.extrinsics[index].encodedLength };
}

const count = (evs, section, method) => evs.filter((e) => e.section === section && e.method === method).length;

async function singleTransfers(api, rpc, payer, tag) {
  const fees = [];
  let length = 0;
  for (let i = 0; i < singles; i += 1) {
    const dest = fresh(`${tag}/single`);
    const r = await sealOne(api, rpc, api.tx.balances.transferKeepAlive({ Id: dest }, amount), payer);
    if (count(r.evs, 'system', 'ExtrinsicSuccess') !== 1 || count(r.evs, 'balances', 'Transfer') !== 1) throw new Error(`single transfer: ${names(r.evs)}`);
    fees.push(r.fee);
    length = r.length;
  }
  const mean = fees.reduce((a, b) => a + b, 0n) / BigInt(fees.length);
  return { count: fees.length, feePlanck: mean.toString(), feesPlanck: fees.map(String), extrinsicBytes: length };
}

async function batchOf(api, rpc, payer, n, tag) {
  const dests = Array.from({ length: n }, () => fresh(`${tag}/batch${n}`));
  const calls = dests.map((d, i) => api.tx.balances.transferKeepAlive({ Id: d }, amount + BigInt(i % 1000)));
  const tx = api.tx.utility.forceBatch(calls);
  const quoted = await queryInfo(api, rpc, tx);
  const t0 = performance.now();
  const r = await sealOne(api, rpc, tx, payer);
  const sealSeconds = seconds(t0);
  const completed = count(r.evs, 'utility', 'ItemCompleted');
  const failed = count(r.evs, 'utility', 'ItemFailed');
  const transfers = r.evs.filter((e) => e.section === 'balances' && e.method === 'Transfer');
  const ok = completed === n && failed === 0 && count(r.evs, 'utility', 'BatchCompleted') === 1
    && count(r.evs, 'system', 'ExtrinsicSuccess') === 1 && transfers.length === n;
  if (!ok) throw new Error(`batch of ${n}: ${completed} ItemCompleted, ${failed} ItemFailed, ${transfers.length} Transfer, ${[...new Set(names(r.evs))]}`);
  // Every recipient holds exactly its amount (fresh accounts): read at the batch's block.
  const at = await api.at(r.blockHash);
  const accounts = await at.query.system.account.multi(dests);
  accounts.forEach((a, i) => {
    if (a.data.free.toBigInt() !== amount + BigInt(i % 1000)) throw new Error(`recipient ${i} holds ${a.data.free}`);
  });
  return {
    items: n, itemCompleted: completed, itemFailed: failed, transfers: transfers.length, block: r.block,
    extrinsicBytes: r.length, feePlanck: r.fee.toString(), quotedPartialFee: quoted.partialFee.toString(),
    feePerPayoutPlanck: (r.fee / BigInt(n)).toString(), signSubmitSealSeconds: +sealSeconds.toFixed(3),
    dispatchWeightRefTime: quoted.refTime.toString(), dispatchWeightProofSize: quoted.proofSize.toString(),
  };
}

// ---- 3. accept rate -------------------------------------------------------------------------

function httpCaller(url, agent) {
  let id = 0;
  return async (method, ...params) => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: (id += 1), method, params }), dispatcher: agent });
    const body = await res.json();
    if (body.error) { const e = new Error(`${method}: ${body.error.message}`); Object.assign(e, body.error); throw e; }
    return body.result;
  };
}

async function acceptRate(api, rpc, url, senders, tag) {
  const nonces = await Promise.all(senders.map(async (s) => (await api.rpc.system.accountNextIndex(s.address)).toNumber()));
  const perSender = senders.map(() => []);
  const t0 = performance.now();
  for (let i = 0; i < acceptN; i += 1) {
    const k = i % senders.length;
    const tx = await api.tx.balances.transferKeepAlive({ Id: fresh(`${tag}/accept`) }, amount).signAsync(senders[k], { nonce: nonces[k]++, era: 0 });
    perSender[k].push(tx.toHex());
  }
  const signSeconds = seconds(t0);
  const clients = senders.map(() => httpCaller(url));
  // Baseline, same clients and concurrency: a trivial RPC round trip.
  let t = performance.now();
  await Promise.all(clients.map(async (call, k) => { for (let i = 0; i < perSender[k].length; i += 1) await call('system_health'); }));
  const healthSeconds = seconds(t);
  t = performance.now();
  await Promise.all(clients.map(async (call, k) => { for (const hex of perSender[k]) await call('author_submitExtrinsic', hex); }));
  const submitSeconds = seconds(t);
  // Seal everything and check every transfer succeeded.
  const pending = (await rpc('author_pendingExtrinsics')).length;
  t = performance.now();
  let included = 0; let success = 0; let blocks = 0;
  while ((await rpc('author_pendingExtrinsics')).length > 0 && blocks < 100) {
    const b = await rpc('dev_newBlocks', 1);
    blocks += 1;
    const ev = await blockEvents(api, b.hash);
    included += ev.block.extrinsics.length - 1; // minus Timestamp.set
    for (const [, evs] of Object.entries(ev.byIndex)) success += count(evs, 'balances', 'Transfer') === 1 && count(evs, 'system', 'ExtrinsicSuccess') === 1 ? 1 : 0;
  }
  const sealSeconds = seconds(t);
  if (pending !== acceptN || included !== acceptN || success !== acceptN) throw new Error(`accept: pending ${pending}, included ${included}, succeeded ${success} of ${acceptN}`);
  return {
    extrinsics: acceptN, senders: senders.length, clients: clients.length,
    acceptedPerSecond: Math.round(acceptN / submitSeconds), submitSeconds: +submitSeconds.toFixed(3),
    baselineSystemHealthPerSecond: Math.round(acceptN / healthSeconds),
    signedPerSecondBeforehand: Math.round(acceptN / signSeconds),
    sealedInBlocks: blocks, sealSeconds: +sealSeconds.toFixed(3), includedTransfersPerSecond: Math.round(acceptN / sealSeconds),
  };
}

// ---- run --------------------------------------------------------------------------------------

async function runVariant(metadata) {
  const node = await startNode(['--block-ms', '0', '--metadata', metadata, '--state-pruning', '4096']);
  try {
    const { api, dev } = await connect(node.url);
    const payer = dev.alice;
    const ed = api.consts.balances.existentialDeposit.toBigInt();
    if (amount < ed) throw new Error(`--amount-planck ${amount} is below the ED ${ed}`);
    const limit = await batchLimit(api, node.rpc, payer.address);
    log(`${metadata}: weight fit ${limit.fit} items, batch ${limit.items} (cap ${maxBatchItems})`);
    const single = await singleTransfers(api, node.rpc, payer, metadata);
    const batch = await batchOf(api, node.rpc, payer, limit.items, metadata);
    let fitBatch = null;
    if (confirmFit && limit.fit !== null && Number(limit.fit) > limit.items && Number(limit.fit) <= fitLimit) {
      log(`${metadata}: confirming the uncapped weight fit of ${limit.fit} items`);
      fitBatch = await batchOf(api, node.rpc, payer, Number(limit.fit), metadata);
    }
    log(`${metadata}: accept rate, ${acceptN} signed transfers`);
    const accept = await acceptRate(api, node.rpc, node.url, [dev.alice, dev.bob, dev.charlie, dev.dave, dev.eve, dev.ferdie], metadata);
    await api.disconnect();
    const ratio = (b) => Number(BigInt(single.feePlanck) * 1000n / BigInt(b.feePerPayoutPlanck)) / 1000;
    return {
      metadata, chain: (await node.rpc('system_chain')), specVersion: (await node.rpc('state_getRuntimeVersion')).specVersion,
      existentialDepositPlanck: ed.toString(), amountPlanck: amount.toString(),
      weights: {
        maxExtrinsicRefTime: limit.max.refTime.toString(), maxExtrinsicProofSize: limit.max.proofSize.toString(),
        itemRefTime: limit.item.refTime.toString(), itemProofSize: limit.item.proofSize.toString(),
        baseRefTime: limit.base.refTime.toString(), baseProofSize: limit.base.proofSize.toString(),
        safetyPercent: Number(safetyPercent), weightFitItems: limit.fit === null ? null : Number(limit.fit),
        maxBatchItems: Number(maxBatchItems), payoutsPerExtrinsic: limit.items,
      },
      single, batch, fitBatch,
      feeRatioSingleOverBatched: ratio(batch), feeRatioSingleOverFitBatch: fitBatch ? ratio(fitBatch) : null,
      accept,
    };
  } finally {
    await node.stop();
  }
}

const started = new Date().toISOString();
const results = [];
for (const v of variants) results.push(await runVariant(v));
const doc = { started, finished: new Date().toISOString(), host: { cpus: os.cpus().length, loadavg: os.loadavg().map((x) => +x.toFixed(2)) }, results };
const json = JSON.stringify(doc, null, 2);
if (out) writeFileSync(out, `${json}\n`);
console.log(json);
for (const r of results) {
  const ksm = (p) => (Number(BigInt(p)) / 1e12).toFixed(6);
  console.error([
    `== ${r.metadata} (${r.chain}, spec ${r.specVersion}) ==`,
    `payouts per extrinsic: ${r.weights.payoutsPerExtrinsic} (weight fit ${r.weights.weightFitItems} at ${r.weights.safetyPercent}% of max_extrinsic, cap ${r.weights.maxBatchItems}); confirmed: ${r.batch.itemCompleted}/${r.batch.items} ItemCompleted, ${r.batch.extrinsicBytes} bytes`,
    r.fitBatch ? `uncapped weight fit confirmed: ${r.fitBatch.itemCompleted}/${r.fitBatch.items} ItemCompleted, ${r.fitBatch.extrinsicBytes} bytes, fee/payout ${ksm(r.fitBatch.feePerPayoutPlanck)} KSM (${r.feeRatioSingleOverFitBatch}x lower than single)` : 'uncapped weight fit: not submitted',
    `fee: single transfer_keep_alive ${ksm(r.single.feePlanck)} KSM (${r.single.extrinsicBytes} bytes); batched ${ksm(r.batch.feePerPayoutPlanck)} KSM per payout (${ksm(r.batch.feePlanck)} for ${r.batch.items}) -> ${r.feeRatioSingleOverBatched}x lower`,
    `node accept rate: ${r.accept.acceptedPerSecond} signed transfers/s via author_submitExtrinsic (${r.accept.clients} clients); baseline system_health ${r.accept.baselineSystemHealthPerSecond}/s; sealed in ${r.accept.sealedInBlocks} block(s) at ${r.accept.includedTransfersPerSecond} transfers/s`,
  ].join('\n'));
}

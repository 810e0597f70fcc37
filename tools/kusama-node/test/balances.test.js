// Transfers, batches, fees and rejected extrinsics through the real @polkadot/api client,
// against both metadata variants.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { createKeyMulti, encodeAddress, sortAddresses } from '@polkadot/util-crypto';
import { Keyring } from '@polkadot/keyring';
import { startNode, connect, sendAndSeal, names, freeOf, KSM } from '../test-support/helpers.js';

for (const metadata of ['kusama', 'asset-hub']) {
  describe(`balances and utility (${metadata})`, () => {
    let node; let api; let dev;
    before(async () => {
      node = await startNode(['--block-ms', '0', '--metadata', metadata]);
      ({ api, dev } = await connect(node.url));
    });
    after(async () => { await api?.disconnect(); await node?.stop(); });

    it('transfer_keep_alive moves the amount, charges the fee it quoted, emits the chain events', async () => {
      const tx = api.tx.balances.transferKeepAlive(dev.bob.address, 5n * KSM);
      const before = await freeOf(api, dev.alice.address);
      const bobBefore = await freeOf(api, dev.bob.address);
      const quote = await tx.paymentInfo(dev.alice);
      const r = await sendAndSeal(api, node.rpc, tx, dev.alice);
      const idx = r.block.extrinsics.findIndex((x) => x.hash.toHex() === r.hash);
      assert.equal(idx, 1, 'extrinsic 0 is the timestamp inherent');
      assert.equal(r.block.extrinsics[0].method.section, 'timestamp');
      assert.deepEqual(names(r.byIndex[1]), ['balances.Withdraw', 'balances.Transfer', 'transactionPayment.TransactionFeePaid', 'system.ExtrinsicSuccess']);
      const transfer = r.byIndex[1][1];
      assert.equal(transfer.data[0].toString(), dev.alice.address);
      assert.equal(transfer.data[1].toString(), dev.bob.address);
      assert.equal(transfer.data[2].toBigInt(), 5n * KSM);
      const feePaid = r.byIndex[1][2].data[1].toBigInt();
      assert.equal(feePaid, quote.partialFee.toBigInt());
      assert.equal(await freeOf(api, dev.alice.address), before - 5n * KSM - feePaid);
      assert.equal(await freeOf(api, dev.bob.address), bobBefore + 5n * KSM);
      const info = await node.rpc('payment_queryInfo', r.block.extrinsics[1].toHex());
      assert.equal(BigInt(info.partialFee), feePaid);
    });

    it('transfer_allow_death to a new account below the ED fails with Token.BelowMinimum and keeps the fee', async () => {
      const fresh = '5EYCAe5ijiYfyeZ2JJCGq56LmPyNRAKzpG4QkoQkkQNB5e6Z';
      const ed = api.consts.balances.existentialDeposit.toBigInt();
      const r = await sendAndSeal(api, node.rpc, api.tx.balances.transferAllowDeath(fresh, ed - 1n), dev.alice);
      const evs = r.byIndex[1];
      assert.deepEqual(names(evs), ['balances.Withdraw', 'transactionPayment.TransactionFeePaid', 'system.ExtrinsicFailed']);
      const err = evs[2].data[0];
      assert.ok(err.isToken && err.asToken.isBelowMinimum, err.toString());
      const ok = await sendAndSeal(api, node.rpc, api.tx.balances.transferAllowDeath(fresh, ed), dev.alice);
      assert.deepEqual(names(ok.byIndex[1]).slice(1, 4), ['system.NewAccount', 'balances.Endowed', 'balances.Transfer']);
    });

    it('transfer_all empties the sender (keep_alive=false) and the account is reaped', async () => {
      const eve = dev.eve;
      const target = dev.ferdie.address;
      const r = await sendAndSeal(api, node.rpc, api.tx.balances.transferAll(target, false), eve);
      assert.ok(names(r.byIndex[1]).includes('balances.Transfer'));
      assert.ok(names(r.byIndex[1]).includes('system.KilledAccount'));
      assert.equal(await freeOf(api, eve.address), 0n);
      const acc = await api.query.system.account(eve.address);
      assert.equal(acc.providers.toNumber(), 0, 'reaped account reads as default');
    });

    it('batch_all: all transfers in one extrinsic; a failing item reverts every item', async () => {
      const calls = [api.tx.balances.transferKeepAlive(dev.bob.address, KSM), api.tx.balances.transferKeepAlive(dev.charlie.address, 2n * KSM)];
      const bob0 = await freeOf(api, dev.bob.address);
      const r = await sendAndSeal(api, node.rpc, api.tx.utility.batchAll(calls), dev.alice);
      assert.deepEqual(names(r.byIndex[1]), ['balances.Withdraw', 'balances.Transfer', 'utility.ItemCompleted', 'balances.Transfer', 'utility.ItemCompleted', 'utility.BatchCompleted', 'transactionPayment.TransactionFeePaid', 'system.ExtrinsicSuccess']);
      assert.equal(await freeOf(api, dev.bob.address), bob0 + KSM);
      const tooMuch = [api.tx.balances.transferKeepAlive(dev.bob.address, KSM), api.tx.balances.transferKeepAlive(dev.charlie.address, 10n ** 30n)];
      const f = await sendAndSeal(api, node.rpc, api.tx.utility.batchAll(tooMuch), dev.alice);
      assert.deepEqual(names(f.byIndex[1]), ['balances.Withdraw', 'transactionPayment.TransactionFeePaid', 'system.ExtrinsicFailed']);
      assert.ok(f.byIndex[1][2].data[0].asToken.isFundsUnavailable);
      assert.equal(await freeOf(api, dev.bob.address), bob0 + KSM, 'first item rolled back');
    });

    it('batch stops at the first failure (BatchInterrupted); force_batch carries on', async () => {
      const calls = [api.tx.balances.transferKeepAlive(dev.bob.address, KSM), api.tx.balances.transferKeepAlive(dev.charlie.address, 10n ** 30n), api.tx.balances.transferKeepAlive(dev.dave.address, KSM)];
      const r = await sendAndSeal(api, node.rpc, api.tx.utility.batch(calls), dev.alice);
      assert.deepEqual(names(r.byIndex[1]), ['balances.Withdraw', 'balances.Transfer', 'utility.ItemCompleted', 'utility.BatchInterrupted', 'transactionPayment.TransactionFeePaid', 'system.ExtrinsicSuccess']);
      assert.equal(r.byIndex[1][3].data[0].toNumber(), 1);
      const f = await sendAndSeal(api, node.rpc, api.tx.utility.forceBatch(calls), dev.alice);
      assert.deepEqual(names(f.byIndex[1]), ['balances.Withdraw', 'balances.Transfer', 'utility.ItemCompleted', 'utility.ItemFailed', 'balances.Transfer', 'utility.ItemCompleted', 'utility.BatchCompletedWithErrors', 'transactionPayment.TransactionFeePaid', 'system.ExtrinsicSuccess']);
    });

    it('rejects a bad signature, a stale nonce and a sender who cannot pay the fee (1010)', async () => {
      const signed = await api.tx.balances.transferKeepAlive(dev.bob.address, KSM).signAsync(dev.charlie);
      const bytes = hexToU8a(signed.toHex());
      const sigAt = bytes.indexOf(1, 35); // MultiSignature::Sr25519 tag follows the signer
      bytes[sigAt + 10] ^= 0xff;
      await assert.rejects(node.rpc('author_submitExtrinsic', u8aToHex(bytes)), (e) => e.code === 1010 && e.data === 'Transaction has a bad signature');
      const nonce = (await api.rpc.system.accountNextIndex(dev.charlie.address)).toNumber();
      await sendAndSeal(api, node.rpc, api.tx.balances.transferKeepAlive(dev.bob.address, KSM), dev.charlie, { nonce });
      const stale = await api.tx.balances.transferKeepAlive(dev.bob.address, KSM).signAsync(dev.charlie, { nonce });
      await assert.rejects(node.rpc('author_submitExtrinsic', stale.toHex()), (e) => e.code === 1010 && e.data === 'Transaction is outdated');
      await assert.rejects(api.rpc.author.submitExtrinsic(stale), /1010: Invalid Transaction: Transaction is outdated/);
      const ed = api.consts.balances.existentialDeposit.toBigInt();
      await node.rpc('dev_setBalance', dev.dave.address, (ed + 1000n).toString());
      const poor = await api.tx.balances.transferKeepAlive(dev.bob.address, 1n).signAsync(dev.dave);
      await assert.rejects(node.rpc('author_submitExtrinsic', poor.toHex()), (e) => e.code === 1010 && /Inability to pay some fees/.test(e.data));
      const dup = await api.tx.system.remark('0x01').signAsync(dev.bob);
      await node.rpc('author_submitExtrinsic', dup.toHex());
      await assert.rejects(node.rpc('author_submitExtrinsic', dup.toHex()), (e) => e.code === 1013);
      await node.rpc('dev_newBlocks', 1);
      await assert.rejects(node.rpc('author_submitExtrinsic', '0x1234'), (e) => e.code === 1001);
    });

    it('accepts ed25519 and ecdsa signers (MultiSignature), as the daemon signs with ed25519', async () => {
      for (const type of ['ed25519', 'ecdsa']) {
        const pair = new Keyring({ type, ss58Format: 2 }).addFromUri(`//Operator//${type}`);
        await sendAndSeal(api, node.rpc, api.tx.balances.transferKeepAlive(pair.address, 100n * KSM), dev.alice);
        const r = await sendAndSeal(api, node.rpc, api.tx.balances.transferKeepAlive(dev.bob.address, KSM), pair);
        assert.deepEqual(names(r.byIndex[1]).slice(1, 2), ['balances.Transfer'], type);
        assert.equal(r.byIndex[1][1].data[0].toString(), pair.address);
        const forged = await api.tx.balances.transferKeepAlive(dev.bob.address, 2n * KSM).signAsync(pair);
        const bytes = forged.toU8a();
        bytes[bytes.length - 10] ^= 1; // change the destination after signing
        await assert.rejects(node.rpc('author_submitExtrinsic', u8aToHex(bytes)), (e) => e.code === 1010 && e.data === 'Transaction has a bad signature');
      }
    });

    it('a 2-of-3 multisig transfer executes on the second approval (Balances.Transfer from the multisig)', async () => {
      const members = [dev.alice, dev.bob, dev.charlie];
      const multi = encodeAddress(createKeyMulti(members.map((m) => m.address), 2), 2);
      await sendAndSeal(api, node.rpc, api.tx.balances.transferKeepAlive(multi, 10n * KSM), dev.alice);
      const others = (me) => sortAddresses(members.filter((m) => m !== me).map((m) => m.address), 2);
      const call = api.tx.balances.transferKeepAlive(dev.dave.address, 3n * KSM);
      const weight = { refTime: 1_000_000_000n, proofSize: 100_000n };
      const first = await sendAndSeal(api, node.rpc, api.tx.multisig.asMulti(2, others(dev.alice), null, call, weight), dev.alice);
      assert.ok(names(first.byIndex[1]).includes('multisig.NewMultisig'));
      const height = (await api.rpc.chain.getHeader(first.blockHash)).number.toNumber();
      const second = await sendAndSeal(api, node.rpc, api.tx.multisig.asMulti(2, others(dev.bob), { height, index: 1 }, call, weight), dev.bob);
      const evs = second.byIndex[1];
      const transfer = evs.find((e) => e.method === 'Transfer');
      assert.equal(transfer.data[0].toString(), multi);
      assert.equal(transfer.data[2].toBigInt(), 3n * KSM);
      assert.ok(evs.find((e) => e.method === 'MultisigExecuted').data[4].isOk);
      const single = encodeAddress(createKeyMulti([dev.alice.address, dev.charlie.address], 1), 2);
      await sendAndSeal(api, node.rpc, api.tx.balances.transferKeepAlive(single, 10n * KSM), dev.alice);
      const r = await sendAndSeal(api, node.rpc, api.tx.multisig.asMultiThreshold1([dev.alice.address], api.tx.balances.transferKeepAlive(dev.dave.address, KSM)), dev.charlie);
      const t1 = r.byIndex[1].find((e) => e.method === 'Transfer');
      assert.equal(t1.data[0].toString(), single);
    });

    it('accepts sequential nonces before a block and includes them in order', async () => {
      const n0 = (await api.rpc.system.accountNextIndex(dev.bob.address)).toNumber();
      const h1 = await api.tx.balances.transferKeepAlive(dev.charlie.address, KSM).signAndSend(dev.bob, { nonce: n0 + 1 });
      const h0 = await api.tx.balances.transferKeepAlive(dev.charlie.address, KSM).signAndSend(dev.bob, { nonce: n0 });
      assert.equal((await api.rpc.system.accountNextIndex(dev.bob.address)).toNumber(), n0 + 2);
      const b = await node.rpc('dev_newBlocks', 1);
      const block = (await api.rpc.chain.getBlock(b.hash)).block;
      assert.deepEqual(block.extrinsics.slice(1).map((x) => x.hash.toHex()), [h0.toHex(), h1.toHex()]);
    });
  });
}

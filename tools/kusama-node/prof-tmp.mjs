import { Chain } from './lib/chain.js';
import { devKeyring } from './lib/genesis.js';
const chain = await Chain.create({ blockMs: 0 });
const { pairs } = devKeyring();
const reg = chain.runtime.registry;
const txs = [];
for (let i = 0; i < 50; i++) {
  const call = chain.runtime.decorated.tx.balances.transferKeepAlive(pairs.Bob.address, 10n**12n);
  const ext = reg.createType('Extrinsic', call);
  ext.sign(pairs.Alice, { nonce: i, era: reg.createType('ExtrinsicEra'), genesisHash: chain.genesisHash, blockHash: chain.genesisHash, runtimeVersion: chain.runtime.version });
  txs.push(ext.toHex());
}
let t = performance.now();
for (const x of txs) chain.submit(x);
console.log('submit ms/tx', (performance.now() - t) / 50);
t = performance.now();
chain.produceBlock();
console.log('block with 50 tx ms', performance.now() - t);
t = performance.now();
for (let i=0;i<300;i++) chain.produceBlock();
console.log('empty block ms', (performance.now() - t)/300);

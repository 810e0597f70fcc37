// A validator changes its preferences: staking.validate({commission, blocked})
// signed by a dev key with the real @polkadot/api, sealed in one block.
// Usage: node validate.mjs http://127.0.0.1:PORT //Uri COMMISSION_PERBILL true|false
import { api, keyring, rpc } from '../kusama_watcher/dev.mjs';
const who = keyring.addFromUri(process.argv[3]);
await api.tx.staking.validate({ commission: Number(process.argv[4]), blocked: process.argv[5] === 'true' })
  .signAndSend(who, { nonce: -1 });
const block = await rpc('dev_newBlocks', 1);
console.log(JSON.stringify(block));
await api.disconnect();

// "The operator used the key by hand": signs system.remark with a dev key
// (//Ferdie by default) at an explicit nonce with the real @polkadot/api,
// submits it and seals one block. Prints {hash, block}.
// Usage: node send_remark.mjs http://127.0.0.1:PORT NONCE [//Uri]
import { api, keyring, rpc } from '../kusama_watcher/dev.mjs';
const nonce = Number(process.argv[3]);
const who = keyring.addFromUri(process.argv[4] || '//Ferdie');
const tx = api.tx.system.remark('0x6c7374616b6564');
await tx.signAndSend(who, { nonce });
const { number } = await rpc('dev_newBlocks', 1);
console.log(JSON.stringify({ hash: tx.hash.toHex(), block: number }));
await api.disconnect();

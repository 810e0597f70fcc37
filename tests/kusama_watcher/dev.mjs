// What this directory's @polkadot/api scripts share: the node's URL from the
// command line, and the local node's own test helpers on it (a JSON-RPC caller
// for the dev_* methods, an ApiPromise over HTTP, the sr25519 dev keyring).
import { rpcClient, connect, KSM } from '../../tools/kusama-node/test-support/helpers.js';

export { KSM };
export const url = process.argv[2];
export const rpc = rpcClient(url);
export const { api, keyring, dev } = await connect(url);

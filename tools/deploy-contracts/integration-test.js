#!/usr/bin/env node
'use strict';
// Integration check for the contracts on a real node (CTest: contracts_deploy_anvil, label integration).
//
// Starts anvil on a free 127.0.0.1 port, deploys with tools/deploy-contracts/deploy (2-of-3 notaries),
// then uses cast — an independent EIP-712 implementation — to sign a claim as typed data and checks
// that PolkadotPool.isClaimValid accepts it, refuses tampered/under-signed/expired variants, that
// claimBonds mints, a ratio publication raises the balance, and burnBond emits TokensBurned.
// Only anvil's well-known development keys are used. Nothing leaves 127.0.0.1.

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const os = require('os');
const path = require('path');
const lib = require('./lib.js');

const BIN = path.join(lib.REPO, 'node_modules', '.bin');
const DEPLOY = path.join(__dirname, 'deploy');

// anvil's default development accounts 0, 1, 2, 3 and 5 (public test keys, funded by anvil).
const DEPLOYER_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const NOTARY_KEYS = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
];
const OPERATOR_KEY = '0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba';
// A user key that anvil does not fund; the test funds it with anvil_setBalance.
const USER_KEY = '0x47e179ec197488593b187f80a00eb0da91f1b9d0b24be2ce7bd0c0e3bb5b6f6a';

const RECIPIENT = '0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lstaked-contracts-'));
const env = { ...process.env, HOME: tmp, FOUNDRY_DISABLE_NIGHTLY_WARNING: '1' };
// Everything talks to 127.0.0.1: make sure no proxy setting can route it elsewhere.
for (const k of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(k)) delete env[k];
let anvil = null;
let failures = 0;
let checks = 0;
const t0 = Date.now();
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1).padStart(5);

function cleanup() {
  if (anvil && anvil.exitCode === null) anvil.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
process.on('SIGINT', () => process.exit(130));
process.on('SIGTERM', () => process.exit(143));

function check(ok, what) {
  checks++;
  if (ok) {
    process.stdout.write(`ok   ${elapsed()}s ${what}\n`);
  } else {
    failures++;
    process.stdout.write(`FAIL ${elapsed()}s ${what}\n`);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function cast(args) {
  const r = spawnSync(path.join(BIN, 'cast'), args, { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cast ${args[0]} ${args[1] || ''}: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

function runDeploy(args) {
  return spawnSync(process.execPath, [DEPLOY, ...args], { env, encoding: 'utf8', timeout: 120000 });
}

function writeKey(name, key, mode) {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, key + '\n', { mode });
  fs.chmodSync(file, mode);
  return file;
}

function sortedByAddress(keys) {
  return keys
    .map((k) => ({ k, a: BigInt(lib.addressOfKey(lib.hexToBytes(k))) }))
    .sort((x, y) => (x.a < y.a ? -1 : x.a > y.a ? 1 : 0))
    .map((x) => x.k);
}

function typedClaim(chainId, pool, token, claim) {
  return {
    types: {
      EIP712Domain: [
        { name: 'name', type: 'string' },
        { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' },
        { name: 'verifyingContract', type: 'address' },
      ],
      Claim: [
        { name: 'token', type: 'address' },
        { name: 'claimId', type: 'uint256' },
        { name: 'amount', type: 'uint256' },
        { name: 'claimBeforeBlock', type: 'uint256' },
        { name: 'account', type: 'address' },
      ],
    },
    primaryType: 'Claim',
    domain: { name: 'PolkadotPool', version: '1', chainId, verifyingContract: pool },
    message: {
      token,
      claimId: claim.claimId.toString(),
      amount: claim.amount.toString(),
      claimBeforeBlock: claim.claimBeforeBlock.toString(),
      account: claim.account,
    },
  };
}

let typedCounter = 0;
function castSignTyped(key, typed) {
  const file = path.join(tmp, `typed-${++typedCounter}.json`);
  fs.writeFileSync(file, JSON.stringify(typed));
  return cast(['wallet', 'sign', '--private-key', key, '--data', '--from-file', file]);
}

async function main() {
  // The port is free when picked but could be taken before anvil binds it: retry with another.
  let url;
  let rpc;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    anvil = spawn(path.join(BIN, 'anvil'), ['--host', '127.0.0.1', '--port', String(port), '--silent'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    anvil.stderr.on('data', (d) => process.stderr.write(`anvil: ${d}`));
    rpc = new lib.Rpc(url, 5000);
    const started = Date.now();
    let up = false;
    while (!up && anvil.exitCode === null && Date.now() - started < 30000) {
      try {
        await rpc.call('eth_chainId');
        up = true;
      } catch (e) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (up) break;
    if (anvil.exitCode === null) anvil.kill('SIGTERM');
    if (attempt >= 3) throw new Error('anvil did not start');
  }
  const chainId = Number(BigInt(await rpc.call('eth_chainId')));
  const notaries = NOTARY_KEYS.map((k) => lib.addressOfKey(lib.hexToBytes(k)));
  const operator = lib.addressOfKey(lib.hexToBytes(OPERATOR_KEY));
  const user = lib.addressOfKey(lib.hexToBytes(USER_KEY));

  // --- the key file must be private, and the key never appears in any output
  const looseKey = writeKey('loose.key', DEPLOYER_KEY, 0o644);
  const refused = runDeploy(['--rpc-url', url, '--private-key-file', looseKey]);
  check(refused.status !== 0 && /too open/.test(refused.stderr), 'deploy refuses a 0644 key file');
  const keyFile = writeKey('deployer.key', DEPLOYER_KEY, 0o600);
  const outFile = path.join(tmp, 'deployment.json');
  const tomlFile = path.join(tmp, 'ethereum.toml');
  const deployArgs = ['--rpc-url', url, '--private-key-file', keyFile, '--out', outFile, '--toml-out', tomlFile,
    '--threshold', '2',
    '--operator', operator, '--guardian', operator];
  for (const n of notaries) deployArgs.push('--notary', n);
  const dep = runDeploy(deployArgs);
  if (dep.status !== 0) throw new Error(`deploy failed: ${dep.stderr}`);
  const bareKey = DEPLOYER_KEY.slice(2).toLowerCase();
  check(![refused, dep].some((r) => (r.stdout + r.stderr).toLowerCase().includes(bareKey)), 'key never printed');

  // --- output format
  const out = JSON.parse(dep.stdout);
  const fileOut = JSON.parse(fs.readFileSync(outFile, 'utf8'));
  check(JSON.stringify(out) === JSON.stringify(fileOut), '--out file equals stdout');
  check(JSON.stringify(Object.keys(out)) === JSON.stringify(['chainId', 'pool', 'token', 'deployBlock']), 'output keys');
  check(out.chainId === chainId, 'chainId');
  check(lib.toChecksumAddress(out.pool) === out.pool && lib.toChecksumAddress(out.token) === out.token, 'EIP-55 addresses');
  check(Number.isInteger(out.deployBlock) && out.deployBlock >= 1, 'deployBlock');
  check((await rpc.call('eth_getCode', [out.pool, 'latest'])).length > 2, 'pool has code');
  check((await rpc.call('eth_getCode', [out.token, 'latest'])).length > 2, 'token has code');
  const poolAtDeployBlock = await rpc.call('eth_getCode', [out.pool, '0x' + out.deployBlock.toString(16)]);
  const poolBefore = await rpc.call('eth_getCode', [out.pool, '0x' + (out.deployBlock - 1).toString(16)]);
  check(poolAtDeployBlock.length > 2 && poolBefore === '0x', 'deployBlock is the pool creation block');
  const { pool, token } = out;
  const toml = fs.readFileSync(tomlFile, 'utf8');
  check(toml.includes('[ethereum]\n') && toml.includes(`pool_address = "${pool}"`) &&
    toml.includes(`token_address = "${token}"`) && toml.includes(`chain_id = ${chainId}`), '--toml-out fragment');

  // --- the known-answer vector published in docs/contracts.md (first deployment from anvil key 0)
  if (pool === '0x5FbDB2315678afecb367f032d93F642f64180aa3') {
    const kat = { claimId: 0x1234n, amount: 12123400000000000000n, claimBeforeBlock: 123321123n,
      account: '0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65' };
    const katDigest = cast(['call', '--rpc-url', url, pool, 'claimDigest(address,uint256,uint256,uint256,address)(bytes32)',
      token, kat.claimId.toString(), kat.amount.toString(), kat.claimBeforeBlock.toString(), kat.account]);
    check(cast(['call', '--rpc-url', url, pool, 'domainSeparator()(bytes32)']) ===
      '0xbd7f3ed5e2bc5bbc08e36c467d7b4f908c2027c21e2c958470c70c494f0b038e', 'documented domain separator');
    check(katDigest === '0x55e1e79de761b1344e150959a106e985f625deabebf9563dad5d9f1a91995596', 'documented digest');
    check(castSignTyped(NOTARY_KEYS[0], typedClaim(chainId, pool, token, kat)) ===
      '0xb51864c45c9be9d2c9f344d3da5ac40f48c9cbafc9ece9bc41c1d9f69d585c23029cccbd34a3752a96e223204273d75a1b820906498af516909061162eb1d8b91b',
      'documented signature');
  } else {
    check(false, `first deployment expected at 0x5FbDB2315678afecb367f032d93F642f64180aa3, got ${pool}`);
  }

  // --- a claim signed by two notaries with cast's EIP-712 implementation
  const head = Number(BigInt(await rpc.call('eth_blockNumber')));
  const claim = { claimId: 0xc1a1a0001n, amount: 12123400000000000000n, claimBeforeBlock: BigInt(head + 100), account: user };
  const typed = typedClaim(chainId, pool, token, claim);
  const [k1, k2, k3] = sortedByAddress(NOTARY_KEYS);
  const sig = (keys, t = typed) => '0x' + keys.map((k) => castSignTyped(k, t).replace(/^0x/, '')).join('');
  const twoSigs = sig([k1, k3]);
  const isValid = (c, signature) => cast(['call', '--rpc-url', url, pool,
    'isClaimValid(address,uint256,uint256,uint256,address,bytes)(bool)', token, c.claimId.toString(),
    c.claimBeforeBlock.toString(), c.amount.toString(), c.account, signature]);

  check(isValid(claim, twoSigs) === 'true', 'isClaimValid: 2-of-3 cast-signed claim is valid');
  check(isValid(claim, sig([k1, k2, k3])) === 'true', 'isClaimValid: 3-of-3 valid');
  check(isValid(claim, sig([k2])) === 'false', 'isClaimValid: 1 signature under threshold refused');
  check(isValid(claim, sig([k3, k1])) === 'false', 'isClaimValid: descending signers refused');
  check(isValid({ ...claim, amount: claim.amount + 1n }, twoSigs) === 'false', 'isClaimValid: tampered amount refused');
  const otherDomain = JSON.parse(JSON.stringify(typed));
  otherDomain.domain.version = '2';
  check(isValid(claim, sig([k1, k3], otherDomain)) === 'false', 'isClaimValid: other domain version refused');
  const digest = cast(['call', '--rpc-url', url, pool, 'claimDigest(address,uint256,uint256,uint256,address)(bytes32)',
    token, claim.claimId.toString(), claim.amount.toString(), claim.claimBeforeBlock.toString(), user]);
  const recovered = cast(['wallet', 'verify', '--address', lib.addressOfKey(lib.hexToBytes(k1)), '--no-hash', digest,
    '0x' + twoSigs.slice(2, 132)]);
  check(/Validation succeeded/i.test(recovered), 'claimDigest equals the digest cast signed');

  // --- claimBonds by the user, on chain
  await rpc.call('anvil_setBalance', [user, '0x56BC75E2D63100000']); // 100 ETH for gas
  const send = (key, ...args) => JSON.parse(cast(['send', '--json', '--rpc-url', url, '--private-key', key, ...args]));
  const claimReceipt = send(USER_KEY, pool, 'claimBonds(address,uint256,uint256,uint256,address,bytes)',
    token, claim.claimId.toString(), claim.amount.toString(), claim.claimBeforeBlock.toString(), user, twoSigs);
  check(claimReceipt.status === '0x1', 'claimBonds mined');
  const claimedTopic = lib.bytesToHex(lib.keccakText('BondsClaimed(uint256,address,address,uint256,uint256)'));
  const claimedLog = claimReceipt.logs.find((l) => l.topics[0] === claimedTopic);
  check(claimedLog && BigInt(claimedLog.topics[1]) === claim.claimId, 'BondsClaimed event with the claimId');
  const balance = () => BigInt(cast(['call', '--rpc-url', url, token, 'balanceOf(address)(uint256)', user]).split(' ')[0]);
  check(balance() === claim.amount, 'balance minted');
  check(isValid(claim, twoSigs) === 'false', 'isClaimValid: used claim refused');

  // --- expiry on a real chain: valid before claimBeforeBlock, refused from it on
  const head2 = Number(BigInt(await rpc.call('eth_blockNumber')));
  const soon = { claimId: 0xc1a1a0002n, amount: 1000000000000000000n, claimBeforeBlock: BigInt(head2 + 3), account: user };
  const soonSig = sig([k1, k2], typedClaim(chainId, pool, token, soon));
  check(isValid(soon, soonSig) === 'true', 'isClaimValid: unexpired claim valid');
  await rpc.call('anvil_mine', ['0x3']);
  check(isValid(soon, soonSig) === 'false', 'isClaimValid: expired claim refused');

  // --- the operator publishes a ratio a day later; balances grow
  await rpc.call('evm_increaseTime', ['0x15180']);
  await rpc.call('evm_mine', []);
  const ratioReceipt = send(OPERATOR_KEY, token, 'updateRatio(uint256)', '999500000000000000');
  check(ratioReceipt.status === '0x1', 'operator updateRatio within bounds');
  check(balance() > claim.amount, 'balance grew after the reward');

  // --- burnBond
  const burnReceipt = send(USER_KEY, pool, 'burnBond(address,uint256,bytes)', token, '1000000000000000000', RECIPIENT);
  const burnedTopic = lib.bytesToHex(lib.keccakText('TokensBurned(address,address,uint256,uint256,bytes32,uint256)'));
  const burnedLog = burnReceipt.logs.find((l) => l.topics[0] === burnedTopic);
  check(Boolean(burnedLog), 'TokensBurned emitted');
  if (burnedLog) {
    const data = burnedLog.data.slice(2);
    check(lib.toChecksumAddress('0x' + burnedLog.topics[1].slice(26)) === user, 'TokensBurned.account');
    check(lib.toChecksumAddress('0x' + burnedLog.topics[2].slice(26)) === token, 'TokensBurned.bond');
    check(BigInt(burnedLog.topics[3]) === 1n, 'TokensBurned.requestId = 1');
    check(BigInt('0x' + data.slice(0, 64)) === 10n ** 18n, 'TokensBurned.amount');
    check(BigInt('0x' + data.slice(64, 128)) === (10n ** 18n * 999500000000000000n + 10n ** 18n - 1n) / 10n ** 18n,
      'TokensBurned.shares rounded up at the new ratio');
    check('0x' + data.slice(128, 192) === RECIPIENT, 'TokensBurned.recipient');
  }

  // --- admin hand-off: a second deployment whose admin is another address
  const dep2 = runDeploy(['--rpc-url', url, '--private-key-file', keyFile, '--admin', operator]);
  check(dep2.status === 0, 'deploy with --admin');
  if (dep2.status === 0) {
    const o2 = JSON.parse(dep2.stdout);
    const deployer = lib.addressOfKey(lib.hexToBytes(DEPLOYER_KEY));
    const role = '0x' + '00'.repeat(32);
    const has = (c, a) => cast(['call', '--rpc-url', url, c, 'hasRole(bytes32,address)(bool)', role, a]);
    check(has(o2.pool, operator) === 'true' && has(o2.token, operator) === 'true', 'new admin holds both admin roles');
    check(has(o2.pool, deployer) === 'false' && has(o2.token, deployer) === 'false', 'deployer renounced admin');
  }

  process.stdout.write(`${checks - failures}/${checks} checks passed\n`);
  process.exitCode = failures ? 1 : 0;
}

main()
  .catch((e) => {
    process.stderr.write(`integration-test: ${e.stack || e.message}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    // The anvil child keeps the event loop alive; stop it so the process ends.
    if (anvil && anvil.exitCode === null) anvil.kill('SIGTERM');
    setTimeout(() => process.exit(), 3000).unref();
  });

'use strict';
// Shared pieces of the deploy tool: compile the contracts with the pinned npm solc, encode ABI
// calls, sign EIP-1559 transactions in-process, and speak plain Ethereum JSON-RPC.
//
// Keys: the private key only ever lives in this process's memory. It is never printed, logged, put
// on a command line or in the environment of a child process.

const fs = require('fs');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const CONTRACTS = path.join(REPO, 'chain', 'ethereum', 'contracts');
const NODE_MODULES = path.join(REPO, 'node_modules');

function requireRepo(name) {
  return require(require.resolve(name, { paths: [NODE_MODULES] }));
}

const { keccak_256 } = requireRepo('@noble/hashes/sha3');
const { secp256k1 } = requireRepo('@noble/curves/secp256k1');

// ------------------------------------------------------------------ bytes and hashing

function hexToBytes(hex) {
  let h = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (h.length % 2) h = '0' + h;
  if (!/^[0-9a-fA-F]*$/.test(h)) throw new Error('not hex');
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

function bytesToHex(bytes) {
  return '0x' + Buffer.from(bytes).toString('hex');
}

function keccak(bytes) {
  return keccak_256(bytes);
}

function keccakText(text) {
  return keccak_256(Buffer.from(text, 'utf8'));
}

/// EIP-55 checksummed address.
function toChecksumAddress(address) {
  const lower = address.toLowerCase().replace(/^0x/, '');
  if (!/^[0-9a-f]{40}$/.test(lower)) throw new Error(`bad address: ${address}`);
  const hash = Buffer.from(keccakText(lower)).toString('hex');
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(hash[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return out;
}

function isAddress(text) {
  return /^0x[0-9a-fA-F]{40}$/.test(text);
}

// ------------------------------------------------------------------ keys

/// Reads a hex secp256k1 private key from a file that only its owner can read (mode 0600 or 0400).
function readPrivateKeyFile(file) {
  const st = fs.statSync(file);
  if (!st.isFile()) throw new Error(`${file}: not a regular file`);
  if ((st.mode & 0o077) !== 0) {
    throw new Error(`${file}: permissions ${(st.mode & 0o777).toString(8)} are too open; chmod 600 it`);
  }
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(text)) {
    // Deliberately does not echo the content.
    throw new Error(`${file}: expected one 32-byte hex private key`);
  }
  const key = hexToBytes(text);
  if (!secp256k1.utils.isValidPrivateKey(key)) throw new Error(`${file}: not a valid secp256k1 key`);
  return key;
}

function addressOfKey(privateKey) {
  const pub = secp256k1.getPublicKey(privateKey, false); // 65 bytes, 0x04 prefix
  return toChecksumAddress(bytesToHex(keccak(pub.slice(1)).slice(12)));
}

// ------------------------------------------------------------------ RLP (for transactions)

function rlpLength(len, offset) {
  if (len < 56) return Uint8Array.of(offset + len);
  const lenBytes = hexToBytes(len.toString(16));
  return Uint8Array.from([offset + 55 + lenBytes.length, ...lenBytes]);
}

function rlpEncode(item) {
  if (Array.isArray(item)) {
    const body = Buffer.concat(item.map((x) => Buffer.from(rlpEncode(x))));
    return Uint8Array.from(Buffer.concat([Buffer.from(rlpLength(body.length, 0xc0)), body]));
  }
  const bytes = item;
  if (bytes.length === 1 && bytes[0] < 0x80) return bytes;
  return Uint8Array.from(Buffer.concat([Buffer.from(rlpLength(bytes.length, 0x80)), Buffer.from(bytes)]));
}

/// Minimal big-endian bytes of a non-negative integer (empty for zero), as RLP wants.
function intBytes(value) {
  const v = BigInt(value);
  if (v < 0n) throw new Error('negative');
  if (v === 0n) return new Uint8Array(0);
  return hexToBytes(v.toString(16));
}

// ------------------------------------------------------------------ ABI encoding

function word(value) {
  const v = BigInt(value);
  if (v < 0n || v >= 1n << 256n) throw new Error('uint256 out of range');
  return Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
}

function padRight(buf) {
  const pad = (32 - (buf.length % 32)) % 32;
  return Buffer.concat([buf, Buffer.alloc(pad)]);
}

/// Encodes `values` as the ABI tuple of `types`. Supports what the deploy needs:
/// address, uint256, bool, bytes32, string, bytes, address[].
function abiEncode(types, values) {
  const heads = [];
  const tails = [];
  let tailOffset = 32 * types.length;
  types.forEach((type, i) => {
    const v = values[i];
    let tail = null;
    switch (type) {
      case 'address':
        if (!isAddress(v)) throw new Error(`bad address: ${v}`);
        heads.push(word(BigInt(v)));
        break;
      case 'uint256':
        heads.push(word(v));
        break;
      case 'bool':
        heads.push(word(v ? 1 : 0));
        break;
      case 'bytes32': {
        const b = Buffer.from(hexToBytes(v));
        if (b.length !== 32) throw new Error('bytes32 must be 32 bytes');
        heads.push(b);
        break;
      }
      case 'string':
      case 'bytes': {
        const b = type === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(hexToBytes(v));
        tail = Buffer.concat([word(b.length), padRight(b)]);
        break;
      }
      case 'address[]':
        tail = Buffer.concat([word(v.length), ...v.map((a) => {
          if (!isAddress(a)) throw new Error(`bad address: ${a}`);
          return word(BigInt(a));
        })]);
        break;
      default:
        throw new Error(`abiEncode: unsupported type ${type}`);
    }
    if (tail) {
      heads.push(word(tailOffset));
      tails.push(tail);
      tailOffset += tail.length;
    }
  });
  return Buffer.concat([...heads, ...tails]);
}

function selector(signature) {
  return Buffer.from(keccakText(signature).slice(0, 4));
}

/// Calldata for `name(type,...)` with values.
function encodeCall(signature, values) {
  const types = signature.slice(signature.indexOf('(') + 1, -1).split(',').filter((t) => t);
  return bytesToHex(Buffer.concat([selector(signature), abiEncode(types, values)]));
}

// ------------------------------------------------------------------ compile

// Kept in step with foundry.toml so forge's artifacts and these are the same contracts.
const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'cancun',
  metadata: { bytecodeHash: 'none', appendCBOR: false },
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
};

/// Compiles chain/ethereum/contracts/src/*.sol with the npm solc. Returns {Name: {abi, bytecode}}.
function compileContracts() {
  const solc = requireRepo('solc');
  const srcDir = path.join(CONTRACTS, 'src');
  const sources = {};
  for (const f of fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
    sources[`src/${f}`] = { content: fs.readFileSync(path.join(srcDir, f), 'utf8') };
  }
  const input = { language: 'Solidity', sources, settings: SOLC_SETTINGS };
  const findImport = (p) => {
    for (const root of [CONTRACTS, NODE_MODULES]) {
      const full = path.join(root, p);
      if (fs.existsSync(full)) return { contents: fs.readFileSync(full, 'utf8') };
    }
    return { error: `not found: ${p}` };
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error('solc: ' + errors.map((e) => e.formattedMessage).join('\n'));
  const result = {};
  for (const [file, contracts] of Object.entries(out.contracts)) {
    if (!file.startsWith('src/')) continue;
    for (const [name, c] of Object.entries(contracts)) {
      result[name] = { abi: c.abi, bytecode: '0x' + c.evm.bytecode.object };
    }
  }
  return result;
}

// ------------------------------------------------------------------ JSON-RPC

class Rpc {
  constructor(url, timeoutMs = 30000) {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported RPC URL scheme: ${u.protocol}`);
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.id = 0;
  }

  async call(method, params = []) {
    const body = JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params });
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`${method}: HTTP ${res.status}`);
    const json = await res.json();
    if (json.error) throw new Error(`${method}: ${json.error.message || JSON.stringify(json.error)}`);
    return json.result;
  }
}

/// Signs and sends EIP-1559 transactions from one key, one at a time, waiting for each receipt.
class Sender {
  constructor(rpc, privateKey, chainId) {
    this.rpc = rpc;
    this.key = privateKey;
    this.chainId = BigInt(chainId);
    this.from = addressOfKey(privateKey);
    this.nonce = null;
  }

  async fees() {
    const block = await this.rpc.call('eth_getBlockByNumber', ['latest', false]);
    const base = BigInt(block.baseFeePerGas || '0x0');
    let tip;
    try {
      tip = BigInt(await this.rpc.call('eth_maxPriorityFeePerGas'));
    } catch (e) {
      tip = 1_000_000_000n;
    }
    return { maxPriorityFeePerGas: tip, maxFeePerGas: base * 2n + tip };
  }

  /// Sends {to (null for a creation), data, value}; resolves to the receipt (status 1 enforced).
  async send({ to, data, value = 0n }, { timeoutMs = 120000, what = 'transaction' } = {}) {
    if (this.nonce === null) {
      this.nonce = BigInt(await this.rpc.call('eth_getTransactionCount', [this.from, 'pending']));
    }
    const txForEstimate = { from: this.from, data, value: '0x' + BigInt(value).toString(16) };
    if (to) txForEstimate.to = to;
    const estimate = BigInt(await this.rpc.call('eth_estimateGas', [txForEstimate]));
    const gas = (estimate * 12n) / 10n + 10_000n;
    const { maxPriorityFeePerGas, maxFeePerGas } = await this.fees();
    const fields = [
      intBytes(this.chainId),
      intBytes(this.nonce),
      intBytes(maxPriorityFeePerGas),
      intBytes(maxFeePerGas),
      intBytes(gas),
      to ? hexToBytes(to) : new Uint8Array(0),
      intBytes(value),
      hexToBytes(data),
      [], // access list
    ];
    const unsigned = Buffer.concat([Buffer.from([2]), Buffer.from(rlpEncode(fields))]);
    const sig = secp256k1.sign(keccak(unsigned), this.key, { lowS: true });
    const signed = Buffer.concat([
      Buffer.from([2]),
      Buffer.from(rlpEncode([...fields, intBytes(sig.recovery), intBytes(sig.r), intBytes(sig.s)])),
    ]);
    const hash = await this.rpc.call('eth_sendRawTransaction', [bytesToHex(signed)]);
    this.nonce += 1n;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const receipt = await this.rpc.call('eth_getTransactionReceipt', [hash]);
      if (receipt) {
        if (receipt.status !== '0x1') throw new Error(`${what} ${hash} reverted`);
        return receipt;
      }
      if (Date.now() > deadline) throw new Error(`${what} ${hash}: no receipt after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

module.exports = {
  REPO,
  CONTRACTS,
  hexToBytes,
  bytesToHex,
  keccak,
  keccakText,
  toChecksumAddress,
  isAddress,
  readPrivateKeyFile,
  addressOfKey,
  rlpEncode,
  abiEncode,
  encodeCall,
  compileContracts,
  Rpc,
  Sender,
};

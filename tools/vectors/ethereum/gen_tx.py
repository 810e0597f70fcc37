#!/usr/bin/env python3
"""Transaction vectors from cast: `cast mktx` (offline: every field given) for
EIP-1559 and legacy EIP-155 transactions, with and without calldata, and
contract creations; the hash from `cast decode-transaction`.
Run: python3 tools/vectors/ethereum/gen_tx.py"""
import json

from common import ANVIL_KEYS, cast, det_bytes, det_hex, write


def num(label, bits):
    return int.from_bytes(det_bytes(label, 32), "big") % (1 << bits)


vectors = []
for i in range(260):
    legacy = i % 5 >= 3
    key = ANVIL_KEYS[i % len(ANVIL_KEYS)] if i % 2 else det_hex("tx-key-%d" % i, 32)
    tx = {
        "type": "legacy" if legacy else "eip1559",
        "chain_id": str([1, 31337, 11155111, 137, num("chain-%d" % i, 40)][i % 5]),
        "nonce": str([0, 1, 127, 128, num("nonce-%d" % i, 40)][i % 5]),
        "gas_limit": str([21000, 100000, num("gas-%d" % i, 30)][i % 3]),
        "value": str([0, 1, 10 ** 18, num("value-%d" % i, 100)][i % 4]),
        "data": det_hex("data-%d" % i, [0, 4, 36, 68, 300][i % 5]) if i % 5 else "0x",
        "to": None if i % 17 == 0 else det_hex("to-%d" % i, 20),
    }
    if legacy:
        tx["gas_price"] = str(num("gp-%d" % i, 40))
    else:
        tx["max_priority_fee_per_gas"] = str(num("prio-%d" % i, 32))
        tx["max_fee_per_gas"] = str(num("maxfee-%d" % i, 44))
    args = ["mktx", "--private-key", key, "--nonce", tx["nonce"], "--gas-limit", tx["gas_limit"],
            "--chain", tx["chain_id"], "--value", tx["value"]]
    if legacy:
        args += ["--legacy", "--gas-price", tx["gas_price"]]
    else:
        args += ["--gas-price", tx["max_fee_per_gas"],
                 "--priority-gas-price", tx["max_priority_fee_per_gas"]]
    if tx["to"] is None:
        if tx["data"] == "0x":
            tx["data"] = "0x00"
        args += ["--create", tx["data"]]
    else:
        args += [tx["to"]] + ([tx["data"]] if tx["data"] != "0x" else [])
    raw = cast(*args)
    decoded = json.loads(json.loads(cast("decode-transaction", raw)))
    vectors.append({"key": key, "tx": tx, "raw": raw, "hash": decoded["hash"]})
write("transactions.json", vectors, "python3 tools/vectors/ethereum/gen_tx.py")

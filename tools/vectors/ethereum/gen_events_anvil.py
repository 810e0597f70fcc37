#!/usr/bin/env python3
"""Event logs as Solidity really emits them: compiles Emitter.sol with the npm
solc (solcjs 0.8.28), deploys it on a local anvil (127.0.0.1 only), calls it
with cast and records the receipts' logs. This is the ground truth the
events.json workarounds for cast's abi-encode-event (see README.md) are checked
against. Run: python3 tools/vectors/ethereum/gen_events_anvil.py"""
import json
import os
import socket
import subprocess
import tempfile
import time

from common import ANVIL_KEYS, ROOT, cast, det_hex, write

HERE = os.path.dirname(os.path.abspath(__file__))
out_dir = tempfile.mkdtemp(prefix="emitter-")
subprocess.run([os.path.join(ROOT, "node_modules", ".bin", "solcjs"), "--bin", "--optimize",
                "-o", out_dir, "Emitter.sol"], cwd=HERE, check=True, capture_output=True)
bytecode = "0x" + open(os.path.join(out_dir, "Emitter_sol_Emitter.bin")).read().strip()

sock = socket.socket()
sock.bind(("127.0.0.1", 0))
port = sock.getsockname()[1]
sock.close()
anvil = subprocess.Popen([os.path.join(ROOT, "node_modules", ".bin", "anvil"), "--host", "127.0.0.1",
                          "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
rpc = "http://127.0.0.1:%d" % port
try:
    for _ in range(100):
        try:
            cast("block-number", "--rpc-url", rpc)
            break
        except RuntimeError:
            time.sleep(0.1)
    key = ANVIL_KEYS[0]
    deployed = json.loads(cast("send", "--json", "--rpc-url", rpc, "--private-key", key,
                               "--create", bytecode))
    emitter = deployed["contractAddress"]
    calls = []
    for i in range(12):
        calls.append(("TokensBurned(address indexed from,uint256 amount,bytes polkadotRecipient)",
                      "burned(uint256,bytes)", [str(i * 10 ** 18 + 7), det_hex("recipient-%d" % i, 32 + i)]))
        calls.append(("Hashed(string indexed s,bytes indexed b,uint16[] c)",
                      "hashed(string,bytes,uint16[])",
                      ["word %d" % i, det_hex("b-%d" % i, i * 7), "[%s]" % ",".join(str(j * 911 % 65536) for j in range(i % 4))]))
        calls.append(("Arrays(uint256[] indexed a,address[2] indexed b,int24 c)",
                      "arrays(uint256[],address[2],int24)",
                      ["[%s]" % ",".join(str(j + i) for j in range(i % 3)),
                       "[%s,%s]" % (det_hex("a1-%d" % i, 20), det_hex("a2-%d" % i, 20)), str(-i * 1000)]))
    sender = cast("wallet", "address", "--private-key", key)

    def values_of(signature, args):
        """The event's values in our JSON form (see chain/ethereum/abi.hpp)."""
        def arr(text):
            return [x for x in text[1:-1].split(",") if x]
        if signature.startswith("TokensBurned"):
            return [sender, args[0], args[1]]
        if signature.startswith("Hashed"):
            return [args[0], args[1], arr(args[2])]
        return [arr(args[0]), arr(args[1]), args[2]]

    vectors = []
    for signature, function, args in calls:
        receipt = json.loads(cast("send", "--json", "--rpc-url", rpc, "--private-key", key,
                                  emitter, function, "--", *args))
        log = receipt["logs"][0]
        vectors.append({"signature": signature, "function": function, "args": args,
                        "values": values_of(signature, args),
                        "topics": log["topics"], "data": log["data"]})
    write("events_anvil.json", vectors, "python3 tools/vectors/ethereum/gen_events_anvil.py")
finally:
    anvil.terminate()
    anvil.wait()

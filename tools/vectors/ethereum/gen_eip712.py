#!/usr/bin/env python3
"""EIP-712 and EIP-191 vectors from cast.
eip712.json: typed-data documents (the PolkadotPool claim with many values,
the EIP-712 spec's Mail example, nested structs and arrays, every atomic type)
signed with `cast wallet sign --data --from-file <doc> --private-key <key>`.
Signatures are deterministic (RFC 6979), so equal signatures prove equal digests.
personal.json: `cast wallet sign <message>` (EIP-191 personal messages).
Run: python3 tools/vectors/ethereum/gen_eip712.py"""
import json
import os
import tempfile

from common import ANVIL_KEYS, cast, det_bytes, det_hex, write

DOMAIN_TYPE = [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
               {"name": "chainId", "type": "uint256"},
               {"name": "verifyingContract", "type": "address"}]
CLAIM_TYPE = [{"name": "token", "type": "address"}, {"name": "claimId", "type": "uint256"},
              {"name": "amount", "type": "uint256"},
              {"name": "claimBeforeBlock", "type": "uint256"},
              {"name": "account", "type": "address"}]


def num(label, bits):
    return int.from_bytes(det_bytes(label, 32), "big") % (1 << bits)


docs = []
for i in range(120):
    chain = [1, 31337, 11155111, num("chain-%d" % i, 64)][i % 4]
    docs.append({
        "types": {"EIP712Domain": DOMAIN_TYPE, "Claim": CLAIM_TYPE},
        "primaryType": "Claim",
        "domain": {"name": "PolkadotPool", "version": "1", "chainId": chain,
                   "verifyingContract": det_hex("pool-%d" % (i % 7), 20)},
        "message": {"token": det_hex("token-%d" % (i % 5), 20),
                    "claimId": str(num("claimid-%d" % i, 256 if i % 3 else 64)),
                    "amount": str(num("amount-%d" % i, 96)),
                    "claimBeforeBlock": num("block-%d" % i, 32),
                    "account": det_hex("account-%d" % i, 20)},
    })

mail_types = {
    "EIP712Domain": DOMAIN_TYPE,
    "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
    "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
             {"name": "contents", "type": "string"}],
}
docs.append({"types": mail_types, "primaryType": "Mail",
             "domain": {"name": "Ether Mail", "version": "1", "chainId": 1,
                        "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
             "message": {"from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                         "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                         "contents": "Hello, Bob!"}})

# Every atomic type, arrays of atoms and of structs, a domain without
# EIP712Domain in types (derived from the fields present), and a salt.
for i in range(40):
    types = {
        "Inner": [{"name": "tag", "type": "bytes4"}, {"name": "ok", "type": "bool"},
                  {"name": "who", "type": "address[]"}],
        "All": [{"name": "u8", "type": "uint8"}, {"name": "u256", "type": "uint256"},
                {"name": "i16", "type": "int16"}, {"name": "i256", "type": "int256"},
                {"name": "b32", "type": "bytes32"}, {"name": "b1", "type": "bytes1"},
                {"name": "blob", "type": "bytes"}, {"name": "text", "type": "string"},
                {"name": "flag", "type": "bool"}, {"name": "inner", "type": "Inner"},
                {"name": "inners", "type": "Inner[]"}, {"name": "grid", "type": "uint32[2][]"},
                {"name": "names", "type": "string[]"}],
    }
    domain = {"name": "Test %d" % i, "chainId": 5 + i}
    if i % 2:
        types["EIP712Domain"] = [{"name": "name", "type": "string"},
                                 {"name": "chainId", "type": "uint256"},
                                 {"name": "salt", "type": "bytes32"}]
        domain["salt"] = det_hex("salt-%d" % i, 32)

    def inner(k):
        return {"tag": det_hex("tag-%d-%d" % (i, k), 4), "ok": k % 2 == 0,
                "who": [det_hex("who-%d-%d-%d" % (i, k, j), 20) for j in range(k % 3)]}

    docs.append({"types": types, "primaryType": "All", "domain": domain, "message": {
        "u8": num("u8-%d" % i, 8), "u256": str(num("u256-%d" % i, 256)),
        "i16": -num("i16-%d" % i, 15), "i256": str(-num("i256-%d" % i, 200)),
        "b32": det_hex("b32-%d" % i, 32), "b1": det_hex("b1-%d" % i, 1),
        "blob": det_hex("blob-%d" % i, i * 3), "text": "text number %d" % i,
        "flag": i % 3 == 0, "inner": inner(i), "inners": [inner(i + k) for k in range(i % 4)],
        "grid": [[num("g-%d-%d-a" % (i, k), 32), num("g-%d-%d-b" % (i, k), 32)] for k in range(i % 3)],
        "names": ["n%d" % k for k in range(i % 5)]}})

vectors = []
tmp = tempfile.mkdtemp(prefix="eip712-")
for i, doc in enumerate(docs):
    key = ANVIL_KEYS[i % len(ANVIL_KEYS)]
    path = os.path.join(tmp, "doc.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    sig = cast("wallet", "sign", "--data", "--from-file", path, "--private-key", key)
    vectors.append({"key": key, "typed_data": doc, "signature": sig})
write("eip712.json", vectors, "python3 tools/vectors/ethereum/gen_eip712.py")

personal = []
for i in range(30):
    msg = det_hex("personal-%d" % i, i * 5)
    key = ANVIL_KEYS[i % len(ANVIL_KEYS)]
    personal.append({"key": key, "message_hex": msg,
                     "signature": cast("wallet", "sign", "--private-key", key, msg)})
write("personal.json", personal, "python3 tools/vectors/ethereum/gen_eip712.py")

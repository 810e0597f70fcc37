#!/usr/bin/env python3
"""secp256k1 vectors: for each key and 32-byte digest, cast's raw signature
(`cast wallet sign --no-hash`, RFC 6979) and the key's address and public key.
Run: python3 tools/vectors/ethereum/gen_secp256k1.py"""
from common import ANVIL_KEYS, cast, det_hex, write

vectors = []
keys = ANVIL_KEYS + [det_hex("secp-key-%d" % i, 32) for i in range(45)]
for k_index, key in enumerate(keys):
    address = cast("wallet", "address", "--private-key", key)
    pub = cast("wallet", "public-key", "--raw-private-key", key)
    for d_index in range(4):
        digest = det_hex("secp-digest-%d-%d" % (k_index, d_index), 32)
        sig = cast("wallet", "sign", "--no-hash", "--private-key", key, digest)
        vectors.append({"key": key, "digest": digest, "signature": sig,
                        "address": address, "public_key": pub})
write("secp256k1.json", vectors, "python3 tools/vectors/ethereum/gen_secp256k1.py")

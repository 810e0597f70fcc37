#!/usr/bin/env python3
"""keccak-256 and EIP-55 vectors from cast.
keccak.json: `cast keccak 0x<hex>` for inputs of every length 0..300 (crossing
the 136-byte rate) and `cast keccak <text>` for a few strings.
checksum.json: `cast to-check-sum-address` of 200 deterministic addresses.
Run: python3 tools/vectors/ethereum/gen_keccak_address.py"""
from common import cast, det_hex, write

keccak = []
for n in list(range(0, 300)) + [1000, 4096]:
    data = det_hex("keccak-%d" % n, n) if n else "0x"
    keccak.append({"input_hex": data, "hash": cast("keccak", data)})
for text in ["hello", "Transfer(address,address,uint256)", "lstaked", "a b c", "Ünïcødé"]:
    keccak.append({"input_text": text, "hash": cast("keccak", text)})
write("keccak.json", keccak, "python3 tools/vectors/ethereum/gen_keccak_address.py")

checksum = []
for i in range(200):
    lower = det_hex("address-%d" % i, 20)
    checksum.append({"lower": lower, "checksummed": cast("to-check-sum-address", lower)})
write("checksum.json", checksum, "python3 tools/vectors/ethereum/gen_keccak_address.py")

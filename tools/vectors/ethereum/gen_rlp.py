#!/usr/bin/env python3
"""RLP vectors from cast.
valid: `cast to-rlp '<json>'` of deterministic nested lists of byte strings
(lengths 0..1100 so every short/long form occurs), decoded back with
`cast from-rlp` to confirm the structure.
invalid: non-canonical or truncated encodings that `cast from-rlp` refuses.
Run: python3 tools/vectors/ethereum/gen_rlp.py"""
import json

from common import cast, det_bytes, write

LENGTHS = [0, 1, 1, 1, 2, 20, 32, 55, 56, 57, 100, 255, 256, 1100]


def make(label, depth):
    seed = det_bytes(label, 4)
    if depth < 3 and seed[0] % 3 == 0:
        return [make("%s/%d" % (label, i), depth + 1) for i in range(seed[1] % 6)]
    n = LENGTHS[seed[2] % len(LENGTHS)]
    data = det_bytes(label + "/data", n)
    if n == 1 and seed[3] % 2:
        data = bytes([seed[3] % 0x80])  # single bytes below 0x80 encode themselves
    return "0x" + data.hex()


valid = []
for i in range(250):
    value = make("rlp-%d" % i, 0 if i % 4 else 1)
    if i % 5 == 0:
        value = [value, make("rlp-%d-b" % i, 1)]
    encoded = cast("to-rlp", json.dumps(value))
    back = json.loads(cast("from-rlp", encoded))
    assert back == value, (value, back)
    valid.append({"value": value, "encoded": encoded})

invalid_candidates = [
    "0x8100", "0x817f", "0xb800", "0xb837" + "00" * 55, "0xb90037" + "00" * 55,
    "0xf800", "0xf837" + "c0" * 55, "0x82", "0x8201", "0xb8", "0xb90100", "0xc1", "0xc2c0",
    "0xc3820101", "0xbf0000000000000001", "0xc180", "0xc0c0", "0x0000", "0x8180", "0xc2c1c0",
]
invalid = []
for enc in invalid_candidates:
    try:
        cast("from-rlp", enc)
    except RuntimeError:
        invalid.append({"encoded": enc})
        continue
    print("cast accepts %s; not used as an invalid vector" % enc)
write("rlp.json", {"valid": valid, "invalid": invalid},
      "python3 tools/vectors/ethereum/gen_rlp.py")

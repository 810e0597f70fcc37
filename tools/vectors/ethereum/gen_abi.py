#!/usr/bin/env python3
"""ABI vectors from cast.
abi.json: 300 deterministic random parameter lists (every uint/int width,
address, bool, bytes1..32, bytes, string, dynamic and fixed arrays, nested
tuples), each value in our JSON form and `cast abi-encode "f(<types>)" -- <args>`.
events.json: topics from `cast abi-encode-event "<signature>" <args>`, except
indexed dynamic values (see below); data from `cast abi-encode` of the
non-indexed values.
Run: python3 tools/vectors/ethereum/gen_abi.py"""
import hashlib

from common import cast, det_bytes, write

WORDS = ["kusama", "stake", "a", "b c", "liquid", "x1", "ZZ top", "42"]


class Rng:
    def __init__(self, label):
        self.label, self.i = label, 0

    def byte(self):
        self.i += 1
        return det_bytes("%s/%d" % (self.label, self.i), 1)[0]

    def below(self, n):
        return int.from_bytes(det_bytes("%s/w%d" % (self.label, self.i), 8), "big") % n if n else 0 \
            if self.byte() is not None else 0

    def raw(self, n):
        self.i += 1
        return det_bytes("%s/r%d" % (self.label, self.i), n)


def gen_type(rng, depth):
    c = rng.below(14 if depth < 2 else 9)
    if c == 0:
        return "uint%d" % (8 * (1 + rng.below(32)))
    if c == 1:
        return "int%d" % (8 * (1 + rng.below(32)))
    if c == 2:
        return "address"
    if c == 3:
        return "bool"
    if c == 4:
        return "bytes%d" % (1 + rng.below(32))
    if c == 5:
        return "bytes"
    if c == 6:
        return "string"
    if c in (7, 8):
        return ["uint256", "address", "uint8", "int256", "bytes32"][rng.below(5)]
    if c in (9, 10):
        return gen_type(rng, depth + 1) + "[]"
    if c == 11:
        return gen_type(rng, depth + 1) + "[%d]" % (1 + rng.below(3))
    return "(" + ",".join(gen_type(rng, depth + 1) for _ in range(1 + rng.below(3))) + ")"


def split_top(s):
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(s[start:i])
            start = i + 1
    parts.append(s[start:])
    return parts


def gen_value(rng, t, nested):
    """Returns (json value, cast argument text)."""
    if t.endswith("]"):
        open_ = t.rindex("[")
        elem, n = t[:open_], t[open_ + 1:-1]
        count = int(n) if n else rng.below(4)
        vals = [gen_value(rng, elem, True) for _ in range(count)]
        return [v[0] for v in vals], "[" + ",".join(v[1] for v in vals) + "]"
    if t.startswith("("):
        vals = [gen_value(rng, c, True) for c in split_top(t[1:-1])]
        return [v[0] for v in vals], "(" + ",".join(v[1] for v in vals) + ")"
    if t.startswith("uint"):
        bits = int(t[4:])
        k = rng.below(4)
        v = [0, (1 << bits) - 1, 1][k] if k < 3 else int.from_bytes(rng.raw(32), "big") % (1 << bits)
        return str(v), str(v)
    if t.startswith("int"):
        bits = int(t[3:])
        k = rng.below(5)
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        v = [lo, hi, -1, 0][k] if k < 4 else int.from_bytes(rng.raw(32), "big") % (hi - lo + 1) + lo
        return str(v), str(v)
    if t == "address":
        a = "0x" + rng.raw(20).hex()
        return a, a
    if t == "bool":
        b = rng.below(2) == 1
        return b, "true" if b else "false"
    if t == "bytes":
        h = "0x" + rng.raw([0, 1, 31, 32, 33, 64, 100][rng.below(7)]).hex()
        return h, h
    if t.startswith("bytes"):
        h = "0x" + rng.raw(int(t[5:])).hex()
        return h, h
    if t == "string":
        s = " ".join(WORDS[rng.below(len(WORDS))] for _ in range(rng.below(4)))
        if rng.below(6) == 0:
            s = "long " * 15
            s = s.strip()
        return s, ('"%s"' % s) if nested else s
    raise ValueError(t)


vectors = []
for i in range(300):
    rng = Rng("abi-%d" % i)
    types = [gen_type(rng, 0) for _ in range(1 + rng.below(4))]
    vals = [gen_value(rng, t, False) for t in types]
    sig = "f(%s)" % ",".join(types)
    encoded = cast("abi-encode", sig, "--", *[v[1] for v in vals])
    vectors.append({"types": types, "values": [v[0] for v in vals], "encoded": encoded})
write("abi.json", vectors, "python3 tools/vectors/ethereum/gen_abi.py")

EVENTS = [
    ("Transfer(address indexed from,address indexed to,uint256 value)", ["address", "address", "uint256"]),
    ("TokensBurned(address indexed from,uint256 amount,bytes polkadotRecipient)", ["address", "uint256", "bytes"]),
    ("Claimed(uint256 indexed claimId,address indexed account,uint256 amount,string note)", ["uint256", "address", "uint256", "string"]),
    ("Mixed(int8 indexed a,bool indexed b,bytes32 c,uint256[2] d,string e)", ["int8", "bool", "bytes32", "uint256[2]", "string"]),
    ("Hashed(string indexed s,bytes indexed b,uint16[] c)", ["string", "bytes", "uint16[]"]),
    # (cast 1.7.1 prints a zero topic for an indexed fixed-size array such as
    # address[2], which is not what Solidity emits, so none is used here.)
    ("Arrays(uint256[] indexed a,address[] b,int24 c)", ["uint256[]", "address[]", "int24"]),
]
events = []
for e_index, (signature, types) in enumerate(EVENTS):
    for j in range(10):
        rng = Rng("event-%d-%d" % (e_index, j))
        vals = [gen_value(rng, t, False) for t in types]
        out = cast("abi-encode-event", signature, "--", *[v[1] for v in vals])
        topics, data = [], None
        for line in out.splitlines():
            tag, value = line.split(": ")
            if tag.startswith("[topic"):
                topics.append(value)
            elif tag == "[data]":
                data = value
        # cast 1.7.1's abi-encode-event encodes each non-indexed value on its own
        # and concatenates them (a bytes after a uint256 gets offset 0x20, where
        # Solidity emits 0x40 for the two-word head). Solidity ABI-encodes the
        # non-indexed values as one tuple, which is what `cast abi-encode` does:
        # take the data from there, and keep abi-encode-event's topics.
        data_types = [t for t, part in zip(types, signature[signature.index("(") + 1:-1].split(","))
                      if " indexed" not in part]
        data_args = [v[1] for v, part in zip(vals, signature[signature.index("(") + 1:-1].split(","))
                     if " indexed" not in part]
        data = cast("abi-encode", "f(%s)" % ",".join(data_types), "--", *data_args)
        # cast 1.7.1's abi-encode-event also hashes an indexed string, bytes or
        # array as its full ABI encoding (offset + length + data); Solidity hashes
        # the in-place (packed) encoding: keccak256(bytes(s)) for a string, the
        # padded elements for an array. Take those topics from
        # `cast keccak $(cast abi-encode --packed ...)` instead.
        indexed = [(t, v) for t, v, part in
                   zip(types, vals, signature[signature.index("(") + 1:-1].split(","))
                   if " indexed" in part]
        for k, (t, v) in enumerate(indexed):
            if t in ("string", "bytes") or t.endswith("]"):
                packed = cast("abi-encode", "--packed", "f(%s)" % t, "--", v[1])
                topics[1 + k] = cast("keccak", packed)
        events.append({"signature": signature, "values": [v[0] for v in vals],
                       "topics": topics, "data": data})
write("events.json", events, "python3 tools/vectors/ethereum/gen_abi.py")

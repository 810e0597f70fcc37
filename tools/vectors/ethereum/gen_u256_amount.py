#!/usr/bin/env python3
"""u256 and amount vectors.
u256_conv.json: `cast to-dec 0x<hex>` of 200 deterministic 0..256-bit numbers.
u256_arith.json: add/sub/mul/div/mod/mul_div of the same numbers computed with
Python's arbitrary-precision int (cast has no 256-bit arithmetic command);
"overflow" marks a result outside [0, 2^256), "div0" a zero divisor.
amounts.json: `cast parse-units <text> <decimals>` and `cast format-units` for
decimals 12 and 18 (only texts with <= decimals fraction digits: cast truncates
excess precision, which our parser must refuse instead).
Run: python3 tools/vectors/ethereum/gen_u256_amount.py"""
from common import cast, det_bytes, write

M = 1 << 256


def number(i):
    bits = [0, 1, 7, 8, 63, 64, 65, 127, 128, 129, 200, 255, 256][i % 13]
    raw = int.from_bytes(det_bytes("u256-%d" % i, 32), "big")
    return raw % (1 << bits) if bits < 256 else raw


nums = [number(i) for i in range(200)] + [0, 1, M - 1, M - 2, 1 << 255, (1 << 128) - 1]
conv = []
for n in nums:
    conv.append({"hex": hex(n), "dec": cast("to-dec", hex(n))})
write("u256_conv.json", conv, "python3 tools/vectors/ethereum/gen_u256_amount.py")


def res(v):
    return "overflow" if v < 0 or v >= M else str(v)


arith = []
for i in range(len(nums)):
    a, b, d = nums[i], nums[(i * 7 + 3) % len(nums)], nums[(i * 13 + 5) % len(nums)]
    arith.append({"a": str(a), "b": str(b), "d": str(d),
                  "add": res(a + b), "sub": res(a - b), "mul": res(a * b),
                  "div": "div0" if b == 0 else str(a // b), "mod": "div0" if b == 0 else str(a % b),
                  "mul_div": "div0" if d == 0 else res(a * b // d)})
write("u256_arith.json", arith, "python3 tools/vectors/ethereum/gen_u256_amount.py")

amounts = []
texts = ["0", "1", "12.1234", "0.000000000001", "1.5", "100", "123456789.123456789012",
         "0.1", "99999999999999999999", "7.000000000001", "42.42"]
for i in range(60):
    raw = det_bytes("amount-%d" % i, 16)
    whole = int.from_bytes(raw[:8], "big") % (10 ** (i % 15))
    frac_digits = i % 19
    frac = int.from_bytes(raw[8:], "big") % (10 ** frac_digits) if frac_digits else 0
    texts.append(str(whole) + (".%0*d" % (frac_digits, frac) if frac_digits else ""))
for decimals in (12, 18):
    for t in texts:
        frac = t.split(".")[1] if "." in t else ""
        if len(frac) > decimals:
            continue
        units = cast("parse-units", t, str(decimals))
        amounts.append({"text": t, "decimals": decimals, "units": units,
                        "formatted": cast("format-units", units, str(decimals))})
write("amounts.json", amounts, "python3 tools/vectors/ethereum/gen_u256_amount.py")

"""Shared helpers for the Ethereum vector generators: run Foundry's cast (the
reference implementation) with a throw-away HOME, and derive deterministic
inputs from a label so re-running a generator reproduces the same file."""
import hashlib
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
CAST = os.path.join(ROOT, "node_modules", ".bin", "cast")
_HOME = tempfile.mkdtemp(prefix="cast-home-")
ENV = dict(os.environ, HOME=_HOME, FOUNDRY_DISABLE_NIGHTLY_WARNING="1")

# anvil's well-known development keys (public knowledge, never real funds).
ANVIL_KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733f9f19d6b8e7a2d86",
]


def cast(*args, stdin=None):
    out = subprocess.run([CAST, *args], env=ENV, input=stdin, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("cast %s failed: %s" % (" ".join(args), out.stderr.strip()))
    return out.stdout.strip()


def det_bytes(label, n):
    """n deterministic bytes from a label (sha256 counter mode)."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("%s/%d" % (label, i)).encode()).digest()
        i += 1
    return out[:n]


def det_hex(label, n):
    return "0x" + det_bytes(label, n).hex()


def write(name, doc, how):
    path = os.path.join(HERE, name)
    with open(path, "w") as f:
        json.dump({"generated_by": how, "cast_version": cast("--version").splitlines()[0],
                   "vectors": doc}, f, indent=1)
        f.write("\n")
    print("wrote %s (%d vectors)" % (path, len(doc)))

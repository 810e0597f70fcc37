#!/bin/sh
# Runs the C++ decode benchmark and polkadot-js on the same recorded blocks, one after the
# other in the same invocation, and prints the ratio (wall-clock rates on both sides).
#   tools/bench_decode/run.sh <build-dir> [node-seconds=10]
set -eu
build=${1:?usage: run.sh <build-dir> [node-seconds]}
secs=${2:-10}
root=$(cd "$(dirname "$0")/../.." && pwd)
cpp_json=$(mktemp)
"$build/tools/bench_decode/bench_decode" --benchmark_min_time=2 --benchmark_format=console \
  --benchmark_out="$cpp_json" --benchmark_out_format=json
js=$(cd "$root" && node tools/vectors/substrate/bench_polkadotjs.mjs "$secs")
echo "polkadot-js: $js"
node -e '
const cpp = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const js = JSON.parse(process.argv[2]);
for (const b of cpp.benchmarks) {
  if (!b["blocks/s"]) continue;
  const mb = b.bytes_per_second / 1e6;
  console.log(`${b.name.padEnd(24)} ${b["blocks/s"].toFixed(0).padStart(8)} blocks/s ${mb.toFixed(1).padStart(8)} MB/s events  = ${(b["blocks/s"] / js.blocks_per_s).toFixed(0)}x polkadot-js`);
}
console.log(`${"polkadot-js".padEnd(24)} ${js.blocks_per_s.toFixed(0).padStart(8)} blocks/s ${js.events_mb_per_s.toFixed(2).padStart(8)} MB/s events`);
' "$cpp_json" "$js"
rm -f "$cpp_json"

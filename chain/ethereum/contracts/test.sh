#!/bin/sh
# Builds the contracts and runs the forge tests, fully offline (registered in CTest as contracts_forge).
# forge writes to $HOME, so it gets a throwaway one; the compiler is the npm solc behind
# tools/solc-native/solc (see foundry.toml). Extra arguments go to `forge test` (e.g. -vvv, --mt NAME).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
forge="$repo/node_modules/.bin/forge"
if [ ! -x "$forge" ]; then
  echo "test.sh: $forge missing; run 'npm ci' at the repository root" >&2
  exit 2
fi
tmp_home=$(mktemp -d)
trap 'rm -rf "$tmp_home"' EXIT INT TERM
export HOME="$tmp_home"
export FOUNDRY_DISABLE_NIGHTLY_WARNING=1
cd "$here"
# Artifacts go to the temp dir too, so concurrent runs (ctest -j, several checkouts' users) never
# share an out/ or cache/ directory.
"$forge" build --offline --out "$tmp_home/out" --cache-path "$tmp_home/cache"
"$forge" test --offline --out "$tmp_home/out" --cache-path "$tmp_home/cache" "$@"
# The committed ABIs (read by the C++ daemon) must match the sources.
node "$repo/tools/deploy-contracts/gen-abi" --check

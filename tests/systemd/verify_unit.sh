#!/bin/sh
# The shipped unit (tools/systemd/lstaked.service) passes `systemd-analyze
# verify` with the built binary as ExecStart, and keeps its hardening.
# Usage: verify_unit.sh SOURCE_DIR LSTAKED_BINARY
set -eu
src=$1
bin=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s|/usr/local/bin/lstaked|$bin|" "$src/tools/systemd/lstaked.service" > "$tmp/lstaked.service"
out=$(systemd-analyze verify "$tmp/lstaked.service" 2>&1) || { echo "$out"; exit 1; }
if echo "$out" | grep -q "lstaked.service"; then
  echo "systemd-analyze complains:"; echo "$out"; exit 1
fi
for directive in "User=lstaked" "NoNewPrivileges=yes" "ProtectSystem=strict" "StateDirectory=lstaked" \
                 "Restart=on-failure" "RestartPreventExitStatus=2" "CapabilityBoundingSet=" \
                 "PrivateTmp=yes" "UMask=0077"; do
  grep -qx "$directive" "$tmp/lstaked.service" || { echo "missing: $directive"; exit 1; }
done
sh -n "$src/tools/systemd/install"
echo "unit ok"

#!/bin/bash
# Builds the nodeguard 0.1.0 package from its source in this repository's
# history (the commit its release was cut from), for the upgrade test: an
# operator's 0.1.0 with its edited config and restart history must upgrade
# to this version and go on guarding the same node with the same history.
#
# usage: system-tests/package/build-0.1.0.sh OUTDIR   (prints the .deb's path)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(mkdir -p "$1" && cd "$1" && pwd)
COMMIT=6d598c55e92b012960f5bc0b99e1c1d9dea0ddb1   # nodeguard 0.1.0
if ls "$OUT"/nodeguard_0.1.0_amd64.deb >/dev/null 2>&1; then echo "$OUT/nodeguard_0.1.0_amd64.deb"; exit 0; fi
git -C "$TOP" cat-file -e "$COMMIT^{commit}" 2>/dev/null \
    || { echo "build-0.1.0: commit $COMMIT (0.1.0) is not in this clone; fetch its full history (git fetch --unshallow)" >&2; exit 2; }
SRC=$(mktemp -d /var/tmp/nodeguard-0.1.0.XXXXXX)
trap 'rm -rf "$SRC"' EXIT
git -C "$TOP" archive "$COMMIT" | tar -x -C "$SRC"
make -s -C "$SRC" release >"$OUT/build.log" 2>&1 || { echo "build-0.1.0: make release failed, see $OUT/build.log" >&2; exit 1; }
"$SRC/packaging/build-deb.sh" "$OUT" >>"$OUT/build.log" 2>&1 || { echo "build-0.1.0: build-deb.sh failed, see $OUT/build.log" >&2; exit 1; }
echo "$OUT/nodeguard_0.1.0_amd64.deb"

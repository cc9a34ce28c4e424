#!/bin/bash
# Writes bench/hot-code.order: the functions nodeguardd runs in a steady
# check cycle of the footprint bench's config, for the release link
# (lld --symbol-ordering-file, see the Makefile). At one cycle a second every
# cycle starts with cold caches and TLBs, and most of a cycle's user CPU is
# fetching its code (~2,300 cache lines on ~225 pages of the 10 MB binary,
# callgrind --dump-instr). Linked together, the daemon took ~7% fewer user
# cycles, 228 iTLB misses a cycle instead of 310, and 0.3-0.5 MiB less VmRSS
# (perf stat cycles:u and iTLB-load-misses:u on two daemons in one bench run).
# lld keeps some stdlib functions in shared input sections, so they spread
# over ~150 pages, not a few dozen.
#
# usage: make hot-code   (needs valgrind; run it when the cycle's code changed
#                         much: `make bench` reports how many names still match)
# Functions no longer in the binary are skipped by the linker; new ones land
# where they would without the file.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)

if [ $# -eq 0 ]; then
    command -v valgrind >/dev/null || { echo "hot-code: valgrind is not installed (make hot-code installs it)"; exit 2; }
    BENCH_RUN="$0" exec "$TOP/bench/footprint.sh" 20 2
fi

# Run by footprint.sh with its config: a second daemon under callgrind.
CONFIG=$1
W=$(mktemp -d /tmp/nodeguard-hot.XXXXXX)
trap 'rm -rf "$W"' EXIT
sed "s|status.json|status-hot.json|; s|/state\"|/state-hot\"|" "$CONFIG" > "$W/nodeguard.toml"
chmod 600 "$W/nodeguard.toml"
# With a producer group: once the bench's daemon has resumed its member (with
# the lease, after a turn of ours missed whole), so that the two agree and
# the profile is of a steady cycle, not of two daemons pausing and resuming
# the member in turn; and with the lease the bench's daemon took, so this one
# goes on with it as the holder (a second host would stand by and pause the
# producing member).
if grep -q '^\[producer\.' "$CONFIG"; then
    for _ in $(seq 120); do grep -q ' resumed: ' "$(dirname "$CONFIG")/nodeguard.log" && break; sleep 0.5; done
fi
STATE=$(sed -n 's/^state_directory = "\(.*\)"$/\1/p' "$CONFIG")
if [ -d "$STATE/producer" ]; then mkdir -p "$STATE-hot/producer"; cp "$STATE"/producer/*.lease "$STATE-hot/producer/" 2>/dev/null || true; fi
# valgrind cannot read the toolchain's DWARF; the symbol table is all it needs.
strip --strip-debug -o "$W/nodeguardd" "$TOP/.build/release/nodeguardd"
valgrind --tool=callgrind --dump-instr=yes --collect-atstart=no --toggle-collect='*nodeguardd5cycle*' \
    --callgrind-out-file="$W/cycles.out" "$W/nodeguardd" --config "$W/nodeguard.toml" >"$W/valgrind.log" 2>&1 &
VG=$!
# Past start-up and the working-set trims (cycles 5 and 25), 65 ordinary
# cycles: every cadence of the bench's config runs in them (the chain RPC and
# Docker's inspect every 30 s, the log scan and the schedule every 60 s).
sleep 35; callgrind_control -z "$VG" >/dev/null 2>&1
sleep 65; callgrind_control -d "$VG" >/dev/null 2>&1
sleep 1; kill -INT "$VG"; wait "$VG" || true
[ -s "$W/cycles.out.1" ] || { echo "hot-code: callgrind wrote no profile"; cat "$W/valgrind.log"; exit 1; }
python3 "$TOP/bench/hot-code.py" "$W/cycles.out.1" "$W/nodeguardd" > "$TOP/bench/hot-code.order"
echo "hot-code: $(wc -l < "$TOP/bench/hot-code.order") functions in bench/hot-code.order"

#!/bin/bash
# Real traffic (issue #4): two network namespaces joined by a veth pair, made
# here with iproute2; a known amount of data is sent across. nodeguard's count
# for the interface must equal the kernel's counters exactly and match
# vnstat's (Debian's package) total for the same interface in the same run.
# Everything made here (namespaces, daemons by PID, files) is removed on exit.
#
# usage: system-tests/bandwidth/veth-traffic.sh BINDIR
set -uo pipefail
BIN=$(cd "${1:-.build/release}" && pwd)
W=$(mktemp -d /tmp/nodeguard-veth.XXXXXX)
A=ngbwA$$; B=ngbwB$$
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    ip netns del "$A" 2>/dev/null; ip netns del "$B" 2>/dev/null
    [ "${KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
passed=0; failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }

ip netns add "$A" && ip netns add "$B" || { echo "cannot create network namespaces"; exit 2; }
ip link add vA netns "$A" type veth peer name vB netns "$B"
for ns in "$A" "$B"; do
    # No IPv6: router solicitations would move the counters at random moments.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$ns" ip link set lo up
done
inA ip addr add 10.254.77.1/30 dev vA; inA ip link set vA up
inB ip addr add 10.254.77.2/30 dev vB; inB ip link set vB up

k() { inA cat "/sys/class/net/vA/statistics/$1_bytes"; }
rx0=$(k rx); tx0=$(k tx)

# nodeguardd counting vA, inside namespace A (its /proc/net/dev and /sys).
cat > "$W/nodeguard.toml" <<EOC
interval = "1s"
status_file = "$W/status.json"
state_directory = "$W/state"
[bandwidth]
interfaces = ["vA"]
save_interval = "1s"
EOC
chmod 644 "$W/nodeguard.toml"
ip netns exec "$A" "$BIN/nodeguardd" --config "$W/nodeguard.toml" >"$W/nodeguard.log" 2>&1 & NG=$!; PIDS+=("$NG")

# vnstatd on the same interface, with its own database.
mkdir -p "$W/vnstat"
cat > "$W/vnstat.conf" <<EOC
DatabaseDir "$W/vnstat"
Interface "vA"
PollInterval 2
SaveInterval 1
UpdateInterval 2
AlwaysAddNewInterfaces 0
BandwidthDetection 0
MaxBandwidth 10000
UseLogging 0
TrafficlessEntries 1
EOC
ip netns exec "$A" vnstatd -n --config "$W/vnstat.conf" >"$W/vnstatd.log" 2>&1 & VN=$!; PIDS+=("$VN")
for _ in $(seq 50); do [ -s "$W/state/bandwidth" ] && break; sleep 0.1; done
sleep 3   # vnstatd's first poll

# 64 MiB one way, a small reply the other.
ip netns exec "$B" python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.254.77.2", 5999)); s.listen(1)
c, _ = s.accept(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    n += len(b)
c.sendall(str(n).encode()); c.close()' & SRV=$!; PIDS+=("$SRV")
sleep 0.5
got=$(inA python3 -c '
import socket
s = socket.create_connection(("10.254.77.2", 5999)); chunk = b"x" * (1 << 20)
for _ in range(64): s.sendall(chunk)
s.shutdown(socket.SHUT_WR); print(s.recv(64).decode()); s.close()')
wait "$SRV"
[ "$got" = $((64 << 20)) ] && pass sent_64_MiB || fail sent_64_MiB "the server received $got bytes"

sleep 3   # a cycle of nodeguard and a poll of vnstatd after the traffic
kill -TERM "$NG"; wait "$NG"
kill -TERM "$VN"; wait "$VN"
rx1=$(k rx); tx1=$(k tx)
want_rx=$((rx1 - rx0)); want_tx=$((tx1 - tx0))

read -r ng_rx ng_tx < <(inA "$BIN/nodeguard" bandwidth --json --config "$W/nodeguard.toml" | python3 -c '
import json, sys; d = json.load(sys.stdin); print(sum(m["rx"] for m in d["months"]), sum(m["tx"] for m in d["months"]))')
read -r vn_rx vn_tx < <(inA vnstat --config "$W/vnstat.conf" -i vA --json m | python3 -c '
import json, sys; d = json.load(sys.stdin); t = d["interfaces"][0]["traffic"]
print(sum(m["rx"] for m in t["month"]), sum(m["tx"] for m in t["month"]))')

echo "kernel counters moved: rx $want_rx tx $want_tx"
echo "nodeguard counted:     rx $ng_rx tx $ng_tx"
echo "vnstat counted:        rx $vn_rx tx $vn_tx"
[ "$ng_rx" = "$want_rx" ] && [ "$ng_tx" = "$want_tx" ] && pass nodeguard_equals_kernel_counters \
    || fail nodeguard_equals_kernel_counters "nodeguard rx $ng_rx tx $ng_tx, kernel rx $want_rx tx $want_tx"
[ "$ng_rx" = "$vn_rx" ] && [ "$ng_tx" = "$vn_tx" ] && pass nodeguard_matches_vnstat \
    || fail nodeguard_matches_vnstat "nodeguard rx $ng_rx tx $ng_tx, vnstat rx $vn_rx tx $vn_tx"
echo "bandwidth veth: $passed passed, $failed failed"
[ "$failed" = 0 ]

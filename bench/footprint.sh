#!/bin/bash
# Footprint benchmark: nodeguardd (release, static Swift stdlib, stripped)
# guards three nodes (a unit: a regtest litecoind probed over its RPC every
# 30 s; a pidfile process tree; a container), and a producer group of two
# stand-in nodeos members at producer_every = 1s (BENCH_PRODUCER=0: without
# it, to see the producer check's cost) holding its lease in an etcd member
# the bench starts (issue #28; BENCH_LEASE=0: a group on this host alone), with the
# host's memory and disk, Docker logs, the journal and bandwidth, every
# second for DURATION seconds on this host, next to monit (Debian's package)
# doing equivalent checks, and both are
# measured the same way: VmRSS / RssAnon / Threads from /proc/PID/status at the
# end, CPU time from /proc/PID/schedstat (nanoseconds, not 10 ms ticks)
# between the end of a warm-up and the end, divided by the cycles run.
#
# usage: bench/footprint.sh [DURATION] [CONTAINERS]   (default 60 s, 2 containers; `make bench`)
# A Docker engine of the bench's own (data-root and socket) runs CONTAINERS
# logging containers; the first is the container node, every log is scanned.
# Budget (issue #11): rss_kib <= 6656, rss_anon_kib <= 1024, one thread,
# cpu_us_per_cycle <= 2 x c_floor_us_per_cycle (measured in the same window),
# and below monit on RSS and CPU; the `budget=` line names each figure against
# its bound and only these decide the exit code. Also reported: a 1 MiB config
# (long arrays, many tables) parses in well under 100 ms (config_parse_1mib_ms,
# median of 20), a scan of 500 containers' logs in under 5 ms, and
# rpc_probe_us: the CPU of one chain RPC probe (issue #12), 500 back to back,
# and lease_renew_us: the CPU of one renewal of the producer lease (the
# keepalive and the switch key read, issue #28), 500 back to back.
#
# CPU per cycle is printed three ways, because on a virtual machine a
# process that sleeps between cycles pays for every wake-up and starts each
# cycle with cold caches:
#   cpu_us_per_cycle        schedstat CPU of the running daemon / cycles: the same
#                           measure as monit_cpu_us_per_cycle, wake-ups included;
#   cycle_work_us           the daemon's own measure of each cycle (thread CPU
#                           clock from the end of one cycle to the end of the next:
#                           waking up, probes, rules, status write, notify);
#   hot_cycle_us            the same code back to back 10,000 times (getrusage), the
#                           method of ../shared/docs/footprint.md's CPU table;
# and c_floor_us_per_cycle is bench/floor.c: the system calls of the daemon's
# cycle, in C and nothing else, at the same cadence, measured like
# cpu_us_per_cycle in the same window: what no implementation goes below here.
# floor.c makes the daemon's calls for this config, the Docker API's
# included, at the daemon's cadences (BENCH_STRACE=10 prints both side by side).
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${1:-60}
CONTAINERS=${2:-2}
WARMUP=5
RPC_PORT=19643
W=$(mktemp -d /tmp/nodeguard-bench.XXXXXX)
# The status file lives on tmpfs, as /run/nodeguard does on a real host.
SHM=$(mktemp -d /dev/shm/nodeguard-bench.XXXXXX)
PIDS=()
DOCKERD=""
cleanup() {
    [ -n "${MINER:-}" ] && pkill -P "$MINER" 2>/dev/null || true   # the tree's children first
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    if [ -n "$DOCKERD" ]; then
        DOCKER_HOST="unix://$W/d/docker.sock" docker rm -f $(DOCKER_HOST="unix://$W/d/docker.sock" docker ps -aq) >/dev/null 2>&1 || true
        kill "$DOCKERD" 2>/dev/null; while kill -0 "$DOCKERD" 2>/dev/null; do sleep 0.2; done
        umount -R "$W/d/exec" 2>/dev/null || true
        for d in /sys/fs/cgroup/*/docker; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
        rm -rf /run/docker /run/containerd /etc/docker/key.json
    fi
    if [ -n "${CGROUP:-}" ]; then
        for _ in 1 2 3 4 5; do rmdir "$CGROUP" 2>/dev/null && break; sleep 0.2; done   # empty once its process is reaped
        [ -n "${SLICE:-}" ] && rmdir "$SLICE" 2>/dev/null || true
    fi
    rm -rf "$W" "$SHM"
}
trap cleanup EXIT

command -v monit >/dev/null || { echo "bench: monit is not installed (make bench installs it)"; exit 2; }
make -s -C "$TOP" release >/dev/null   # the release the package ships: static stdlib, -Osize
gcc -O2 -o "$W/floor" "$TOP/bench/floor.c"
cp "$TOP/.build/release/nodeguardd" "$W/nodeguardd"
strip "$W/nodeguardd"
# Written back, as dpkg leaves an installed binary (it fsyncs each file): the
# kernel cannot page out dirty page-cache pages, so a fresh copy would stay resident.
sync "$W/nodeguardd"

# Three nodes, one of each kind (issue #11): a unit (a cgroup of its own:
# systemd-run's scope where systemd runs, else a memory cgroup made here the
# way systemd names it), a process tree found through its pidfile, and a
# container of the bench's own Docker engine; Docker logs, the journal and
# bandwidth are on, and the metrics textfile is written each cycle.
# The unit node is a regtest litecoind (Debian's Litecoin Core 0.21, the
# bitcoind RPC), probed over its RPC with its cookie as the chain check does.
mkdir -p "$W/ltc"
printf 'regtest=1\nserver=1\nlisten=0\n[regtest]\nrpcport=%s\nrpcbind=127.0.0.1\nrpcallowip=127.0.0.1\n' "$RPC_PORT" > "$W/ltc/litecoin.conf"
/usr/lib/litecoin/litecoind -datadir="$W/ltc" >/dev/null 2>&1 </dev/null & CHAIN=$!; PIDS+=("$CHAIN")
UNIT=ngbench-chain.service
CGROUP=""
if [ -d /sys/fs/cgroup/memory ]; then CGROUP=/sys/fs/cgroup/memory/system.slice/$UNIT; else CGROUP=/sys/fs/cgroup/system.slice/$UNIT; fi
SLICE=$(dirname "$CGROUP"); [ -d "$SLICE" ] && SLICE=""   # removed at the end only if the bench made it
mkdir -p "$CGROUP" && echo "$CHAIN" > "$CGROUP/cgroup.procs"
echo "$CHAIN" > "$W/chain.pid"
for _ in $(seq 150); do litecoin-cli -datadir="$W/ltc" getblockcount >/dev/null 2>&1 && break; sleep 0.2; done
litecoin-cli -datadir="$W/ltc" getblockcount >/dev/null || { echo "bench: litecoind does not answer"; exit 2; }
sh -c 'sleep 100000 & sleep 100000 & wait' & MINER=$!; PIDS+=("$MINER")
echo "$MINER" > "$W/miner.pid"

mkdir -p "$W/d/root" "$W/d/exec" "$W/img/bin"
setsid dockerd --data-root "$W/d/root" --exec-root "$W/d/exec" -H "unix://$W/d/docker.sock" --pidfile "$W/d/dockerd.pid" \
    --iptables=false --ip6tables=false --bridge=none --storage-driver=overlay2 >"$W/dockerd.log" 2>&1 </dev/null &
DOCKERD=$!
export DOCKER_HOST="unix://$W/d/docker.sock"
for _ in $(seq 100); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
cp /bin/busybox "$W/img/bin/" && ln -sf busybox "$W/img/bin/sh"
tar -C "$W/img" -c . | docker import -c 'ENV PATH=/bin' - ngbench/busybox >/dev/null
for i in $(seq "$CONTAINERS"); do
    docker run -d --name "bench$i" --network none ngbench/busybox sh -c 'trap "exit 0" TERM; while :; do echo "tick"; sleep 1; done' >/dev/null
done
docker inspect -f '{{.State.Pid}}' bench1 > "$W/web.pid"
WEB_ID=$(docker inspect -f '{{.Id}}' bench1)

# A producer group of two stand-in nodeos members (issue #27), the first
# producing, at producer_every = 1s; BENCH_PRODUCER=0 leaves it out, to
# compare the producer check's cost.
PRODUCER_NODES="" PRODUCER_MONIT=""
export FLOOR_PRODUCER=""
if [ "${BENCH_PRODUCER:-1}" != 0 ]; then
    for m in bpa bpb; do
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        python3 "$TOP/system-tests/producer/standin-nodeos.py" --name "$m" --port "$port" --ledger "$W/ledger" --account benchbp \
            --schedule otherbp,benchbp --pause-on-startup --pidfile "$W/$m.pid" >/dev/null 2>&1 </dev/null & PIDS+=("$!")
        for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
        FLOOR_PRODUCER="$FLOOR_PRODUCER${FLOOR_PRODUCER:+,}$port:$W/$m.pid"
        PRODUCER_NODES="$PRODUCER_NODES[node.$m]
pidfile = \"$W/$m.pid\"
restart_command = [\"/bin/true\"]
rpc = \"nodeos\"
rpc_url = \"http://127.0.0.1:$port/v1/chain/get_info\"
"
        PRODUCER_MONIT="$PRODUCER_MONIT
check process $m with pidfile $W/$m.pid
    if totalmemory > 1200 MB for 3 cycles then exec \"/bin/true\"
check host ${m}api with address 127.0.0.1
    if failed port $port type tcp then alert"
    done
    PRODUCER_NODES="$PRODUCER_NODES[producer.benchbp]
nodes = [\"bpa\", \"bpb\"]
"
    # The group's lease (issue #28) in one etcd member on loopback: this
    # host holds it and renews it every third of lease_ttl (10 s).
    if [ "${BENCH_LEASE:-1}" != 0 ]; then
        command -v etcd >/dev/null || { echo "bench: etcd is not installed (make bench installs etcd-server)"; exit 2; }
        ETCD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        PEER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        etcd --name bench --data-dir "$W/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
            --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
            --initial-cluster "bench=http://127.0.0.1:$PEER_PORT" >"$W/etcd.log" 2>&1 </dev/null & PIDS+=("$!")
        for _ in $(seq 100); do python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "http://127.0.0.1:$ETCD_PORT/health" 2>/dev/null && break; sleep 0.2; done
        export FLOOR_LEASE=$ETCD_PORT
        PRODUCER_NODES="${PRODUCER_NODES}lease = [\"http://127.0.0.1:$ETCD_PORT\"]
"
        PRODUCER_MONIT="$PRODUCER_MONIT
check host etcd with address 127.0.0.1
    every 4 cycles
    if failed port $ETCD_PORT type tcp then alert"
    fi
fi

# The notification services and the heartbeat service, on loopback.
python3 "$TOP/bench/notify-receiver.py" "$W/received" >"$W/receiver.port" 2>"$W/receiver.log" & RECEIVER=$!; PIDS+=("$RECEIVER")
for _ in $(seq 50); do [ -s "$W/receiver.port" ] && break; sleep 0.1; done
RX="http://127.0.0.1:$(cat "$W/receiver.port")"

cat > "$W/nodeguard.toml" <<EOF
interval = "1s"
status_file = "$SHM/status.json"
state_directory = "$W/state"
[node.chain]
unit = "$UNIT"
restart_command = ["/bin/true"]
rpc = "bitcoind"
rpc_url = "http://127.0.0.1:$RPC_PORT/"
rpc_cookie = "$W/ltc/regtest/.cookie"
[node.miner]
pidfile = "$W/miner.pid"
restart_command = ["/bin/true"]
[node.web]
container = "bench1"
docker_socket = "$W/d/docker.sock"
$PRODUCER_NODES[disk]
paths = ["/"]
[docker_logs]
containers_dir = "$W/d/root/containers"
[bandwidth]
enabled = true
[metrics]
textfile = "$W/textfile/nodeguard.prom"
[[notify]]
kind = "webhook"
url = "$RX/hook"
[[notify]]
kind = "ntfy"
url = "$RX/alerts"
[heartbeat]
url = "$RX/ping"
every = "10s"
EOF
mkdir -p "$W/textfile"
chmod 600 "$W/nodeguard.toml"

# monit on the same checks: host memory, the node's memory, / space and inodes.
cat > "$W/monitrc" <<EOF
set daemon 1
set logfile $W/monit.log
set idfile $W/monit.id
set statefile $W/monit.state
set pidfile $W/monit.pid
check system benchhost
    if memory usage > 95% then alert
    if swap usage > 95% then alert
check process chain with pidfile $W/chain.pid
    if totalmemory > 1200 MB for 3 cycles then exec "/bin/true"
check process miner with pidfile $W/miner.pid
    if totalmemory > 1200 MB for 3 cycles then exec "/bin/true"
check process web with pidfile $W/web.pid
    if totalmemory > 1200 MB for 3 cycles then exec "/bin/true"
# The chain check's RPC call every 30 s: monit's nearest, a TCP connect.
check host chainrpc with address 127.0.0.1
    every 30 cycles
    if failed port $RPC_PORT type tcp then alert
check filesystem root with path /
    if space usage > 95% then alert
    if inode usage > 97% then alert$PRODUCER_MONIT
EOF
chmod 600 "$W/monitrc"

# Each a third of a second apart: the three wake once a second, and waking
# together on a small VM they would measure each other's cache misses.
"$W/nodeguardd" --config "$W/nodeguard.toml" >"$W/nodeguard.log" 2>&1 & NG=$!; PIDS+=("$NG")
sleep 0.33
"$W/floor" "$SHM" "$CGROUP/memory.stat" "$W/miner.pid" "$W/d/docker.sock" bench1 "$W/d/root/containers" \
    "$RPC_PORT" "$W/ltc/regtest/.cookie" "$W/textfile" >"$W/floor.out" 2>&1 & FLOOR=$!; PIDS+=("$FLOOR")
sleep 0.33
monit -I -c "$W/monitrc" >"$W/monit.out" 2>&1 & MO=$!; PIDS+=("$MO")

cpu_ns() { awk '{print $1}' "/proc/$1/schedstat"; }
field_kib() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
now_ns() { date +%s%N; }

sleep "$WARMUP"
# BENCH_STRACE=N: the daemon's and the floor's system calls over N seconds
# (what floor.c must mirror), printed and nothing measured.
if [ -n "${BENCH_STRACE:-}" ]; then
    strace -tt -p "$NG" -o "$W/ng.strace" & S1=$!
    strace -tt -p "$FLOOR" -o "$W/floor.strace" & S2=$!
    sleep "$BENCH_STRACE"; kill "$S1" "$S2"; wait "$S1" "$S2" 2>/dev/null || true
    echo "== nodeguardd"; cat "$W/ng.strace"; echo "== floor"; cat "$W/floor.strace"
    exit 0
fi
# BENCH_RUN="CMD": runs CMD CONFIG on the bench's config (a profiler on
# nodeguard-bench, say) instead of measuring.
if [ -n "${BENCH_RUN:-}" ]; then $BENCH_RUN "$W/nodeguard.toml"; exit 0; fi
t0=$(now_ns); ng0=$(cpu_ns "$NG"); mo0=$(cpu_ns "$MO"); fl0=$(cpu_ns "$FLOOR")
sleep "$((DURATION - WARMUP))"
t1=$(now_ns); ng1=$(cpu_ns "$NG"); mo1=$(cpu_ns "$MO"); fl1=$(cpu_ns "$FLOOR")
kill -0 "$NG" && kill -0 "$MO" && kill -0 "$FLOOR" || { echo "bench: a daemon died"; cat "$W/nodeguard.log" "$W/monit.out" "$W/floor.out"; exit 1; }

# The daemon as the window left it, before the loops below run beside it.
ng_rss=$(field_kib "$NG" VmRSS); ng_anon=$(field_kib "$NG" RssAnon); ng_thr=$(awk '$1=="Threads:"{print $2}' "/proc/$NG/status")
ng_summary=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"])' "$SHM/status.json" 2>/dev/null || echo '?')
[ -s "$W/textfile/nodeguard.prom" ] || { echo "bench: the daemon wrote no metrics textfile"; cat "$W/nodeguard.log"; exit 1; }
prom_bytes=$(stat -c %s "$W/textfile/nodeguard.prom")
cycles=$(( (t1 - t0) / 1000000000 ))   # both run one cycle per second
work_us=$(python3 -c 'import json,sys; print(round(json.load(open(sys.argv[1]))["cycle_cpu_us"]))' "$SHM/status.json")
hot_us=$("$TOP/.build/release/nodeguard-bench" 10000 "$SHM" "$W/nodeguard.toml" | sed -n 's/^hot_cycle_us=//p')
scan_ms=$("$TOP/.build/release/nodeguard-bench" logscan "$W/logscan" 500 | sed -n 's/^log_scan_ms=//p')
parse_ms=$("$TOP/.build/release/nodeguard-bench" configparse 20 | sed -n 's/^config_parse_1mib_ms=//p')
rpc_us=$("$TOP/.build/release/nodeguard-bench" rpcprobe 500 "$W/nodeguard.toml" | sed -n 's/^rpc_probe_us=//p')
renew_us=""
[ -n "${FLOOR_LEASE:-}" ] && renew_us=$("$TOP/.build/release/nodeguard-bench" leaserenew 500 "$W/nodeguard.toml" | sed -n 's/^lease_renew_us=//p')
mo_rss=$(field_kib "$MO" VmRSS); mo_anon=$(field_kib "$MO" RssAnon); mo_thr=$(awk '$1=="Threads:"{print $2}' "/proc/$MO/status")
ng_us=$(( (ng1 - ng0) / 1000 / cycles ))
floor_us=$(( (fl1 - fl0) / 1000 / cycles ))
# BENCH_SMAPS=1: where the daemon's resident memory is, mapping by mapping.
if [ -n "${BENCH_SMAPS:-}" ]; then
    awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anon]" : $6) } $1 == "Rss:" { rss[name] += $2 }
         END { for (n in rss) if (rss[n] > 0) printf "smaps %6d KiB %s\n", rss[n], n }' "/proc/$NG/smaps" | sort -k2 -rn
fi
mo_us=$(( (mo1 - mo0) / 1000 / cycles ))

# The sender, as nodeguard-notify.service runs it: the heartbeat the daemon
# queued, then a test message to both targets. Its peak RSS and how long it lives.
run_measured() {  # prints "MAXRSS_KIB WALL_MS EXIT"
    python3 -c 'import resource, subprocess, sys, time
t = time.monotonic(); r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, round((time.monotonic() - t) * 1000), r.returncode)' "$@"
}
[ -e "$W/state/outbox/heartbeat.json" ] || { echo "bench: the daemon queued no heartbeat"; cat "$W/nodeguard.log"; exit 1; }
read -r send_rss send_ms send_rc <<<"$(run_measured "$TOP/.build/release/nodeguard" notify send --config "$W/nodeguard.toml")"
read -r test_rss test_ms test_rc <<<"$(run_measured "$TOP/.build/release/nodeguard" notify test --config "$W/nodeguard.toml")"
pings=$(grep -c ' /ping$' "$W/received" 2>/dev/null || true); tests=$(grep -c -e ' /hook$' -e ' /$' "$W/received" 2>/dev/null || true)
[ "$send_rc" = 0 ] && [ "$test_rc" = 0 ] && [ "$pings" -ge 1 ] && [ "$tests" -ge 2 ] \
    || { echo "bench: the sender did not deliver (send $send_rc, test $test_rc; received: $(tr '\n' ' ' < "$W/received" 2>/dev/null))"; exit 1; }

echo "nodeguardd: $(stat -c %s "$W/nodeguardd") bytes stripped; $cycles cycles measured after ${WARMUP}s warm-up; $CONTAINERS containers"
echo "nodeguardd status: $ng_summary"
echo "monit threads=$mo_thr rss_anon_kib=$mo_anon"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
# The budget (issue #11): these five figures, and only they, decide the exit code.
ok=1
budget=""
bound() {  # NAME FIGURE OP LIMIT: one figure against its bound
    local pass; pass=$(awk -v a="$2" -v b="$4" -v op="$3" 'BEGIN { print ((op == "<=" ? a <= b : a < b) ? 1 : 0) }')
    budget="$budget $1=$2$3$4:$([ "$pass" = 1 ] && echo ok || echo OVER)"
    [ "$pass" = 1 ] || { echo "OVER BUDGET: $1 $2 is not $3 $4"; ok=0; }
}
bound rss_kib "$ng_rss" "<=" 6656
bound rss_anon_kib "$ng_anon" "<=" 1024
bound threads "$ng_thr" "<=" 1
bound cpu_us_per_cycle "$ng_us" "<=" "$((2 * floor_us))"
bound rss_vs_monit_kib "$ng_rss" "<" "$mo_rss"
bound cpu_vs_monit_us "$ng_us" "<" "$mo_us"
echo "budget=${budget# }"
# Reported with what is expected of them; they do not decide the exit code.
awk -v m="$scan_ms" 'BEGIN { exit !(m < 5) }' || echo "NOTE: a scan of 500 containers' logs took $scan_ms ms (expected under 5 ms)"
awk -v m="$parse_ms" 'BEGIN { exit !(m < 100) }' || echo "NOTE: parsing a 1 MiB config took $parse_ms ms (expected well under 100 ms)"
# How much of bench/hot-code.order the binary still has (make hot-code renews it).
hot_have=$(nm --defined-only "$TOP/.build/release/nodeguardd" | awk '{print $NF}' | sort -u | comm -12 - <(sort -u "$TOP/bench/hot-code.order") | wc -l)
echo "within_budget=$ok"
echo "rss_ratio=$(ratio "$ng_rss" "$mo_rss")"
echo "cpu_ratio=$(ratio "$ng_us" "$mo_us")"
echo "rss_kib=$ng_rss"
echo "rss_anon_kib=$ng_anon"
echo "threads=$ng_thr"
echo "containers=$CONTAINERS"
echo "metrics_textfile_bytes=$prom_bytes"
echo "notify_targets=2 heartbeat_every_s=10"
echo "sender_send_rss_kib=$send_rss"
echo "sender_send_ms=$send_ms"
echo "sender_test_rss_kib=$test_rss"
echo "sender_test_ms=$test_ms"
echo "log_scan_500_ms=$scan_ms"
echo "config_parse_1mib_ms=$parse_ms"
echo "rpc_probe_us=$rpc_us"
[ -n "$renew_us" ] && echo "lease_renew_us=$renew_us"
echo "hot_cycle_us=$hot_us"
echo "hot_code_functions=$hot_have/$(wc -l < "$TOP/bench/hot-code.order")"
echo "c_floor_us_per_cycle=$floor_us"
echo "cycle_work_us=$work_us"
echo "cpu_us_per_cycle=$ng_us"
echo "monit_rss_kib=$mo_rss"
echo "monit_cpu_us_per_cycle=$mo_us"
[ "$ok" = 1 ]

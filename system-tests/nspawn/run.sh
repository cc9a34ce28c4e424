#!/bin/bash
# System tests: nodeguard under a real systemd, booted in systemd-nspawn.
#
# The built daemon and CLI and the packaged unit are installed into a copy of
# a Debian 12 minbase rootfs (debootstrapped once and cached), systemd boots
# in the container, and each test drives nodeguard as an operator would:
# systemctl, journalctl, the CLI. Everything started here is stopped on exit.
#
# usage: system-tests/nspawn/run.sh [BINDIR]   (default .build/release)
#        SYSTEM_ONLY="chain_unit_tests test_stop_is_clean_and_quick" system-tests/nspawn/run.sh
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN=${1:-$TOP/.build/release}
for b in nodeguardd nodeguard; do
    [ -x "$BIN/$b" ] || { echo "system tests: $BIN/$b is missing; build it first (make release)"; exit 2; }
done

. "$TOP/system-tests/lib/nspawn.sh"
. "$HERE/journal-remote.sh"

W=$(mktemp -d /var/tmp/nodeguard-systest.XXXXXX)
R=$W/rootfs

DOCKERD=""
cleanup() {
    stop_journal_remote
    machine_stop
    if [ -n "$DOCKERD" ]; then
        docker rm -f leakyc >/dev/null 2>&1
        kill "$DOCKERD" 2>/dev/null
        for _ in $(seq 150); do kill -0 "$DOCKERD" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$DOCKERD" 2>/dev/null
        umount -R "$W/docker/exec" 2>/dev/null
        for d in /sys/fs/cgroup/*/docker; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null; done
        rm -rf /run/docker /run/containerd /etc/docker/key.json
    fi
    rm -rf "$W"
}
trap cleanup EXIT

rootfs_copy "$R" || exit 2

# --- what the tests install ---------------------------------------------------
install -m 755 "$BIN/nodeguardd" "$R/usr/sbin/nodeguardd"
install -m 755 "$BIN/nodeguard" "$R/usr/bin/nodeguard"
install -m 644 "$TOP/packaging/nodeguard.service" "$R/etc/systemd/system/nodeguard.service"
mkdir -p "$R/etc/systemd/system/nodeguard.service.d" "$R/etc/nodeguard"
# Short timings so the watchdog test takes seconds, not minutes; no core files.
cat > "$R/etc/systemd/system/nodeguard.service.d/test.conf" <<'EOF'
[Service]
WatchdogSec=3s
RestartSec=1s
LimitCORE=0
EOF
install_leaky_node "$R" || exit 2
. "$HERE/several-nodes.sh"
install_several_nodes "$R"
. "$HERE/chain-unit.sh"
. "$HERE/operator.sh"
. "$HERE/notify-mail.sh"
install_notify_units "$R" || exit 2
install_journal_upload "$R" || exit 2
install_litecoin "$R" || { echo "system tests: cannot install litecoind in the container"; exit 2; }
. "$HERE/producers.sh"
install_producers "$R" || { echo "system tests: cannot install python3 and the stand-in nodeos in the container"; exit 2; }

write_config() {  # the config nodeguard reads, 0644 root:root
    cat > "$R/etc/nodeguard/nodeguard.toml"
    chmod 644 "$R/etc/nodeguard/nodeguard.toml"
}

good_config() {
    write_config <<EOF
interval = "${3:-1s}"
dry_run = ${1:-false}

[node]
unit = "leaky-node.service"
grace = "4s"
max_restarts = ${2:-2}
restart_window = "10m"

[memory]
warn_above = "48MiB"
restart_above = "64MiB"
for = "3s"
EOF
}

# --- a Docker engine on the host, its socket and containers bound in ---------
# (Debian's docker.io with a data-root and socket of its own; the image is
# imported offline from busybox-static and a static build of the leaker.)
mkdir -p "$W/docker/root/containers" "$W/docker/exec" "$W/img/bin"
export DOCKER_HOST="unix://$W/docker/docker.sock"
dockerd --data-root "$W/docker/root" --exec-root "$W/docker/exec" -H "$DOCKER_HOST" --pidfile "$W/docker/dockerd.pid" \
    --iptables=false --ip6tables=false --bridge=none --storage-driver=overlay2 >"$W/dockerd.log" 2>&1 </dev/null &
DOCKERD=$!
for _ in $(seq 150); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
cp /bin/busybox "$W/img/bin/" && ln -sf busybox "$W/img/bin/sh"
gcc -O2 -static -o "$W/img/bin/leaker" "$HERE/leaker.c" || { echo "system tests: cannot build a static leaker"; exit 2; }
tar -C "$W/img" -c . | docker import -c 'ENV PATH=/bin' - ngtest/busybox >/dev/null || { echo "system tests: docker import failed"; cat "$W/dockerd.log"; exit 2; }

# --- boot --------------------------------------------------------------------
# (BOOT_ARGS again for the reboot in notify-mail.sh.)
BOOT_ARGS=(--bind="$W/docker/docker.sock:/run/docker.sock" --bind-ro="$W/docker/root/containers:/var/lib/docker/containers")
machine_boot "$R" "${BOOT_ARGS[@]}" || exit 2

# --- tests -------------------------------------------------------------------
test_refuses_invalid_config() {
    write_config <<'EOF'
interval = "1s"
[memory]
restart_abvoe = "64MiB"
EOF
    if ct systemctl start nodeguard 2>/dev/null; then fail refuses_invalid_config "started on an invalid config"; return; fi
    local st
    status_shows_error() { st=$(ct systemctl status nodeguard --no-pager -n 20 2>&1); grep -q 'not starting: fix /etc/nodeguard/nodeguard.toml' <<<"$st"; }
    wait_until 5 status_shows_error
    [ "$(unit_prop nodeguard.service ActiveState)" = failed ] || { fail refuses_invalid_config "state $(unit_prop nodeguard.service ActiveState), expected failed"; return; }
    [ "$(unit_prop nodeguard.service ExecMainStatus)" = 78 ] || { fail refuses_invalid_config "exit status $(unit_prop nodeguard.service ExecMainStatus)"; return; }
    if ! grep -q 'nodeguard.toml:3:1: unknown key `restart_abvoe` in \[memory\], did you mean `restart_above`?' <<<"$st"; then
        fail refuses_invalid_config "systemctl status does not show the error: $st"; return; fi
    [ "$(unit_prop nodeguard.service ActiveState)" != active ] || { fail refuses_invalid_config "active"; return; }
    ct systemctl reset-failed nodeguard
    pass refuses_invalid_config
}

test_active_only_after_ready() {
    good_config
    ct rm -f /run/nodeguard/status.json
    ct systemctl start --no-block nodeguard
    local states="" s
    for _ in $(seq 200); do
        s=$(unit_prop nodeguard.service ActiveState); states="$states $s"
        [ "$s" = active ] && break
        sleep 0.02
    done
    [ "$s" = active ] || { fail active_only_after_ready "never active: $states"; return; }
    # READY=1 comes after the config load and a completed first cycle: by the
    # time systemd calls it active, the status file and STATUS= are there.
    ct test -s /run/nodeguard/status.json || { fail active_only_after_ready "active before the first cycle wrote its status"; return; }
    [ -n "$(unit_prop nodeguard.service StatusText)" ] || { fail active_only_after_ready "no STATUS= at READY"; return; }
    [ "$(unit_prop nodeguard.service Type)" = notify ] || { fail active_only_after_ready "not Type=notify"; return; }
    pass active_only_after_ready
}

test_leaky_node_restarted() {
    ct systemctl start leaky-node
    local before; before=$(unit_prop leaky-node.service InvocationID)
    if ! wait_until 40 has_events restart; then fail leaky_node_restarted "no restart event in 40 s"; return; fi
    local e; e=$(events restart | head -n1)
    local ok=1 k v
    for kv in "PRIORITY=5" "SYSLOG_IDENTIFIER=nodeguard" "NODEGUARD_ACTION=restart" "NODEGUARD_TARGET=leaky-node.service" \
              "NODEGUARD_CHECK=node_memory" "NODEGUARD_THRESHOLD=67108864" "_SYSTEMD_UNIT=nodeguard.service"; do
        k=${kv%%=*}; v=${kv#*=}
        [ "$(field "$k" <<<"$e")" = "$v" ] || { ok=0; echo "  $k is '$(field "$k" <<<"$e")', expected '$v'"; }
    done
    [ "$(field NODEGUARD_VALUE <<<"$e")" -gt 67108864 ] || { ok=0; echo "  value not above threshold"; }
    local outcome msg; outcome=$(field NODEGUARD_OUTCOME <<<"$e"); msg=$(field MESSAGE <<<"$e")
    grep -q '^job /org/freedesktop/systemd1/job/[0-9]* queued$' <<<"$outcome" || { ok=0; echo "  outcome: $outcome"; }
    # Sustained, never one sample: the message says how long it held.
    grep -qE 'for ([3-9]|[1-9][0-9])s' <<<"$msg" || { ok=0; echo "  message: $msg"; }
    wait_until 10 unit_restarted leaky-node "$before" \
        || { ok=0; echo "  leaky-node was not restarted by systemd"; }
    [ $ok = 1 ] && pass leaky_node_restarted || fail leaky_node_restarted "restart event: $e"
}

test_restart_limit() {
    if ! wait_until 60 has_events restart_limit; then fail restart_limit "no restart_limit event in 60 s"; return; fi
    local e; e=$(events restart_limit | head -n1)
    local n; n=$(count restart)
    [ "$(field PRIORITY <<<"$e")" = 2 ] || { fail restart_limit "not CRIT: $e"; return; }
    [ "$n" = 2 ] || { fail restart_limit "$n restarts with max_restarts = 2"; return; }
    local inv; inv=$(unit_prop leaky-node.service InvocationID)
    sleep 9   # longer than grace + for: a third restart would have happened by now
    [ "$(unit_prop leaky-node.service InvocationID)" = "$inv" ] || { fail restart_limit "restarted after the limit"; return; }
    [ "$(count restart)" = 2 ] || { fail restart_limit "more restart events after the limit"; return; }
    [ "$(count restart_limit)" = 1 ] || { fail restart_limit "CRIT logged more than once"; return; }
    local st; st=$(ct nodeguard status 2>&1)
    grep -q 'restart limit reached' <<<"$st" || { fail restart_limit "nodeguard status does not say so: $st"; return; }
    [ "$(unit_prop nodeguard.service ActiveState)" = active ] || { fail restart_limit "nodeguard stopped watching"; return; }
    pass restart_limit
}

# Whether the daemon still completes cycles: its status file's time moves
# within 2.5 s (it runs every 1 s here).
cycles_go_on() {
    local t1 t2
    t1=$(ct cat /run/nodeguard/status.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["updated"])')
    sleep 2.5
    t2=$(ct cat /run/nodeguard/status.json | python3 -c 'import json,sys; print(json.load(sys.stdin)["updated"])')
    [ "$t1" != "$t2" ]
}

test_reload_broken_config_keeps_old() {
    local pid; pid=$(unit_prop nodeguard.service MainPID)
    write_config <<'EOF'
interval = "1s"
[node]
unit = "leaky-node.service"
max_restart = 2
EOF
    ct systemctl reload nodeguard
    if ! wait_until 10 has_events reload_rejected; then fail reload_broken_config "no reload_rejected event"; return; fi
    local e; e=$(events reload_rejected | tail -n1)
    local msg; msg=$(field MESSAGE <<<"$e")
    grep -q 'nodeguard.toml:4:1: unknown key `max_restart` in \[node\], did you mean `max_restarts`?' <<<"$msg" \
        || { fail reload_broken_config "errors not logged: $msg"; return; }
    [ "$(unit_prop nodeguard.service MainPID)" = "$pid" ] && [ "$(unit_prop nodeguard.service ActiveState)" = active ] \
        || { fail reload_broken_config "nodeguard did not keep running"; return; }
    # The old config stays in force: still 1 s cycles, still the same node.
    cycles_go_on || { fail reload_broken_config "cycles stopped"; return; }
    pass reload_broken_config
}

# Files that crashed, cut or misread 0.1.0's reader: each reload is refused,
# logged with its position, and the running config stays (same PID, cycles go on).
test_reload_hostile_configs_keep_old() {
    local pid; pid=$(unit_prop nodeguard.service MainPID)
    local conf="$R/etc/nodeguard/nodeguard.toml" n kind
    n=$(count reload_rejected)
    for kind in oversized deep-arrays invalid-utf8 control-character bare-cr double-sign; do
        python3 - "$kind" "$conf" <<'EOF'
import sys
kind, path = sys.argv[1], sys.argv[2]
head = b'interval = "1s"\n[node]\nunit = "leaky-node.service"\n'
body = {
    "oversized": head + b"# padding\n" * 110000 + b"[memory]\nrestart_above = \"1MiB\"\n",
    "deep-arrays": head + b"max_restarts = " + b"[" * 50000 + b"\n",
    "invalid-utf8": head + b"restart_command = [\"/usr/bin/caf\xe9\"]\n",
    "control-character": head + b"grace = \"10\x1b[2Jm\"\n",
    "bare-cr": head + b"# a comment\r with a bare CR\n",
    "double-sign": head + b"max_restarts = --3\n",
}[kind]
open(path, "wb").write(body)
EOF
        chmod 644 "$conf"
        ct systemctl reload nodeguard
        n=$((n + 1))
        if ! wait_until 10 has_events reload_rejected "$n"; then fail reload_hostile "$kind: no reload_rejected event"; return; fi
        local msg; msg=$(events reload_rejected | tail -n1 | field MESSAGE)
        local want
        case $kind in
            oversized) want='nodeguard.toml:1:1: the file is larger than 1 MiB' ;;
            deep-arrays) want='nodeguard.toml:4:79: nested deeper than 64 levels' ;;
            invalid-utf8) want='nodeguard.toml:4:33: invalid UTF-8 (byte \xE9)' ;;
            control-character) want='nodeguard.toml:4:12: control character `\u001B` in a string' ;;
            bare-cr) want='nodeguard.toml:4:12: a bare CR in a comment' ;;
            double-sign) want='nodeguard.toml:4:16: invalid number `--3`' ;;
        esac
        grep -qF -- "$want" <<<"$msg" || { fail reload_hostile "$kind: expected '$want' in: $msg"; return; }
        [ "$(unit_prop nodeguard.service MainPID)" = "$pid" ] && [ "$(unit_prop nodeguard.service ActiveState)" = active ] \
            || { fail reload_hostile "$kind: nodeguard did not keep running"; return; }
    done
    cycles_go_on || { fail reload_hostile "cycles stopped"; return; }
    pass reload_hostile
}

test_reload_good_config_applies() {
    local pid; pid=$(unit_prop nodeguard.service MainPID)
    # A check interval longer than WatchdogSec (3 s): the loop must keep pinging.
    good_config false 5 5s
    ct systemctl reload nodeguard
    if ! wait_until 10 has_events reloaded; then fail reload_good_config "no reloaded event"; return; fi
    local m; m=$(events reloaded | tail -n1 | field MESSAGE)
    grep -q 'interval 1s -> 5s' <<<"$m" && grep -q 'node.max_restarts 2 -> 5' <<<"$m" || { fail reload_good_config "change not named: $m"; return; }
    pass reload_good_config
    sleep 7
    local log; log=$(ct journalctl -u nodeguard --no-pager)
    if [ "$(unit_prop nodeguard.service MainPID)" = "$pid" ] && ! grep -q 'Watchdog timeout' <<<"$log"; then
        pass watchdog_fed_with_long_interval
    else
        fail watchdog_fed_with_long_interval "killed by the watchdog with interval 5s > WatchdogSec 3s"
    fi
}

test_watchdog_restarts_a_hung_nodeguard() {
    local pid; pid=$(unit_prop nodeguard.service MainPID)
    ct kill -STOP "$pid"
    if ! wait_until 30 nodeguard_restarted "$pid"; then
        ct kill -CONT "$pid" 2>/dev/null
        fail watchdog "not restarted after SIGSTOP"; return
    fi
    local log; log=$(ct journalctl -u nodeguard --no-pager)
    grep -q 'Watchdog timeout' <<<"$log" || { fail watchdog "no watchdog timeout logged"; return; }
    pass watchdog
}

test_dry_run_restarts_nothing() {
    ct systemctl stop nodeguard leaky-node
    rm -rf "$R/var/lib/nodeguard/state" "$R/var/lib/nodeguard/nodes"   # no grace from earlier restarts
    good_config true 5
    local real; real=$(count restart)
    ct systemctl start leaky-node nodeguard
    local inv; inv=$(unit_prop leaky-node.service InvocationID)
    if ! wait_until 40 has_events restart_dry_run; then fail dry_run "no restart_dry_run event"; return; fi
    local e; e=$(events restart_dry_run | head -n1)
    [ "$(field NODEGUARD_ACTION <<<"$e")" = would-restart ] || { fail dry_run "action: $e"; return; }
    local msg; msg=$(field MESSAGE <<<"$e")
    grep -q '^would restart leaky-node (dry run' <<<"$msg" || { fail dry_run "message: $e"; return; }
    [ "$(field NODEGUARD_NODE <<<"$e")" = leaky-node ] || { fail dry_run "node: $e"; return; }
    [ "$(unit_prop leaky-node.service InvocationID)" = "$inv" ] || { fail dry_run "the node was restarted"; return; }
    [ "$(count restart)" = "$real" ] || { fail dry_run "a real restart was logged"; return; }
    pass dry_run
}

# A container node, from inside the machine: the host's dockerd through the
# bound socket; its pid and cgroup are not visible in here, so its memory comes
# from Docker's stats, and the restart goes through the API.
test_docker_container_restarted() {
    ct systemctl stop nodeguard leaky-node 2>/dev/null
    ct rm -rf /var/lib/nodeguard/state /var/lib/nodeguard/nodes
    docker run -d --name leakyc --network none --restart unless-stopped ngtest/busybox /bin/leaker 8 250 400 >/dev/null
    local started0; started0=$(docker inspect -f '{{.State.StartedAt}}' leakyc)
    local before; before=$(count restart)
    write_config <<'EOF'
interval = "1s"

[node]
container = "leakyc"
docker_socket = "/run/docker.sock"
stop_timeout = "1s"
grace = "4s"
max_restarts = 3
restart_window = "10m"

[memory]
warn_above = "48MiB"
restart_above = "64MiB"
for = "3s"
EOF
    ct systemctl start nodeguard
    if ! wait_until 40 has_events restart $((before + 1)); then
        fail docker_container_restarted "no restart event in 40 s; nodeguard status: $(ct nodeguard status 2>&1 | head -12)"; return
    fi
    local e; e=$(events restart | tail -n1)
    local target outcome; target=$(field NODEGUARD_TARGET <<<"$e"); outcome=$(field NODEGUARD_OUTCOME <<<"$e")
    [ "$target" = leakyc ] || { fail docker_container_restarted "target $target"; return; }
    # A restart still running at the end of its cycle (Docker stops the
    # container first) is said with its outcome when it ends.
    if [ "$outcome" = running ]; then
        wait_until 30 has_events restart_done || { fail docker_container_restarted "no restart_done after a running restart"; return; }
        outcome=$(field NODEGUARD_OUTCOME <<<"$(events restart_done | tail -n1)")
    fi
    grep -q '^container [0-9a-f]\{12\} restarted (HTTP 204)$' <<<"$outcome" || { fail docker_container_restarted "outcome: $outcome"; return; }
    [ "$(docker inspect -f '{{.State.StartedAt}}' leakyc)" != "$started0" ] || { fail docker_container_restarted "the container was not restarted"; return; }
    local st; st=$(ct nodeguard status 2>&1)
    grep -q '^docker_logs ' <<<"$st" || { fail docker_container_restarted "no docker_logs row in nodeguard status: $st"; return; }
    pass docker_container_restarted
    docker rm -f leakyc >/dev/null
}

# The journal over [journal] max_use is rotated and vacuumed by nodeguard,
# with the bytes freed in the event; journald's own count agrees.
test_journal_vacuumed() {
    ct systemctl stop nodeguard
    # Three journal files: two archived by --rotate, which vacuuming can delete.
    for _ in 1 2; do
        ct bash -c 'for i in $(seq 2000); do echo "filler line $i $(printf "%0600d" 0)"; done | systemd-cat -t filler'
        ct journalctl --rotate
    done
    local before; before=$(ct journalctl --disk-usage 2>/dev/null)
    local n0; n0=$(count journal_vacuumed)
    write_config <<'EOF'
interval = "1s"

[journal]
max_use = "1MiB"
check_interval = "1s"
EOF
    ct systemctl start nodeguard
    if ! wait_until 30 has_events journal_vacuumed $((n0 + 1)); then fail journal_vacuumed "no journal_vacuumed event in 30 s (journal: $before)"; return; fi
    local e; e=$(events journal_vacuumed | tail -n1)
    local freed msg; freed=$(field NODEGUARD_VALUE <<<"$e"); msg=$(field MESSAGE <<<"$e")
    local after; after=$(ct journalctl --disk-usage 2>/dev/null)
    echo "  $before -> $after; $msg"
    [ "${freed:-0}" -gt 0 ] || { fail journal_vacuumed "nothing freed: $msg"; return; }
    sleep 3   # still over max_use (the active files alone): no vacuum every cycle
    [ "$(count journal_vacuumed)" = $((n0 + 1)) ] || { fail journal_vacuumed "vacuumed again without the journal growing"; return; }
    grep -q '^vacuumed the journal to 1 MiB: ' <<<"$msg" || { fail journal_vacuumed "message: $msg"; return; }
    pass journal_vacuumed
}

# SYSTEM_ONLY="test_a test_b": run those alone (while working on them).
if [ -n "${SYSTEM_ONLY:-}" ]; then
    for t in $SYSTEM_ONLY; do "$t"; done
    report system; exit
fi
test_refuses_invalid_config
test_active_only_after_ready
test_status_line
test_leaky_node_restarted
test_restart_limit
test_events_reach_journal_remote
test_reload_broken_config_keeps_old
test_reload_hostile_configs_keep_old
test_reload_good_config_applies
test_watchdog_restarts_a_hung_nodeguard
test_dry_run_restarts_nothing
test_docker_container_restarted
test_journal_vacuumed
test_two_nodes_each_within_its_budget
test_host_floor_restarts_the_larger_node
test_stopped_node_said_once_started_only_when_asked
test_restart_mailed_through_exim
test_outbox_burst_keeps_the_path_unit
producer_tests
chain_unit_tests   # leaves nodeguard running, for the stop test
test_stop_is_clean_and_quick
test_status_after_stop_says_not_running
test_multiline_field_kept_in_journal
test_queued_message_survives_a_reboot   # reboots the container: last

report system

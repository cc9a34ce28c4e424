# Shared by the system and package tests (sourced, not run): a Debian 12
# minbase rootfs with systemd, debootstrapped once per machine and cached; a
# copy of it booted with systemd-nspawn; a small pass/fail harness.
#
# The sourcing script sets TOP and calls, in order:
#   rootfs_copy DIR          copy the cached rootfs (debootstrapping it first if needed)
#   machine_boot DIR [nspawn args...]   boot it; ct runs a command inside
#   machine_stop             power it off (call it from the script's EXIT trap)

NSPAWN_CACHE=${NODEGUARD_ROOTFS_CACHE:-/var/cache/nodeguard-tests/rootfs}
NSPAWN_NP=""
NSPAWN_RUN_EXISTED=$([ -d /run/systemd/nspawn ] && echo 1 || echo 0)

# exim4: the MTA the notification test mails through (its daemon masked: the
# container shares the host's network, and sendmail -odi delivers without it).
rootfs_copy() {
    if [ ! -x "$NSPAWN_CACHE/lib/systemd/systemd" ] || [ ! -x "$NSPAWN_CACHE/usr/sbin/exim4" ]; then
        echo "nspawn: debootstrapping a Debian 12 minbase rootfs into $NSPAWN_CACHE (once per machine)"
        local mirror_script=$TOP/../shared/recipes/debian-mirror.sh mirror log
        mirror=$( [ -x "$mirror_script" ] && "$mirror_script" || awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources )
        log=$(dirname "$NSPAWN_CACHE")/debootstrap.log
        rm -rf "$NSPAWN_CACHE.tmp"; mkdir -p "$(dirname "$NSPAWN_CACHE")"
        debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,libsystemd0,procps,exim4-daemon-light \
            bookworm "$NSPAWN_CACHE.tmp" "${mirror:-http://deb.debian.org/debian}" >"$log" 2>&1 \
            || { echo "nspawn: debootstrap failed, see $log"; return 2; }
        ln -sf /dev/null "$NSPAWN_CACHE.tmp/etc/systemd/system/exim4.service"
        rm -rf "$NSPAWN_CACHE"; mv "$NSPAWN_CACHE.tmp" "$NSPAWN_CACHE"
    fi
    cp -a "$NSPAWN_CACHE" "$1"
}

leader() { ps -o pid= --ppid "$NSPAWN_NP" | tr -d ' ' | head -n1; }
ct() { nsenter -t "$(leader)" -a "$@"; }

machine_boot() {
    local dir=$1; shift
    setsid systemd-nspawn -D "$dir" -M "ngtest$$" -b --register=no --keep-unit --console=read-only "$@" \
        >"$dir.nspawn.log" 2>&1 </dev/null &
    NSPAWN_NP=$!
    for _ in $(seq 300); do
        [ -n "$(leader)" ] && [[ $(ct systemctl is-system-running 2>/dev/null) =~ ^(running|degraded) ]] && return 0
        sleep 0.1
    done
    echo "nspawn: the container did not boot"; cat "$dir.nspawn.log"
    return 2
}

machine_stop() {
    if [ -n "$NSPAWN_NP" ] && kill -0 "$NSPAWN_NP" 2>/dev/null; then
        ct systemctl poweroff >/dev/null 2>&1
        for _ in $(seq 100); do kill -0 "$NSPAWN_NP" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$NSPAWN_NP" 2>/dev/null
        wait "$NSPAWN_NP" 2>/dev/null
    fi
    [ "$NSPAWN_RUN_EXISTED" = 0 ] && rm -rf /run/systemd/nspawn
}

# install_leaky_node DIR: the test leaker and leaky-node.service, which runs it
# (8 MiB every 250 ms up to 400 MiB, again after every restart), in the rootfs DIR.
install_leaky_node() {
    gcc -O2 -o "$1/usr/local/bin/leaker" "$TOP/system-tests/nspawn/leaker.c" || { echo "nspawn: cannot build leaker.c"; return 2; }
    cat > "$1/etc/systemd/system/leaky-node.service" <<'EOF'
[Unit]
Description=a node that leaks memory
[Service]
ExecStart=/usr/local/bin/leaker 8 250 400
EOF
}

# --- harness -----------------------------------------------------------------
passed=0; failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
# wait_until SECONDS CMD...: poll CMD every 0.2 s.
wait_until() { local n=$(( $1 * 5 )); shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.2; done; return 1; }
unit_prop() { ct systemctl show -p "$2" --value "$1"; }
# unit_restarted UNIT INVOCATION_ID: the unit runs again, as another invocation.
unit_restarted() { [ "$(unit_prop "$1" InvocationID)" != "$2" ]; }
nodeguard_active() { [ "$(ct systemctl is-active nodeguard)" = active ]; }
# nodeguard_restarted PID: active again, with a main process other than PID.
nodeguard_restarted() { local p; p=$(unit_prop nodeguard MainPID); [ "$p" != 0 ] && [ "$p" != "$1" ] && nodeguard_active; }
# report SUITE: the suite's last line (and nodeguard's journal when a test
# failed); its status is the script's.
report() {
    if [ "$failed" -gt 0 ]; then
        echo "--- journal of nodeguard in the container"
        ct journalctl -u nodeguard --no-pager | tail -n 60
    fi
    echo "$1: $passed passed, $failed failed"
    [ "$failed" = 0 ]
}
journal_json() { ct journalctl -u nodeguard -o json --no-pager 2>/dev/null; }
# events KIND: the JSON lines of nodeguard's events of one kind (by MESSAGE_ID).
events() { journal_json | grep "\"MESSAGE_ID\":\"$(id_of "$1")\""; }
id_of() { case "$1" in
    started) echo 8f249f360d314df69cf94e33004ac2b2 ;; restart) echo 50ac5179c11e4f589dfed22f8847be19 ;;
    restart_failed) echo 236264474c114bb4a3104231e9f07e39 ;; restart_done) echo 15ef3d89d64d4936913364a70188f0e5 ;;
    restart_limit) echo 415e70130db34c4cb38450479b5fc4e0 ;; restart_dry_run) echo fb698e05d9fc45e2ae37c5b7b5828daf ;;
    reload_rejected) echo 3b4b492290f743e68a66f237746d271a ;; reloaded) echo 41a4a61188e0419e90666e50119c9b0b ;;
    stopping) echo 48f2f1916df14df89aac2ccbe7beed69 ;; leak_trend) echo 188fe87aaa764d15a19256e13758b8d7 ;;
    journal_vacuumed) echo 9e1c4302e7dd47b2b5ef1b683bf95d51 ;;
    node_down) echo f913902f7f7240e6910b822a69aef43d ;; producer_fenced) echo dc6a664bb09a41f389795581fb03781d ;; node_needs_replay) echo 5498eb179053487f93cfb910f4bf07b5 ;; node_up) echo 0de7a593b46243448c0461509a0b1e31 ;;
    state_migrated) echo 1419abb6ff814a719dba82e4e05c91da ;; warning) echo 42001f2df43c46e1aa3af6142b3a040b ;;
    chain_down) echo f88936de4fb54ca59fad7e1226faaa82 ;; chain_stalled) echo 1f4a9af72ffe43b7adaab014b074d907 ;;
    chain_recovered) echo a0d61aeb5f7649ea8ad9cbc3990576c3 ;; rpc_credentials) echo 9f31fbdd8b7e4b8685bb7527dd45724c ;;
    probe_failed) echo 52182ba56f6b412098419b3cd9a10955 ;;
    *) echo unknown ;; esac; }
count() { events "$1" | wc -l; }
# node_events NODE KIND: one node's events of one kind, as journalctl filters them.
node_events() { ct journalctl -u nodeguard -o json --no-pager "NODEGUARD_NODE=$1" 2>/dev/null | grep "\"MESSAGE_ID\":\"$(id_of "$2")\""; }
node_count() { node_events "$1" "$2" | wc -l; }
node_has() { [ "$(node_count "$1" "$2")" -ge "${3:-1}" ]; }
has_events() { [ "$(count "$1")" -ge "${2:-1}" ]; }
field() { python3 -c 'import json,sys; print(json.loads(sys.stdin.readline()).get(sys.argv[1], ""))' "$1"; }

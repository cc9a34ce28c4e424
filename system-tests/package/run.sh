#!/bin/bash
# Acceptance test of the .deb: installed with apt from a local repository into
# a fresh Debian 12 minbase booted with systemd-nspawn, then reloaded,
# upgraded, removed and purged the way an operator would.
#
# usage: system-tests/package/run.sh DEB NEWER_DEB [OLD_DEB]
#   DEB        the package under test (make deb)
#   NEWER_DEB  the same build with a higher version, for the upgrade
#   OLD_DEB    nodeguard 0.1.0 (system-tests/package/build-0.1.0.sh), for the upgrade from it
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
DEB=${1:?usage: system-tests/package/run.sh DEB NEWER_DEB}
NEWER=${2:?usage: system-tests/package/run.sh DEB NEWER_DEB}
OLD=${3:-}
for f in "$DEB" "$NEWER"; do [ -f "$f" ] || { echo "package test: $f is missing (make deb)"; exit 2; }; done
command -v dpkg-scanpackages >/dev/null || { echo "package test: dpkg-scanpackages is missing (apt-get install dpkg-dev)"; exit 2; }

. "$TOP/system-tests/lib/nspawn.sh"
. "$HERE/upgrade-0.1.0.sh"

W=$(mktemp -d /var/tmp/nodeguard-pkgtest.XXXXXX)
R=$W/rootfs
cleanup() { machine_stop; rm -rf "$W"; }
trap cleanup EXIT

rootfs_copy "$R" || exit 2
# apt sees only the local repository: nothing comes from the network.
mkdir -p "$R/srv/repo"
rm -f "$R/etc/apt/sources.list" "$R"/etc/apt/sources.list.d/*
echo "deb [trusted=yes] file:/srv/repo ./" > "$R/etc/apt/sources.list.d/local.list"
# publish DEB...: the local repository holds exactly these packages.
publish() {
    rm -f "$R"/srv/repo/*.deb; cp "$@" "$R/srv/repo/"
    (cd "$R/srv/repo" && dpkg-scanpackages --multiversion . /dev/null 2>/dev/null | gzip -9n > Packages.gz)
}
apt_ct() { ct env DEBIAN_FRONTEND=noninteractive apt-get -q -y "$@" </dev/null; }

install_leaky_node "$R" || exit 2

machine_boot "$R" || exit 2

# Every file on the root filesystem, but for what changes by itself (the
# journal, apt's lists and caches) and what apt records (dpkg's database).
file_list() {
    ct find / -xdev \( -path /var/log/journal -o -path /var/cache -o -path /var/lib/apt \
        -o -path /var/lib/dpkg -o -path /var/log/apt -o -path /var/log/dpkg.log -o -path /var/log/alternatives.log \) -prune -o -print | LC_ALL=C sort
}
file_list > "$W/before"
publish "$DEB"
VERSION=$(dpkg-deb -f "$DEB" Version); NEWER_VERSION=$(dpkg-deb -f "$NEWER" Version)

test_apt_install() {
    # dpkg-shlibdeps found only libc (libsystemd0 is named: loaded for D-Bus): no Swift or C++ runtime to install.
    local deps; deps=$(dpkg-deb -f "$DEB" Depends | sed 's/ ([^)]*)//g')
    [ "$deps" = "libc6, libsystemd0" ] || { fail apt_install "Depends: $deps (expected libc6, libsystemd0)"; return; }
    # libcurl is loaded by the sender for HTTPS targets only: recommended, so
    # that a host with mail or command targets alone need not have it.
    local rec; rec=$(dpkg-deb -f "$DEB" Recommends | sed 's/ ([^)]*)//g')
    [ "$rec" = "libcurl4" ] || { fail apt_install "Recommends: $rec (expected libcurl4)"; return; }
    apt_ct update >"$W/apt.log" 2>&1 || { fail apt_install "apt-get update: $(tail -3 "$W/apt.log")"; return; }
    apt_ct install nodeguard >>"$W/apt.log" 2>&1 || { fail apt_install "apt-get install: $(tail -5 "$W/apt.log")"; return; }
    [ "$(ct dpkg-query -W -f '${Status} ${Version}' nodeguard)" = "install ok installed $VERSION" ] \
        || { fail apt_install "dpkg says: $(ct dpkg-query -W -f '${Status} ${Version}' nodeguard)"; return; }
    pass apt_install
}

test_enabled_and_active() {
    [ "$(ct systemctl is-enabled nodeguard)" = enabled ] || { fail enabled_and_active "is-enabled: $(ct systemctl is-enabled nodeguard)"; return; }
    wait_until 20 nodeguard_active \
        || { fail enabled_and_active "is-active: $(ct systemctl is-active nodeguard); $(ct journalctl -u nodeguard --no-pager | tail -5)"; return; }
    # systemd logs "Started" for a Type=notify unit only once READY=1 came.
    local j; j=$(ct journalctl -u nodeguard --no-pager -o cat)
    grep -q '^Started nodeguard.service' <<<"$j" || { fail enabled_and_active "no 'Started' (READY) in the journal: $j"; return; }
    has_events started || { fail enabled_and_active "no started event"; return; }
    awk -v p="nodeguard $VERSION started: " 'index($0, p) == 1 { found = 1 } END { exit !found }' <<<"$j" || { fail enabled_and_active "journal: $j"; return; }
    pass enabled_and_active
}

test_cli_on_the_shipped_config() {
    local out rc
    out=$(ct nodeguard config check 2>&1); rc=$?
    [ $rc = 0 ] && grep -q '^/etc/nodeguard/nodeguard.toml: ok: ' <<<"$out" || { fail cli_on_the_shipped_config "config check: rc $rc: $out"; return; }
    wait_until 10 ct test -s /run/nodeguard/status.json || { fail cli_on_the_shipped_config "no status file"; return; }
    out=$(ct nodeguard status 2>&1); rc=$?
    [ $rc -le 2 ] && grep -q '^disk_free  */ ' <<<"$out" || { fail cli_on_the_shipped_config "nodeguard status: rc $rc: $out"; return; }
    # The shipped conffile is exactly the reference config the binary prints.
    [ "$(ct nodeguard config defaults | md5sum)" = "$(ct cat /etc/nodeguard/nodeguard.toml | md5sum)" ] \
        || { fail cli_on_the_shipped_config "the shipped config differs from nodeguard config defaults"; return; }
    # (grep -c, not grep -q: an early exit would fail the pipe under pipefail)
    [ "$(ct journalctl --list-catalog 2>/dev/null | grep -c "$(id_of restart)")" = 1 ] \
        || { fail cli_on_the_shipped_config "journalctl --list-catalog does not know nodeguard's MESSAGE_IDs"; return; }
    pass cli_on_the_shipped_config
}

# unit BOUND: the installed unit's exposure, at most BOUND.
exposure_within() {
    local out; out=$(ct systemd-analyze security --no-pager "$1" 2>&1 | sed -n "s/.*Overall exposure level for $1: //p")
    echo "  systemd-analyze security $1 (installed): $out"
    awk -v s="${out%% *}" -v b="$2" 'BEGIN { exit !(s != "" && s <= b) }' || { echo "exposure of $1: $out, over $2"; return 1; }
}
test_security_and_verify() {
    local out unit
    for unit in nodeguard.service nodeguard-notify.service nodeguard-notify.path; do
        out=$(ct systemd-analyze verify --man=no "$unit" 2>&1) || { fail security_and_verify "systemd-analyze verify $unit: $out"; return; }
        [ -z "$out" ] || { fail security_and_verify "systemd-analyze verify $unit says: $out"; return; }
    done
    out=$(exposure_within nodeguard.service 2.0) || { fail security_and_verify "$out"; return; }; echo "$out"
    # The sender reaches the network (that is its job): the issue's bound, 2.5.
    out=$(exposure_within nodeguard-notify.service 2.5) || { fail security_and_verify "$out"; return; }; echo "$out"
    [ "$(ct systemctl is-enabled nodeguard-notify.path)" = enabled ] && ct systemctl is-active -q nodeguard-notify.path \
        || { fail security_and_verify "nodeguard-notify.path: $(ct systemctl is-enabled nodeguard-notify.path) $(ct systemctl is-active nodeguard-notify.path)"; return; }
    pass security_and_verify
}

# The operator's edit, as people do it: uncomment the example node's table and
# keys and set them (guard the leaky unit, check every second).
edit_config() {
    ct sed -i -e 's/^# interval = .*/interval = "1s"/' -e 's/^# \[node.dmo\]$/[node.dmo]/' -e 's/^# unit = .*/unit = "leaky-node.service"/' \
        -e 's/^# grace = .*/grace = "4s"/' -e 's/^# max_restarts = .*/max_restarts = 5/' \
        -e 's/^# warn_above = .*/warn_above = "48MiB"/' -e 's/^# restart_above = .*/restart_above = "64MiB"/' \
        -e 's/^# for = .*/for = "3s"/' /etc/nodeguard/nodeguard.toml
    # and a command target, which the shipped path unit's sender runs.
    ct tee -a /etc/nodeguard/nodeguard.toml >/dev/null <<'EOF'

[[notify]]
kind = "command"
command = ["/bin/sh", "-c", "cat >> /var/lib/nodeguard/test-notified"]
batch = "0s"
EOF
}

test_reload_takes_effect() {
    local n0; n0=$(count reloaded)
    edit_config
    local out; out=$(ct nodeguard config check 2>&1) || { fail reload_takes_effect "edited config invalid: $out"; return; }
    ct systemctl start leaky-node
    ct systemctl reload nodeguard || { fail reload_takes_effect "systemctl reload failed"; return; }
    wait_until 10 has_events reloaded $((n0 + 1)) \
        || { fail reload_takes_effect "no reloaded event"; return; }
    local changes; changes=$(events reloaded | tail -n1 | field NODEGUARD_CHANGES)
    grep -q 'leaky-node.service' <<<"$changes" || { fail reload_takes_effect "changes: $changes"; return; }
    pass reload_takes_effect
}

test_sandboxed_unit_restarts_leaky_node() {
    local before; before=$(unit_prop leaky-node InvocationID)
    wait_until 40 has_events restart || { fail sandboxed_unit_restarts_leaky_node "no restart event; $(events restart_failed | tail -n1 | field MESSAGE)"; return; }
    local e; e=$(events restart | tail -n1)
    [ "$(field NODEGUARD_TARGET <<<"$e")" = leaky-node.service ] || { fail sandboxed_unit_restarts_leaky_node "target: $e"; return; }
    wait_until 10 unit_restarted leaky-node "$before" \
        || { fail sandboxed_unit_restarts_leaky_node "leaky-node.service was not restarted"; return; }
    echo "  $(field MESSAGE <<<"$e")"
    pass sandboxed_unit_restarts_leaky_node
}

# The daemon queues the restart in the outbox; nodeguard-notify.path starts
# the sandboxed sender, which runs the command with the event on stdin.
notified() { ct grep -q '"event":"restart"' /var/lib/nodeguard/test-notified 2>/dev/null; }
test_restart_notified_by_the_shipped_units() {
    wait_until 30 notified || { fail restart_notified_by_the_shipped_units "nothing: $(ct journalctl -u nodeguard-notify --no-pager | tail -5)"; return; }
    grep -q '"node":"dmo"' <<<"$(ct cat /var/lib/nodeguard/test-notified)" || { fail restart_notified_by_the_shipped_units "$(ct cat /var/lib/nodeguard/test-notified)"; return; }
    local q; q=$(ct find /var/lib/nodeguard/outbox -maxdepth 1 -name '*.json' -newer /var/lib/nodeguard/test-notified)
    ct systemctl is-failed -q nodeguard-notify.service && { fail restart_notified_by_the_shipped_units "the sender failed: $(ct journalctl -u nodeguard-notify --no-pager | tail -5)"; return; }
    pass "restart_notified_by_the_shipped_units${q:+ (queued since: $q)}"
}

# [metrics] textfile as the conffile shows it: node_exporter's directory,
# made after nodeguard started (read-only to it until a restart, and said
# so), then written by the sandboxed unit; any other directory stays
# read-only. The counters show the leaky node's restarts from before the
# textfile was on, and survive the restart of nodeguard.
prom_has() { ct grep -q "$1" /var/lib/prometheus/node-exporter/nodeguard.prom 2>/dev/null; }
metrics_problem() { local e; e=$(events probe_failed | grep '"NODEGUARD_CHECK":"metrics"' | tail -n1); [ -z "$e" ] || field MESSAGE <<<"$e"; }
metrics_said() { metrics_problem | grep -qF "$1"; }
test_metrics_textfile_in_the_sandbox() {
    ct test -s /usr/share/doc/nodeguard/examples/nodeguard-alerts.yml || { fail metrics_textfile_in_the_sandbox "the alert rules are not installed"; return; }
    ct mkdir -p /var/lib/prometheus/node-exporter /var/lib/elsewhere
    ct sed -i 's|^# textfile = |textfile = |' /etc/nodeguard/nodeguard.toml
    ct systemctl reload nodeguard
    wait_until 10 metrics_said "run \`systemctl restart nodeguard\`" \
        || { fail metrics_textfile_in_the_sandbox "no advice to restart: $(metrics_problem)"; return; }
    ct systemctl restart nodeguard
    wait_until 10 prom_has '^nodeguard_last_cycle_timestamp_seconds ' \
        || { fail metrics_textfile_in_the_sandbox "no textfile: $(ct ls -la /var/lib/prometheus/node-exporter) $(metrics_problem)"; return; }
    local restarts; restarts=$(ct grep '^nodeguard_node_restarts_total{node="dmo",reason="node_memory"}' /var/lib/prometheus/node-exporter/nodeguard.prom)
    [ "${restarts##* }" -ge 1 ] 2>/dev/null || { fail metrics_textfile_in_the_sandbox "restart counter: $restarts"; return; }
    prom_has '^nodeguard_node_memory_bytes{node="dmo"} [0-9]' || { fail metrics_textfile_in_the_sandbox "no node memory"; return; }
    ct sed -i 's|^textfile = .*|textfile = "/var/lib/elsewhere/nodeguard.prom"|' /etc/nodeguard/nodeguard.toml
    ct systemctl reload nodeguard
    wait_until 10 metrics_said "add ReadWritePaths=/var/lib/elsewhere with" \
        || { fail metrics_textfile_in_the_sandbox "elsewhere: $(metrics_problem)"; return; }
    ct test ! -e /var/lib/elsewhere/nodeguard.prom || { fail metrics_textfile_in_the_sandbox "wrote outside its ReadWritePaths"; return; }
    ct test ! -e /var/lib/prometheus/node-exporter/nodeguard.prom || { fail metrics_textfile_in_the_sandbox "the old textfile was left to go stale"; return; }
    ct sed -i 's|^textfile = .*|textfile = "/var/lib/prometheus/node-exporter/nodeguard.prom"|' /etc/nodeguard/nodeguard.toml
    ct systemctl reload nodeguard
    wait_until 10 prom_has '^nodeguard_build_info' || { fail metrics_textfile_in_the_sandbox "not written again"; return; }
    ct rmdir /var/lib/elsewhere
    pass metrics_textfile_in_the_sandbox
}

test_upgrade_keeps_config_and_state() {
    local conf_md5 pid
    conf_md5=$(ct md5sum /etc/nodeguard/nodeguard.toml)
    pid=$(unit_prop nodeguard MainPID)
    ct grep -q $'^action .*\trestart' /var/lib/nodeguard/state || { fail upgrade_keeps_config_and_state "no restart in the state before the upgrade"; return; }
    publish "$DEB" "$NEWER"
    { apt_ct update && apt_ct install nodeguard; } >>"$W/apt.log" 2>&1 || { fail upgrade_keeps_config_and_state "apt-get upgrade: $(tail -5 "$W/apt.log")"; return; }
    [ "$(ct dpkg-query -W -f '${Version}' nodeguard)" = "$NEWER_VERSION" ] || { fail upgrade_keeps_config_and_state "version after upgrade: $(ct dpkg-query -W -f '${Version}' nodeguard)"; return; }
    [ "$(ct md5sum /etc/nodeguard/nodeguard.toml)" = "$conf_md5" ] || { fail upgrade_keeps_config_and_state "the edited config was replaced"; return; }
    ct test ! -e /etc/nodeguard/nodeguard.toml.dpkg-dist || { fail upgrade_keeps_config_and_state "dpkg left a .dpkg-dist"; return; }
    wait_until 20 nodeguard_restarted "$pid" \
        || { fail upgrade_keeps_config_and_state "not restarted on the new package"; return; }
    ct grep -q $'^action .*\trestart' /var/lib/nodeguard/state || { fail upgrade_keeps_config_and_state "the restart history was lost"; return; }
    ct test -s /var/lib/nodeguard/bandwidth || { fail upgrade_keeps_config_and_state "the bandwidth ledger was lost"; return; }
    local st; st=$(ct nodeguard status 2>&1)
    grep -q 'leaky-node.service' <<<"$st" || { fail upgrade_keeps_config_and_state "status after upgrade: $st"; return; }
    pass upgrade_keeps_config_and_state
}

test_remove_keeps_config() {
    apt_ct remove nodeguard >>"$W/apt.log" 2>&1 || { fail remove_keeps_config "apt-get remove: $(tail -5 "$W/apt.log")"; return; }
    ct systemctl is-active -q nodeguard && { fail remove_keeps_config "still active"; return; }
    ct test -e /usr/sbin/nodeguardd && { fail remove_keeps_config "the daemon is still installed"; return; }
    ct grep -q '^unit = "leaky-node.service"' /etc/nodeguard/nodeguard.toml || { fail remove_keeps_config "the edited config is gone"; return; }
    [ "$(ct dpkg-query -W -f '${Status}' nodeguard)" = "deinstall ok config-files" ] || { fail remove_keeps_config "dpkg says: $(ct dpkg-query -W -f '${Status}' nodeguard)"; return; }
    pass remove_keeps_config
}

test_purge_leaves_nothing() {
    apt_ct purge nodeguard >>"$W/apt.log" 2>&1 || { fail purge_leaves_nothing "apt-get purge: $(tail -5 "$W/apt.log")"; return; }
    ct test -e /run/nodeguard && { fail purge_leaves_nothing "/run/nodeguard is left"; return; }
    file_list > "$W/after"
    # The repository the test made, and systemd's catalog database (rebuilt
    # without nodeguard's entries), are not nodeguard's files.
    # /var/lib/prometheus/node-exporter stands in for prometheus-node-exporter's;
    # the textfile in it is nodeguard's and must be gone.
    local left; left=$(comm -13 "$W/before" "$W/after" | grep -v -e '^/srv/repo' -e '^/var/lib/systemd/catalog/database$' \
        -e '^/var/lib/prometheus$' -e '^/var/lib/prometheus/node-exporter$')
    [ -z "$left" ] || { fail purge_leaves_nothing "left behind: $(tr '\n' ' ' <<<"$left")"; return; }
    [ "$(ct journalctl --list-catalog 2>/dev/null | grep -c "$(id_of restart)")" = 0 ] || { fail purge_leaves_nothing "the catalog still has nodeguard's entries"; return; }
    pass purge_leaves_nothing
}

test_apt_install
test_enabled_and_active
test_cli_on_the_shipped_config
test_security_and_verify
test_reload_takes_effect
test_sandboxed_unit_restarts_leaky_node
test_restart_notified_by_the_shipped_units
test_metrics_textfile_in_the_sandbox
test_upgrade_keeps_config_and_state
test_remove_keeps_config
test_purge_leaves_nothing
test_upgrade_from_0_1_0

report package

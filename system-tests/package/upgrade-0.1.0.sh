# The upgrade from 0.1.0, sourced by system-tests/package/run.sh (its machine and
# helpers): the real 0.1.0 package (system-tests/package/build-0.1.0.sh) installed,
# its conffile edited as an operator would (fixtures/nodeguard-0.1.0-edited.toml:
# 0.1.0's conffile with a single [node] table), its daemon restarting the
# leaky node once; then this version installed over it, keeping the edited
# conffile as unattended upgrades do (--force-confold). The same node must
# go on being guarded under the same restart budget: 0.1.0's restart counts.

# restart_lines: the restart history in a state file, one "restart T" a line.
restart_lines() { ct grep '^restart ' "$1" 2>/dev/null; }

test_upgrade_from_0_1_0() {
    local t=upgrade_from_0_1_0
    [ -n "$OLD" ] || { fail $t "no 0.1.0 package (system-tests/package/build-0.1.0.sh)"; return; }
    publish "$OLD"
    { apt_ct update && apt_ct install nodeguard; } >>"$W/apt.log" 2>&1 || { fail $t "installing 0.1.0: $(tail -5 "$W/apt.log")"; return; }
    [ "$(ct dpkg-query -W -f '${Version}' nodeguard)" = 0.1.0 ] || { fail $t "0.1.0 is not installed"; return; }
    install -m 644 "$HERE/fixtures/nodeguard-0.1.0-edited.toml" "$R/etc/nodeguard/nodeguard.toml"
    local n0; n0=$(count restart)
    ct systemctl start leaky-node
    ct systemctl restart nodeguard
    wait_until 40 has_events restart $((n0 + 1)) || { fail $t "0.1.0 did not restart the leaky node"; return; }
    local old_history; old_history=$(restart_lines /var/lib/nodeguard/state)
    [ -n "$old_history" ] || { fail $t "0.1.0 wrote no restart history"; return; }
    local conf_md5 pid; conf_md5=$(ct md5sum /etc/nodeguard/nodeguard.toml); pid=$(unit_prop nodeguard MainPID)

    publish "$DEB"
    { apt_ct update && apt_ct -o Dpkg::Options::=--force-confold install nodeguard; } >>"$W/apt.log" 2>&1 \
        || { fail $t "upgrading: $(tail -5 "$W/apt.log")"; return; }
    [ "$(ct dpkg-query -W -f '${Version}' nodeguard)" = "$VERSION" ] || { fail $t "version after the upgrade: $(ct dpkg-query -W -f '${Version}' nodeguard)"; return; }
    [ "$(ct md5sum /etc/nodeguard/nodeguard.toml)" = "$conf_md5" ] || { fail $t "the edited 0.1.0 config was replaced"; return; }
    wait_until 20 nodeguard_restarted "$pid" || { fail $t "not running on the new package"; return; }
    wait_until 10 node_has leaky-node state_migrated || { fail $t "no state_migrated event for node leaky-node"; return; }
    [ "$(restart_lines /var/lib/nodeguard/nodes/leaky-node)" = "$old_history" ] \
        || { fail $t "history after: '$(restart_lines /var/lib/nodeguard/nodes/leaky-node)', before: '$old_history'"; return; }
    [ -z "$(restart_lines /var/lib/nodeguard/state)" ] || { fail $t "the history is still in the old file too"; return; }
    # The same node, guarded on: restarted by this version, and held at
    # max_restarts = 2 counting 0.1.0's restart.
    wait_until 60 node_has leaky-node restart_limit || { fail $t "no restart limit for leaky-node: $(ct journalctl -u nodeguard --no-pager | tail -n5)"; return; }
    [ "$(node_count leaky-node restart)" = 1 ] || { fail $t "$(node_count leaky-node restart) restarts by this version, expected 1 after 0.1.0's"; return; }
    grep -q 'restarted 2 times within 6h (max_restarts = 2)' <<<"$(node_events leaky-node restart_limit | field MESSAGE)" \
        || { fail $t "limit: $(node_events leaky-node restart_limit | field MESSAGE)"; return; }
    grep -q 'node leaky-node (leaky-node.service)' <<<"$(ct nodeguard status 2>&1)" || { fail $t "status: $(ct nodeguard status 2>&1)"; return; }
    ct systemctl stop leaky-node
    apt_ct purge nodeguard >>"$W/apt.log" 2>&1
    pass $t
}

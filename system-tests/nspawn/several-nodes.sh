# System tests of several nodes on one host, sourced by system-tests/nspawn/run.sh
# (its machine, harness and helpers): each node judged and restarted on its
# own, within its own budget; the host floor's choice; a unit node's
# dependents after it, in order; a stopped node said once and started only
# with start_when_down; journalctl NODEGUARD_NODE= for one node's story.

install_several_nodes() {  # ROOTFS: two leakers and three plain services
    printf '[Service]\nExecStart=/usr/local/bin/leaker 8 250 400\n' > "$1/etc/systemd/system/leaky-a.service"
    printf '[Service]\nExecStart=/usr/local/bin/leaker 4 250 40\n' > "$1/etc/systemd/system/leaky-b.service"
    for u in dep-1 dep-2 steady; do
        printf '[Service]\nExecStart=/bin/sleep infinity\n' > "$1/etc/systemd/system/$u.service"
    done
}

# several_config [MEMORY_KEYS] [B_RESTART_ABOVE] [MORE_TABLES] [A_RESTART_ABOVE]
# a: 8 MiB every 250 ms to 400 MiB, restarted above 64 MiB, then dep-1 and
# dep-2; b: stops at 40 MiB, under its 200 MiB.
several_config() {
    local memory=${1:-'host_available_warn_below = "1%"
host_available_below = "0.5%"'}
    local a_above=${4:-64MiB}
    local a_warn=48MiB; [ "$a_above" = 64MiB ] || a_warn=900MiB
    write_config <<EOF
interval = "1s"
[memory]
for = "3s"
$memory
[node.a]
unit = "leaky-a.service"
warn_above = "$a_warn"
restart_above = "$a_above"
grace = "4s"
max_restarts = 2
restart_window = "10m"
then_restart = ["dep-1", "dep-2"]
[node.b]
unit = "leaky-b.service"
warn_above = "10MiB"
restart_above = "${2:-200MiB}"
grace = "4s"
${3:-}
EOF
}

fresh_start() {  # stop everything, forget restart history, start the units and nodeguard
    ct systemctl stop nodeguard leaky-a leaky-b dep-1 dep-2 steady 2>/dev/null
    ct rm -rf /var/lib/nodeguard/state /var/lib/nodeguard/nodes
    ct systemctl start leaky-a leaky-b dep-1 dep-2 "$@" nodeguard
}

enter_time() { unit_prop "$1" ActiveEnterTimestampMonotonic; }
# The node's own restarts, its dependents' left out.
node_restarts() { node_events "$1" restart | grep -c '"NODEGUARD_ACTION":"restart"'; }
node_restarted_more() { [ "$(node_restarts "$1")" -gt "$2" ]; }

test_two_nodes_each_within_its_budget() {
    several_config
    fresh_start
    local b0 d10 d20
    b0=$(unit_prop leaky-b InvocationID); d10=$(unit_prop dep-1 InvocationID); d20=$(unit_prop dep-2 InvocationID)
    wait_until 60 node_has a restart_limit || { fail two_nodes "a never reached its restart limit"; return; }
    [ "$(node_count a restart_limit)" = 1 ] || { fail two_nodes "restart_limit said $(node_count a restart_limit) times"; return; }
    local a_restarts; a_restarts=$(node_restarts a)
    [ "$a_restarts" = 2 ] || { fail two_nodes "$a_restarts restarts of a, expected max_restarts = 2"; return; }
    [ "$(node_restarts b)" = 0 ] && [ "$(unit_prop leaky-b InvocationID)" = "$b0" ] \
        || { fail two_nodes "b was restarted though under its restart_above"; return; }
    [ "$(node_count b warning)" -ge 1 ] || { fail two_nodes "b above its own warn_above said nothing"; return; }
    # a's dependents, after it, in order.
    local deps; deps=$(node_events a restart | grep '"NODEGUARD_ACTION":"restart-dependent"' | head -n2 | while read -r l; do field NODEGUARD_TARGET <<<"$l"; done | tr '\n' ' ')
    [ "$deps" = "dep-1.service dep-2.service " ] || { fail two_nodes "dependents restarted: '$deps'"; return; }
    [ "$(unit_prop dep-1 InvocationID)" != "$d10" ] && [ "$(unit_prop dep-2 InvocationID)" != "$d20" ] \
        || { fail two_nodes "the dependents were not restarted"; return; }
    [ "$(enter_time leaky-a)" -lt "$(enter_time dep-1)" ] || { fail two_nodes "dep-1 came back before its node leaky-a"; return; }
    [ "$(enter_time dep-1)" -lt "$(enter_time dep-2)" ] || { fail two_nodes "dep-2 came back before dep-1"; return; }
    # One node's story only, through the journal's own filter.
    [ -z "$(ct journalctl -u nodeguard -o json --no-pager NODEGUARD_NODE=b | grep '"NODEGUARD_NODE":"a"')" ] \
        || { fail two_nodes "NODEGUARD_NODE=b shows a's events"; return; }
    [ "$(node_count a restart)" -ge 4 ] || { fail two_nodes "NODEGUARD_NODE=a misses a's restarts (and their dependents')"; return; }
    # a is out of budget; b's budget is whole: with restart_above under its 40 MiB, b is restarted.
    several_config "" "16MiB"
    ct systemctl reload nodeguard
    wait_until 30 node_has b restart || { fail two_nodes "b not restarted while a was at its limit"; return; }
    [ "$(unit_prop leaky-b InvocationID)" != "$b0" ] || { fail two_nodes "leaky-b.service still the same invocation"; return; }
    pass two_nodes_each_within_its_budget
}

test_host_floor_restarts_the_larger_node() {
    # Both nodes under their own thresholds; a floor the host is always under.
    several_config 'host_available_warn_below = "99.9%"
host_available_below = "99%"' "1GiB" "" "1GiB"
    local n0; n0=$(node_restarts a)
    fresh_start
    wait_until 30 node_restarted_more a "$n0" || { fail host_floor "a not restarted for the host floor: $(ct journalctl -u nodeguard --no-pager | tail -n5)"; return; }
    [ "$(node_restarts b)" = 1 ] || { fail host_floor "b was restarted too"; return; }   # its one restart of the test before
    local e; e=$(node_events a restart | grep '"NODEGUARD_ACTION":"restart"' | tail -n1)
    [ "$(field NODEGUARD_NODE <<<"$e")" = a ] && [ "$(field NODEGUARD_CHECK <<<"$e")" = host_memory ] \
        || { fail host_floor "restarted: $e"; return; }
    grep -q 'restarting a: [0-9.]* [KMG]iB, the most anonymous memory of the 2 nodes that may be restarted' <<<"$(field MESSAGE <<<"$e")" \
        || { fail host_floor "why not said: $(field MESSAGE <<<"$e")"; return; }
    pass host_floor_restarts_the_larger_node
}

test_stopped_node_said_once_started_only_when_asked() {
    several_config "" "" '[node.c]
unit = "steady.service"
grace = "4s"'
    fresh_start steady
    ct systemctl stop steady
    wait_until 15 node_has c node_down || { fail stopped_node "no node_down"; return; }
    sleep 3
    [ "$(node_count c node_down)" = 1 ] || { fail stopped_node "node_down said $(node_count c node_down) times"; return; }
    [ "$(ct systemctl is-active steady)" != active ] || { fail stopped_node "started without start_when_down"; return; }
    several_config "" "" '[node.c]
unit = "steady.service"
grace = "4s"
start_when_down = true'
    ct systemctl reload nodeguard
    wait_until 15 node_has c restart || { fail stopped_node "not started with start_when_down"; return; }
    wait_until 10 node_has c node_up || { fail stopped_node "no node_up"; return; }
    [ "$(ct systemctl is-active steady)" = active ] || { fail stopped_node "steady.service is not running"; return; }
    [ "$(field NODEGUARD_CHECK <<<"$(node_events c restart | head -n1)")" = node_running ] || { fail stopped_node "start: $(node_events c restart | head -n1)"; return; }
    ct systemctl stop nodeguard leaky-a leaky-b dep-1 dep-2 steady
    pass stopped_node_said_once_started_only_when_asked
}

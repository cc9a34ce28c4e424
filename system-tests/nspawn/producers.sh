# System tests of a producer group under a real systemd (issue #27), sourced by
# system-tests/nspawn/run.sh (its machine, harness and helpers). Two stand-in
# nodeos members run as units with pause-on-startup in their unit files,
# stopped with SIGINT, restarted by systemd on failure but not for a dirty
# state (status 2); nodeguard runs from the packaged unit. The members share
# one ledger of the slots they sign, so each test counts our slots signed
# twice and missed:
#   - the producing member restarted for its memory: production handed to the
#     standby between our turns first, then the restart; 0 missed, 0 double;
#   - the producing member's main process SIGKILLed: production moves, at most
#     one turn missed; systemd restarts it, it exits on its dirty state, and
#     nodeguard says it needs a replay and never starts it (start_when_down);
#   - the journal tells one story for the account, in order;
#   - a standby that ignores pause and takes its time to stop: fenced, and
#     SIGKILLed once its stop_timeout (3 s) passed, not the unit's 120 s.

STANDIN_LEDGER=/var/lib/standin/ledger
STANDIN_SCHEDULE=otherbp,ourbp   # a round of 24 slots (12 s); ours is its second half

install_producers() {  # ROOTFS: python3 for the stand-in, the stand-in, two member units
    local r=$1 lib m port
    install -D -m 755 /usr/bin/python3.11 "$r/usr/bin/python3" || return 2
    cp -a /usr/lib/python3.11 "$r/usr/lib/" || return 2
    rm -rf "$r/usr/lib/python3.11/test" "$r/usr/lib/python3.11/dist-packages"
    for lib in $(ldd /usr/bin/python3.11 | awk '$3 ~ /^\// {print $3}' | sort -u); do
        [ -e "$r$lib" ] || cp -L "$lib" "$r$lib" || return 2
    done
    install -m 755 "$TOP/system-tests/producer/standin-nodeos.py" "$r/usr/local/bin/standin-nodeos" || return 2
    for m in bpa:18881 bpb:18882; do
        port=${m#*:}; m=${m%%:*}
        cat > "$r/etc/systemd/system/$m.service" <<EOF
[Unit]
Description=stand-in nodeos $m, a member of the producer group ourbp
[Service]
StateDirectory=standin
ExecStart=/usr/bin/python3 /usr/local/bin/standin-nodeos --name $m --port $port --ledger $STANDIN_LEDGER --account ourbp --schedule $STANDIN_SCHEDULE --pause-on-startup --data-dir /var/lib/standin/$m
KillSignal=SIGINT
TimeoutStopSec=120
Restart=on-failure
RestartSec=1
RestartPreventExitStatus=2
EOF
    done
}

# producer_config [BPA_RESTART_ABOVE]: both members, start_when_down, the group.
producer_config() {
    write_config <<EOF
interval = "5s"
producer_every = "1s"
[memory]
for = "2s"
[node.bpa]
unit = "bpa.service"
rpc = "nodeos"
rpc_url = "http://127.0.0.1:18881/"
restart_above = "${1:-900MiB}"
start_when_down = true
grace = "10s"
[node.bpb]
unit = "bpb.service"
rpc = "nodeos"
rpc_url = "http://127.0.0.1:18882/"
restart_above = "900MiB"
start_when_down = true
grace = "10s"
[producer.ourbp]
nodes = ["bpa", "bpb"]
EOF
}

slot_now() { python3 -c 'import time; print((int(time.time() * 1000) - 946684800000) // 500)'; }

# ledger_counts FIRST LAST: "DOUBLE MISSED SIGNERS" among our slots in [FIRST, LAST].
ledger_counts() {
    ct cat "$STANDIN_LEDGER" 2>/dev/null | python3 -c '
import sys
first, last, sched = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].split(",")
by = {}
for line in sys.stdin:
    s, who = line.split(); by.setdefault(int(s), []).append(who)
ours = [s for s in range(first, last + 1) if sched[(s % (12 * len(sched))) // 12] == "ourbp"]
print(sum(1 for s in ours if len(by.get(s, [])) > 1), sum(1 for s in ours if s not in by),
      ",".join(sorted(set(w for s in ours for w in by.get(s, []))) or "-"))' "$1" "$2" "$STANDIN_SCHEDULE"
}

# past_next_turn: sleeps past the end of our next turn that starts 3 s from
# now or later, and prints its first and last slots.
past_next_turn() {
    local s first
    s=$(( $(slot_now) + 6 ))
    first=$(( s - s % 24 + 12 )); [ "$first" -lt "$s" ] && first=$(( first + 24 ))
    sleep "$(python3 -c "import time,sys; print(max(0, (946684800000 + ($first + 14) * 500) / 1000 - time.time()))")"
    echo "$first $(( first + 11 ))"
}

account_story() { ct journalctl -u nodeguard -o cat --no-pager NODEGUARD_ACCOUNT=ourbp 2>/dev/null; }
story_has() { account_story | grep -qE "$1"; }

test_producer_memory_restart_hands_over() {
    ct systemctl stop nodeguard bpa bpb 2>/dev/null
    ct rm -rf /var/lib/nodeguard/state /var/lib/nodeguard/nodes /var/lib/nodeguard/producer /var/lib/standin
    producer_config 1MiB   # bpa's ~20 MiB: restarted for its memory at once
    ct systemctl start bpa bpb
    ct systemctl start nodeguard
    local inv; inv=$(unit_prop bpa.service InvocationID)
    wait_until 20 story_has "bpa resumed: ourbp produces on bpa" || { fail producer_memory_restart "bpa never resumed: $(account_story | tail -n 5)"; return; }
    local begin; begin=$(( $(slot_now) + 2 ))   # from the next block on, nothing of ours may be missed
    wait_until 60 story_has "handing production of ourbp from bpa to bpb between our turns" \
        || { fail producer_memory_restart "no handover: $(account_story | tail -n 5)"; return; }
    wait_until 30 unit_restarted bpa "$inv" || { fail producer_memory_restart "bpa was not restarted"; return; }
    producer_config; ct systemctl reload nodeguard   # bpa back: not restarted again
    local e; e=$(node_events bpa restart | head -n1)
    grep -q "production of ourbp was handed to bpb first" <<<"$(field MESSAGE <<<"$e")" \
        || { fail producer_memory_restart "the restart does not say the handover: $e"; return; }
    local turn c
    turn=$(past_next_turn)
    c=$(ledger_counts "$begin" "${turn#* }")
    [ "${c% *}" = "0 0" ] || { fail producer_memory_restart "double/missed/signers from bpa's resume: $c"; return; }
    [ "$(ledger_counts ${turn% *} ${turn#* })" = "0 0 bpb" ] || { fail producer_memory_restart "the turn after: $(ledger_counts ${turn% *} ${turn#* })"; return; }
    [ "$(ct systemctl is-active bpa)" = active ] || { fail producer_memory_restart "bpa did not come back"; return; }
    pass producer_memory_restart_hands_over_0_missed_0_double
}

test_producer_sigkill_fails_over_replay_said() {
    # bpb produces (the test before). Its main process killed: systemd
    # restarts it, and it exits at once on its dirty state.
    local killed inv0
    killed=$(slot_now)
    ct systemctl kill -s SIGKILL --kill-whom=main bpb
    wait_until 20 story_has "bpa resumed: ourbp produces on bpa \(was bpb: is not running\)" \
        || { fail producer_sigkill "bpa not resumed: $(account_story | tail -n 5)"; return; }
    wait_until 30 node_has bpb node_needs_replay || { fail producer_sigkill "no node_needs_replay for bpb: $(ct journalctl -u nodeguard -n 15 --no-pager)"; return; }
    local e; e=$(node_events bpb node_needs_replay | head -n1)
    [ "$(field PRIORITY <<<"$e")" = 2 ] || { fail producer_sigkill "not CRIT: $e"; return; }
    grep -q "database dirty flag set (likely due to unclean shutdown): replay required" <<<"$(field NODEGUARD_REASON <<<"$e")" \
        || { fail producer_sigkill "not nodeos's words: $e"; return; }
    inv0=$(unit_prop bpb.service InvocationID)
    local starts; starts=$(node_count bpb restart)
    local turn; turn=$(past_next_turn)
    sleep 10   # longer than bpb's grace: start_when_down would have started it again
    [ "$(unit_prop bpb.service InvocationID)" = "$inv0" ] || { fail producer_sigkill "bpb was started again after the replay was said"; return; }
    [ "$(node_count bpb restart)" = "$starts" ] && [ "$starts" -le 1 ] || { fail producer_sigkill "bpb started by nodeguard $(node_count bpb restart) times"; return; }
    [ "$(node_count bpb node_needs_replay)" = 1 ] || { fail producer_sigkill "said $(node_count bpb node_needs_replay) times"; return; }
    local c; c=$(ledger_counts "$killed" "${turn#* }")
    local double=${c%% *} rest=${c#* }; local missed=${rest%% *}
    [ "$double" = 0 ] && [ "$missed" -le 12 ] || { fail producer_sigkill "double/missed/signers since the kill: $c"; return; }
    [ "$(ledger_counts ${turn% *} ${turn#* })" = "0 0 bpa" ] || { fail producer_sigkill "the turn after: $(ledger_counts ${turn% *} ${turn#* })"; return; }
    ct nodeguard producer | grep -q "bpb: .*needs a replay or a snapshot" || { fail producer_sigkill "nodeguard producer: $(ct nodeguard producer)"; return; }
    echo "  missed $missed of our blocks after the SIGKILL; nodeguard started bpb $starts time(s) before it read the journal"
    pass producer_sigkill_fails_over_replay_said_not_started_again
}

test_producer_one_story_per_account() {
    local story; story=$(account_story)
    python3 - "$story" <<'EOF' || { fail producer_story "$story"; return; }
import re, sys
story = sys.argv[1].splitlines()
steps = [r"^bpa resumed: ourbp produces on bpa", r"^handing production of ourbp from bpa to bpb between our turns",
         r"^bpb resumed: ourbp produces on bpb", r"^moving production of ourbp from bpb to bpa: bpb is not running",
         r"^bpa resumed: ourbp produces on bpa \(was bpb: is not running\)"]
at = 0
for line in story:
    if at < len(steps) and re.search(steps[at], line): at += 1
sys.exit(0 if at == len(steps) and not any("two members producing" in l for l in story) else 1)
EOF
    pass producer_journal_one_story_per_account
}

test_producer_fence_kills_after_stop_timeout() {
    ct systemctl stop nodeguard bpa bpb 2>/dev/null
    ct systemctl reset-failed bpb 2>/dev/null
    ct rm -rf /var/lib/nodeguard/state /var/lib/nodeguard/nodes /var/lib/nodeguard/producer /var/lib/standin
    ct mkdir -p /etc/systemd/system/bpb.service.d
    ct sh -c "sed -n 's/^ExecStart=\(.*\)/[Service]\nExecStart=\nExecStart=\1 --ignore-pause --slow-stop 60/p' /etc/systemd/system/bpb.service > /etc/systemd/system/bpb.service.d/fence.conf"
    ct systemctl daemon-reload
    producer_config
    ct sed -i '/^\[node.bpb\]/a stop_timeout = "3s"' /etc/nodeguard/nodeguard.toml
    ct systemctl start bpa bpb nodeguard
    local ok=1 e
    wait_until 60 node_has bpb producer_fenced 2 || { fail producer_fence "bpb not fenced to the end: $(account_story | tail -n 6)"; ok=0; }
    if [ $ok = 1 ]; then
        e=$(node_events bpb producer_fenced | tail -n1)
        grep -q "it did not stop within stop_timeout 3s: SIGKILL sent to every process of bpb.service; its process is gone" <<<"$(field MESSAGE <<<"$e")" \
            || { fail producer_fence "the outcome: $(field MESSAGE <<<"$e")"; ok=0; }
    fi
    local first last took
    first=$(node_events bpb producer_fenced | head -n1 | field __REALTIME_TIMESTAMP); last=$(node_events bpb producer_fenced | tail -n1 | field __REALTIME_TIMESTAMP)
    took=$(( (${last:-0} - ${first:-0}) / 1000000 ))
    [ $ok = 1 ] && { [ "$took" -lt 15 ] || { fail producer_fence "the fence took ${took}s (the unit's TimeoutStopSec is 120s)"; ok=0; }; }
    local turn; turn=$(past_next_turn)
    [ $ok = 1 ] && { [ "$(ledger_counts ${turn% *} ${turn#* })" = "0 0 bpa" ] || { fail producer_fence "the turn after: $(ledger_counts ${turn% *} ${turn#* })"; ok=0; }; }
    [ "$(ct systemctl is-active bpb)" != active ] || { fail producer_fence "bpb runs again after its fence"; ok=0; }
    ct rm -rf /etc/systemd/system/bpb.service.d; ct systemctl daemon-reload
    [ $ok = 1 ] && { echo "  fenced in ${took}s"; pass producer_fence_kills_after_stop_timeout; }
}

producer_tests() {
    test_producer_memory_restart_hands_over
    test_producer_sigkill_fails_over_replay_said
    test_producer_one_story_per_account
    test_producer_fence_kills_after_stop_timeout
    ct systemctl stop nodeguard bpa bpb 2>/dev/null
    ct systemctl reset-failed bpb 2>/dev/null
}

# System tests of what the operator sees, sourced by system-tests/nspawn/run.sh (its
# machine, harness and helpers).

# systemctl status shows the STATUS= line; nodeguard status the view.
test_status_line() {
    local st; st=$(ct systemctl status nodeguard --no-pager 2>&1)
    if grep -qE 'Status: "node (unreadable|[0-9.]+ [KMG]iB)?.*host [0-9.]+ [KMG]iB available, / [0-9]+% free' <<<"$st"; then
        pass status_line
    else
        fail status_line "no STATUS line in systemctl status: $st"
    fi
    ct nodeguard status >"$W/status.txt" 2>&1
    grep -q '^host_memory' "$W/status.txt" && grep -q 'recent actions' "$W/status.txt" \
        && pass cli_status || fail cli_status "$(cat "$W/status.txt")"
}

test_stop_is_clean_and_quick() {
    local t0 t1
    t0=$(date +%s%N); ct systemctl stop nodeguard; t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    [ "$ms" -lt 1000 ] || { fail stop "systemctl stop took $ms ms"; return; }
    has_events stopping || { fail stop "no stopping event"; return; }
    [ "$(unit_prop nodeguard.service Result)" = success ] || { fail stop "result $(unit_prop nodeguard.service Result)"; return; }
    pass stop
}

# After `systemctl stop nodeguard`, `nodeguard status` says the daemon is not
# running and exits 3: it never shows the last view as current.
test_status_after_stop_says_not_running() {
    good_config
    ct systemctl start nodeguard
    wait_until 10 nodeguard_active || { fail status_after_stop "nodeguard did not start"; return; }
    local out rc
    out=$(ct nodeguard status 2>&1); rc=$?
    [ "$rc" -le 2 ] || { fail status_after_stop "status of a running daemon exited $rc: $out"; return; }
    ct systemctl stop nodeguard
    out=$(ct nodeguard status 2>&1); rc=$?
    [ "$rc" = 3 ] || { fail status_after_stop "exit $rc after the stop (expected 3): $out"; return; }
    grep -q '^nodeguard is not running' <<<"$out" || { fail status_after_stop "does not say it is not running: $out"; return; }
    grep -q 'systemctl start nodeguard' <<<"$out" || { fail status_after_stop "does not say how to start it: $out"; return; }
    # With its status file kept (a status_file outside the runtime directory),
    # the stop is marked in it and said.
    write_config <<'EOF2'
interval = "1s"
status_file = "/var/lib/nodeguard/status.json"
EOF2
    ct systemctl start nodeguard
    wait_until 10 nodeguard_active || { fail status_after_stop "nodeguard did not start with status_file in /var/lib/nodeguard"; return; }
    ct systemctl stop nodeguard
    out=$(ct nodeguard status --status-file /var/lib/nodeguard/status.json 2>&1); rc=$?
    [ "$rc" = 3 ] && grep -q '^nodeguard is not running: it stopped at ' <<<"$out" \
        || { fail status_after_stop "a kept status file after the stop: exit $rc: $out"; return; }
    ct rm -f /var/lib/nodeguard/status.json
    pass status_after_stop_says_not_running
}

# A field of several lines (a reload's errors) reaches the journal as it is,
# through journald's native protocol, newlines and all.
test_multiline_field_kept_in_journal() {
    good_config
    ct systemctl start nodeguard
    wait_until 10 nodeguard_active || { fail multiline_field "nodeguard did not start"; return; }
    local n0; n0=$(count reload_rejected)
    write_config <<'EOF2'
interval = "1s"
restart_abvoe = 1
[memory]
warn_abvoe = 2
EOF2
    ct systemctl reload nodeguard
    wait_until 10 has_events reload_rejected $((n0 + 1)) || { fail multiline_field "no reload_rejected"; return; }
    local errors; errors=$(events reload_rejected | tail -n1 | field NODEGUARD_ERRORS)
    [ "$(wc -l <<<"$errors")" = 2 ] && grep -q ':2:1: unknown key `restart_abvoe`' <<<"$errors" && grep -q ':4:1: unknown key `warn_abvoe`' <<<"$errors" \
        || { fail multiline_field "NODEGUARD_ERRORS is not the two errors on two lines: '$errors'"; return; }
    ct systemctl stop nodeguard
    pass multiline_field_kept_in_journal
}

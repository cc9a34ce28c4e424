# nodeguard's events on a central journal (issue #14), sourced by
# system-tests/nspawn/run.sh: Debian's systemd-journal-upload, installed in the
# container as its package lays it out, sends the container's journal to
# Debian's systemd-journal-remote listening on the host's loopback (the
# container shares the host's network), as docs/many-hosts.md shows.
# nodeguard's restart event must arrive with every field it had, and the
# how-to's filter (journalctl -D DIR NODEGUARD_NODE=NAME) must find it.

JREMOTE=""
JREMOTE_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# install_journal_upload ROOTFS: the binary and unit where the package puts
# them, the libraries the minbase rootfs lacks, and the upload's URL. The
# host's libsystemd-shared goes beside it (LD_LIBRARY_PATH in a drop-in), in
# case the container's systemd is another build.
install_journal_upload() {
    local r=$1 lib up=/lib/systemd/systemd-journal-upload
    [ -x "$up" ] || { echo "journal-remote: $up is missing (apt-get install systemd-journal-remote)"; return 2; }
    install -D -m 755 "$up" "$r$up" || return 2
    install -D -m 644 /lib/systemd/system/systemd-journal-upload.service "$r/lib/systemd/system/systemd-journal-upload.service" || return 2
    mkdir -p "$r/usr/local/lib/journal-upload" "$r/etc/systemd/system/systemd-journal-upload.service.d"
    for lib in $(ldd "$up" | awk '$3 ~ /^\// {print $3}' | sort -u); do
        case "$lib" in
            */libsystemd-shared-*) cp -L "$lib" "$r/usr/local/lib/journal-upload/" || return 2 ;;
            *) [ -e "$r$lib" ] || cp -L "$lib" "$r$lib" || return 2 ;;
        esac
    done
    printf '[Service]\nEnvironment=LD_LIBRARY_PATH=/usr/local/lib/journal-upload\n' \
        > "$r/etc/systemd/system/systemd-journal-upload.service.d/test.conf"
    printf '[Upload]\nURL=http://127.0.0.1:%s\n' "$JREMOTE_PORT" > "$r/etc/systemd/journal-upload.conf"
}

stop_journal_remote() {
    [ -n "$JREMOTE" ] || return 0
    kill "$JREMOTE" 2>/dev/null; wait "$JREMOTE" 2>/dev/null; JREMOTE=""
}

remote_json() { journalctl -D "$W/remote" -o json --no-pager "$@" 2>/dev/null; }
remote_restart() { remote_json "MESSAGE_ID=$(id_of restart)" | grep "\"__REALTIME_TIMESTAMP\":\"$1\"" | head -n1; }
remote_has_restart() { [ -n "$(remote_restart "$1")" ]; }

test_events_reach_journal_remote() {
    has_events restart || { fail events_reach_journal_remote "no restart event to look for (run test_leaky_node_restarted first)"; return; }
    mkdir -p "$W/remote"
    /lib/systemd/systemd-journal-remote --listen-http="127.0.0.1:$JREMOTE_PORT" --output="$W/remote/" >"$W/journal-remote.log" 2>&1 &
    JREMOTE=$!
    ct systemctl start systemd-journal-upload
    # The last restart the container's journal has, found on the central one
    # by its timestamp: every NODEGUARD_* field, the message, priority and unit the same.
    local local_e ts; local_e=$(events restart | tail -n1); ts=$(field __REALTIME_TIMESTAMP <<<"$local_e")
    if ! wait_until 30 remote_has_restart "$ts"; then
        fail events_reach_journal_remote "nothing arrived: $(tail -3 "$W/journal-remote.log"); upload: $(ct journalctl -u systemd-journal-upload --no-pager | tail -3)"
        stop_journal_remote; return
    fi
    local remote_e; remote_e=$(remote_restart "$ts")
    local diff; diff=$(python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2] or "{}")
keys = [k for k in a if k.startswith("NODEGUARD_")] + ["MESSAGE", "PRIORITY", "_SYSTEMD_UNIT", "SYSLOG_IDENTIFIER"]
print("; ".join("%s: %r -> %r" % (k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)))
print(len([k for k in a if k.startswith("NODEGUARD_")]))' "$local_e" "$remote_e")
    local node; node=$(field NODEGUARD_NODE <<<"$local_e")
    local said; said=$(journalctl -D "$W/remote" --no-pager -o cat "NODEGUARD_NODE=$node" 2>/dev/null | grep -c "^restarting $node")
    stop_journal_remote
    ct systemctl stop systemd-journal-upload
    [ -n "$(head -n1 <<<"$diff")" ] && { fail events_reach_journal_remote "fields changed on the way: $(head -n1 <<<"$diff")"; return; }
    [ "$(tail -n1 <<<"$diff")" -ge 6 ] || { fail events_reach_journal_remote "only $(tail -n1 <<<"$diff") NODEGUARD_ fields: $local_e"; return; }
    [ "$said" -ge 1 ] || { fail events_reach_journal_remote "journalctl -D $W/remote NODEGUARD_NODE=$node finds no restart"; return; }
    echo "  on the central journal: $(field MESSAGE <<<"$remote_e")"
    pass events_reach_journal_remote
}

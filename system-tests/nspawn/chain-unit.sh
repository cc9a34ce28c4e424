# System tests of the chain check with the node as a systemd unit, sourced by
# system-tests/nspawn/run.sh (its machine, harness and helpers). Two regtest nodes
# of Debian's litecoind run as units in the container: litecoin-a mines a
# block every 3 s (miner.service), litecoin-b follows it and is guarded by
# nodeguard over its RPC with cookie auth. B is cut off, frozen, started from
# zero, given a wrong password and kept stuck; nodeguard restarts the unit
# through systemd when it should, and only then. Each test names its node
# differently, so each one's events are its own (journalctl NODEGUARD_NODE=).

LTC_A=/var/lib/litecoin-a LTC_B=/var/lib/litecoin-b

# install_litecoin ROOTFS: litecoind and litecoin-cli with the libraries the
# minbase rootfs lacks, the two nodes' data directories and units, the miner.
install_litecoin() {
    local r=$1 lib
    install -D -m 755 /usr/lib/litecoin/litecoind "$r/usr/local/bin/litecoind" || return 2
    install -D -m 755 /usr/bin/litecoin-cli "$r/usr/local/bin/litecoin-cli" || return 2
    for lib in $(ldd /usr/lib/litecoin/litecoind /usr/bin/litecoin-cli | awk '$3 ~ /^\// {print $3}' | sort -u); do
        [ -e "$r$lib" ] || cp -L "$lib" "$r$lib" || return 2
    done
    ltc_conf "$r$LTC_A" 19544 19543 ""
    ltc_conf "$r$LTC_B" 19554 19553 "connect=127.0.0.1:19544"
    cat > "$r/etc/systemd/system/litecoin-a.service" <<EOF
[Service]
ExecStart=/usr/local/bin/litecoind -datadir=$LTC_A
EOF
    # EXTRA (from /etc/default/litecoin-b) starts it with its network off: stuck.
    cat > "$r/etc/systemd/system/litecoin-b.service" <<EOF
[Service]
EnvironmentFile=-/etc/default/litecoin-b
ExecStart=/usr/local/bin/litecoind -datadir=$LTC_B \$EXTRA
TimeoutStopSec=30s
EOF
    # Up to height 420: at 432 Litecoin 0.21's regtest stops making blocks.
    cat > "$r/usr/local/bin/mine-a" <<EOF
#!/bin/sh
while :; do
  h=\$(litecoin-cli -datadir=$LTC_A getblockcount 2>/dev/null || echo 999)
  [ "\$h" -lt 420 ] && litecoin-cli -datadir=$LTC_A generatetoaddress 1 "\$(cat $LTC_A/address)" >/dev/null
  sleep 3
done
EOF
    chmod 755 "$r/usr/local/bin/mine-a"
    printf '[Service]\nExecStart=/usr/local/bin/mine-a\n' > "$r/etc/systemd/system/miner.service"
}

ltc_conf() {  # DIR P2P_PORT RPC_PORT EXTRA
    mkdir -p "$1"
    printf 'regtest=1\nserver=1\nlisten=1\n[regtest]\nport=%s\nrpcport=%s\nrpcbind=127.0.0.1\nrpcallowip=127.0.0.1\nfallbackfee=0.0001\n%s\n' \
        "$2" "$3" "$4" > "$1/litecoin.conf"
}

ltc() { local d=$1; shift; ct litecoin-cli -datadir="$d" "$@"; }
ltc_height() { ltc "$1" getblockcount 2>/dev/null || echo -1; }
ltc_answers() { [ "$(ltc_height "$1")" -ge 0 ]; }
b_moved_from() { [ "$(ltc_height $LTC_B)" -gt "$1" ]; }
b_caught_up() { [ "$(ltc_height $LTC_B)" -ge $(( $(ltc_height $LTC_A) - 1 )) ]; }

# start_chain: A with 101 blocks and its miner, B following it.
start_chain() {
    ct systemctl start litecoin-a litecoin-b
    wait_until 30 ltc_answers $LTC_A && wait_until 30 ltc_answers $LTC_B || { echo "litecoin-a or -b does not answer"; return 1; }
    ltc $LTC_A createwallet w >/dev/null && ltc $LTC_A getnewaddress > "$R$LTC_A/address" || return 1
    ltc $LTC_A generatetoaddress 101 "$(cat "$R$LTC_A/address")" >/dev/null || return 1
    wait_until 30 b_caught_up || { echo "litecoin-b does not follow litecoin-a"; return 1; }
    ct systemctl start miner
}

# chain_config NAME [MAX_RESTARTS] [CREDENTIALS]: node NAME is litecoin-b.service.
chain_config() {
    write_config <<EOF
interval = "1s"
[bandwidth]
enabled = false
[docker_logs]
enabled = false
[journal]
max_use = "0B"
[node.$1]
unit = "litecoin-b.service"
max_restarts = ${2:-3}
restart_window = "1h"
rpc = "bitcoind"
rpc_url = "http://127.0.0.1:19553/"
${3:-rpc_cookie = \"$LTC_B/regtest/.cookie\"}
rpc_every = "1s"
rpc_timeout = "2s"
down_after = "10s"
stalled_after = "15s"
startup_grace = "5s"
EOF
}

b_invocation() { unit_prop litecoin-b InvocationID; }
b_started_since() { [ "$(b_invocation)" != "$1" ]; }   # INVOCATION: a new one once the start begins
# A node's own restarts of litecoin-b.service.
chain_restarts() { node_events "$1" restart | grep -c '"NODEGUARD_ACTION":"restart"'; }

test_chain_unit_stalled_restarted_recovers() {
    chain_config stall
    ct systemctl restart nodeguard
    sleep 8
    local b0 cut h0; b0=$(b_invocation)
    # Cut right after a block arrives: the stall counts from B's last new
    # height, so the restart comes stalled_after after the cut (less the
    # second the block may have been there before it was seen).
    h0=$(ltc_height $LTC_B); wait_until 10 b_moved_from "$h0"
    ltc $LTC_B setnetworkactive false >/dev/null; cut=$(date +%s)
    wait_until 45 node_has stall chain_stalled || { fail chain_unit_stalled "no chain_stalled"; return; }
    wait_until 20 node_has stall restart || { fail chain_unit_stalled "no restart"; return; }
    local took=$(( $(date +%s) - cut ))
    [ "$took" -ge 14 ] || { fail chain_unit_stalled "restarted ${took}s after the cut, before stalled_after"; return; }
    wait_until 40 b_started_since "$b0" || { fail chain_unit_stalled "litecoin-b.service was not started again"; return; }
    wait_until 40 node_has stall chain_recovered || { fail chain_unit_stalled "no chain_recovered"; return; }
    grep -q 'its height advances again at height [0-9]*, [0-9]*s\? after it was found stalled' \
        <<<"$(field MESSAGE <<<"$(node_events stall chain_recovered | tail -n1)")" \
        || { fail chain_unit_stalled "recovery: $(node_events stall chain_recovered | tail -n1)"; return; }
    wait_until 30 b_caught_up || { fail chain_unit_stalled "B did not catch up after the restart"; return; }
    [ "$(chain_restarts stall)" = 1 ] || { fail chain_unit_stalled "$(chain_restarts stall) restarts"; return; }
    pass "chain_unit_stalled_restarted_recovers (restart ${took}s after the cut)"
}

test_chain_unit_frozen_is_down() {
    chain_config frozen
    ct systemctl restart nodeguard
    sleep 7   # past the startup grace
    local b0 ng0; b0=$(b_invocation); ng0=$(unit_prop nodeguard MainPID)
    ct systemctl kill -s SIGSTOP litecoin-b
    wait_until 40 node_has frozen chain_down || { fail chain_unit_frozen "no chain_down"; return; }
    wait_until 40 node_has frozen restart || { fail chain_unit_frozen "no restart"; return; }
    wait_until 40 ltc_answers $LTC_B || { fail chain_unit_frozen "litecoin-b does not answer after the restart"; return; }
    wait_until 10 b_started_since "$b0" || { fail chain_unit_frozen "litecoin-b.service was not started again"; return; }
    # WatchdogSec=3s: a cycle held by the frozen RPC would have got nodeguard killed.
    [ "$(unit_prop nodeguard MainPID)" = "$ng0" ] || { fail chain_unit_frozen "nodeguard was restarted (watchdog?)"; return; }
    wait_until 30 b_caught_up
    pass chain_unit_frozen_is_down
}

test_chain_unit_sync_from_zero_not_restarted() {
    ct systemctl stop nodeguard litecoin-b
    ct rm -rf "$LTC_B/regtest"
    ltc $LTC_A generatetoaddress 150 "$(cat "$R$LTC_A/address")" >/dev/null
    chain_config sync
    ct systemctl start litecoin-b nodeguard
    wait_until 120 b_caught_up || { fail chain_unit_sync "B did not sync from zero"; return; }
    sleep 20
    [ "$(node_count sync restart)" = 0 ] && [ "$(node_count sync chain_stalled)" = 0 ] && [ "$(node_count sync chain_down)" = 0 ] \
        || { fail chain_unit_sync "restarted or stalled while syncing: $(ct journalctl -u nodeguard --no-pager NODEGUARD_NODE=sync | tail -n5)"; return; }
    pass "chain_unit_sync_from_zero_not_restarted ($(ltc_height $LTC_A) blocks)"
}

test_chain_unit_wrong_password() {
    printf 'wrong-secret\n' > "$R/etc/nodeguard/rpc.password"; chmod 600 "$R/etc/nodeguard/rpc.password"
    chain_config creds 3 'rpc_user = "nodeguard"
rpc_password_file = "/etc/nodeguard/rpc.password"'
    local b0; b0=$(b_invocation)
    ct systemctl restart nodeguard
    wait_until 20 node_has creds rpc_credentials || { fail chain_unit_password "no rpc_credentials"; return; }
    sleep 20
    [ "$(node_count creds rpc_credentials)" = 1 ] || { fail chain_unit_password "said $(node_count creds rpc_credentials) times"; return; }
    grep -q 'user nodeguard with the password in /etc/nodeguard/rpc.password' <<<"$(field MESSAGE <<<"$(node_events creds rpc_credentials)")" \
        || { fail chain_unit_password "the source is not named: $(node_events creds rpc_credentials)"; return; }
    [ "$(node_count creds restart)" = 0 ] && [ "$(b_invocation)" = "$b0" ] || { fail chain_unit_password "restarted"; return; }
    ! ct journalctl --no-pager -o json | grep -q wrong-secret || { fail chain_unit_password "the password is in the journal"; return; }
    pass chain_unit_wrong_password
}

test_chain_unit_stuck_budget() {
    echo 'EXTRA=-networkactive=0' > "$R/etc/default/litecoin-b"
    ltc $LTC_B setnetworkactive false >/dev/null
    chain_config stuck 2
    ct systemctl restart nodeguard
    wait_until 150 node_has stuck restart_limit || { fail chain_unit_stuck "no restart_limit"; return; }
    sleep 20
    [ "$(chain_restarts stuck)" = 2 ] && [ "$(node_count stuck restart_limit)" = 1 ] \
        || { fail chain_unit_stuck "$(chain_restarts stuck) restarts, restart_limit said $(node_count stuck restart_limit) times"; return; }
    [ "$(node_events stuck restart_limit | field PRIORITY)" = 2 ] || { fail chain_unit_stuck "restart_limit is not CRIT"; return; }
    rm -f "$R/etc/default/litecoin-b"
    pass chain_unit_stuck_budget
}

chain_unit_tests() {
    start_chain || { fail chain_unit "the two litecoind units did not start"; return; }
    test_chain_unit_stalled_restarted_recovers
    test_chain_unit_frozen_is_down
    test_chain_unit_sync_from_zero_not_restarted
    test_chain_unit_wrong_password
    test_chain_unit_stuck_budget
    ct systemctl stop miner
}

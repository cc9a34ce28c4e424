# A notification by mail through Debian's exim4 (issue #15), sourced by
# system-tests/nspawn/run.sh: the shipped nodeguard-notify.path and .service, the
# daemon queueing a restart in its outbox, the path unit starting the
# sandboxed sender, the sender handing the mail to exim's daemon by SMTP on
# loopback, and exim delivering it at once to a local user's mailbox,
# /var/mail/ops. (exim's daemon listens on a free port of its own, not 25:
# the container shares the host's network.)

# install_notify_units ROOTFS: the units as the package installs them, the
# path enabled the way its [Install] section says (WantedBy=nodeguard.service).
install_notify_units() {
    local r=$1 u
    for u in nodeguard-notify.path nodeguard-notify.service; do
        install -m 644 "$TOP/packaging/$u" "$r/etc/systemd/system/$u" || return 2
    done
    mkdir -p "$r/etc/systemd/system/nodeguard.service.wants"
    ln -sf ../nodeguard-notify.path "$r/etc/systemd/system/nodeguard.service.wants/nodeguard-notify.path"
    [ -x "$r/usr/sbin/exim4" ] || { echo "notify-mail: exim4 is missing in the rootfs"; return 2; }
}

mailbox() { ct cat /var/mail/ops 2>/dev/null; }
mailed() { grep -q "restarting dmo" <<<"$(mailbox)"; }

exim_listens() { python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; }

test_restart_mailed_through_exim() {
    ct systemctl stop nodeguard leaky-node
    ct id ops >/dev/null 2>&1 || ct useradd --create-home ops
    ct rm -f /var/mail/ops
    local port; port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    ct systemd-run --quiet --unit=exim-test --collect /usr/sbin/exim4 -bdf -oX "$port" -q30m
    wait_until 10 exim_listens "$port" || { fail restart_mailed_through_exim "exim's daemon does not listen on $port: $(ct journalctl -u exim-test --no-pager | tail -3)"; return; }
    write_config <<EOF
interval = "1s"

[node.dmo]
unit = "leaky-node.service"
grace = "4s"
max_restarts = 5
restart_window = "10m"
restart_above = "64MiB"
for = "3s"

[[notify]]
name = "mail"
kind = "email"
to = ["ops@localhost"]
batch = "0s"
smtp_port = $port
EOF
    ct systemctl start nodeguard leaky-node
    ct systemctl is-active -q nodeguard-notify.path || { fail restart_mailed_through_exim "nodeguard-notify.path is not active: $(ct systemctl status nodeguard-notify.path --no-pager 2>&1 | tail -3)"; return; }
    wait_until 60 mailed || { fail restart_mailed_through_exim "no mail in /var/mail/ops: sender: $(ct journalctl -u nodeguard-notify --no-pager | tail -5); exim: $(ct tail -3 /var/log/exim4/mainlog 2>&1)"; return; }
    local m; m=$(mailbox)
    grep -q '^To: ops@localhost' <<<"$m" && grep -q '^From: nodeguard <root@' <<<"$m" && grep -q '^Message-ID: <nodeguard\.' <<<"$m" \
        && grep -q '^[0-9:]* UTC WARNING: restarting dmo: ' <<<"$m" || { fail restart_mailed_through_exim "the mail: $m"; return; }
    ct systemctl is-failed -q nodeguard-notify.service && { fail restart_mailed_through_exim "the sender failed: $(ct journalctl -u nodeguard-notify --no-pager | tail -5)"; return; }
    # Taken by SMTP and delivered at once, not queued for a later run.
    grep -q ' <= root@[^ ]* H=.* P=e\?smtp ' <<<"$(ct cat /var/log/exim4/mainlog)" || { fail restart_mailed_through_exim "not taken by SMTP: $(ct tail -3 /var/log/exim4/mainlog)"; return; }
    local q; q=$(ct exim4 -bpc 2>&1)
    [ "$q" = 0 ] || { fail restart_mailed_through_exim "exim's queue holds $q"; return; }
    ct systemctl stop leaky-node exim-test
    echo "  $(grep '^Subject: ' <<<"$m" | head -n1)"
    pass restart_mailed_through_exim
}

# A burst of outbox changes (a flapping node with batch = "0s", several
# targets, the daemon's kicks): each starts the sender, which exits within
# milliseconds. systemd's default start limit (5 in 10 s) would fail the
# service and stop the path unit: no notification after that.
test_outbox_burst_keeps_the_path_unit() {
    ct systemctl is-active -q nodeguard-notify.path || { fail outbox_burst_keeps_the_path_unit "the path unit is not active to begin with"; return; }
    local i
    for i in $(seq 12); do ct touch /var/lib/nodeguard/outbox/kick; sleep 0.4; done
    sleep 1
    local path_state path_result; path_state=$(unit_prop nodeguard-notify.path ActiveState); path_result=$(unit_prop nodeguard-notify.path Result)
    [ "$path_state" = active ] && [ "$path_result" = success ] \
        || { fail outbox_burst_keeps_the_path_unit "nodeguard-notify.path: $path_state ($path_result); $(ct journalctl -u nodeguard-notify.path -u nodeguard-notify --no-pager | tail -3)"; return; }
    ct systemctl is-failed -q nodeguard-notify.service && { fail outbox_burst_keeps_the_path_unit "the sender failed: $(unit_prop nodeguard-notify.service Result)"; return; }
    pass outbox_burst_keeps_the_path_unit
}

# A message the target cannot take yet (a command target that exits 75 until
# /var/lib/nodeguard/flag exists) waits in the outbox across a reboot of the
# container (poweroff, boot), then goes out exactly once when the target
# takes it: nodeguard, enabled, starts at boot and kicks the sender.
later_queued() { [ -n "$(ct find /var/lib/nodeguard/outbox -maxdepth 1 -name '*.later.json')" ] \
    && ct journalctl -u nodeguard-notify --no-pager -o cat | grep -q 'cannot notify later yet'; }
later_delivered() { ct test -s /var/lib/nodeguard/delivered; }
test_queued_message_survives_a_reboot() {
    ct rm -f /var/lib/nodeguard/flag /var/lib/nodeguard/delivered
    write_config <<'EOF2'
interval = "1s"

# A node of its own: dmo's restart budget was spent by the tests before.
[node.reboot]
unit = "leaky-node.service"
grace = "4s"
max_restarts = 1
restart_window = "1h"
restart_above = "64MiB"
for = "3s"

[[notify]]
name = "later"
kind = "command"
command = ["/bin/sh", "-c", "test -e /var/lib/nodeguard/flag || exit 75; cat >> /var/lib/nodeguard/delivered"]
events = ["restart"]
batch = "0s"
EOF2
    ct systemctl enable --quiet nodeguard
    ct systemctl restart nodeguard
    ct systemctl start leaky-node
    wait_until 60 later_queued || { fail queued_message_survives_a_reboot "no message waiting: $(ct ls /var/lib/nodeguard/outbox) $(ct journalctl -u nodeguard-notify --no-pager | tail -3)"; return; }
    ct systemctl stop leaky-node
    machine_stop
    machine_boot "$R" "${BOOT_ARGS[@]}" || { fail queued_message_survives_a_reboot "the container did not boot again"; return; }
    nodeguard_active || wait_until 20 nodeguard_active || { fail queued_message_survives_a_reboot "nodeguard did not start at boot"; return; }
    ct test -n "$(ct find /var/lib/nodeguard/outbox -maxdepth 1 -name '*.later.json')" || { fail queued_message_survives_a_reboot "the message did not survive the reboot"; return; }
    ct touch /var/lib/nodeguard/flag; local t0; t0=$(date +%s)
    wait_until 120 later_delivered || { fail queued_message_survives_a_reboot "not delivered after the reboot: $(ct journalctl -u nodeguard-notify --no-pager | tail -3)"; return; }
    local took=$(( $(date +%s) - t0 )); sleep 3
    local n; n=$(ct grep -c '"event":"restart"' /var/lib/nodeguard/delivered)
    [ "$n" = 1 ] || { fail queued_message_survives_a_reboot "delivered $n times: $(ct cat /var/lib/nodeguard/delivered)"; return; }
    [ -z "$(ct find /var/lib/nodeguard/outbox -maxdepth 1 -name '*.later.json')" ] || { fail queued_message_survives_a_reboot "still queued after delivery"; return; }
    ct systemctl disable --quiet nodeguard
    pass "queued_message_survives_a_reboot (delivered ${took}s after the target took messages again)"
}

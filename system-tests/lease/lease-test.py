#!/usr/bin/env python3
"""A producer group across two hosts agreed through a real etcd (issue #28).

Debian's etcd, three members on loopback, started and stopped here. Two
nodeguards, "host A" and "host B", each with its own config, state and one
stand-in nodeos member (standin-nodeos.py: bpa and bpb, one chain, one
ledger of the slots they sign). Each host reaches etcd through TCP proxies
this test owns, so a host can be cut off from etcd (its packets dropped,
or its connections refused) while everything else runs. Each scenario
asserts 0 double-signed slots and bounds the missed ones:
  - at start A takes the lease, waits for a turn of ours missed whole, then
    resumes bpa; B stands by; `config check --probe` says each endpoint's
    etcd version and who holds the key;
  - A's nodeguard restarted while it holds the lease: its own lease taken
    up again (only the one it took, remembered in its state), 0 missed;
  - a third host given A's lease_name: it does not take A's lease up, CRIT;
  - host A's nodeguard and member killed together: B takes the lease once
    etcd let it expire, resumes after a turn missed (missed <= two turns);
  - each host's metrics and `nodeguard producer --json`: the holder, its
    token, the time left, each endpoint (unanswered while cut off, with
    the failed renewals counted);
  - A cut off from etcd while bpa runs (its packets to etcd dropped): A
    pauses bpa before its lease could have expired (its own deadline), B
    takes over; 0 double;
  - the standby host's member silent past fence_after (a nodeos
    restarting): asked again, not fenced;
  - A cut off (its connections to etcd refused: a route down) while bpa
    hangs (its pause unconfirmable): A fences it at its deadline, before B
    takes the key; 0 double;
  - A's nodeguard frozen (SIGSTOP) while bpa produces: B takes the key but
    resumes nothing while our blocks arrive; bpa killed: B resumes; 0 double;
  - the etcd leader killed: no switch, 0 missed;
  - quorum lost (two members stopped): the holder pauses, nobody produces,
    CRIT; quorum back: one host produces again;
  - a planned switch A -> B asked on B, and back asked on the holder:
    0 missed, 0 double;
  - wrong etcd credentials: an ERROR naming the user, nothing produced.

usage: system-tests/lease/lease-test.py BINDIR   (~6 minutes)
"""
import json, os, re, shutil, signal, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import Results, wait_for
from etcd_cluster import Etcd, Proxy
from standin_chain import EPOCH_MS, ROUND, SCHEDULE, SLOT_MS, Ledger, connectable, free_port, now_slot

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "..", "producer", "standin-nodeos.py")
W = tempfile.mkdtemp(prefix="nodeguard-lease-")
LEDGER = os.path.join(W, "ledger")
chain = Ledger(LEDGER)
r = Results()


# --- a host: its stand-in member, its nodeguard, its proxies to etcd ----------
class Host:
    def __init__(self, name, member, etcd, ttl="10s", extra="", lease_name=None):
        self.name, self.member, self.etcd = name, member, etcd
        self.lease_name = lease_name or name
        self.dir = os.path.join(W, name); os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.proxies = [Proxy(p) for p in etcd.client]
        for p in self.proxies: p.start()
        self.ttl, self.extra = ttl, extra
        self.member_proc = self.ng = None
        self.log = os.path.join(self.dir, "nodeguard.log")

    def config(self):
        endpoints = ", ".join('"http://127.0.0.1:%d"' % p.port for p in self.proxies)
        open(os.path.join(self.dir, "nodeguard.toml"), "w").write(
            'interval = "10s"\nproducer_every = "1s"\nstatus_file = "%s/status.json"\nstate_directory = "%s/state"\n'
            '[bandwidth]\nenabled = false\n[docker_logs]\nenabled = false\n[journal]\nmax_use = "0B"\n[metrics]\ntextfile = "%s/metrics.prom"\n'
            '[node.%s]\npidfile = "%s/%s.pid"\nrestart_command = ["/bin/true"]\nrpc = "nodeos"\nrpc_url = "http://127.0.0.1:%d/"\ndown_after = "5m"\n'
            '[producer.ourbp]\nnodes = ["%s"]\nlease = [%s]\nlease_ttl = "%s"\nlease_name = "%s"\n%s'
            % (self.dir, self.dir, self.dir, self.member, self.dir, self.member, self.port, self.member, endpoints, self.ttl, self.lease_name, self.extra))

    def start_member(self):
        self.member_proc = subprocess.Popen([sys.executable, STANDIN, "--name", self.member, "--port", str(self.port), "--ledger", LEDGER,
                                             "--account", "ourbp", "--schedule", ",".join(SCHEDULE), "--pidfile",
                                             os.path.join(self.dir, self.member + ".pid"), "--pause-on-startup"])
        wait_for(lambda: connectable(self.port), 10)

    def start_nodeguard(self):
        self.config()
        self.ng = subprocess.Popen([os.path.join(BIN, "nodeguardd"), "--config", os.path.join(self.dir, "nodeguard.toml")],
                                   stdout=subprocess.DEVNULL, stderr=open(self.log, "a"))

    def kill(self, what):
        p = self.ng if what == "nodeguard" else self.member_proc
        if p and p.poll() is None: os.kill(p.pid, signal.SIGCONT); p.kill(); p.wait()

    def stop(self):
        if self.ng and self.ng.poll() is None:
            os.kill(self.ng.pid, signal.SIGCONT); self.ng.send_signal(signal.SIGTERM)
            try: self.ng.wait(timeout=20)
            except subprocess.TimeoutExpired: self.ng.kill(); self.ng.wait()
        self.kill("member")

    def said(self, pattern):
        return [l for l in open(self.log).read().splitlines() if re.search(pattern, l)] if os.path.exists(self.log) else []

    def status(self):
        try: return json.load(open(os.path.join(self.dir, "status.json")))
        except (OSError, ValueError): return {}

    def cut(self, on, drop=False):
        """Cut off from etcd: its connections refused (a route down), or with
        `drop` its packets to etcd dropped (iptables on loopback: a connect
        waits, nothing answers); uncut, both undone."""
        for p in self.proxies:
            rule = ["INPUT", "-i", "lo", "-p", "tcp", "--dport", str(p.port), "-j", "DROP"]
            if on and drop: subprocess.run(["iptables", "-I", *rule], check=True)
            elif not on:
                while subprocess.run(["iptables", "-D", *rule], capture_output=True).returncode == 0: pass
            if not drop: p.cut = on

    def metric(self, name, **labels):
        """A sample of the metrics textfile; None when absent."""
        want = ",".join('%s="%s"' % kv for kv in sorted(labels.items()))
        for line in open(os.path.join(self.dir, "metrics.prom")) if os.path.exists(os.path.join(self.dir, "metrics.prom")) else []:
            m = re.match(r"(\w+)(?:\{(.*)\})? (\S+)$", line.strip())
            if m and m.group(1) == name and ",".join(sorted((m.group(2) or "").split(","))) == want: return float(m.group(3))
        return None

    def labels(self):
        return re.findall(r'node="([^"]*)"', open(os.path.join(self.dir, "metrics.prom")).read()) if os.path.exists(os.path.join(self.dir, "metrics.prom")) else []

    def producer_json(self):
        """`nodeguard producer --json` on this host: its group's "lease" object."""
        p = subprocess.run([os.path.join(BIN, "nodeguard"), "producer", "--json", "--status-file", os.path.join(self.dir, "status.json")], capture_output=True, text=True)
        try: return json.loads(p.stdout)["groups"][0].get("lease", {})
        except (ValueError, KeyError, IndexError): return {"error": p.stdout + p.stderr}


def producing(member, since=None):
    """The member signed a slot of ours at `since` or later."""
    since = since if since is not None else now_slot() - 12
    return any(member in w for s, w in chain.slots().items() if s >= since)


def stamp(lines):
    """The time of the first line ("2026-12-06 16:16:17 ..."), as Unix seconds; inf without one."""
    if not lines: return float("inf")
    return time.mktime(time.strptime(lines[0][:19], "%Y-%m-%d %H:%M:%S"))


def wait_turn_end():
    """Sleeps past the end of our next turn starting 2 s from now or later; its slots."""
    s = now_slot() + 4
    first = s + (12 - s % ROUND) % ROUND
    time.sleep(max(0, (EPOCH_MS + (first + 13) * SLOT_MS) / 1000 - time.time()))
    return first, first + 11


def fresh(etcd, hosts):
    """Everything stopped, the key gone, the ledger emptied; members started, A's nodeguard, then B's."""
    for h in hosts: h.stop(); h.cut(False)
    for i in range(3):
        if etcd.procs[i] is None: etcd.start(i)
    wait_for(etcd.healthy, 20)
    subprocess.run(["etcdctl", "--endpoints=http://127.0.0.1:%d" % etcd.client[0], "del", "--prefix", "/nodeguard"], capture_output=True)
    chain.clear()
    for h in hosts:
        shutil.rmtree(os.path.join(h.dir, "state"), ignore_errors=True)
        if os.path.exists(h.log): os.unlink(h.log)
        h.start_member()
    a, b = hosts
    a.start_nodeguard()
    wait_for(lambda: a.said(r"took the lease"), 15)
    b.start_nodeguard()


def a_producing(etcd, a, b):
    fresh(etcd, [a, b])
    return wait_for(lambda: a.said(r"bpa resumed: ourbp produces on bpa"), 45)


try:
    etcd = Etcd(W)
    for i in range(3): etcd.start(i)
    if not wait_for(etcd.healthy, 30): raise SystemExit("etcd did not come up: " + open(os.path.join(W, "etcd0.log")).read()[-2000:])
    a, b = Host("host-a", "bpa", etcd), Host("host-b", "bpb", etcd)

    # At start: A takes the lease, resumes once our last turn is seen missed whole; B stands by.
    resumed = a_producing(etcd, a, b)
    first, last = wait_turn_end()
    st_b = [c for c in b.status().get("checks", []) if c.get("check") == "producer"]
    token = re.search(r"took the lease, token (\d+)", " ".join(a.said("took the lease")))
    if resumed and chain.counts(first, last) == (0, 0, ["bpa"]) and not b.said("resumed") and st_b and st_b[0].get("state") == "ok" and token \
            and a.said(r"bpa resumed: .*\[.*token=%s" % token.group(1)):
        r.ok("at_start_a_takes_the_lease_and_produces_b_stands_by")
    else: r.bad("at_start", repr((resumed, chain.counts(first, last), b.said("resumed"), st_b, a.said("lease|resumed"))))

    # What each host shows: the metrics, and `nodeguard producer --json`.
    ja, jb = a.producer_json(), b.producer_json()
    t = int(token.group(1)) if token else -1
    left = a.metric("nodeguard_producer_lease_seconds_left", account="ourbp")
    if a.metric("nodeguard_producer_lease_holder", account="ourbp") == 1 and left is not None and 0 < left <= 10 \
            and b.metric("nodeguard_producer_lease_holder", account="ourbp") == 0 and b.metric("nodeguard_producer_lease_seconds_left", account="ourbp") == 0 \
            and a.metric("nodeguard_producer_active", account="ourbp", node="bpa") == 1 and b.metric("nodeguard_producer_active", account="ourbp", node="bpb") == 0 \
            and set(a.labels()) == {"bpa"} and set(b.labels()) == {"bpb"} \
            and (ja.get("held_here"), ja.get("holder"), ja.get("token")) == (True, "host-a", t) and 0 < (ja.get("seconds_left") or 0) <= 10 \
            and (jb.get("held_here"), jb.get("holder"), jb.get("token"), jb.get("seconds_left")) == (False, "host-a", t, None) \
            and [e.get("answers") for e in ja.get("endpoints", [])] == [True] * 3 and [e.get("answers") for e in jb.get("endpoints", [])] == [True] * 3:
        r.ok("each_host_shows_the_holder_its_token_time_left_and_each_endpoint_in_metrics_and_json")
    else: r.bad("metrics_and_json", repr((open(os.path.join(a.dir, "metrics.prom")).read() if os.path.exists(os.path.join(a.dir, "metrics.prom")) else None,
                                          b.labels(), ja, jb)))

    # config check --probe: each endpoint's etcd version, and who holds the key.
    probe = subprocess.run([os.path.join(BIN, "nodeguard"), "config", "check", "--probe", os.path.join(a.dir, "nodeguard.toml")], capture_output=True, text=True)
    versions = re.findall(r"ok: producer ourbp: etcd: http://127.0.0.1:\d+ answers: etcd 3\.4\.\d+", probe.stdout)
    if len(versions) == 3 and token and re.search(r"ok: producer ourbp: lease: /nodeguard/producer/ourbp is held by host-a \(token %s\), this host" % token.group(1), probe.stdout):
        r.ok("config_check_probe_says_each_endpoint_and_the_holder")
    else: r.bad("config_check_probe", repr((probe.returncode, probe.stdout, probe.stderr)))

    # A's nodeguard restarted while it holds the lease: it takes its own lease up again, nothing moves.
    os.kill(a.ng.pid, signal.SIGTERM); a.ng.wait(timeout=20)
    restarted = now_slot()
    a.start_nodeguard()
    again = wait_for(lambda: a.said(r"the key in etcd still holds the lease this host took \(host-a, token %s\)" % (token.group(1) if token else "?")), 15)
    first, last = wait_turn_end()
    if again and chain.counts(restarted, last) == (0, 0, ["bpa"]) and not b.said("took the lease|resumed"):
        r.ok("a_restarted_takes_its_own_lease_up_again_0_missed")
    else: r.bad("a_restarted", repr((again, chain.counts(restarted, last), a.said("lease|resumed"), b.said("lease|resumed"))))

    # A third host given A's lease_name: the key names it, but not a lease it took: it stands by, CRIT.
    d = Host("host-d", "bpd", etcd, lease_name="host-a")
    d.start_member(); d.start_nodeguard()
    same = wait_for(lambda: d.said(r"CRIT ourbp: the lease key names host-a, this host's lease_name, but holds a lease this host did not take"), 15)
    first, last = wait_turn_end()
    d.stop()
    if same and not d.said("resumed|took the lease") and not producing("bpd", 0) and chain.counts(first, last) == (0, 0, ["bpa"]):
        r.ok("a_host_with_the_holders_name_stands_by_crit")
    else: r.bad("same_name", repr((same, d.said("lease|resumed"), chain.counts(first, last))))

    # A's nodeguard and member killed together: B resumes after the lease is gone and a turn is missed.
    killed = now_slot()
    a.kill("nodeguard"); a.kill("member")
    took = wait_for(lambda: b.said(r"host-b\) took the lease"), 20)
    resumed = wait_for(lambda: b.said(r"bpb resumed: ourbp produces on bpb"), 40)
    first, last = wait_turn_end()
    double, missed, _ = chain.counts(killed, last)
    if took and resumed and double == 0 and missed <= 24 and chain.counts(first, last) == (0, 0, ["bpb"]):
        r.ok("a_killed_with_its_member_b_resumes_after_the_lease_and_a_missed_turn (missed %d)" % missed)
    else: r.bad("a_killed", repr((took, resumed, double, missed, chain.counts(first, last), b.said("lease|resumed|missed"))))

    # A cut off from etcd while bpa runs (its packets to etcd dropped): A pauses bpa by its own deadline,
    # before etcd can let the lease go; B takes over.
    resumed = a_producing(etcd, a, b)
    cut = time.time(); cut_slot = now_slot()
    a.cut(True, drop=True)
    lost = wait_for(lambda: a.said(r"this host lost the lease .*no etcd endpoint could be reached.*reason=unreachable"), 20)
    took = wait_for(lambda: b.said(r"host-b\) took the lease"), 20)
    b_resumed = wait_for(lambda: b.said(r"bpb resumed"), 40)
    first, last = wait_turn_end()
    by = chain.slots()
    last_a = max([s for s, w in by.items() if "bpa" in w] or [0]); first_b = min([s for s, w in by.items() if "bpb" in w] or [1 << 62])
    t_lost, t_took = (stamp(a.said(r"this host lost the lease")), stamp(b.said(r"host-b\) took the lease")))
    if resumed and lost and took and b_resumed and chain.counts(cut_slot, last)[0] == 0 and last_a < first_b and t_lost <= t_took \
            and chain.counts(first, last) == (0, 0, ["bpb"]):
        r.ok("a_cut_off_from_etcd_pauses_itself_before_b_takes_over (lost %.0f s after the cut, B took %.0f s after)" % (t_lost - cut, t_took - cut))
    else: r.bad("a_cut_off", repr((resumed, lost, took, b_resumed, chain.counts(cut_slot, last), last_a, first_b, t_lost, t_took, a.said("lease"), b.said("lease|resumed"))))
    ja = a.producer_json()
    failed = a.metric("nodeguard_producer_lease_renewals_failed_total", account="ourbp")
    if failed is not None and failed >= 1 and a.metric("nodeguard_producer_lease_holder", account="ourbp") == 0 \
            and b.metric("nodeguard_producer_lease_holder", account="ourbp") == 1 and ja.get("held_here") is False \
            and [e.get("answers") for e in ja.get("endpoints", [])] == [False] * 3 and all(e.get("error") for e in ja.get("endpoints", [])):
        r.ok("cut_off_a_counts_its_failed_renewals_and_shows_each_endpoint_unanswered (%d failed)" % failed)
    else: r.bad("cut_off_metrics", repr((failed, a.metric("nodeguard_producer_lease_holder", account="ourbp"), b.metric("nodeguard_producer_lease_holder", account="ourbp"), ja)))
    a.cut(False)
    back = wait_for(lambda: "lease" in json.dumps(a.status()) and "held by host-b" in json.dumps(a.status()), 15)
    first, last = wait_turn_end()
    if back and len(a.said(r"host-a\) took the lease")) == 1 and chain.counts(first, last) == (0, 0, ["bpb"]):
        r.ok("a_back_finds_b_holding_and_stays_standby")
    else: r.bad("a_back", repr((back, a.said("lease"), chain.counts(first, last))))

    # On the standby host, its member goes silent past fence_after (a nodeos restarting, its database opening):
    # it was confirmed paused, so it is asked again, never stopped.
    silent = now_slot()
    os.kill(a.member_proc.pid, signal.SIGSTOP)
    time.sleep(9)
    os.kill(a.member_proc.pid, signal.SIGCONT)
    time.sleep(2)
    if not a.said(r"fencing bpa") and a.member_proc.poll() is None and not producing("bpa", silent):
        r.ok("a_standby_hosts_member_silent_past_fence_after_is_asked_again_not_fenced")
    else: r.bad("standby_silent", repr((a.said("fenc|bpa"), a.member_proc.poll())))

    # A's nodeguard frozen while bpa produces: B takes the key, resumes nothing while our blocks arrive; bpa killed: B resumes.
    resumed = a_producing(etcd, a, b)
    frozen = now_slot()
    os.kill(a.ng.pid, signal.SIGSTOP)
    took = wait_for(lambda: b.said(r"host-b\) took the lease"), 20)
    waiting = wait_for(lambda: b.said(r"WARNING ourbp: this host holds the lease .* but blocks of ours still arrive"), 30)
    early = b.said("bpb resumed")
    killed = now_slot()
    a.kill("member")
    b_resumed = wait_for(lambda: b.said(r"bpb resumed"), 40)
    os.kill(a.ng.pid, signal.SIGCONT)
    a_lost = wait_for(lambda: a.said(r"CRIT ourbp: this host lost the lease"), 10)
    first, last = wait_turn_end()
    double, missed, _ = chain.counts(frozen, last)
    if resumed and took and waiting and not early and b_resumed and a_lost and double == 0 and chain.counts(first, last) == (0, 0, ["bpb"]):
        r.ok("a_frozen_b_holds_the_key_resumes_nothing_while_our_blocks_arrive_0_double (missed %d after bpa was killed)" % chain.counts(killed, last)[1])
    else: r.bad("a_frozen", repr((resumed, took, waiting, early, b_resumed, a_lost, double, missed, chain.counts(first, last), b.said("lease|resumed"))))

    # A cut off from etcd while bpa hangs (its API silent: the pause cannot be confirmed): at its deadline A
    # fences bpa at once, before etcd can let the lease go; B takes over after a turn missed; 0 double.
    resumed = a_producing(etcd, a, b)
    cut = time.time(); cut_slot = now_slot()
    os.kill(a.member_proc.pid, signal.SIGSTOP)
    a.cut(True)
    fenced = wait_for(lambda: a.said(r"fencing bpa of ourbp: its producer API has not answered"), 20)
    gone = wait_for(lambda: a.member_proc.poll() is not None, 10)
    took = wait_for(lambda: b.said(r"host-b\) took the lease"), 20)
    b_resumed = wait_for(lambda: b.said(r"bpb resumed"), 40)
    first, last = wait_turn_end()
    t_fenced, t_took = stamp(a.said(r"fencing bpa")), stamp(b.said(r"host-b\) took the lease"))
    if resumed and fenced and gone and took and b_resumed and t_fenced <= t_took and chain.counts(cut_slot, last)[0] == 0 \
            and chain.counts(first, last) == (0, 0, ["bpb"]) and a.said(r"CRIT ourbp: this host lost the lease"):
        r.ok("a_cut_off_with_bpa_hung_fences_it_at_its_deadline_before_b_takes_over_0_double (fenced %.0f s after the cut, B took %.0f s after)"
             % (t_fenced - cut, t_took - cut))
    else: r.bad("self_fence", repr((resumed, fenced, gone, took, b_resumed, t_fenced, t_took, chain.counts(cut_slot, last), a.said("lease|fenc"), b.said("lease|resumed"))))
    a.cut(False)

    # The etcd leader killed: no switch, nothing missed.
    resumed = a_producing(etcd, a, b)
    leader = etcd.leader()
    start = now_slot()
    etcd.stop(leader)
    first, last = wait_turn_end(); first, last = wait_turn_end()
    etcd.start(leader)
    if resumed and leader is not None and chain.counts(start, last) == (0, 0, ["bpa"]) and not a.said("lost the lease") and not b.said("took the lease"):
        r.ok("the_etcd_leader_killed_no_switch_0_missed")
    else: r.bad("etcd_leader", repr((resumed, leader, chain.counts(start, last), a.said("lease"), b.said("lease"))))

    # Quorum lost: the holder pauses, nobody produces (CRIT); quorum back: one host produces again.
    resumed = a_producing(etcd, a, b)
    keep = etcd.leader() or 0
    for i in range(3):
        if i != keep: etcd.stop(i)
    lost = wait_for(lambda: a.said(r"CRIT ourbp: this host lost the lease .*reason=quorum"), 20)
    gone = now_slot() + 2
    first, last = wait_turn_end()
    nobody = chain.counts(gone, last)[2] == []
    for i in range(3):
        if etcd.procs[i] is None: etcd.start(i)
    again = wait_for(lambda: a.said(r"bpa resumed.*token") and len(a.said(r"bpa resumed")) > 1 or b.said(r"bpb resumed"), 60)
    first, last = wait_turn_end()
    double, missed, who = chain.counts(first, last)
    if resumed and lost and nobody and again and (double, missed) == (0, 0) and len(who) == 1:
        r.ok("quorum_lost_the_holder_pauses_nobody_produces_quorum_back_one_host_produces (%s)" % who[0])
    else: r.bad("quorum", repr((resumed, lost, nobody, again, double, missed, who, a.said("lease|resumed"), b.said("lease|resumed"))))

    # A planned switch A -> B asked on B, then back B -> A asked on the holder: 0 missed, 0 double.
    def switch(host, node):
        p = subprocess.run([os.path.join(BIN, "nodeguard"), "producer", "switch", "ourbp", node, "--config", os.path.join(host.dir, "nodeguard.toml")],
                           capture_output=True, text=True, timeout=120)
        return p.returncode, (p.stdout + p.stderr).strip()
    resumed = a_producing(etcd, a, b)
    begin = now_slot()
    to_b = switch(b, "bpb")
    first, last = wait_turn_end()
    double, missed, who = chain.counts(begin, last)
    if resumed and to_b == (0, "ourbp produces on bpb now") and (double, missed) == (0, 0) and chain.counts(first, last) == (0, 0, ["bpb"]) \
            and a.said(r"host-b asks for production of ourbp") and a.said(r"released the lease .* for a planned switch") and b.said(r"released it on purpose"):
        r.ok("a_planned_switch_asked_on_the_standby_0_missed_0_double")
    else: r.bad("switch_asked_on_the_standby", repr((resumed, to_b, double, missed, who, chain.counts(first, last), a.said("lease|asks|resumed"), b.said("lease|resumed"))))
    begin = now_slot()
    to_a = switch(b, "bpa")
    first, last = wait_turn_end()
    double, missed, who = chain.counts(begin, last)
    if to_a[0] == 0 and "released the lease" in to_a[1] and (double, missed) == (0, 0) and chain.counts(first, last) == (0, 0, ["bpa"]):
        r.ok("a_planned_switch_asked_on_the_holder_0_missed_0_double")
    else: r.bad("switch_asked_on_the_holder", repr((to_a, double, missed, who, chain.counts(first, last), a.said("lease|resumed"), b.said("lease|asks|resumed"))))

    # Wrong etcd credentials: an ERROR naming the user, nothing produced.
    for h in (a, b): h.stop()
    ep = "--endpoints=http://127.0.0.1:%d" % etcd.client[0]
    for cmd in (["user", "add", "root:rootpw"], ["user", "grant-role", "root", "root"], ["user", "add", "ngbp:rightpw"], ["auth", "enable"]):
        subprocess.run(["etcdctl", ep, *cmd], capture_output=True)
    open(os.path.join(W, "wrong.password"), "w").write("wrongpw\n")
    c = Host("host-c", "bpc", etcd, extra='lease_user = "ngbp"\nlease_password_file = "%s"\n' % os.path.join(W, "wrong.password"))
    c.start_member(); c.start_nodeguard()
    said = wait_for(lambda: c.said(r"ERROR ourbp: etcd refuses user ngbp: .*authentication failed"), 20)
    time.sleep(14)
    subprocess.run(["etcdctl", ep, "--user", "root:rootpw", "auth", "disable"], capture_output=True)
    if said and not c.said("resumed|took the lease") and not producing("bpc", 0):
        r.ok("wrong_etcd_credentials_an_error_naming_the_user_nothing_produced")
    else: r.bad("wrong_credentials", repr((said, c.said("etcd|resumed|lease"))))
    c.stop()
finally:
    for h in (globals().get("a"), globals().get("b")):
        if h: h.stop(); h.cut(False)
    if "etcd" in globals():
        for i in range(3): etcd.stop(i)
    shutil.rmtree(W, ignore_errors=True)
r.finish("producer lease")

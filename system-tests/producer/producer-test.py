#!/usr/bin/env python3
"""nodeguard's producer group against stand-in nodeos members (issue #27).

Two members of one simulated chain (standin-nodeos.py: a round of 24 slots,
12 s, ours its second half) found by pidfile, nodeguardd guarding them as
[producer.ourbp] at producer_every = 1s with interval = 10s. The members
write every slot they sign to one ledger, so each scenario counts our slots
signed twice (never allowed) and missed:
  - both started paused (pause-on-startup): the first is resumed, a whole
    turn signed by it alone; nodeguard restarted meanwhile: it goes on, the
    standby's view of our blocks is no evidence against it;
  - both started unpaused: one CRIT, the second paused within a cycle;
  - the active SIGKILLed mid-turn: the standby resumed, missed at most one turn,
    and nodeguard's count of blocks missed (its events) is the ledger's;
  - the active frozen (SIGSTOP): our turn missed, the member fenced
    (stopped, SIGCONT with its SIGINT), the standby resumed; 0 double;
  - the only standby lagging when the active dies: nothing resumed, one CRIT;
  - the active restarted by nodeguard for its memory: production handed to
    the standby between our turns first, then the restart: 0 missed;
  - the standby restarted by nodeguard, back without pause-on-startup: one
    WARNING, paused before it signs (it syncs 2 s first, as nodeos does);
  - `nodeguard producer switch`: production moved between our turns, 0 missed;
  - `nodeguard producer pause`, then the active dies: nothing resumed; then
    `resume`: the standby produces;
  - a standby that answers its pause ok, reads paused and still signs: its
    own blocks are the only evidence (a fork at our heights), so it signs a
    few slots twice before it is seen and fenced; then 0 double.

usage: system-tests/producer/producer-test.py BINDIR [odd|even]   (~4 minutes;
       two runs, odd and even, share the waits: `make system-test` runs both at once)
"""
import os, re, shutil, signal, subprocess, sys, tempfile, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import Results, wait_for
from standin_chain import EPOCH_MS, ROUND, SCHEDULE, SLOT_MS, Ledger, connectable, free_port, now_slot

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
PART = sys.argv[2] if len(sys.argv) > 2 else "all"   # odd, even or all
HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "standin-nodeos.py")
W = tempfile.mkdtemp(prefix="nodeguard-producer-")
LEDGER, CONFIG, LOG = os.path.join(W, "ledger"), os.path.join(W, "nodeguard.toml"), os.path.join(W, "nodeguard.log")
chain = Ledger(LEDGER)
r = Results()
members, ports, ng = {}, {}, None


def start(name, *flags):
    p = subprocess.Popen([sys.executable, STANDIN, "--name", name, "--port", str(ports[name]), "--ledger", LEDGER,
                          "--account", "ourbp", "--schedule", ",".join(SCHEDULE), "--pidfile", os.path.join(W, name + ".pid"), *flags])
    members[name] = p
    if not wait_for(lambda: connectable(ports[name]), 10): raise SystemExit("stand-in %s did not listen" % name)


def stop(name):
    p = members.pop(name, None)
    if p and p.poll() is None:
        os.kill(p.pid, signal.SIGCONT); p.kill(); p.wait()
    try: pid = int(open(os.path.join(W, name + ".pid")).read())   # one a restart_command started
    except (OSError, ValueError): return
    try: os.kill(pid, signal.SIGCONT); os.kill(pid, signal.SIGKILL)
    except OSError: pass


def restart_script(name, *flags):
    """A restart_command: the member stopped (SIGINT) and started again with `flags`."""
    path = os.path.join(W, "restart-%s.sh" % name)
    pidfile = os.path.join(W, name + ".pid")
    # Gone, or a zombie (the test started it and reaps it later): stat's state Z.
    open(path, "w").write("#!/bin/sh\npid=$(cat %s); kill -INT $pid\n"
                          "while [ -e /proc/$pid ] && ! grep -q ') Z' /proc/$pid/stat; do sleep 0.1; done\n"
                          "setsid %s %s --name %s --port %d --ledger %s --account ourbp --schedule %s --pidfile %s %s </dev/null >/dev/null 2>&1 &\n"
                          "echo restarted >> %s/%s.restarts\n"
                          % (pidfile, sys.executable, STANDIN, name, ports[name], LEDGER, ",".join(SCHEDULE), pidfile, " ".join(flags), W, name))
    os.chmod(path, 0o755)
    return path


def config(extra="", memory={}, restart={}):
    """Members a and b; `memory`: a member's restart_above; `restart`: its restart_command."""
    nodes = ""
    for name in ("a", "b"):
        nodes += ('[node.%s]\npidfile = "%s/%s.pid"\nrestart_command = ["%s"]\nrpc = "nodeos"\n'
                  'rpc_url = "http://127.0.0.1:%d/v1/chain/get_info"\ndown_after = "5m"\n' % (name, W, name, restart.get(name, "/bin/true"), ports[name]))
        if name in memory: nodes += 'restart_above = "%s"\nwarn_above = "512KiB"\nfor = "15s"\n' % memory[name]
    open(CONFIG, "w").write('interval = "10s"\nproducer_every = "1s"\nstatus_file = "%s/status.json"\nstate_directory = "%s/state"\n'
                            '[bandwidth]\nenabled = false\n[docker_logs]\nenabled = false\n[journal]\nmax_use = "0B"\n%s'
                            '[producer.ourbp]\nnodes = ["a", "b"]\n%s' % (W, W, nodes, extra))


def start_nodeguard(keep_state=False):
    global ng, ng_started
    ng_started = now_slot()
    if not keep_state: shutil.rmtree(os.path.join(W, "state"), ignore_errors=True)
    ng = subprocess.Popen([os.path.join(BIN, "nodeguardd"), "--config", CONFIG], stdout=subprocess.DEVNULL, stderr=open(LOG, "a"))


def stop_nodeguard():
    global ng
    if ng and ng.poll() is None: ng.send_signal(signal.SIGTERM); ng.wait(timeout=20)
    ng = None


def log(pattern):
    return [l for l in open(LOG).read().splitlines() if re.search(pattern, l)]


def said_missed():
    """The blocks of ours nodeguard counted missed, as its events say."""
    return sum(12 if "none of its 12" in l else int(re.search(r"missed (\d+) of the 12", l).group(1))
               for l in log(r"ourbp (missed its turn at .*: none of its 12 blocks|missed \d+ of the 12 blocks)"))


def ledger_missed(since, last):
    """Our slots missed in the turns that began at `since` or later and ended by `last`."""
    first = since + (12 - since % ROUND) % ROUND   # our turns start at 12 in each round
    return chain.counts(first, last)[1] if first <= last else 0


def a_producing(*b_flags):
    """Both members started paused (b with `b_flags`), nodeguard started and a resumed."""
    start("a", "--pause-on-startup"); start("b", "--pause-on-startup", *b_flags)
    start_nodeguard()
    wait_for(lambda: log(r"a resumed"), 10)


def kill_a():
    """a SIGKILLed; the slot it died in."""
    killed = now_slot()
    members["a"].kill(); members["a"].wait(); del members["a"]
    return killed


def into_our_turn(k):
    """Sleeps until the k-th slot of our next turn that starts 2 s from now or later."""
    s = now_slot() + 4
    first = s + (12 - s % ROUND) % ROUND
    time.sleep(max(0, (EPOCH_MS + (first + k) * SLOT_MS) / 1000 - time.time()))


def wait_next_turn_end():
    """Sleeps past the end of our next turn that starts 3 s from now or later
    (a member started just before syncs 2 s before it signs); its slots."""
    s = now_slot() + 6
    first = s - s % ROUND + 12
    if first < s: first += ROUND
    time.sleep(max(0, (EPOCH_MS + (first + 13) * SLOT_MS) / 1000 - time.time()))
    return first, first + 11


SCENARIOS = []


def scenario(name):
    """Whether this run has the scenario (PART: odd or even ones, so two runs
    share the waits for our turns); if so a fresh start: every member
    stopped, the ledger and the log emptied."""
    SCENARIOS.append(name)
    if PART != "all" and (len(SCENARIOS) % 2 == 1) != (PART == "odd"): return False
    stop_nodeguard()
    for m in ("a", "b"): stop(m)
    if not wait_for(lambda: not any(connectable(p) for p in ports.values()), 10): raise SystemExit("a member from the last scenario still listens")
    for f in (LEDGER, LEDGER + ".genesis", LOG):
        if os.path.exists(f): os.unlink(f)
    config()
    print("--", name, flush=True)
    return True


try:
    ports = {"a": free_port(), "b": free_port()}
    config()

    if scenario("both paused at start"):
        start("a", "--pause-on-startup"); start("b", "--pause-on-startup")
        start_nodeguard()
        first, last = wait_next_turn_end()
        double, missed, who = chain.counts(first, last)
        if (double, missed, who) == (0, 0, ["a"]) and len(log(r"NOTICE a resumed: ourbp produces on a")) == 1: r.ok("both_paused_at_start_the_first_is_resumed")
        else: r.bad("both_paused_at_start_the_first_is_resumed", repr((double, missed, who, open(LOG).read()[-1500:])))
        stop_nodeguard()
        start_nodeguard(keep_state=True)
        first, last = wait_next_turn_end()
        if chain.counts(first, last) == (0, 0, ["a"]) and not log("CRIT|ERROR|WARNING|resumed: ourbp produces on b"):
            r.ok("nodeguard_restarted_while_a_produces_changes_nothing")
        else: r.bad("nodeguard_restarted_while_a_produces", repr((chain.counts(first, last), open(LOG).read()[-1500:])))

    if scenario("both unpaused at start"):
        start("a"); start("b")
        t0 = now_slot()
        start_nodeguard()
        paused_b = wait_for(lambda: log(r"CRIT a and b of ourbp are all unpaused"), 10)
        t1 = now_slot()
        first, last = wait_next_turn_end()
        double, missed, who = chain.counts(first, last)
        if paused_b and (double, missed, who) == (0, 0, ["a"]) and len(log("CRIT")) == 1 and t1 - t0 <= 8:
            r.ok("both_unpaused_at_start_one_crit_the_second_paused")
        else: r.bad("both_unpaused_at_start_one_crit_the_second_paused", repr((paused_b, double, missed, who, t1 - t0, open(LOG).read()[-1500:])))

    if scenario("the active SIGKILLed"):
        a_producing()
        into_our_turn(5)   # mid-turn: a few blocks of ours are missed, and counted
        killed = kill_a()
        resumed = wait_for(lambda: log(r"NOTICE b resumed: ourbp produces on b \(was a: is not running\)"), 15)
        first, last = wait_next_turn_end()
        double, missed, who = chain.counts(killed, last)
        time.sleep(2)   # the last turn judged
        counted = (said_missed(), ledger_missed(ng_started, last))
        if resumed and double == 0 and missed <= 12 and chain.counts(first, last) == (0, 0, ["b"]) and log(r"WARNING moving production of ourbp from a to b: a is not running") \
                and counted[0] == counted[1]:
            r.ok("the_active_sigkilled_the_standby_resumed_missed_at_most_one_turn (missed %d, counted by nodeguard %d)" % (missed, counted[0]))
        else: r.bad("the_active_sigkilled", repr((resumed, double, missed, who, counted, open(LOG).read()[-2000:])))

    if scenario("the active frozen"):
        a_producing()
        frozen = now_slot()
        os.kill(members["a"].pid, signal.SIGSTOP)
        fenced = wait_for(lambda: log(r"ERROR fencing a of ourbp: .*; stopping its process"), 40)
        resumed = wait_for(lambda: log(r"NOTICE b resumed: ourbp produces on b \(was a: did not sign our turn"), 20)
        gone = wait_for(lambda: members["a"].poll() is not None, 10)
        first, last = wait_next_turn_end()
        double, missed, who = chain.counts(frozen, last)
        time.sleep(2)
        counted = (said_missed(), ledger_missed(ng_started, last))
        if fenced and resumed and gone and double == 0 and chain.counts(first, last) == (0, 0, ["b"]) and counted[0] == counted[1] >= 12:
            r.ok("the_active_frozen_is_fenced_then_the_standby_resumed_0_double (missed %d, counted by nodeguard %d)" % (missed, counted[0]))
        else: r.bad("the_active_frozen", repr((fenced, resumed, gone, double, missed, who, counted, open(LOG).read()[-2500:])))

    if scenario("the only standby lagging when the active dies"):
        a_producing("--lag", "30")
        killed = kill_a()
        crit = wait_for(lambda: log(r"CRIT ourbp cannot move from a, which is not running: no healthy standby \(b is behind|CRIT ourbp cannot move from a, which is not running: no healthy standby \(b its head block"), 10)
        first, last = wait_next_turn_end()
        double, missed, who = chain.counts(killed + 4, last)
        if crit and who == [] and len(log("CRIT")) == 1 and not log("b resumed"):
            r.ok("the_only_standby_lagging_is_not_resumed_one_crit")
        else: r.bad("the_only_standby_lagging", repr((crit, who, open(LOG).read()[-1500:])))

    if scenario("the active restarted for its memory"):
        config(memory={"a": "1MiB"}, restart={"a": restart_script("a", "--pause-on-startup")})
        start("a", "--pause-on-startup"); start("b", "--pause-on-startup")
        begin = now_slot() + 6
        start_nodeguard()
        handed = wait_for(lambda: log(r"NOTICE handing production of ourbp from a to b between our turns: a it is to be restarted"), 60)
        restarted = wait_for(lambda: log(r"restart.* a: .*production of ourbp was handed to b first"), 30)
        first, last = wait_next_turn_end()
        double, missed, who = chain.counts(begin, last)
        if handed and restarted and (double, missed) == (0, 0) and chain.counts(first, last) == (0, 0, ["b"]) and not log("CRIT") and said_missed() == 0:
            r.ok("the_active_restarted_for_memory_hands_over_first_0_missed_0_double")
        else: r.bad("the_active_restarted_for_memory", repr((handed, restarted, double, missed, who, open(LOG).read()[-2500:])))

    if scenario("the standby restarted, back without pause-on-startup"):
        config(memory={"b": "1MiB"}, restart={"b": restart_script("b")})
        start("a", "--pause-on-startup"); start("b", "--pause-on-startup")
        begin = now_slot() + 6
        start_nodeguard()
        warned = wait_for(lambda: log(r"WARNING b of ourbp came back unpaused after a restart: .* Run it with pause-on-startup"), 60)
        first, last = wait_next_turn_end()
        double, missed, who = chain.counts(begin, last)
        if warned and (double, missed) == (0, 0) and chain.counts(first, last) == (0, 0, ["a"]) and len(log("came back unpaused")) == 1:
            r.ok("a_restarted_standby_without_pause_on_startup_is_paused_with_one_warning")
        else: r.bad("a_restarted_standby_without_pause_on_startup", repr((warned, double, missed, who, open(LOG).read()[-2500:])))

    def cli(*argv):
        p = subprocess.run([os.path.join(BIN, "nodeguard"), "producer", *argv, "--config", CONFIG], capture_output=True, text=True, timeout=300)
        return p.returncode, (p.stdout + p.stderr).strip()

    if scenario("the operator's switch"):
        begin = now_slot() + 6
        a_producing()
        code, said = cli("switch", "ourbp", "b")
        first, last = wait_next_turn_end()
        double, missed, who = chain.counts(begin, last)
        if (code, said) == (0, "ourbp produces on b now") and (double, missed) == (0, 0) and chain.counts(first, last) == (0, 0, ["b"]):
            r.ok("producer_switch_moves_production_between_turns_0_missed_0_double")
        else: r.bad("producer_switch", repr((code, said, double, missed, who, open(LOG).read()[-2000:])))

    if scenario("the operator's pause, then the active dies"):
        a_producing()
        code, said = cli("pause", "ourbp")
        paused = now_slot() + 2
        kill_a()
        first, last = wait_next_turn_end()
        nothing = chain.counts(paused, last)[2] == [] and not log("b resumed")
        code2, said2 = cli("resume", "ourbp")
        first, last = wait_next_turn_end()
        if code == 0 and said.startswith("every member of ourbp is paused") and nothing and (code2, said2) == (0, "ourbp produces on b") and chain.counts(first, last) == (0, 0, ["b"]):
            r.ok("producer_pause_holds_when_the_active_dies_and_resume_ends_it")
        else: r.bad("producer_pause", repr((code, said, nothing, code2, said2, chain.counts(first, last), open(LOG).read()[-2000:])))

    if scenario("a standby that ignores pause"):
        start("a", "--pause-on-startup"); start("b", "--pause-on-startup", "--ignore-pause")
        start_nodeguard()
        fenced = wait_for(lambda: log(r"CRIT b of ourbp signs our blocks while it reads paused: block \d+ of ours on it is not the producing member's"), 40)
        fenced = fenced and wait_for(lambda: log(r"ERROR fencing b of ourbp: it signs our blocks while it should be paused"), 5)
        gone = wait_for(lambda: members["b"].poll() is not None, 10)
        by = chain.slots()
        doubles = [s for s in by if len(by[s]) > 1]
        first, last = wait_next_turn_end()
        if fenced and gone and 0 < len(doubles) <= 6 and chain.counts(first, last) == (0, 0, ["a"]):
            r.ok("a_standby_that_ignores_pause_is_seen_on_chain_and_fenced (%d slots signed twice before)" % len(doubles))
        else: r.bad("a_standby_that_ignores_pause", repr((fenced, gone, doubles, chain.counts(first, last), open(LOG).read()[-2000:])))
finally:
    stop_nodeguard()
    for m in ("a", "b"): stop(m)
    shutil.rmtree(W, ignore_errors=True)
r.finish("producer group" + ("" if PART == "all" else " (%s scenarios)" % PART))

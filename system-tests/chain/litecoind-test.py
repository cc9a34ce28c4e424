#!/usr/bin/env python3
"""nodeguard's chain check against real bitcoind-family nodes (issue #12).

Two regtest nodes of Debian's litecoind (Litecoin Core 0.21, the bitcoind
RPC) on loopback: A mines a block every 3 s, B follows A and is guarded by
nodeguardd as a pidfile node with cookie auth. B is cut off, frozen with
SIGSTOP, started from zero, given a wrong password and kept stuck; each
time nodeguard must do what an operator expects. Everything started here
is stopped at the end (processes by PID, the data directories removed).

usage: system-tests/chain/litecoind-test.py BINDIR
"""
import os, re, shutil, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import one_node_host, Notify, Results, wait_for

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
W = tempfile.mkdtemp(prefix="nodeguard-chain-")
A_DIR, B_DIR = os.path.join(W, "a"), os.path.join(W, "b")
CONFIG, LOG = os.path.join(W, "nodeguard.toml"), os.path.join(W, "nodeguard.log")
results = Results()
ok, bad = results.ok, results.bad
ng = None
notify = None


def cli(d, *args, check=True):
    r = subprocess.run(["litecoin-cli", "-datadir=" + d, *args], capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0: raise RuntimeError("litecoin-cli %s: %s" % (args, r.stderr.strip()))
    return r.stdout.strip()


def height(d):
    try: return int(cli(d, "getblockcount"))
    except Exception: return -1


def conf(d, p2p, rpc, extra=""):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "litecoin.conf"), "w") as f:
        f.write("regtest=1\nserver=1\nlisten=1\n[regtest]\nport=%d\nrpcport=%d\nrpcbind=127.0.0.1\n"
                "rpcallowip=127.0.0.1\nfallbackfee=0.0001\n%s\n" % (p2p, rpc, extra))


def pid_of(d):
    try: return int(open(os.path.join(d, "node.pid")).read())
    except (OSError, ValueError): return None


def start_node(d, *extra):
    subprocess.run(["litecoind", "-datadir=" + d, "-daemon", "-pid=" + os.path.join(d, "node.pid"), *extra],
                   check=True, capture_output=True)
    if not wait_for(lambda: height(d) >= 0, 30): raise RuntimeError("node in %s did not answer" % d)


def stop_node(d):
    p = pid_of(d)
    if p is None: return
    try: os.kill(p, signal.SIGCONT); os.kill(p, signal.SIGTERM)
    except ProcessLookupError: return
    if not wait_for(lambda: not os.path.exists("/proc/%d" % p), 30):
        os.kill(p, signal.SIGKILL); wait_for(lambda: not os.path.exists("/proc/%d" % p), 10)


# The restart nodeguard runs: stop B (SIGCONT first: a frozen node cannot
# stop), start it again; with W/stuck present it starts with its network off.
RESTART = os.path.join(W, "restart-b.sh")
with open(RESTART, "w") as f:
    f.write("""#!/bin/sh
D=%s
P=$(cat $D/node.pid 2>/dev/null)
if [ -n "$P" ]; then
  kill -CONT $P 2>/dev/null; kill -TERM $P 2>/dev/null
  for i in $(seq 1 100); do kill -0 $P 2>/dev/null || break; sleep 0.2; done
  kill -KILL $P 2>/dev/null; while kill -0 $P 2>/dev/null; do sleep 0.1; done
fi
echo restarted >> %s/restarts
EXTRA=""; [ -e %s/stuck ] && EXTRA=-networkactive=0
exec litecoind -datadir=$D -daemon -pid=$D/node.pid $EXTRA
""" % (B_DIR, W, W))
os.chmod(RESTART, 0o755)


def restarts():
    try: return len(open(os.path.join(W, "restarts")).read().split())
    except OSError: return 0


class Miner(threading.Thread):
    """A mines a block every 3 s while the test runs, up to height 420: at
    432 Litecoin 0.21's regtest stops making blocks (bad-txns-vin-empty)."""
    def __init__(self, addr):
        super().__init__(daemon=True); self.addr = addr; self.stop = False

    def run(self):
        while not self.stop:
            try:
                if height(A_DIR) < 420: cli(A_DIR, "generatetoaddress", "1", self.addr)
            except Exception: pass
            time.sleep(3)


def start_nodeguard(node_keys, max_restarts=3, every="1s"):
    global ng
    with open(CONFIG, "w") as f:
        f.write(one_node_host(W) + """[node.b]
pidfile = "%s/node.pid"
restart_command = ["%s"]
max_restarts = %d
restart_window = "1h"
rpc = "bitcoind"
rpc_url = "http://127.0.0.1:19453/"
rpc_every = "%s"
rpc_timeout = "2s"
down_after = "10s"
stalled_after = "15s"
startup_grace = "5s"
%s
""" % (B_DIR, RESTART, max_restarts, every, node_keys))
    os.chmod(CONFIG, 0o600)
    open(LOG, "w").close()
    shutil.rmtree(os.path.join(W, "state"), ignore_errors=True)
    ng = subprocess.Popen([os.path.join(BIN, "nodeguardd"), "--config", CONFIG], stdout=subprocess.DEVNULL,
                          stderr=open(LOG, "w"), env=dict(os.environ, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="3000000"))
    return ng


def stop_nodeguard():
    global ng
    if ng and ng.poll() is None:
        ng.send_signal(signal.SIGTERM); ng.wait(timeout=20)
    ng = None


def log():
    return open(LOG).read()


def lines(pattern):
    return [l for l in log().splitlines() if re.search(pattern, l)]


COOKIE = 'rpc_cookie = "%s/regtest/.cookie"' % B_DIR
miner = None
try:
    conf(A_DIR, 19444, 19443)
    conf(B_DIR, 19454, 19453, "connect=127.0.0.1:19444")
    start_node(A_DIR); start_node(B_DIR)
    cli(A_DIR, "createwallet", "w"); addr = cli(A_DIR, "getnewaddress")
    cli(A_DIR, "generatetoaddress", "101", addr)
    wait_for(lambda: height(B_DIR) == height(A_DIR), 30)
    miner = Miner(addr); miner.start()
    notify = Notify(W); notify.start()

    # 1. B cut off: its height stays while A's grows; restarted after
    #    stalled_after, it reconnects and catches up; the recovery says how long.
    start_nodeguard(COOKIE)
    time.sleep(8)
    # Cut right after a block arrives: the stall counts from B's last new
    # height, so the restart comes stalled_after after the cut (less the
    # second the block may have been there before it was seen).
    h0 = height(B_DIR); wait_for(lambda: height(B_DIR) > h0, 10)
    cli(B_DIR, "setnetworkactive", "false")
    cut = time.time()
    if wait_for(lambda: lines(r"WARNING node b is stalled at height \d+"), 45) and wait_for(lambda: restarts() == 1, 20):
        took = time.time() - cut
        ok("a cut-off node is stalled and restarted (%.0f s after the cut; stalled_after 15 s)" % took) if took >= 14 else \
            bad("stall", "restarted %.0f s after the cut, before stalled_after" % took)
    else:
        bad("stall", "no stall or no restart:\n" + log()[-2000:])
    if wait_for(lambda: lines(r"node b: its height advances again at height \d+, \d+s? after it was found stalled"), 40) \
            and wait_for(lambda: height(B_DIR) >= height(A_DIR) - 1, 30):
        ok("B reconnects and catches up; the recovery is logged with the time it took")
    else:
        bad("recovery", "no recovery line:\n" + log()[-1500:])

    # 2. B frozen: RPC accepts and never answers. down_after fires, the
    #    restart kills and starts it; nodeguard's cycle never waits on it.
    time.sleep(6)   # past the startup grace
    before = restarts()
    os.kill(pid_of(B_DIR), signal.SIGSTOP)
    frozen = time.monotonic()
    if wait_for(lambda: lines(r"ERROR node b: its RPC at .* has not answered for"), 40) and wait_for(lambda: restarts() == before + 1, 30):
        ok("a frozen node is found down and restarted")
    else:
        bad("frozen", "no down or no restart:\n" + log()[-2000:])
    gap = notify.longest_gap(frozen)
    ok("the watchdog kept being fed while B was frozen (longest gap %.2f s, rpc_timeout 2 s)" % gap) if gap < 2.0 else \
        bad("watchdog", "a gap of %.2f s between watchdog pings while B was frozen" % gap)
    wait_for(lambda: height(B_DIR) >= height(A_DIR) - 1, 40)
    stop_nodeguard()

    # 2b. rpc_every at its 30 s default, longer than stalled_after (15 s)
    #     and down_after (10 s): a node that keeps advancing is never taken
    #     for stalled, and a frozen one is restarted within down_after + one
    #     rpc_every + rpc_timeout of its last answer, saying when that was.
    open(os.path.join(W, "restarts"), "w").close()
    start_nodeguard(COOKIE, every="30s")
    h_start = height(B_DIR)
    time.sleep(70)
    if restarts() == 0 and not lines("stalled|restarting") and height(B_DIR) > h_start:
        ok("a node advancing %d -> %d over 70 s is not restarted (rpc_every 30 s, stalled_after 15 s)" % (h_start, height(B_DIR)))
    else:
        bad("advancing", "restarts=%d\n%s" % (restarts(), log()[-1500:]))
    os.kill(pid_of(B_DIR), signal.SIGSTOP)
    frozen = time.time()
    said = re.compile(r"its last answer was at (\S+ \S+), and a call made at (\S+ \S+) failed")
    if wait_for(lambda: restarts() == 1, 60):
        restarted = time.time()
        wait_for(lambda: lines(r"ERROR node b: its RPC .* has not answered for"), 30)   # said once the cycle is over
        m = [said.search(l) for l in lines(r"ERROR node b: its RPC .* has not answered for")]
        t = [time.mktime(time.strptime(x, "%Y-%m-%d %H:%M:%S")) for x in (m[0].groups() if m and m[0] else ())]
        if len(t) == 2 and frozen - 32 <= t[0] <= frozen + 1 and t[1] - t[0] >= 10 - 1 and restarted - t[0] <= 10 + 30 + 2 + 2:
            ok("a frozen node is restarted %.0f s after its last answer (at most down_after 10 + rpc_every 30 + rpc_timeout 2), "
               "and the message says when it last answered" % (restarted - t[0]))
        else:
            bad("frozen (rpc_every 30 s)", "frozen at %s, restarted %.0f s later, said %s\n%s"
                % (time.strftime("%H:%M:%S", time.localtime(frozen)), restarted - frozen, t, log()[-1500:]))
    else:
        bad("frozen (rpc_every 30 s)", "no restart within 60 s:\n" + log()[-2000:])
    wait_for(lambda: height(B_DIR) >= height(A_DIR) - 1, 40)
    stop_nodeguard()

    # 3. B from zero while A holds many blocks and blocks keep coming: its
    #    height advances through the sync, so it is never restarted.
    stop_node(B_DIR); shutil.rmtree(os.path.join(B_DIR, "regtest"))
    cli(A_DIR, "generatetoaddress", "150", addr)
    open(os.path.join(W, "restarts"), "w").close()
    start_node(B_DIR)
    start_nodeguard(COOKIE)
    synced = wait_for(lambda: height(B_DIR) >= height(A_DIR) - 1, 120)
    time.sleep(20)
    if synced and restarts() == 0 and not lines("stalled|restarting"):
        ok("a node syncing from zero (%d blocks, more coming) is not restarted while its height advances" % height(A_DIR))
    else:
        bad("sync", "synced=%s restarts=%d\n%s" % (synced, restarts(), log()[-1500:]))
    stop_nodeguard()

    # 4. A wrong password: an ERROR naming the credential source, no restart.
    pw = os.path.join(W, "rpc.password"); open(pw, "w").write("wrong\n"); os.chmod(pw, 0o600)
    start_nodeguard('rpc_user = "nodeguard"\nrpc_password_file = "%s"' % pw)
    if wait_for(lambda: lines(r"ERROR node b: the RPC refused the credentials \(HTTP 401\); nodeguard used user nodeguard with the password in %s" % re.escape(pw)), 20):
        time.sleep(20)
        errors = lines("rpc_credentials|refused the credentials")
        if restarts() == 0 and len(errors) == 1 and "wrong" not in log():
            ok("a wrong password is one ERROR naming its source (never the password), and no restart")
        else:
            bad("credentials", "restarts=%d errors=%d\n%s" % (restarts(), len(errors), log()[-1500:]))
    else:
        bad("credentials", "no credentials ERROR:\n" + log()[-1500:])
    stop_nodeguard()

    # 5. Stuck after every restart: restarted max_restarts times, then CRIT once.
    open(os.path.join(W, "stuck"), "w").close()
    cli(B_DIR, "setnetworkactive", "false")
    start_nodeguard(COOKIE, max_restarts=2)
    if wait_for(lambda: lines(r"CRIT .*not restarting b: it was restarted 2 times"), 150):
        time.sleep(20)
        crit = lines(r"CRIT ")
        ok("a node stuck after each restart is restarted twice (max_restarts), then one CRIT") if restarts() == 2 and len(crit) == 1 else \
            bad("budget", "restarts=%d crit=%d" % (restarts(), len(crit)))
    else:
        bad("budget", "no CRIT:\n" + log()[-2000:])
finally:
    stop_nodeguard()
    if miner: miner.stop = True
    stop_node(B_DIR); stop_node(A_DIR)
    shutil.rmtree(W, ignore_errors=True)

results.finish()

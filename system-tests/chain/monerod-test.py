#!/usr/bin/env python3
"""nodeguard's chain check against a real Monero node (issue #12).

Debian's monerod in regtest, offline, on loopback, guarded by nodeguardd as
a pidfile node over /json_rpc get_info. Blocks come while the test mines
them; when mining stops the height stalls, nodeguard restarts the node after
stalled_after, and once blocks come again the recovery is logged with the
time it took. The node is stopped and its data removed at the end.

usage: system-tests/chain/monerod-test.py BINDIR
"""
import json, os, re, shutil, signal, subprocess, sys, tempfile, threading, time, urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import one_node_host, Results, wait_for

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
W = tempfile.mkdtemp(prefix="nodeguard-monero-")
DATA, PIDFILE = os.path.join(W, "data"), os.path.join(W, "monerod.pid")
CONFIG, LOG = os.path.join(W, "nodeguard.toml"), os.path.join(W, "nodeguard.log")
PORT = 28091
ADDR = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
results = Results()
ok, bad = results.ok, results.bad


def rpc(method, params=None):
    body = json.dumps({"jsonrpc": "2.0", "id": "0", "method": method, "params": params or {}}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request("http://127.0.0.1:%d/json_rpc" % PORT, body), timeout=3) as r:
            return json.load(r).get("result")
    except Exception:
        return None


def height():
    r = rpc("get_info")
    return r["height"] if r else -1


# How nodeguard restarts it (and how the test starts it): stop by pidfile, start detached.
RESTART = os.path.join(W, "restart-monerod.sh")
with open(RESTART, "w") as f:
    f.write("""#!/bin/sh
P=$(cat %(pid)s 2>/dev/null)
if [ -n "$P" ]; then
  kill -TERM $P 2>/dev/null
  for i in $(seq 1 150); do kill -0 $P 2>/dev/null || break; sleep 0.2; done
  kill -KILL $P 2>/dev/null
fi
echo restarted >> %(w)s/restarts
exec monerod --regtest --offline --fixed-difficulty 1 --data-dir %(data)s --rpc-bind-ip 127.0.0.1 \\
  --rpc-bind-port %(port)d --p2p-bind-port %(p2p)d --no-igd --non-interactive --log-file %(w)s/monerod.log \\
  --detach --pidfile %(pid)s >/dev/null
""" % {"pid": PIDFILE, "w": W, "data": DATA, "port": PORT, "p2p": PORT - 1})
os.chmod(RESTART, 0o755)


def restarts():
    try: return len(open(os.path.join(W, "restarts")).read().split())
    except OSError: return 0


class Miner(threading.Thread):
    def __init__(self):
        super().__init__(daemon=True); self.mining = True; self.stop = False

    def run(self):
        while not self.stop:
            if self.mining: rpc("generateblocks", {"amount_of_blocks": 1, "wallet_address": ADDR})
            time.sleep(2)


def lines(pattern):
    return [l for l in open(LOG).read().splitlines() if re.search(pattern, l)]


ng = None
miner = Miner()
try:
    subprocess.run([RESTART], check=True)
    os.remove(os.path.join(W, "restarts"))
    if not wait_for(lambda: height() >= 1, 60): raise RuntimeError("monerod did not answer")
    rpc("generateblocks", {"amount_of_blocks": 5, "wallet_address": ADDR})
    miner.start()
    with open(CONFIG, "w") as f:
        f.write(one_node_host(W) + """[node.xmr]
pidfile = "%s"
restart_command = ["%s"]
rpc = "monero"
rpc_url = "http://127.0.0.1:%d/json_rpc"
rpc_every = "1s"
stalled_after = "15s"
startup_grace = "10s"
isolated_after = "0s"
""" % (PIDFILE, RESTART, PORT))
    ng = subprocess.Popen([os.path.join(BIN, "nodeguardd"), "--config", CONFIG], stdout=subprocess.DEVNULL, stderr=open(LOG, "w"))
    time.sleep(15)
    if restarts() == 0 and not lines("stalled"):
        ok("a Monero node that gets blocks is left alone (height %d)" % height())
    else:
        bad("following", open(LOG).read()[-1500:])
    miner.mining = False
    stopped = time.time()
    if wait_for(lambda: lines(r"WARNING node xmr is stalled at height \d+") and restarts() == 1, 60):
        ok("mining stopped: stalled and restarted after %.0f s (stalled_after 15 s)" % (time.time() - stopped))
    else:
        bad("stall", open(LOG).read()[-1500:])
    wait_for(lambda: height() > 0, 60)
    miner.mining = True
    if wait_for(lambda: lines(r"node xmr: its height advances again at height \d+, .* after it was found stalled"), 60):
        ok("blocks again: the recovery is logged with the time it took")
    else:
        bad("recovery", open(LOG).read()[-1500:])
finally:
    miner.stop = True
    if ng and ng.poll() is None:
        ng.send_signal(signal.SIGTERM); ng.wait(timeout=20)
    try:
        p = int(open(PIDFILE).read())
        os.kill(p, signal.SIGTERM)
        wait_for(lambda: not os.path.exists("/proc/%d" % p), 30)
    except (OSError, ValueError):
        pass
    shutil.rmtree(W, ignore_errors=True)

results.finish()

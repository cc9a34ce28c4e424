#!/usr/bin/env python3
"""nodeguard's chain check against ethereum and nodeos RPCs (issue #12).

Neither geth nor nodeos has a Debian package, so a local HTTP server
answers in each API's documented shape, with the replies kept as fixtures
(Tests/Fixtures/rpc-replies: geth-syncing, geth-error, nodeos-get-info). The
nodes themselves are `sleep` processes found by pidfile; a restart is
recorded by the restart command. Checked:
  - ethereum syncing (eth_syncing's currentBlock advancing) is never a stall;
  - ethereum answering errors for down_after is restarted;
  - nodeos whose head advances is left alone; a head that stops is a stall.

usage: system-tests/chain/fake-rpc-test.py BINDIR
"""
import http.server, json, os, re, shutil, signal, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import Results, wait_for

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(TOP, "Tests", "Fixtures", "rpc-replies")
W = tempfile.mkdtemp(prefix="nodeguard-fake-rpc-")
CONFIG, LOG = os.path.join(W, "nodeguard.toml"), os.path.join(W, "nodeguard.log")
results = Results()
ok, bad = results.ok, results.bad


def fixture(name):
    """A recorded reply: its status code and its body."""
    raw = open(os.path.join(FIX, name + ".http"), "rb").read()
    head, body = raw.split(b"\r\n\r\n", 1)
    return int(head.split(b" ")[1]), json.loads(body)


class State:
    eth = "syncing"      # syncing | error
    eth_current = 1000
    nodeos = "advancing"  # advancing | frozen
    nodeos_head = 312345678


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/eth":
            status, body = fixture("geth-syncing" if State.eth == "syncing" else "geth-error")
            if State.eth == "syncing":
                State.eth_current += 50
                body[1]["result"]["currentBlock"] = hex(State.eth_current)
        else:
            status, body = fixture("nodeos-get-info")
            if State.nodeos == "advancing":
                State.nodeos_head += 2
                body["head_block_time"] = time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime())
            body["head_block_num"] = State.nodeos_head
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json"); self.send_header("Content-Length", str(len(data)))
        self.end_headers(); self.wfile.write(data)


def restarts(node):
    try: return len(open(os.path.join(W, node + ".restarts")).read().split())
    except OSError: return 0


def lines(pattern):
    return [l for l in open(LOG).read().splitlines() if re.search(pattern, l)]


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
port = server.server_address[1]
sleepers, ng = [], None
try:
    nodes = ""
    for name, dialect, path in (("eth", "ethereum", "/eth"), ("eos", "nodeos", "/v1/chain/get_info")):
        p = subprocess.Popen(["sleep", "600"]); sleepers.append(p)
        open(os.path.join(W, name + ".pid"), "w").write(str(p.pid))
        script = os.path.join(W, name + "-restart.sh")
        open(script, "w").write("#!/bin/sh\necho restarted >> %s/%s.restarts\n" % (W, name)); os.chmod(script, 0o755)
        nodes += """[node.%s]
pidfile = "%s/%s.pid"
restart_command = ["%s"]
rpc = "%s"
rpc_url = "http://127.0.0.1:%d%s"
rpc_every = "1s"
down_after = "10s"
stalled_after = "10s"
startup_grace = "3s"
isolated_after = "0s"
""" % (name, W, name, script, dialect, port, path)
    open(CONFIG, "w").write('interval = "1s"\nstatus_file = "%s/status.json"\nstate_directory = "%s/state"\n'
                            '[bandwidth]\nenabled = false\n[docker_logs]\nenabled = false\n[journal]\nmax_use = "0B"\n%s' % (W, W, nodes))
    ng = subprocess.Popen([os.path.join(BIN, "nodeguardd"), "--config", CONFIG], stdout=subprocess.DEVNULL, stderr=open(LOG, "w"))

    time.sleep(20)
    if restarts("eth") == 0 and restarts("eos") == 0 and not lines("stalled|not answered"):
        ok("an ethereum node syncing (currentBlock advancing) and a nodeos whose head advances are left alone for 2 x stalled_after")
    else:
        bad("left alone", open(LOG).read()[-1500:])

    State.eth = "error"
    if wait_for(lambda: lines(r"ERROR node eth: its RPC at .* has not answered for \d+s: .* failed: header not found \(code -32000\)") and restarts("eth") == 1, 30):
        ok("ethereum answering errors for down_after: down, with the node's message, and restarted")
    else:
        bad("eth down", open(LOG).read()[-1500:])

    State.nodeos = "frozen"
    if wait_for(lambda: lines(r"WARNING node eos is stalled at height 3123\d+") and restarts("eos") == 1, 30):
        ok("nodeos whose head stops: stalled and restarted")
    else:
        bad("eos stall", open(LOG).read()[-1500:])
finally:
    if ng and ng.poll() is None:
        ng.send_signal(signal.SIGTERM); ng.wait(timeout=20)
    for p in sleepers: p.kill(); p.wait()
    server.shutdown()
    shutil.rmtree(W, ignore_errors=True)

results.finish()

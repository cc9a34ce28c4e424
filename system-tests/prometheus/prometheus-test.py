#!/usr/bin/env python3
"""nodeguard's metrics through the real servers (issue #14).

Debian's prometheus-node-exporter serves nodeguard's textfile, Debian's
prometheus scrapes it every second and evaluates the shipped alert rules
(packaging/examples/nodeguard-alerts.yml, the silence threshold shortened
from 5 minutes to 5 seconds), and Debian's prometheus-alertmanager sends
what fires to a webhook receiver of this test's own. nodeguardd guards a
leaking node (a pidfile process leaking 4 MiB/s, restarted by a script) and a small tmpfs
disk. Through PromQL on Prometheus's HTTP API: the node's memory, its
restart counted by increase(), the disk's free bytes equal to statvfs; then
nodeguard is stopped and Alertmanager must deliver NodeguardSilent.
Everything started here is stopped at the end (processes by PID, the tmpfs
unmounted, the work directory removed).

usage: system-tests/prometheus/prometheus-test.py BINDIR
"""
import http.server, json, os, shutil, signal, socket, subprocess, sys, tempfile, threading, time, urllib.parse, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import Results, wait_for

TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
W = tempfile.mkdtemp(prefix="nodeguard-prom-")
TEXTFILE_DIR, DISK = os.path.join(W, "textfile"), os.path.join(W, "disk")
PROM_FILE = os.path.join(TEXTFILE_DIR, "nodeguard.prom")
results = Results()
ok, bad = results.ok, results.bad
procs = {}
mounted = False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


NE_PORT, PROM_PORT, AM_PORT, HOOK_PORT = free_port(), free_port(), free_port(), free_port()


def start(name, argv, **kw):
    log = open(os.path.join(W, name + ".log"), "w")
    procs[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kw)


def stop(name):
    p = procs.pop(name, None)
    if p is None: return
    p.terminate()
    try: p.wait(20)
    except subprocess.TimeoutExpired: p.kill(); p.wait()


def log_tail(name, n=5):
    try: return " | ".join(open(os.path.join(W, name + ".log")).read().splitlines()[-n:])
    except OSError: return ""


class Hook(http.server.BaseHTTPRequestHandler):
    """Alertmanager's webhook: every alert it posts, kept in order."""
    received = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        Hook.received += [dict(a, groupStatus=body.get("status")) for a in body.get("alerts", [])]
        self.send_response(200); self.end_headers()

    def log_message(self, *args): pass


def alerts_named(name, status="firing"):
    return [a for a in Hook.received if a["labels"].get("alertname") == name and a["status"] == status]


def query(expr):
    """An instant query's vector as [(labels, value)]; [] when empty or on an error."""
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (PROM_PORT, urllib.parse.urlencode({"query": expr}))
    try:
        with urllib.request.urlopen(url, timeout=5) as r: body = json.load(r)
    except OSError:
        return []
    return [(s["metric"], float(s["value"][1])) for s in body.get("data", {}).get("result", [])]


def one(expr):
    v = query(expr)
    return v[0][1] if len(v) == 1 else None


def statvfs_free(path):
    s = os.statvfs(path); return s.f_bavail * s.f_frsize


def set_up():
    global mounted
    os.makedirs(TEXTFILE_DIR); os.makedirs(DISK)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "nodeguard-prom-test", DISK], check=True)
    mounted = True
    subprocess.run(["gcc", "-O2", "-o", os.path.join(W, "leaker"), os.path.join(TOP, "system-tests", "nspawn", "leaker.c")], check=True)
    restart = os.path.join(W, "restart-leaky.sh")
    with open(restart, "w") as f:
        f.write("#!/bin/sh\nP=$(cat %(w)s/leaky.pid 2>/dev/null)\n[ -n \"$P\" ] && kill -KILL $P 2>/dev/null\n"
                "echo restarted >> %(w)s/restarts\n%(w)s/leaker 2 500 100 >/dev/null 2>&1 &\necho $! > %(w)s/leaky.pid\n" % {"w": W})
    os.chmod(restart, 0o755)
    subprocess.run([restart], check=True)
    os.unlink(os.path.join(W, "restarts"))   # the first start is not a restart
    with open(os.path.join(W, "nodeguard.toml"), "w") as f:
        f.write('interval = "1s"\nstatus_file = "%(w)s/status.json"\nstate_directory = "%(w)s/state"\n'
                '[bandwidth]\nenabled = false\n[docker_logs]\nenabled = false\n[journal]\nmax_use = "0B"\n'
                '[disk]\npaths = ["%(disk)s"]\n[metrics]\ntextfile = "%(prom)s"\n'
                '[node.leaky]\npidfile = "%(w)s/leaky.pid"\nrestart_command = ["%(restart)s"]\n'
                'warn_above = "40MiB"\nrestart_above = "60MiB"\nfor = "2s"\ngrace = "20s"\nmax_restarts = 5\n'
                % {"w": W, "disk": DISK, "prom": PROM_FILE, "restart": restart})
    os.chmod(os.path.join(W, "nodeguard.toml"), 0o600)
    # The shipped rules, silent after 5 s instead of 5 minutes.
    rules = open(os.path.join(TOP, "packaging", "examples", "nodeguard-alerts.yml")).read()
    assert rules.count(") > 300)") == 2, "the silence threshold moved; update this test"
    with open(os.path.join(W, "rules.yml"), "w") as f: f.write(rules.replace(") > 300)", ") > 5)"))
    with open(os.path.join(W, "prometheus.yml"), "w") as f:
        f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [%s/rules.yml]\n"
                "alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:%d']\n"
                "scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % (W, AM_PORT, NE_PORT))
    with open(os.path.join(W, "alertmanager.yml"), "w") as f:
        f.write("route:\n  receiver: hook\n  group_by: [alertname, instance, node]\n  group_wait: 1s\n  group_interval: 1s\n"
                "  repeat_interval: 1h\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: http://127.0.0.1:%d/\n" % HOOK_PORT)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", HOOK_PORT), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start("alertmanager", ["prometheus-alertmanager", "--config.file=%s/alertmanager.yml" % W, "--storage.path=%s/am" % W,
                           "--web.listen-address=127.0.0.1:%d" % AM_PORT, "--cluster.listen-address="])
    start("node_exporter", ["prometheus-node-exporter", "--web.listen-address=127.0.0.1:%d" % NE_PORT,
                            "--collector.textfile.directory=" + TEXTFILE_DIR])
    start("prometheus", ["prometheus", "--config.file=%s/prometheus.yml" % W, "--storage.tsdb.path=%s/tsdb" % W,
                         "--web.listen-address=127.0.0.1:%d" % PROM_PORT])
    start("nodeguard", [os.path.join(BIN, "nodeguardd"), "--config", os.path.join(W, "nodeguard.toml")])


def test_textfile_passes_promtool():
    if not wait_for(lambda: os.path.exists(PROM_FILE), 20):
        return bad("textfile_passes_promtool", "no %s: %s" % (PROM_FILE, log_tail("nodeguard")))
    r = subprocess.run(["promtool", "check", "metrics"], stdin=open(PROM_FILE), capture_output=True, text=True)
    if r.returncode != 0 or r.stdout.strip() or r.stderr.strip():
        return bad("textfile_passes_promtool", "rc %d: %s %s" % (r.returncode, r.stdout, r.stderr))
    ok("textfile_passes_promtool")


def test_node_memory_through_prometheus():
    if not wait_for(lambda: (one('nodeguard_node_memory_bytes{node="leaky"}') or 0) > 0, 40):
        return bad("node_memory_through_prometheus", "no node memory in Prometheus: %s; %s" % (log_tail("prometheus"), log_tail("node_exporter")))
    memory = one('nodeguard_node_memory_bytes{node="leaky"}')
    restart_at, warn_at = one('nodeguard_node_memory_restart_bytes{node="leaky"}'), one('nodeguard_node_memory_warn_bytes{node="leaky"}')
    if (restart_at, warn_at) != (60 * 2**20, 40 * 2**20):
        return bad("node_memory_through_prometheus", "thresholds %s, %s (expected 60 and 40 MiB)" % (restart_at, warn_at))
    if not 2**20 <= memory <= 120 * 2**20:
        return bad("node_memory_through_prometheus", "memory %s" % memory)
    # Seen at 0 before the restart, so that increase() sees it (the leak takes ~15 s).
    if restarts_done() or one('nodeguard_node_restarts_total{node="leaky",reason="node_memory"}') != 0:
        return bad("node_memory_through_prometheus", "restarted before Prometheus saw the counter at 0: %s" % query("nodeguard_node_restarts_total"))
    if one('nodeguard_node_up{node="leaky"}') != 1:
        return bad("node_memory_through_prometheus", "nodeguard_node_up: %s" % query('nodeguard_node_up'))
    ok("node_memory_through_prometheus")
    print("  leaky's memory in Prometheus: %.1f MiB" % (memory / 2**20))


def restarts_done():
    try: return len(open(os.path.join(W, "restarts")).read().splitlines())
    except OSError: return 0


def test_restart_counted_by_increase():
    name = "restart_counted_by_increase"
    series = 'nodeguard_node_restarts_total{node="leaky",reason="node_memory"}'
    if one(series) is None: return bad(name, "no %s before the restart: %s" % (series, query("nodeguard_node_restarts_total")))
    if not wait_for(lambda: restarts_done() >= 1, 60):
        return bad(name, "nodeguard did not restart the leaky node: %s" % log_tail("nodeguard"))
    if not wait_for(lambda: (one("increase(%s[2m])" % series) or 0) >= 0.9, 20):
        return bad(name, "increase() is %s" % query("increase(%s[2m])" % series))
    counted, done = one(series), restarts_done()
    if counted != done: return bad(name, "the counter says %s, the restart script ran %d times" % (counted, done))
    if one('nodeguard_node_restarts_total{node="leaky",reason="host_memory"}') != 0:
        return bad(name, "host_memory: %s" % query("nodeguard_node_restarts_total"))
    ok(name)
    print("  increase(%s[2m]) = %.2f" % (series, one("increase(%s[2m])" % series)))


def test_disk_free_equals_statvfs():
    name = "disk_free_equals_statvfs"
    series = 'nodeguard_disk_free_bytes{path="%s"}' % DISK
    if not wait_for(lambda: one(series) == statvfs_free(DISK), 15):
        return bad(name, "Prometheus %s, statvfs %d" % (one(series), statvfs_free(DISK)))
    before = statvfs_free(DISK)
    with open(os.path.join(DISK, "ballast"), "wb") as f: f.write(b"\0" * (10 * 2**20))
    after = statvfs_free(DISK)
    if not wait_for(lambda: one(series) == after, 15):
        return bad(name, "after 10 MiB written: Prometheus %s, statvfs %d" % (one(series), after))
    ok(name)
    print("  free bytes of the tmpfs: %d, then %d: Prometheus the same" % (before, after))


def test_restart_alert_delivered():
    name = "restart_alert_delivered"
    if not wait_for(lambda: alerts_named("NodeguardNodeRestarted"), 30):
        return bad(name, "Alertmanager sent %s; %s" % ([a["labels"].get("alertname") for a in Hook.received], log_tail("alertmanager")))
    a = alerts_named("NodeguardNodeRestarted")[0]
    if (a["labels"].get("node"), a["labels"].get("reason")) != ("leaky", "node_memory"):
        return bad(name, "labels %s" % a["labels"])
    summary = a["annotations"].get("summary", "")
    if summary != "127.0.0.1:%d: nodeguard restarted node leaky (node_memory)" % NE_PORT:
        return bad(name, "summary %r" % summary)
    if alerts_named("NodeguardSilent"): return bad(name, "NodeguardSilent fired while nodeguard runs")
    ok(name)


def test_silent_alert_when_nodeguard_stops():
    name = "silent_alert_when_nodeguard_stops"
    stop("nodeguard")
    stopped = time.monotonic()
    if not wait_for(lambda: alerts_named("NodeguardSilent"), 40):
        return bad(name, "no NodeguardSilent from Alertmanager: %s" % [a["labels"].get("alertname") for a in Hook.received])
    a = alerts_named("NodeguardSilent")[0]
    if a["labels"].get("instance") != "127.0.0.1:%d" % NE_PORT or a["labels"].get("severity") != "critical":
        return bad(name, "labels %s" % a["labels"])
    ok(name)
    print("  NodeguardSilent delivered %.1f s after nodeguard stopped: %s" % (time.monotonic() - stopped, a["annotations"].get("summary")))


def tear_down():
    for name in list(procs): stop(name)
    try: os.kill(int(open(os.path.join(W, "leaky.pid")).read()), signal.SIGKILL)
    except (OSError, ValueError): pass
    if mounted: subprocess.run(["umount", DISK])
    shutil.rmtree(W, ignore_errors=True)


try:
    set_up()
    test_textfile_passes_promtool()
    test_node_memory_through_prometheus()
    test_restart_counted_by_increase()
    test_disk_free_equals_statvfs()
    test_restart_alert_delivered()
    test_silent_alert_when_nodeguard_stops()
finally:
    tear_down()
results.finish("prometheus")

#!/usr/bin/env python3
"""A slow restart never blinds nodeguard (issue #25, point 3).

The real daemon guards two pidfile nodes and a small tmpfs disk of this
test's own. Node `slow` is over restart_above from the start; its
restart_command takes 20 s. While that restart runs, node `fast` crosses
restart_above and the disk fills past critical_free_below: each is acted on
at its own time (fast restarted `for` after it crossed, the disk said
critical within a few cycles), the status file keeps being written every
cycle, and the watchdog keeps being fed. Everything started here is stopped
at the end (processes by PID, the tmpfs unmounted, the directory removed).

usage: system-tests/guard/slow-restart-test.py BINDIR
"""
import json, os, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import Notify, Results, one_node_host, wait_for

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
W = tempfile.mkdtemp(prefix="nodeguard-slow-restart-")
DISK, CONFIG, LOG = os.path.join(W, "disk"), os.path.join(W, "nodeguard.toml"), os.path.join(W, "nodeguard.log")
results = Results()
ok, bad = results.ok, results.bad
procs = {}   # node name -> Popen of its current process
HOG = "import sys, time\nx = bytearray(int(sys.argv[1]) << 20)\nfor i in range(0, len(x), 4096): x[i] = 1\ntime.sleep(100000)\n"


def start(name, mib):
    """The node's process (a memory hog of `mib` MiB, or a small sleeper), and its pidfile."""
    old = procs.get(name)
    if old and old.poll() is None: old.kill(); old.wait()
    argv = [sys.executable, "-c", HOG, str(mib)] if mib else ["sleep", "100000"]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs[name] = p
    with open(f"{W}/{name}.pid.tmp", "w") as f: f.write(f"{p.pid}\n")
    os.rename(f"{W}/{name}.pid.tmp", f"{W}/{name}.pid")


def restart_script(name, seconds):
    """Records when nodeguard ran it and when it ended; sleeps `seconds`."""
    path = f"{W}/restart-{name}.sh"
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\necho start $(date +%s.%N) >> {W}/{name}.restarts\nsleep {seconds}\n"
                f"echo end $(date +%s.%N) >> {W}/{name}.restarts\n")
    os.chmod(path, 0o755)
    return path


def restarts(name):
    try: return [(w, float(t)) for w, t in (l.split() for l in open(f"{W}/{name}.restarts"))]
    except OSError: return []


def log_lines(word):
    try: return [l for l in open(LOG) if word in l]
    except OSError: return []


daemon = None
mounted = False
try:
    os.makedirs(DISK)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "nodeguard-slow-restart", DISK], check=True)
    mounted = True
    start("slow", 160)
    start("fast", 0)
    with open(CONFIG, "w") as f:
        f.write(one_node_host(W) + f"""[disk]
paths = ["{DISK}"]
warn_free_below = "20%"
critical_free_below = "10%"
warn_free_bytes_below = "1MiB"
critical_free_bytes_below = "512KiB"
[memory]
warn_above = "80MiB"
restart_above = "100MiB"
for = "2s"
[node.slow]
pidfile = "{W}/slow.pid"
restart_command = ["{restart_script("slow", 20)}"]
restart_timeout = "60s"
[node.fast]
pidfile = "{W}/fast.pid"
restart_command = ["{restart_script("fast", 0)}"]
""")
    notify = Notify(W); notify.start()
    daemon = subprocess.Popen([os.path.join(BIN, "nodeguardd"), "--config", CONFIG], stdout=subprocess.DEVNULL,
                              stderr=open(LOG, "w"), env=dict(os.environ, NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="6000000"))
    if not wait_for(lambda: restarts("slow"), 30):
        raise SystemExit("slow was never restarted:\n" + open(LOG).read()[-2000:])
    slow_start = restarts("slow")[0][1]
    # While slow's 20 s restart runs: fast crosses, the disk fills.
    time.sleep(2)
    start("fast", 160)
    crossed = time.time()
    subprocess.run(["dd", "if=/dev/zero", f"of={DISK}/fill", "bs=1M", "count=30"], capture_output=True)
    filled = time.time()
    updates = []
    while time.time() < slow_start + 19:
        try: updates.append(json.load(open(f"{W}/status.json"))["updated"])
        except (OSError, ValueError, KeyError): pass
        time.sleep(0.5)
    fast = [t for w, t in restarts("fast") if w == "start"]
    slow_end = [t for w, t in restarts("slow") if w == "end"]
    if fast and crossed + 2 <= fast[0] <= crossed + 6 and (not slow_end or fast[0] < slow_end[0]):
        ok("fast restarted %.1f s after it crossed restart_above (for 2 s) while slow's 20 s restart ran" % (fast[0] - crossed))
    else:
        bad("fast", f"crossed at {crossed:.1f}, restarts {restarts('fast')}, slow {restarts('slow')}\n" + open(LOG).read()[-2000:])
    crit = log_lines("CRIT " + DISK)
    said_at = time.mktime(time.strptime(crit[0][:19], "%Y-%m-%d %H:%M:%S")) if crit else None
    if crit and said_at <= filled + 4 and (not slow_end or said_at < slow_end[0]):
        ok("the disk filled during slow's restart is said critical %.0f s after it filled" % max(0, said_at - filled))
    else:
        bad("disk", "no CRIT for the disk:\n" + open(LOG).read()[-2000:])
    gaps = [b - a for a, b in zip(updates, updates[1:]) if b != a]
    distinct = sorted(set(updates))
    biggest = max((b - a for a, b in zip(distinct, distinct[1:])), default=float("inf"))
    if len(distinct) >= 12 and biggest <= 2.5:
        ok("the status file was written %d times in the restart's 17 s (largest gap %.1f s)" % (len(distinct), biggest))
    else:
        bad("status", f"{len(distinct)} writes, largest gap {biggest:.1f} s")
    gap = notify.longest_gap(time.monotonic() - (time.time() - slow_start))   # the script's wall clock on the pings' clock
    ok("the watchdog was fed throughout (longest gap %.2f s)" % gap) if gap < 2.5 else bad("watchdog", "gap %.2f s" % gap)
    # The slow restart's own outcome is said when it ends, with the time it was decided.
    if wait_for(lambda: [l for l in log_lines("INFO restart of slow done after") if "exited with status 0" in l], 15):
        ok("slow's restart is said with its outcome once it ends")
    else:
        bad("slow outcome", open(LOG).read()[-2000:])
    # nodeguard(8): SIGTERM saves the state and exits within a second.
    t = time.monotonic(); daemon.send_signal(signal.SIGTERM); daemon.wait(timeout=20); took = time.monotonic() - t
    ok("stopped in %.2f s" % took) if took < 1.0 and daemon.returncode == 0 else bad("stop", "%.2f s, exit %s" % (took, daemon.returncode))
finally:
    if daemon and daemon.poll() is None: daemon.send_signal(signal.SIGTERM); daemon.wait(timeout=20)
    for p in procs.values():
        if p.poll() is None: p.kill(); p.wait()
    if mounted: subprocess.run(["umount", DISK])
    shutil.rmtree(W, ignore_errors=True)

results.finish("slow restart")

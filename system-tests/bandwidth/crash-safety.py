#!/usr/bin/env python3
"""Crash safety of bandwidth accounting (issue #4).

nodeguardd runs on a fixture tree whose /proc/net/dev counters keep
advancing; it is killed with SIGKILL at random moments 100 times and started
again each time. At the end, the month's total must equal the counters'
delta exactly: nothing lost, nothing counted twice.

usage: system-tests/bandwidth/crash-safety.py BINDIR [KILLS]
"""
import json, os, random, shutil, signal, subprocess, sys, tempfile, threading, time

bindir = sys.argv[1] if len(sys.argv) > 1 else ".build/release"
kills = int(sys.argv[2]) if len(sys.argv) > 2 else 100
daemon, cli = os.path.join(bindir, "nodeguardd"), os.path.join(bindir, "nodeguard")
work = tempfile.mkdtemp(prefix="nodeguard-crash-")
root = os.path.join(work, "root")
random.seed(int(os.environ.get("SEED", time.time())))

def write(path, text):
    full = root + path
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full + ".tmp", "w") as f:
        f.write(text)
    os.rename(full + ".tmp", full)   # readers see old or new, as with /proc

write("/proc/meminfo", open("/proc/meminfo").read())
write("/proc/sys/kernel/random/boot_id", "0f6c3a52-9f3e-4d2a-8a57-3c1b2d4e5f60\n")
write("/proc/net/route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
                         "eth0\t00000000\t0100A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n")
write("/sys/class/net/eth0/ifindex", "2\n")
write("/sys/class/net/eth0/speed", "10000\n")

counters = {"rx": 5_000_000_000, "tx": 7_000_000_000}
start = dict(counters)
lock = threading.Lock()

def net_dev():
    return ("Inter-|   Receive                                                |  Transmit\n"
            " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
            f"  eth0: {counters['rx']} 1000 0 0 0 0 0 0 {counters['tx']} 1000 0 0 0 0 0 0\n"
            "    lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0\n")

write("/proc/net/dev", net_dev())
advancing = threading.Event()
stop = threading.Event()

def advance():
    while not stop.is_set():
        if advancing.is_set():
            with lock:
                counters["rx"] += random.randint(0, 2_000_000)
                counters["tx"] += random.randint(0, 500_000)
                write("/proc/net/dev", net_dev())
        time.sleep(0.01)

config = os.path.join(work, "nodeguard.toml")
with open(config, "w") as f:
    f.write(f'interval = "1s"\nstatus_file = "{work}/status.json"\nstate_directory = "{work}/state"\n'
            '[disk]\npaths = ["/"]\n[bandwidth]\nsave_interval = "1s"\n')
os.chmod(config, 0o644)
ledger = os.path.join(work, "state", "bandwidth")

def start_daemon():
    return subprocess.Popen([daemon, "--config", config, "--root", root], stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(work, "daemon.log"), "a"))

writer = threading.Thread(target=advance, daemon=True)
writer.start()
failures = []
try:
    # First start: the counters as they are now are the baseline.
    p = start_daemon()
    for _ in range(100):
        if os.path.exists(ledger): break
        time.sleep(0.05)
    else:
        failures.append("the first start saved no baseline")
    advancing.set()
    for i in range(kills):
        time.sleep(random.uniform(0.0, 1.6))   # anywhere: mid-cycle, mid-save, between cycles
        p.send_signal(signal.SIGKILL)
        p.wait()
        p = start_daemon()
    time.sleep(random.uniform(0.2, 1.0))
    advancing.clear()
    time.sleep(0.05)
    with lock:
        final = dict(counters)
    time.sleep(1.5)                  # at least one cycle sees the final counters
    p.send_signal(signal.SIGTERM)    # saves on the way out
    p.wait(timeout=5)
    report = json.loads(subprocess.run([cli, "bandwidth", "--json", "--config", config, "--root", root],
                                       capture_output=True, text=True, check=True).stdout)
    rx = sum(m["rx"] for m in report["months"])
    tx = sum(m["tx"] for m in report["months"])
    want_rx, want_tx = final["rx"] - start["rx"], final["tx"] - start["tx"]
    print(f"{kills} kills; counters moved rx {want_rx} tx {want_tx}; nodeguard counted rx {rx} tx {tx}")
    if (rx, tx) != (want_rx, want_tx):
        failures.append(f"counted rx {rx} tx {tx}, the counters moved rx {want_rx} tx {want_tx}")
    with open(os.path.join(work, "daemon.log")) as log:
        anomalies = [l for l in log if "counter" in l and ("backwards" in l or "discarded" in l)]
    if anomalies:
        failures.append("counter anomalies logged: " + anomalies[0].strip())
finally:
    stop.set()
    try: p.kill()
    except Exception: pass
    if not failures: shutil.rmtree(work)
    else: print("work dir kept:", work)

for f in failures: print("FAIL crash_safety:", f)
print(f"bandwidth crash safety: {0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)

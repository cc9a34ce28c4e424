"""What the Python system tests share: PASS/FAIL lines and their count,
waiting for a condition, and a NOTIFY_SOCKET that records the watchdog pings
as systemd would receive them."""
import os, socket, sys, threading, time


class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def ok(self, name):
        self.passed += 1; print("PASS", name, flush=True)

    def bad(self, name, why):
        self.failed += 1; print("FAIL", name + ":", why, flush=True)

    def finish(self, label=""):
        print("%s%d passed, %d failed" % (label + ": " if label else "", self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


def one_node_host(work):
    """The head of a test config: 1 s cycles, status and state under `work`,
    the host-wide checks off, so that only the node under test is judged."""
    return (f'interval = "1s"\nstatus_file = "{work}/status.json"\nstate_directory = "{work}/state"\n'
            '[bandwidth]\nenabled = false\n[docker_logs]\nenabled = false\n[journal]\nmax_use = "0B"\n')


def wait_for(pred, seconds, step=0.2):
    end = time.time() + seconds
    while time.time() < end:
        if pred(): return True
        time.sleep(step)
    return False


class Notify(threading.Thread):
    """A NOTIFY_SOCKET in `directory`, as systemd gives: records when WATCHDOG=1 arrives."""
    def __init__(self, directory):
        super().__init__(daemon=True)
        self.path = os.path.join(directory, "notify.sock")
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); self.s.bind(self.path)
        self.pings = []

    def run(self):
        while True:
            try: m = self.s.recv(4096).decode()
            except OSError: return
            if "WATCHDOG=1" in m: self.pings.append(time.monotonic())

    def longest_gap(self, since):
        t = [p for p in self.pings if p >= since]
        return max((b - a for a, b in zip(t, t[1:])), default=float("inf"))

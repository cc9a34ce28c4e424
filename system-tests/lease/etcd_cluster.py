"""What the lease test runs besides the hosts: Debian's etcd, three members
on loopback started and stopped by the test, and the network between a
host and etcd, a TCP proxy to each member that the test can cut."""
import json, os, socket, subprocess, threading, urllib.request
from standin_chain import free_port


# --- etcd ---------------------------------------------------------------------
class Etcd:
    """Three members on loopback; each can be stopped and started again."""
    def __init__(self, work):
        self.work = work
        self.client = [free_port() for _ in range(3)]
        self.peer = [free_port() for _ in range(3)]
        self.procs = [None, None, None]
        self.cluster = ",".join("e%d=http://127.0.0.1:%d" % (i, self.peer[i]) for i in range(3))

    def start(self, i, new=True):
        d = os.path.join(self.work, "etcd%d" % i)
        self.procs[i] = subprocess.Popen(
            ["etcd", "--name", "e%d" % i, "--data-dir", d, "--listen-peer-urls", "http://127.0.0.1:%d" % self.peer[i],
             "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % self.peer[i],
             "--listen-client-urls", "http://127.0.0.1:%d" % self.client[i], "--advertise-client-urls", "http://127.0.0.1:%d" % self.client[i],
             "--initial-cluster", self.cluster, "--initial-cluster-state", "new", "--initial-cluster-token", "nodeguard-lease-test"],
            stdout=open(d + ".log", "a"), stderr=subprocess.STDOUT)

    def stop(self, i):
        p = self.procs[i]
        if p and p.poll() is None: p.kill(); p.wait()
        self.procs[i] = None

    def call(self, path, body, member=0, timeout=3):
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.client[member], path), data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(req, timeout=timeout) as resp: return json.loads(resp.read())

    def healthy(self):
        try: return "header" in self.call("/v3/kv/range", {"key": "eA=="})
        except OSError: return False

    def leader(self):
        """The index of the leader member."""
        for i in range(3):
            if self.procs[i] is None: continue
            try:
                st = self.call("/v3/maintenance/status", {}, member=i)
                if st.get("leader") == st["header"]["member_id"]: return i
            except OSError: pass
        return None


# --- the network between a host and etcd: one proxy an etcd member ------------
class Proxy:
    """Forwards a local port to an etcd member. Cut, the host's traffic to
    etcd is gone: the port refuses connections (as a host whose route to
    etcd is down) and the connections open stall; uncut, it listens again."""
    def __init__(self, target):
        self.target, self.cut_on, self.sock = target, False, None
        s = socket.socket(); s.bind(("127.0.0.1", 0)); self.port = s.getsockname()[1]; s.close()
        self.listen()

    def listen(self):
        self.sock = socket.socket(); self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port)); self.sock.listen(64)
        threading.Thread(target=self.run, args=(self.sock,), daemon=True).start()

    def start(self): pass

    @property
    def cut(self): return self.cut_on

    @cut.setter
    def cut(self, on):
        if on == self.cut_on: return
        self.cut_on = on
        if on:
            # shutdown, not only close: a thread blocked in accept() keeps a closed
            # socket listening (and taking one more connection) until it returns.
            try: self.sock.shutdown(socket.SHUT_RDWR)
            except OSError: pass
            self.sock.close()
        else: self.listen()

    def run(self, sock):
        while True:
            try: c, _ = sock.accept()
            except OSError: return
            threading.Thread(target=self.pipe, args=(c,), daemon=True).start()

    def pipe(self, c):
        try: u = socket.create_connection(("127.0.0.1", self.target), timeout=2)
        except OSError: c.close(); return
        def one_way(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data or self.cut_on: break
                    b.sendall(data)
            except OSError: pass
            finally:
                for s in (a, b):
                    try: s.shutdown(socket.SHUT_RDWR)
                    except OSError: pass
        threading.Thread(target=one_way, args=(u, c), daemon=True).start()
        one_way(c, u)

#!/usr/bin/env python3
"""Notifications through real HTTPS (issue #15), end to end.

A local HTTPS receiver of this test's own (its own CA and certificate made
here with openssl, trusted by nodeguard only through each target's ca_file,
never the system's store) stands in for ntfy, the Telegram Bot API, Discord
and Slack webhooks and a generic webhook, and checks each request's method,
path, headers and JSON. Then the real daemon guards a pidfile node that this
test kills and starts, and the real sender (`nodeguard notify send`, run
whenever the outbox changes, as nodeguard-notify.path does) delivers through
failures: 503 then 200, 429 with Retry-After, 400, a server that never
answers, an untrusted certificate, the receiver down across a kill -9 of
the daemon and the sender. The heartbeat pings while cycles run and stops
on SIGSTOP. A stand-in sendmail records a mail.
Everything started here is stopped at the end (by PID) and the work
directory removed.

usage: system-tests/notify/notify-test.py BINDIR
"""
import http.server, json, os, re, shutil, signal, socket, ssl, subprocess, sys, tempfile, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
from harness import Results, one_node_host, wait_for

BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
W = tempfile.mkdtemp(prefix="nodeguard-notify-")
CONFIG, DAEMON_LOG, SENDER_LOG = (os.path.join(W, n) for n in ("nodeguard.toml", "daemon.log", "sender.log"))
OUTBOX = os.path.join(W, "state", "outbox")
results = Results()
ok, bad = results.ok, results.bad
SECRET = "SeCrEtToKeN42"


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_certificates():
    """A CA, a server certificate for 127.0.0.1 it signs, and a self-signed one nobody trusts."""
    ext = os.path.join(W, "san.ext")
    open(ext, "w").write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=nodeguard test CA",
            "-keyout", f"{W}/ca.key", "-out", f"{W}/ca.pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", f"{W}/server.key", "-out", f"{W}/server.csr")
    openssl("x509", "-req", "-in", f"{W}/server.csr", "-CA", f"{W}/ca.pem", "-CAkey", f"{W}/ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", ext, "-out", f"{W}/server.pem")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
            "subjectAltName=IP:127.0.0.1", "-keyout", f"{W}/rogue.key", "-out", f"{W}/rogue.pem")


class Receiver:
    """An HTTPS server recording every request; per path, a queue of answers (status, headers, body)."""
    def __init__(self, cert, key, port=0):
        self.requests, self.answers, self.lock = [], {}, threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a): pass

            def answer(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                              "body": body, "time": time.monotonic()})
                    queue = receiver.answers.get(self.path) or []
                    status, headers, reply = queue.pop(0) if queue else (200, {}, b'{"ok":true}')
                self.send_response(status)
                for k, v in headers.items(): self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            do_GET = do_POST = answer

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown(); self.server.server_close()

    def on(self, path, *answers):
        with self.lock: self.answers[path] = list(answers)

    def to(self, path):
        with self.lock: return [r for r in self.requests if r["path"] == path]

    def events(self, path):
        """The event kinds each JSON request to `path` carried (the webhook's "events")."""
        return [[e["event"] for e in json.loads(r["body"])["events"]] for r in self.to(path)]


def secret_file(name, text):
    p = os.path.join(W, name)
    with open(p, "w") as f: f.write(text + "\n")
    os.chmod(p, 0o600)
    return p


def write_config(targets, extra=""):
    with open(CONFIG, "w") as f:
        f.write(one_node_host(W) + f'[node.dmo]\npidfile = "{W}/dmo.pid"\nrestart_command = ["/bin/true"]\n' + extra + targets)
    os.chmod(CONFIG, 0o600)


def webhook(name, url, extra=""):
    return (f'[[notify]]\nname = "{name}"\nkind = "webhook"\nurl_file = "{secret_file(name + ".url", url)}"\n'
            f'ca_file = "{W}/ca.pem"\nbatch = "0s"\ntimeout = "2s"\nmin_priority = "notice"\n{extra}')


class PathUnit(threading.Thread):
    """What nodeguard-notify.path does: run the sender whenever the outbox directory changes."""
    def __init__(self):
        super().__init__(daemon=True)
        self.running, self.proc, self.last = True, None, None

    def run(self):
        while self.running:
            try: m = os.stat(OUTBOX).st_mtime_ns
            except OSError: m = None
            if m is not None and m != self.last:
                self.last = m
                with open(SENDER_LOG, "a") as log:
                    self.proc = subprocess.Popen([os.path.join(BIN, "nodeguard"), "notify", "send", "--config", CONFIG],
                                                 stdout=log, stderr=log, stdin=subprocess.DEVNULL)
                    self.proc.wait()
            time.sleep(0.1)

    def kill(self):
        p = self.proc
        if p and p.poll() is None: p.kill(); p.wait()


daemon = None


def start_daemon():
    global daemon
    daemon = subprocess.Popen([os.path.join(BIN, "nodeguardd"), "--config", CONFIG], stdout=subprocess.DEVNULL,
                              stderr=open(DAEMON_LOG, "a"), stdin=subprocess.DEVNULL)


def stop_daemon(sig=signal.SIGTERM):
    global daemon
    if daemon and daemon.poll() is None:
        daemon.send_signal(sig); daemon.wait(timeout=20)
    daemon = None


node = None


def node_up():
    global node
    node_down()   # one node at a time: never leave one behind
    node = subprocess.Popen(["sleep", "100000"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{W}/dmo.pid.tmp", "w") as f: f.write(str(node.pid) + "\n")
    os.rename(f"{W}/dmo.pid.tmp", f"{W}/dmo.pid")


def node_down():
    global node
    if node: node.kill(); node.wait(); node = None


def sender_log():
    try: return open(SENDER_LOG).read()
    except OSError: return ""


def queued():
    try: return [n for n in os.listdir(OUTBOX) if n.endswith(".json") and n[0].isdigit()]
    except OSError: return []


def notify_test(*names):
    r = subprocess.run([os.path.join(BIN, "nodeguard"), "notify", "test", "--config", CONFIG, *names],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def test_each_service_gets_its_documented_request(rx):
    base = f"https://127.0.0.1:{rx.port}"
    ca = f'ca_file = "{W}/ca.pem"\n'
    targets = (
        webhook("hook", base + "/hook/" + SECRET)
        + f'[[notify]]\nname = "phone"\nkind = "ntfy"\nurl_file = "{secret_file("ntfy.url", base + "/alerts")}"\n'
          f'token_file = "{secret_file("ntfy.token", "tk_" + SECRET)}"\n{ca}'
        + f'[[notify]]\nname = "tg"\nkind = "telegram"\ntoken_file = "{secret_file("tg.token", "123:" + SECRET)}"\n'
          f'chat_id = "-100777"\napi_url = "{base}"\n{ca}'
        + f'[[notify]]\nname = "dc"\nkind = "discord"\nurl_file = "{secret_file("dc.url", base + "/api/webhooks/1/" + SECRET)}"\n{ca}'
        + f'[[notify]]\nname = "sl"\nkind = "slack"\nurl_file = "{secret_file("sl.url", base + "/services/T0/B0/" + SECRET)}"\n{ca}')
    write_config(targets)
    rx.on("/api/webhooks/1/" + SECRET, (204, {}, b""))
    code, out = notify_test()
    if code != 0: return bad("each_service_gets_its_documented_request", f"notify test exited {code}: {out}")
    if out.count(": delivered") != 5: return bad("each_service_gets_its_documented_request", out)
    problems = []

    def one(path):
        got = rx.to(path)
        if len(got) != 1: problems.append(f"{path}: {len(got)} requests"); return None, {}
        r = got[0]
        if r["method"] != "POST": problems.append(f"{path}: {r['method']}")
        if r["headers"].get("Content-Type") != "application/json": problems.append(f"{path}: Content-Type {r['headers'].get('Content-Type')}")
        return r, json.loads(r["body"])

    r, j = one("/hook/" + SECRET)
    for k in ("message", "priority", "node", "check", "value", "threshold", "host", "time", "MESSAGE_ID", "events"):
        if k not in j: problems.append(f"webhook lacks {k}: {j}")
    if j.get("event") != "notify_test" or j.get("host") != socket.gethostname(): problems.append(f"webhook: {j}")
    r, j = one("/")
    if r and r["headers"].get("Authorization") != "Bearer tk_" + SECRET: problems.append(f"ntfy auth: {r['headers']}")
    if j.get("topic") != "alerts" or not isinstance(j.get("priority"), int) or "nodeguard on" not in j.get("title", ""): problems.append(f"ntfy: {j}")
    r, j = one(f"/bot123:{SECRET}/sendMessage")
    if j.get("chat_id") != -100777 or "test message from nodeguard" not in j.get("text", ""): problems.append(f"telegram: {j}")
    r, j = one("/api/webhooks/1/" + SECRET)
    if j.get("username") != "nodeguard" or len(j.get("content", "")) > 2000 or "test message" not in j.get("content", ""): problems.append(f"discord: {j}")
    r, j = one("/services/T0/B0/" + SECRET)
    if "test message" not in j.get("text", ""): problems.append(f"slack: {j}")
    code, out = notify_test("tg")
    if code != 0 or out.strip() != "tg: delivered": problems.append(f"notify test tg: {code} {out}")
    if problems: return bad("each_service_gets_its_documented_request", "; ".join(problems))
    ok("each_service_gets_its_documented_request")


def test_untrusted_certificate_is_refused_and_said(rogue):
    write_config(webhook("rogue", f"https://127.0.0.1:{rogue.port}/hook"))
    code, out = notify_test("rogue")
    if code == 0 or "certificate" not in out.lower() or rogue.to("/hook"):
        return bad("untrusted_certificate_is_refused_and_said", f"{code}: {out} ({len(rogue.to('/hook'))} requests got through)")
    ok("untrusted_certificate_is_refused_and_said")


def test_stand_in_sendmail_gets_the_mail():
    fake = os.path.join(W, "sendmail")
    with open(fake, "w") as f:
        f.write(f'#!/bin/sh\necho "$@" > {W}/sendmail.args\ncat > {W}/sendmail.in\n')
    os.chmod(fake, 0o755)
    # Nothing listens on smtp_port (a port just closed): the mail goes to sendmail.
    closed = socket.socket(); closed.bind(("127.0.0.1", 0)); port = closed.getsockname()[1]; closed.close()
    write_config(f'[[notify]]\nname = "mail"\nkind = "email"\nto = ["ops@example.com"]\nfrom = "ng@example.com"\nsendmail = "{fake}"\n'
                 f'smtp_port = {port}\n')
    code, out = notify_test()
    try: args, mail = open(f"{W}/sendmail.args").read().split(), open(f"{W}/sendmail.in").read()
    except OSError as e: return bad("stand_in_sendmail_gets_the_mail", f"{code} {out}: {e}")
    head, _, body = mail.partition("\n\n")
    want = ["To: ops@example.com", "From: nodeguard <ng@example.com>", "Content-Type: text/plain; charset=utf-8", "Auto-Submitted: auto-generated",
            "MIME-Version: 1.0"]
    missing = [h for h in want if h not in head.split("\n")]
    if (code != 0 or args != ["-t", "-oi", "-odi"] or missing or "Subject: [nodeguard " not in head or "test message from nodeguard" not in body
            or not re.search(r"^Date: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$", head, re.M)
            or not re.search(r"^Message-ID: <nodeguard\.\d+\.mail@[^>]+>$", head, re.M)):
        return bad("stand_in_sendmail_gets_the_mail", f"{code} {out} args={args} missing={missing} mail={mail!r}")
    ok("stand_in_sendmail_gets_the_mail")


def blackhole():
    """A TCP port that accepts and never answers: the TLS handshake never ends."""
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
    return s


def test_failures_retries_and_the_heartbeat(rx, path_unit):
    hole = blackhole()
    base = f"https://127.0.0.1:{rx.port}"
    rx.on("/flaky", (503, {}, b"busy, try later"))
    rx.on("/slow", (429, {"Retry-After": "3"}, b"slow down"))
    rx.on("/bad", (400, {}, b'{"ok":false,"description":"Bad Request: chat not found"}'))
    hb = secret_file("hb.url", base + "/ping/" + SECRET)
    write_config(webhook("flaky", base + "/flaky") + webhook("slow", base + "/slow") + webhook("bad", base + "/bad")
                 + webhook("hang", f"https://127.0.0.1:{hole.getsockname()[1]}/hang"),
                 extra=f'[heartbeat]\nurl_file = "{hb}"\nevery = "10s"\nca_file = "{W}/ca.pem"\n')
    node_up()
    start_daemon()
    wait_for(lambda: os.path.exists(f"{W}/status.json"), 20)
    time.sleep(2)
    node_down()
    wait_for(lambda: rx.to("/flaky"), 15)
    node_up()
    done = wait_for(lambda: len(rx.to("/flaky")) >= 3 and len(rx.to("/slow")) >= 3 and len(rx.to("/bad")) >= 2, 45)
    log = sender_log()
    name = "503_then_200_retried_delivered_once_in_order"
    got = rx.events("/flaky")
    if got == [["node_down"], ["node_down"], ["node_up"]] and log.count("cannot notify flaky yet: HTTP 503: busy, try later") == 1: ok(name)
    else: bad(name, f"{got}; log: {log[-600:]}")
    name = "429_retry_after_honoured"
    slow = rx.to("/slow")
    gap = slow[1]["time"] - slow[0]["time"] if len(slow) >= 2 else -1
    if rx.events("/slow") == [["node_down"], ["node_down"], ["node_up"]] and 2.9 <= gap < 8: ok(name)
    else: bad(name, f"{rx.events('/slow')}, {gap:.1f} s between the first two (Retry-After: 3, backoff would be 10)")
    name = "400_not_retried_and_said_with_the_servers_message"
    said = "bad refused a message: HTTP 400: {\"ok\":false,\"description\":\"Bad Request: chat not found\"}; not retried"
    if rx.events("/bad") == [["node_down"], ["node_up"]] and log.count(said) == 1: ok(name)
    else: bad(name, f"{rx.events('/bad')}; log: {log[-600:]}")
    name = "a_server_that_never_answers_meets_the_deadline"
    waiting = subprocess.run([os.path.join(BIN, "nodeguard"), "notify", "queue", "--config", CONFIG], capture_output=True, text=True).stdout
    if done and "cannot notify hang yet:" in log and "timed out" in log and "hang: 2 messages waiting" in waiting: ok(name)
    else: bad(name, f"done={done} queue: {waiting!r} log: {log[-600:]}")
    name = "heartbeat_pings_while_cycles_run_and_stops_on_sigstop"
    pings = len(rx.to("/ping/" + SECRET))
    daemon.send_signal(signal.SIGSTOP)
    time.sleep(1.5)
    stopped_at = len(rx.to("/ping/" + SECRET))
    time.sleep(22)
    during = len(rx.to("/ping/" + SECRET)) - stopped_at
    daemon.send_signal(signal.SIGCONT)
    resumed = wait_for(lambda: len(rx.to("/ping/" + SECRET)) > stopped_at + during, 15)
    if pings >= 2 and during == 0 and resumed: ok(name)
    else: bad(name, f"{pings} pings while running, {during} in 22 s stopped, resumed: {resumed}")
    hole.close()
    stop_daemon()


def test_fail_url_while_critical(rx, path_unit):
    """[heartbeat] fail_url: pinged at once when a check turns critical (the
    node gone), the plain URL again once it is back."""
    hb, fail = secret_file("hb2.url", f"https://127.0.0.1:{rx.port}/hb2"), secret_file("fail.url", f"https://127.0.0.1:{rx.port}/hb2/fail")
    write_config("", extra=f'[heartbeat]\nurl_file = "{hb}"\nfail_url_file = "{fail}"\nevery = "10s"\nca_file = "{W}/ca.pem"\n')
    node_up()
    start_daemon()
    name = "fail_url_pinged_while_a_check_is_critical"
    try:
        if not wait_for(lambda: rx.to("/hb2"), 20): return bad(name, "no ping while all is well")
        node_down()
        t = time.monotonic()
        if not wait_for(lambda: rx.to("/hb2/fail"), 8): return bad(name, f"no ping to the failure URL; log: {sender_log()[-400:]}")
        took = time.monotonic() - t
        node_up()
        n = len(rx.to("/hb2"))
        if not wait_for(lambda: len(rx.to("/hb2")) > n, 20): return bad(name, "the plain URL not pinged again after the node came back")
        ok(f"{name} ({took:.1f} s after the node went)")
    finally:
        stop_daemon()
        node_down()


def test_receiver_down_across_kill_9_delivered_once(path_unit):
    probe = Receiver(f"{W}/server.pem", f"{W}/server.key")   # a free port, then nobody on it
    port = probe.port
    probe.stop()
    rx = None
    shutil.rmtree(os.path.join(W, "state"), ignore_errors=True)
    write_config(webhook("later", f"https://127.0.0.1:{port}/later"))
    node_up()
    start_daemon()
    wait_for(lambda: os.path.exists(f"{W}/status.json"), 20)
    time.sleep(2)
    node_down()
    name = "receiver_down_across_kill_9_delivered_once"
    if not wait_for(lambda: "cannot notify later yet:" in sender_log(), 15):
        return bad(name, "no failure said: " + sender_log()[-400:])
    stop_daemon(signal.SIGKILL)
    path_unit.kill()
    start_daemon()
    time.sleep(3)
    rx = Receiver(f"{W}/server.pem", f"{W}/server.key", port)
    try:
        delivered = wait_for(lambda: rx.to("/later"), 60)
        time.sleep(5)
        got = rx.events("/later")
        if delivered and got == [["node_down"]] and not queued(): ok(name)
        else: bad(name, f"{got}, queued: {queued()}; log: {sender_log()[-600:]}")
    finally:
        rx.stop()
        stop_daemon()


def reload_daemon():
    daemon.send_signal(signal.SIGHUP)


def test_a_reload_keeps_the_open_batch(rx, path_unit):
    """Events 1-4 s before a reload, with the config unchanged and then
    changed: every one arrives, once, in the batch that was open."""
    name = "a_reload_keeps_the_open_batch"
    shutil.rmtree(os.path.join(W, "state"), ignore_errors=True)
    if os.path.exists(f"{W}/status.json"): os.remove(f"{W}/status.json")   # the last test's: this daemon's first cycle writes it
    target = webhook("batched", f"https://127.0.0.1:{rx.port}/batched").replace('batch = "0s"', 'batch = "10s"')
    write_config(target)
    node_up()
    start_daemon()
    try:
        wait_for(lambda: os.path.exists(f"{W}/status.json"), 20)
        time.sleep(2)
        node_down(); time.sleep(2)      # node_down 4 s before the reload
        node_up(); time.sleep(2)        # node_up 2 s before it
        reload_daemon()                 # nothing changed
        time.sleep(0.5)
        q = subprocess.run([os.path.join(BIN, "nodeguard"), "notify", "queue", "--config", CONFIG], capture_output=True, text=True, timeout=30)
        if "batched: 2 events in the open batch" not in q.stdout: return bad(name, f"notify queue does not show the open batch: {q.stdout}{q.stderr}")
        if not wait_for(lambda: len(rx.to("/batched")) >= 1, 20): return bad(name, "nothing arrived after an unchanged reload")
        node_down(); time.sleep(3)
        write_config(target.replace('batch = "10s"', 'batch = "8s"'))
        time.sleep(1)
        reload_daemon()                 # batch changed, 1-4 s after the event
        if not wait_for(lambda: len(rx.to("/batched")) >= 2, 20): return bad(name, f"nothing arrived after a changed reload: {rx.events('/batched')}")
        time.sleep(12)                  # nothing arrives twice
        got = rx.events("/batched")
        if got == [["node_down", "node_up"], ["node_down"]]: ok(name)
        else: bad(name, f"{got}; daemon log: {open(DAEMON_LOG).read()[-600:]}")
    finally:
        stop_daemon()
        node_down()


def test_a_bad_file_on_disk_never_stops_delivery(rx, path_unit):
    """The file on disk made invalid while the daemon runs its accepted
    config: the rejected reload is itself sent, later events go out, and
    `nodeguard status` still finds the daemon."""
    name = "a_bad_file_on_disk_never_stops_delivery"
    shutil.rmtree(os.path.join(W, "state"), ignore_errors=True)
    if os.path.exists(f"{W}/status.json"): os.remove(f"{W}/status.json")
    write_config(webhook("steady", f"https://127.0.0.1:{rx.port}/steady"))
    node_up()
    start_daemon()
    try:
        wait_for(lambda: os.path.exists(f"{W}/status.json"), 20)
        with open(CONFIG, "a") as f: f.write('[memory]\nwarn_above = "2GiB"\nrestart_above = "1GiB"\n')
        reload_daemon()
        time.sleep(2)
        node_down()
        arrived = wait_for(lambda: ["node_down"] in rx.events("/steady"), 20)
        got = rx.events("/steady")
        st = subprocess.run([os.path.join(BIN, "nodeguard"), "status", "--config", CONFIG], capture_output=True, text=True, timeout=30)
        status_ok = st.returncode in (0, 1, 2) and "dmo" in st.stdout and "accepted.toml" in st.stderr
        if arrived and ["reload_rejected"] in got and status_ok: ok(name)
        else: bad(name, f"{got}; status {st.returncode}: {st.stderr.strip()}; sender log: {sender_log()[-400:]}")
    finally:
        stop_daemon()
        node_down()


def test_a_restart_is_told_once(rx, path_unit):
    """A cycle's event (a node started again by start_when_down) reaches a
    target once, not once through the journal's sink and again through its own."""
    name = "a_restart_is_told_once"
    shutil.rmtree(os.path.join(W, "state"), ignore_errors=True)
    if os.path.exists(f"{W}/status.json"): os.remove(f"{W}/status.json")
    write_config(webhook("once", f"https://127.0.0.1:{rx.port}/once"), extra="start_when_down = true\ngrace = \"1h\"\n")
    node_up()
    start_daemon()
    try:
        wait_for(lambda: os.path.exists(f"{W}/status.json"), 20)
        time.sleep(1)
        node_down()
        if not wait_for(lambda: any("restart" in k for k in rx.events("/once")), 20): return bad(name, f"no restart told: {rx.events('/once')}")
        time.sleep(3)
        told = [k for batch in rx.events("/once") for k in batch]
        if told.count("restart") == 1 and told.count("node_down") == 1: ok(name)
        else: bad(name, f"told {told}")
    finally:
        stop_daemon()
        node_down()


def main():
    make_certificates()
    rx = Receiver(f"{W}/server.pem", f"{W}/server.key")
    rogue = Receiver(f"{W}/rogue.pem", f"{W}/rogue.key")
    path_unit = PathUnit()
    try:
        test_each_service_gets_its_documented_request(rx)
        test_untrusted_certificate_is_refused_and_said(rogue)
        test_stand_in_sendmail_gets_the_mail()
        path_unit.start()
        test_failures_retries_and_the_heartbeat(rx, path_unit)
        test_fail_url_while_critical(rx, path_unit)
        test_receiver_down_across_kill_9_delivered_once(path_unit)
        test_a_reload_keeps_the_open_batch(rx, path_unit)
        test_a_bad_file_on_disk_never_stops_delivery(rx, path_unit)
        test_a_restart_is_told_once(rx, path_unit)
        logs = sender_log() + open(DAEMON_LOG).read()
        if SECRET in logs: bad("no_secret_in_any_log", [l for l in logs.splitlines() if SECRET in l][:3])
        else: ok("no_secret_in_any_log")
    finally:
        path_unit.running = False
        path_unit.kill()
        stop_daemon()
        node_down()
        rx.stop(); rogue.stop()
        shutil.rmtree(W, ignore_errors=True)
    results.finish("notify")


main()

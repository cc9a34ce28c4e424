#!/usr/bin/env python3
"""nodeguard against a real Docker engine (issue #3).

Debian's docker.io runs with its own data-root and socket (no registry: the
image is imported offline from busybox-static and a static build of the test
leaker). nodeguardd watches a container that leaks memory and must restart it
through the Engine API; then dockerd is stopped mid-run and nodeguard must say
so once, keep its other checks and its watchdog, and recover when dockerd is
back. Everything started here is stopped and removed at the end.

usage: system-tests/docker/engine-test.py BINDIR
"""
import datetime, json, os, re, shutil, signal, socket, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import Notify, Results, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release")
W = tempfile.mkdtemp(prefix="nodeguard-docker-")
D = os.path.join(W, "docker")
SOCK = os.path.join(D, "docker.sock")
ENV = dict(os.environ, DOCKER_HOST="unix://" + SOCK)
procs = []
results = Results()
ok, bad = results.ok, results.bad


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), env=ENV, check=check, capture_output=True, text=True, **kw)


CONFIG = os.path.join(W, "nodeguard.toml")
LOG = os.path.join(W, "nodeguard.log")


def head(state="state"):
    """A test config's first lines: 1 s cycles, the status file and a state directory of its own."""
    return f'interval = "1s"\nstatus_file = "{W}/status.json"\nstate_directory = "{W}/{state}"\n'


def start_nodeguard(config_text, **env):
    """Writes the config, starts nodeguardd on it with a fresh log."""
    with open(CONFIG, "w") as f:
        f.write(config_text)
    os.chmod(CONFIG, 0o644)
    p = subprocess.Popen([os.path.join(BIN, "nodeguardd"), "--config", CONFIG], env=dict(ENV, **env),
                         stdout=subprocess.DEVNULL, stderr=open(LOG, "w"))
    procs.append(p)
    return p


def log():
    return open(LOG).read()


def ping():
    try:
        s = socket.socket(socket.AF_UNIX); s.settimeout(1); s.connect(SOCK)
        s.sendall(b"GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n")
        ok_ = s.recv(64).startswith(b"HTTP/1.1 200"); s.close(); return ok_
    except OSError:
        return False


def start_dockerd():
    os.makedirs(os.path.join(D, "root"), exist_ok=True); os.makedirs(os.path.join(D, "exec"), exist_ok=True)
    p = subprocess.Popen(["dockerd", "--data-root", os.path.join(D, "root"), "--exec-root", os.path.join(D, "exec"),
                          "-H", "unix://" + SOCK, "--pidfile", os.path.join(D, "dockerd.pid"), "--iptables=false",
                          "--ip6tables=false", "--bridge=none", "--storage-driver=overlay2"],
                         stdout=open(os.path.join(W, "dockerd.log"), "a"), stderr=subprocess.STDOUT, start_new_session=True)
    procs.append(p)
    if not wait_for(ping, 30):
        raise SystemExit("dockerd did not start; see " + os.path.join(W, "dockerd.log"))
    return p


def stop_dockerd(p):
    p.send_signal(signal.SIGTERM)
    try: p.wait(timeout=30)
    except subprocess.TimeoutExpired: p.kill(); p.wait()


dockerd = None
ng = None
try:
    dockerd = start_dockerd()
    img = os.path.join(W, "img", "bin"); os.makedirs(img)
    shutil.copy("/bin/busybox", img); os.symlink("busybox", os.path.join(img, "sh"))
    subprocess.run(["gcc", "-O2", "-static", "-o", os.path.join(img, "leaker"), os.path.join(HERE, "..", "nspawn", "leaker.c")], check=True)
    tar = subprocess.Popen(["tar", "-C", os.path.join(W, "img"), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(["docker", "import", "-c", "ENV PATH=/bin", "-", "ngtest/busybox"], stdin=tar.stdout, env=ENV, check=True, capture_output=True)
    # The leaky node: 8 MiB every 250 ms, again after each restart; it comes
    # back with dockerd (unless-stopped), as a compose node does.
    sh("docker", "run", "-d", "--name", "leaky", "--network", "none", "--restart", "unless-stopped", "ngtest/busybox", "/bin/leaker", "8", "250", "400")
    started0 = sh("docker", "inspect", "-f", "{{.State.StartedAt}}", "leaky").stdout.strip()

    notify = Notify(W); notify.start()
    ng = start_nodeguard(head() + f'''[node]
container = "leaky"
docker_socket = "{SOCK}"
stop_timeout = "1s"
grace = "4s"
max_restarts = 1
restart_window = "10m"
[memory]
warn_above = "48MiB"
restart_above = "64MiB"
for = "3s"
[bandwidth]
enabled = false
''', NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="3000000")

    # 1. The leaking container is restarted through the API after the threshold held.
    if wait_for(lambda: "restarting leaky" in log(), 40):
        line = [l for l in log().splitlines() if "restarting leaky" in l][0]
        # Docker stops the container first: a restart still running at the
        # end of its cycle is said with its outcome when it ends.
        if "outcome=running" in line:
            wait_for(lambda: "restart of leaky done after" in log(), 30)
            line += " " + "".join(l for l in log().splitlines() if "restart of leaky done after" in l)
        started1 = sh("docker", "inspect", "-f", "{{.State.StartedAt}}", "leaky").stdout.strip()
        if "container " in line and "restarted (HTTP 204)" in line and re.search(r"for [34]s", line) and started1 != started0:
            ok("leaking_container_restarted_through_the_api")
        else:
            bad("leaking_container_restarted_through_the_api", f"{line!r}; StartedAt {started0} -> {started1}")
    else:
        bad("leaking_container_restarted_through_the_api", "no restart in 40 s:\n" + log())

    # 2. dockerd stops mid-run with two container nodes: leaky comes back with
    #    dockerd (unless-stopped), plain does not. Docker gone and back are said
    #    once for both, plain's down and back once each; the other checks and
    #    the watchdog go on.
    ng.send_signal(signal.SIGTERM); ng.wait(timeout=5)
    sh("docker", "run", "-d", "--name", "plain", "--network", "none", "ngtest/busybox", "sh", "-c", 'trap "exit 0" TERM; while :; do sleep 1; done')
    ng = start_nodeguard(head("state-two") + f'''[memory]
restart_above = "1GiB"
warn_above = "900MiB"
[node.leaky]
container = "leaky"
docker_socket = "{SOCK}"
[node.plain]
container = "plain"
docker_socket = "{SOCK}"
[bandwidth]
enabled = false
''', NOTIFY_SOCKET=notify.path, WATCHDOG_USEC="3000000")
    wait_for(lambda: " started: " in log(), 10)
    stop_dockerd(dockerd); procs.remove(dockerd)
    t_stop = time.monotonic()
    time.sleep(6)
    lines = lambda text: [l for l in log().splitlines() if text in l]
    down = lines("Docker is not answering on " + SOCK)
    status = json.load(open(os.path.join(W, "status.json")))
    fresh = time.time() - status["updated"] < 3
    disk = [c for c in status["checks"] if c["check"] == "disk_free"]
    if len(down) == 1 and "nodes leaky, plain cannot be read or restarted until Docker is back" in down[0] \
            and "ERROR" in down[0] and fresh and disk and disk[0]["state"] != "error" and not lines("can be read again"):
        ok("dockerd_down_said_once_for_both_nodes_other_checks_go_on")
    else:
        bad("dockerd_down_said_once_for_both_nodes_other_checks_go_on", f"{len(down)} messages, status fresh: {fresh}, disk: {disk}\n{log()}")
    gap = notify.longest_gap(t_stop)
    if gap < 1.5 and ng.poll() is None:
        ok("watchdog_fed_while_dockerd_is_down")
    else:
        bad("watchdog_fed_while_dockerd_is_down", f"longest gap between WATCHDOG=1: {gap:.2f} s; exited: {ng.poll()}")

    # 3. dockerd comes back (leaky with it, plain not): each change said once, in order.
    dockerd = start_dockerd()
    wait_for(lambda: lines("node plain is not running"), 30)
    sh("docker", "start", "plain")
    wait_for(lambda: lines("node plain (plain) runs again"), 15)
    time.sleep(2)
    back, plain_down, plain_up = lines("Docker answers again on " + SOCK), lines("node plain is not running"), lines("node plain (plain) runs again")
    order = [log().find(x[0]) if x else -1 for x in (down, back, plain_down, plain_up)]
    leaky_down, leaky_up = lines("node leaky is not running"), lines("node leaky (leaky) runs again")
    if len(down) == len(back) == len(plain_down) == len(plain_up) == 1 and order == sorted(order) and -1 not in order \
            and "NOTICE" in back[0] and len(leaky_down) == len(leaky_up) <= 1 and len(lines("Docker is not answering")) == 1:
        ok("docker_back_and_node_down_and_back_said_once_each")
    else:
        bad("docker_back_and_node_down_and_back_said_once_each", log())
    ng.send_signal(signal.SIGTERM); ng.wait(timeout=5)
    sh("docker", "rm", "-f", "plain")
    ng = start_nodeguard(head() +
                         f'[node.dmo]\ncontainer = "leaky"\ndocker_socket = "{SOCK}"\n[bandwidth]\nenabled = false\n')
    wait_for(lambda: " started: " in log(), 10)

    # 4. A container that does not exist: one clear error naming the table
    #    and the nearest name, no crash; its end said once the config is fixed.
    sh("docker", "run", "-d", "--name", "leaky-node", "--network", "none", "ngtest/busybox", "sh", "-c", 'trap "exit 0" TERM; while :; do sleep 1; done')
    sh("docker", "rm", "-f", "leaky")
    missing = "no container `leaky` on %s (docker ps -a); did you mean `leaky-node`? Fix `container` in [node.dmo] and reload" % SOCK
    if wait_for(lambda: missing in log(), 10) and ng.poll() is None:
        time.sleep(3)
        said_once = len([l for l in log().splitlines() if "no container `leaky`" in l]) == 1
        with open(CONFIG) as f: fixed = f.read().replace('container = "leaky"', 'container = "leaky-node"')
        with open(CONFIG, "w") as f: f.write(fixed)
        ng.send_signal(signal.SIGHUP)
        if said_once and wait_for(lambda: "node dmo (leaky-node) can be read again" in log(), 10):
            time.sleep(2)
            ok("missing_container_clear_error") if len([l for l in log().splitlines() if "can be read again" in l]) == 1 \
                else bad("missing_container_clear_error", "its end said more than once:\n" + log())
        else:
            bad("missing_container_clear_error", f"said once: {said_once}; no end after the fix:\n" + log())
    else:
        bad("missing_container_clear_error", log())
    ng.send_signal(signal.SIGTERM); ng.wait(timeout=5)
    sh("docker", "rm", "-f", "leaky-node")

    # 4b. An id prefix that matches several containers: dockerd's own answer
    #     becomes one clear error. Among 17 containers two ids share their
    #     first hex digit (pigeonhole); usually far fewer are needed.
    seen, prefix = {}, None
    while prefix is None and len(seen) < 17:
        cid = sh("docker", "create", "--network", "none", "ngtest/busybox", "true").stdout.strip()
        prefix = cid[0] if cid[0] in seen.values() else None
        seen[cid] = cid[0]
    ng = start_nodeguard(head() +
                         f'[node]\ncontainer = "{prefix}"\ndocker_socket = "{SOCK}"\n[bandwidth]\nenabled = false\n')
    want = f"`{prefix}` matches several containers"
    if wait_for(lambda: want in log(), 10) and ng.poll() is None:
        ok("ambiguous_container_clear_error")
    else:
        bad("ambiguous_container_clear_error", f"prefix {prefix} of {len(seen)} containers\n{log()}")
    ng.send_signal(signal.SIGTERM); ng.wait(timeout=5)
    sh("docker", "rm", "-f", *seen.keys())

    # 5. A chatty container (numbered lines, ~2 MiB/s) over a 4 MiB limit: the
    #    head of its active log is cut again and again while dockerd writes.
    #    The space is freed, `docker logs` reads every line kept, whole and in
    #    order, and only the first prune is in the journal (the rest are
    #    summarised hourly: the unit tests check the summary).
    pad = "x" * 200
    sh("docker", "run", "-d", "--name", "chatty", "--network", "none", "ngtest/busybox", "sh", "-c",
       f'trap "exit 0" TERM; i=0; while :; do echo "line $i {pad}"; i=$((i+1)); '
       '[ $((i % 1000)) -eq 0 ] && usleep 100000; done')
    cid = sh("docker", "inspect", "-f", "{{.Id}}", "chatty").stdout.strip()
    active = os.path.join(D, "root", "containers", cid, cid + "-json.log")
    wait_for(lambda: os.path.exists(active) and os.stat(active).st_size > 12 << 20, 90)

    # 4c. config check --probe on a misspelt container: missing, with the
    #     nearest name; a socket that does not answer is "not checked", and why.
    with open(CONFIG, "w") as f:
        f.write(f'[node.dmo]\ncontainer = "chaty"\ndocker_socket = "{SOCK}"\n'
                f'[node.other]\ncontainer = "x"\ndocker_socket = "{W}/no-docker.sock"\n')
    os.chmod(CONFIG, 0o644)
    probe = sh(os.path.join(BIN, "nodeguard"), "config", "check", "--probe", CONFIG, check=False)
    want = f"missing: node dmo: no container `chaty` on {SOCK}; did you mean `chatty`?"
    if probe.returncode == 2 and want in probe.stdout and "not checked: node other: container x: Docker is not answering on" in probe.stdout:
        ok("config_check_probe_names_the_nearest_container")
    else:
        bad("config_check_probe_names_the_nearest_container", f"rc {probe.returncode}\n{probe.stdout}{probe.stderr}")

    def free_bytes():
        st = os.statvfs(active); return st.f_bavail * st.f_frsize
    big = os.stat(active).st_blocks * 512
    before = free_bytes()
    ng = start_nodeguard(head() +
                         f'[docker_logs]\ncontainers_dir = "{D}/root/containers"\nmax_per_container = "4MiB"\nscan_interval = "1s"\n'
                         '[bandwidth]\nenabled = false\n')
    def prunes():
        try: acts = json.load(open(os.path.join(W, "status.json")))["actions"]
        except (OSError, ValueError, KeyError): return 0
        return sum(a.get("count", 1) for a in acts if a["target"] == active)
    if wait_for(lambda: "cut the head of " + active in log(), 15):
        after = free_bytes()
        wait_for(lambda: prunes() >= 5, 30)
        sh("docker", "stop", "-t", "1", "chatty")
        st = os.stat(active)
        out = sh("docker", "logs", "chatty", check=False)
        numbers = [int(l.split()[1]) for l in out.stdout.splitlines() if l.startswith("line ")]
        said = [l for l in log().splitlines() if "cut the head of " + active in l]
        checks = {
            "space freed (df)": after - before > big * 0.6,
            "pruned again and again": prunes() >= 5,
            "one journal entry for them all": len(said) == 1 and "NOTICE" in said[0],
            "its tail kept, nothing sparse": 2 << 20 <= st.st_size < 8 << 20 and st.st_blocks * 512 < 8 << 20,
            "docker logs reads it without error": out.returncode == 0 and out.stderr == "",
            "every line kept, whole and in order": len(numbers) > 5000 and numbers == list(range(numbers[0], numbers[0] + len(numbers))),
            "followers told to reconnect": "`docker logs -f` followers keep their old offset and must reconnect" in said[0] if said else False,
            "the fix said": "set log-opts max-size and max-file in /etc/docker/daemon.json" in said[0] if said else False,
        }
        if all(checks.values()):
            ok("chatty_logger_cut_keeping_its_tail_said_once")
            print(f"  the log was {big >> 20} MiB; df free space grew by {(after - before) >> 20} MiB; "
                  f"{prunes()} prunes, {len(said)} journal entry; {len(numbers)} lines kept in order")
        else:
            bad("chatty_logger_cut_keeping_its_tail_said_once", f"{checks}; log {big} bytes, df {before} -> {after}, size now {st.st_size}, "
                f"{prunes()} prunes, stderr {out.stderr[:300]!r}\n{said}")
    else:
        bad("chatty_logger_cut_keeping_its_tail_said_once", "no cut in 15 s:\n" + log())
    ng.send_signal(signal.SIGTERM); ng.wait(timeout=5)

    # 6. Opt-in: a container whose HEALTHCHECK stays unhealthy is restarted.
    sh("docker", "run", "-d", "--name", "sick", "--network", "none", "--health-cmd", "test -f /tmp/ok",
       "--health-interval", "1s", "--health-retries", "1", "ngtest/busybox", "sh", "-c", 'trap "exit 0" TERM; while :; do sleep 1; done')
    sick0 = sh("docker", "inspect", "-f", "{{.State.StartedAt}}", "sick").stdout.strip()
    ng = start_nodeguard(head("state-sick") +
                         f'[node]\ncontainer = "sick"\ndocker_socket = "{SOCK}"\nstop_timeout = "1s"\nrestart_unhealthy_after = "3s"\n'
                         '[bandwidth]\nenabled = false\n[docker_logs]\nenabled = false\n')
    if wait_for(lambda: "restarting sick" in log(), 30):
        msg = [l for l in log().splitlines() if "restarting sick" in l][0]
        # Said when decided; Docker may still be stopping it (outcome=running).
        restarted = lambda: sh("docker", "inspect", "-f", "{{.State.StartedAt}}", "sick").stdout.strip() != sick0
        if "outcome=running" in msg: wait_for(restarted, 20)
        sick1 = sh("docker", "inspect", "-f", "{{.State.StartedAt}}", "sick").stdout.strip()
        if "check=container_health" in msg and "unhealthy for" in msg and sick1 != sick0:
            ok("unhealthy_container_restarted")
        else:
            bad("unhealthy_container_restarted", f"{msg}; StartedAt {sick0} -> {sick1}")
    else:
        bad("unhealthy_container_restarted", "no restart in 30 s:\n" + log())
    ng.send_signal(signal.SIGTERM); ng.wait(timeout=5)

    # 7. Two container nodes and a dependent: the leaking one is restarted,
    # then its dependent once it is back; the other node is left alone.
    loop = 'trap "exit 0" TERM; while :; do sleep 1; done'
    sh("docker", "run", "-d", "--name", "leak2", "--network", "none", "ngtest/busybox", "/bin/leaker", "8", "250", "400")
    for name in ("calm", "dep"):
        sh("docker", "run", "-d", "--name", name, "--network", "none", "ngtest/busybox", "sh", "-c", loop)
    def started(name):  # RFC 3339 with up to 9 fraction digits, as a time to compare
        t = sh("docker", "inspect", "-f", "{{.State.StartedAt}}", name).stdout.strip().replace("Z", "+00:00")
        return datetime.datetime.fromisoformat(t)
    calm0, dep0 = started("calm"), started("dep")
    ng = start_nodeguard(head("state-nodes") +
                         '[memory]\nfor = "3s"\n[bandwidth]\nenabled = false\n[docker_logs]\nenabled = false\n'
                         f'[node.leak2]\ncontainer = "leak2"\ndocker_socket = "{SOCK}"\nstop_timeout = "1s"\nrestart_above = "64MiB"\n'
                         'warn_above = "48MiB"\nmax_restarts = 1\nthen_restart = ["dep"]\n'
                         f'[node.calm]\ncontainer = "calm"\ndocker_socket = "{SOCK}"\nrestart_above = "1GiB"\nwarn_above = "900MiB"\n')
    if wait_for(lambda: "restarting dep after leak2 (then_restart 1 of 1)" in log(), 40):
        lines = log().splitlines()
        node = [l for l in lines if "restarting leak2:" in l]
        dep = [l for l in lines if "restarting dep after leak2" in l]
        leak1, dep1 = started("leak2"), started("dep")
        if node and "node=leak2" in node[0] and "node=leak2" in dep[0] and "action=restart-dependent" in dep[0] \
                and lines.index(node[0]) < lines.index(dep[0]) and dep1 != dep0 and dep1 >= leak1 and started("calm") == calm0 \
                and not any("restarting calm" in l for l in lines):
            ok("two_container_nodes_and_a_dependent_in_order")
        else:
            bad("two_container_nodes_and_a_dependent_in_order", f"dep {dep0} -> {dep1}, leak2 {leak1}, calm {calm0} -> {started('calm')}\n{log()}")
    else:
        bad("two_container_nodes_and_a_dependent_in_order", "no dependent restart in 40 s:\n" + log())
    ng.send_signal(signal.SIGTERM); ng.wait(timeout=5)

    # 8. An exited node container: said once; started only with start_when_down.
    sh("docker", "stop", "-t", "1", "calm")
    down_config = (head("state-down") +
                   '[bandwidth]\nenabled = false\n[docker_logs]\nenabled = false\n'
                   f'[node.calm]\ncontainer = "calm"\ndocker_socket = "{SOCK}"\nstop_timeout = "1s"\n')
    ng = start_nodeguard(down_config)
    said = lambda: [l for l in log().splitlines() if "node calm is not running" in l]
    wait_for(lambda: said(), 10)
    time.sleep(3)
    running = lambda: sh("docker", "inspect", "-f", "{{.State.Running}}", "calm").stdout.strip() == "true"
    if len(said()) == 1 and "ERROR" in said()[0] and "check=node_running" in said()[0] and not running():
        ok("exited_node_container_said_once")
    else:
        bad("exited_node_container_said_once", f"running: {running()}\n{log()}")
    ng.send_signal(signal.SIGTERM); ng.wait(timeout=5)
    ng = start_nodeguard(down_config + "start_when_down = true\n")
    if wait_for(running, 20) and wait_for(lambda: "node calm (calm) runs again" in log(), 10) \
            and any("restarting calm:" in l and "check=node_running" in l for l in log().splitlines()):
        ok("exited_node_container_started_when_down")
    else:
        bad("exited_node_container_started_when_down", f"running: {running()}\n{log()}")
finally:
    if ng and ng.poll() is None:
        ng.send_signal(signal.SIGTERM); ng.wait(timeout=5)
    if dockerd and dockerd.poll() is None:
        subprocess.run(["docker", "rm", "-f", "leaky", "plain", "chatty", "sick", "leak2", "calm", "dep"], env=ENV, capture_output=True)
        stop_dockerd(dockerd)
    for p in procs:
        if p.poll() is None: p.kill(); p.wait()
    # What dockerd leaves behind outside its data root.
    subprocess.run(["sh", "-c", "umount -R " + D + "/exec 2>/dev/null; "
                    "for d in /sys/fs/cgroup/*/docker; do [ -d \"$d\" ] && find \"$d\" -depth -type d -exec rmdir {} \\; 2>/dev/null; done; "
                    "rm -rf /run/docker /run/containerd /etc/docker/key.json"], capture_output=True)
    if results.failed == 0: shutil.rmtree(W, ignore_errors=True)
    else: print("work dir kept:", W)

results.finish("docker engine")

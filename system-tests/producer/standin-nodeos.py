#!/usr/bin/env python3
"""A stand-in nodeos for the producer tests: one member of a simulated
Antelope chain, answering the producer API and the chain calls nodeguard
makes in the plugins' documented shapes (the same replies as
Tests/Fixtures/producer-replies).

The chain is the wall clock: a slot every 500 ms from 2000-01-01 (as
nodeos's block_timestamp), each scheduled producer signing 12 slots in a
row. Members of one group share a ledger file: a member signs a slot of
ACCOUNT's turn, when it is not paused, by appending "SLOT NAME" to it, so a
test counts our slots, the missed ones and the double-signed ones (two
members in one slot) from the ledger alone.

What a real member does, and the tests need:
  --pause-on-startup   start paused (nodeos's -x); without it, a restarted
                       member produces at once
  pause held in memory only: a new process forgets it
  a block in flight: a pause during our turn still signs the slot it came in
  --ignore-pause       answers ok and reads paused, and goes on signing
  --lag SECONDS        a member behind the chain (its head that much old)
  SIGSTOP              frozen: no answer, no block (the process is stopped)
  --pidfile FILE       where its pid is written, as nodeguard finds a node
  --sync-seconds S     signs nothing for S seconds after it starts (default
                       2): nodeos produces only once a recent block came in
                       from a peer (enable-stale-production off), and a node
                       that just started first fetches the blocks it missed
  --slow-stop S        on SIGINT or SIGTERM, S seconds of writing its state
                       (answering, signing nothing) before it exits
  --data-dir DIR       its state is dirty while it runs (DIR/dirty) and clean
                       once it stopped on SIGINT or SIGTERM; started on a
                       dirty state (it was killed), it says "database dirty
                       flag set" and exits with status 2, as nodeos does,
                       unless --replay-blockchain

The head a member shows is the chain as the ledger has it: the latest slot
that another producer signs (they always do) or that a member signed; a
turn of ours nobody signed is missing from the chain. Its head_block_id
names the slot and the signer this member saw: its own block where it
signed the slot, else the first member's that did, so two members signing
one slot show two blocks at one height (a fork).

Block numbers run on as a chain's do: one per block, a slot of ours nobody
signed taking none. They count from the chain's first slot, kept beside the
ledger (LEDGER.genesis, written by the first member to start); so
get_block_info {"block_num": N} answers the block's slot (its timestamp)
and producer, or "Unknown Block" past the head, as nodeos does.

usage: standin-nodeos.py --name N --port P --ledger FILE --account A
                         --schedule a,b,c [--pause-on-startup] [--ignore-pause] [--lag S] [--pidfile F]
                         [--data-dir DIR [--replay-blockchain]] [--slow-stop S]
"""
import argparse, bisect, json, os, signal, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EPOCH_MS = 946_684_800_000
SLOT_MS = 500
REPETITIONS = 12


def slot_at(unix_s):
    return (int(unix_s * 1000) - EPOCH_MS) // SLOT_MS


def producer_of(slot, schedule):
    return schedule[(slot % (len(schedule) * REPETITIONS)) // REPETITIONS]


def block_time(slot):
    ms = EPOCH_MS + slot * SLOT_MS
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + ".%03d" % (ms % 1000)


def genesis(ledger):
    """The chain's first slot, shared by the members of one ledger: the
    first member to start writes it (a few minutes back, so a test reads
    blocks from before its members started)."""
    path = ledger + ".genesis"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, b"%d\n" % (slot_at(time.time()) - 600)); os.close(fd)
    except FileExistsError:
        pass
    for _ in range(50):
        try:
            with open(path) as f: return int(f.read())
        except ValueError: time.sleep(0.01)   # the first member is writing it
    raise SystemExit("no genesis slot in " + path)


class Member:
    def __init__(self, a):
        self.a = a
        self.schedule = a.schedule.split(",")
        self.paused = a.pause_on_startup
        self.signed = set()
        self.in_flight = None     # a slot still signed after a pause
        self.lock = threading.Lock()
        self.ledger_seen = (0, {})  # the ledger's size when read, and slot -> first signer
        self.synced_at = time.time() + a.sync_seconds
        self.genesis = genesis(a.ledger)
        self.missed = []          # our slots nobody signed, from genesis up to counted_to
        self.counted_to = self.genesis

    def signers(self):
        """slot -> the first member that signed it, read again when the ledger grew."""
        try: size = os.path.getsize(self.a.ledger)
        except OSError: return {}
        if size != self.ledger_seen[0]:
            first = {}
            with open(self.a.ledger) as f:
                for line in f:
                    slot, who = line.split(); first.setdefault(int(slot), who)
            self.ledger_seen = (size, first)
        return self.ledger_seen[1]

    def ours(self, slot):
        return producer_of(slot, self.schedule) == self.a.account

    def sign(self, slot):
        if slot in self.signed:
            return
        self.signed.add(slot)
        with open(self.a.ledger, "a") as f:
            f.write("%d %s\n" % (slot, self.a.name))

    def tick(self):
        slot = slot_at(time.time())
        with self.lock:
            if self.in_flight is not None and self.in_flight <= slot:
                self.sign(self.in_flight)
                self.in_flight = None
            producing = (not self.paused or self.a.ignore_pause) and time.time() >= self.synced_at
            if producing and self.ours(slot):
                self.sign(slot)

    def pause(self):
        with self.lock:
            slot = slot_at(time.time())
            if not self.paused and self.ours(slot) and time.time() >= self.synced_at:
                self.in_flight = slot   # the block being built is still signed
            self.paused = True

    def is_block(self, slot, signers):
        return not self.ours(slot) or slot in signers   # a slot of ours nobody signed is no block

    def number(self, slot, signers):
        """The block number a slot's block has (or the next block's, for a slot with none)."""
        final = slot_at(time.time()) - 2   # a slot this old is signed or missed for good
        while self.counted_to < min(slot, final):
            if not self.is_block(self.counted_to, signers): self.missed.append(self.counted_to)
            self.counted_to += 1
        recent = sum(1 for x in range(self.counted_to, slot) if not self.is_block(x, signers))
        return slot - self.genesis + 1 - bisect.bisect_left(self.missed, slot) - recent

    def block_at(self, number):
        """The slot of block `number`, or None: the last slot whose number is it."""
        signers, top = self.signers(), self.head_slot()
        lo, hi = self.genesis, top
        if number < 1 or self.number(top, signers) < number: return None
        while lo < hi:   # the last slot numbered <= number
            mid = (lo + hi + 1) // 2
            if self.number(mid, signers) <= number: lo = mid
            else: hi = mid - 1
        return lo

    def head_slot(self):
        slot, signers = slot_at(time.time() - self.a.lag), self.signers()
        while not self.is_block(slot, signers):
            slot -= 1
        return slot

    def block(self, slot):
        signers = self.signers()
        signer = self.a.name if slot in self.signed else signers.get(slot, "other")
        return {"block_num": self.number(slot, signers), "id": "%016x%s" % (slot, signer.encode().hex()[:48].ljust(48, "0")),
                "timestamp": block_time(slot), "producer": producer_of(slot, self.schedule)}

    def head(self):
        slot = self.head_slot()
        b = self.block(slot)
        return {"server_version": "d8e3f9c1", "chain_id": "aca376f206b8fc25a6ed44dbdc66547c36c6c33e3a119ffbeaef943642f0e906",
                "head_block_num": b["block_num"], "last_irreversible_block_num": max(1, b["block_num"] - 325),
                "head_block_id": b["id"], "head_block_time": b["timestamp"], "head_block_producer": producer_of(slot, self.schedule),
                "server_version_string": "v5.0.2-standin"}


def handler(member):
    class H(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body):
            data = json.dumps(body, separators=(",", ":")).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except BrokenPipeError:
                pass   # the caller gave up (a frozen member answering late)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).strip()
            producer = self.path.startswith("/v1/producer/")
            if producer and body not in (b"", b"{}"):
                return self.reply(400, {"code": 400, "message": "Invalid Request", "error": {"code": 3200006, "name": "invalid_http_request",
                                        "what": "invalid http request", "details": [{"message": "no parameter should be given"}]}})
            if self.path == "/v1/producer/pause":
                member.pause(); return self.reply(201, {"result": "ok"})
            if self.path == "/v1/producer/resume":
                with member.lock:
                    member.paused = False
                return self.reply(201, {"result": "ok"})
            if self.path == "/v1/producer/paused":
                return self.reply(201, member.paused)
            if self.path == "/v1/chain/get_info":
                with member.lock:
                    head = member.head()
                return self.reply(200, head)
            if self.path == "/v1/chain/get_block_info":
                try: number = int(json.loads(body or b"{}")["block_num"])
                except (ValueError, KeyError, TypeError):
                    return self.reply(400, {"code": 400, "message": "Invalid Request", "error": {"code": 3200006, "name": "invalid_http_request",
                                            "what": "invalid http request", "details": [{"message": "block_num is required"}]}})
                with member.lock:
                    slot = member.block_at(number)
                    b = member.block(slot) if slot is not None else None
                if b is None:
                    return self.reply(400, {"code": 400, "message": "Unknown Block", "error": {"code": 3100002, "name": "unknown_block_exception",
                                            "what": "Unknown block", "details": [{"message": "Could not find block: %d" % number}]}})
                return self.reply(200, dict(b, ref_block_num=number & 0xffff, confirmed=0, schedule_version=1))
            if self.path == "/v1/chain/get_producer_schedule":
                return self.reply(200, {"active": {"version": 1, "producers": [{"producer_name": p, "authority": [0, {"threshold": 1, "keys": []}]}
                                                                             for p in member.schedule]}, "pending": None, "proposed": None})
            self.reply(404, {"code": 404, "message": "Not Found", "error": {"code": 0, "name": "", "what": "Unknown Endpoint", "details": []}})
    return H


def main():
    p = argparse.ArgumentParser()
    for k in ("--name", "--ledger", "--account", "--schedule"):
        p.add_argument(k, required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--lag", type=float, default=0)
    p.add_argument("--sync-seconds", type=float, default=2)
    p.add_argument("--pause-on-startup", action="store_true")
    p.add_argument("--ignore-pause", action="store_true")
    p.add_argument("--pidfile")
    p.add_argument("--data-dir")
    p.add_argument("--replay-blockchain", action="store_true")
    p.add_argument("--slow-stop", type=float, default=0)
    a = p.parse_args()
    dirty = os.path.join(a.data_dir, "dirty") if a.data_dir else None
    if dirty:
        os.makedirs(a.data_dir, exist_ok=True)
        if os.path.exists(dirty) and not a.replay_blockchain:
            print("error %s nodeos    main.cpp:222  main ] database dirty flag set (likely due to unclean shutdown): replay required"
                  % time.strftime("%Y-%m-%dT%H:%M:%S.000", time.gmtime()), file=sys.stderr, flush=True)
            sys.exit(2)
        open(dirty, "w").close()
    member = Member(a)
    if member.a.pidfile:
        with open(member.a.pidfile, "w") as f: f.write("%d\n" % os.getpid())
    def clean_exit(*_):   # nodeos stops cleanly on both, its state written
        time.sleep(a.slow_stop)   # the main thread: no block is signed meanwhile
        if dirty and os.path.exists(dirty): os.unlink(dirty)
        os._exit(0)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, clean_exit)
    # nodeos listens with the system's backlog (asio's max_listen_connections);
    # Python's default of 5 drops a burst of calls and costs a 1 s SYN retry.
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", member.a.port), handler(member))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    while True:
        member.tick()
        time.sleep(0.05)


if __name__ == "__main__":
    main()

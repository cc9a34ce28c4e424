#!/usr/bin/env python3
"""The stand-in nodeos checked against what the producer tests rely on: it
signs our turn's slots when unpaused and none when paused, one block in
flight after a pause, both members unpaused double-sign every slot of the
turn, a member that ignores pause goes on signing, SIGSTOP freezes it, and
a lagging member's head is old, a head is the chain as the ledger has it
(a slot of ours nobody signed is no block, and takes no block number), and its replies have the shapes of
Tests/Fixtures/producer-replies.

usage: standin-test.py   (no nodeguard needed; ~1 minute)
"""
import json, os, signal, socket, subprocess, sys, tempfile, time, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from harness import Results

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, "..", ".."))
STANDIN = os.path.join(HERE, "standin-nodeos.py")
SCHEDULE = ["otherbp", "ourbp"]          # a round of 24 slots, 12 s; ours is the second half
EPOCH_MS, SLOT_MS = 946_684_800_000, 500
r = Results()
W = tempfile.mkdtemp(prefix="nodeguard-standin-")
LEDGER = os.path.join(W, "ledger")
procs = {}


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def start(name, *flags):
    port = free_port()
    p = subprocess.Popen([sys.executable, STANDIN, "--name", name, "--port", str(port), "--ledger", LEDGER,
                          "--account", "ourbp", "--schedule", ",".join(SCHEDULE), *flags])
    procs[name] = (p, port)
    for _ in range(50):
        try: call(name, "/v1/producer/paused"); return
        except OSError: time.sleep(0.1)
    raise SystemExit("the stand-in %s did not answer" % name)


def call(name, path, body=b"{}", timeout=2):
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (procs[name][1], path), data=body, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp: return resp.status, resp.read()
    except urllib.error.HTTPError as e: return e.code, e.read()


def fixture_body(name):
    return open(os.path.join(TOP, "Tests", "Fixtures", "producer-replies", name + ".http"), "rb").read().split(b"\r\n\r\n", 1)[1]


def now_slot(): return (int(time.time() * 1000) - EPOCH_MS) // SLOT_MS


def next_turn():
    """The slots of our next turn that starts 3 s from now or later: a member
    started just before syncs 2 s before it signs (--sync-seconds)."""
    s = now_slot() + 6
    rnd = 12 * len(SCHEDULE)
    first = s - s % rnd + 12 * SCHEDULE.index("ourbp")
    if first < s: first += rnd
    return range(first, first + 12)


def wait_until_after(turn):
    time.sleep(max(0, (EPOCH_MS + (turn[-1] + 2) * SLOT_MS) / 1000 - time.time()))


def chain_heads(lag_slots=0):
    """The heads the chain can show now, `lag_slots` behind: the latest slot
    that another producer signs or a member signed (a slot of ours nobody
    signed is no block), for the slot before and after the call (it takes time)."""
    by = signed(range(0, 1 << 62))
    def head(s):
        while SCHEDULE[(s % (12 * len(SCHEDULE))) // 12] == "ourbp" and s not in by: s -= 1
        return s
    now = now_slot() - lag_slots
    return {head(now - 1), head(now), head(now + 1)}


def slot_of(block_time):
    """A block's slot from its timestamp ("2026-11-23T02:20:00.500")."""
    import calendar
    whole, ms = block_time.split(".")
    return (calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) * 1000 + int(ms) - EPOCH_MS) // SLOT_MS


def block(name, number):
    st, body = call(name, "/v1/chain/get_block_info", body=json.dumps({"block_num": number}).encode())
    return st, json.loads(body)


def signed(turn):
    by = {}
    for line in open(LEDGER) if os.path.exists(LEDGER) else []:
        slot, who = line.split()
        if int(slot) in turn: by.setdefault(int(slot), []).append(who)
    return by


try:
    start("a"); start("b", "--pause-on-startup")
    # Replies as the fixtures have them.
    st, body = call("a", "/v1/producer/paused")
    st_b, body_b = call("b", "/v1/producer/paused")
    if (st, body, st_b, body_b) == (201, fixture_body("paused-false"), 201, fixture_body("paused-true")): r.ok("paused_replies")
    else: r.bad("paused_replies", repr((st, body, st_b, body_b)))
    st, body = call("b", "/v1/producer/pause", body=b'{"x":1}')
    if st == 400 and json.loads(body)["error"]["what"] == "invalid http request": r.ok("a_body_is_refused")
    else: r.bad("a_body_is_refused", repr((st, body)))
    info = json.loads(call("a", "/v1/chain/get_info")[1])
    heads = chain_heads()
    sched = json.loads(call("a", "/v1/chain/get_producer_schedule")[1])
    st, head_block = block("a", info["head_block_num"])
    if slot_of(info["head_block_time"]) in heads and [p["producer_name"] for p in sched["active"]["producers"]] == SCHEDULE \
            and st == 200 and (head_block["timestamp"], head_block["producer"]) == (info["head_block_time"], info["head_block_producer"]):
        r.ok("chain_replies")
    else: r.bad("chain_replies", repr((info, sched, st, head_block)))

    turn = next_turn(); wait_until_after(turn); by = signed(turn)
    if sorted(by) == list(turn) and all(v == ["a"] for v in by.values()): r.ok("the_unpaused_member_signs_the_whole_turn")
    else: r.bad("the_unpaused_member_signs_the_whole_turn", repr(by))

    # A handover between turns: a paused, b resumed.
    st1, body1 = call("a", "/v1/producer/pause"); st2, _ = call("b", "/v1/producer/resume")
    turn = next_turn(); wait_until_after(turn); by = signed(turn)
    if body1 == fixture_body("pause-ok") and st1 == st2 == 201 and sorted(by) == list(turn) and all(v == ["b"] for v in by.values()):
        r.ok("a_handover_between_turns_misses_nothing")
    else: r.bad("a_handover_between_turns_misses_nothing", repr(by))

    # Paused during our turn: one block in flight, then nothing.
    turn = next_turn()
    time.sleep(max(0, (EPOCH_MS + (turn[0] + 4) * SLOT_MS) / 1000 - time.time()))
    call("b", "/v1/producer/pause")
    wait_until_after(turn); by = signed(turn)
    last = max(by) if by else None
    if by and all(v == ["b"] for v in by.values()) and 4 <= len(by) <= 7 and sorted(by) == list(range(turn[0], last + 1)):
        r.ok("a_pause_stops_within_one_block")
    else: r.bad("a_pause_stops_within_one_block", repr(by))

    # Block numbers run on, a missed slot of ours taking none: the blocks
    # below the head hold that turn's signed slots and no other of ours.
    info = json.loads(call("a", "/v1/chain/get_info")[1])
    top = info["head_block_num"]
    blocks = [block("a", n)[1] for n in range(top - (slot_of(info["head_block_time"]) - turn[0]) - 1, top + 1)]
    slots = [slot_of(b["timestamp"]) for b in blocks]
    in_turn = sorted(s for s, b in zip(slots, blocks) if s in turn and b["producer"] == "ourbp")
    st, past = block("a", top + 1)
    if in_turn == sorted(by) and slots == sorted(set(slots)) and slots[0] < turn[0] and [b["block_num"] for b in blocks] == list(range(top - len(blocks) + 1, top + 1)) \
            and (st, past["error"]["name"]) == (400, "unknown_block_exception"):
        r.ok("block_numbers_skip_the_slots_nobody_signed")
    else: r.bad("block_numbers_skip_the_slots_nobody_signed", repr((in_turn, sorted(by), slots, st, past)))

    # Both unpaused: every slot of the turn signed twice.
    call("a", "/v1/producer/resume"); call("b", "/v1/producer/resume")
    turn = next_turn(); wait_until_after(turn); by = signed(turn)
    if len(by) == 12 and all(sorted(v) == ["a", "b"] for v in by.values()): r.ok("two_unpaused_double_sign")
    else: r.bad("two_unpaused_double_sign", repr(by))

    # Frozen: no answer, no block; b paused.
    call("b", "/v1/producer/pause")
    os.kill(procs["a"][0].pid, signal.SIGSTOP)
    try: call("a", "/v1/producer/paused", timeout=1); frozen_answered = True
    except OSError: frozen_answered = False
    turn = next_turn(); wait_until_after(turn); by = signed(turn)
    os.kill(procs["a"][0].pid, signal.SIGCONT)
    if not frozen_answered and not by: r.ok("sigstop_freezes_it")
    else: r.bad("sigstop_freezes_it", repr((frozen_answered, by)))

    # One behind the chain: its head is as old as its lag.
    start("slow", "--lag", "30", "--pause-on-startup")
    lagging = json.loads(call("slow", "/v1/chain/get_info")[1])
    if slot_of(lagging["head_block_time"]) in chain_heads(lag_slots=60): r.ok("a_lagging_member_has_an_old_head")
    else: r.bad("a_lagging_member_has_an_old_head", repr(lagging))

    # One that ignores pause: reads paused, goes on signing.
    procs["a"][0].terminate(); procs["a"][0].wait()
    start("c", "--ignore-pause")
    st, body = call("c", "/v1/producer/pause"); _, paused = call("c", "/v1/producer/paused")
    turn = next_turn(); wait_until_after(turn); by = signed(turn)
    if paused == b"true" and len(by) == 12 and all(v == ["c"] for v in by.values()): r.ok("a_member_that_ignores_pause_signs")
    else: r.bad("a_member_that_ignores_pause_signs", repr((paused, by)))
finally:
    for p, _ in procs.values():
        if p.poll() is None:
            os.kill(p.pid, signal.SIGCONT); p.terminate(); p.wait()
    for f in os.listdir(W): os.unlink(os.path.join(W, f))
    os.rmdir(W)
r.finish("stand-in nodeos")

"""The stand-in chain as the producer tests count it (standin-nodeos.py): a
schedule of two producers, ours the second half of each 24-slot round of
half-second slots, and one ledger file of the slots the stand-in members
signed ("SLOT MEMBER" a line), from which double-signed and missed slots of
ours are counted."""
import os, socket, time

SCHEDULE = ["otherbp", "ourbp"]                     # a round of 24 slots (12 s); ours its second half
EPOCH_MS, SLOT_MS, ROUND = 946_684_800_000, 500, 24


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def connectable(port):
    try: socket.create_connection(("127.0.0.1", port), timeout=0.5).close(); return True
    except OSError: return False


def now_slot(): return (int(time.time() * 1000) - EPOCH_MS) // SLOT_MS


def our_slots(first, last):
    """Our scheduled slots in [first, last]."""
    return [s for s in range(first, last + 1) if SCHEDULE[(s % ROUND) // 12] == "ourbp"]


class Ledger:
    def __init__(self, path): self.path = path

    def slots(self):
        """Each signed slot and the members that signed it."""
        by = {}
        for line in open(self.path) if os.path.exists(self.path) else []:
            slot, who = line.split(); by.setdefault(int(slot), []).append(who)
        return by

    def counts(self, first, last):
        """(double-signed, missed, signers) among our slots in [first, last]."""
        by, ours = self.slots(), our_slots(first, last)
        return (sum(1 for s in ours if len(by.get(s, [])) > 1), sum(1 for s in ours if s not in by),
                sorted(set(w for s in ours for w in by.get(s, []))))

    def clear(self):
        for f in (self.path, self.path + ".genesis"):
            if os.path.exists(f): os.unlink(f)

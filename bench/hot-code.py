#!/usr/bin/env python3
"""The functions of BINARY that a callgrind profile (--dump-instr=yes) ran,
as symbol names for lld's --symbol-ordering-file, in the order the profile
first names them.

usage: hot-code.py PROFILE BINARY > bench/hot-code.order
"""
import bisect
import os
import re
import subprocess
import sys


def symbols(binary):
    """(start, size, name) of each function, sorted by start."""
    out = subprocess.run(["nm", "--defined-only", "-S", binary], capture_output=True, text=True, check=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "tTWw":
            syms.append((int(f[0], 16), int(f[1], 16), f[3]))
    return sorted(syms)


def addresses(profile, object_name):
    """Every instruction address the profile gives for the object (callgrind's
    compressed positions: absolute, +n/-n relative to the last, * the same)."""
    objects, current, last = {}, None, 0
    position = re.compile(r"^(0x[0-9a-f]+|[+-]\d+|\*)\s")
    for line in open(profile):
        m = re.match(r"^(c?)ob=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if m:
            if m.group(3):
                objects[m.group(2)] = m.group(3)
            if not m.group(1):
                current = objects.get(m.group(2))
            continue
        m = position.match(line)
        if not m:
            continue
        tok = m.group(1)
        last = int(tok, 16) if tok.startswith("0x") else last if tok == "*" else last + int(tok)
        if current and os.path.basename(current) == object_name:
            yield last


def main(profile, binary):
    syms = symbols(binary)
    starts = [s[0] for s in syms]
    seen, names = set(), []
    for a in addresses(profile, os.path.basename(binary)):
        i = bisect.bisect_right(starts, a) - 1
        if i >= 0 and a < syms[i][0] + max(syms[i][1], 1) and syms[i][2] not in seen:
            seen.add(syms[i][2])
            names.append(syms[i][2])
    if not names:
        sys.exit("hot-code: no function of %s in %s" % (binary, profile))
    print("\n".join(names))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

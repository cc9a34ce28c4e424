#!/usr/bin/env python3
"""Differential fuzz of nodeguard's TOML reader against Python's tomllib.

Mutates the shipped config (byte flips, TOML metacharacters, truncation,
duplication, deep nesting, long lines, invalid UTF-8) and feeds every mutant
to toml-decoder --batch. A mutant fails the run when the reader
  - crashes (the mutant is kept under system-tests/toml/regressions/ as a case),
  - takes a second or more (a hang),
  - accepts what TOML 1.0 calls invalid, refuses what it calls valid, or
    reads other values than tomllib does.
tomllib is the oracle; before the run it is checked against the toml-test
1.0.0 suite, so the oracle's rules are the suite's. nodeguard's own limits
(1 MiB, 64 levels, 10,000 values and tables) are expected refusals.

usage: fuzz.py BUILD_DIR [MUTANTS] [SEED]
"""
import datetime, hashlib, math, os, random, select, subprocess, sys, time, tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
SUITE = os.environ.get("TOML_TEST_DIR", os.path.join(TOP, "..", "shared", "data", "toml-test", "tests"))
MAX_BYTES, MAX_DEPTH, MAX_VALUES, DEADLINE = 1 << 20, 64, 10000, 1.0


def oracle(data):
    """('valid', tagged) or ('invalid', why) by TOML 1.0's rules; ('deep', None)
    past nodeguard's 64 levels (valid or not: a refusal is right either way)."""
    if data.startswith(b"\xef\xbb\xbf"):  # allowed by TOML; tomllib wants it gone
        data = data[3:]
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return "invalid", "utf-8"
    except RecursionError:
        return "deep", None
    except tomllib.TOMLDecodeError as e:
        return "invalid", str(e)
    except ValueError as e:  # a date tomllib's datetime cannot hold
        return "invalid", str(e)
    try:
        if max(map(depth, doc.values()), default=0) > MAX_DEPTH: return "deep", None
        return ("valid", tag(doc)) if values(doc) <= MAX_VALUES else ("big", None)
    except OverflowError:
        return "invalid", "integer out of 64-bit range"
    except RecursionError:
        return "deep", None


def tag(v):
    if isinstance(v, dict):
        return {k: tag(x) for k, x in v.items()}
    if isinstance(v, list):
        return [tag(x) for x in v]
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int):
        if not -(1 << 63) <= v < (1 << 63):
            raise OverflowError
        return ("integer", v)
    if isinstance(v, float):
        return ("float", "nan" if math.isnan(v) else v)
    if isinstance(v, str):
        return ("string", v)
    if isinstance(v, datetime.datetime):
        off = v.utcoffset()
        kind = "datetime" if off is not None else "datetime-local"
        fields = (v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond)
        return (kind, fields + ((int(off.total_seconds()) // 60,) if off is not None else ()))
    if isinstance(v, datetime.date):
        return ("date-local", (v.year, v.month, v.day))
    if isinstance(v, datetime.time):
        return ("time-local", (v.hour, v.minute, v.second, v.microsecond))
    raise TypeError(type(v))


def untag(v):
    """The decoder's tagged JSON in the same form as tag()."""
    if isinstance(v, list):
        return [untag(x) for x in v]
    if set(v) == {"type", "value"} and isinstance(v["type"], str) and isinstance(v["value"], str):
        t, s = v["type"], v["value"]
        if t == "bool": return ("bool", s == "true")
        if t == "integer": return ("integer", int(s))
        if t == "float": return ("float", "nan" if s == "nan" else float(s))
        if t == "string": return ("string", s)
        return (t, rfc3339_fields(t, s))
    return {k: untag(x) for k, x in v.items()}


def rfc3339_fields(kind, s):
    date, time_, off = s[:10] if kind != "time-local" else None, None, None
    rest = s[11:] if date else s
    if kind == "datetime":
        if rest.endswith("Z"):
            off, rest = 0, rest[:-1]
        else:
            sign = -1 if rest[-6] == "-" else 1
            off, rest = sign * (int(rest[-5:-3]) * 60 + int(rest[-2:])), rest[:-6]
    out = tuple(int(x) for x in date.split("-")) if date else ()
    if kind != "date-local":
        hms, _, frac = rest.partition(".")
        out += tuple(int(x) for x in hms.split(":")) + (int((frac + "000000")[:6]),)  # tomllib keeps microseconds
    return out + ((off,) if off is not None else ())


def values(v):
    """At least as many as the reader counts: every value, element and table
    (a header it counts may also be a table tomllib made implicitly)."""
    if isinstance(v, dict):
        return len(v) + sum(values(x) for x in v.values() if isinstance(x, (dict, list)))
    if isinstance(v, list):
        return len(v) + sum(values(x) for x in v if isinstance(x, (dict, list)))
    return 0


def depth(v):
    if isinstance(v, dict):
        return 1 + max((depth(x) for x in v.values()), default=0)
    if isinstance(v, list):
        return 1 + max((depth(x) for x in v), default=0)
    return 0


def check_oracle():
    """tomllib must agree with the suite (the BOM cases aside, handled above)."""
    wrong = []
    for line in open(os.path.join(SUITE, "files-toml-1.0.0")):
        path = line.strip()
        if not path.endswith(".toml"):
            continue
        verdict, _ = oracle(open(os.path.join(SUITE, path), "rb").read())
        if (verdict == "valid") != path.startswith("valid/"):
            wrong.append(path)
    if wrong:
        sys.exit(f"fuzz: tomllib disagrees with toml-test on {wrong}; it cannot be the oracle")


TOKENS = [b"[", b"]", b"[[", b"]]", b"{", b"}", b"{}", b'"', b"'", b'"""', b"'''", b"=", b".", b",", b"#",
          b"\\", b"\\u", b"\\U0010FFFF", b"\\x41", b"\n", b"\r", b"\r\n", b"\t", b" ", b"0x", b"0o", b"0b", b"_",
          b"+", b"-", b"--", b"e", b"E", b":", b"T", b"Z", b"inf", b"nan", b"true", b"false", b"1979-05-27",
          b"07:32:00", b"1979-05-27 07:32:00.999999999+01:00", b"a.b", b'"a.b"', b"''", b'""', b"\x00", b"\x7f",
          b"\x1b[31m", b"9223372036854775808", b"-9223372036854775808", b"1e400", b"[node]\n", b"[[notify]]\n",
          b"x = 1\n", b"a = {b = 1}\n", b"\xef\xbb\xbf"]
BAD_UTF8 = [b"\x80", b"\xbf", b"\xc0\xaf", b"\xc3", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf4\x90\x80\x80",
            b"\xf8\x88\x80\x80\x80", b"\xfe", b"\xff"]


def nesting(rng):
    n = rng.choice([2, 10, 63, 64, 65, 66, 100, 1000, 100000])
    kind = rng.randrange(5)
    if kind in (2, 4):  # tomllib's memory grows with the square of a key's length
        n = min(n, 1000)
    if kind == 0: return b"deep = " + b"[" * n + b"]" * n + b"\n"
    if kind == 1: return b"deep = " + b"{a=" * n + b"1" + b"}" * n + b"\n"
    if kind == 2: return b"[" + b".".join([b"t"] * n) + b"]\n"
    if kind == 3: return b"deep = " + b"[" * n  # never closed
    return b".".join([b"k"] * n) + b" = 1\n"


def long_line(rng):
    n = rng.choice([1000, 20000, 60000])
    kind = rng.randrange(4)
    if kind == 0: return b"paths = [" + b", ".join(b'"/var/lib/docker/v%d"' % i for i in range(n // 10)) + b"]\n"
    if kind == 1: return b"s = \"" + b"x" * n * 4 + b"\"\n"
    if kind == 2: return b"# " + b"comment " * n + b"\n"
    return b"n = [" + b",".join(b"%d" % i for i in range(n)) + b"]\n"


VALUES = [b"1_", b"1e_5", b"0x+3", b"--3", b"+0x1", b"1__2", b"007", b"0.", b".5", b"1e400", b"-0.0", b"+nan",
          b"1979-02-29", b"2000-02-29", b"24:00:00", b"23:59:60", b"1979-05-27T07:32:00.123456789+01:00",
          b"1979-05-27t07:32:00z", b"{a=1}", b"{a.b=1, a.c=2}", b"{a=1,}", b"[1,]", b"[,]", b"[1 2]", b'"\\u00e9"',
          b'"\\uD800"', b'"\\U00110000"', b"'''x'''", b'"""\\n x \\\n   y"""', b'"""a""""', b'"""a""""""', b"True",
          b"0o8", b"0b2", b"0xG", b"0x_1", b"1_000", b"9_223_372_036_854_775_807", b"1e+_1", b"3.14_15"]


def number(rng):
    """A random string over a number's alphabet: valid and invalid forms alike."""
    parts = [rng.choice([b"", b"+", b"-"]), rng.choice([b"", b"0", b"0x", b"0o", b"0b", b"1", b"00"])]
    for _ in range(rng.randint(0, 6)):
        parts.append(rng.choice([b"0", b"1", b"7", b"9", b"_", b".", b"e", b"E", b"+", b"-", b"a", b"f"]))
    return b"".join(parts)


def edit_value(rng, data):
    """The value of a `key = value` line replaced, or edited at its edges."""
    lines = data.split(b"\n")
    keyed = [i for i, l in enumerate(lines) if b" = " in l and not l.startswith(b"#")]
    if not keyed:
        return data
    i = rng.choice(keyed)
    key, _, value = lines[i].partition(b" = ")
    choice = rng.randrange(4)
    if choice == 0: value = rng.choice(VALUES)
    elif choice == 1: value = number(rng)
    elif choice == 2: value = value + rng.choice(TOKENS)
    else: value = rng.choice(TOKENS) + value
    lines[i] = key + b" = " + value
    return bytearray(b"\n".join(lines))


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(12)
        if op >= 10:  # aimed at values, where TOML's grammar is densest
            data = edit_value(rng, data)
            continue
        at = rng.randint(0, len(data))
        if op == 0 and data:  # bit flip
            i = rng.randrange(len(data)); data[i] ^= 1 << rng.randrange(8)
        elif op in (1, 2):  # a TOML metacharacter or token
            data[at:at] = rng.choice(TOKENS)
        elif op == 3:  # truncation
            del data[at:]
        elif op == 4 and data:  # duplication of a span or a line
            lines = data.split(b"\n"); i = rng.randrange(len(lines))
            lines.insert(rng.randrange(len(lines) + 1), lines[i]); data = bytearray(b"\n".join(lines))
        elif op == 5:  # deep nesting
            data[at:at] = nesting(rng)
        elif op == 6 and rng.random() < 0.3:  # long lines (kept rarer: tomllib is slow on them)
            data[at:at] = long_line(rng)
        elif op == 7:  # invalid UTF-8
            data[at:at] = rng.choice(BAD_UTF8)
        elif op == 8 and data:  # deletion
            del data[at:at + rng.randint(1, 8)]
        elif op == 9 and data:  # uncommenting or commenting a line
            lines = data.split(b"\n"); i = rng.randrange(len(lines))
            lines[i] = lines[i][2:] if lines[i].startswith(b"# ") else b"# " + lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


class Decoder:
    def __init__(self, path):
        self.path = path
        self.start()

    def start(self):
        self.p = subprocess.Popen([self.path, "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.buf = b""

    def decode(self, data):
        """('ok', json) / ('error', line) / ('crash', code) / ('hang', None), and seconds taken."""
        t0 = time.monotonic()
        try:
            self.p.stdin.write(b"%d\n" % len(data) + data); self.p.stdin.flush()
        except BrokenPipeError:
            return self.died(t0)
        while b"\n" not in self.buf:
            left = DEADLINE - (time.monotonic() - t0)
            if left <= 0 or not select.select([self.p.stdout], [], [], left)[0]:
                self.p.kill(); self.p.wait(); self.start()
                return ("hang", None), time.monotonic() - t0
            chunk = os.read(self.p.stdout.fileno(), 1 << 20)
            if not chunk:
                return self.died(t0)
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        took = time.monotonic() - t0
        kind, _, rest = line.decode().partition(" ")
        return (kind, rest), took

    def died(self, t0):
        code = self.p.wait(); self.start()
        return ("crash", code), time.monotonic() - t0


def judge(data, result):
    """None when the reader did right by this mutant, else why not."""
    kind, detail = result
    if kind in ("crash", "hang"):
        return f"{kind} ({detail})" if detail is not None else kind
    refused = kind == "error"
    if refused and not (detail.split(":")[0].isdigit() and int(detail.split(":")[0]) >= 1):
        return f"refused without a position: {detail}"
    if len(data) > MAX_BYTES:
        return None if refused and "larger than 1 MiB" in detail else "a file over 1 MiB not refused as such"
    verdict, expected = oracle(data)
    if verdict == "deep":  # nested past 64 levels, if it is valid at all
        return None if refused else "accepted a document nested deeper than 64 levels"
    if verdict == "big":  # more than 10,000 values and tables
        return None if refused and "values and tables" in detail else "accepted more than 10000 values and tables"
    if verdict == "invalid":
        return None if refused else f"accepted invalid TOML ({expected})"
    if refused:
        return f"refused valid TOML: {detail}"
    import json
    got = untag(json.loads(detail))
    return None if got == expected else "read other values than tomllib"


def main():
    build = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 20261122
    check_oracle()
    shipped = open(os.path.join(TOP, "packaging", "nodeguard.toml"), "rb").read()
    # The shipped file is mostly commented defaults: its uncommented form gives
    # the mutations values and tables to work on.
    uncommented = b"\n".join(l[2:] if l.startswith(b"# ") and b" = " in l else l for l in shipped.split(b"\n"))
    rng = random.Random(seed)
    decoder = Decoder(os.path.join(build, "toml-decoder"))
    failures, accepted, slowest = [], 0, 0.0
    for n in range(count):
        mutant = mutate(rng, rng.choice([shipped, uncommented]))
        result, took = decoder.decode(mutant)
        slowest = max(slowest, took)
        accepted += result[0] == "ok"
        why = judge(mutant, result)
        if why:
            name = hashlib.sha1(mutant).hexdigest()[:12]
            if result[0] in ("crash", "hang"):
                keep = os.path.join(HERE, "regressions", f"{name}.toml")
                with open(keep, "wb") as f:
                    f.write(mutant)
                why += f"; kept as {os.path.relpath(keep, TOP)}"
            failures.append(f"mutant {n} ({name}): {why}")
    decoder.p.stdin.close(); decoder.p.wait()
    print(f"fuzz: {count} mutants (seed {seed}), {accepted} accepted, {count - accepted} refused, "
          f"slowest {slowest * 1000:.1f} ms, {len(failures)} failures")
    for f in failures[:30]:
        print("  " + f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compare esprit-bench results: did B get faster than A, or is it noise?

    scripts/bench-compare.py A.json B.json
    scripts/bench-compare.py A1.json A2.json A3.json -- B1.json B2.json B3.json

Each side is one or more JSON files written by esprit-bench --json (or
scripts/bench.sh); scripts/bench-ab.sh writes them alternating two builds,
which is how a comparison should be measured on a shared machine. The
figure compared is the fraction of the harness's limit, which each round
measures against its own I/O and crypto cost, so a host that slows the
core between runs moves it far less than it moves Mpps.

For every case both sides measured it prints each side's median fraction
(the median of its runs' medians) and the difference with a 95% interval:
with two or more runs a side, over the runs' medians (a run is the
honest unit: rounds of one run share the host's state, and runs of one
build differ by about as much as the rounds' spread would hide), the
Hodges-Lehmann shift (the median of every B run less every A run) and
its distribution-free interval from the Mann-Whitney statistic, which a
few odd runs do not widen as they widen a t interval on the means; with
one run a side, a bootstrap over that run's rounds, which is optimistic
and marked so. "faster" or "slower" when the interval excludes
zero, "noise" when it does not. Nothing is asserted: the exit status is 0
unless the input cannot be read.

Under each case, with two or more runs a side, a second figure: the
crypto share, IPsec-MB's cycles a packet alone (the crypto reference of
the same rounds) over esprit's. A host that changes the core's speed
scales both alike, and it leaves out the I/O reference, which a busy
host moves more than esprit where the packets miss the cache: with a
million SAs the fraction rose with the host's slowdowns, and the crypto
share's interval was a third as wide (docs/benchmark-rounds.md, "Thirty-fifth
round").

Only runs on a quiet core are compared. Each case of each run carries the
core's pace (`pace_cycles`: the cycles of one fixed AES-128-GCM call,
the same work in every case), and a shared host sometimes runs the core
slowly for minutes, longer than a run: most often 1.26-1.40 times the
quiet pace on the README's machine, where outbound AES-128-GCM then read 0.04 lower at
64 octets and 0.12 lower at 1420, no matter the build (docs/benchmark-
rounds.md, "Thirty-ninth round"). Both builds see such stretches by
chance, and a few of them on one side decide a verdict. So the quietest
pace among all the runs of both sides is the reference, and a case's
runs whose pace is QUIET_PACE times it or more are left out, on both
sides, as long as each side keeps two; the lines say how many were.
`--all-runs` compares every run.
"""
import json
import random
import statistics
import sys

BOOTSTRAP = 2000
SEED = 20261128          # the same input gives the same intervals
QUIET_PACE = 1.12        # esprit-bench's BENCH_PACE_SLOW: slower than this, a slowed core


def family(c):
    """v4, v6, or 6in4 and 4in6 (runs before outer_family were v4 or v6)."""
    inner, outer = c["family"], c.get("outer_family", c["family"])
    return "v%d" % inner if inner == outer else "%din%d" % (inner, outer)


def case_key(c):
    name = "%-3s %-16s %-3s %-4s %5s %7d SA%s" % (
        c["dir"], c["cipher"], "iiv" if c["iv"] == "implicit" else "eiv",
        family(c), c["size"], c["sas"], "s" if c["sas"] > 1 else " ")
    if c.get("workers", 1) > 1:
        name += " 2w handoff" if c.get("handoff") else " 2w"
    if c.get("peers", 1) > 1:
        name += " %d peers" % c["peers"]
    if c.get("hosts", 1) > 1:
        name += " %d hosts" % c["hosts"]
    return name


def crypto_share(c):
    """IPsec-MB's cycles a packet alone over esprit's, or None."""
    crypto, cycles = c.get("crypto_cycles") or 0, c.get("cycles_per_packet") or 0
    return crypto / cycles if crypto > 0 and cycles > 0 else None


class Run:
    """One run's measurement of one case."""

    def __init__(self, c):
        self.rounds = c["round_fractions"]
        self.share = crypto_share(c)
        self.pace = c.get("pace_cycles") or 0   # 0: not recorded (older runs)


def load_side(paths):
    """{case: [Run of file 1, Run of file 2, ...]}, and the machines."""
    cases, machines = {}, []
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        machines.append(doc.get("machine", {}))
        for c in doc.get("cases", []):
            if c.get("error") or not c.get("round_fractions"):
                continue
            cases.setdefault(case_key(c), []).append(Run(c))
    return cases, machines


def quietest_pace(*sides):
    paces = [r.pace for side in sides for runs in side.values() for r in runs if r.pace > 0]
    return min(paces) if paces else 0


def quiet_runs(a_runs, b_runs, quiet):
    """Each side's runs on a quiet core, when each keeps two (or a run
    apiece when both have one), else all; and a note of what was left
    out."""
    def keep(runs):
        return [r for r in runs if r.pace == 0 or r.pace < QUIET_PACE * quiet]
    ka, kb = keep(a_runs), keep(b_runs)
    out_a, out_b = len(a_runs) - len(ka), len(b_runs) - len(kb)
    if quiet == 0 or out_a + out_b == 0:
        return a_runs, b_runs, ""
    need = 1 if len(a_runs) == 1 and len(b_runs) == 1 else 2
    if len(ka) < need or len(kb) < need:
        return a_runs, b_runs, " (slowed core in A %d, B %d: too few quiet runs, all compared)" % (
            out_a, out_b)
    return ka, kb, " (slowed core, left out: A %d, B %d)" % (out_a, out_b)


def shift_interval(a, b):
    """The Hodges-Lehmann shift of @b over @a (the median of the pairwise
    differences) and its 95% interval: the pairwise differences between
    the k-th from each end, k from the Mann-Whitney statistic's normal
    approximation (at most the whole range, for a few runs a side)."""
    d = sorted(y - x for y in b for x in a)
    n = len(a) * len(b)
    k = int(n / 2 - 1.959964 * (n * (len(a) + len(b) + 1) / 12) ** 0.5)
    k = max(k, 0)
    return statistics.median(d), d[k], d[n - 1 - k]


def rounds_interval(a, b, rng):
    """95% bootstrap interval of median(b) - median(a), rounds of one run."""
    diffs = sorted(statistics.median(rng.choices(b, k=len(b))) -
                   statistics.median(rng.choices(a, k=len(a))) for _ in range(BOOTSTRAP))
    return diffs[int(0.025 * BOOTSTRAP)], diffs[int(0.975 * BOOTSTRAP) - 1]


def compare_case(a_runs, b_runs, rng):
    """(median A, median B, B - A, interval low, high, note) of one case."""
    ma = [statistics.median(r.rounds) for r in a_runs]
    mb = [statistics.median(r.rounds) for r in b_runs]
    fa, fb = statistics.median(ma), statistics.median(mb)
    if len(ma) >= 2 and len(mb) >= 2:
        d, lo, hi = shift_interval(ma, mb)
        note = ""
    else:
        d = fb - fa
        lo, hi = rounds_interval([x for r in a_runs for x in r.rounds],
                                 [x for r in b_runs for x in r.rounds], rng)
        note = " (one run: rounds only, optimistic)"
    return fa, fb, d, lo, hi, note


def verdict(lo, hi):
    return "faster" if lo > 0 else "slower" if hi < 0 else "noise"


def machine_notes(ma, mb):
    notes = []
    for key in ("tsc_ghz", "ipsec_mb", "ipsec_mb_arch", "hugepages", "dpdk"):
        va = {json.dumps(m.get(key)) for m in ma}
        vb = {json.dumps(m.get(key)) for m in mb}
        if va != vb:
            notes.append("machine %s differs: A %s, B %s" %
                         (key, ", ".join(sorted(va)), ", ".join(sorted(vb))))
    return notes


def split_args(argv):
    if "--" in argv:
        i = argv.index("--")
        return argv[:i], argv[i + 1:]
    if len(argv) == 2:
        return argv[:1], argv[1:]
    return None, None


def main(argv):
    all_runs = "--all-runs" in argv
    a_paths, b_paths = split_args([x for x in argv if x != "--all-runs"])
    if not a_paths or not b_paths:
        sys.stderr.write(__doc__)
        return 2
    try:
        a, ma = load_side(a_paths)
        b, mb = load_side(b_paths)
    except (OSError, ValueError, KeyError) as e:
        sys.stderr.write("bench-compare: %s\n" % e)
        return 1
    rng = random.Random(SEED)
    quiet = 0 if all_runs else quietest_pace(a, b)
    print("A: %s\nB: %s" % (" ".join(a_paths), " ".join(b_paths)))
    for note in machine_notes(ma, mb):
        print("note: " + note)
    if quiet > 0:
        print("quiet runs: the core's pace below %.2f x %.1f cycles, the quietest of both "
              "sides (--all-runs: every run)" % (QUIET_PACE, quiet))
    print("%-48s %10s %10s %8s %18s  %s" % ("case (fraction of the limit, median)",
          "A/runs", "B/runs", "B-A", "95% interval", "verdict"))
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            print("%-48s only in %s" % (key, "A" if key in a else "B"))
            continue
        ra, rb, left_out = quiet_runs(a[key], b[key], quiet)
        fa, fb, d, lo, hi, note = compare_case(ra, rb, rng)
        print("%-48s %6.3f/%-3d %6.3f/%-3d %+8.3f [%+7.3f %+7.3f]  %s%s%s" %
              (key, fa, len(ra), fb, len(rb), d, lo, hi, verdict(lo, hi), note, left_out))
        xa = [r.share for r in ra if r.share is not None]
        xb = [r.share for r in rb if r.share is not None]
        if len(xa) >= 2 and len(xb) >= 2:
            ca, cb = statistics.median(xa), statistics.median(xb)
            d, lo, hi = shift_interval(xa, xb)
            print("%-48s %6.3f/%-3d %6.3f/%-3d %+8.3f [%+7.3f %+7.3f]  %s" %
                  ("  crypto share (IPsec-MB's cycles / esprit's)", ca, len(xa), cb, len(xb),
                   d, lo, hi, verdict(lo, hi)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

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

For every case both sides measured, the rounds of all of a side's runs
are pooled: it prints each side's median fraction and the difference of
the medians with a 95% interval from a two-level bootstrap (runs drawn
with replacement, then rounds within them: rounds of one run share the
host's state, so runs are the honest unit). "faster" or "slower" when the
interval excludes zero, "noise" when it does not. Nothing is asserted:
the exit status is 0 unless the input cannot be read.
"""
import json
import random
import statistics
import sys

BOOTSTRAP = 2000
SEED = 20261128          # the same input gives the same intervals


def case_key(c):
    name = "%-3s %-16s %-3s v%d %5s %7d SA%s" % (
        c["dir"], c["cipher"], "iiv" if c["iv"] == "implicit" else "eiv",
        c["family"], c["size"], c["sas"], "s" if c["sas"] > 1 else " ")
    if c.get("workers", 1) > 1:
        name += " 2w handoff" if c.get("handoff") else " 2w"
    return name


def load_side(paths):
    """{case: [rounds of run 1, rounds of run 2, ...]}, and the machines."""
    cases, machines = {}, []
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        machines.append(doc.get("machine", {}))
        for c in doc.get("cases", []):
            rounds = c.get("round_fractions") or []
            if c.get("error") or not rounds:
                continue
            cases.setdefault(case_key(c), []).append(rounds)
    return cases, machines


def pooled_median(runs):
    return statistics.median(r for run in runs for r in run)


def resample(runs, rng):
    picked = [rng.choice(runs) for _ in runs]
    return [[rng.choice(run) for _ in run] for run in picked]


def diff_interval(a, b, rng):
    diffs = sorted(pooled_median(resample(b, rng)) - pooled_median(resample(a, rng))
                   for _ in range(BOOTSTRAP))
    return diffs[int(0.025 * BOOTSTRAP)], diffs[int(0.975 * BOOTSTRAP) - 1]


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
    a_paths, b_paths = split_args(argv)
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
    print("A: %s\nB: %s" % (" ".join(a_paths), " ".join(b_paths)))
    for note in machine_notes(ma, mb):
        print("note: " + note)
    print("%-48s %10s %10s %8s %18s  %s" % ("case (fraction of the limit, median)",
          "A/runs", "B/runs", "B-A", "95% interval", "verdict"))
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            print("%-48s only in %s" % (key, "A" if key in a else "B"))
            continue
        fa, fb = pooled_median(a[key]), pooled_median(b[key])
        lo, hi = diff_interval(a[key], b[key], rng)
        verdict = "faster" if lo > 0 else "slower" if hi < 0 else "noise"
        print("%-48s %6.3f/%-3d %6.3f/%-3d %+8.3f [%+7.3f %+7.3f]  %s" %
              (key, fa, len(a[key]), fb, len(b[key]), fb - fa, lo, hi, verdict))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

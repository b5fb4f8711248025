#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The dataplane's targets over many esprit-bench runs, split by the core's pace.

    scripts/bench-targets.py [--all-runs] [DIR | FILE.json] ...

Each run's JSON (scripts/bench.sh writes them to build-bench/bench-results)
has the targets that run judged, each with the core's pace while it was
measured (the cycles of a fixed AES-128-GCM call). A shared host may run
the core slowly for minutes, longer than a run, and a target measured
then reads lower whatever the code does (docs/benchmark-rounds.md,
"Thirty-ninth round"). So for each machine among the runs this prints,
for each target, the median, range and count of its values on a quiet
core (the pace below QUIET_PACE times the quietest of that machine's
runs) and how many of them meet it, and the same of the slowed runs
beside. `--all-runs`: one column of every run. Runs from before the
targets carried the pace take it from their cases (the first of the
targets' kind, as esprit-bench judged), and a target with no pace at all
is counted apart. Nothing is asserted: the exit status is 0 unless no
run could be read.
"""
import glob
import json
import os
import statistics
import sys

QUIET_PACE = 1.12        # esprit-bench's BENCH_PACE_SLOW
CIPHERS = {"aes128gcm": "AES-128-GCM", "aes256gcm": "AES-256-GCM",
           "chacha20poly1305": "ChaCha20-Poly1305"}
MACHINE = ("cpu_model", "tsc_ghz", "ipsec_mb", "ipsec_mb_arch")


def paths_of(args):
    out = []
    for a in args:
        out += sorted(glob.glob(os.path.join(a, "*.json"))) if os.path.isdir(a) else [a]
    return out


def plain_case(doc, t, sas):
    """The run's first case of target @t's kind with @sas SAs (one
    worker, an IPv4 tunnel, explicit IV, one peer and host), or None."""
    for c in doc.get("cases", []):
        if (c.get("dir"), c.get("cipher"), str(c.get("size")), c.get("sas")) == \
                (t["dir"], t["cipher"], str(t["size"]), sas) and \
                c.get("iv") == "explicit" and c.get("family") == 4 and \
                c.get("outer_family", 4) == 4 and c.get("workers", 1) == 1 and \
                c.get("peers", 1) == 1 and c.get("hosts", 1) == 1 and not c.get("error"):
            return c
    return None


def target_pace(doc, t):
    """The pace @t was measured at (of both cases against one SA, the
    slower), from the target or its cases; 0 if none says."""
    if t.get("pace_cycles"):
        return t["pace_cycles"]
    cases = [plain_case(doc, t, t["sas"])]
    if t["measure"] == "fraction_of_one_sa":
        cases.append(plain_case(doc, t, 1))
    paces = [c.get("pace_cycles") or 0 for c in cases if c is not None]
    return max(paces) if paces and all(paces) else 0


def load(paths):
    """{machine: [targets of each run, each with its pace]} (a machine is
    its MACHINE fields), and how many files could not be read."""
    runs, bad = {}, 0
    for path in paths:
        try:
            with open(path) as f:
                doc = json.load(f)
            m = doc.get("machine", {})
            ts = [dict(t, pace_cycles=target_pace(doc, t)) for t in doc.get("targets", [])]
            runs.setdefault(tuple(m.get(k) for k in MACHINE), []).append(ts)
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            bad += 1
    return runs, bad


def name(t):
    if t["measure"] == "fraction_of_one_sa":
        what = "%s %s %s B, %d SAs against one" % (CIPHERS.get(t["cipher"], t["cipher"]),
                                                 t["dir"] + "bound", t["size"], t["sas"])
    else:
        what = "%s %s %s B, %d SA" % (CIPHERS.get(t["cipher"], t["cipher"]),
                                      t["dir"] + "bound", t["size"], t["sas"])
    return what


def summary(values, target):
    """'median (low-high, n), met k' or '-'."""
    if not values:
        return "-"
    return "%.3f (%.3f-%.3f, %d), met %d" % (statistics.median(values), min(values), max(values),
                                           len(values), sum(v >= target for v in values))


def report(machine, runs, all_runs):
    paces = [t["pace_cycles"] for ts in runs for t in ts if t.get("pace_cycles", 0) > 0]
    quiet = 0 if all_runs or not paces else min(paces)
    print("%d run%s on %s, TSC %.2f GHz, IPsec-MB %s (%s)" %
          (len(runs), "s" if len(runs) > 1 else "", machine[0] or "an unnamed CPU",
           machine[1] or 0, machine[2], machine[3]))
    if quiet > 0:
        print("quiet core: the pace below %.2f x %.1f cycles, the quietest of these runs"
              % (QUIET_PACE, quiet))
    groups = {}   # target name -> (target, {"quiet": [], "slowed": [], "unknown": []})
    for ts in runs:
        for t in ts:
            key = name(t)
            pace = t.get("pace_cycles", 0)
            kind = ("quiet" if quiet == 0 or pace < QUIET_PACE * quiet else "slowed") \
                if pace > 0 or all_runs else "unknown"
            groups.setdefault(key, (t["target"], {"quiet": [], "slowed": [], "unknown": []}))
            groups[key][1][kind].append(t["value"])
    cols = ("every run",) if quiet == 0 else ("quiet core", "slowed core")
    print("%-50s %8s  %s" % ("target", "", "  ".join("%-33s" % c for c in cols)))
    for key, (target, v) in groups.items():
        rows = [summary(v["quiet"], target)] + ([summary(v["slowed"], target)] if quiet else [])
        print("%-50s %8s  %s" % (key, ">= %.2f" % target, "  ".join("%-33s" % r for r in rows)))
        if v["unknown"]:
            print("%-50s %8s  %s (the pace not recorded)" %
                  ("", "", summary(v["unknown"], target)))


def main(argv):
    all_runs = "--all-runs" in argv
    args = [a for a in argv if a != "--all-runs"]
    if not args:
        sys.stderr.write(__doc__)
        return 2
    runs, bad = load(paths_of(args))
    if not runs:
        sys.stderr.write("bench-targets: no run could be read\n")
        return 1
    for i, (machine, ts) in enumerate(sorted(runs.items(), key=lambda kv: -len(kv[1]))):
        if i:
            print()
        report(machine, ts, all_runs)
    if bad:
        print("(%d file%s not read)" % (bad, "s" if bad > 1 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

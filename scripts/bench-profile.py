#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Where one esprit-bench case's cycles go, in cycles per packet.

    scripts/bench-profile.py [--build DIR] [--huge] [--freq HZ] [--top N]
                             [--keep DIR] esprit-bench case options...

Runs scripts/bench.sh twice with the options given, which must select one
case (for example --dir out --cipher aes128gcm --iv explicit --family 4
--size 64 --sas 1 --no-mc):

  1. as usual, for the case's cycles per packet and the harness's two
     references: the I/O cost (dpdk-testpmd's io forwarding over the same
     ports) and the crypto cost (IPsec-MB alone on the same core);
  2. with ESPRIT_BENCH_ONLY=1 (esprit's rounds only) under
     `perf record -e cpu-clock`, for the share of the worker's samples in
     each library and function.

It prints the worker's time split into crypto (IPsec-MB), I/O (the PMDs,
the mempool and mbuf libraries), esprit's own code and the rest (kernel,
the dynamic loader's TLS lookups, libc), each in cycles per packet of the
first run (its share of the samples times the case's cycles per packet),
beside the references: crypto in situ against the crypto loop, I/O in
situ against testpmd, and what remains esprit's. Then esprit's and
IPsec-MB's busiest functions.

Sampling by timer interrupt: a function's share is where the worker was,
including the time it waited for memory (a stalled load is charged to the
instruction after it; see `perf annotate` for that, with the perf.data
--keep leaves). Sampling slows the run by a few percent; the split is
scaled to the unsampled run. Needs perf (Debian: linux-perf) and the
rights bench.sh needs (root for --huge). --analyze JSON REPORT splits a
run kept with --keep again without running anything.
"""
import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Shared objects by what they do in the harness, matched on the name's start.
GROUPS = (
    ("crypto (IPsec-MB)", ("libIPSec_MB",)),
    ("I/O (PMDs, mempool, mbuf)", ("librte_net_", "librte_mempool", "librte_mbuf",
                                   "librte_ethdev", "librte_ring")),
    ("esprit", ("esprit-bench",)),
)
OTHER = "other (kernel, ld.so, libc, EAL, bench)"
# DPDK names its lcore threads rte-worker-N (lcore-worker-N before 22.11).
WORKER_COMMS = ("rte-worker-", "lcore-worker-")


def group_of(dso, sym=""):
    # the harness's own code in esprit-bench (the ChaCha table, the loops
    # of the other phases) is not esprit's
    if sym.startswith("bench_"):
        return OTHER
    for name, prefixes in GROUPS:
        if dso.startswith(prefixes):
            return name
    return OTHER


def run_bench(args, out, env=None, perf=None):
    """bench.sh with the case options; returns the case's JSON record."""
    cmd = [os.path.join(SRC, "scripts", "bench.sh"), "--build", args.build, "--out", out]
    if args.huge:
        cmd.append("--huge")
    cmd += args.case
    if perf is not None:
        cmd = ["perf", "record", "-q", "-e", "cpu-clock", "-F", str(args.freq),
               "-o", perf, "--"] + cmd
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        sys.exit("bench-profile: %s failed (%d):\n%s" % (" ".join(cmd), r.returncode,
                                                        r.stderr.strip()))
    files = sorted(glob.glob(os.path.join(out, "bench-*.json")))
    if not files:
        sys.exit("bench-profile: no JSON from %s" % " ".join(cmd))
    with open(files[-1]) as f:
        doc = json.load(f)
    return doc, one_case(doc)


def one_case(doc):
    """The one case of an esprit-bench JSON document that ran, or exit."""
    cases = [c for c in doc["cases"] if not c.get("error")]
    if len(cases) != 1:
        sys.exit("bench-profile: the options select %d cases that ran; give one "
                 "(--dir, --cipher, --iv, --family, --size, --sas, --no-mc)" % len(cases))
    return cases[0]


def perf_report(perf_data):
    """perf report of @perf_data, one line a (comm, dso, symbol), ';' between."""
    r = subprocess.run(["perf", "report", "-i", perf_data, "--stdio", "--no-children",
                        "--sort", "comm,dso,sym", "-t", ";"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if r.returncode != 0:
        sys.exit("bench-profile: perf report failed")
    return r.stdout


def parse_report(text):
    """(share %, comm, dso, symbol) of every sample line of perf_report()."""
    rows = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split(";")]
        if line.startswith("#") or len(parts) != 4 or not parts[0].endswith("%"):
            continue
        sym = parts[3][4:] if parts[3][:4] in ("[.] ", "[k] ") else parts[3]
        rows.append((float(parts[0][:-1]), parts[1], parts[2], sym))
    return rows


def show(doc, ref, sampled_cycles, rows, top):
    """Print the split of @rows (all threads') for the case @ref of @doc."""
    rows = [r for r in rows if r[1].startswith(WORKER_COMMS)]
    worker = sum(r[0] for r in rows)
    if worker <= 0:
        sys.exit("bench-profile: no samples on a worker lcore (perf without rights?)")

    tsc = doc["machine"]["tsc_ghz"] * 1e9
    cycles = ref["cycles_per_packet"]
    io_ref = tsc / (ref["io_mpps"] * 1e6) if ref.get("io_mpps") else None
    crypto_ref = ref.get("crypto_cycles")
    print("%s %s %s IPv%s %s B, %s SA(s): %.0f cycles a packet (%.2f Mpps, %.3f of the limit);"
          " sampled run %s" % (ref["dir"], ref["cipher"], ref["iv"], ref["family"], ref["size"],
                               ref["sas"], cycles, ref["mpps"], ref["fraction"],
                               "%.0f" % sampled_cycles if sampled_cycles else "not known"))
    print()
    per = {}
    for share, _, dso, sym in rows:
        g = group_of(dso, sym)
        per[g] = per.get(g, 0.0) + share
    refs = {GROUPS[0][0]: ("crypto loop", crypto_ref), GROUPS[1][0]: ("testpmd io", io_ref)}
    print("%-34s %7s %12s   %s" % ("part of the worker's time", "share", "cycles/pkt",
                                    "alone (same run)"))
    for name in [g[0] for g in GROUPS] + [OTHER]:
        share = per.get(name, 0.0) / worker
        label, alone = refs.get(name, ("", None))
        print("%-34s %6.1f%% %12.1f   %s" % (name, 100 * share, share * cycles,
                                             "%s %.1f" % (label, alone) if alone else ""))
    print()
    for name in (GROUPS[2][0], GROUPS[0][0]):
        funcs = {}
        for share, _, dso, sym in rows:
            if group_of(dso, sym) == name:
                funcs[sym] = funcs.get(sym, 0.0) + share
        print("%s, busiest functions:" % name)
        for sym, share in sorted(funcs.items(), key=lambda kv: -kv[1])[:top]:
            print("  %-56s %6.1f%% %8.1f" % (sym[:56], 100 * share / worker,
                                             share / worker * cycles))
        if name == GROUPS[0][0]:
            print("  (IPsec-MB's internal functions have no symbols of their own: perf\n"
                  "  names them after the exported one before them, so a GCM case may\n"
                  "  show GMAC, CRC or ChaCha names; the library's total is right)")
        print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(SRC, "build-bench"),
                    help="release build directory (default build-bench)")
    ap.add_argument("--huge", action="store_true", help="run on hugepages (bench.sh --huge)")
    ap.add_argument("--freq", type=int, default=2000, help="samples a second (default 2000)")
    ap.add_argument("--top", type=int, default=8, help="functions listed per part (default 8)")
    ap.add_argument("--keep", help="keep perf.data, its report and the JSON here")
    ap.add_argument("--analyze", nargs=2, metavar=("JSON", "REPORT"),
                    help="no runs: split a kept run's REPORT (report.txt) for its JSON")
    args, case = ap.parse_known_args()
    args.case = case
    if args.analyze:
        with open(args.analyze[0]) as f:
            doc = json.load(f)
        with open(args.analyze[1]) as f:
            text = f.read()
        show(doc, one_case(doc), None, parse_report(text), args.top)
        return 0
    if not case:
        ap.error("give the case's esprit-bench options")
    if shutil.which("perf") is None:
        sys.exit("bench-profile: needs perf (apt-get install linux-perf)")

    work = args.keep or tempfile.mkdtemp(prefix="esprit-profile.")
    os.makedirs(work, exist_ok=True)
    doc, ref = run_bench(args, os.path.join(work, "plain"))
    env = dict(os.environ, ESPRIT_BENCH_ONLY="1")
    perf_data = os.path.join(work, "perf.data")
    _, sampled = run_bench(args, os.path.join(work, "sampled"), env=env, perf=perf_data)
    text = perf_report(perf_data)
    if args.keep:
        with open(os.path.join(work, "report.txt"), "w") as f:
            f.write(text)
    else:
        shutil.rmtree(work, ignore_errors=True)
    show(doc, ref, sampled["cycles_per_packet"], parse_report(text), args.top)
    if args.keep:
        print("perf.data, report.txt and the JSON are in %s (perf annotate -i %s SYMBOL;"
              " --analyze %s/plain/bench-*.json %s/report.txt)" % (work, perf_data, work, work))
    return 0


if __name__ == "__main__":
    sys.exit(main())

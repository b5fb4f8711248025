#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""scripts/bench-targets.py on synthetic esprit-bench JSON: a target's
runs split by the core's pace (quiet, slowed), the pace taken from the
cases where the targets did not carry it (older runs), a run without any
pace counted apart, another machine's runs reported apart, a file that
is not JSON counted, and --all-runs."""
import json
import os
import subprocess
import sys
import tempfile

SCRIPT = sys.argv[1]
XEON = {"cpu_model": "Xeon", "tsc_ghz": 2.1, "ipsec_mb": "1.3.0", "ipsec_mb_arch": "avx512"}


def case(size, sas, pace):
    return {"dir": "out", "cipher": "aes128gcm", "iv": "explicit", "family": 4, "size": size,
            "sas": sas, "workers": 1, "error": 0, "pace_cycles": pace}


def run(value, pace, machine=XEON, in_target=True):
    """One run: the outbound 64-B target at @value, measured at @pace
    (in the target, or only in its case when not @in_target)."""
    t = {"dir": "out", "cipher": "aes128gcm", "size": "64", "sas": 1, "measure": "fraction",
         "value": value, "target": 0.75, "verdict": "met" if value >= 0.75 else "missed"}
    if in_target and pace:
        t["pace_cycles"] = pace
    # a one-SA case of another kind first (IPv6), then the target's own
    other = dict(case("64", 1, 999.0), family=6)
    return {"machine": machine, "cases": [other, case("64", 1, pace)], "targets": [t]}


def main():
    with tempfile.TemporaryDirectory() as tmp:
        docs = [run(0.76, 150), run(0.78, 151), run(0.74, 149, in_target=False),
                run(0.70, 190), run(0.71, 186, in_target=False), run(0.77, 0),
                run(0.90, 100, machine=dict(XEON, cpu_model="EPYC"))]
        for i, d in enumerate(docs):
            with open(os.path.join(tmp, "bench-%d.json" % i), "w") as f:
                json.dump(d, f)
        with open(os.path.join(tmp, "bench-bad.json"), "w") as f:
            f.write("{not json")

        p = subprocess.run([sys.executable, SCRIPT, tmp], capture_output=True, text=True)
        out = p.stdout
        assert p.returncode == 0, p.stderr
        assert "6 runs on Xeon, TSC 2.10 GHz" in out and "1 run on EPYC" in out, out
        assert "quiet core: the pace below 1.12 x 149.0 cycles" in out, out
        xeon = out.split("1 run on EPYC")[0]
        row = [l for l in xeon.splitlines() if l.startswith("AES-128-GCM outbound 64 B, 1 SA")]
        assert len(row) == 1, out
        # quiet: 0.76, 0.78, 0.74 (its pace from its case); slowed: 0.70, 0.71
        assert "0.760 (0.740-0.780, 3), met 2" in row[0], out
        assert "0.705 (0.700-0.710, 2), met 0" in row[0], out
        assert "0.770 (0.770-0.770, 1), met 1 (the pace not recorded)" in xeon, out
        assert "0.900 (0.900-0.900, 1), met 1" in out.split("1 run on EPYC")[1], out
        assert "(1 file not read)" in out, out

        p = subprocess.run([sys.executable, SCRIPT, "--all-runs", tmp], capture_output=True,
                           text=True)
        assert p.returncode == 0 and "every run" in p.stdout and "quiet core" not in p.stdout, \
            p.stdout
        assert "0.750 (0.700-0.780, 6), met 3" in p.stdout, p.stdout

        p = subprocess.run([sys.executable, SCRIPT, os.path.join(tmp, "bench-bad.json")],
                           capture_output=True, text=True)
        assert p.returncode == 1 and "no run could be read" in p.stderr, (p.returncode, p.stderr)
        p = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True)
        assert p.returncode == 2, p.returncode
    print("bench-targets.py: ok")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""scripts/bench-compare.py on synthetic esprit-bench JSON: a case made
faster, one made slower, one unchanged, one measured by one side only,
a small difference that the runs' own spread makes noise, the crypto
share beside the fraction, runs on a slowed core left out, and one odd
run that does not decide."""
import json
import os
import random
import subprocess
import sys
import tempfile

SCRIPT = sys.argv[1]


def case(direction, size, rounds):
    return {"dir": direction, "cipher": "aes128gcm", "iv": "explicit", "family": 4,
            "size": size, "sas": 1, "workers": 1, "handoff": False, "error": 0,
            "round_fractions": rounds}


def run_doc(rng, means, tsc=2.45, shift=0.0, sd=0.01):
    """One run: 50 rounds a case around its mean, the whole run moved by
    @shift (the host's state during that run)."""
    cases = [case(d, s, [rng.gauss(m + shift, sd) for _ in range(50)])
             for (d, s), m in means.items()]
    return {"machine": {"tsc_ghz": tsc, "ipsec_mb_arch": "avx2"}, "cases": cases}


def write(tmp, name, doc):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def compare(args):
    p = subprocess.run([sys.executable, SCRIPT] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def verdict(out, words):
    rows = [l for l in out.splitlines() if all(w in l for w in words)]
    assert len(rows) == 1, (words, out)
    for v in ("faster", "slower", "noise", "only in"):
        if v in rows[0]:
            return v
    raise AssertionError(rows[0])


def main():
    rng = random.Random(7)
    a_means = {("out", "64"): 0.60, ("out", "1420"): 0.90, ("in", "64"): 0.70,
               ("in", "1420"): 0.88}
    b_means = {("out", "64"): 0.65, ("out", "1420"): 0.90, ("in", "64"): 0.60}
    with tempfile.TemporaryDirectory() as tmp:
        a = [write(tmp, "a%d.json" % i, run_doc(rng, a_means)) for i in range(3)]
        b = [write(tmp, "b%d.json" % i, run_doc(rng, b_means, tsc=2.5)) for i in range(3)]

        rc, out, err = compare(a + ["--"] + b)
        assert rc == 0, err
        assert verdict(out, ["out", " 64 "]) == "faster", out
        assert verdict(out, ["out", "1420"]) == "noise", out
        assert verdict(out, ["in ", " 64 "]) == "slower", out
        assert verdict(out, ["in ", "1420"]) == "only in", out
        assert "only in A" in out and "tsc_ghz differs" in out, out

        # one run a side, without "--": the rounds decide, and it says so
        rc, out, err = compare([a[0], b[0]])
        assert rc == 0, err
        assert verdict(out, ["out", " 64 "]) == "faster", out
        assert "optimistic" in out, out

        # +0.01 with quiet rounds (sd 0.002) but runs 0.02 apart: the
        # rounds alone would call it faster; over the runs it is noise
        one = {("out", "64"): 0.60}
        a = [write(tmp, "sa%d.json" % i, run_doc(rng, one, shift=x, sd=0.002))
             for i, x in enumerate((-0.02, 0.0, 0.02))]
        b = [write(tmp, "sb%d.json" % i, run_doc(rng, {("out", "64"): 0.61}, shift=x, sd=0.002))
             for i, x in enumerate((0.02, -0.02, 0.0))]
        rc, out, err = compare(a + ["--"] + b)
        assert rc == 0 and verdict(out, ["out", " 64 "]) == "noise", out

        # one odd run (a B run at 0.40 among eight at 0.62, against nine
        # A runs at 0.60) does not hide B's +0.02: the shift is a median
        a = [write(tmp, "oa%d.json" % i, run_doc(rng, one, sd=0.002)) for i in range(9)]
        b = [write(tmp, "ob%d.json" % i,
                   run_doc(rng, {("out", "64"): 0.40 if i == 4 else 0.62}, sd=0.002))
             for i in range(9)]
        rc, out, err = compare(a + ["--"] + b)
        assert rc == 0 and verdict(out, ["out", " 64 "]) == "faster", out

        # a case from many peers (inbound) or many hosts (outbound) is
        # its own case beside the one-peer or one-host one (runs from
        # before "peers" or "hosts" are one's)
        for d, key, many_n in (("in", "peers", 100), ("out", "hosts", 256)):
            a_doc = run_doc(rng, {(d, "64"): 0.60})
            b_doc = run_doc(rng, {(d, "64"): 0.60})
            many = dict(b_doc["cases"][0], round_fractions=[rng.gauss(0.70, 0.01)
                                                            for _ in range(50)])
            many[key] = many_n
            b_doc["cases"][0][key] = 1
            b_doc["cases"].append(many)
            rc, out, err = compare([write(tmp, key + "a.json", a_doc),
                                    write(tmp, key + "b.json", b_doc)])
            assert rc == 0, err
            rows = [l for l in out.splitlines() if l.startswith(d + " ")]
            assert len(rows) == 2 and key not in rows[0] and "noise" in rows[0], out
            assert verdict(out, [d + " ", " 64 ", "%d %s" % (many_n, key)]) == "only in", out

        # the crypto share (IPsec-MB's cycles / esprit's): a host that
        # changes speed moves each run's fraction by +-0.05 (noise) and
        # both cycle counts alike, so 5% fewer of esprit's cycles show
        def paced(rng, cycles, slow):
            doc = run_doc(rng, {("in", "64"): 0.40}, shift=0.05 * (slow - 1.3) / 0.3)
            doc["cases"][0].update(crypto_cycles=55 * slow,
                                   cycles_per_packet=rng.gauss(cycles, 3) * slow)
            return doc
        a = [write(tmp, "pa%d.json" % i, paced(rng, 350, x))
             for i, x in enumerate((1.0, 1.6, 1.3, 1.0, 1.6, 1.3))]
        b = [write(tmp, "pb%d.json" % i, paced(rng, 333, x))
             for i, x in enumerate((1.6, 1.0, 1.3, 1.6, 1.0, 1.3))]
        rc, out, err = compare(a + ["--"] + b)
        assert rc == 0, err
        rows = out.splitlines()
        i = next(k for k, l in enumerate(rows) if l.startswith("in ") and " 64 " in l)
        assert "noise" in rows[i], out
        assert "crypto share" in rows[i + 1] and "faster" in rows[i + 1], out
        # and not from one run a side, nor without the cycle counts
        rc, out, err = compare([a[0], b[0]])
        assert rc == 0 and "crypto share" not in out, out

        # runs on a slowed core (pace 1.25x the quietest) read 0.1 lower
        # whatever the build: left out on both sides, B's +0.02 shows;
        # with every run it does not; with one quiet run on a side, or
        # without the pace (older runs), every run is compared
        def at_pace(rng, frac, pace):
            doc = run_doc(rng, {("out", "1420"): frac}, sd=0.002)
            if pace:
                doc["cases"][0]["pace_cycles"] = rng.gauss(pace, 1)
            return doc
        a = [write(tmp, "qa%d.json" % i, at_pace(rng, f, p))
             for i, (f, p) in enumerate(((0.90, 150), (0.90, 150), (0.90, 150), (0.80, 188)))]
        b = [write(tmp, "qb%d.json" % i, at_pace(rng, f, p))
             for i, (f, p) in enumerate(((0.92, 150), (0.82, 188), (0.92, 150), (0.82, 188),
                                         (0.92, 150), (0.82, 188)))]
        rc, out, err = compare(a + ["--"] + b)
        assert rc == 0 and verdict(out, ["out", "1420"]) == "faster", out
        assert "left out: A 1, B 3" in out and "quiet runs:" in out, out
        rc, out, err = compare(a + ["--"] + b + ["--all-runs"])
        assert rc == 0 and verdict(out, ["out", "1420"]) != "faster", out
        assert "left out" not in out and "quiet runs:" not in out, out
        rc, out, err = compare(a + ["--"] + b[:2])
        assert rc == 0 and "too few quiet runs, all compared" in out, out
        old = [write(tmp, "qo%d.json" % i, at_pace(rng, f, 0)) for i, f in enumerate((0.9, 0.8))]
        rc, out, err = compare(old + ["--"] + old)
        assert rc == 0 and "quiet runs:" not in out and "left out" not in out, out

        # a broken file is an error, not a crash; no second side is usage
        bad = write(tmp, "bad.json", {})
        with open(bad, "w") as f:
            f.write("{not json")
        rc, out, err = compare([bad, b[0]])
        assert rc == 1 and "bench-compare:" in err, (rc, err)
        rc, out, err = compare([a[0]])
        assert rc == 2, rc
    print("bench-compare: ok")


if __name__ == "__main__":
    main()

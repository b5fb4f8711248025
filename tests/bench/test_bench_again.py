#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""esprit-bench's second measurement of a case the host slowed throughout
(--again), end to end on the real harness: a test hook
(ESPRIT_BENCH_SLOW_CASE=1) has the second case's first measurement read
as if its core had run 3x slow. With --again 1 that case is measured
again at the end and the new measurement kept (the JSON says so); with
--again 0 it is listed, its target says so, and the JSON has its pace.
Whether a case stays listed after its second measurement is the host's
doing, so that is not asserted. With --history, and no hook, against an
earlier run of this machine whose core ran three times as fast (its JSON
rewritten so), every case is listed as slowed; runs of another CPU and
files that are not results are passed over. No speed is
asserted. Exit 77 (skipped) where EAL cannot start."""
import json
import os
import re
import subprocess
import sys
import tempfile

BENCH = sys.argv[1]
CASES = ["--dir", "out", "--cipher", "aes128gcm", "--iv", "explicit", "--family", "4",
         "--size", "64,1420", "--sas", "1", "--no-mc", "--time", "0.1"]
SLOW_LIST = "Measured while the host ran this core slowly throughout"


def bench(again, json_path, extra=(), hook=True):
    env = dict(os.environ)
    if hook:
        env["ESPRIT_BENCH_SLOW_CASE"] = "1"
    r = subprocess.run([BENCH, "--again", str(again), "--json", json_path] + list(extra) + CASES,
                       env=env, capture_output=True, text=True, timeout=300)
    if r.returncode == 77 or "EAL init failed" in r.stderr:
        print("skipped: EAL cannot start here", file=sys.stderr)
        sys.exit(77)
    if r.returncode != 0:
        sys.exit("esprit-bench exited %d:\n%s\n%s" % (r.returncode, r.stdout, r.stderr))
    return r.stdout


def check(cond, what, out):
    if not cond:
        sys.exit("FAIL: %s\n--- output ---\n%s" % (what, out))
    print("ok: " + what)


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "again.json")

    out = bench(1, path)
    block = re.search(r"\n(\d+) cases? on a core the host slowed throughout, measured again "
                      r"\(1 of 1\):\n((?:(?:out|in) .*\n)+)", out)
    check(block is not None, "a second measurement at the end of the run", out)
    check(re.search(r"^out aes128gcm +eiv v4 +1420 +1 SA ", block.group(2), re.M) is not None,
          "the 1420-octet case (the one slowed) measured again", out)
    # (whether a case is still listed after that is the host's doing: on
    # a busy host the second measurement may run slow too)
    doc = json.load(open(path))
    again = [(c["measured_again"], c["again_kept"]) for c in doc["cases"]]
    check(again[1] == (1, True), "the second measurement kept (%s)" % again, out)
    check(all(c["pace_ratio"] > 0 for c in doc["cases"]), "each case's pace in the JSON", out)
    check([t["size"] for t in doc["targets"]] == ["64", "1420"] and
          [t["pace_cycles"] for t in doc["targets"]] == [c["pace_cycles"] for c in doc["cases"]],
          "the JSON's targets, each with its case's pace", out)

    out = bench(0, path)
    check("measured again" not in out, "--again 0: no second measurement", out)
    listed = out.split(SLOW_LIST, 1)
    check(len(listed) == 2 and re.search(r"\n  out aes128gcm +eiv v4 +1420 +1 SA +\d+\.\d\dx\n",
                                         listed[1]) is not None,
          "--again 0: the slowed case listed", out)
    check(re.search(r"outbound 1420 B, 1 SA: .*\(the core ran \d+\.\d\dx slow throughout\)",
                    out) is not None, "--again 0: its target says so", out)
    doc = json.load(open(path))
    check(doc["cases"][1]["pace_ratio"] >= 1.2 and doc["cases"][1]["measured_again"] == 0,
          "--again 0: the JSON's pace ratio, not measured again", out)

    # --history: an earlier run of this machine, its core three times as
    # fast; another CPU's run, faster still, and files that are not
    # results are passed over
    hist = os.path.join(tmp, "history")
    os.mkdir(hist)
    quiet = min(c["pace_cycles"] for c in doc["cases"]) / 3
    for name, model, scale in (("earlier.json", doc["machine"]["cpu_model"], 3),
                               ("other.json", "another CPU", 30)):
        earlier = json.loads(json.dumps(doc))
        earlier["machine"]["cpu_model"] = model
        for c in earlier["cases"]:
            c["pace_cycles"] /= scale
        with open(os.path.join(hist, name), "w") as f:
            json.dump(earlier, f)
    with open(os.path.join(hist, "broken.json"), "w") as f:
        f.write("{not json")
    with open(os.path.join(hist, "notes.txt"), "w") as f:
        f.write("not a result\n")
    out = bench(0, path, ["--history", hist], hook=False)
    check(re.search(r"a quiet core's pace: \d+\.\d cycles .* the quietest of 1 earlier\nrun in ",
                    out) is not None, "--history: the earlier run of this machine named", out)
    listed = out.split(SLOW_LIST, 1)
    check(len(listed) == 2 and len(re.findall(r"\n  out aes128gcm +eiv v4 +(?:64|1420) +1 SA ",
                                              listed[1])) == 2,
          "--history: both cases listed as slowed", out)
    doc = json.load(open(path))
    check(abs(doc["machine"]["quiet_pace_cycles"] - quiet) < 0.01 and
          doc["machine"]["quiet_pace_runs"] == 1 and
          all(c["pace_ratio"] >= 1.12 for c in doc["cases"]),
          "--history: the JSON's reference and pace ratios", out)

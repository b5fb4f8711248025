#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""scripts/bench-profile.py --analyze on a synthetic esprit-bench JSON and
perf report: the worker's samples split by library (the main thread's
left out, the bench's own functions counted as other), scaled to the
case's cycles per packet, beside the run's references; and its errors
for a JSON of two cases and a report without worker samples."""
import json
import os
import subprocess
import sys
import tempfile

SCRIPT = sys.argv[1]

CASE = {"dir": "out", "cipher": "aes128gcm", "iv": "explicit", "family": 4, "size": "64",
        "sas": 1, "workers": 1, "handoff": False, "error": 0, "mpps": 20.0,
        "cycles_per_packet": 200.0, "io_mpps": 65.0, "crypto_cycles": 50.0,
        "fraction": 0.5}
DOC = {"machine": {"tsc_ghz": 2.6}, "cases": [CASE]}

# 100% of the samples: 80 on the worker, 20 on the main thread (setup)
REPORT = """# header lines perf prints
#
 30.00% ;rte-worker-1;libIPSec_MB.so.1.3.0        ;[.] aes_gcm_enc_128_vaes_avx512
 10.00% ;rte-worker-1;libIPSec_MB.so.1.3.0        ;[.] imb_aes_gmac_update_256_avx_gen4
 12.00% ;rte-worker-1;librte_net_pcap.so.23.0     ;[.] 0x00000000000042f5
 4.00%  ;rte-worker-1;librte_net_null.so.23.0     ;[.] 0x000000000000445a
 16.00% ;rte-worker-1;esprit-bench                ;[.] esp_out_OUT_TUN4_0_ESP_CIPHER_AES128_GCM16
 4.00%  ;rte-worker-1;esprit-bench                ;[.] worker_process_burst
 2.00%  ;rte-worker-1;esprit-bench                ;[.] bench_chacha_paths
 2.00%  ;rte-worker-1;[kernel.kallsyms]           ;[k] clear_page_erms
 20.00% ;esprit-bench;esprit-bench                ;[.] esp_sa_create

"""


def run(tmp, doc, report):
    j = os.path.join(tmp, "bench.json")
    r = os.path.join(tmp, "report.txt")
    with open(j, "w") as f:
        json.dump(doc, f)
    with open(r, "w") as f:
        f.write(report)
    p = subprocess.run([sys.executable, SCRIPT, "--top", "2", "--analyze", j, r],
                       capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def line(out, start):
    for ln in out.splitlines():
        if ln.startswith(start):
            return ln.split()
    raise AssertionError("no line %r in:\n%s" % (start, out))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        rc, out, err = run(tmp, DOC, REPORT)
        assert rc == 0, (rc, err)
        # worker total 80: crypto 40 (50%), I/O 16 (20%), esprit 20 (25%),
        # other 4 (bench_chacha_paths, the kernel: 5%); of 200 cycles
        crypto = line(out, "crypto (IPsec-MB)")
        assert crypto[-5:] == ["50.0%", "100.0", "crypto", "loop", "50.0"], crypto
        io = line(out, "I/O (PMDs, mempool, mbuf)")
        assert io[-5:] == ["20.0%", "40.0", "testpmd", "io", "40.0"], io
        esprit = line(out, "esprit ")
        assert esprit[-2:] == ["25.0%", "50.0"], esprit
        other = line(out, "other ")
        assert other[-2:] == ["5.0%", "10.0"], other
        # the busiest functions, in cycles per packet, --top 2
        f = line(out, "  esp_out_OUT_TUN4")
        assert f[-2:] == ["20.0%", "40.0"], f
        assert "worker_process_burst" in out and "bench_chacha_paths" not in out, out
        assert "esp_sa_create" not in out, out          # the main thread's
        assert "200 cycles a packet" in out and "0.500 of the limit" in out, out

        rc, out, err = run(tmp, dict(DOC, cases=[CASE, dict(CASE, size="1420")]), REPORT)
        assert rc != 0 and "select 2 cases" in err, (rc, err)
        rc, out, err = run(tmp, DOC, "\n".join(ln for ln in REPORT.splitlines()
                                               if "rte-worker" not in ln))
        assert rc != 0 and "no samples on a worker lcore" in err, (rc, err)
    print("bench-profile: ok")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""esprit against DPDK's ipsec-secgw, side by side in esprit-bench's harness.

    scripts/bench-secgw.py [--build DIR] [--cipher aes128gcm,chacha20poly1305]
                           [--dir out,in] [--size 64,1420] [--rounds N]
                           [--seconds S] [--json FILE] [--dpdk-src DIR]

The issue that set esprit's targets measured ipsec-secgw, DPDK's example
IPsec gateway, in this harness once. This script measures both again, in
turns, on the same core, the same ports and the same packets, so that the
ratio is of one run:

  * esprit: esprit-bench's case (one worker on CPU 1, AES-128-GCM or
    ChaCha20-Poly1305, explicit IV, IPv4 tunnel, one SA), which also
    measures the harness's I/O and
    crypto costs, the limit both fractions are of. It writes the case's
    pcap: clear UDP outbound, ESP esprit made inbound.
  * ipsec-secgw: one lcore on CPU 1 (`-l 1`), the pcap replayed by
    net_pcap (infinite_rx) into one port, net_null on the other, the
    crypto by DPDK's crypto_aesni_gcm or crypto_chacha20_poly1305 PMD
    (both IPsec-MB's), the same SA (SPI, key
    and salt as esprit-bench derives them, tunnel 192.0.2.1 <-> 192.0.2.2,
    no anti-replay: ipsec-secgw's default, and esprit-bench's). Its packet
    rate is counted from the sink port's counters (DPDK telemetry) over
    `--seconds`, per second of the process's CPU time as esprit-bench
    counts esprit's. Both of its paths run: its own ("secgw") and
    librte_ipsec's (`-l`, "secgw -l"); ChaCha20-Poly1305 only on the
    second, as its own has no such cipher in 22.11.

ipsec-secgw is built from the DPDK source of the installed version, fetched
from Debian's archive (its SHA-256 pinned below; for another version, the
one its package's .dsc gives) or given with --dpdk-src,
into BUILD/ipsec-secgw-VERSION; nothing of it is part of esprit. One change
is made to it: its ports no longer require RX checksum offload, which the
virtual devices of this harness do not have (it is not used on this path).

Prints a table (Mpps and fraction of the limit, medians over the rounds,
and the median over the rounds of esprit's rate over ipsec-secgw's better
one in the same round) and writes JSON. Needs what
scripts/bench.sh needs (root, hugepages when there are free ones; without,
both run with --no-huge), make, and network access to deb.debian.org the
first time.
"""
import argparse
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The Debian source tarballs this script knows, by DPDK version.
DEBIAN_POOL = "http://deb.debian.org/debian/pool/main/d/dpdk/"
ORIG_SHA256 = {
    "22.11.11": "27a3bb1f57e02eb68c7c0a6f8bbf9fb74ec198c5aab74ed602da5b71c492a476",
}

# ipsec-secgw's port configuration asks for RX checksum offload, which
# net_pcap and net_null do not offer (it exits); its ESP path does not use it.
SECGW_PATCH = (".offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,", ".offloads = 0,")

# esprit-bench's topology (dataplane/bench/bench_gen.c).
GW_LOCAL, GW_REMOTE = "192.0.2.1", "192.0.2.2"
SALT = bytes.fromhex("5a17c001")
OUT_SPI = 0x1000

# esprit-bench's ciphers as ipsec-secgw names them: its algorithm, the
# key's octets, its crypto PMD, and its paths that have the cipher (its
# own ESP code has no ChaCha20-Poly1305 in 22.11: "unsupported cipher
# algorithm"; librte_ipsec's has, with RFC 7634's 8-octet IV).
CIPHERS = {
    "aes128gcm": {"algo": "aes-128-gcm", "key": 16, "vdev": "crypto_aesni_gcm0",
                  "paths": ("secgw", "secgw -l"), "name": "AES-128-GCM"},
    "chacha20poly1305": {"algo": "chacha20-poly1305", "key": 32,
                         "vdev": "crypto_chacha20_poly1305", "paths": ("secgw -l",),
                         "name": "ChaCha20-Poly1305"},
}
PATHS = ("secgw", "secgw -l")


def die(msg):
    print("bench-secgw: " + msg, file=sys.stderr)
    sys.exit(1)


def mix32(h):
    """MurmurHash3's finalizer, as bench_gen.c derives keys with it."""
    h &= 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)


def bench_key(spi, cipher="aes128gcm"):
    """The key esprit-bench gives SA @p spi (bench_sa_params())."""
    return bytes((mix32(spi + i) >> 7) & 0xFF for i in range(CIPHERS[cipher]["key"]))


def secgw_key(spi, cipher="aes128gcm"):
    """ipsec-secgw's aead_key: the key and then the salt, colon-separated."""
    return ":".join("%02x" % b for b in bench_key(spi, cipher) + SALT)


def pcap_first_spi(path):
    """The SPI of the first frame of esprit-bench's inbound pcap (IPv4 ESP)."""
    with open(path, "rb") as f:
        data = f.read(24 + 16 + 14 + 20 + 4)
    frame = data[24 + 16:]
    if len(frame) < 38 or frame[12:14] != b"\x08\x00" or frame[14 + 9] != 50:
        die("%s: its first frame is not IPv4 ESP" % path)
    return int.from_bytes(frame[34:38], "big")


def secgw_config(direction, spi, cipher="aes128gcm"):
    """ipsec-secgw's configuration for esprit-bench's case: port 0 receives,
    port 1 sends; outbound protects 10.1.0.0/16 -> 10.2.0.0/16, inbound
    takes the peer's ESP to host A's site. The direction not measured gets
    an SA and policy no packet uses (ipsec-secgw wants an inbound SA for
    an unprotected port)."""
    key, algo = secgw_key(spi, cipher), CIPHERS[cipher]["algo"]
    if direction == "out":
        return "\n".join([
            "sp ipv4 out esp protect %d pri 1 dst 10.2.0.0/16 sport 0:65535 dport 0:65535" % spi,
            "sa out %d aead_algo %s aead_key %s mode ipv4-tunnel src %s dst %s"
            % (spi, algo, key, GW_LOCAL, GW_REMOTE),
            "sp ipv4 in esp protect %d pri 1 dst 10.1.0.0/16 sport 0:65535 dport 0:65535"
            % (spi + 1),
            "sa in %d aead_algo %s aead_key %s mode ipv4-tunnel src %s dst %s"
            % (spi + 1, algo, key, GW_REMOTE, GW_LOCAL),
            "rt ipv4 dst %s/32 port 1" % GW_REMOTE,
            "neigh port 1 02:00:00:00:b0:02",
            ""])
    return "\n".join([
        "sp ipv4 in esp protect %d pri 1 dst 10.1.0.0/16 sport 0:65535 dport 0:65535" % spi,
        "sa in %d aead_algo %s aead_key %s mode ipv4-tunnel src %s dst %s"
        % (spi, algo, key, GW_REMOTE, GW_LOCAL),
        "rt ipv4 dst 10.1.0.0/16 port 1",
        "neigh port 1 02:00:00:00:b0:02",
        ""])


def dpdk_version():
    out = subprocess.run(["pkg-config", "--modversion", "libdpdk"], capture_output=True,
                         text=True)
    if out.returncode != 0:
        die("pkg-config finds no libdpdk (install libdpdk-dev)")
    return out.stdout.strip()


def dsc_sha256(dsc, name):
    """The SHA-256 a Debian source control file (.dsc) @p dsc gives for
    the file @p name, or None."""
    lines = iter(dsc.splitlines())
    for line in lines:
        if line.strip() == "Checksums-Sha256:":
            break
    for line in lines:
        if not line.startswith(" "):
            break
        fields = line.split()
        if len(fields) == 3 and fields[2] == name:
            return fields[0]
    return None


def package_version():
    """The installed libdpdk-dev's Debian version (22.11.11-0+deb12u1)."""
    out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libdpdk-dev"],
                         capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else None


def fetch_source(version, cache):
    """The Debian source tarball of DPDK @p version, checked against the
    SHA-256 pinned here or, for a version this script does not know, the
    one the installed package's .dsc in the same archive gives (integrity,
    not the archive's signature)."""
    name = "dpdk_%s.orig.tar.xz" % version
    path = os.path.join(cache, name)
    want = ORIG_SHA256.get(version)
    if want is None:
        pkg = package_version()
        if pkg is None:
            die("no pinned source for DPDK %s and no libdpdk-dev package: give --dpdk-src"
                % version)
        url = DEBIAN_POOL + "dpdk_%s.dsc" % pkg.split(":")[-1]
        with urllib.request.urlopen(url, timeout=60) as r:
            want = dsc_sha256(r.read().decode(), name)
        if want is None:
            die("%s lists no %s: give --dpdk-src" % (url, name))
        print("bench-secgw: DPDK %s is not pinned here; checking against %s" % (version, url))
    if not os.path.exists(path):
        url = DEBIAN_POOL + name
        print("bench-secgw: fetching %s" % url, flush=True)
        with urllib.request.urlopen(url, timeout=300) as r, open(path + ".part", "wb") as f:
            shutil.copyfileobj(r, f)
        os.rename(path + ".part", path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != want:
        os.unlink(path)
        die("%s: SHA-256 %s, not %s" % (path, h.hexdigest(), want))
    return path


def build_secgw(build, dpdk_src):
    """ipsec-secgw built against the installed DPDK; returns its path."""
    version = dpdk_version()
    top = os.path.join(build, "ipsec-secgw-" + version)
    binary = os.path.join(top, "ipsec-secgw", "build", "ipsec-secgw")
    if os.path.exists(binary):
        return binary
    os.makedirs(top, exist_ok=True)
    if dpdk_src is None:
        with tarfile.open(fetch_source(version, top)) as t:
            for m in t.getmembers():
                parts = m.name.split("/")
                if len(parts) > 3 and parts[1] == "examples" and parts[2] in ("ipsec-secgw",
                                                                             "common"):
                    m.name = "/".join(parts[2:])
                    t.extract(m, top)
    else:
        for d in ("ipsec-secgw", "common"):
            shutil.copytree(os.path.join(dpdk_src, "examples", d), os.path.join(top, d),
                            dirs_exist_ok=True)
    c = os.path.join(top, "ipsec-secgw", "ipsec-secgw.c")
    with open(c) as f:
        text = f.read()
    if text.count(SECGW_PATCH[0]) != 1:
        die("%s: the RX checksum offload line to drop is not there once" % c)
    with open(c, "w") as f:
        f.write(text.replace(*SECGW_PATCH))
    print("bench-secgw: building ipsec-secgw %s" % version, flush=True)
    r = subprocess.run(["make", "-C", os.path.join(top, "ipsec-secgw"), "-j2"],
                       capture_output=True, text=True)
    if r.returncode != 0 or not os.path.exists(binary):
        die("building ipsec-secgw failed:\n" + r.stdout[-2000:] + r.stderr[-2000:])
    return binary


def hugepages():
    """The 2 MiB hugepages reserved, when enough are free and mounted for
    both programs; else 0 (both then run without)."""
    with open("/proc/meminfo") as f:
        free = [int(line.split()[1]) for line in f if line.startswith("HugePages_Free:")]
    with open("/proc/mounts") as f:
        mounted = any(" hugetlbfs " in line for line in f)
    if not mounted or not free or free[0] < 512:
        return 0
    with open("/proc/sys/vm/nr_hugepages") as f:
        return int(f.read())


def run_esprit(build, cipher, direction, size, seconds, huge, work):
    """One esprit-bench run of the case through scripts/bench.sh (which
    builds it and pins it as every run is; --huge with the pages already
    reserved, so it changes nothing); its JSON case and machine. The
    case's pcap is left in @p work."""
    out = tempfile.mkdtemp(prefix="esprit.", dir=work)
    cmd = [os.path.join(SRC, "scripts", "bench.sh"), "--build", build, "--out", out]
    if huge:
        cmd += ["--huge", str(huge)]
    cmd += ["--dir", direction, "--cipher", cipher, "--iv", "explicit", "--family", "4",
            "--size", str(size), "--sas", "1", "--no-mc", "--time", str(seconds),
            "--pcap-dir", work]
    r = subprocess.run(cmd, capture_output=True, text=True)
    files = glob.glob(os.path.join(out, "bench-*.json"))
    if r.returncode != 0 or len(files) != 1:
        die("bench.sh failed:\n" + r.stdout[-2000:] + r.stderr[-2000:])
    with open(files[0]) as f:
        j = json.load(f)
    return j["cases"][0], j["machine"]


class Telemetry:
    """A client of a DPDK process's telemetry socket."""

    def __init__(self, prefix, timeout):
        path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.s.recv(4096)   # the greeting

    def ask(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(1 << 16).decode())

    def close(self):
        self.s.close()


def cpu_seconds(pid):
    """User and system CPU time of process @p pid (all its threads)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_secgw(secgw, cipher, direction, pcap, seconds, huge, librte_ipsec, workdir):
    """ipsec-secgw on CPU 1 over @p pcap for @p seconds after a warm-up:
    Mpps per CPU-second, and the share of the received frames it sent."""
    spi = OUT_SPI if direction == "out" else pcap_first_spi(pcap)
    cfg = os.path.join(workdir, "secgw-%s.cfg" % direction)
    with open(cfg, "w") as f:
        f.write(secgw_config(direction, spi, cipher))
    prefix = "esprit-secgw-%d" % os.getpid()
    cmd = ["taskset", "-c", "1", secgw, "-l", "1", "-n", "1", "--no-pci", "--file-prefix", prefix,
           "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap, "--vdev", "net_null0,no-rx=1",
           "--vdev", CIPHERS[cipher]["vdev"]]
    # hugepages unlinked at once, as esprit-bench's: none left behind
    cmd += ["--huge-unlink"] if huge else ["--no-huge", "-m", "1024"]
    cmd += ["--", "-p", "0x3", "-P", "-u", "0x2" if direction == "out" else "0x1",
            "--config", "(0,0,1),(1,0,1)", "-f", cfg]
    if librte_ipsec:
        cmd.append("-l")
    log = open(os.path.join(workdir, "secgw.log"), "w")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    try:
        tm = Telemetry(prefix, 60)
        deadline = time.monotonic() + 30
        while tm.ask("/ethdev/stats,1")["/ethdev/stats"]["opackets"] == 0:
            if p.poll() is not None or time.monotonic() > deadline:
                die("ipsec-secgw sent nothing; see %s" % log.name)
            time.sleep(0.2)
        time.sleep(1)   # warm-up
        rx0 = tm.ask("/ethdev/stats,0")["/ethdev/stats"]["ipackets"]
        tx0 = tm.ask("/ethdev/stats,1")["/ethdev/stats"]["opackets"]
        c0 = cpu_seconds(p.pid)
        time.sleep(seconds)
        rx1 = tm.ask("/ethdev/stats,0")["/ethdev/stats"]["ipackets"]
        tx1 = tm.ask("/ethdev/stats,1")["/ethdev/stats"]["opackets"]
        c1 = cpu_seconds(p.pid)
        tm.close()
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)
    if c1 <= c0:
        die("ipsec-secgw used no CPU time in the window")
    return (tx1 - tx0) / (c1 - c0) / 1e6, (tx1 - tx0) / max(1, rx1 - rx0)


def fraction(mpps, case, machine):
    """@p mpps as a fraction of the case's limit, 1 / (I/O + crypto time)."""
    return mpps * (1 / case["io_mpps"] + case["crypto_cycles"] / (machine["tsc_ghz"] * 1e3))


def measure(a, secgw, huge, work, cipher, direction, size):
    """One case over a.rounds rounds: esprit-bench, then ipsec-secgw on
    each of its paths that has the cipher, each round."""
    paths = CIPHERS[cipher]["paths"]
    rows = {name: [] for name in ("esprit",) + paths}
    sent_share = []
    for r in range(a.rounds):
        print("bench-secgw: %s %s %d B, round %d of %d" % (cipher, direction, size, r + 1,
                                                         a.rounds), flush=True)
        case, machine = run_esprit(a.build, cipher, direction, size, a.esprit_time, huge,
                                   work)
        rows["esprit"].append((case["mpps"], case["fraction"]))
        pcap = os.path.join(work, "port0.pcap")
        for name in paths:
            mpps, share = run_secgw(secgw, cipher, direction, pcap, a.seconds, huge,
                                    name == "secgw -l", work)
            rows[name].append((mpps, fraction(mpps, case, machine)))
            sent_share.append(share)
    res = {"cipher": cipher, "dir": direction, "size": size, "rounds": a.rounds,
           "hugepages": huge, "secgw_sent_of_received_min": min(sent_share)}
    for name, vals in rows.items():
        res[name] = {"mpps": statistics.median(v[0] for v in vals),
                     "fraction": statistics.median(v[1] for v in vals), "rounds": vals}
    # the ratio of each round's rates (measured within seconds of each
    # other, so the host's pace moves both), then their median
    res["esprit_over_secgw"] = statistics.median(
        rows["esprit"][r][0] / max(rows[name][r][0] for name in paths)
        for r in range(a.rounds))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(SRC, "build-bench"),
                    help="esprit's release build, and where ipsec-secgw is built")
    ap.add_argument("--cipher", default="aes128gcm",
                    help="aes128gcm and/or chacha20poly1305 (comma separated)")
    ap.add_argument("--dir", default="out,in")
    ap.add_argument("--size", default="64,1420")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=2.0,
                    help="each ipsec-secgw measurement (after a second's warm-up)")
    ap.add_argument("--esprit-time", type=float, default=1.0,
                    help="esprit-bench's --time per round")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--dpdk-src", help="a DPDK source tree of the installed version")
    a = ap.parse_args()

    secgw = build_secgw(a.build, a.dpdk_src)
    huge = hugepages()
    results = []
    for cipher in a.cipher.split(","):
        if cipher not in CIPHERS:
            die("--cipher: %s is not one of %s" % (cipher, ", ".join(CIPHERS)))
    with tempfile.TemporaryDirectory(prefix="esprit-secgw.") as work:
        for cipher in a.cipher.split(","):
            for direction in a.dir.split(","):
                for size in [int(s) for s in a.size.split(",")]:
                    results.append(measure(a, secgw, huge, work, cipher, direction, size))

    print("\nIPv4 tunnel, one SA, one core; medians of %d rounds%s"
          % (a.rounds, "" if huge else " (no hugepages)"))
    print("%-17s %-4s %6s  %17s  %17s  %17s  %s"
          % ("cipher", "dir", "size", "esprit Mpps frac", "secgw Mpps frac",
             "secgw -l Mpps frac", "esprit / best secgw"))
    for res in results:
        cells = ["%9.2f %7.3f" % (res[n]["mpps"], res[n]["fraction"]) if n in res
                 else "%17s" % "-" for n in ("esprit",) + PATHS]
        print("%-17s %-4s %6d  %s  %s  %s  %.2fx" % (CIPHERS[res["cipher"]]["name"], res["dir"],
                                                    res["size"], *cells,
                                                    res["esprit_over_secgw"]))
    low = [r for r in results if r["secgw_sent_of_received_min"] < 0.99]
    for r in low:
        print("note: ipsec-secgw sent %.1f%% of what it received (%s %s %d B)"
              % (100 * r["secgw_sent_of_received_min"], r["cipher"], r["dir"], r["size"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"results": results}, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Decrypt esprit's AES-GCM ESP from a capture with tshark (Wireshark's ESP
dissector, given the keys through its esp_sa UAT) and check that the
decrypted inner packets are the test's UDP flows.

tshark 4.0 decrypts RFC 4106 AES-GCM with an explicit IV and 32-bit
sequence numbers; ESN, implicit IV and ChaCha20 are left to verify_scapy.py
and verify_iiv.py.  tshark 4.0 does not check the GCM ICV ("unchecked"):
what this proves is that the keystream (key, salt, explicit IV, counter),
the ESP trailer and the inner packet are right; verify_scapy.py checks the
ICV of the same packets.

usage: verify_tshark.py PCAP SAS_JSON   (exit 0 when all checked out)
"""
import subprocess
import sys

import esputil


def main():
    pcap, sasfile = sys.argv[1], sys.argv[2]
    sas = esputil.load_sas(sasfile)
    todo = {spi: s for spi, s in sas.items()
            if s["cipher"].startswith("aes") and not s["iiv"] and not s["esn"]
            and not s["name"].startswith(("inj-", "rt"))}
    args = ["tshark", "-n", "-r", pcap, "-o", "esp.enable_encryption_decode:TRUE",
            "-d", "udp.port==4500,udpencap"]
    for spi, s in sorted(todo.items()):
        fam = "IPv4" if s["outer"] == 4 else "IPv6"
        args += ["-o", 'uat:esp_sa:"%s","*","*","0x%08x","AES-GCM with 16 octet ICV [RFC4106]",'
                 '"0x%s","NULL",""' % (fam, spi, s["key"])]
    args += ["-Y", "esp", "-T", "fields", "-E", "separator=|", "-e", "esp.spi",
             "-e", "esp.sequence", "-e", "udp.dstport", "-e", "udp.payload",
             "-e", "frame.protocols"]
    out = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if out.returncode:
        print("tshark failed:", out.stderr[-2000:])
        return 1
    good, bad = {}, []
    for line in out.stdout.splitlines():
        f = line.split("|")
        if len(f) < 5 or not f[0]:
            continue
        spi = int(f[0], 16) if f[0].startswith("0x") else int(f[0])
        if spi not in todo:
            continue
        s = todo[spi]
        protos = f[4].split(":esp:", 1)
        if len(protos) < 2 or not protos[1]:
            bad.append("spi 0x%x seq %s: tshark did not decrypt it (%s)" % (spi, f[1], f[4]))
            continue
        # udp.dstport lists every UDP header: NAT-T outer first, inner last
        dports = [int(x) for x in f[2].split(",") if x]
        data = f[3].split(",")[-1] if f[3] else ""
        if s["dport"]:
            if not dports or dports[-1] != s["dport"] or not data.startswith(b"ESPR".hex()):
                bad.append("spi 0x%x seq %s: decrypted inner is not UDP to %s with the test "
                           "payload (dports %s)" % (spi, f[1], s["dport"], dports))
                continue
        good[spi] = good.get(spi, 0) + 1
    for spi, s in sorted(todo.items()):
        n = good.get(spi, 0)
        print("tshark: spi 0x%x %-9s %s %s in IPv%d out IPv%d: %d packets decrypted" %
              (spi, s["name"], s["cipher"], s["mode"], s["inner"], s["outer"], n))
        if not n:
            bad.append("spi 0x%x (%s): nothing decrypted" % (spi, s["name"]))
    for b in bad[:20]:
        print("tshark ERROR:", b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

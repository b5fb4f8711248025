#!/usr/bin/python3
"""Decrypt esprit's explicit-IV ESP from a capture with scapy's own ESP
implementation (scapy.layers.ipsec.SecurityAssociation: AES-GCM and
ChaCha20-Poly1305, with and without ESN), and check every SA's wire layout:
outer family and addresses (tunnel: the gateways; transport: the hosts),
ESP-in-UDP on port 4500 exactly for the NAT-T SAs, sequence numbers
starting at 1 and increasing.

usage: verify_scapy.py PCAP SAS_JSON   (exit 0 when all checked out)
"""
import sys

from scapy.all import IP, IPv6, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation

import esputil

ALGO = {"aes128gcm16": "AES-GCM", "aes256gcm16": "AES-GCM",
        "chacha20poly1305": "CHACHA20-POLY1305"}


def scapy_sa(sa):
    outer = IP if sa["outer"] == 4 else IPv6
    th = outer(src=sa["src_addr"], dst=sa["dst_addr"]) if sa["mode"] == "tunnel" else None
    return SecurityAssociation(ESP, spi=sa["spi"], crypt_algo=ALGO[sa["cipher"]],
                               crypt_key=bytes.fromhex(sa["key"]), tunnel_header=th,
                               esn_en=sa["esn"], esn=0)


def main():
    pcap, sasfile = sys.argv[1], sys.argv[2]
    sas = esputil.load_sas(sasfile)
    recs = esputil.esp_records(pcap)
    errors, decrypted, seen, last = [], {}, {}, {}
    for r in recs:
        spi = r["spi"]
        if spi not in sas:
            continue  # injected wrong-SPI packets etc.
        sa = sas[spi]
        seen[spi] = seen.get(spi, 0) + 1
        # layout
        if r["family"] != sa["outer"] or r["src"] != sa["src_addr"] or r["dst"] != sa["dst_addr"]:
            errors.append("spi 0x%x: outer IPv%d %s -> %s, expected IPv%d %s -> %s" %
                          (spi, r["family"], r["src"], r["dst"], sa["outer"], sa["src_addr"],
                           sa["dst_addr"]))
        if r["natt"] != sa["natt"]:
            errors.append("spi 0x%x: ESP-in-UDP %s, expected %s" % (spi, r["natt"], sa["natt"]))
        elif r["natt"] and r["udp"][:2] != (4500, 4500):
            errors.append("spi 0x%x: UDP ports %s, expected 4500/4500" % (spi, r["udp"][:2]))
        if r["seq"] <= last.get(spi, 0):
            errors.append("spi 0x%x: sequence %d after %d" % (spi, r["seq"], last.get(spi, 0)))
        last[spi] = r["seq"]
        if sa["iiv"]:
            continue  # verify_iiv.py: scapy 2.5 has no RFC 8750
        # decrypt with scapy (the ESP part only; NAT-T UDP is checked above)
        outer = IP if r["family"] == 4 else IPv6
        hdr = outer(src=r["src"], dst=r["dst"])
        pkt = hdr / ESP(r["esp"])
        try:
            inner = scapy_sa(sa).decrypt(pkt)
        except Exception as e:  # IPSecIntegrityError and parse errors
            errors.append("spi 0x%x seq %d: scapy decrypt failed: %s" % (spi, r["seq"], e))
            continue
        if UDP not in inner or inner[UDP].dport != sa["dport"] and sa["dport"]:
            if sa["dport"]:
                errors.append("spi 0x%x seq %d: inner is not UDP to %s: %r" %
                              (spi, r["seq"], sa["dport"], inner.summary()))
                continue
        want_inner = IP if sa["inner"] == 4 else IPv6
        if sa["mode"] == "tunnel" and want_inner not in inner:
            errors.append("spi 0x%x: inner is not IPv%d" % (spi, sa["inner"]))
            continue
        if sa["dport"] and not bytes(inner[UDP].payload).startswith(b"ESPR"):
            errors.append("spi 0x%x seq %d: inner payload is not the test's" % (spi, r["seq"]))
            continue
        decrypted[spi] = decrypted.get(spi, 0) + 1
    for spi, n in sorted(seen.items()):
        s = sas[spi]
        how = "iiv (see verify_iiv)" if s["iiv"] else "%d decrypted by scapy" % decrypted.get(spi, 0)
        print("scapy: spi 0x%x %-11s %-16s %-9s in IPv%d out IPv%d%s%s: %d on the wire, %s" %
              (spi, s["name"], s["cipher"], s["mode"], s["inner"], s["outer"],
               " natt" if s["natt"] else "", " esn" if s["esn"] else "", n, how))
    pairs_seen = {spi for spi in seen if not sas[spi]["name"].startswith(("inj-", "rt"))}
    for spi, s in sorted(sas.items()):
        if not s["name"].startswith(("inj-", "rt")) and spi not in pairs_seen:
            errors.append("spi 0x%x (%s): no packets in the capture" % (spi, s["name"]))
    for e in errors[:30]:
        print("scapy ERROR:", e)
    return 1 if errors or not decrypted else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Build ESP packets for esprit's SAs outside esprit, and send them into a
gateway from the wire namespace.

Explicit-IV SAs are built by scapy's SecurityAssociation (an independent ESP
implementation); implicit-IV SAs (RFC 8750, which scapy 2.5 lacks) and the
deliberately broken packets are built here with python3-cryptography.

  inject.py good   SAS NAME COUNT [--first-seq N] [--size S]   valid traffic
  inject.py bad    SAS KIND [--seq N]                          one bad-input kind
  inject.py resend PCAP SPI first|last                         replay a captured packet
  inject.py pcap   SAS OUT.pcap                                verifier self-test input

Common options: --iface IF --dmac MAC (where and to whom frames go).
Inner packets go from host A (10.1.0.1 / fd01::1) to host B, UDP to the SA's
port, with traffic.py's numbered payload so host B's traffic.py can check
them.  Prints one line per packet sent.
"""
import argparse
import hashlib
import os
import struct
import sys
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from scapy.all import IP, IPv6, UDP, Ether, Raw, conf, rdpcap, sendp, wrpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

import esputil
import traffic

conf.verb = 0
ALGO = {"aes128gcm16": "AES-GCM", "aes256gcm16": "AES-GCM",
        "chacha20poly1305": "CHACHA20-POLY1305"}
BADSEQ = 9999   # payload number of every packet that must NOT get through
HOST = {4: ("10.1.0.1", "10.2.0.1"), 6: ("fd01::1", "fd02::1")}


def find_sa(sasfile, name):
    for s in esputil.load_sas(sasfile).values():
        if s["name"] == name:
            return s
    sys.exit("no SA named %s" % name)


def inner_packet(sa, seq, size, src=None, df=False):
    s, d = HOST[sa["inner"]]
    s = src or s
    data = traffic.payload(sa["dport"], seq, size)
    if sa["inner"] == 4:
        return IP(src=s, dst=d, flags="DF" if df else 0) / UDP(sport=40000, dport=sa["dport"]) / Raw(data)
    return IPv6(src=s, dst=d) / UDP(sport=40000, dport=sa["dport"]) / Raw(data)


def outer_header(sa, proto_esp=True):
    o = IP(src=sa["src_addr"], dst=sa["dst_addr"]) if sa["outer"] == 4 else \
        IPv6(src=sa["src_addr"], dst=sa["dst_addr"])
    return o


def esp_crypto(sa, seq, plain_payload, nh, pad=None, explicit_iv=None):
    """ESP (SPI..ICV) built with python3-cryptography.  pad: padding bytes to
    use instead of 1,2,3..; the payload+trailer is aligned to 4."""
    key, salt = esputil.key_salt(sa)
    c = ChaCha20Poly1305(key) if sa["cipher"] == "chacha20poly1305" else AESGCM(key)
    if pad is None:
        n = -(len(plain_payload) + 2) % 4
        pad = bytes(range(1, n + 1))
    pt = plain_payload + pad + bytes([len(pad), nh])
    hdr = struct.pack("!II", sa["spi"], seq & 0xFFFFFFFF)
    high = seq >> 32
    aad = struct.pack("!III", sa["spi"], high, seq & 0xFFFFFFFF) if sa["esn"] else hdr
    if sa["iiv"]:
        iv = struct.pack("!Q", seq) if sa["esn"] else struct.pack("!II", 0, seq)
        return hdr + c.encrypt(salt + iv, pt, aad)
    iv = explicit_iv or os.urandom(8)
    return hdr + iv + c.encrypt(salt + iv, pt, aad)


def esp_scapy(sa, seq, inner):
    """ESP built by scapy's SecurityAssociation (explicit IV only)."""
    th = outer_header(sa)
    spa = SecurityAssociation(ESP, spi=sa["spi"], crypt_algo=ALGO[sa["cipher"]],
                              crypt_key=bytes.fromhex(sa["key"]), tunnel_header=th,
                              esn_en=sa["esn"], esn=seq >> 32)
    pkt = spa.encrypt(inner, seq_num=seq & 0xFFFFFFFF)
    return bytes(pkt[ESP])


def wrap(sa, esp):
    """Outer IP (+ UDP 4500 for NAT-T SAs) around ESP octets."""
    o = outer_header(sa)
    if sa["natt"]:
        return o / UDP(sport=4500, dport=4500, chksum=0) / Raw(esp)
    if sa["outer"] == 4:
        o.proto = 50
    else:
        o.nh = 50
    return o / Raw(esp)


def build(sa, seq, size=200, **kw):
    inner = inner_packet(sa, kw.pop("pseq", seq), size, kw.pop("src", None), kw.pop("df", False))
    if sa["iiv"] or kw:
        nh = 4 if sa["inner"] == 4 else 41
        return wrap(sa, esp_crypto(sa, seq, bytes(inner), kw.pop("nh", nh), **kw))
    return wrap(sa, esp_scapy(sa, seq, inner))


def send(args, pkts):
    frames = [Ether(dst=args.dmac, src="02:00:00:00:0e:0e") / p for p in pkts]
    sendp(frames, iface=args.iface, inter=0.002)


def cmd_good(a):
    """--warmup W datagrams first (ignored by traffic.py's receiver: they let
    the gateway resolve host B), then COUNT numbered ones; prints the line
    traffic.py udp-recv prints for the same datagrams."""
    sa = find_sa(a.sas, a.name)
    seq = a.first_seq
    if a.warmup:
        send(a, [build(sa, seq + i, 64, pseq=traffic.WARMUP) for i in range(a.warmup)])
        seq += a.warmup
        time.sleep(0.5)
    pkts = [build(sa, seq + i, a.size, pseq=i) for i in range(a.count)]
    send(a, pkts)
    h = hashlib.sha256()
    total = 0
    for i in range(a.count):
        p = traffic.payload(sa["dport"], i, a.size)
        h.update(p)
        total += len(p)
    sys.stderr.write("sent %d valid packets on %s (spi 0x%x) seq %d..%d\n" %
                     (a.count, sa["name"], sa["spi"], seq, seq + a.count - 1))
    print(h.hexdigest(), a.count, total)


def cmd_bad(a):
    """One kind of bad input on SA inj-gcm (or --sa); 3 packets unless noted."""
    sa = find_sa(a.sas, a.sa)
    s = a.seq
    k = a.kind
    pk = []
    if k == "truncated":
        esp = esp_crypto(sa, s, bytes(inner_packet(sa, BADSEQ, 200)), 4)
        for cut in (6, 12, 30):   # inside the header, inside the IV, inside the ICV
            pk.append(wrap(sa, esp[:cut]))
    elif k == "wrong_spi":
        for i in range(3):
            esp = bytearray(esp_crypto(sa, s + i, bytes(inner_packet(sa, BADSEQ, 200)), 4))
            esp[0:4] = struct.pack("!I", 0xDEAD0000 + i)
            pk.append(wrap(sa, bytes(esp)))
    elif k == "bad_icv":
        for i in range(3):
            esp = bytearray(esp_crypto(sa, s + i, bytes(inner_packet(sa, BADSEQ, 200)), 4))
            esp[-1 - i] ^= 0x01
            pk.append(wrap(sa, bytes(esp)))
    elif k == "garbage":   # a valid-looking header (fresh seq), then random octets
        for i in range(3):
            pk.append(wrap(sa, struct.pack("!II", sa["spi"], s + i) + os.urandom(64 + 16 * i)))
    elif k == "bad_padding":  # authentic, aligned, but padding is not 1,2,3,...
        inner = bytes(inner_packet(sa, BADSEQ, 200))
        n = -(len(inner) + 2) % 4
        good = bytes(range(1, n + 9))
        for i, pad in enumerate((b"\xaa" * (n + 4), bytes(n + 8), good[:-1] + b"\x42")):
            pk.append(wrap(sa, esp_crypto(sa, s + i, inner, 4, pad=pad)))
    elif k == "bad_next_hdr":  # authentic, tunnel SA, next header TCP
        for i in range(3):
            pk.append(wrap(sa, esp_crypto(sa, s + i, bytes(inner_packet(sa, BADSEQ, 200)), 6)))
    elif k == "selector":   # authentic, inner source outside the SA's selector
        for i in range(3):
            pk.append(build(sa, s + i, 200, src="10.9.9.9", pseq=BADSEQ))
    elif k == "oversize":   # authentic, outer 1700 octets > port MTU 1500
        for i in range(3):
            pk.append(build(sa, s + i, 1600, df=True, nh=4, pseq=BADSEQ))
    elif k == "replay":     # the same valid packet 3 times: 1 accepted, 2 replays
        p = build(sa, s, 200, pseq=s)
        pk = [p, p, p]
    elif k == "too_old":    # valid packets far left of the window (after --seq)
        for i in range(3):
            pk.append(build(sa, s - 100 - i, 200, pseq=s - 100 - i))
    else:
        sys.exit("unknown kind " + k)
    send(a, pk)
    print("sent %d %s packets on spi 0x%x (seq %d)" % (len(pk), k, sa["spi"], s))


def cmd_resend(a):
    """Send again the first or last captured ESP packet of an SPI."""
    frames = []
    for p in rdpcap(a.pcap):
        if IP in p or IPv6 in p:
            ip = p[IP] if IP in p else p[IPv6]
            raw = bytes(ip)
            try:
                if IP in p and ip.proto == 50:
                    spi = struct.unpack("!I", raw[(raw[0] & 15) * 4:][:4])[0]
                elif IP in p and UDP in p and p[UDP].dport == 4500:
                    spi = struct.unpack("!I", bytes(p[UDP].payload)[:4])[0]
                elif IPv6 in p and ip.nh == 50:
                    spi = struct.unpack("!I", raw[40:44])[0]
                else:
                    continue
            except struct.error:
                continue
            if spi == a.spi:
                frames.append(p)
    if not frames:
        sys.exit("no packet of spi 0x%x in %s" % (a.spi, a.pcap))
    p = frames[0] if a.which == "first" else frames[-1]
    f = Ether(dst=a.dmac, src=p[Ether].src) / p[Ether].payload
    sendp([f], iface=a.iface)
    print("resent the %s captured packet of spi 0x%x (of %d)" % (a.which, a.spi, len(frames)))


def cmd_pcap(a):
    """Packets for every pair SA, for checking the verifiers themselves."""
    sas = esputil.load_sas(a.sas)
    out = []
    for spi, sa in sorted(sas.items()):
        if sa["name"].startswith(("inj-", "rt")):
            continue
        if not sa["dport"]:
            sa = dict(sa, dport=9)
        for i in range(1, 4):
            if sa["mode"] == "transport":
                inner = inner_packet(sa, i, 100)
                inner = inner.__class__(bytes(inner))
                if sa["iiv"]:
                    esp = esp_crypto(sa, i, bytes(inner[UDP]), 17)
                else:
                    spa = SecurityAssociation(ESP, spi=sa["spi"], crypt_algo=ALGO[sa["cipher"]],
                                              crypt_key=bytes.fromhex(sa["key"]),
                                              esn_en=sa["esn"], esn=0)
                    esp = bytes(spa.encrypt(inner, seq_num=i)[ESP])
                out.append(Ether(dst="02:00:00:00:02:02") / wrap(sa, esp))
            else:
                out.append(Ether(dst="02:00:00:00:02:02") / build(sa, i, 100))
    wrpcap(a.out, out)
    print("wrote %d packets to %s" % (len(out), a.out))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("good", "bad", "resend"):
        p = sub.add_parser(name)
        p.add_argument("--iface", default="wb")
        p.add_argument("--dmac", default="02:00:00:00:02:02")
    g = sub.choices["good"]
    g.add_argument("sas")
    g.add_argument("name")
    g.add_argument("count", type=int)
    g.add_argument("--first-seq", type=int, default=1)
    g.add_argument("--size", type=int, default=200)
    g.add_argument("--warmup", type=int, default=0)
    b = sub.choices["bad"]
    b.add_argument("sas")
    b.add_argument("kind")
    b.add_argument("--sa", default="inj-gcm")
    b.add_argument("--seq", type=int, default=1000)
    r = sub.choices["resend"]
    r.add_argument("pcap")
    r.add_argument("spi", type=lambda x: int(x, 0))
    r.add_argument("which", choices=("first", "last"))
    pc = sub.add_parser("pcap")
    pc.add_argument("sas")
    pc.add_argument("out")
    a = ap.parse_args()
    {"good": cmd_good, "bad": cmd_bad, "resend": cmd_resend, "pcap": cmd_pcap}[a.cmd](a)


if __name__ == "__main__":
    main()

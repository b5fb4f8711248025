#!/usr/bin/python3
"""A minimal NAPT between two interfaces of the wire namespace, for tests of
RFC 7296 §2.23 (a NAT that loses its mapping). Host INSIDE_IP sits behind
it on interface IN; everything else is on OUT. UDP from INSIDE_IP port 500
/ 4500 leaves with source port BASE / BASE+1; UDP to INSIDE_IP reaches it
only on those two ports (rewritten back to 500 / 4500): anything else,
e.g. to the ports of an old mapping, is dropped and counted, like a NAT
without the mapping would. Other frames (ARP...) pass unchanged.

BASE is read from the file BASEFILE whenever it changes: writing a new
number there is a NAT reboot. Counters go to STATSFILE as JSON.

usage: napt.py IN OUT INSIDE_IP BASEFILE STATSFILE
"""
import json
import os
import select
import socket
import struct
import sys

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    ifin, ifout, inside, basefile, statsfile = sys.argv[1:6]
    inside = socket.inet_aton(inside)
    socks = {}
    for name in (ifin, ifout):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        socks[name] = s
    other = {ifin: ifout, ifout: ifin}
    stats = {"out": 0, "in": 0, "dropped": 0, "passed": 0, "base": 0}
    mtime, base = None, 0
    while True:
        st = os.stat(basefile).st_mtime_ns
        if st != mtime:
            mtime = st
            base = int(open(basefile).read().split()[0])
            stats["base"] = base
        ready, _, _ = select.select(list(socks.values()), [], [], 0.5)
        for s in ready:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue  # our own transmission
            name = addr[0]
            f = bytearray(frame)
            if len(f) >= 14 + 20 + 8 and f[12:14] == b"\x08\x00" and f[14 + 9] == 17:
                ihl = (f[14] & 15) * 4
                u = 14 + ihl
                src, dst = bytes(f[26:30]), bytes(f[30:34])
                sport, dport = struct.unpack("!HH", f[u:u + 4])
                if name == ifin and src == inside and sport in (500, 4500):
                    struct.pack_into("!H", f, u, base + (sport == 4500))
                    struct.pack_into("!H", f, u + 6, 0)  # no UDP checksum (IPv4)
                    stats["out"] += 1
                elif name == ifout and dst == inside:
                    if dport not in (base, base + 1):
                        stats["dropped"] += 1
                        json.dump(stats, open(statsfile, "w"))
                        continue
                    struct.pack_into("!H", f, u + 2, 500 if dport == base else 4500)
                    struct.pack_into("!H", f, u + 6, 0)
                    stats["in"] += 1
                else:
                    stats["passed"] += 1
            else:
                stats["passed"] += 1
            socks[other[name]].send(bytes(f))
            json.dump(stats, open(statsfile, "w"))


if __name__ == "__main__":
    main()

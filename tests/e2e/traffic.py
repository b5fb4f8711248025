#!/usr/bin/python3
"""Checked traffic for the e2e tests and the demo.

  traffic.py udp-send --dst ADDR --port P [--count N] [--size S]
  traffic.py udp-recv --port P [--count N] [--timeout T]
  traffic.py tcp-send --dst ADDR --port P [--bytes N]
  traffic.py tcp-recv --port P [--timeout T]
  traffic.py udp-stream --dst ADDR --port P --seconds S [--rate PPS]
  traffic.py udp-count --port P --seconds S [--list]
  traffic.py udp-stop --dst ADDR --port P       (ends a udp-count early)

Both ends print the same line, "SHA256 PACKETS OCTETS", when the transfer
arrived complete and intact; the caller compares the two lines.  UDP
datagrams carry a sequence number so the receiver can order them and name
what is missing; a few warm-up datagrams (sequence 0xffffffff) go first so
that neighbor resolution on the path does not eat real data.
"""
import argparse
import hashlib
import os
import socket
import struct
import sys
import time

WARMUP = 0xFFFFFFFF
STOP = 0xFFFFFFFE   # udp-count stops when it gets this one (udp-stop sends it)
HDR = struct.Struct("!4sI")  # magic, seq


def payload(port, seq, size):
    """Deterministic, non-repeating content for datagram seq of a flow."""
    out = b""
    i = 0
    while len(out) < size - HDR.size:
        out += hashlib.sha256(b"%d/%d/%d" % (port, seq, i)).digest()
        i += 1
    return HDR.pack(b"ESPR", seq) + out[:size - HDR.size]


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def dual_socket(kind, port):
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("::", port))
    return s


def udp_send(a):
    s = socket.socket(family_of(a.dst), socket.SOCK_DGRAM)
    for _ in range(3):
        s.sendto(payload(a.port, WARMUP, 64), (a.dst, a.port))
        time.sleep(0.1)
    time.sleep(0.3)
    h = hashlib.sha256()
    total = 0
    for seq in range(a.count):
        p = payload(a.port, seq, a.size)
        s.sendto(p, (a.dst, a.port))
        h.update(p)
        total += len(p)
        time.sleep(a.gap)
    print(h.hexdigest(), a.count, total)


def udp_recv(a):
    s = dual_socket(socket.SOCK_DGRAM, a.port)
    got = {}
    deadline = time.time() + a.timeout
    while len(got) < a.count and time.time() < deadline:
        s.settimeout(max(0.05, deadline - time.time()))
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            break
        if len(data) < HDR.size:
            continue
        magic, seq = HDR.unpack_from(data)
        if magic != b"ESPR" or seq == WARMUP:
            continue
        got[seq] = data
    missing = [i for i in range(a.count) if i not in got]
    if missing:
        print("incomplete: %d of %d received, first missing %d" %
              (a.count - len(missing), a.count, missing[0]))
        return 1
    h = hashlib.sha256()
    total = 0
    for i in range(a.count):
        h.update(got[i])
        total += len(got[i])
    print(h.hexdigest(), a.count, total)
    return 0


def tcp_send(a):
    data = os.urandom(a.bytes)
    s = socket.create_connection((a.dst, a.port), timeout=10)
    s.settimeout(30)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)  # wait for the receiver's close: everything was read
    print(hashlib.sha256(data).hexdigest(), 1, len(data))


def tcp_recv(a):
    s = dual_socket(socket.SOCK_STREAM, a.port)
    s.listen(1)
    s.settimeout(a.timeout)
    c, _ = s.accept()
    c.settimeout(a.timeout)
    h = hashlib.sha256()
    total = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        h.update(b)
        total += len(b)
    c.close()
    print(h.hexdigest(), 1, total)


def udp_stream(a):
    """Numbered datagrams at a steady rate for a while (runtime-change test)."""
    s = socket.socket(family_of(a.dst), socket.SOCK_DGRAM)
    end = time.time() + a.seconds
    seq = 0
    gap = 1.0 / a.rate
    while time.time() < end:
        s.sendto(payload(a.port, seq, 200), (a.dst, a.port))
        seq += 1
        time.sleep(gap)
    print("sent", seq)


def udp_count(a):
    """Count distinct numbered datagrams; report the gaps."""
    s = dual_socket(socket.SOCK_DGRAM, a.port)
    seen = set()
    end = time.time() + a.seconds
    while time.time() < end:
        s.settimeout(max(0.05, end - time.time()))
        try:
            data, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        if len(data) >= HDR.size:
            magic, seq = HDR.unpack_from(data)
            if magic == b"ESPR" and seq == STOP:
                break
            if magic == b"ESPR" and seq != WARMUP:
                seen.add(seq)
    top = max(seen) + 1 if seen else 0
    print("received", len(seen), "highest", top, "missing", top - len(seen))
    if a.list:
        print("seqs", " ".join(str(x) for x in sorted(seen)) or "-")


def udp_stop(a):
    s = socket.socket(family_of(a.dst), socket.SOCK_DGRAM)
    s.sendto(payload(a.port, STOP, 64), (a.dst, a.port))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd")
    ap.add_argument("--dst")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--count", type=int, default=50)
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--gap", type=float, default=0.002)
    ap.add_argument("--bytes", type=int, default=1000000)
    ap.add_argument("--timeout", type=float, default=15)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rate", type=float, default=200)
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    fn = {"udp-send": udp_send, "udp-recv": udp_recv, "tcp-send": tcp_send,
          "tcp-recv": tcp_recv, "udp-stream": udp_stream, "udp-count": udp_count,
          "udp-stop": udp_stop}[a.cmd]
    sys.exit(fn(a) or 0)


if __name__ == "__main__":
    main()

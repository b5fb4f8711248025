#!/usr/bin/python3
"""IKE_SA_INIT flood and bad input against an IKEv2 responder (t68).

ike_flood.py TARGET SRC_BASE N_ADDRS PORTS_PER_ADDR ROUNDS [SPI_I SPI_R]

From N_ADDRS source addresses (SRC_BASE, SRC_BASE+1, ...) and
PORTS_PER_ADDR kernel UDP sockets each, sends ROUNDS IKE_SA_INIT requests
per socket (aes256-sha256-x25519, fresh SPIi each, random x25519 public
value), interleaved with malformed datagrams (short, bad version, bad
payload length, random bytes), IKE_AUTH-like messages with unknown SPIs
and, with SPI_I/SPI_R (hex) of an established SA, forged IKE_AUTH and
INFORMATIONAL messages on that SA (bad ICV), and replays of its own
requests. Then one initiator echoes a COOKIE it got (RFC 7296 §2.6) and
must get the IKE_SA_INIT answer (SA, KE, Nr). Prints one JSON object with
the counts of answers (COOKIE, SA, other notifies).
"""
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

IKE_SA_INIT, IKE_AUTH, INFORMATIONAL = 34, 35, 37
N_COOKIE = 16390


def payload(nxt, body):
    return struct.pack("!BBH", nxt, 0, 4 + len(body)) + body


def transform(ttype, tid, attrs=b""):
    body = struct.pack("!BBH", ttype, 0, tid) + attrs
    return body


def sa_payload():
    xfs = [transform(1, 12, struct.pack("!HH", 0x800E, 256)),  # AES-CBC-256
           transform(2, 5),                                     # PRF_HMAC_SHA2_256
           transform(3, 12),                                    # AUTH_HMAC_SHA2_256_128
           transform(4, 31)]                                    # Curve25519
    body = b""
    for i, x in enumerate(xfs):
        last = 0 if i == len(xfs) - 1 else 3
        body += struct.pack("!BBH", last, 0, 4 + len(x)) + x
    prop = struct.pack("!BBHBBBB", 0, 0, 8 + len(body), 1, 1, 0, len(xfs)) + body
    return prop


def init_chain():
    ke = struct.pack("!HH", 31, 0) + os.urandom(32)
    nonce = os.urandom(32)
    # SA -> KE(34) -> Nonce(40) -> none
    return payload(34, sa_payload()) + payload(40, ke) + payload(0, nonce)


def ike_sa_init(spi_i, cookie=None, chain=None):
    chain = chain if chain is not None else init_chain()
    first = 33
    if cookie is not None:
        n = struct.pack("!BBH", 0, 0, N_COOKIE) + cookie
        chain = payload(33, n) + chain
        first = 41
    hdr = struct.pack("!QQBBBBII", spi_i, 0, first, 0x20, IKE_SA_INIT, 0x08, 0,
                      28 + len(chain))
    return hdr + chain


def encrypted_junk(spi_i, spi_r, exch, mid, flags=0x08):
    """An SK payload of random octets: must fail the ICV check."""
    sk = payload(35, os.urandom(16 + 16 + 32))
    return struct.pack("!QQBBBBII", spi_i, spi_r, 46, 0x20, exch, flags, mid,
                       28 + len(sk)) + sk


def malformed(i):
    spi = int.from_bytes(os.urandom(8), "big")
    good = ike_sa_init(spi)
    kinds = [
        good[:20],                                          # shorter than the header
        good[:17] + b"\x30" + good[18:],                    # major version 3
        good[:24] + struct.pack("!I", len(good) + 100) + good[28:],  # length beyond
        good[:30] + b"\xff\xff" + good[32:],                # payload length overrun
        os.urandom(60 + i % 200),                           # noise
        good[:28] + good[28:40],                            # truncated payloads
    ]
    return kinds[i % len(kinds)]


def notifies(msg):
    """(exchange, response?, [notify types], [payload types]) of an answer."""
    if len(msg) < 28:
        return None
    _, _, nxt, _, exch, flags, _, length = struct.unpack("!QQBBBBII", msg[:28])
    off, types, kinds = 28, [], []
    while nxt != 0 and off + 4 <= len(msg):
        plen = struct.unpack("!H", msg[off + 2:off + 4])[0]
        kinds.append(nxt)
        if nxt == 41 and plen >= 8:
            types.append((struct.unpack("!H", msg[off + 6:off + 8])[0],
                          msg[off + 8 + msg[off + 5]:off + plen]))
        if plen < 4:
            break
        nxt = msg[off]
        off += plen
    return exch, bool(flags & 0x20), types, kinds


def main():
    target, base = sys.argv[1], ipaddress.ip_address(sys.argv[2])
    n_addrs, per_addr, rounds = map(int, sys.argv[3:6])
    est = (int(sys.argv[6], 16), int(sys.argv[7], 16)) if len(sys.argv) > 7 else None
    socks = []
    for a in range(n_addrs):
        for _ in range(per_addr):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((str(base + a), 0))
            s.setblocking(False)
            socks.append(s)
    count = {"requests": 0, "malformed": 0, "unknown_spi": 0, "forged_on_sa": 0,
             "replays": 0, "answers": 0, "cookie": 0, "sa": 0, "other_notify": {}}
    cookies = []
    sent_init = []
    chains = {}

    def drain(timeout):
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select(socks, [], [], min(left, 0.05))
            if not r and timeout == 0:
                return
            for s in r:
                try:
                    msg, _ = s.recvfrom(65535)
                except BlockingIOError:
                    continue
                info = notifies(msg)
                if info is None:
                    continue
                count["answers"] += 1
                exch, resp, types, kinds = info
                for t, data in types:
                    if t == N_COOKIE:
                        count["cookie"] += 1
                        if len(cookies) < 64:
                            cookies.append((s, msg[:8], data))
                    else:
                        k = str(t)
                        count["other_notify"][k] = count["other_notify"].get(k, 0) + 1
                if exch == IKE_SA_INIT and 33 in kinds and 34 in kinds:
                    count["sa"] += 1

    t0 = time.monotonic()
    for r in range(rounds):
        for i, s in enumerate(socks):
            spi = int.from_bytes(os.urandom(8), "big") | 1
            chains[spi] = init_chain()
            req = ike_sa_init(spi, chain=chains[spi])
            s.sendto(req, (target, 500))
            count["requests"] += 1
            if len(sent_init) < 32:
                sent_init.append((s, req))
            if i % 4 == 0:
                s.sendto(malformed(r * len(socks) + i), (target, 500))
                count["malformed"] += 1
            if i % 8 == 1:
                s.sendto(encrypted_junk(spi ^ 0x5a5a, int.from_bytes(os.urandom(8), "big"),
                                        IKE_AUTH, 1), (target, 500))
                count["unknown_spi"] += 1
            if est is not None and i % 16 == 2:
                # From the original initiator (I set), the peer's next
                # Message ID: decrypted, and the ICV fails.
                s.sendto(encrypted_junk(est[0], est[1], INFORMATIONAL, 2), (target, 500))
                count["forged_on_sa"] += 1
            if i % 16 == 3 and sent_init:
                ps, preq = sent_init[(r + i) % len(sent_init)]
                ps.sendto(preq, (target, 500))
                count["replays"] += 1
        drain(0)
    drain(1.0)
    elapsed = time.monotonic() - t0
    # An initiator that echoes its cookie gets the SA (RFC 7296 §2.6).
    before = count["sa"]
    for s, spi_hdr, cookie in cookies[:3]:
        spi = struct.unpack("!Q", spi_hdr)[0]
        # The same request (same Ni, same SPIi) with N(COOKIE) first.
        s.sendto(ike_sa_init(spi, cookie, chains.get(spi)), (target, 500))
    drain(2.0)
    echoed = count["sa"] > before
    count["cookie_echo_answered"] = echoed
    count["flood_seconds"] = round(elapsed, 2)
    count["rate_per_s"] = round(count["requests"] / elapsed) if elapsed > 0 else 0
    print(json.dumps(count))


if __name__ == "__main__":
    main()

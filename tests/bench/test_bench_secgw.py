#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""scripts/bench-secgw.py's parts that decide what ipsec-secgw is given,
without DPDK: esprit-bench's keys (the inbound one as its ESP was made:
the pcap of `esprit-bench --dir in --size 64` decrypts with it), the SPI
read from a pcap, the configurations, and the fraction of the limit."""
import importlib.util
import os
import struct
import sys
import tempfile

spec = importlib.util.spec_from_file_location("bench_secgw", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)

# esprit-bench's inbound SA of the one-SA IPv4 case: its ESP (port0.pcap)
# decrypted with this key and the salt (scapy, by hand) to host A's UDP.
assert m.bench_key(0x538A01B7).hex() == "dd825ce814e4a7242f4bec133033ba2a"
assert m.secgw_key(0x1000) == \
    "a6:05:4d:b0:da:86:57:c5:93:a4:05:ba:44:a8:e9:6f:5a:17:c0:01", m.secgw_key(0x1000)


def pcap(frames):
    """A classic pcap file of Ethernet @p frames."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for fr in frames:
        out += struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr
    return out


def ipv4_frame(proto, payload):
    eth = bytes(12) + b"\x08\x00"
    ip = bytes([0x45, 0]) + struct.pack(">H", 20 + len(payload)) + bytes(5) + \
        bytes([proto]) + bytes(10)
    return eth + ip + payload


with tempfile.TemporaryDirectory() as tmp:
    esp = os.path.join(tmp, "esp.pcap")
    with open(esp, "wb") as f:
        f.write(pcap([ipv4_frame(50, struct.pack(">II", 0x538A01B7, 1) + bytes(40))]))
    assert m.pcap_first_spi(esp) == 0x538A01B7
    udp = os.path.join(tmp, "udp.pcap")
    with open(udp, "wb") as f:
        f.write(pcap([ipv4_frame(17, bytes(30))]))
    try:
        m.pcap_first_spi(udp)
        raise AssertionError("a UDP pcap has no SPI")
    except SystemExit as e:
        assert e.code == 1

out = m.secgw_config("out", 0x1000).splitlines()
assert ("sa out 4096 aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel "
        "src 192.0.2.1 dst 192.0.2.2" % m.secgw_key(0x1000)) in out, out
assert "sp ipv4 out esp protect 4096 pri 1 dst 10.2.0.0/16 sport 0:65535 dport 0:65535" in out
assert "rt ipv4 dst 192.0.2.2/32 port 1" in out
assert any(l.startswith("sa in ") for l in out), "ipsec-secgw wants an inbound SA"

inb = m.secgw_config("in", 0x538A01B7).splitlines()
assert ("sa in %d aead_algo aes-128-gcm aead_key %s mode ipv4-tunnel src 192.0.2.2 dst 192.0.2.1"
        % (0x538A01B7, m.secgw_key(0x538A01B7))) in inb, inb
assert "rt ipv4 dst 10.1.0.0/16 port 1" in inb
assert not any(l.startswith("sa out ") for l in inb)

# ChaCha20-Poly1305: a 32-octet key (the same derivation), its own
# algorithm and PMD, and only ipsec-secgw's librte_ipsec path
assert m.bench_key(0x1000, "chacha20poly1305")[:16] == m.bench_key(0x1000)
assert len(m.bench_key(0x1000, "chacha20poly1305")) == 32
assert len(m.secgw_key(0x1000, "chacha20poly1305").split(":")) == 36
cc = m.secgw_config("out", 0x1000, "chacha20poly1305")
assert "sa out 4096 aead_algo chacha20-poly1305 aead_key %s " % \
    m.secgw_key(0x1000, "chacha20poly1305") in cc, cc
assert m.CIPHERS["chacha20poly1305"]["paths"] == ("secgw -l",)

# the tarball's SHA-256 as a .dsc lists it (22.11.11-0+deb12u1's, trimmed)
DSC = """Format: 3.0 (quilt)
Source: dpdk
Checksums-Sha1:
 0000000000000000000000000000000000000000 15623320 dpdk_22.11.11.orig.tar.xz
Checksums-Sha256:
 27a3bb1f57e02eb68c7c0a6f8bbf9fb74ec198c5aab74ed602da5b71c492a476 15623320 dpdk_22.11.11.orig.tar.xz
 e56866e585bd83c3095c178d10669f4ff12360a09f69e7bd6bd32d079f4f1451 70964 dpdk_22.11.11-0+deb12u1.debian.tar.xz
Files:
 f6cb8d00b4258c47cb766fb6c1853f62 15623320 dpdk_22.11.11.orig.tar.xz
"""
assert m.dsc_sha256(DSC, "dpdk_22.11.11.orig.tar.xz") == m.ORIG_SHA256["22.11.11"]
assert m.dsc_sha256(DSC, "dpdk_22.11.12.orig.tar.xz") is None
assert m.dsc_sha256("Source: dpdk\n", "dpdk_22.11.11.orig.tar.xz") is None

# 10 Mpps where the I/O alone moves 40 Mpps and the crypto takes 105
# cycles at 2.1 GHz: 10 x (1/40 + 0.05) = 0.75
frac = m.fraction(10.0, {"io_mpps": 40.0, "crypto_cycles": 105.0}, {"tsc_ghz": 2.1})
assert abs(frac - 0.75) < 1e-9, frac
print("bench-secgw: ok")

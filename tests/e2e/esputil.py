"""Shared helpers of the e2e verifiers: read a capture, pull out ESP.

Deliberately independent of esprit's code: packet parsing comes from scapy,
AEAD from python3-cryptography, and the ESP rules from RFC 4303 (ESP),
RFC 4106 (GCM), RFC 7634 (ChaCha20-Poly1305), RFC 8750 (implicit IV) and
RFC 3948 (ESP in UDP).
"""
import json
import struct

from scapy.all import IP, IPv6, rdpcap  # noqa: F401  (scapy loads its layers)

NATT_PORT = 4500


def load_sas(path):
    """All SAs of sas.json by SPI (both directions of every pair + inject)."""
    d = json.load(open(path))
    sas = {}
    for a, b in d["pairs"]:
        sas[a["spi"]] = a
        sas[b["spi"]] = b
    for s in d["inject"]:
        sas[s["spi"]] = s
    sas[d["runtime"]["spi"]] = d["runtime"]
    return sas


def key_salt(sa):
    k = bytes.fromhex(sa["key"])
    return k[:-4], k[-4:]


def esp_records(pcap):
    """Every ESP packet of a capture, as dicts:
    family (4/6), src, dst, natt (bool), udp (sport, dport, csum) or None,
    esp (bytes from the SPI to the end of the IP payload), spi, seq, raw_ip.
    IKE (UDP 4500 with the 4-octet non-ESP marker) and keepalives are skipped.
    """
    out = []
    for p in rdpcap(pcap):
        raw = None
        if IP in p:
            ip = bytes(p[IP])
            ihl = (ip[0] & 0x0F) * 4
            tot = struct.unpack("!H", ip[2:4])[0]
            fam, proto, l4, src, dst = 4, ip[9], ip[ihl:tot], p[IP].src, p[IP].dst
            raw = ip[:tot]
        elif IPv6 in p:
            ip = bytes(p[IPv6])
            plen = struct.unpack("!H", ip[4:6])[0]
            fam, proto, l4, src, dst = 6, ip[6], ip[40:40 + plen], p[IPv6].src, p[IPv6].dst
            raw = ip[:40 + plen]
        else:
            continue
        udp = None
        if proto == 50:
            esp = l4
        elif proto == 17 and len(l4) >= 8:
            sport, dport, ulen, csum = struct.unpack("!HHHH", l4[:8])
            if dport != NATT_PORT and sport != NATT_PORT:
                continue
            esp = l4[8:ulen]
            if len(esp) < 8 or esp[:4] == b"\0\0\0\0":
                continue  # IKE (non-ESP marker) or NAT keepalive (1 octet)
            udp = (sport, dport, csum)
        else:
            continue
        if len(esp) < 8:
            out.append({"family": fam, "src": src, "dst": dst, "natt": udp is not None,
                        "udp": udp, "esp": esp, "spi": None, "seq": None, "raw_ip": raw})
            continue
        spi, seq = struct.unpack("!II", esp[:8])
        out.append({"family": fam, "src": src, "dst": dst, "natt": udp is not None,
                    "udp": udp, "esp": esp, "spi": spi, "seq": seq, "raw_ip": raw})
    return out


def check_trailer(pt, mode, inner):
    """RFC 4303 2.4-2.6 on a decrypted payload: returns (inner bytes, error).
    Padding must be 1, 2, 3...; the whole must end on a 4-octet boundary;
    next header is IPv4/IPv6 in tunnel mode, the transport protocol otherwise."""
    if len(pt) < 2:
        return None, "plaintext shorter than the trailer"
    padlen, nh = pt[-2], pt[-1]
    if padlen + 2 > len(pt):
        return None, "pad length %d beyond payload" % padlen
    pad = pt[len(pt) - 2 - padlen:len(pt) - 2]
    if pad != bytes(range(1, padlen + 1)):
        return None, "padding not 1,2,3,...: %s" % pad.hex()
    want = (4 if inner == 4 else 41) if mode == "tunnel" else 17
    if nh != want:
        return None, "next header %d, expected %d" % (nh, want)
    return pt[:len(pt) - 2 - padlen], None


def inner_udp_payload(data, mode, inner):
    """The UDP payload inside a decrypted packet (tunnel: whole inner IP
    packet; transport: the UDP header first).  (dport, payload) or None."""
    if mode == "tunnel":
        if inner == 4:
            if data[0] >> 4 != 4 or data[9] != 17:
                return None
            ihl = (data[0] & 0xF) * 4
            data = data[ihl:]
        else:
            if data[0] >> 4 != 6 or data[6] != 17:
                return None
            data = data[40:]
    if len(data) < 8:
        return None
    dport, ulen = struct.unpack("!HH", data[2:6])
    return dport, data[8:ulen]

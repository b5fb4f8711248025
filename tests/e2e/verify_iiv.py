#!/usr/bin/python3
"""RFC 8750 implicit-IV checker, independent of esprit.

For every captured packet of an implicit-IV SA: the ESP header (SPI, seq,
8 octets) is followed directly by ciphertext (no IV on the wire); the
64-bit IV is rebuilt from the sequence number (RFC 8750 section 2:
0x00000000 || seq32 without ESN, the 64-bit ESN with ESN), the nonce is
salt || IV, the AAD is SPI || seq (|| with ESN: SPI || seq_hi || seq_lo,
RFC 4106 5 / RFC 7634 2.1), and python3-cryptography's AESGCM /
ChaCha20Poly1305 must verify and decrypt it.  The inner UDP payload must be
the test's traffic for the SA's port.

usage: verify_iiv.py PCAP SAS_JSON   (exit 0 when every IIV SA checked out)
"""
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

import esputil


def aead(sa):
    key, salt = esputil.key_salt(sa)
    c = ChaCha20Poly1305(key) if sa["cipher"] == "chacha20poly1305" else AESGCM(key)
    return c, salt


def main():
    pcap, sasfile = sys.argv[1], sys.argv[2]
    sas = esputil.load_sas(sasfile)
    want = {spi for spi, s in sas.items() if s["iiv"]}
    recs = [r for r in esputil.esp_records(pcap) if r["spi"] in want]
    good, errors = {}, []
    for r in recs:
        sa = sas[r["spi"]]
        c, salt = aead(sa)
        esp = r["esp"]
        seq = r["seq"]
        high = 0  # the tests never reach 2^32 packets: ESN high half is 0
        iv = struct.pack("!Q", (high << 32) | seq) if sa["esn"] else struct.pack("!II", 0, seq)
        aad = struct.pack("!III", r["spi"], high, seq) if sa["esn"] else esp[:8]
        try:
            pt = c.decrypt(salt + iv, esp[8:], aad)
        except Exception:
            errors.append("spi 0x%x seq %d: ICV does not verify with the RFC 8750 nonce" %
                          (r["spi"], seq))
            continue
        # RFC 8750 layout: header 8 + ciphertext + 16-octet ICV, 4-aligned
        if (len(esp) - 8 - 16) != len(pt) or len(pt) % 4:
            errors.append("spi 0x%x seq %d: bad length %d" % (r["spi"], seq, len(esp)))
            continue
        data, err = esputil.check_trailer(pt, sa["mode"], sa["inner"])
        if err:
            errors.append("spi 0x%x seq %d: %s" % (r["spi"], seq, err))
            continue
        u = esputil.inner_udp_payload(data, sa["mode"], sa["inner"])
        if not u or u[0] != sa["dport"] or not u[1].startswith(b"ESPR"):
            errors.append("spi 0x%x seq %d: inner packet is not the test flow" % (r["spi"], seq))
            continue
        # the same packet read with an explicit 8-octet IV must NOT verify
        try:
            c.decrypt(salt + esp[8:16], esp[16:], aad)
            errors.append("spi 0x%x seq %d: also verifies as explicit IV?" % (r["spi"], seq))
        except Exception:
            pass
        good[r["spi"]] = good.get(r["spi"], 0) + 1
    for spi in sorted(want):
        if spi in good or sas[spi]["name"].startswith(("inj-", "rt")):
            continue
        errors.append("spi 0x%x (%s): no packets in the capture" % (spi, sas[spi]["name"]))
    for spi, n in sorted(good.items()):
        s = sas[spi]
        print("iiv ok: spi 0x%x %-11s %s %s%s outer IPv%d: %d packets decrypted" %
              (spi, s["name"], s["cipher"], s["mode"], " esn" if s["esn"] else "",
               s["outer"], n))
    for e in errors[:20]:
        print("iiv ERROR:", e)
    return 1 if errors or not good else 0


if __name__ == "__main__":
    sys.exit(main())

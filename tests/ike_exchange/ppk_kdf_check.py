#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Recomputes what ppk_kdf_dump prints with Python's hmac/hashlib alone:
RFC 7296 §2.13/§2.14 prf+ and SKEYSEED, RFC 8784 §3 SK_d = prf+(PPK,
SK_d'), SK_pi = prf+(PPK, SK_pi'), SK_pr = prf+(PPK, SK_pr') with SK_e*
and SK_a* unchanged, the §2.17 KEYMAT from the mixed SK_d, and RFC 9867
§3.1: the PPK_IDENTITY_KEY confirmation (first 8 octets of prf(PPK, Ni |
Nr | SPIi | SPIr)) and §3.1.1 SKEYSEED' = prf+(PPK, SK_d) with all seven
keys again from it. Exit 0 when every value matches."""
import hashlib
import hmac
import json
import subprocess
import sys

SPI_I = bytes.fromhex("1122334455667788")
SPI_R = bytes.fromhex("99aabbccddeeff00")
# tag: hash, PRF length, integrity key length, encryption key length
SUITES = {"gcm_": (hashlib.sha384, 48, 0, 36), "cbc_": (hashlib.sha256, 32, 32, 16)}


def prf(h, key, data):
    return hmac.new(key, data, h).digest()


def prf_plus(h, key, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(h, key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


def check(v, tag):
    h, plen, ilen, elen = SUITES[tag]
    g = {k[len(tag):]: x for k, x in v.items() if k.startswith(tag)}
    ni, nr = g["ni"], g["nr"]
    seed = prf(h, ni + nr, g["gir"])
    want = {}

    def expand(skeyseed, suffix):
        ks = prf_plus(h, skeyseed, ni + nr + SPI_I + SPI_R, 3 * plen + 2 * ilen + 2 * elen)
        for name, n in [("d", plen), ("ai", ilen), ("ar", ilen), ("ei", elen), ("er", elen),
                        ("pi", plen), ("pr", plen)]:
            want[suffix[0] + name + suffix[1]], ks = ks[:n], ks[n:]

    expand(seed, ("", "0"))
    ppk = g["ppk"]
    for k in ("d", "pi", "pr"):
        want[k] = prf_plus(h, ppk, want[k + "0"], plen)
    want["ai"], want["ei"] = want["ai0"], want["ei0"]
    want["keymat"] = prf_plus(h, want["d"], ni + nr, 2 * 36)
    want["conf"] = prf(h, ppk, ni + nr + SPI_I + SPI_R)[:8]
    expand(prf_plus(h, ppk, want["d0"], plen), ("int_", ""))
    bad = 0
    for k, w in want.items():
        if k in g and g[k] != w:
            print(f"MISMATCH {tag}{k}: esprit {g[k].hex()} python {w.hex()}")
            bad += 1
    if g["d"] == g["d0"] or g["pi"] == g["pi0"]:
        print(f"{tag}: the PPK changed nothing")
        bad += 1
    print(f"{tag}: {len([k for k in want if k in g])} values checked, {bad} mismatches")
    return bad


def main():
    out = subprocess.run([sys.argv[1]], check=True, capture_output=True, text=True).stdout
    v = {k: (bytes.fromhex(x) if isinstance(x, str) else x) for k, x in json.loads(out).items()}
    if v["rc"] != 0:
        print("ppk_kdf_dump failed")
        return 1
    return 1 if sum(check(v, t) for t in SUITES) else 0


if __name__ == "__main__":
    sys.exit(main())

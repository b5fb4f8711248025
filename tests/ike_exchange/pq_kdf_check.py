#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Recomputes what pq_kdf_dump prints with Python's hmac/hashlib alone:
RFC 7296 §2.13/§2.14 prf+ and SKEYSEED, RFC 9370 §2.2.2 SKEYSEED(n) =
prf(SK_d(n-1), SK(n) | Ni | Nr), RFC 9242 §3.3.2 IntAuth (IKE header and
SK header with adjusted lengths), RFC 9370 §2.2.4 IKE rekey SKEYSEED and
Child SA KEYMAT with SK(0) | Ni | Nr | SK(1) | ... . Exit 0 when every
value matches."""
import hashlib
import hmac
import json
import struct
import subprocess
import sys

H = hashlib.sha384           # PRF_HMAC_SHA2_384
PRF_LEN = 48
ENCR_LEN = 36                # AES-256-GCM key + 4-octet salt, no SK_a


def prf(key, data):
    return hmac.new(key, data, H).digest()


def prf_plus(key, seed, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = prf(key, t + seed + bytes([i]))
        out += t
        i += 1
    return out[:n]


def expand(skeyseed, ni, nr, spi_i, spi_r):
    ks = prf_plus(skeyseed, ni + nr + spi_i + spi_r, 3 * PRF_LEN + 2 * ENCR_LEN)
    d, ks = ks[:PRF_LEN], ks[PRF_LEN:]
    ei, er, ks = ks[:ENCR_LEN], ks[ENCR_LEN:2 * ENCR_LEN], ks[2 * ENCR_LEN:]
    return {"d": d, "ei": ei, "er": er, "pi": ks[:PRF_LEN], "pr": ks[PRF_LEN:]}


def intauth(key, prev, flags, mid, first, inner, spi_i, spi_r):
    # A: IKE header (Next Payload SK = 46, version 2.0, IKE_INTERMEDIATE =
    # 43) and SK generic header, lengths counting A | P only.
    hdr = spi_i + spi_r + bytes([46, 0x20, 43, flags]) + struct.pack(">II", mid,
                                                                    28 + 4 + len(inner))
    sk = bytes([first, 0]) + struct.pack(">H", 4 + len(inner))
    return prf(key, prev + hdr + sk + inner)


def main():
    out = subprocess.run([sys.argv[1]], check=True, capture_output=True, text=True).stdout
    v = {k: (bytes.fromhex(x) if isinstance(x, str) else x) for k, x in json.loads(out).items()}
    ni, nr, si, sr = v["ni"], v["nr"], v["spi_i"], v["spi_r"]
    want = {}
    k0 = expand(prf(ni + nr, v["gir"]), ni, nr, si, sr)
    ia1 = intauth(k0["pi"], b"", 0x08, 1, 34, v["m1"], si, sr)
    ir1 = intauth(k0["pr"], b"", 0x20, 1, 34, v["m3"], si, sr)
    k1 = expand(prf(k0["d"], v["sk1"] + ni + nr), ni, nr, si, sr)
    ia2 = intauth(k1["pi"], ia1, 0x08, 2, 41, v["m2"], si, sr)
    k2 = expand(prf(k1["d"], v["sk2"] + ni + nr), ni, nr, si, sr)
    for tag, k in (("k0", k0), ("k1", k1), ("k2", k2)):
        for name, val in k.items():
            want[f"{tag}_{name}"] = val
    want["intauth_i1"], want["intauth_r1"], want["intauth_i2"] = ia1, ir1, ia2
    # CREATE_CHILD_SA: nonces m2[:32] and m3[:32], SK(0) = gir.
    cni, cnr = v["m2"][:32], v["m3"][:32]
    chain = v["gir"] + cni + cnr + v["sk1"] + v["sk2"]
    rk = expand(prf(k2["d"], chain), cni, cnr, struct.pack(">Q", 0x1111),
                struct.pack(">Q", 0x2222))
    for name, val in rk.items():
        want[f"rekey_{name}"] = val
    want["keymat"] = prf_plus(k2["d"], chain, 72)
    bad = [k for k, x in want.items() if v[k] != x]
    if v["rc"] != 0 or bad:
        print("MISMATCH:", v["rc"], bad)
        return 1
    print(f"{len(want)} values match")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Write the two gateways' configs for the e2e tests, and sas.json for the
verifiers, from one table of SA pairs (SA_PAIRS below).

Every SA pair protects one flow in each direction: host A -> host B uses
SPI 0x1000+i (A outbound, B inbound), host B -> host A uses 0x2000+i.
Keys are derived from the SA's name, so verifiers and configs agree without
sharing state.  B also has inbound-only SAs (0x30xx) that only the scapy
injector uses, so crafted sequence numbers never disturb real traffic.

usage: gen_conf.py OUTDIR PREFIX [--workers N] [--qpairs N] [--lcores-a S]
       [--lcores-b S] [--log-level L] [--eal-extra ARG]...
writes OUTDIR/gwa.conf, OUTDIR/gwb.conf, OUTDIR/sas.json
"""
import argparse
import hashlib
import json
import os

ADDR = {
    "a": {"host4": "10.1.0.1", "host6": "fd01::1", "net4": "10.1.0.0/24", "net6": "fd01::/64",
          "lan4": "10.1.0.254/24", "lan6": "fd01::254/64",
          "wan4": "192.0.2.1", "wan6": "2001:db8::1"},
    "b": {"host4": "10.2.0.1", "host6": "fd02::1", "net4": "10.2.0.0/24", "net6": "fd02::/64",
          "lan4": "10.2.0.254/24", "lan6": "fd02::254/64",
          "wan4": "192.0.2.2", "wan6": "2001:db8::2"},
}

KEYLEN = {"aes128gcm16": 16, "aes256gcm16": 32, "chacha20poly1305": 32}

# name, proto, dport, inner family, outer family, mode, cipher, iiv, esn, natt
SA_PAIRS = [
    ("gcm4",     "udp", 10001, 4, 4, "tunnel",    "aes128gcm16",      0, 0, 0),
    ("cc4natt",  "udp", 10002, 4, 4, "tunnel",    "chacha20poly1305", 1, 1, 1),
    ("gcm6in4",  "udp", 10003, 6, 4, "tunnel",    "aes256gcm16",      0, 1, 0),
    ("cc4in6",   "udp", 10004, 4, 6, "tunnel",    "chacha20poly1305", 0, 0, 0),
    ("gcm6iiv",  "udp", 10005, 6, 6, "tunnel",    "aes128gcm16",      1, 0, 1),
    ("tr4",      "udp", 10006, 4, 4, "transport", "aes128gcm16",      0, 0, 0),
    ("tr6cc",    "udp", 10007, 6, 6, "transport", "chacha20poly1305", 1, 1, 0),
    ("cc6esn",   "udp", 10008, 6, 6, "tunnel",    "chacha20poly1305", 0, 1, 1),
    ("gcm4iiv",  "udp", 10009, 4, 4, "tunnel",    "aes256gcm16",      1, 0, 0),
    ("tr4natt",  "udp", 10010, 4, 4, "transport", "aes256gcm16",      0, 1, 1),
    # catch-alls after the per-port pairs: ping, TCP, anything else
    ("any4",     None,  None,  4, 4, "tunnel",    "aes128gcm16",      0, 0, 0),
    ("any6",     None,  None,  6, 6, "tunnel",    "aes256gcm16",      0, 0, 0),
]

# B inbound only (sent by tests/e2e/inject.py from the wire namespace)
INJECT_SAS = [
    # name, spi, dport, inner, outer, cipher, iiv, esn, natt
    ("inj-gcm",   0x3001, 10021, 4, 4, "aes128gcm16",      0, 0, 0),
    ("inj-cc",    0x3002, 10022, 4, 6, "chacha20poly1305", 0, 1, 0),
    ("inj-iiv",   0x3003, 10023, 6, 4, "aes256gcm16",      1, 0, 0),
    ("inj-cciiv", 0x3004, 10024, 4, 4, "chacha20poly1305", 1, 1, 1),
]

# A outbound only; B gets the inbound half at runtime (`espritctl sa add`)
RUNTIME_SA = ("rt", 0x1030, 10030, 4, 4, "aes128gcm16", 0, 0, 0)


def keyhex(name, cipher):
    n = KEYLEN[cipher] + 4
    return hashlib.shake_256(("esprit-e2e/" + name).encode()).digest(n).hex()


def sa_dict(name, spi, frm, proto, dport, inner, outer, mode, cipher, iiv, esn, natt):
    to = "b" if frm == "a" else "a"
    s, d = ADDR[frm], ADDR[to]
    fam = "4" if inner == 4 else "6"
    if mode == "transport":
        lo, re = s["host" + fam], d["host" + fam]
    else:
        ofam = "4" if outer == 4 else "6"
        lo, re = s["wan" + ofam], d["wan" + ofam]
    return {"name": name, "spi": spi, "from": frm, "proto": proto, "dport": dport,
            "inner": inner, "outer": outer if mode == "tunnel" else inner, "mode": mode,
            "cipher": cipher, "iiv": bool(iiv), "esn": bool(esn), "natt": bool(natt),
            "key": keyhex(name, cipher), "src_addr": lo, "dst_addr": re,
            "src": s["net" + fam], "dst": d["net" + fam]}


def sa_text(sa, direction, with_name=True):
    """libconfig text of one SA as seen by the gateway that has it as @direction."""
    local, remote = (sa["src_addr"], sa["dst_addr"]) if direction == "out" else \
        (sa["dst_addr"], sa["src_addr"])
    f = []
    if with_name:
        f.append('name = "%s";' % sa["name"])
    f += ['spi = 0x%x;' % sa["spi"], 'dir = "%s";' % direction, 'mode = "%s";' % sa["mode"],
          'cipher = "%s";' % sa["cipher"], 'iiv = %s;' % str(sa["iiv"]).lower(),
          'esn = %s;' % str(sa["esn"]).lower(), 'key = "0x%s";' % sa["key"],
          'local = "%s";' % local, 'remote = "%s";' % remote]
    if sa["natt"]:
        f.append('encap = { sport = 4500; dport = 4500; };')
    if direction == "in":
        f.append('replay_window = 64;')
    f += ['src = "%s";' % sa["src"], 'dst = "%s";' % sa["dst"]]
    if sa["proto"]:
        f.append('proto = "%s";' % sa["proto"])
    if sa["dport"]:
        f.append('dport = "%d";' % sa["dport"])
    return "{ " + " ".join(f) + " }"


def policy_text(sa):
    f = ['name = "p-%s";' % sa["name"], 'src = "%s";' % sa["src"], 'dst = "%s";' % sa["dst"]]
    if sa["proto"]:
        f.append('proto = "%s";' % sa["proto"])
    if sa["dport"]:
        f.append('dport = "%d";' % sa["dport"])
    f += ['action = "protect";', 'sa = "%s";' % sa["name"]]
    return "{ " + " ".join(f) + " }"


def gw_conf(gw, args, out_sas, in_sas, policies):
    me = ADDR[gw]
    other = ADDR["b" if gw == "a" else "a"]
    q = ",qpairs=%d" % args.qpairs if args.qpairs > 1 else ""
    lcores = args.lcores_a if gw == "a" else args.lcores_b
    prefix = "%s-gw%s" % (args.prefix, gw)
    sock = os.path.join(args.outdir, "gw%s.sock" % gw)
    lines = [
        "# generated by tests/e2e/gen_conf.py",
        "esprit: {",
        "  workers = %d;" % args.workers,
        '  lcores = "%s";' % lcores if lcores else "",
        "  idle_sleep_us = 100;",
        '  eal = [%s"--no-huge", "-m", "512", "--file-prefix", "%s"];' %
        ("".join('"%s", ' % e for e in args.eal_extra), prefix),
        '  mgmt_socket = "%s";' % sock,
        '  log_level = "%s";' % args.log_level,
        "};",
        "ports = (",
        '  { name = "lan"; device = "net_af_packet0,iface=%s-lan%s"; mtu = 1500;' % (gw, q),
        '    addresses = ["%s", "%s"]; },' % (me["lan4"], me["lan6"]),
        '  { name = "wan"; device = "net_af_packet1,iface=%s-wan%s"; mtu = 1500;' % (gw, q),
        '    addresses = ["%s/24", "%s/64"]; }' % (me["wan4"], me["wan6"]),
        ");",
        "routes = (",
        '  { dst = "%s"; via = "%s"; port = "wan"; },' % (other["net4"], other["wan4"]),
        '  { dst = "%s"; via = "%s"; port = "wan"; }' % (other["net6"], other["wan6"]),
        ");",
        "sas = (",
        ",\n".join(["  " + sa_text(s, "out") for s in out_sas] +
                   ["  " + sa_text(s, "in") for s in in_sas]),
        ");",
        "policies = (",
        ",\n".join(["  " + policy_text(s) for s in policies] +
                   ['  { name = "rest"; action = "discard"; }']),
        ");",
    ]
    return "\n".join(l for l in lines if l != "") + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("prefix")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--qpairs", type=int, default=1)
    ap.add_argument("--lcores-a", default="0,1")
    ap.add_argument("--lcores-b", default="1,0")
    ap.add_argument("--log-level", default="info")
    ap.add_argument("--eal-extra", action="append", default=[],
                    help="extra EAL argument (repeat), e.g. --eal-extra=--lcores")
    args = ap.parse_args()

    ab, ba = [], []
    for i, (name, proto, dport, inner, outer, mode, cipher, iiv, esn, natt) in \
            enumerate(SA_PAIRS, 1):
        ab.append(sa_dict(name + "-ab", 0x1000 + i, "a", proto, dport, inner, outer, mode,
                          cipher, iiv, esn, natt))
        ba.append(sa_dict(name + "-ba", 0x2000 + i, "b", proto, dport, inner, outer, mode,
                          cipher, iiv, esn, natt))
    inj = [sa_dict(n, spi, "a", "udp", dport, inner, outer, "tunnel", c, iiv, esn, natt)
           for (n, spi, dport, inner, outer, c, iiv, esn, natt) in INJECT_SAS]
    n, spi, dport, inner, outer, c, iiv, esn, natt = RUNTIME_SA
    rt = sa_dict(n, spi, "a", "udp", dport, inner, outer, "tunnel", c, iiv, esn, natt)

    # the runtime SA's policy goes first: its port is not covered by the others,
    # but the catch-all any4 would take it otherwise
    with open(os.path.join(args.outdir, "gwa.conf"), "w") as f:
        f.write(gw_conf("a", args, ab + [rt], ba, [rt] + ab))
    with open(os.path.join(args.outdir, "gwb.conf"), "w") as f:
        f.write(gw_conf("b", args, ba, ab + inj, ba))
    with open(os.path.join(args.outdir, "sas.json"), "w") as f:
        json.dump({"pairs": [[a, b] for a, b in zip(ab, ba)], "inject": inj, "runtime": rt,
                   "runtime_in_text": sa_text(rt, "in"),
                   "runtime_out_text": sa_text(rt, "out")}, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Read `espritctl --json` output for the e2e tests, tolerant of layout:
an SA is any JSON object with an "spi" member (number or "0x..." string);
its counters may sit in it directly or in a nested object ("stats", ...).

  ctlcheck.py sa-packets SAS_JSON A.json B.json --min N
      every per-port SA pair counted >= N packets on the sending gateway
      (outbound) and on the receiving one (inbound); catch-alls >= 1
  ctlcheck.py drop BEFORE.json AFTER.json REASON
      prints the increase of drop counter REASON (worker stats: the total
      over workers; sa show: the SA's)
  ctlcheck.py sa-field FILE.json SPI FIELD
      prints FIELD (searched in nested objects) of the SA with SPI
  ctlcheck.py worker-rx FILE.json
      prints the received-packet counter of each worker (worker stats)
  ctlcheck.py steering FILE.json
      prints a line a port (port stats): its name, the ESP steering mode
      of each kind (ipv4 ipv6 udp4 udp6), its rules, and why not
"""
import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def spi_of(v):
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        return int(v, 0)
    return None


def sa_objects(doc):
    out = []

    def walk(x):
        if isinstance(x, dict):
            if "spi" in x:
                out.append(x)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(doc)
    return out


def find_num(obj, key):
    """First numeric value of key in obj or its nested objects (BFS)."""
    todo = [obj]
    while todo:
        o = todo.pop(0)
        if isinstance(o, dict):
            if key in o and isinstance(o[key], (int, float)) and not isinstance(o[key], bool):
                return o[key]
            todo.extend(v for v in o.values() if isinstance(v, (dict, list)))
        elif isinstance(o, list):
            todo.extend(o)
    return None


def sum_key(doc, key):
    """Sum of every numeric member named key in the document."""
    total = 0

    def walk(x):
        nonlocal total
        if isinstance(x, dict):
            for k, v in x.items():
                if k == key and isinstance(v, (int, float)) and not isinstance(v, bool):
                    total += v
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(doc)
    return total


def sa_by_spi(doc, spi, direction=None):
    for o in sa_objects(doc):
        if spi_of(o.get("spi")) == spi:
            d = o.get("dir") or o.get("direction")
            if direction is None or d is None or d == direction:
                return o
    return None


def cmd_sa_packets(argv):
    sas = load(argv[0])
    a, b = load(argv[1]), load(argv[2])
    n = int(argv[argv.index("--min") + 1]) if "--min" in argv else 1
    gw = {"a": a, "b": b}
    bad = 0
    for pair in sas["pairs"]:
        for s in pair:
            want = n if s["dport"] else 1
            frm, to = s["from"], "b" if s["from"] == "a" else "a"
            o = sa_by_spi(gw[frm], s["spi"], "out")
            i = sa_by_spi(gw[to], s["spi"], "in")
            po = find_num(o.get("stats", o), "packets") if o else None
            pi = find_num(i.get("stats", i), "packets") if i else None
            good = po is not None and pi is not None and po >= want and pi >= want
            print("%s spi 0x%x %-11s out@%s %s packets, in@%s %s packets (want >= %d)" %
                  ("ok " if good else "BAD", s["spi"], s["name"], frm, po, to, pi, want))
            bad += not good
    return 1 if bad else 0


def cmd_drop(argv):
    """BEFORE may be /dev/null (counts from zero)."""
    try:
        before = load(argv[0])
    except ValueError:
        before = {}
    after, reason = load(argv[1]), argv[2]
    print(drop_count(after, reason) - drop_count(before, reason))
    return 0


def drop_count(doc, reason):
    """A document's count of REASON: its top-level "drops" object when it has
    one (worker stats: the sum over workers; sa show: the SA's), else the sum
    of every member named REASON."""
    if isinstance(doc, dict) and isinstance(doc.get("drops"), dict):
        v = doc["drops"].get(reason, 0)
        return v if isinstance(v, int) else 0
    return sum_key(doc, reason)


def cmd_sa_field(argv):
    doc, spi, field = load(argv[0]), int(argv[1], 0), argv[2]
    o = sa_by_spi(doc, spi)
    v = find_num(o, field) if o else None
    print(v if v is not None else "none")
    return 0


def cmd_worker_rx(argv):
    doc = load(argv[0])
    vals = []

    def walk(x):
        if isinstance(x, dict):
            for k in ("rx", "rx_packets", "rx_pkts", "ipackets"):
                if isinstance(x.get(k), int):
                    vals.append(x[k])
                    return
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(doc)
    print(" ".join(str(v) for v in vals))
    return 0


def cmd_steering(argv):
    for port in load(argv[0])["ports"]:
        st = port["esp_steering"]
        modes = ",".join(st[k] for k in ("ipv4", "ipv6", "udp4", "udp6"))
        print(f"{port['name']} {modes} {st['rules']} {st.get('why', '-')}")
    return 0


def main():
    cmd, argv = sys.argv[1], sys.argv[2:]
    return {"sa-packets": cmd_sa_packets, "drop": cmd_drop,
            "sa-field": cmd_sa_field, "worker-rx": cmd_worker_rx,
            "steering": cmd_steering}[cmd](argv)


if __name__ == "__main__":
    sys.exit(main())

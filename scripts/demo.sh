#!/usr/bin/env bash
# THE demo (see README): two sites joined by two espritd gateways, all in
# network namespaces on this machine, configured from scripts/examples/.
#
#   host A ---- gateway A ==== ESP over the "internet" ==== gateway B ---- host B
#   10.1.0.1                192.0.2.1            192.0.2.2               10.2.0.1
#   fd01::1                 2001:db8::1          2001:db8::2             fd02::1
#
# It installs what is missing, builds, starts both gateways, sends traffic
# (ping both ways, a UDP and a TCP transfer whose sha256 is compared on both
# ends), shows the SA table and the per-SA counters, and cleans up.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
REPO=$PWD

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '    $ %s\n' "$*"; "$@" 2>&1 | sed 's/^/      /'; }

if [[ $EUID -ne 0 ]]; then
	echo "demo: needs root (it creates network namespaces)" >&2
	exit 1
fi

say "1. Dependencies and build (scripts/deps.sh, scripts/build.sh)"
./scripts/deps.sh || exit 1
./scripts/build.sh >/tmp/esprit-demo-build.log 2>&1 || {
	tail -n 30 /tmp/esprit-demo-build.log
	exit 1
}
echo "    built: build/control/espritd, build/control/espritctl (log: /tmp/esprit-demo-build.log)"

# shellcheck source=tests/e2e/lib.sh
source "$REPO/tests/e2e/lib.sh"
export E2E_ID=demo$$
e2e_init demo
trap e2e_cleanup EXIT
require_espritd
CONF_A=$REPO/scripts/examples/gw-a.conf
CONF_B=$REPO/scripts/examples/gw-b.conf
SOCK_a=$(sed -n 's/^ *mgmt_socket *= *"\(.*\)";.*/\1/p' "$CONF_A")
SOCK_b=$(sed -n 's/^ *mgmt_socket *= *"\(.*\)";.*/\1/p' "$CONF_B")
export SOCK_a SOCK_b
# the examples' --file-prefix values: their DPDK runtime dirs go at cleanup
DPDK_PREFIXES="esprit-gwa esprit-gwb"
export DPDK_PREFIXES

say "2. Topology: five network namespaces joined by veth pairs"
e2e_topology
cat <<TXT
    $NS_HA   host A    ha0 10.1.0.1/24 fd01::1/64, default route via gateway A
    $NS_GWA  gateway A espritd drives a-lan and a-wan itself (DPDK af_packet);
                       the kernel there has no addresses at all
    $NS_WIRE "internet" a bridge between the two WAN links
    $NS_GWB  gateway B espritd on b-wan and b-lan
    $NS_HB   host B    hb0 10.2.0.1/24 fd02::1/64, default route via gateway B
TXT

say "3. Start the gateways from the shipped example configs"
echo "    A: $CONF_A"
echo "    B: $CONF_B"
echo "    IPv4 between the sites: AES-128-GCM tunnel (SPIs 0x1001 A->B, 0x2001 B->A)"
echo "    IPv6 between the sites: ChaCha20-Poly1305, implicit IV, ESN (0x1002, 0x2002)"
gw_start a "$CONF_A"
gw_start b "$CONF_B"
run "$ESPRITCTL" -s "$SOCK_a" version

say "4. Ping through the tunnel, both ways, IPv4 and IPv6"
wait_ping "$NS_HA" 10.2.0.1 || fail "no IPv4 ping through the tunnel"
wait_ping "$NS_HA" fd02::1 || fail "no IPv6 ping through the tunnel"
run ip netns exec "$NS_HA" ping -c 3 -i 0.3 10.2.0.1
run ip netns exec "$NS_HB" ping -c 3 -i 0.3 fd01::1

say "5. A UDP transfer A -> B and TCP transfers both ways, sha256 compared on both ends"
echo "    (each line shows: sha256, packets, octets; sender and receiver must agree)"
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 7000 200 1200
tcp_check "$NS_HB" "$NS_HA" fd01::1 7001 2000000
tcp_check "$NS_HA" "$NS_HB" 10.2.0.1 7002 2000000

say "6. What went over the wire: a few packets captured between the gateways"
capture_start "$T/demo.pcap"
ip netns exec "$NS_HA" ping -c 2 -i 0.2 10.2.0.1 >/dev/null 2>&1
ip netns exec "$NS_HA" ping -c 2 -i 0.2 fd02::1 >/dev/null 2>&1
capture_stop
tshark -n -r "$T/demo.pcap" -Y esp 2>/dev/null | sed 's/^/      /' | head -n 8
echo "    only ESP on the wire: the inner addresses and payload are encrypted"

say "7. The SA table of each gateway (espritctl sa list)"
for gw in a b; do
	echo "    --- gateway ${gw^^}"
	run ctl "$gw" sa list
done

say "   Per-SA counters from both gateways: what one encrypted, the other decrypted"
ctl a --json sa list >"$T/sa-a.json" 2>&1
ctl b --json sa list >"$T/sa-b.json" 2>&1
"$PY" - "$T/sa-a.json" "$T/sa-b.json" <<'PYEOF'
import json, sys
gws = {"A": json.load(open(sys.argv[1])), "B": json.load(open(sys.argv[2]))}
rows = {}
for gw, doc in gws.items():
    for sa in doc.get("sas", []):
        st = sa.get("stats", {})
        drops = st.get("drops", {}).get("total", 0)
        rows.setdefault((sa["spi"], sa.get("name", "")), {})[sa["dir"]] = (gw, st.get("packets"), st.get("bytes"), drops)
print("    %-12s %-8s %-36s %-36s" % ("SPI", "SA", "sent (out)", "received (in)"))
for (spi, name), d in sorted(rows.items(), key=lambda x: str(x[0][0])):
    cell = lambda k: "%s: %s pkts %s B, %s drops" % d[k] if k in d else "-"
    print("    %-12s %-8s %-36s %-36s" % (spi, name, cell("out"), cell("in")))
PYEOF
echo "    --- gateway A, worker counters"
run ctl a worker stats

say "8. Clean up: stop both gateways (by pid), delete the namespaces"
if ((E2E_FAILED)); then
	echo "    something above FAILED; logs are kept in $T"
else
	echo "    everything worked."
fi

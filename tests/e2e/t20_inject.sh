#!/usr/bin/env bash
# ESP built outside esprit goes into gateway B from the wire namespace:
# scapy's SecurityAssociation builds the explicit-IV packets (AES-GCM, and
# ChaCha20-Poly1305 with ESN over IPv6), python3-cryptography the RFC 8750
# implicit-IV ones (AES-GCM inner IPv6; ChaCha20 with ESN in UDP 4500).
# Host B must receive every datagram intact (sha256 compared).
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init inject
trap e2e_cleanup EXIT
require_espritd

e2e_topology
e2e_gen_conf --workers 1
gw_start b "$T/gwb.conf"
BMAC=$(ip -n "$NS_GWB" -br link show b-wan | awk '{print $3}')
ping_check "$NS_HB" 10.2.0.254 2
ping_check "$NS_HB" fd02::254 2

N=40
for sa in inj-gcm inj-cc inj-iiv inj-cciiv; do
	read -r port inner < <("$PY" -c '
import json, sys
for s in json.load(open(sys.argv[1]))["inject"]:
    if s["name"] == sys.argv[2]:
        print(s["dport"], s["inner"])' "$T/sas.json" "$sa")
	bg "rx-$sa" ip netns exec "$NS_HB" timeout 30 "$PY" "$E2E_DIR/traffic.py" udp-recv \
		--port "$port" --count "$N" --timeout 20
	rpid=$BG_PID
	sleep 0.4
	tx=$(cd "$E2E_DIR" && nsx "$NS_WIRE" "$PY" inject.py good "$T/sas.json" "$sa" "$N" \
		--warmup 3 --iface wb --dmac "$BMAC" 2>"$T/inject-$sa.err") || true
	wait "$rpid" 2>/dev/null || true
	rx=$(cat "$T/rx-$sa.out")
	if [[ -n $tx && $tx == "$rx" ]]; then
		ok "$sa (inner IPv$inner, port $port): $N scapy/cryptography-built ESP packets decrypted by espritd, sha256 match"
	else
		fail "$sa: injected [$tx] host B received [$rx]"
		sed 's/^/    /' "$T/inject-$sa.err"
	fi
	ctl b sa show "$("$PY" -c 'import json,sys
for s in json.load(open(sys.argv[1]))["inject"]:
    if s["name"] == sys.argv[2]: print(hex(s["spi"]))' "$T/sas.json" "$sa")" in 2>&1 | sed 's/^/    /' | head -n 20
done
exit "$E2E_FAILED"

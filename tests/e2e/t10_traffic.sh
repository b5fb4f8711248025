#!/usr/bin/env bash
# Two espritd gateways, one SA pair per UDP port (tests/e2e/gen_conf.py):
# inner v4/v6 x outer v4/v6, tunnel and transport, AES-GCM and ChaCha20,
# explicit and implicit IV, with and without ESN and NAT-T.  Every flow is
# checked end to end (sha256 on both hosts, both directions), plus ping and
# TCP through the catch-all SAs; the wire is captured and decrypted by
# tshark (AES-GCM), scapy (explicit IV, GCM and ChaCha) and an independent
# RFC 8750 checker (implicit IV); per-SA counters and DPDK telemetry are read.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init traffic
trap e2e_cleanup EXIT
require_espritd

e2e_topology
e2e_gen_conf --workers 1
capture_start "$T/wire.pcap"
gw_start a "$T/gwa.conf"
gw_start b "$T/gwb.conf"

log "warm-up: ARP/ND through both gateways"
wait_ping "$NS_HA" 10.2.0.1 || fail "no IPv4 ping through the tunnel within 20 s"
wait_ping "$NS_HA" fd02::1 || fail "no IPv6 ping through the tunnel within 20 s"

log "ping: gateways' own addresses, then through the tunnel both ways"
ping_check "$NS_HA" 10.1.0.254 3
ping_check "$NS_HA" fd01::254 3
ping_check "$NS_HB" 10.2.0.254 3
ping_check "$NS_HB" fd02::254 3
ping_check "$NS_HA" 10.2.0.1 5
ping_check "$NS_HA" fd02::1 5
ping_check "$NS_HB" 10.1.0.1 5
ping_check "$NS_HB" fd01::1 5

log "UDP: one flow per SA pair, both directions, 50 x 1000 octets, sha256 compared"
N_UDP=50
while read -r name port inner; do
	if [[ $inner == 4 ]]; then a=10.1.0.1 b=10.2.0.1; else a=fd01::1 b=fd02::1; fi
	log "  SA pair $name (port $port)"
	udp_check "$NS_HA" "$NS_HB" "$b" "$port" "$N_UDP" 1000
	udp_check "$NS_HB" "$NS_HA" "$a" "$port" "$N_UDP" 1000
done < <("$PY" -c '
import json, sys
for a, b in json.load(open(sys.argv[1]))["pairs"]:
    if a["dport"]:
        print(a["name"][:-3], a["dport"], a["inner"])' "$T/sas.json")

log "TCP through the catch-all SAs (any4, any6): 1 MB each way, sha256 compared"
tcp_check "$NS_HA" "$NS_HB" 10.2.0.1 5001 1000000
tcp_check "$NS_HB" "$NS_HA" fd01::1 5002 1000000

capture_stop

log "independent verifiers on the wire capture ($(stat -c %s "$T/wire.pcap") octets)"
for v in verify_tshark verify_scapy verify_iiv; do
	if (cd "$E2E_DIR" && timeout 300 "$PY" "$v.py" "$T/wire.pcap" "$T/sas.json") >"$T/$v.out" 2>&1; then
		ok "$v: $(grep -c ' ok\|decrypted' "$T/$v.out") SAs verified"
	else
		fail "$v"
	fi
	sed 's/^/    /' "$T/$v.out"
done

log "per-SA counters (espritctl --json sa list): every SA carried the traffic"
ctl a --json sa list >"$T/sa-a.json" 2>&1 || fail "espritctl a sa list --json"
ctl b --json sa list >"$T/sa-b.json" 2>&1 || fail "espritctl b sa list --json"
if "$PY" "$E2E_DIR/ctlcheck.py" sa-packets "$T/sas.json" "$T/sa-a.json" "$T/sa-b.json" \
	--min "$N_UDP" >"$T/counters.out" 2>&1; then
	ok "per-SA packet counters"
else
	fail "per-SA packet counters"
fi
sed 's/^/    /' "$T/counters.out"
log "espritctl sa list (gateway A):"
ctl a sa list 2>&1 | head -n 24 | sed "s/^/    /"

log "DPDK telemetry: /esprit/sa over gateway A's telemetry socket"
tel=$(echo /esprit/sa | timeout 20 dpdk-telemetry.py -f "$E2E_ID-gwa" 2>&1)
if grep -q '"/esprit/sa"' <<<"$tel" && grep -qiE '0x0*1001|4097|"gcm4-ab"' <<<"$tel"; then
	ok "telemetry /esprit/sa lists gateway A's SAs"
else
	fail "telemetry /esprit/sa: $(head -c 600 <<<"$tel")"
fi
echo "$tel" | head -c 1500 | sed 's/^/    /'
echo

exit "$E2E_FAILED"

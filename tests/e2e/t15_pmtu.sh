#!/usr/bin/env bash
# Path MTU through the tunnel (RFC 1191, RFC 8201): host A is given a route
# to host B with MTU 1500 (the link's), so its DF packets of 1500 octets no
# longer fit once ESP is added.  Gateway A must drop them as too_big and
# answer with ICMP "fragmentation needed" / ICMPv6 "packet too big" naming
# an MTU that fits; host A's kernel then lowers its path MTU, and the same
# transfer goes through.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init pmtu
trap e2e_cleanup EXIT
require_espritd

e2e_topology
e2e_gen_conf --workers 1
ip -n "$NS_HA" route add 10.2.0.1/32 via 10.1.0.254 mtu 1500
ip -n "$NS_HA" -6 route add fd02::1/128 via fd01::254 mtu 1500
gw_start a "$T/gwa.conf"
gw_start b "$T/gwb.conf"
wait_ping "$NS_HA" 10.2.0.1 || fail "no IPv4 ping through the tunnel"
wait_ping "$NS_HA" fd02::1 || fail "no IPv6 ping through the tunnel"

for fam in 4 6; do
	if [[ $fam == 4 ]]; then dst=10.2.0.1 hdr=28; else dst=fd02::1 hdr=48; fi
	ctl a --json worker stats >"$T/ws-$fam-0.json" 2>&1
	# 1500-octet IP packets with DF (ping -M do): one ESP tunnel too many
	nsx "$NS_HA" ping -c 2 -W 1 -M "do" -s $((1500 - hdr)) "$dst" >"$T/ping-$fam.out" 2>&1
	ctl a --json worker stats >"$T/ws-$fam-1.json" 2>&1
	tb=$("$PY" "$E2E_DIR/ctlcheck.py" drop "$T/ws-$fam-0.json" "$T/ws-$fam-1.json" too_big)
	pmtu=$(ip -n "$NS_HA" route get "$dst" | grep -o 'mtu [0-9]*' | awk '{print $2}')
	if [[ $tb -ge 1 && -n $pmtu && $pmtu -lt 1500 ]]; then
		ok "IPv$fam: 1500-octet DF packets dropped as too_big (+$tb), host A learnt path MTU $pmtu"
	else
		fail "IPv$fam: too_big +$tb, host A's route: $(ip -n "$NS_HA" route get "$dst" | head -n2 | tr '\n' ' ')"
		sed 's/^/    /' "$T/ping-$fam.out"
		continue
	fi
	# the largest packet that fits the learnt MTU now goes through
	if nsx "$NS_HA" ping -c 2 -W 2 -M "do" -s $((pmtu - hdr)) "$dst" >/dev/null 2>&1; then
		ok "IPv$fam: $pmtu-octet DF packets go through"
	else
		fail "IPv$fam: $pmtu-octet DF packets (the learnt path MTU) do not go through"
	fi
done
tcp_check "$NS_HA" "$NS_HB" 10.2.0.1 5011 500000
tcp_check "$NS_HA" "$NS_HB" fd02::1 5012 500000
exit "$E2E_FAILED"

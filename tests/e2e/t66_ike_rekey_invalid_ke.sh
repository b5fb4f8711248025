#!/usr/bin/env bash
# IKE SA rekey answered with INVALID_KE_PAYLOAD (RFC 7296 §1.3.1, §2.18),
# between two espritd gateways: the IKE SA is set up with x25519; B's
# configuration is then reloaded to accept only ECP-256 (its established
# IKE SA moves to the new version); A's IKE SA rekey offers x25519 first,
# B asks for group 19, and A must go again with ECP-256. Both ends list the
# new IKE SA with ecp256, and traffic still flows through the Child SA.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init ike_rekey_invalid_ke
trap e2e_cleanup EXIT
require_espritd
e2e_topology

PSK="psk of t66 0123456789"

# gw_conf GW IKE_PROPOSALS START_ACTION
gw_conf() {
	local gw=$1 ike=$2 start=$3 me other lan net rnet
	if [[ $gw == a ]]; then
		me=192.0.2.1 other=192.0.2.2 lan=10.1.0.254/24 net=10.1.0.0/24 rnet=10.2.0.0/24
	else
		me=192.0.2.2 other=192.0.2.1 lan=10.2.0.254/24 net=10.2.0.0/24 rnet=10.1.0.0/24
	fi
	cat >"$T/gw$gw.conf" <<CONF
esprit: { workers = 1; lcores = "0,1"; idle_sleep_us = 100; log_level = "info";
          eal = ["--no-huge", "-m", "256", "--file-prefix", "$E2E_ID-gw$gw", "--no-telemetry"];
          mgmt_socket = "$T/gw$gw.sock"; };
ports = ( { name = "lan"; device = "net_af_packet0,iface=$gw-lan"; addresses = ["$lan"]; },
          { name = "wan"; device = "net_af_packet1,iface=$gw-wan"; addresses = ["$me/24"]; } );
connections = (
  { name = "k"; local_addrs = "$me"; remote_addrs = "$other";
    local_id = "$gw.test"; remote_id = "$([[ $gw == a ]] && echo b || echo a).test";
    auth = "psk"; psk = "$PSK"; proposals = "$ike";
    children = ( { name = "net"; local_ts = "$net"; remote_ts = "$rnet";
                   esp_proposals = "aes128gcm16"; start_action = "$start"; } ); }
);
CONF
}

gw_conf b "aes256gcm16-prfsha384-x25519" none
gw_start b "$T/gwb.conf"
gw_conf a "aes256gcm16-prfsha384-x25519-ecp256" start
gw_start a "$T/gwa.conf"
for ((i = 0; i < 100; i++)); do
	ctl a ike list 2>/dev/null | grep -q "child INSTALLED" && break
	sleep 0.1
done
for gw in a b; do
	if ctl "$gw" ike list | grep -q "/x25519, established"; then
		ok "$gw: IKE SA keyed with x25519"
	else
		fail "$gw: $(ctl "$gw" ike list 2>&1 | head -n 3)"
	fi
done
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the tunnel"

log "B now accepts only ECP-256 (reload); A rekeys the IKE SA"
gw_conf b "aes256gcm16-prfsha384-ecp256" none
ctl b reload >"$T/reload.out" 2>&1 || fail "espritctl reload on B: $(cat "$T/reload.out")"
ctl a ike rekey k >/dev/null || fail "espritctl ike rekey k failed"
for ((i = 0; i < 50; i++)); do
	ctl a ike list 2>/dev/null | grep -q "/ecp256, established" &&
		ctl b ike list 2>/dev/null | grep -q "/ecp256, established" && break
	sleep 0.2
done
if grep -q "IKE SA rekey again with KE group 19" "$T/espritd-a.log"; then
	ok "A: $(grep -o 'IKE SA [0-9a-f]*_i: IKE SA rekey again.*' "$T/espritd-a.log" | head -n 1)"
else
	fail "A never retried with the group B asked for: $(grep -i 'rekey' "$T/espritd-a.log" | tail -n 3)"
fi
for gw in a b; do
	if ctl "$gw" ike list | grep -q "/ecp256, established" &&
		! ctl "$gw" ike list | grep -q "/x25519, established"; then
		ok "$gw: the rekeyed IKE SA uses ecp256: $(ctl "$gw" ike list | grep -m1 ecp256 | sed 's/^ *//')"
	else
		fail "$gw after the rekey: $(ctl "$gw" ike list 2>&1 | head -n 4)"
	fi
done
ping_check "$NS_HA" 10.2.0.1 5
ping_check "$NS_HB" 10.1.0.1 5

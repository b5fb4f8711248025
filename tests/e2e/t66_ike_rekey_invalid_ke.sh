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

gw_conf b k "aes256gcm16-prfsha384-x25519" none
gw_start b "$T/gwb.conf"
gw_conf a k "aes256gcm16-prfsha384-x25519-ecp256" start
gw_start a "$T/gwa.conf"
wait_until 10 child_installed a
for gw in a b; do
	if ctl "$gw" ike list | grep -q "/x25519, established"; then
		ok "$gw: IKE SA keyed with x25519"
	else
		fail "$gw: $(ctl "$gw" ike list 2>&1 | head -n 3)"
	fi
done
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the tunnel"

log "B now accepts only ECP-256 (reload); A rekeys the IKE SA"
gw_conf b k "aes256gcm16-prfsha384-ecp256" none
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

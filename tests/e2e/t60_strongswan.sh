#!/usr/bin/env bash
# IKEv2 interop with strongSwan 5.9.8 (charon with kernel-libipsec: userspace
# ESP on a TUN device, always ESP-in-UDP on 4500) in gateway B's namespace.
# PSK, aes256-sha256-x25519 for IKE, AES-128-GCM for ESP. First strongSwan
# initiates and espritd answers, then espritd initiates (start_action =
# start); each time the Child SA is checked with traffic between host A
# (behind espritd) and host B (behind strongSwan): ping, UDP and TCP with
# sha256 compared on both ends, and the SA counters on both sides.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init strongswan
trap e2e_cleanup EXIT
require_espritd
# shellcheck source=tests/e2e/swan.sh
source "$E2E_DIR/swan.sh"
swan_require
e2e_topology
swan_setup psk
swan_start
swan_both_roles

log "3) espritctl: list, terminate, initiate again, rekey the IKE SA while a ping runs"
if ctl a ike list | grep -q "ESTABLISHED" && ctl a ike list | grep -q "child INSTALLED"; then
	ok "espritctl ike list: $(ctl a ike list | head -n 1)"
else
	fail "espritctl ike list: $(ctl a ike list 2>&1)"
fi
ctl a ike terminate b >/dev/null || fail "espritctl ike terminate b failed"
for ((i = 0; i < 50; i++)); do
	swan --list-sas 2>/dev/null | grep -q ESTABLISHED || break
	sleep 0.2
done
swan --list-sas 2>/dev/null | grep -q ESTABLISHED && fail "strongSwan still has the IKE SA after terminate" ||
	ok "terminate from espritd: strongSwan deleted its IKE SA"
ctl a ike initiate b net >/dev/null || fail "espritctl ike initiate b net failed"
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping after initiating again"
old=$(ctl a ike list | head -n 1)
# the IKE SA rekey (§2.18) moves the Child SA under a ping: nothing lost
bg "ping-ikerekey" ip netns exec "$NS_HA" timeout 20 ping -c 40 -i 0.05 -W 2 10.2.0.1
pingpid=$BG_PID
sleep 0.5
ctl a ike rekey b >/dev/null || fail "espritctl ike rekey b failed"
for ((i = 0; i < 50; i++)); do
	new=$(ctl a ike list | grep ESTABLISHED | head -n 1)
	[[ -n $new && $new != "$old" ]] && break
	sleep 0.2
done
if [[ -n $new && $new != "$old" ]]; then
	ok "IKE SA rekeyed by espritd: $new"
else
	fail "IKE rekey: before [$old] after [$(ctl a ike list 2>&1 | head -n 3)]"
fi
wait "$pingpid"
if grep -q " 40 received" "$T/ping-ikerekey.out"; then
	ok "IKE SA rekey from espritd: 40/40 pings through it"
else
	fail "IKE SA rekey from espritd: $(grep transmitted "$T/ping-ikerekey.out")"
fi
ping_check "$NS_HA" 10.2.0.1 5
swan --list-sas 2>&1 | grep -q "ESTABLISHED" && ok "strongSwan lists the rekeyed IKE SA" ||
	fail "strongSwan after rekey: $(swan --list-sas 2>&1 | head -n 10)"

log "4) strongSwan rekeys the Child SA, then the IKE SA, while a ping runs: no loss"
for what in "--child net" "--ike psk"; do
	bg "ping-rekey" ip netns exec "$NS_HA" timeout 20 ping -c 40 -i 0.05 -W 2 10.2.0.1
	pingpid=$BG_PID
	sleep 0.5
	# shellcheck disable=SC2086
	swan --rekey $what >"$T/rekey.out" 2>&1 || fail "swanctl --rekey $what: $(tail -n 3 "$T/rekey.out")"
	wait "$pingpid"
	if grep -q " 40 received" "$T/ping-rekey.out"; then
		ok "rekey $what from strongSwan: 40/40 pings through it"
	else
		fail "rekey $what from strongSwan: $(grep transmitted "$T/ping-rekey.out")"
	fi
done
ctl a ike list | sed 's/^/    /'

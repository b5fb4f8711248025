#!/usr/bin/env bash
# A peer without IKE_INTERMEDIATE (strongSwan 5.9.8: no RFC 9242, no RFC 9370,
# no ML-KEM) against espritd whose proposal requires x25519 + ML-KEM-768
# (ke1_mlkem768): no IKE SA in either role, a logged reason, and nothing in
# espritd's dataplane: never a silent fallback to x25519 alone. Then the same
# with a second proposal without the additional key exchange, which the
# configuration allows: x25519 alone, with traffic through the tunnel.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init pq-noint
trap e2e_cleanup EXIT
require_espritd
# shellcheck source=tests/e2e/swan.sh
source "$E2E_DIR/swan.sh"
swan_require
e2e_topology
swan_setup psk
swan_start

# gwa_pq START_ACTION PROPOSALS: espritd A, one connection to strongSwan
gwa_pq() { gwa_conf "$1" "$2" ""; }

no_sa() { # no_sa WHAT: neither side has an IKE SA, espritd no ESP SA
	if ctl a ike list | grep -q "ESTABLISHED"; then
		fail "$1: espritd has an IKE SA: $(ctl a ike list | head -n 3)"
	elif [[ $(ctl a --json sa list | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["sas"]))') != 0 ]]; then
		fail "$1: espritd installed SAs: $(ctl a sa list)"
	elif swan --list-sas 2>/dev/null | grep -q ESTABLISHED; then
		fail "$1: strongSwan has an IKE SA: $(swan --list-sas | head -n 5)"
	else
		ok "$1: no IKE SA, no Child SA on either side"
	fi
}

REQUIRED="aes256-sha256-x25519-ke1_mlkem768"

log "1) espritd initiates with ML-KEM-768 required"
gwa_pq start "$REQUIRED"
gw_start a "$T/gwa.conf"
for ((i = 0; i < 50; i++)); do
	grep -qE "IKE_SA_INIT refused|not one of our proposals|without INTERMEDIATE" \
		"$T/espritd-a.log" && break
	sleep 0.1
done
if line=$(grep -E "IKE_SA_INIT refused|not one of our proposals|without INTERMEDIATE" \
	"$T/espritd-a.log" | head -n 1); then
	ok "espritd: ${line#*ike: }"
else
	fail "espritd logged no reason: $(grep 'ike:' "$T/espritd-a.log" | tail -n 5)"
fi
no_sa "espritd initiating"

log "2) strongSwan initiates; espritd requires ML-KEM-768"
gw_stop a
gwa_pq none "$REQUIRED"
gw_start a "$T/gwa.conf"
if swan --initiate --child net --ike psk >"$T/initiate.out" 2>&1; then
	fail "strongSwan established an IKE SA with espritd requiring ML-KEM"
else
	grep -q "NO_PROPOSAL_CHOSEN" "$T/initiate.out" &&
		ok "strongSwan: $(grep -m1 NO_PROPOSAL_CHOSEN "$T/initiate.out")" ||
		fail "strongSwan did not see NO_PROPOSAL_CHOSEN: $(tail -n 3 "$T/initiate.out")"
fi
no_sa "strongSwan initiating"

log "3) a second proposal without the additional key exchange: x25519 alone"
gw_stop a
gwa_pq start "$REQUIRED,aes256-sha256-x25519"
gw_start a "$T/gwa.conf"
for ((i = 0; i < 50; i++)); do
	swan --list-sas 2>/dev/null | grep -q INSTALLED && break
	sleep 0.2
done
if ctl a ike list | grep -q "/x25519, established"; then
	ok "espritd: IKE SA with x25519 alone, as its second proposal allows"
else
	fail "fallback proposal: $(ctl a ike list 2>&1 | head -n 4)"
fi
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the tunnel"
ping_check "$NS_HA" 10.2.0.1 3
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 7201 30 1000

#!/usr/bin/env bash
# RFC 8784 post-quantum preshared keys with strongSwan 5.9.8 (charon with
# kernel-libipsec) as gateway B, PSK authentication, aes256-sha256-x25519:
#  1) strongSwan initiates, both require the PPK: espritd lists the IKE SA
#     as PPK-protected, traffic through the Child SA;
#  2) espritd initiates, both require it: the same;
#  3) optional PPK, espritd initiates, strongSwan has no PPK: no PPK, traffic;
#  4) optional PPK, strongSwan initiates with a PPK_ID espritd does not
#     know: espritd authenticates it by NO_PPK_AUTH, no PPK, traffic;
#  5) wrong PPK (right PPK_ID, other secret), both directions: refused
#     with AUTHENTICATION_FAILED, no SA anywhere.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init ppk
trap e2e_cleanup EXIT
require_espritd
# shellcheck source=tests/e2e/swan.sh
source "$E2E_DIR/swan.sh"
swan_require
e2e_topology
swan_setup psk
cp "$SW/swanctl/swanctl.conf" "$T/swanctl.base"
swan_start

PPK_GOOD=0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
PPK_BAD=0xffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100

# swan_ppk PPK_ID|- yes|no SECRET: strongSwan's connection with that PPK
swan_ppk() {
	local f=$SW/swanctl/swanctl.conf
	if [[ $1 == - ]]; then
		cp "$T/swanctl.base" "$f"
	else
		sed -e "s/^    version = 2\$/    version = 2\n    ppk_id = $1\n    ppk_required = $2/" \
			-e "s/^secrets { ike-ab {/secrets { ppk-1 { id = $1\n                  secret = $3 }\n          ike-ab {/" \
			"$T/swanctl.base" >"$f"
	fi
	swan --load-all >"$SW/load.out" 2>&1 || fail "swanctl --load-all: $(tail -n 3 "$SW/load.out")"
}

# gwa_ppk START_ACTION PPK_ID true|false SECRET: espritd's connection with that PPK
gwa_ppk() {
	gwa_conf "$1"
	sed -i "s/dpd_delay = 30;/dpd_delay = 30; ppk_id = \"$2\"; ppk_required = $3;/" "$T/gwa.conf"
	printf 'ppks = ( { id = "%s"; secret = "%s"; } );\n' "$2" "$4" >>"$T/gwa.conf"
}

# ppk_check ROLE true|false [PPK_ID]: what espritctl ike list says
ppk_check() {
	local j
	j=$(ctl a --json ike list)
	if "$PY" - "$j" "$2" "${3:-}" <<'PY'; then
import json, sys
sas = [s for s in json.loads(sys.argv[1])["ike_sas"] if s["state"] == "ESTABLISHED"]
assert len(sas) == 1, sas
want = sys.argv[2] == "true"
assert sas[0]["ppk"] is want, sas[0]
assert sas[0]["ppk_id"] == (sys.argv[3] if want else None), sas[0]
PY
		ok "$1: espritctl ike list --json: ppk $2 ${3:-}; text: $(ctl a ike list | grep -o '[a-z ]*PPK.*')"
	else
		fail "$1: espritctl ike list: $j"
	fi
	if [[ $2 == true ]] && ! ctl a ike list | grep -q ", PPK $3\$"; then
		fail "$1: the text listing does not name PPK $3"
	fi
}

# swan_says TEXT N: charon's log has TEXT N times so far
swan_says() {
	local n
	n=$(grep -cF "$1" "$SW/charon.log")
	[[ $n == "$2" ]] && ok "strongSwan logged \"$1\" ($n)" ||
		fail "strongSwan logged \"$1\" $n times, not $2"
}

end_case() {
	swan --terminate --ike psk >/dev/null 2>&1
	gw_stop a
}

log "1) strongSwan initiates, PPK mandatory on both"
swan_ppk ppk-test-1 yes "$PPK_GOOD"
gwa_ppk none ppk-test-1 true "$PPK_GOOD"
gw_start a "$T/gwa.conf"
if swan --initiate --child net --ike psk --timeout 20 >"$T/initiate.out" 2>&1; then
	ok "strongSwan: $(grep 'CHILD_SA net' "$T/initiate.out" | tail -n1)"
	ppk_check responder true ppk-test-1
	check_tunnel responder
else
	fail "strongSwan could not initiate: $(tail -n 5 "$T/initiate.out")"
fi
swan_says "using PPK for PPK_ID 'ppk-test-1'" 1
end_case

log "2) espritd initiates, PPK mandatory on both"
gwa_ppk start ppk-test-1 true "$PPK_GOOD"
gw_start a "$T/gwa.conf"
if swan_child_up; then
	ppk_check initiator true ppk-test-1
	check_tunnel initiator
else
	fail "espritd initiator with a PPK: no Child SA on strongSwan"
fi
swan_says "using PPK for PPK_ID 'ppk-test-1'" 2
end_case

log "3) optional PPK, espritd initiates, strongSwan has none"
swan_ppk -
gwa_ppk start ppk-test-1 false "$PPK_GOOD"
gw_start a "$T/gwa.conf"
if swan_child_up; then
	ppk_check "initiator, optional" false
	wait_ping "$NS_HA" 10.2.0.1 || fail "optional PPK fallback: no ping"
	ping_check "$NS_HA" 10.2.0.1 5
else
	fail "optional PPK towards a peer without one: no Child SA"
fi
end_case

log "4) optional PPK, strongSwan initiates with a PPK_ID espritd does not have (NO_PPK_AUTH)"
swan_ppk ppk-test-1 no "$PPK_GOOD"
gwa_ppk none ppk-other false "$PPK_GOOD"
gw_start a "$T/gwa.conf"
if swan --initiate --child net --ike psk --timeout 20 >"$T/initiate.out" 2>&1; then
	ppk_check "responder, NO_PPK_AUTH" false
	grep -q "authenticating with NO_PPK_AUTH" "$T/espritd-a.log" &&
		ok "espritd authenticated strongSwan by its NO_PPK_AUTH" ||
		fail "espritd did not log the NO_PPK_AUTH fallback"
	wait_ping "$NS_HA" 10.2.0.1 || fail "NO_PPK_AUTH fallback: no ping"
	ping_check "$NS_HB" 10.1.0.1 5
else
	fail "strongSwan (optional PPK) could not initiate: $(tail -n 5 "$T/initiate.out")"
fi
swan_says "peer didn't use PPK for PPK_ID 'ppk-test-1'" 1
end_case

log "5) wrong PPK: the same PPK_ID with another secret, both directions"
swan_ppk ppk-test-1 yes "$PPK_GOOD"
gwa_ppk none ppk-test-1 true "$PPK_BAD"
gw_start a "$T/gwa.conf"
if swan --initiate --child net --ike psk --timeout 20 >"$T/initiate.out" 2>&1; then
	fail "strongSwan established with a wrong PPK"
else
	grep -q "AUTHENTICATION_FAILED" "$T/initiate.out" &&
		ok "strongSwan initiator got AUTHENTICATION_FAILED" ||
		fail "strongSwan: $(tail -n 3 "$T/initiate.out")"
fi
grep -q "peer authentication failed" "$T/espritd-a.log" &&
	ok "espritd responder: peer authentication failed" || fail "espritd did not refuse the wrong PPK"
[[ $(ctl a --json ike list) == *'"ike_sas": []'* ]] && ok "espritd keeps no IKE SA" ||
	fail "espritd: $(ctl a ike list)"
gw_stop a
gwa_ppk start ppk-test-1 true "$PPK_BAD"
gw_start a "$T/gwa.conf"
for ((i = 0; i < 40; i++)); do
	grep -q "IKE_AUTH refused" "$T/espritd-a.log" && break
	sleep 0.2
done
grep -q "IKE_AUTH refused: AUTHENTICATION_FAILED" "$T/espritd-a.log" &&
	ok "espritd initiator: IKE_AUTH refused: AUTHENTICATION_FAILED" ||
	fail "espritd initiator with a wrong PPK: $(grep -i 'ike sa' "$T/espritd-a.log" | tail -n 3)"
swan --list-sas 2>/dev/null | grep -q ESTABLISHED && fail "strongSwan has an IKE SA" ||
	ok "strongSwan keeps no IKE SA"
ctl a ike list | grep -q ESTABLISHED && fail "espritd has an established IKE SA" ||
	ok "no traffic path: nothing established"
gw_stop a

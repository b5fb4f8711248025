#!/usr/bin/env bash
# RFC 9867 PPK inside IKE_INTERMEDIATE between two espritd gateways, with
# x25519 + ML-KEM-768 (RFC 9370) in the same IKE_INTERMEDIATE. B answers and
# requires the PPK there (ppk_intermediate, ppk_required); A is restarted
# per step and initiates:
#   1) the same PPK: both list the IKE SA as protected by PPK ppk-q in
#      IKE_INTERMEDIATE (so IKE_AUTH and the identities are too), with
#      x25519+mlkem768; traffic (ping, UDP with sha256) through the Child SA;
#      an IKE SA rekey keeps the protection;
#   2) a wrong PPK under the same PPK_ID: B refuses in IKE_INTERMEDIATE
#      (AUTHENTICATION_FAILED), no SA on either side;
#   3) A offers the PPK only the RFC 8784 way (USE_PPK): B answers
#      NO_PROPOSAL_CHOSEN (RFC 9867 §3.1), no SA;
#   4) a fresh PPK in CREATE_CHILD_SA (RFC 9867 §3.2, ppk_child_id, B
#      requires it): a Child SA rekey by A and an IKE SA rekey by B (its
#      ML-KEM-768 in an IKE_FOLLOWUP_KE, SK_d' kept for the end) are
#      keyed from SK_d' = prf+(PPK, SK_d), listed so on both, traffic after each.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init ppkint
trap e2e_cleanup EXIT
require_espritd
e2e_topology

PSK="psk of the ppk-int test t74"
IKE="aes256gcm16-prfsha384-x25519-ke1_mlkem768"
PPK_GOOD=0x5c0ffee05c0ffee05c0ffee05c0ffee05c0ffee05c0ffee05c0ffee05c0ffee0
PPK_BAD=0x0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de0badc0de
PPK_FRESH=0xf7e5f7e5f7e5f7e5f7e5f7e5f7e5f7e5f7e5f7e5f7e5f7e5f7e5f7e5f7e5f7e5

# ppk_conf GW START_ACTION PPK_SECRET PPK_INTERMEDIATE [CONNECTION_SETTINGS]:
# connection "pq", $IKE, PPK ppk-q (this secret) required, ppk-fresh known
ppk_conf() {
	gw_conf "$1" pq "$IKE" "$2" \
		"ppk_id = \"ppk-q\"; ppk_required = true; ppk_intermediate = $4; ${5:-}" \
		"ppks = ( { id = \"ppk-q\"; secret = \"$3\"; }, { id = \"ppk-fresh\"; secret = \"$PPK_FRESH\"; } );
"
}

# ppk_listed GW: ike list (text and JSON) says PPK ppk-q in IKE_INTERMEDIATE
ppk_listed() {
	if "$PY" - "$(ctl "$1" --json ike list)" <<'PY'; then
import json, sys
sas = [s for s in json.loads(sys.argv[1])["ike_sas"] if s["state"] == "ESTABLISHED"]
assert len(sas) == 1, sas
s = sas[0]
assert s["ppk"] is True and s["ppk_id"] == "ppk-q", s
assert s["ppk_exchange"] == "IKE_INTERMEDIATE", s
assert s["key_exchanges"] == ["x25519", "mlkem768"], s
PY
		ok "$1: $(ctl "$1" ike list | grep -o 'x25519.*PPK.*')"
	else
		fail "$1: ike list: $(ctl "$1" ike list 2>&1 | head -n 4)"
	fi
	ctl "$1" ike list | grep -q ", PPK ppk-q (in IKE_INTERMEDIATE)$" ||
		fail "$1: the text listing does not show the PPK in IKE_INTERMEDIATE"
}

# no_sa WHY: nothing established on either side
no_sa() {
	local gw
	for gw in a b; do
		if ctl "$gw" ike list | grep -q ESTABLISHED || [[ $(ctl "$gw" --json sa list) == *'"spi"'* ]]; then
			fail "$1: $gw has an SA: $(ctl "$gw" ike list | head -n 3)"
		else
			ok "$1: no IKE or Child SA on $gw"
		fi
	done
}

ppk_conf b none "$PPK_GOOD" true
gw_start b "$T/gwb.conf"

log "1) the same PPK in IKE_INTERMEDIATE, with x25519 + ML-KEM-768"
ppk_conf a start "$PPK_GOOD" true
gw_start a "$T/gwa.conf"
wait_until 10 child_installed a
ppk_listed a
ppk_listed b
grep -q "PPK_IDENTITY_KEY matches our PPK (RFC 9867)" "$T/espritd-b.log" &&
	ok "B checked the PPK confirmation" || fail "B never matched a PPK_IDENTITY_KEY"
grep -q "additional key exchange 1 of 1 (mlkem768) in IKE_INTERMEDIATE" "$T/espritd-a.log" &&
	ok "A: one IKE_INTERMEDIATE carried ML-KEM-768 and the PPK" ||
	fail "A: no ML-KEM IKE_INTERMEDIATE"
grep -q "PPK in IKE_INTERMEDIATE" "$T/espritd-a.log" &&
	fail "A ran a separate IKE_INTERMEDIATE for the PPK (it belongs in the last one)"
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the PPK-protected tunnel"
ping_check "$NS_HA" 10.2.0.1 3
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 7201 30 1000
udp_check "$NS_HB" "$NS_HA" 10.1.0.1 7202 30 1000
old=$(ctl a ike list | grep ESTABLISHED | head -n 1)
ctl a ike rekey pq >/dev/null || fail "espritctl ike rekey pq failed"
for ((i = 0; i < 50; i++)); do
	new=$(ctl a ike list | grep ESTABLISHED | head -n 1)
	[[ -n $new && $new != "$old" ]] && break
	sleep 0.1
done
if [[ -n $new && $new != "$old" ]] && ctl b ike list | grep -q ", PPK ppk-q (in IKE_INTERMEDIATE)$"; then
	ok "IKE SA rekeyed, still PPK-protected: $new"
else
	fail "IKE rekey: $(ctl a ike list 2>&1 | head -n 3)"
fi
ping_check "$NS_HA" 10.2.0.1 3

log "2) a wrong PPK under the same PPK_ID"
# B restarted too: the IKE SA of step 1 must not linger in its listing
gw_stop a
gw_stop b
mv "$T/espritd-b.log" "$T/espritd-b.1.log"
gw_start b "$T/gwb.conf"
ppk_conf a start "$PPK_BAD" true
gw_start a "$T/gwa.conf"
wait_until 5 grep -q "IKE_INTERMEDIATE failed" "$T/espritd-a.log"
grep -q "IKE_INTERMEDIATE refused: no matching PPK" "$T/espritd-b.log" &&
	ok "B refused the wrong PPK in IKE_INTERMEDIATE" || fail "B did not refuse the wrong PPK"
grep -q "IKE_INTERMEDIATE failed: AUTHENTICATION_FAILED" "$T/espritd-a.log" &&
	ok "A: IKE_INTERMEDIATE failed: AUTHENTICATION_FAILED" ||
	fail "A: $(grep -i 'intermediate' "$T/espritd-a.log" | tail -n 2)"
no_sa "wrong PPK"

log "3) A offers the PPK the RFC 8784 way only"
gw_stop a
ppk_conf a start "$PPK_GOOD" false
gw_start a "$T/gwa.conf"
wait_until 5 grep -q "IKE_SA_INIT refused" "$T/espritd-a.log"
grep -q "PPK in IKE_INTERMEDIATE required, no USE_PPK_INT offered" "$T/espritd-b.log" &&
	ok "B: PPK in IKE_INTERMEDIATE required" || fail "B did not insist on USE_PPK_INT"
grep -q "IKE_SA_INIT refused: NO_PROPOSAL_CHOSEN" "$T/espritd-a.log" &&
	ok "A: IKE_SA_INIT refused: NO_PROPOSAL_CHOSEN" ||
	fail "A: $(grep -i 'ike sa' "$T/espritd-a.log" | tail -n 2)"
no_sa "RFC 8784 only"

log "4) a fresh PPK in CREATE_CHILD_SA: Child SA rekey by A, IKE SA rekey by B"
gw_stop a
gw_stop b
mv "$T/espritd-b.log" "$T/espritd-b.3.log"
ppk_conf b none "$PPK_GOOD" true 'ppk_child_id = "ppk-fresh"; ppk_child_required = true;'
gw_start b "$T/gwb.conf"
ppk_conf a start "$PPK_GOOD" true 'ppk_child_id = "ppk-fresh";'
gw_start a "$T/gwa.conf"
wait_ping "$NS_HA" 10.2.0.1 || fail "step 4: no tunnel"
# fresh_listed GW WHAT: the Child SAs (child) or the IKE SA (ike) listed
# as keyed with the fresh PPK in CREATE_CHILD_SA
fresh_listed() {
	"$PY" - "$(ctl "$1" --json ike list)" "$2" <<'PY'
import json, sys
sas = [s for s in json.loads(sys.argv[1])["ike_sas"] if s["state"] == "ESTABLISHED"]
assert len(sas) == 1, sas
s = sas[0]
kids = [c for c in s["children"] if c["state"] == "INSTALLED"]
assert len(kids) == 1 and kids[0]["ppk"] is True, kids
if sys.argv[2] == "ike":
    assert s["ppk"] is True and s["ppk_id"] == "ppk-fresh", s
    assert s["ppk_exchange"] == "CREATE_CHILD_SA", s
PY
}
old=$(ctl a --json ike list | "$PY" -c 'import json,sys; print([c["spi_in"] for s in json.load(sys.stdin)["ike_sas"] for c in s["children"]])')
ctl a ike rekey pq net >/dev/null || fail "espritctl ike rekey pq net failed"
wait_until 5 fresh_listed a child 2>/dev/null
if fresh_listed a child && fresh_listed b child; then
	ok "Child SA rekeyed with the fresh PPK: $(ctl a ike list | grep -o 'child INSTALLED.*PPK (CREATE_CHILD_SA)')"
else
	fail "child rekey with the fresh PPK: was $old, now $(ctl a ike list 2>&1 | grep child)"
fi
grep -q "PPK_IDENTITY_KEY matches our PPK (RFC 9867 §3.2)" "$T/espritd-b.log" &&
	ok "B checked the CREATE_CHILD_SA confirmation" || fail "B never matched the fresh PPK"
ping_check "$NS_HA" 10.2.0.1 3
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 7203 30 1000
ctl b ike rekey pq >/dev/null || fail "espritctl b ike rekey pq failed"
wait_until 5 fresh_listed a ike 2>/dev/null
if fresh_listed a ike && fresh_listed b ike; then
	ok "IKE SA rekeyed by B with the fresh PPK: $(ctl a ike list | grep ESTABLISHED)"
else
	fail "IKE rekey with the fresh PPK: $(ctl a ike list 2>&1 | head -n 3)"
fi
ping_check "$NS_HA" 10.2.0.1 3
udp_check "$NS_HB" "$NS_HA" 10.1.0.1 7204 30 1000
gw_stop a
gw_stop b

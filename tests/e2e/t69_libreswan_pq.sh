#!/usr/bin/env bash
# RFC 8784 PPK and RFC 9242 IKE_INTERMEDIATE (without a key exchange inside)
# against libreswan 4.10 at IKE level (no kernel ESP here for its Child SAs:
# pluto initiates childless, impair omit-v2-ike-auth-child, and espritd
# initiates childless). Each case has its own identity on pluto's side
# (leftid @X.test) and its own espritd connection (remote_id X.test), so
# neither end can pick another case's connection.
#
#   A. PPK mandatory on both (pluto ppk=insist), pluto initiates
#   B. the same, espritd initiates
#   C. espritd optional, pluto ppk=permit initiates: the PPK is used
#   D. espritd optional initiates, pluto ppk=no: no PPK, still an IKE SA
#   E. PPK mandatory, different secrets under one PPK_ID: AUTHENTICATION_FAILED
#   F. pluto intermediate=yes initiates: one IKE_INTERMEDIATE, no KE inside
#   G. espritd initiates to pluto intermediate=yes (espritd needs none)
#   H. intermediate=yes and ppk=insist together, pluto initiates
#   I. the same, espritd initiates
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init libreswan-pq
trap e2e_cleanup EXIT
require_espritd
# shellcheck source=tests/e2e/lsw.sh
source "$E2E_DIR/lsw.sh"
lsw_require
e2e_topology
lsw_setup

PPK1=0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
PPK2=0xffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100
PPK2_WRONG=0x0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000
for id in p1 p2 pw i1 i2; do
	printf '@%s.test @a.test : PSK "%s"\n' "$id" "$LSW_PSK" >>"$LS/ipsec.secrets"
done
{
	printf '@p1.test @a.test : PPKS "ppk-test-1" %s\n' "$PPK1"
	printf '@p2.test @a.test : PPKS "ppk-test-1" %s\n' "$PPK1"
	printf '@i2.test @a.test : PPKS "ppk-test-1" %s\n' "$PPK1"
	printf '@pw.test @a.test : PPKS "ppk-test-2" %s\n' "$PPK2_WRONG"
} >>"$LS/ipsec.secrets"
lsw_conn p1 leftid=@p1.test ppk=insist
lsw_conn p2y leftid=@p2.test ppk=permit
lsw_conn p2n leftid=@p2.test ppk=no
lsw_conn pw leftid=@pw.test ppk=insist
lsw_conn i1 leftid=@i1.test intermediate=yes
lsw_conn i2 leftid=@i2.test intermediate=yes ppk=insist
lsw_start

conn() { # conn NAME REMOTE-ID [EXTRA]: one espritd connection
	printf '  { name = "%s"; local_addrs = "192.0.2.1"; remote_addrs = "192.0.2.2";
    local_id = "a.test"; remote_id = "%s"; auth = "psk"; psk = "%s";
    proposals = "aes256-sha256-x25519"; dpd_timeout = 3;
    children = ( { name = "net"; local_ts = "10.1.0.0/24"; remote_ts = "10.2.0.0/24";
                   esp_proposals = "aes128gcm16"; start_action = "none"; } ); %s }' \
		"$1" "$2" "$LSW_PSK" "${3:-}"
}
lsw_gwa_conf "$(conn p1 p1.test 'ppk_id = "ppk-test-1"; ppk_required = true;'),
$(conn p2 p2.test 'ppk_id = "ppk-test-1"; ppk_required = false;'),
$(conn pw pw.test 'ppk_id = "ppk-test-2"; ppk_required = true;'),
$(conn i1 i1.test),
$(conn i2 i2.test 'ppk_id = "ppk-test-1"; ppk_required = true;')" \
	"ppks = ( { id = \"ppk-test-1\"; secret = \"$PPK1\"; },
          { id = \"ppk-test-2\"; secret = \"$PPK2\"; } );"
gw_start a "$T/gwa.conf"
capture_start "$T/wire.pcap"

# up LSW-CONN ESP-CONN WHO PPK: an IKE SA initiated by WHO (pluto|espritd)
# must come up on both ends; PPK (yes|no) says whether espritd lists it as
# PPK-protected; then the initiator deletes it and both ends are empty.
# pluto 4.10 crashes when it builds a PPK IKE_AUTH without Child SA payloads
# (impair omit-v2-ike-auth-child), so with a PPK it initiates with its Child
# SA: it establishes the IKE SA, fails to install the child and drops the IKE
# SA without a Delete; espritd's IKE SA (with its child installed) is then
# terminated by espritd, whose unanswered Delete ends it after dpd_timeout.
up() {
	local lc=$1 ec=$2 who=$3 ppk=$4 from child=no
	from=$(wc -l <"$LS/pluto.log")
	lsw_add "$lc"
	if [[ $who == pluto && $ppk == yes ]]; then
		child=yes
		lsw_impair_none
		whack --initiate --name "$lc" >"$T/$lc-$who.out" 2>&1
	elif [[ $who == pluto ]]; then
		lsw_childless
		whack --initiate --name "$lc" >"$T/$lc-$who.out" 2>&1
	else
		lsw_impair_none
		ctl a ike initiate "$ec" >/dev/null || fail "espritctl ike initiate $ec"
	fi
	LAST_LOG=$(tail -n "+$((from + 1))" "$LS/pluto.log" | grep -v '^.*| ')
	if [[ $child == yes ]]; then
		if grep -q "initiator established IKE SA" <<<"$LAST_LOG" &&
			grep -q "setup_half_ipsec_sa() hit fail" <<<"$LAST_LOG"; then
			ok "[$lc, $who initiates] pluto: $(grep -oE 'initiator established IKE SA.*' <<<"$LAST_LOG" | head -n1), then its Child SA failed"
		else
			fail "[$lc, $who initiates] pluto: $(tail -n 5 <<<"$LAST_LOG")"
		fi
	elif wait_until 10 lsw_has "$lc" 1; then
		LAST_LOG=$(tail -n "+$((from + 1))" "$LS/pluto.log" | grep -v '^.*| ')
		ok "[$lc, $who initiates] pluto: $(grep -oE '(initiator|responder) established IKE SA.*' <<<"$LAST_LOG" | head -n1)"
	else
		fail "[$lc, $who initiates] pluto has no IKE SA: $(tail -n "+$((from + 1))" "$LS/pluto.log" |
			grep -v '^.*| ' | tail -n 5)"
	fi
	wait_until 5 esp_count 1
	esp_check "[$lc, $who initiates] IKE SA ESTABLISHED, PPK $ppk" "
c = [s for s in sas if s['conn'] == '$ec']
assert len(c) == 1 and c[0]['state'] == 'ESTABLISHED', sas
assert c[0]['initiator'] == ('$who' == 'espritd'), sas
assert c[0]['ppk'] == ('$ppk' == 'yes'), sas
assert ('$ppk' == 'no') or c[0]['ppk_id'] == 'ppk-test-1', sas
assert len(c[0]['children']) == ('$child' == 'yes'), sas"
	if [[ $who == pluto && $child == no ]]; then
		lsw_del "$lc"
	else
		ctl a ike terminate "$ec" >/dev/null || fail "espritctl ike terminate $ec"
		wait_until 5 lsw_has "$lc" 0 || fail "[$lc] pluto kept the IKE SA after espritd's Delete"
		lsw_del "$lc"
	fi
	wait_until 8 esp_count 0 || fail "[$lc] espritd kept the IKE SA: $(ctl a ike list)"
	LAST_LOG=$(tail -n "+$((from + 1))" "$LS/pluto.log" | grep -v '^.*| ')
	# pluto's side of the PPK
	if [[ $ppk == yes ]]; then
		grep -qE "PPK AUTH calculated as (initiator|responder)" <<<"$LAST_LOG" &&
			ok "[$lc] pluto: $(grep -m1 -oE 'PPK AUTH calculated as [a-z]+' <<<"$LAST_LOG")" ||
			fail "[$lc] pluto did not use the PPK"
	elif grep -q "PPK AUTH calculated" <<<"$LAST_LOG"; then
		fail "[$lc] pluto used a PPK"
	fi
}

log "A) PPK mandatory (ppk=insist), pluto initiates"
up p1 p1 pluto yes
log "B) PPK mandatory, espritd initiates"
up p1 p1 espritd yes
grep -q "PPK_IDENTITY" <<<"$LAST_LOG" && ok "pluto's log names PPK_IDENTITY" || true

log "C) espritd optional, pluto ppk=permit initiates"
up p2y p2 pluto yes
log "D) espritd optional initiates, pluto ppk=no"
up p2n p2 espritd no
grep -q "ignored received PPK_IDENTITY" <<<"$LAST_LOG" &&
	grep -q "the responder has not our PPK, going on without it" "$T/espritd-a.log" &&
	ok "[p2n] pluto ignored PPK_IDENTITY (NO_PPK_AUTH used), espritd went on without the PPK" ||
	fail "[p2n] the optional fallback is not the one expected"

log "E) different PPK secrets under one PPK_ID: refused"
from=$(wc -l <"$LS/pluto.log")
af=$(ike_stat rx_bad_auth)
lsw_add pw
lsw_impair_none # with a Child SA (see up())
whack --initiate --name pw >"$T/pw.out" 2>&1
sleep 1
lsw_has pw 0 && ok "[pw] no IKE SA on pluto's side" || fail "[pw] pluto: $(whack --status | grep '^000 #')"
esp_count 0 && ok "[pw] no IKE SA on espritd's side" || fail "[pw] espritd: $(ctl a ike list)"
if tail -n "+$((from + 1))" "$LS/pluto.log" | grep -q "AUTHENTICATION_FAILED"; then
	ok "[pw] pluto: $(tail -n "+$((from + 1))" "$LS/pluto.log" | grep -o '[^:]*AUTHENTICATION_FAILED.*' | head -n1)"
else
	fail "[pw] pluto did not see AUTHENTICATION_FAILED: $(grep -v '| ' "$T/pw.out" | tail -n 3)"
fi
(($(ike_stat rx_bad_auth) > af)) && ok "[pw] espritd counted the failed AUTH (rx_bad_auth $af -> $(ike_stat rx_bad_auth))" ||
	fail "[pw] rx_bad_auth stayed at $af"
kill -0 "$LSW_PID" 2>/dev/null || die "pluto died"
lsw_del pw

log "F) pluto intermediate=yes initiates"
n0=$(grep -c "IKE_INTERMEDIATE 1 without key exchange" "$T/espritd-a.log")
up i1 i1 pluto no
grep -q "initiator processed IKE_INTERMEDIATE" <<<"$LAST_LOG" &&
	ok "[i1] pluto: $(grep -m1 -o 'initiator processed IKE_INTERMEDIATE.*' <<<"$LAST_LOG")" ||
	fail "[i1] pluto ran no IKE_INTERMEDIATE"
(($(grep -c "IKE_INTERMEDIATE 1 without key exchange" "$T/espritd-a.log") > n0)) &&
	ok "[i1] espritd answered an IKE_INTERMEDIATE without key exchange" ||
	fail "[i1] espritd saw no IKE_INTERMEDIATE"

log "G) espritd initiates to pluto intermediate=yes"
up i1 i1 espritd no
if grep -q "IKE_INTERMEDIATE" <<<"$LAST_LOG"; then
	ok "[i1, espritd initiates] pluto: $(grep -m1 -oE '[^"]*IKE_INTERMEDIATE.*' <<<"$LAST_LOG")"
else
	ok "[i1, espritd initiates] no IKE_INTERMEDIATE (espritd runs one only for an additional key exchange)"
fi

log "H) intermediate=yes and ppk=insist, pluto initiates"
up i2 i2 pluto yes
grep -q "initiator processed IKE_INTERMEDIATE" <<<"$LAST_LOG" &&
	ok "[i2] pluto ran IKE_INTERMEDIATE before the PPK IKE_AUTH" ||
	fail "[i2] pluto ran no IKE_INTERMEDIATE"
log "I) intermediate=yes and ppk=insist, espritd initiates"
up i2 i2 espritd yes
capture_stop

n=$(tshark -r "$T/wire.pcap" -Y isakmp -T fields -e isakmp.exchangetype 2>/dev/null |
	sort | uniq -c | tr -s ' \t\n' ' ')
log "IKE messages on the wire (count type): $n"
grep -q " 43 " <<<"$n " && ok "IKE_INTERMEDIATE (43) on the wire" || fail "no IKE_INTERMEDIATE on the wire"
kill -0 "$GW_PID_a" 2>/dev/null && ok "espritd survived: $(ctl a ike stats | tr -s ' \n' ' ')" ||
	fail "espritd is gone"

#!/usr/bin/env bash
# IKEv2 interop with libreswan 4.10 (pluto, unpacked by scripts/deps.sh) in
# gateway B's namespace, at IKE level: this kernel has no ESP, so pluto's
# Child SAs fail to install (netlink: errno 38 here) and only IKE SAs are
# asserted on, on both sides (espritctl ike list --json, whack --status).
#
#   1. pluto initiates (aes256-sha2_256;dh31), childless (its IKE_AUTH
#      without SA/TS, impair omit-v2-ike-auth-child); pluto deletes
#   2. pluto initiates with aes_gcm256; espritd deletes
#   3. espritd initiates with a Child SA: pluto answers TS_UNACCEPTABLE
#      (its install failed), espritd keeps the IKE SA and installs nothing
#   4. espritd initiates childless (RFC 6023), aes_gcm256; this IKE SA
#      stays up through 5 and is deleted by espritd at the end
#   5. negative cases from pluto's impair knobs, each on a new IKE SA:
#      all-zero and empty KE, an unknown non-critical payload (accepted), an
#      unknown critical payload in SK (refused), every message sent twice,
#      espritd counts them and keeps the SA of 4. (A bumped major version
#      is tried first, with no SA up: pluto would also bump its answers to
#      espritd's liveness checks, and resend them bumped from its cache.)
#   7. (before 6) RSA-4096 certificates on both sides (RFC 7427 RSA-PSS):
#      each IKE_AUTH is over 1280 octets and goes in RFC 7383 fragments,
#      each side initiating childless
#   6. pluto initiates with a Child SA, the usual way: espritd installs its
#      child, pluto fails to and forgets the IKE SA without a Delete; the
#      liveness check of espritd (dpd_delay = 2 s, dpd_timeout = 6 s) gives
#      up on it and the Child SAs leave espritd's dataplane
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init libreswan
trap e2e_cleanup EXIT
require_espritd
# shellcheck source=tests/e2e/lsw.sh
source "$E2E_DIR/lsw.sh"
lsw_require
e2e_topology
lsw_setup
lsw_conn psk
lsw_conn gcm "ike=aes_gcm256-sha2_256;dh31"
# the negative cases run as c.test: with the ID of the SA kept up (b.test),
# pluto would put them on that SA as CREATE_CHILD_SA
lsw_conn neg leftid=@c.test
# 7: a CA, espritd's (a.test) and pluto's (f.test) RSA-4096 certificates
P=$T/pki
mkdir -p "$P"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.crt" -days 2 \
	-subj "/C=CH/O=esprit test/CN=esprit CA" >/dev/null 2>&1 || die "openssl: CA"
for n in a f; do
	openssl req -newkey rsa:4096 -nodes -keyout "$P/$n.key" -out "$P/$n.csr" \
		-subj "/C=CH/O=esprit test/CN=$n.test" >/dev/null 2>&1 &&
		printf 'subjectAltName=DNS:%s.test\nkeyUsage=digitalSignature\n' "$n" >"$P/$n.ext" &&
		openssl x509 -req -in "$P/$n.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" -CAcreateserial \
			-days 2 -extfile "$P/$n.ext" -out "$P/$n.crt" >/dev/null 2>&1 || die "openssl: $n.test"
done
openssl pkcs12 -export -inkey "$P/f.key" -in "$P/f.crt" -name f -passout pass: -out "$P/f.p12" &&
	certutil -A -d "sql:$LS/nss" -n ca -t CT,, -a -i "$P/ca.crt" &&
	pk12util -i "$P/f.p12" -d "sql:$LS/nss" -W '' >/dev/null || die "could not fill pluto's NSS database"
lsw_conn frag leftid=@f.test authby=rsasig leftcert=f leftsendcert=always rightca=%same
lsw_start

lsw_gwa_conf "  { name = \"b\"; local_addrs = \"192.0.2.1\"; remote_addrs = \"192.0.2.2\";
    local_id = \"a.test\"; remote_id = \"b.test\"; auth = \"psk\"; psk = \"$LSW_PSK\";
    proposals = \"aes256gcm16-prfsha256-x25519,aes256-sha256-x25519\"; dpd_delay = 2; dpd_timeout = 6;
    children = ( { name = \"net\"; local_ts = \"10.1.0.0/24\"; remote_ts = \"10.2.0.0/24\";
                   esp_proposals = \"aes128gcm16\"; start_action = \"none\"; } ); },
  { name = \"c\"; local_addrs = \"192.0.2.1\"; remote_addrs = \"192.0.2.2\";
    local_id = \"a.test\"; remote_id = \"c.test\"; auth = \"psk\"; psk = \"$LSW_PSK\";
    proposals = \"aes256gcm16-prfsha256-x25519,aes256-sha256-x25519\"; },
  { name = \"f\"; local_addrs = \"192.0.2.1\"; remote_addrs = \"192.0.2.2\";
    local_id = \"a.test\"; remote_id = \"f.test\"; auth = \"pubkey\"; cert = \"$P/a.crt\";
    key = \"$P/a.key\"; cacerts = [\"$P/ca.crt\"];
    proposals = \"aes256gcm16-prfsha256-x25519,aes256-sha256-x25519\"; }"
gw_start a "$T/gwa.conf"
capture_start "$T/wire.pcap"

# neg IMPAIR[,IMPAIR] EXPECT [COUNTER|-] [REGEX]: EXPECT = up (an IKE SA
# comes up and is deleted again) or refused; COUNTER must grow; REGEX: what
# pluto must log meanwhile (espritd's answer as pluto saw it)
neg() {
	local imp=$1 expect=$2 counter=${3:-} re=${4:-} before after from
	[[ $counter == - ]] && counter=
	[[ -n $counter ]] && before=$(ike_stat "$counter")
	from=$(wc -l <"$LS/pluto.log")
	lsw_childless
	local i
	for i in ${imp//,/ }; do whack --impair "$i" >/dev/null || fail "whack --impair $i"; done
	whack --initiate --name neg --asynchronous >/dev/null 2>&1
	if [[ $expect == up ]]; then
		wait_until 5 lsw_has neg 1 && ok "[$imp] pluto established the IKE SA" ||
			fail "[$imp] pluto did not establish: $(whack --status | grep '^000 #')"
	else
		sleep 2
		lsw_has neg 0 && ok "[$imp] no IKE SA on pluto's side" ||
			fail "[$imp] pluto established: $(whack --status | grep '^000 #')"
		esp_count "$base" && ok "[$imp] espritd established nothing new" ||
			fail "[$imp] espritd: $(ctl a ike list)"
	fi
	if [[ -n $re ]]; then
		if tail -n "+$((from + 1))" "$LS/pluto.log" | grep -qE "$re"; then
			ok "[$imp] pluto: $(tail -n "+$((from + 1))" "$LS/pluto.log" | grep -oE "$re" | head -n1)"
		else
			fail "[$imp] pluto never logged /$re/"
		fi
	fi
	if [[ -n $counter ]]; then
		after=$(ike_stat "$counter")
		((after > before)) && ok "[$imp] espritd counted it: $counter $before -> $after" ||
			fail "[$imp] $counter stayed at $before"
	fi
	lsw_impair_none
	lsw_del neg
	lsw_add neg
	wait_until 5 esp_count "$base" || fail "[$imp] espritd still has $(ctl a ike list)"
	if [[ -z $keep ]]; then
		:
	elif ike_json | grep -q "${keep%_*}" && lsw_has gcm 1; then
		ok "[$imp] the IKE SA of 4 is still ESTABLISHED on both sides"
	else
		fail "[$imp] lost the IKE SA of 4: $(ctl a ike list)"
	fi
	kill -0 "$GW_PID_a" 2>/dev/null || die "espritd died"
}
log "0) pluto sends a bumped major version (no SA up)"
lsw_add neg
keep='' base=0
neg major-version-bump refused rx_bad_syntax
lsw_del neg

log "1) pluto initiates (AES-CBC-256, HMAC-SHA2-256, dh31), childless; pluto deletes"
lsw_add psk
lsw_childless
whack --initiate --name psk >"$T/1.out" 2>&1
if grep -q "initiator established IKE SA" "$T/1.out" && lsw_has psk 1; then
	ok "pluto: $(grep -o 'initiator established IKE SA.*' "$T/1.out")"
else
	fail "pluto did not establish: $(cat "$T/1.out")"
fi
lsw_algo psk AES_CBC_256-HMAC_SHA2_256-DH31
esp_check "responder, ESTABLISHED, x25519, no Child SA" '
assert len(sas) == 1 and sas[0]["state"] == "ESTABLISHED", sas
assert not sas[0]["initiator"] and sas[0]["key_exchange"] == "x25519", sas
assert sas[0]["children"] == [], sas'
lsw_no_child
lsw_del psk
if wait_until 5 esp_count 0; then
	ok "Delete from pluto: espritd removed the IKE SA"
else
	fail "espritd still has the IKE SA after pluto's Delete: $(ctl a ike list)"
fi

log "2) pluto initiates with AES-GCM-256; espritd deletes"
lsw_add gcm
whack --initiate --name gcm >"$T/2.out" 2>&1
lsw_has gcm 1 && ok "pluto: established (gcm)" || fail "pluto: $(cat "$T/2.out")"
lsw_algo gcm AES_GCM_16_256-HMAC_SHA2_256-DH31
esp_check "responder, ESTABLISHED (gcm)" '
assert len(sas) == 1 and sas[0]["state"] == "ESTABLISHED" and not sas[0]["initiator"], sas'
ctl a ike terminate b >/dev/null || fail "espritctl ike terminate b"
if wait_until 5 lsw_has gcm 0; then
	ok "Delete from espritd: pluto has no IKE SA left"
else
	fail "pluto after espritd's Delete: $(whack --status | grep '^000 #')"
fi
wait_until 5 esp_count 0 || fail "espritd kept the terminated IKE SA"
lsw_del gcm
lsw_impair_none

log "3) espritd initiates with a Child SA (pluto cannot install it)"
lsw_add psk
ctl a ike initiate b net >/dev/null || fail "espritctl ike initiate b net"
if wait_until 10 lsw_has psk 1; then
	ok "pluto: responder established the IKE SA"
else
	fail "pluto: $(whack --status | grep '^000 #')"
fi
wait_until 5 esp_count 1
esp_check "initiator, ESTABLISHED, Child SA refused by the peer (nothing installed)" '
assert len(sas) == 1 and sas[0]["state"] == "ESTABLISHED" and sas[0]["initiator"], sas
assert sas[0]["children"] == [], sas'
if grep -q "no Child SA (TS_UNACCEPTABLE)" "$T/espritd-a.log" &&
	grep -q "setup_half_ipsec_sa() hit fail" "$LS/pluto.log"; then
	ok "pluto failed to install its Child SA and answered TS_UNACCEPTABLE; espritd logged it"
else
	fail "the Child SA outcome is not the one expected (see espritd-a.log, pluto.log)"
fi
[[ $(ctl a --json sa list | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["sas"]))') == 0 ]] &&
	ok "espritd's dataplane has no SA" || fail "espritd dataplane: $(ctl a sa list)"
lsw_no_child
lsw_del psk
wait_until 5 esp_count 0 && ok "Delete from pluto: espritd removed the IKE SA" ||
	fail "espritd kept the IKE SA after pluto's Delete"

log "4) espritd initiates childless (RFC 6023) with AES-GCM-256"
lsw_add gcm
ctl a ike initiate b >/dev/null || fail "espritctl ike initiate b"
wait_until 10 lsw_has gcm 1 && ok "pluto: responder established (childless)" ||
	fail "pluto: $(whack --status | grep '^000 #')"
lsw_algo gcm AES_GCM_16_256-HMAC_SHA2_256-DH31
wait_until 5 esp_count 1
keep=$(ike_json | "$PY" -c 'import json,sys; s=json.load(sys.stdin)["ike_sas"][0]; print(s["spi_i"]+"_"+s["spi_r"])')
esp_check "initiator, ESTABLISHED, childless" '
assert len(sas) == 1 and sas[0]["initiator"] and sas[0]["children"] == [], sas'

log "5) negative cases (pluto initiates a new IKE SA each time, as c.test)"
lsw_add neg
base=1
# x25519 all-zero and empty public values: INVALID_SYNTAX, no state kept
neg ke-payload:0 refused - "IKE_SA_INIT message containing INVALID_SYNTAX notification"
neg ke-payload:empty refused - "IKE_SA_INIT message containing INVALID_SYNTAX notification"
neg add-unknown-v2-payload-to:IKE_SA_INIT up
# §2.5: a critical payload we do not know rejects the message
neg add-unknown-v2-payload-to-sk:IKE_AUTH,unknown-v2-payload-critical refused - \
	"rejected by peer: UNSUPPORTED_CRITICAL_PAYLOAD"
ho=$(ctl a --json ike stats | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["half_open"])')
[[ $ho == 0 ]] && ok "no half-open IKE SA left by the refused IKE_AUTH (RFC 7296 §2.21.2)" ||
	fail "espritd keeps $ho half-open IKE SA(s) after refusing IKE_AUTH"
neg jacob-two-two up resp_resent
lsw_impair_none
lsw_del neg
ctl a ike terminate b >/dev/null || fail "espritctl ike terminate b"
wait_until 5 lsw_has gcm 0 && ok "Delete from espritd: pluto has no IKE SA left" ||
	fail "pluto after espritd's Delete: $(whack --status | grep '^000 #')"
lsw_del gcm

log "7) RSA-4096 certificates: IKE_AUTH in RFC 7383 fragments, each side initiating"
lsw_add frag
for who in pluto espritd; do
	fs=$(ike_stat frags_sent) fr=$(ike_stat frags_rcvd)
	from=$(wc -l <"$LS/pluto.log")
	if [[ $who == pluto ]]; then
		lsw_childless
		whack --initiate --name frag >"$T/7.out" 2>&1
	else
		lsw_impair_none
		ctl a ike initiate f >/dev/null || fail "espritctl ike initiate f"
	fi
	wait_until 10 lsw_has frag 1 || fail "[frag, $who initiates] pluto: $(tail -n "+$((from + 1))" "$LS/pluto.log" | grep -v '| ' | tail -n 3)"
	wait_until 5 esp_count 1
	if tail -n "+$((from + 1))" "$LS/pluto.log" | grep -q "RSASSA-PSS with SHA2_256' digital signature"; then
		ok "[frag, $who initiates] pluto: $(tail -n "+$((from + 1))" "$LS/pluto.log" | grep -oE 'established IKE SA; authenticated peer .4096-bit RSASSA-PSS with SHA2_256. digital signature' | head -n1)"
	else
		fail "[frag, $who initiates] pluto did not verify espritd's RSA-PSS signature"
	fi
	esp_check "[frag, $who initiates] ESTABLISHED with pluto's certificate" "
c = [s for s in sas if s['conn'] == 'f']
assert len(c) == 1 and c[0]['state'] == 'ESTABLISHED', sas"
	if (($(ike_stat frags_sent) > fs && $(ike_stat frags_rcvd) > fr)); then
		ok "[frag, $who initiates] espritd sent $(($(ike_stat frags_sent) - fs)) and received $(($(ike_stat frags_rcvd) - fr)) IKE fragments"
	else
		fail "[frag, $who initiates] no fragments both ways: sent $fs -> $(ike_stat frags_sent), received $fr -> $(ike_stat frags_rcvd)"
	fi
	ctl a ike terminate f >/dev/null || fail "espritctl ike terminate f"
	wait_until 5 lsw_has frag 0 || fail "[frag] pluto kept its IKE SA"
	wait_until 5 esp_count 0 || fail "[frag] espritd kept its IKE SA"
	lsw_del frag
	lsw_add frag
done
lsw_del frag

log "6) pluto initiates with a Child SA and cannot install it"
lsw_add psk
whack --initiate --name psk >"$T/6.out" 2>&1
if grep -q "initiator established IKE SA" "$T/6.out" && grep -q "setup_half_ipsec_sa() hit fail" "$T/6.out"; then
	ok "pluto established the IKE SA, failed its Child SA and dropped the IKE SA (no Delete sent)"
else
	fail "pluto: $(cat "$T/6.out")"
fi
esp_check "responder, ESTABLISHED, Child SA INSTALLED (pluto's failure is invisible to it)" '
assert len(sas) == 1 and not sas[0]["initiator"], sas
assert [c["state"] for c in sas[0]["children"]] == ["INSTALLED"], sas'
nsa=$(ctl a --json sa list | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["sas"]))')
[[ $nsa == 2 ]] && ok "espritd's dataplane has the Child SA pair" || fail "espritd dataplane: $nsa SAs"
gu=$(ike_stat give_ups)
# dpd_delay 2 s, then dpd_timeout 6 s
if wait_until 15 esp_count 0; then
	ok "espritd's liveness check gave up on the dead IKE SA (give_ups $gu -> $(ike_stat give_ups))"
else
	fail "espritd still has the dead IKE SA: $(ctl a ike list)"
fi
nsa=$(ctl a --json sa list | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["sas"]))')
[[ $nsa == 0 ]] && ok "its Child SAs left espritd's dataplane" || fail "espritd dataplane: $nsa SAs"
lsw_del psk
capture_stop

# the wire: IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA (pluto's attempts in 5
# ride on the IKE SA of 4 only if it initiates there; none expected) and
# INFORMATIONAL, plus the version 3.0 messages of 0
n=$(tshark -r "$T/wire.pcap" -Y isakmp -T fields -e isakmp.version -e isakmp.exchangetype 2>/dev/null |
	sort | uniq -c | tr -s ' \t\n' ' ')
log "IKE messages on the wire (count version type): $n"
for ex in 34 35 37; do
	grep -q " 0x20 $ex " <<<"$n " || fail "no IKEv2 exchange $ex on the wire"
done
# 7: Encrypted Fragment payloads (53) both ways
nf=$(tshark -r "$T/wire.pcap" -Y "isakmp.nextpayload == 53" -T fields -e ip.src 2>/dev/null |
	sort | uniq -c | tr -s ' \n' ' ')
grep -q "192.0.2.1" <<<"$nf" && grep -q "192.0.2.2" <<<"$nf" &&
	ok "SKF (53) fragments on the wire (count source): $nf" || fail "SKF fragments on the wire: $nf"
grep -q " 0x30 " <<<"$n " || fail "no major version 3 message on the wire"
kill -0 "$GW_PID_a" 2>/dev/null && ok "espritd survived: $(ctl a ike stats | tr -s ' \n' ' ')" ||
	fail "espritd is gone"

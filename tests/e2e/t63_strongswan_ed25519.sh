#!/usr/bin/env bash
# IKEv2 interop with strongSwan 5.9.8 where both ends authenticate with
# Ed25519 end-entity certificates (RFC 8420: RFC 7427 signature AUTH with
# the "Identity" hash) issued by an Ed25519 CA. Both roles as in t61:
# strongSwan initiates, then espritd (start_action = start); traffic is
# checked through each Child SA, and strongSwan's log must show that each
# side's AUTH was an Ed25519 signature that verified.
# espritd has two credentials (cert/key lists): first an ECDSA one from a
# CA strongSwan does not know, then the Ed25519 one; strongSwan's CERTREQ
# (RFC 7296 §3.7) must make espritd pick the second, in both roles.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init strongswan_ed25519
trap e2e_cleanup EXIT
require_espritd
# shellcheck source=tests/e2e/swan.sh
source "$E2E_DIR/swan.sh"
swan_require
command -v pki >/dev/null || { E2E_SKIP=1; die "strongswan-pki is not installed"; }
e2e_topology
SWAN_KEY_A=ed25519 SWAN_KEY_B=ed25519
swan_setup pubkey
for c in "$T/a.crt" "$SW/swanctl/x509/b.crt"; do
	openssl x509 -in "$c" -noout -text | grep -q "Public Key Algorithm: ED25519" ||
		die "$c is not an Ed25519 certificate"
done
# The other CA and espritd's first (unusable) credential.
pki --gen --type ecdsa --size 256 --outform pem >"$T/x-ca.key" 2>/dev/null
pki --self --ca --lifetime 30 --in "$T/x-ca.key" --dn "C=CH, O=elsewhere, CN=other CA" \
	--outform pem >"$T/x-ca.crt" 2>/dev/null
pki --gen --type ecdsa --size 256 --outform pem >"$T/x.key" 2>/dev/null
pki --issue --cacert "$T/x-ca.crt" --cakey "$T/x-ca.key" --type priv --in "$T/x.key" \
	--dn "C=CH, O=elsewhere, CN=a.test" --san a.test --lifetime 7 --outform pem \
	>"$T/x.crt" 2>/dev/null
[[ -s $T/x.crt ]] || die "pki could not make the other certificate"
eval "swan_$(declare -f gwa_conf)"
gwa_conf() {
	swan_gwa_conf "$@"
	sed -i "s|cert = \"$T/a.crt\"; key = \"$T/a.key\";|cert = [\"$T/x.crt\", \"$T/a.crt\"]; key = [\"$T/x.key\", \"$T/a.key\"];|" \
		"$T/gwa.conf"
	grep -q "x.crt" "$T/gwa.conf" || die "could not give espritd two credentials"
	# keep the log of the previous run (gw_start truncates it)
	[[ -f $T/espritd-a.log ]] && cat "$T/espritd-a.log" >>"$T/espritd-a-all.log"
}
swan_start
swan_both_roles
cat "$T/espritd-a.log" >>"$T/espritd-a-all.log"
n=$(grep -c "CERTREQ: authenticating with credential 2" "$T/espritd-a-all.log")
if ((n >= 2)); then
	ok "espritd picked its second credential by strongSwan's CERTREQ ($n times, both roles)"
else
	fail "espritd logged the CERTREQ choice $n times"
fi
# strongSwan logs each AUTH it made and verified with the key type.
for who in "'a.test' with ED25519 successful" "'b.test' (myself) with ED25519 successful"; do
	n=$(grep -c "authentication of $who" "$SW/charon.log")
	if ((n >= 2)); then
		ok "strongSwan: authentication of $who ($n times, both roles)"
	else
		fail "strongSwan log has $n x \"authentication of $who\""
	fi
done

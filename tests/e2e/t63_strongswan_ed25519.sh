#!/usr/bin/env bash
# IKEv2 interop with strongSwan 5.9.8 where both ends authenticate with
# Ed25519 end-entity certificates (RFC 8420: RFC 7427 signature AUTH with
# the "Identity" hash) issued by an Ed25519 CA. Both roles as in t61:
# strongSwan initiates, then espritd (start_action = start); traffic is
# checked through each Child SA, and strongSwan's log must show that each
# side's AUTH was an Ed25519 signature that verified.
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
swan_start
swan_both_roles
# strongSwan logs each AUTH it made and verified with the key type.
for who in "'a.test' with ED25519 successful" "'b.test' (myself) with ED25519 successful"; do
	n=$(grep -c "authentication of $who" "$SW/charon.log")
	if ((n >= 2)); then
		ok "strongSwan: authentication of $who ($n times, both roles)"
	else
		fail "strongSwan log has $n x \"authentication of $who\""
	fi
done

#!/usr/bin/env bash
# IKEv2 interop with strongSwan 5.9.8 using certificates (RFC 7427
# signatures): a CA with an Ed25519 key, espritd's ECDSA P-256 certificate
# and strongSwan's RSA certificate, made with strongSwan's pki. Both roles,
# traffic checked as in t60.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init strongswan-certs
trap e2e_cleanup EXIT
require_espritd
# shellcheck source=tests/e2e/swan.sh
source "$E2E_DIR/swan.sh"
swan_require
command -v pki >/dev/null || { E2E_SKIP=1; die "strongswan-pki is not installed"; }
e2e_topology
swan_setup pubkey
swan_start
swan_both_roles

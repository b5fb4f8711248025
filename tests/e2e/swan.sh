# shellcheck shell=bash
# strongSwan 5.9.8 as gateway B for the interop tests: charon with
# kernel-libipsec (userspace ESP on a TUN device, always ESP-in-UDP on 4500)
# in B's namespace, espritd as gateway A. Source after lib.sh and e2e_init.
#
#   swan_require; e2e_topology; swan_setup psk|pubkey; swan_start
#   gwa_conf START_ACTION [PROPOSALS [SETTINGS]]; gw_start a "$T/gwa.conf"; check_tunnel ROLE

CHARON=/usr/lib/ipsec/charon
PSK=interop-test-psk-0123456789
SW=$T/sw

swan_require() {
	if [[ ! -x $CHARON ]] || ! command -v swanctl >/dev/null; then
		E2E_SKIP=1
		die "strongSwan (strongswan-charon, strongswan-swanctl) is not installed"
	fi
}

swan() { nsx "$NS_GWB" env STRONGSWAN_CONF="$SW/strongswan.conf" SWANCTL_DIR="$SW/swanctl" swanctl "$@"; }

# pki --gen arguments for a key type
# swan_child_up: strongSwan lists an installed Child SA within 10 s
swan_installed() { swan --list-sas 2>/dev/null | grep -q INSTALLED; }
swan_child_up() { wait_until 10 swan_installed; }

swan_keygen_args() {
	case $1 in
	ecdsa) echo "--type ecdsa --size 256" ;;
	rsa) echo "--type rsa --size 2048" ;;
	ed25519) echo "--type ed25519" ;;
	*) die "unknown key type $1" ;;
	esac
}

# pubkey: a CA (Ed25519), espritd's certificate (a.test, key type
# $SWAN_KEY_A, default ECDSA P-256) and strongSwan's (b.test, $SWAN_KEY_B,
# default RSA 2048), made with strongSwan's pki
swan_certs() {
	local d=$SW/swanctl ka=${SWAN_KEY_A:-ecdsa} kb=${SWAN_KEY_B:-rsa}
	mkdir -p "$d/x509ca" "$d/x509" "$d/private"
	pki --gen --type ed25519 --outform pem >"$T/ca.key" 2>/dev/null
	pki --self --ca --lifetime 30 --in "$T/ca.key" --dn "C=CH, O=esprit test, CN=esprit CA" \
		--outform pem >"$d/x509ca/ca.crt" 2>/dev/null
	# shellcheck disable=SC2046
	pki --gen $(swan_keygen_args "$ka") --outform pem >"$T/a.key" 2>/dev/null
	pki --issue --cacert "$d/x509ca/ca.crt" --cakey "$T/ca.key" --type priv --in "$T/a.key" \
		--dn "C=CH, O=esprit test, CN=a.test" --san a.test --lifetime 7 --outform pem \
		>"$T/a.crt" 2>/dev/null
	# shellcheck disable=SC2046
	pki --gen $(swan_keygen_args "$kb") --outform pem >"$d/private/b.key" 2>/dev/null
	pki --issue --cacert "$d/x509ca/ca.crt" --cakey "$T/ca.key" --type priv \
		--in "$d/private/b.key" --dn "C=CH, O=esprit test, CN=b.test" --san b.test \
		--lifetime 7 --outform pem >"$d/x509/b.crt" 2>/dev/null
	[[ -s $T/a.crt && -s $d/x509/b.crt ]] || die "pki could not make the certificates ($ka, $kb)"
}

swan_setup() {
	local auth=$1 local_auth remote_auth
	# Gateway B is strongSwan: the kernel of its namespace routes for host B.
	ip netns exec "$NS_GWB" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NS_GWB" addr add 192.0.2.2/24 dev b-wan
	ip -n "$NS_GWB" addr add 10.2.0.254/24 dev b-lan
	mkdir -p "$SW/swanctl"
	if [[ $auth == pubkey ]]; then
		swan_certs
		local_auth="auth = pubkey
            certs = b.crt"
		remote_auth="auth = pubkey"
	else
		local_auth="auth = psk"
		remote_auth="auth = psk"
	fi
	cat >"$SW/strongswan.conf" <<CONF
charon {
  load_modular = no
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey revocation constraints curve25519 aes sha1 sha2 hmac gcm kdf kernel-libipsec kernel-netlink socket-default vici updown
  plugins {
    vici { socket = unix://$SW/charon.vici }
    kernel-libipsec { allow_peer_ts = yes }
    socket-default { fwmark = 0x42 }
    kernel-netlink { fwmark = !0x42 }
  }
  filelog { main { path = $SW/charon.log
                   default = 1
                   ike = 2
                   flush_line = yes } }
}
swanctl { plugins { vici { socket = unix://$SW/charon.vici } } }
CONF
	cat >"$SW/swanctl/swanctl.conf" <<CONF
connections {
  psk {
    version = 2
    local_addrs = 192.0.2.2
    remote_addrs = 192.0.2.1
    proposals = aes256-sha256-x25519
    local { $local_auth
            id = b.test }
    remote { $remote_auth
             id = a.test }
    children {
      net { local_ts = 10.2.0.0/24
            remote_ts = 10.1.0.0/24
            esp_proposals = aes128gcm16
            mode = tunnel
            start_action = none }
    }
  }
}
secrets { ike-ab { id-a = a.test
                   id-b = b.test
                   secret = "$PSK" } }
CONF
	SWAN_AUTH=$auth
}

swan_start() {
	local i
	log "starting charon (kernel-libipsec) in $NS_GWB"
	ip netns exec "$NS_GWB" env STRONGSWAN_CONF="$SW/strongswan.conf" SWANCTL_DIR="$SW/swanctl" \
		sh -c 'mount -t tmpfs tmpfs /run && exec '"$CHARON" >"$SW/charon.out" 2>&1 &
	E2E_PIDS+=("$!")
	for ((i = 0; i < 50; i++)); do [[ -S $SW/charon.vici ]] && break; sleep 0.1; done
	swan --load-all >"$SW/load.out" 2>&1 || die "swanctl --load-all failed: $(tail -n 3 "$SW/load.out")"
}

# gwa_conf START_ACTION [PROPOSALS [SETTINGS]]: espritd A with one connection
# "b" to B, authenticated as swan_setup chose; PROPOSALS default
# aes256-sha256-x25519, SETTINGS (more connection settings) default
# "dpd_delay = 30;"
gwa_conf() {
	local GW_AUTH
	if [[ $SWAN_AUTH == pubkey ]]; then
		# shellcheck disable=SC2034 # read by gw_conf (lib.sh)
		GW_AUTH="auth = \"pubkey\"; cert = \"$T/a.crt\"; key = \"$T/a.key\";
    cacerts = [\"$SW/swanctl/x509ca/ca.crt\"];"
	fi
	gw_conf a b "${2:-aes256-sha256-x25519}" "$1" "${3-dpd_delay = 30;}"
}

# traffic and counters through an established Child SA
check_tunnel() {
	local role=$1 sas
	wait_ping "$NS_HA" 10.2.0.1 || fail "$role: no ping through the tunnel within 20 s"
	ping_check "$NS_HA" 10.2.0.1 5
	ping_check "$NS_HB" 10.1.0.1 5
	udp_check "$NS_HA" "$NS_HB" 10.2.0.1 7001 50 1000
	udp_check "$NS_HB" "$NS_HA" 10.1.0.1 7002 50 1000
	tcp_check "$NS_HA" "$NS_HB" 10.2.0.1 7003 1000000
	sas=$(ctl a --json sa list)
	if "$PY" - "$sas" <<'PY'; then
import json, sys
sas = json.loads(sys.argv[1])["sas"]
dirs = {s["dir"]: s for s in sas}
assert set(dirs) == {"in", "out"}, sas
for s in sas:
    assert s["stats"]["packets"] >= 55, s  # ping + UDP + TCP went through it
    assert s["cipher"] == "aes128gcm16", s
    assert s["encap"] == {"sport": 4500, "dport": 4500}, s  # RFC 3948 after floating
PY
		ok "$role: espritd's Child SA pair carried the traffic: $(ctl a sa list | grep -c packets) SAs"
	else
		fail "$role: espritd's SA table: $sas"
	fi
	if swan --list-sas 2>&1 | grep -q "INSTALLED, TUNNEL-in-UDP"; then
		ok "$role: strongSwan lists the Child SA (ESP in UDP)"
	else
		fail "$role: strongSwan: $(swan --list-sas 2>&1 | head -n 20)"
	fi
}

# both roles: strongSwan initiates, then espritd (start_action = start)
swan_both_roles() {
	log "1) strongSwan initiates, espritd responds ($SWAN_AUTH)"
	gwa_conf none
	gw_start a "$T/gwa.conf"
	if swan --initiate --child net --ike psk >"$T/initiate.out" 2>&1; then
		ok "strongSwan: $(grep 'CHILD_SA net' "$T/initiate.out" | tail -n1)"
		check_tunnel responder
	else
		fail "strongSwan could not initiate: $(tail -n 5 "$T/initiate.out")"
	fi
	swan --terminate --ike psk >/dev/null 2>&1
	gw_stop a

	log "2) espritd initiates (start_action = start), strongSwan responds ($SWAN_AUTH)"
	gwa_conf start
	gw_start a "$T/gwa.conf"
	local i
	for ((i = 0; i < 50; i++)); do
		swan --list-sas 2>/dev/null | grep -q INSTALLED && break
		sleep 0.2
	done
	check_tunnel initiator
	grep -q "ESTABLISHED" "$T/espritd-a.log" && ok "espritd logged IKE SA -> ESTABLISHED" ||
		fail "espritd never logged ESTABLISHED"
}

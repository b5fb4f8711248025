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
CHARON=/usr/lib/ipsec/charon
if [[ ! -x $CHARON ]] || ! command -v swanctl >/dev/null; then
	E2E_SKIP=1
	die "strongSwan (strongswan-charon, strongswan-swanctl) is not installed"
fi
PSK=interop-test-psk-0123456789

e2e_topology
# Gateway B is strongSwan: the kernel of its namespace routes for host B.
ip netns exec "$NS_GWB" sysctl -qw net.ipv4.ip_forward=1
ip -n "$NS_GWB" addr add 192.0.2.2/24 dev b-wan
ip -n "$NS_GWB" addr add 10.2.0.254/24 dev b-lan

SW=$T/sw
mkdir -p "$SW/swanctl"
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
    local { auth = psk
            id = b.test }
    remote { auth = psk
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
swan() { nsx "$NS_GWB" env STRONGSWAN_CONF="$SW/strongswan.conf" SWANCTL_DIR="$SW/swanctl" swanctl "$@"; }

gwa_conf() { # gwa_conf START_ACTION
	cat >"$T/gwa.conf" <<CONF
esprit: { workers = 1; lcores = "0,1"; idle_sleep_us = 100; log_level = "info";
          eal = ["--no-huge", "-m", "256", "--file-prefix", "$E2E_ID-gwa", "--no-telemetry"];
          mgmt_socket = "$T/gwa.sock"; };
ports = ( { name = "lan"; device = "net_af_packet0,iface=a-lan"; addresses = ["10.1.0.254/24"]; },
          { name = "wan"; device = "net_af_packet1,iface=a-wan"; addresses = ["192.0.2.1/24"]; } );
connections = (
  { name = "b"; local_addrs = "192.0.2.1"; remote_addrs = "192.0.2.2";
    local_id = "a.test"; remote_id = "b.test"; auth = "psk"; psk = "$PSK";
    proposals = "aes256-sha256-x25519"; dpd_delay = 30;
    children = ( { name = "net"; local_ts = "10.1.0.0/24"; remote_ts = "10.2.0.0/24";
                   esp_proposals = "aes128gcm16"; start_action = "$1"; } ); }
);
CONF
}

# traffic and counters through an established Child SA
check_tunnel() {
	local role=$1
	wait_ping "$NS_HA" 10.2.0.1 || fail "$role: no ping through the tunnel within 20 s"
	ping_check "$NS_HA" 10.2.0.1 5
	ping_check "$NS_HB" 10.1.0.1 5
	udp_check "$NS_HA" "$NS_HB" 10.2.0.1 7001 50 1000
	udp_check "$NS_HB" "$NS_HA" 10.1.0.1 7002 50 1000
	tcp_check "$NS_HA" "$NS_HB" 10.2.0.1 7003 1000000
	local sas
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

log "starting charon (kernel-libipsec) in $NS_GWB"
ip netns exec "$NS_GWB" env STRONGSWAN_CONF="$SW/strongswan.conf" SWANCTL_DIR="$SW/swanctl" \
	sh -c 'mount -t tmpfs tmpfs /run && exec '"$CHARON" >"$SW/charon.out" 2>&1 &
E2E_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do [[ -S $SW/charon.vici ]] && break; sleep 0.1; done
swan --load-all >/dev/null || die "swanctl --load-all failed"

log "1) strongSwan initiates, espritd responds"
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

log "2) espritd initiates (start_action = start), strongSwan responds"
gwa_conf start
gw_start a "$T/gwa.conf"
for ((i = 0; i < 50; i++)); do
	swan --list-sas 2>/dev/null | grep -q INSTALLED && break
	sleep 0.2
done
check_tunnel initiator
grep -q "ESTABLISHED" "$T/espritd-a.log" && ok "espritd logged IKE SA -> ESTABLISHED" ||
	fail "espritd never logged ESTABLISHED"

log "3) espritctl: list, terminate, initiate again, rekey the IKE SA"
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

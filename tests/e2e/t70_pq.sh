#!/usr/bin/env bash
# Post-quantum IKEv2 between two espritd gateways (RFC 9242 IKE_INTERMEDIATE,
# RFC 9370 additional key exchanges, ML-KEM 35/36/37). B answers with one
# connection offering every combination; A is restarted with one proposal
# per step and initiates (start_action = start):
#   1) x25519 + ML-KEM-768 (one IKE_INTERMEDIATE), Child SA PFS x25519 +
#      ML-KEM-768: the Child SA is rekeyed (rekey_time) and the IKE SA
#      (espritctl ike rekey), each with one IKE_FOLLOWUP_KE;
#   2) ML-KEM-1024 alone in IKE_SA_INIT on a 1280-octet path: its ~1.7 KB
#      IKE_SA_INIT messages cannot use RFC 7383, so both ends send them in
#      IP fragments and reassemble them (a capture shows the fragments,
#      each <= 1280 octets; espritctl ike stats counts the reassemblies);
#      then again with IKE over IPv6, in Fragment headers;
#   3) three additional key exchanges (ML-KEM-768, ML-KEM-1024, ECP-256);
#   4) a 1280-octet path MTU on the wire and x25519 + ML-KEM-1024: the
#      IKE_INTERMEDIATE messages must go in RFC 7383 fragments (counted in a
#      capture, each IP datagram <= 1280 octets).
# Each time: the key exchanges espritctl lists on both ends, and traffic
# (ping, UDP with sha256 compared) through the Child SA.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init pq
trap e2e_cleanup EXIT
require_espritd
e2e_topology

PSK="post-quantum psk of t70"
B_IKE="aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024-ke2_none-ke3_ecp256-ke3_none"
B_IKE+=",aes256gcm16-prfsha384-mlkem1024,aes256gcm16-prfsha384-x25519-ke1_mlkem1024"

# IKE runs between the WAN addresses of this family (4 or 6)
OUTER=4

# gw_conf GW IKE_PROPOSALS START_ACTION [CHILD_REKEY_S]
# The WAN ports are net_pcap, not net_af_packet: DPDK's af_packet PMD joins
# a PACKET_FANOUT group with the kernel's defragmentation flag, so the
# kernel would reassemble IP fragments before espritd saw them.
gw_conf() {
	local gw=$1 ike=$2 start=$3 rekey=${4:-0} me other me6 other6 lan net rnet
	if [[ $gw == a ]]; then
		me=192.0.2.1 other=192.0.2.2 lan=10.1.0.254/24 net=10.1.0.0/24 rnet=10.2.0.0/24
	else
		me=192.0.2.2 other=192.0.2.1 lan=10.2.0.254/24 net=10.2.0.0/24 rnet=10.1.0.0/24
	fi
	me6=2001:db8:70::${me##*.} other6=2001:db8:70::${other##*.}
	local ike_me=$me ike_other=$other
	[[ $OUTER == 6 ]] && ike_me=$me6 ike_other=$other6
	local life=$((rekey > 0 ? rekey * 10 : 0))
	cat >"$T/gw$gw.conf" <<CONF
esprit: { workers = 1; lcores = "0,1"; idle_sleep_us = 100; log_level = "info";
          eal = ["--no-huge", "-m", "256", "--file-prefix", "$E2E_ID-gw$gw", "--no-telemetry"];
          mgmt_socket = "$T/gw$gw.sock"; };
ports = ( { name = "lan"; device = "net_af_packet0,iface=$gw-lan"; addresses = ["$lan"]; },
          { name = "wan"; device = "net_pcap0,rx_iface_in=$gw-wan,tx_iface=$gw-wan";
            addresses = ["$me/24", "$me6/64"]; mtu = 1280; } );
connections = (
  { name = "pq"; local_addrs = "$ike_me"; remote_addrs = "$ike_other";
    local_id = "$gw.test"; remote_id = "$([[ $gw == a ]] && echo b || echo a).test";
    auth = "psk"; psk = "$PSK"; proposals = "$ike";
    children = ( { name = "net"; local_ts = "$net"; remote_ts = "$rnet";
                   esp_proposals = "aes128gcm16-x25519-ke1_mlkem768";
                   rekey_time = $rekey; life_time = $life; start_action = "$start"; } ); }
);
CONF
}

# up WHAT KES: A (re)started with proposal WHAT; both list KES; traffic
up() {
	local what=$1 kes=$2 rekey=${3:-0} i
	gw_stop a
	gw_conf a "$what" start "$rekey"
	gw_start a "$T/gwa.conf"
	for ((i = 0; i < 100; i++)); do
		ctl a ike list 2>/dev/null | grep -q "ESTABLISHED" &&
			ctl a ike list 2>/dev/null | grep -q "child INSTALLED" && break
		sleep 0.1
	done
	for gw in a b; do
		# "  aes256gcm16/prfsha384/x25519+mlkem768, established 1s ago, ..."
		if ctl "$gw" ike list | grep -q "ESTABLISHED" &&
			ctl "$gw" ike list | grep -q "/$kes, established"; then
			ok "$gw: IKE SA keyed with $kes"
		else
			fail "$gw: expected $kes: $(ctl "$gw" ike list 2>&1 | head -n 4)"
		fi
	done
	wait_ping "$NS_HA" 10.2.0.1 || fail "$kes: no ping through the tunnel"
	ping_check "$NS_HA" 10.2.0.1 3
	udp_check "$NS_HA" "$NS_HB" 10.2.0.1 7101 30 1000
	udp_check "$NS_HB" "$NS_HA" 10.1.0.1 7102 30 1000
}

gw_conf b "$B_IKE" none
gw_start b "$T/gwb.conf"

log "1) x25519 + ML-KEM-768; Child SA and IKE SA rekeys with IKE_FOLLOWUP_KE"
up "aes256gcm16-prfsha384-x25519-ke1_mlkem768" "x25519+mlkem768" 4
grep -q "additional key exchange 1 of 1 (mlkem768) in IKE_INTERMEDIATE" "$T/espritd-a.log" &&
	ok "A logged the ML-KEM-768 IKE_INTERMEDIATE" || fail "no IKE_INTERMEDIATE in A's log"
# the child is rekeyed every 4 s: wait for one, with ML-KEM-768 in IKE_FOLLOWUP_KE
for ((i = 0; i < 80; i++)); do
	grep -q "rekeyed\|REKEYED" "$T/espritd-a.log" &&
		[[ $(grep -c "in IKE_FOLLOWUP_KE, first mlkem768" "$T/espritd-b.log") -ge 1 ]] && break
	sleep 0.1
done
if [[ $(grep -c "in IKE_FOLLOWUP_KE, first mlkem768" "$T/espritd-b.log") -ge 1 ]] &&
	ctl a ike list | grep "child INSTALLED" | grep -q "PFS x25519+mlkem768"; then
	ok "Child SA rekeyed with IKE_FOLLOWUP_KE: $(ctl a ike list | grep 'child INSTALLED' | head -n1)"
else
	fail "child rekey: $(ctl a ike list 2>&1 | head -n 4)"
fi
ping_check "$NS_HA" 10.2.0.1 3
if "$PY" - "$(ctl b --json ike list)" <<'PY'; then
import json, sys
sas = [s for s in json.loads(sys.argv[1])["ike_sas"] if s["state"] == "ESTABLISHED"]
assert sas and all(s["key_exchanges"] == ["x25519", "mlkem768"] for s in sas), sas
kids = [c["key_exchanges"] for s in sas for c in s["children"] if c["state"] == "INSTALLED"]
assert ["x25519", "mlkem768"] in kids, kids
PY
	ok "B: ike list --json: key_exchanges [x25519, mlkem768] for the IKE SA and the rekeyed child"
else
	fail "B: ike list --json: $(ctl b --json ike list | head -c 600)"
fi
old=$(ctl a ike list | grep ESTABLISHED | head -n 1)
n_fu=$(grep -c "in IKE_FOLLOWUP_KE" "$T/espritd-b.log")
ctl a ike rekey pq >/dev/null || fail "espritctl ike rekey pq failed"
for ((i = 0; i < 50; i++)); do
	new=$(ctl a ike list | grep ESTABLISHED | head -n 1)
	[[ -n $new && $new != "$old" ]] && break
	sleep 0.1
done
if [[ -n $new && $new != "$old" ]] && grep -q "rekeyed as" "$T/espritd-b.log" &&
	ctl a ike list | grep -q "/x25519+mlkem768, established"; then
	ok "IKE SA rekeyed with IKE_FOLLOWUP_KE: $new"
else
	fail "IKE rekey: before [$old] after [$(ctl a ike list 2>&1 | head -n 3)]"
fi
(($(grep -c "in IKE_FOLLOWUP_KE" "$T/espritd-b.log") > n_fu)) ||
	fail "the IKE rekey ran no IKE_FOLLOWUP_KE"
ping_check "$NS_HA" 10.2.0.1 3
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 7103 30 1000

# wire_mtu N: the four WAN-side links
wire_mtu() {
	ip -n "$NS_GWA" link set a-wan mtu "$1"
	ip -n "$NS_WIRE" link set wa mtu "$1"
	ip -n "$NS_WIRE" link set wb mtu "$1"
	ip -n "$NS_GWB" link set b-wan mtu "$1"
}

# ip_frag_check PCAP: both ends sent their IKE_SA_INIT in IP fragments of
# at most 1280 octets, which reassemble to the request and the response;
# both espritd counted a reassembly
ip_frag_check() {
	local out n gw
	if out=$("$PY" - "$1" <<'PY'
import sys
from scapy.all import IP, IPv6, IPv6ExtHdrFragment, rdpcap
from scapy.layers.inet import defragment
from scapy.layers.inet6 import defragment6
frags, big, inits = {}, 0, {}
pkts = rdpcap(sys.argv[1])
v4 = [p for p in pkts if IP in p]
v6 = [p[IPv6] for p in pkts if IPv6ExtHdrFragment in p]
for p in v4:
    if p[IP].proto == 17 and (p[IP].flags.MF or p[IP].frag):
        frags[p[IP].src] = frags.get(p[IP].src, 0) + 1
        big = max(big, p[IP].len)
whole = [bytes(p[IP].payload) for p in defragment(v4) if p[IP].proto == 17]
by_id = {}
for p in v6:
    frags[p.src] = frags.get(p.src, 0) + 1
    big = max(big, 40 + p.plen)
    by_id.setdefault((p.src, p[IPv6ExtHdrFragment].id), []).append(p)
for fl in by_id.values():
    d = defragment6(fl)
    if IPv6 in d and d[IPv6].nh == 17:
        whole.append(bytes(d[IPv6].payload))
for u in whole:
    d = u[8:]
    if len(d) > 1200 and d[18] == 34:  # IKE_SA_INIT
        inits["response" if d[19] & 0x20 else "request"] = len(d)
print(f"IP fragments by sender {frags}, largest {big}; reassembled IKE_SA_INIT {inits}")
sys.exit(0 if len(frags) == 2 and min(frags.values()) >= 2 and big <= 1280
         and len(inits) == 2 else 1)
PY
	); then
		ok "$out"
	else
		fail "IP fragments: $out"
	fi
	for gw in a b; do
		n=$(ctl "$gw" --json ike stats | "$PY" -c \
			'import json,sys; print(json.load(sys.stdin)["ip_fragments"]["reassembled"])')
		[[ $n -ge 1 ]] && ok "$gw: reassembled $n IKE datagram(s) from IP fragments" ||
			fail "$gw: ike stats shows no reassembly: $(ctl "$gw" ike stats | tail -n 12)"
	done
}

log "2) ML-KEM-1024 alone in IKE_SA_INIT, IP-fragmented on a 1280-octet path"
wire_mtu 1280
capture_start "$T/ipfrag.pcap"
up "aes256gcm16-prfsha384-mlkem1024" "mlkem1024"
capture_stop
grep -q "IKE_SA_INIT of [0-9]* octets exceeds the fragment size" "$T/espritd-a.log" &&
	ok "A logged that its IKE_SA_INIT goes in IP fragments" ||
	fail "no log line about the IP-fragmented IKE_SA_INIT"
ip_frag_check "$T/ipfrag.pcap"

log "2b) the same with IKE over IPv6 (Fragment headers, RFC 8200)"
OUTER=6
gw_stop b
gw_conf b "$B_IKE" none
gw_start b "$T/gwb.conf"
capture_start "$T/ipfrag6.pcap"
up "aes256gcm16-prfsha384-mlkem1024" "mlkem1024"
capture_stop
ip_frag_check "$T/ipfrag6.pcap"
OUTER=4
gw_stop b
gw_conf b "$B_IKE" none
gw_start b "$T/gwb.conf"
wire_mtu 1500

log "3) x25519 and three additional key exchanges"
up "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024-ke3_ecp256" \
	"x25519+mlkem768+mlkem1024+ecp256"

log "4) 1280-octet path MTU: ML-KEM-1024 in fragmented IKE_INTERMEDIATE messages"
wire_mtu 1280
capture_start "$T/frag.pcap"
up "aes256gcm16-prfsha384-x25519-ke1_mlkem1024" "x25519+mlkem1024"
capture_stop
if out=$("$PY" - "$T/frag.pcap" <<'PY'
import sys
from scapy.all import IP, UDP, rdpcap
frags = {}  # (initiator?, response?) -> SKF datagrams of IKE_INTERMEDIATE
big = 0
for p in rdpcap(sys.argv[1]):
    if IP not in p or UDP not in p or 500 not in (p[UDP].sport, p[UDP].dport, 4500):
        continue
    d = bytes(p[UDP].payload)
    if p[UDP].sport == 4500 or p[UDP].dport == 4500:
        d = d[4:]
    if len(d) < 28:
        continue
    big = max(big, p[IP].len)
    if d[18] == 43 and d[16] == 53:  # IKE_INTERMEDIATE, first payload SKF
        k = "response" if d[19] & 0x20 else "request"
        frags[k] = frags.get(k, 0) + 1
print(f"SKF fragments: {frags}, largest IKE datagram {big}")
sys.exit(0 if frags.get("request", 0) >= 2 and frags.get("response", 0) >= 2 and big <= 1280
         else 1)
PY
); then
	ok "$out"
else
	fail "fragments: $out"
fi

#!/usr/bin/env bash
# RFC 9611 per-resource Child SAs. Two espritd gateways with two workers
# each (af_packet qpairs=2: the kernel's fanout hash spreads flows over two
# RX queues, one per worker), child "net" with per_resource = true:
#   1) A initiates: IKE_AUTH asks with SA_RESOURCE_INFO, B echoes it, A
#      makes a second Child SA by CREATE_CHILD_SA; each gateway lists two
#      per-resource Child SAs on workers 0 and 1 and one policy naming both
#      outbound SAs; 12 UDP flows each way arrive intact, and both of each
#      gateway's outbound SAs carried packets: each worker sent with its
#      own SA (a worker sends only with SAs it owns);
#   2) the per-resource member (not the policy's owner) rekeyed with
#      espritctl while a ping runs: no loss, two Child SAs again; then A
#      with one worker: it makes no second SA, B (two) makes it 2 s after
#      and sends on both;
#   3) strongSwan 5.9.8 (no RFC 9611) as B: it ignores the notify, and A
#      makes one plain Child SA that carries the traffic.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init perres
trap e2e_cleanup EXIT
require_espritd
e2e_topology

PSK="per-resource psk of t75"

# res_conf GW START_ACTION [WORKERS]: two workers (or WORKERS), the Child
# SA per-resource
res_conf() {
	local gw=$1 me=192.0.2.1 other=192.0.2.2 peer=b net=10.1.0.0/24 rnet=10.2.0.0/24
	local lan=10.1.0.254/24 lcores="0@0,1@1,2@0" workers=${3:-2}
	if [[ $gw == b ]]; then
		me=192.0.2.2 other=192.0.2.1 peer=a net=10.2.0.0/24 rnet=10.1.0.0/24
		lan=10.2.0.254/24 lcores="0@1,1@0,2@1"
	fi
	((workers == 1)) && lcores=${lcores%,*}
	cat >"$T/gw$gw.conf" <<CONF
esprit: { workers = $workers; lcores = "$lcores"; idle_sleep_us = 100; log_level = "info";
          eal = ["--no-huge", "-m", "512", "--file-prefix", "$E2E_ID-gw$gw", "--no-telemetry"];
          mgmt_socket = "$T/gw$gw.sock"; };
ports = ( { name = "lan"; device = "net_af_packet0,iface=$gw-lan,qpairs=2"; addresses = ["$lan"]; },
          { name = "wan"; device = "net_af_packet1,iface=$gw-wan,qpairs=2";
            addresses = ["$me/24"]; } );
connections = (
  { name = "peer"; local_addrs = "$me"; remote_addrs = "$other";
    local_id = "$gw.test"; remote_id = "$peer.test"; auth = "psk"; psk = "$PSK";
    proposals = "aes256gcm16-prfsha384-x25519";
    children = ( { name = "net"; local_ts = "$net"; remote_ts = "$rnet";
                   esp_proposals = "aes128gcm16"; start_action = "$2";
                   per_resource = true; } ); }
);
CONF
}

# ike_py GW EXPR: EXPR with c = the gateway's children (espritctl --json ike list)
ike_py() {
	ctl "$1" --json ike list | "$PY" -c '
import json, sys
c = [ch for sa in json.load(sys.stdin)["ike_sas"] for ch in sa["children"]]
print(eval(sys.argv[1]))' "$2" 2>&1
}

n_children() { ike_py "$1" 'len([x for x in c if x["state"] == "INSTALLED"])'; }

# check_group GW: two installed per-resource Child SAs on workers 0 and 1,
# one policy listing both outbound SAs, the SAs' owners their workers
check_group() {
	local gw=$1 ike pols sas
	ike=$(ctl "$gw" --json ike list) pols=$(ctl "$gw" --json policy list)
	sas=$(ctl "$gw" --json sa list)
	if "$PY" - "$ike" "$pols" "$sas" <<'PY'; then
import json, sys
ch = [c for sa in json.loads(sys.argv[1])["ike_sas"] for c in sa["children"]
      if c["state"] == "INSTALLED"]
pols = [p for p in json.loads(sys.argv[2])["policies"] if p["action"] == "protect"]
sas = json.loads(sys.argv[3])["sas"]
owner = {(s["spi"], s["dir"]): s["owner"] for s in sas}
assert len(ch) == 2 and all(c["per_resource"] for c in ch), ch
assert sorted(c["worker"] for c in ch) == [0, 1], ch
for c in ch:
    assert owner[(c["spi_out"], "out")] == c["worker"], (c, owner)
    assert owner[(c["spi_in"], "in")] == c["worker"], (c, owner)
assert len(pols) == 1, pols
assert sorted(pols[0]["resource_sas"]) == sorted(c["spi_out"] for c in ch), (pols, ch)
assert pols[0]["sa"] in pols[0]["resource_sas"], pols
PY
		ok "gateway $gw: two per-resource Child SAs on workers 0 and 1, one policy naming both"
	else
		fail "gateway $gw: ike $ike / policies $pols / sas $sas"
	fi
}

# flows FROM_NS TO_NS DST PORT0: 12 concurrent UDP flows (ports PORT0..+11)
flows() {
	local from=$1 to=$2 dst=$3 port0=$4 i p rx=() tx=() bad=0
	for ((i = 0; i < 12; i++)); do
		p=$((port0 + i))
		bg "rx-$p" ip netns exec "$to" timeout 30 "$PY" "$E2E_DIR/traffic.py" udp-recv \
			--port "$p" --count 40 --timeout 20
		rx+=("$BG_PID")
	done
	sleep 0.5
	for ((i = 0; i < 12; i++)); do
		p=$((port0 + i))
		bg "tx-$p" ip netns exec "$from" timeout 30 "$PY" "$E2E_DIR/traffic.py" udp-send \
			--dst "$dst" --port "$p" --count 40 --size 600 --gap 0.005
		tx+=("$BG_PID")
	done
	for pid in "${tx[@]}" "${rx[@]}"; do wait "$pid" 2>/dev/null; done
	for ((i = 0; i < 12; i++)); do
		p=$((port0 + i))
		[[ -s $T/tx-$p.out && $(cat "$T/tx-$p.out") == "$(cat "$T/rx-$p.out")" ]] || bad=$((bad + 1))
	done
	if ((bad == 0)); then
		ok "12 UDP flows to $dst:$port0.. arrived intact (sha256)"
	else
		fail "$bad of 12 UDP flows to $dst:$port0.. lost or damaged"
	fi
}

# both_sent GW: each outbound SA of the gateway carried packets
both_sent() {
	local out
	out=$(ike_py "$1" '" ".join(str(x["out"]["packets"]) for x in c if x["state"] == "INSTALLED")')
	read -r -a n <<<"$out"
	if ((${#n[@]} == 2 && n[0] > 0 && n[1] > 0)); then
		ok "gateway $1: both outbound SAs sent packets ($out): each worker used its own"
	else
		fail "gateway $1: outbound packets per Child SA [$out]"
	fi
}

log "1) espritd A initiates to espritd B, both with two workers"
res_conf a start
res_conf b none
if ! GW_START_SOFT=1 gw_start b "$T/gwb.conf"; then
	if (($(nproc) < 3)) && grep -qE 'lcore [0-9]+ unavailable|Option -l is ignored' "$T/espritd-b.log"; then
		log "SKIP: 2 workers need 3 lcores; EAL refused the lcore map on $(nproc) CPUs"
		E2E_SKIP=1
		exit 77
	fi
	die "espritd b exited during startup"
fi
gw_start a "$T/gwa.conf"
two_each() { [[ $(n_children a) == 2 && $(n_children b) == 2 ]]; }
wait_until 15 two_each || fail "Child SAs: A $(n_children a), B $(n_children b) (want 2 each)"
ctl a ike list | sed 's/^/    /'
ctl a policy list | sed 's/^/    /'
check_group a
check_group b
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the tunnel"
flows "$NS_HA" "$NS_HB" 10.2.0.1 7500
flows "$NS_HB" "$NS_HA" 10.1.0.1 7600
both_sent a
both_sent b

log "2) the member that does not own the policy rekeyed while a ping runs"
member=$(ctl a --json policy list | "$PY" -c '
import json, sys
p = [p for p in json.load(sys.stdin)["policies"] if p["action"] == "protect"][0]
print([s for s in p["resource_sas"] if s != p["sa"]][0])')
bg ping-rekey ip netns exec "$NS_HA" timeout 20 ping -c 30 -i 0.05 -W 2 10.2.0.1
pingpid=$BG_PID
sleep 0.3
ctl a ike rekey spi "$member" >"$T/rekey.out" 2>&1 || fail "ike rekey spi $member: $(cat "$T/rekey.out")"
wait "$pingpid"
grep -q " 30 received" "$T/ping-rekey.out" && ok "rekey: 30/30 pings" ||
	fail "rekey: $(grep transmitted "$T/ping-rekey.out")"
member_gone() { ! ctl a --json sa list | grep -q "\"$member\""; }
if wait_until 10 member_gone && wait_until 10 two_each; then
	ok "rekey: outbound SA $member replaced, two Child SAs again"
else
	fail "rekey: $(ctl a ike list)"
fi
check_group a
check_group b
gw_stop a
gw_stop b

log "2b) A with one worker asks, B with two agrees, then makes the SA its second worker lacks"
res_conf a start 1
res_conf b none
gw_start b "$T/gwb.conf"
gw_start a "$T/gwa.conf"
if wait_until 15 two_each; then
	ok "A (1 worker) and B (2) hold two Child SAs each"
else
	fail "Child SAs: A $(n_children a), B $(n_children b) (want 2 each)"
fi
check_group b
wait_ping "$NS_HB" 10.1.0.1 || fail "no ping through the tunnel"
flows "$NS_HB" "$NS_HA" 10.1.0.1 7800
both_sent b
gw_stop a
gw_stop b

log "3) strongSwan 5.9.8 as B: no RFC 9611, one plain Child SA"
# shellcheck source=tests/e2e/swan.sh
source "$E2E_DIR/swan.sh"
swan_require
swan_setup psk
swan_start
res_conf a start
sed -i "s/proposals = \"aes256gcm16-prfsha384-x25519\"/proposals = \"aes256-sha256-x25519\"/;
	s/psk = \"$PSK\"/psk = \"$(sed 's/[&/]/\\&/g' <<<"interop-test-psk-0123456789")\"/;
	s/name = \"peer\"/name = \"b\"/" "$T/gwa.conf"
gw_start a "$T/gwa.conf"
swan_child_up || fail "strongSwan: no Child SA"
sleep 1
if [[ $(n_children a) == 1 && $(ike_py a 'c[0]["per_resource"]') == False ]]; then
	ok "espritd A: one plain Child SA with strongSwan"
else
	fail "espritd A with strongSwan: $(ctl a ike list)"
fi
ctl a --json policy list | grep -q resource_sas && fail "a per-resource policy with strongSwan"
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the tunnel to strongSwan"
ping_check "$NS_HA" 10.2.0.1 5
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 7701 50 1000
exit "$E2E_FAILED"

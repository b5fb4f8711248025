#!/usr/bin/env bash
# Two workers per gateway with RSS: af_packet qpairs=2 spreads flows over two
# RX queues (PACKET_FANOUT hash), one per worker; packets of an SA that land
# on the worker not owning it are handed off.  Several flows run at once
# (different SAs and source ports); all must arrive intact, both workers must
# have received traffic, and nothing may be dropped for a full handoff ring.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init rss
trap e2e_cleanup EXIT
require_espritd

e2e_topology
# 3 lcores (control + 2 workers) on 2 CPUs: esprit.lcores maps lcores to
# CPUs (EAL --lcores syntax), the first being the control thread's.
e2e_gen_conf --workers 2 --qpairs 2 --lcores-a "0@0,1@1,2@0" --lcores-b "0@1,1@0,2@1"
if ! GW_START_SOFT=1 gw_start a "$T/gwa.conf"; then
	if (($(nproc) < 3)) && grep -qE 'lcore [0-9]+ unavailable|Option -l is ignored' "$T/espritd-a.log"; then
		log "SKIP: 2 workers need 3 lcores; EAL refused the lcore map on $(nproc) CPUs:"
		grep -E 'lcore [0-9]+ unavailable|Option -l is ignored' "$T/espritd-a.log" | sed 's/^/      /'
		E2E_SKIP=1
		exit 77
	fi
	tail -n 30 "$T/espritd-a.log" | sed 's/^/    /'
	die "espritd a exited during startup"
fi
gw_start b "$T/gwb.conf"
ctl a worker stats 2>&1 | sed 's/^/    /' | head -n 20

# ESP steering by SPI: af_packet has no flow API, so every port says so,
# with the NIC's answer, and RSS and the handoff carry ESP as before.
ctl a port stats 2>&1 | sed 's/^/    /'
ctl a --json port stats >"$T/ports-a.json" 2>&1
steer=$("$PY" "$E2E_DIR/ctlcheck.py" steering "$T/ports-a.json")
if [[ $(grep -c '^[a-z]* none,none,none,none 0 rte_flow: ' <<<"$steer") == 2 ]] &&
	grep -q 'inbound ESP steered by SPI: ipv4 none.*workers hand ESP' "$T/espritd-a.log"; then
	ok "af_packet ports: ESP not steered, and the reason reported"
else
	fail "ESP steering on af_packet: [$steer]"
fi
wait_ping "$NS_HA" 10.2.0.1 || fail "no IPv4 ping through the tunnel"
wait_ping "$NS_HA" fd02::1 || fail "no IPv6 ping through the tunnel"
ctl a --json worker stats >"$T/ws-before.json" 2>&1

log "5 concurrent flows: UDP on 3 SAs (10001 v4, 10002 v4 natt iiv, 10003 v6-in-v4) + TCP v4 and v6"
pids=()
# receivers: one per port, expecting the sum of its flows
bg rx1 ip netns exec "$NS_HB" timeout 40 "$PY" "$E2E_DIR/traffic.py" udp-recv --port 10001 \
	--count 400 --timeout 30
pids+=("$BG_PID")
bg rx2 ip netns exec "$NS_HB" timeout 40 "$PY" "$E2E_DIR/traffic.py" udp-recv --port 10002 \
	--count 200 --timeout 30
pids+=("$BG_PID")
bg rx3 ip netns exec "$NS_HB" timeout 40 "$PY" "$E2E_DIR/traffic.py" udp-recv --port 10003 \
	--count 200 --timeout 30
pids+=("$BG_PID")
bg tcprx4 ip netns exec "$NS_HB" timeout 60 "$PY" "$E2E_DIR/traffic.py" tcp-recv --port 5004 \
	--timeout 40
pids+=("$BG_PID")
bg tcprx6 ip netns exec "$NS_HA" timeout 60 "$PY" "$E2E_DIR/traffic.py" tcp-recv --port 5006 \
	--timeout 40
pids+=("$BG_PID")
sleep 0.5
bg tx1 ip netns exec "$NS_HA" timeout 40 "$PY" "$E2E_DIR/traffic.py" udp-send --dst 10.2.0.1 \
	--port 10001 --count 400 --size 800 --gap 0.001
pids+=("$BG_PID")
bg tx2 ip netns exec "$NS_HA" timeout 40 "$PY" "$E2E_DIR/traffic.py" udp-send --dst 10.2.0.1 \
	--port 10002 --count 200 --size 1000 --gap 0.002
pids+=("$BG_PID")
bg tx3 ip netns exec "$NS_HA" timeout 40 "$PY" "$E2E_DIR/traffic.py" udp-send --dst fd02::1 \
	--port 10003 --count 200 --size 1000 --gap 0.002
pids+=("$BG_PID")
bg tcptx4 ip netns exec "$NS_HA" timeout 60 "$PY" "$E2E_DIR/traffic.py" tcp-send --dst 10.2.0.1 \
	--port 5004 --bytes 3000000
pids+=("$BG_PID")
bg tcptx6 ip netns exec "$NS_HB" timeout 60 "$PY" "$E2E_DIR/traffic.py" tcp-send --dst fd01::1 \
	--port 5006 --bytes 3000000
pids+=("$BG_PID")
for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done

for pair in tx1:rx1 tx2:rx2 tx3:rx3 tcptx4:tcprx4 tcptx6:tcprx6; do
	tx=$(cat "$T/${pair%%:*}.out") rx=$(cat "$T/${pair#*:}.out")
	if [[ -n $tx && $tx == "$rx" ]]; then
		ok "flow ${pair%%:*}: sha256 match ($tx)"
	else
		fail "flow ${pair%%:*}: sent [$tx] received [$rx]"
	fi
done

for gw in a b; do
	ctl "$gw" --json worker stats >"$T/ws-$gw.json" 2>&1
	rx=$("$PY" "$E2E_DIR/ctlcheck.py" worker-rx "$T/ws-$gw.json")
	read -r -a rxs <<<"$rx"
	if ((${#rxs[@]} >= 2 && rxs[0] > 0 && rxs[1] > 0)); then
		ok "gateway $gw: both workers received packets (rx per worker: $rx)"
	else
		fail "gateway $gw: rx per worker [$rx] (expected 2 workers, both > 0)"
	fi
	hf=$("$PY" "$E2E_DIR/ctlcheck.py" drop /dev/null "$T/ws-$gw.json" handoff_full 2>/dev/null)
	[[ ${hf:-0} == 0 ]] || fail "gateway $gw: handoff_full drops: $hf"
done
exit "$E2E_FAILED"

#!/usr/bin/env bash
# Runtime SA changes while traffic flows: a numbered UDP stream runs on SA
# gcm4 (port 10001) the whole time; meanwhile gateway B gets the inbound half
# of SA "rt" (port 10030) with `espritctl sa add`, carries a checked transfer
# on it, and loses it again with `sa del`.  The stream must lose nothing.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init runtime
trap e2e_cleanup EXIT
require_espritd

e2e_topology
e2e_gen_conf --workers 1
gw_start a "$T/gwa.conf"
gw_start b "$T/gwb.conf"
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the tunnel"
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 10001 20 500   # warm-up of the stream's path

SECS=16
bg stream-rx ip netns exec "$NS_HB" timeout 60 "$PY" "$E2E_DIR/traffic.py" udp-count \
	--port 10001 --seconds 40
RX_PID=$BG_PID
sleep 0.4
bg stream-tx ip netns exec "$NS_HA" timeout 60 "$PY" "$E2E_DIR/traffic.py" udp-stream \
	--dst 10.2.0.1 --port 10001 --seconds "$SECS" --rate 200
TX_PID=$BG_PID
sleep 1

nosa() { ctl b --json worker stats >"$T/ws-$1.json" 2>&1; }

log "before: B has no inbound SA 0x1030, so A's packets on port 10030 die there (no_sa)"
nosa 0
bg rx-none ip netns exec "$NS_HB" timeout 20 "$PY" "$E2E_DIR/traffic.py" udp-recv \
	--port 10030 --count 10 --timeout 3
pid=$BG_PID
sleep 0.3
nsx "$NS_HA" "$PY" "$E2E_DIR/traffic.py" udp-send --dst 10.2.0.1 --port 10030 --count 10 \
	--size 300 >/dev/null
wait "$pid" 2>/dev/null || true
nosa 1
d=$("$PY" "$E2E_DIR/ctlcheck.py" drop "$T/ws-0.json" "$T/ws-1.json" no_sa)
if grep -q incomplete "$T/rx-none.out" && [[ $d -ge 10 ]]; then
	ok "port 10030 without B's SA: nothing delivered, no_sa +$d"
else
	fail "port 10030 without B's SA: receiver [$(cat "$T/rx-none.out")], no_sa +$d"
fi

log "espritctl sa add (inbound 0x1030 on B)"
sa_text=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["runtime_in_text"])' "$T/sas.json")
if out=$(ctl b sa add "$sa_text" 2>&1); then
	ok "sa add: $out"
else
	fail "sa add: $out"
fi
ctl b sa show 0x1030 in 2>&1 | sed 's/^/    /' | head -n 15
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 10030 50 1000

log "espritctl sa del (inbound 0x1030 on B)"
if out=$(ctl b sa del 0x1030 in 2>&1); then
	ok "sa del: $out"
else
	fail "sa del: $out"
fi
if ctl b sa show 0x1030 in >/dev/null 2>&1; then
	fail "sa show 0x1030 in still finds the deleted SA"
fi
nosa 2
bg rx-none2 ip netns exec "$NS_HB" timeout 20 "$PY" "$E2E_DIR/traffic.py" udp-recv \
	--port 10030 --count 10 --timeout 3
pid=$BG_PID
sleep 0.3
nsx "$NS_HA" "$PY" "$E2E_DIR/traffic.py" udp-send --dst 10.2.0.1 --port 10030 --count 10 \
	--size 300 >/dev/null
wait "$pid" 2>/dev/null || true
nosa 3
d=$("$PY" "$E2E_DIR/ctlcheck.py" drop "$T/ws-2.json" "$T/ws-3.json" no_sa)
if grep -q incomplete "$T/rx-none2.out" && [[ $d -ge 10 ]]; then
	ok "after sa del: nothing delivered, no_sa +$d"
else
	fail "after sa del: receiver [$(cat "$T/rx-none2.out")], no_sa +$d"
fi

log "outbound side: espritctl sa del 0x1030 out on A; its policy must not leak cleartext"
ctl b sa add "$sa_text" >/dev/null 2>&1 || fail "sa add on B (again)"
if out=$(ctl a sa del 0x1030 out 2>&1); then
	ok "sa del on A: $out"
else
	fail "sa del on A: $out"
fi
capture_start "$T/wire-del.pcap"
nsx "$NS_HA" "$PY" "$E2E_DIR/traffic.py" udp-send --dst 10.2.0.1 --port 10030 --count 10 \
	--size 300 >/dev/null
capture_stop
clear=$(tshark -n -r "$T/wire-del.pcap" -Y "udp.dstport == 10030" 2>/dev/null | wc -l)
esp=$(tshark -n -r "$T/wire-del.pcap" -Y "esp.spi == 0x1030" 2>/dev/null | wc -l)
if [[ $clear == 0 && $esp == 0 ]]; then
	ok "port 10030 with A's SA deleted: nothing on the wire (no cleartext, no ESP)"
else
	fail "port 10030 with A's SA deleted: $clear cleartext and $esp ESP packets on the wire"
fi
out_text=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["runtime_out_text"])' "$T/sas.json")
if out=$(ctl a sa add "$out_text" 2>&1); then
	ok "sa add on A (outbound 0x1030 again): $out"
else
	fail "sa add on A: $out"
fi
log "  does policy p-rt (by SPI) protect with the re-added SA?"
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 10030 30 1000

log "the stream on SA gcm4 during all this"
wait "$TX_PID" 2>/dev/null || true
sleep 1
nsx "$NS_HB" "$PY" "$E2E_DIR/traffic.py" udp-stop --dst 10.2.0.1 --port 10001
wait "$RX_PID" 2>/dev/null || true
sent=$(awk '/^sent/{print $2}' "$T/stream-tx.out")
read -r _ got _ _ _ missing < <(head -n1 "$T/stream-rx.out")
if [[ -n $sent && $got == "$sent" && $missing == 0 ]]; then
	ok "unaffected SA gcm4: $got of $sent datagrams, none lost"
else
	fail "unaffected SA gcm4: sent $sent, $(head -n1 "$T/stream-rx.out")"
fi
exit "$E2E_FAILED"

#!/usr/bin/env bash
# Bad input into gateway B from the wire namespace (scapy / cryptography):
# truncated packets, wrong SPI, bad ICV, garbage after the ESP header, bad
# padding (authentic), wrong next header, inner packet outside the SA's
# selectors, oversize packets, replayed and too-old sequence numbers (both
# on a crafted SA and by re-sending packets gateway A really sent).  Each
# kind must be dropped, counted under its reason in `espritctl --json worker
# stats`, never reach host B, and the SAs must keep working afterwards.
# run.sh --asan runs this with build-asan's espritd (sanitizer reports fail).
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init badinput
trap e2e_cleanup EXIT
require_espritd

e2e_topology
e2e_gen_conf --workers 1
# oversize frames must get through the veth pair to espritd B's af_packet
ip -n "$NS_WIRE" link set wb mtu 2000
ip -n "$NS_GWB" link set b-wan mtu 2000
gw_start a "$T/gwa.conf"
gw_start b "$T/gwb.conf"
BMAC=$(ip -n "$NS_GWB" -br link show b-wan | awk '{print $3}')
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the tunnel"
wait_ping "$NS_HB" 10.2.0.254 || fail "host B cannot ping gateway B"

inj() { (cd "$E2E_DIR" && nsx "$NS_WIRE" "$PY" inject.py "$@" --iface wb --dmac "$BMAC"); }
stats() { ctl b --json worker stats >"$1" 2>&1 || fail "espritctl worker stats"; }

# everything that reaches host B on the crafted SA's port during the bad phase
bg listen ip netns exec "$NS_HB" timeout 120 "$PY" "$E2E_DIR/traffic.py" udp-count \
	--port 10021 --seconds 90 --list
LISTEN_PID=$BG_PID
sleep 0.4
inj good "$T/sas.json" inj-gcm 5 --first-seq 1 --warmup 3 >/dev/null 2>&1 ||
	fail "inject warm-up"

# kind, expected reason, expected count (worker total), --seq, expected
# count on SA 0x3001 ("-": the SA is not known or not checked)
CASES=(
	"truncated runt 3 1000 -"
	"wrong_spi no_sa 3 1000 -"
	"bad_icv auth 3 1000 3"
	"garbage auth 3 1100 3"
	"bad_padding bad_padding 3 50 3"
	"bad_next_hdr bad_next_hdr 3 60 3"
	"selector selector 3 70 3"
	"oversize too_big 3 80 -"
	"replay replay 2 200 2"
	"too_old too_old 3 200 3"
)
i=0
for c in "${CASES[@]}"; do
	read -r kind reason want seq sawant <<<"$c"
	i=$((i + 1))
	stats "$T/ws-$i-before.json"
	ctl b --json sa show 0x3001 in >"$T/sa-$i-before.json" 2>&1
	inj bad "$T/sas.json" "$kind" --seq "$seq" >"$T/bad-$kind.out" 2>&1 || {
		fail "inject $kind: $(tail -n 3 "$T/bad-$kind.out")"
		continue
	}
	sleep 0.5
	stats "$T/ws-$i-after.json"
	ctl b --json sa show 0x3001 in >"$T/sa-$i-after.json" 2>&1
	got=$("$PY" "$E2E_DIR/ctlcheck.py" drop "$T/ws-$i-before.json" "$T/ws-$i-after.json" "$reason")
	sagot=$("$PY" "$E2E_DIR/ctlcheck.py" drop "$T/sa-$i-before.json" "$T/sa-$i-after.json" "$reason")
	if [[ $sawant != - && $sagot != "$sawant" ]]; then
		fail "$kind: SA 0x3001 drop counter '$reason' +$sagot, expected +$sawant"
	fi
	if [[ $got == "$want" ]]; then
		ok "$kind: $want dropped, counted as '$reason' (workers +$got, SA 0x3001 +$sagot)"
	else
		fail "$kind: $want sent, drop counter '$reason' +$got; all changes:"
		"$PY" - "$T/ws-$i-before.json" "$T/ws-$i-after.json" <<'PYEOF' | sed 's/^/    /'
import json, sys
def flat(x, p=""):
    if isinstance(x, dict):
        for k, v in x.items():
            yield from flat(v, p + "/" + str(k))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from flat(v, p + "/" + str(i))
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        yield p, x
try:
    a, b = dict(flat(json.load(open(sys.argv[1])))), dict(flat(json.load(open(sys.argv[2]))))
    for k in sorted(b):
        if b[k] != a.get(k):
            print(k, a.get(k), "->", b[k])
except Exception as e:
    print("cannot read worker stats JSON:", e, open(sys.argv[2]).read()[:500])
PYEOF
	fi
done

log "replay and too-old on a real SA: re-send what gateway A sent (spi 0x1001)"
capture_start "$T/wire.pcap"
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 10001 100 300
capture_stop
for which in last:replay first:too_old; do
	stats "$T/ws-r-before.json"
	inj resend "$T/wire.pcap" 0x1001 "${which%%:*}" >"$T/resend.out" 2>&1 ||
		fail "resend: $(cat "$T/resend.out")"
	sleep 0.5
	stats "$T/ws-r-after.json"
	got=$("$PY" "$E2E_DIR/ctlcheck.py" drop "$T/ws-r-before.json" "$T/ws-r-after.json" "${which#*:}")
	if [[ $got == 1 ]]; then
		ok "re-sent ${which%%:*} packet of spi 0x1001: '${which#*:}' +$got"
	else
		fail "re-sent ${which%%:*} packet of spi 0x1001: '${which#*:}' +$got"
	fi
done

# what reached host B on the crafted SA's port: the 5 warm-up datagrams
# (0-4) and the one accepted copy of the replayed packet (200), nothing else
nsx "$NS_HB" "$PY" "$E2E_DIR/traffic.py" udp-stop --dst 10.2.0.1 --port 10021
wait "$LISTEN_PID" 2>/dev/null || true
seen=$(sed -n 's/^seqs //p' "$T/listen.out")
if [[ $seen == "0 1 2 3 4 200" ]]; then
	ok "host B received only the valid datagrams on port 10021 ($seen)"
else
	fail "host B received on port 10021: [$seen], expected [0 1 2 3 4 200]"
fi

log "the SAs keep working"
bg rx-after ip netns exec "$NS_HB" timeout 30 "$PY" "$E2E_DIR/traffic.py" udp-recv \
	--port 10021 --count 30 --timeout 15
rpid=$BG_PID
sleep 0.4
tx=$(inj good "$T/sas.json" inj-gcm 30 --first-seq 300 2>/dev/null) || true
wait "$rpid" 2>/dev/null || true
rx=$(cat "$T/rx-after.out")
if [[ -n $tx && $tx == "$rx" ]]; then
	ok "inj-gcm after the bad input: 30 packets, sha256 match"
else
	fail "inj-gcm after the bad input: injected [$tx] received [$rx]"
fi
udp_check "$NS_HA" "$NS_HB" 10.2.0.1 10001 50 1000
udp_check "$NS_HB" "$NS_HA" 10.1.0.1 10001 50 1000

log "gateway B drop counters after the run:"
ctl b sa show 0x3001 in 2>&1 | sed 's/^/    /' | head -n 40
exit "$E2E_FAILED"

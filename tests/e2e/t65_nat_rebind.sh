#!/usr/bin/env bash
# RFC 7296 §2.23 against strongSwan 5.9.8 behind a NAT that reboots: the
# wire bridge is replaced by a small NAPT (napt.py) with strongSwan inside.
# strongSwan initiates (from behind the NAT), ping through the tunnel. The
# NAT then loses its mapping and maps strongSwan to new ports: espritd's
# ESP to the old port is dropped by the NAT. strongSwan rekeys its IKE SA
# (an authenticated request from the new port); espritd, not behind a NAT
# itself, follows: the IKE SA and the existing Child SA pair move to the
# new port in the dataplane (driver sa_update_endpoints), and ping works
# again both ways through the same Child SA (same SPIs).
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init nat_rebind
trap e2e_cleanup EXIT
require_espritd
# shellcheck source=tests/e2e/swan.sh
source "$E2E_DIR/swan.sh"
swan_require
e2e_topology
swan_setup psk

# The NAT instead of the bridge: strongSwan (192.0.2.2) inside on wb.
ip -n "$NS_WIRE" link set wa nomaster
ip -n "$NS_WIRE" link set wb nomaster
echo 40000 >"$T/napt.base"
bg napt ip netns exec "$NS_WIRE" "$PY" "$E2E_DIR/napt.py" wb wa 192.0.2.2 "$T/napt.base" "$T/napt.json"
sleep 0.5
napt() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/napt.json" "$1" 2>/dev/null || echo 0; }

swan_start
gwa_conf none
gw_start a "$T/gwa.conf"
swan --initiate --child net --ike psk >"$T/initiate.out" 2>&1 ||
	die "strongSwan could not initiate through the NAT: $(tail -n 3 "$T/initiate.out")"
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the tunnel behind the NAT"
ping_check "$NS_HA" 10.2.0.1 3
sas() { ctl a --json sa list; }
spis_before=$(sas | "$PY" -c 'import json,sys; print(sorted(s["spi"] for s in json.load(sys.stdin)["sas"]))')
if sas | "$PY" -c '
import json, sys
sas = json.load(sys.stdin)["sas"]
assert len(sas) == 2 and all(s["encap"] == {"sport": 4500, "dport": 40001} for s in sas), sas'; then
	ok "espritd sends ESP-in-UDP to the NAT's mapping 192.0.2.2:40001"
else
	fail "SAs before the NAT reboot: $(sas)"
fi

log "the NAT reboots: strongSwan is now 192.0.2.2:50000/50001"
echo 50000 >"$T/napt.base"
sleep 0.7
drops=$(napt dropped)
nsx "$NS_HA" ping -c 2 -i 0.2 -W 1 10.2.0.1 >/dev/null 2>&1
if (($(napt dropped) > drops)); then
	ok "the NAT drops espritd's ESP to the old mapping ($(napt dropped) dropped)"
else
	fail "no drop at the NAT after its reboot: $(cat "$T/napt.json")"
fi

log "strongSwan rekeys its IKE SA from the new mapping; espritd follows"
swan --rekey --ike psk >"$T/rekey.out" 2>&1 || fail "swanctl --rekey --ike: $(tail -n 2 "$T/rekey.out")"
for ((i = 0; i < 30; i++)); do
	grep -q "peer moved from 192.0.2.2:40001 to 192.0.2.2:50001" "$T/espritd-a.log" && break
	sleep 0.2
done
if grep -q "peer moved from 192.0.2.2:40001 to 192.0.2.2:50001" "$T/espritd-a.log"; then
	ok "espritd: $(grep -o 'peer moved.*' "$T/espritd-a.log" | head -n 1)"
else
	fail "espritd did not follow the new mapping: $(grep -i 'ike:' "$T/espritd-a.log" | tail -n 5)"
fi
spis_after=$(sas | "$PY" -c 'import json,sys; print(sorted(s["spi"] for s in json.load(sys.stdin)["sas"]))')
if [[ $spis_after == "$spis_before" ]] && sas | "$PY" -c '
import json, sys
sas = json.load(sys.stdin)["sas"]
assert len(sas) == 2 and all(s["encap"] == {"sport": 4500, "dport": 50001} for s in sas), sas'; then
	ok "the same Child SA pair ($spis_after) now goes to 192.0.2.2:50001"
else
	fail "SAs after: $spis_before -> $(sas)"
fi
ping_check "$NS_HA" 10.2.0.1 5
ping_check "$NS_HB" 10.1.0.1 5

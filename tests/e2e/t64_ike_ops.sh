#!/usr/bin/env bash
# Operating espritd's IKE SAs against strongSwan 5.9.8 (swan.sh): `espritctl
# ike list --json` contents, a Child SA rekey started by espritctl (by name,
# then by SPI) while a ping runs (no loss), a second Child SA created on the
# existing IKE SA and deleted by SPI, deletes started by strongSwan (child,
# then IKE SA) removing espritd's SAs from the dataplane, `espritctl reload`
# (a connection added, one changed, one removed while the established SA
# carries a ping: no loss, same SPIs), and dead peer detection when charon is
# killed (dpd_delay 3 s after the reload, dpd_timeout 4 s).
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init ikeops
trap e2e_cleanup EXIT
require_espritd
# shellcheck source=tests/e2e/swan.sh
source "$E2E_DIR/swan.sh"
swan_require
e2e_topology
swan_setup psk
# the reload step changes espritd's ESP proposal to AES-256-GCM
sed -i 's/esp_proposals = aes128gcm16/esp_proposals = aes128gcm16,aes256gcm16/' "$SW/swanctl/swanctl.conf"
swan_start
CHARON_PID=${E2E_PIDS[-1]}

DPD_DELAY=2
DPD_TIMEOUT=4

# conf_a: espritd A, connection "b" to strongSwan; the reload step changes
# B_DPD, B_ESP, IDLE, EXTRA (more connections), SAS and POLS (static ones)
B_DPD=$DPD_DELAY B_ESP=aes128gcm16 IDLE=100 EXTRA="" SAS="" POLS=""
KEY=0x000102030405060708090a0b0c0d0e0f10111213
static_sa() { # static_sa NAME SPI DIR SRC DST
	echo "{ name = \"$1\"; spi = $2; dir = \"$3\"; cipher = \"aes128gcm16\"; key = \"$KEY\";
    local = \"192.0.2.1\"; remote = \"192.0.2.2\"; src = \"$4\"; dst = \"$5\"; }"
}
conf_a() {
	cat >"$T/gwa.conf" <<CONF
esprit: { workers = 1; lcores = "0,1"; idle_sleep_us = $IDLE; log_level = "info";
          eal = ["--no-huge", "-m", "256", "--file-prefix", "$E2E_ID-gwa", "--no-telemetry"];
          mgmt_socket = "$T/gwa.sock"; };
ports = ( { name = "lan"; device = "net_af_packet0,iface=a-lan"; addresses = ["10.1.0.254/24"]; },
          { name = "wan"; device = "net_af_packet1,iface=a-wan"; addresses = ["192.0.2.1/24"]; } );
sas = ( $SAS );
policies = ( $POLS );
connections = (
  { name = "b"; local_addrs = "192.0.2.1"; remote_addrs = "192.0.2.2";
    local_id = "a.test"; remote_id = "b.test"; auth = "psk"; psk = "$PSK";
    proposals = "aes256-sha256-x25519";
    dpd_delay = $B_DPD; dpd_timeout = $DPD_TIMEOUT;
    children = ( { name = "net"; local_ts = "10.1.0.0/24"; remote_ts = "10.2.0.0/24";
                   esp_proposals = "$B_ESP"; start_action = "start"; } ); }$EXTRA
);
CONF
}

# other_conn NAME START: a connection to a peer that does not exist
other_conn() {
	echo ",
  { name = \"$1\"; local_addrs = \"192.0.2.1\"; remote_addrs = \"192.0.2.99\";
    local_id = \"a.test\"; remote_id = \"$1.test\"; auth = \"psk\"; psk = \"$PSK\";
    proposals = \"aes256-sha256-x25519\"; dpd_timeout = 3;
    children = ( { name = \"net\"; local_ts = \"10.1.0.0/24\"; remote_ts = \"10.7.0.0/24\";
                   esp_proposals = \"aes128gcm16\"; start_action = \"$2\"; } ); }"
}

# ikej PYTHON-EXPR: evaluated with s = the IKE SAs of `espritctl --json ike list`
ikej() {
	ctl a --json ike list | "$PY" -c '
import json, sys
s = json.load(sys.stdin)["ike_sas"]
print(eval(sys.argv[1]))' "$1" 2>&1
}

child_spis() { ikej '" ".join(c["spi_in"] + "/" + c["spi_out"] for a in s for c in a["children"] if c["state"] == "INSTALLED")'; }

n_ike_sas() { ikej 'len(s)'; }
n_b_sas() { ikej 'len([a for a in s if a["conn"] == "b"])'; }
# IKE's SAs in the dataplane (the static ones have names)
n_dp_sas() { ctl a --json sa list | "$PY" -c 'import json,sys; print(len([x for x in json.load(sys.stdin)["sas"] if "name" not in x]))'; }

swan_children() { swan --list-sas 2>/dev/null | grep -c "INSTALLED, TUNNEL"; }

# ping_during NAME CMD...: 40 pings at 50 ms while CMD runs; all must come back
ping_during() {
	local name=$1 pingpid
	shift
	bg "ping-$name" ip netns exec "$NS_HA" timeout 20 ping -c 40 -i 0.05 -W 2 10.2.0.1
	pingpid=$BG_PID
	sleep 0.5
	"$@" >"$T/$name.cmd.out" 2>&1 || fail "$name: $* failed: $(cat "$T/$name.cmd.out")"
	wait "$pingpid"
	if grep -q " 40 received" "$T/ping-$name.out"; then
		ok "$name: 40/40 pings while it happened"
	else
		fail "$name: $(grep transmitted "$T/ping-$name.out")"
	fi
}

# wait_until SECONDS 'SHELL CONDITION': evaluated every 0.2 s
wait_until() {
	local n=$(($1 * 5)) i
	for ((i = 0; i < n; i++)); do
		eval "$2" && return 0
		sleep 0.2
	done
	return 1
}

log "1) espritd initiates; ike list shows algorithms, SPIs, selectors, timers, counters"
SAS="$(static_sa s1 0x9001 out 10.1.0.0/24 10.9.0.0/24), $(static_sa s2 0x9002 in 10.9.0.0/24 10.1.0.0/24)"
POLS='{ name = "p1"; src = "10.1.0.0/24"; dst = "10.9.0.0/24"; action = "protect"; sa = "s1"; }'
EXTRA=$(other_conn c none)
conf_a
gw_start a "$T/gwa.conf"
wait_until 10 '[[ $(swan_children) == 1 ]]' || fail "no Child SA at strongSwan"
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the tunnel"
ping_check "$NS_HA" 10.2.0.1 5
check=$(ikej '
(lambda a, c: [k for k, ok in [
  ("conn", a["conn"] == "b"), ("state", a["state"] == "ESTABLISHED"),
  ("ike enc", a["encryption"] == "aes-cbc-256"), ("integ", a["integrity"] == "sha256"),
  ("prf", a["prf"] == "prfsha256"), ("ke", a["key_exchange"] == "x25519"),
  ("ike est", isinstance(a["established"], int)), ("dpd", a["dpd"] == 2),
  ("child", c["name"] == "net" and c["state"] == "INSTALLED"),
  ("esp", c["encryption"] == "aes-gcm16-128"),
  ("ts", c["local_ts"] == "10.1.0.0/24" and c["remote_ts"] == "10.2.0.0/24"),
  ("est", isinstance(c["established"], int)),
  ("in", c["in"]["packets"] >= 5), ("out", c["out"]["packets"] >= 5)] if not ok]
)(s[0], s[0]["children"][0]) if len(s) == 1 and len(s[0]["children"]) == 1 else s')
if [[ $check == "[]" ]]; then
	ok "ike list --json: $(ikej '[(c["encryption"], c["spi_in"], c["in"], c["out"]) for c in s[0]["children"]]')"
else
	fail "ike list --json: wrong or missing: $check"
fi
ctl a ike list | grep -q "child INSTALLED net" && ok "ike list (text): $(ctl a ike list | sed -n 4p)" ||
	fail "ike list text: $(ctl a ike list 2>&1)"

log "2) espritctl rekeys the Child SA (by name, then by SPI) while a ping runs"
spis0=$(child_spis)
ping_during "rekey-name" ctl a ike rekey b net
wait_until 5 '[[ $(swan_children) == 1 ]]'
spis1=$(child_spis)
[[ -n $spis1 && $spis1 != "$spis0" && $(wc -w <<<"$spis1") == 1 ]] &&
	ok "child rekeyed by name: $spis0 -> $spis1" || fail "rekey by name: [$spis0] -> [$spis1]"
out_spi=${spis1#*/}
ping_during "rekey-spi" ctl a ike rekey spi "$out_spi"
wait_until 5 '[[ $(swan_children) == 1 ]]'
spis2=$(child_spis)
[[ -n $spis2 && $spis2 != "$spis1" && $(wc -w <<<"$spis2") == 1 ]] &&
	ok "child rekeyed by its outbound SPI $out_spi: -> $spis2" || fail "rekey by SPI: [$spis1] -> [$spis2]"
n_sas=$(n_dp_sas)
[[ $n_sas == 2 ]] && ok "dataplane holds 2 SAs after the rekeys" || fail "dataplane holds $n_sas SAs"

log "3) a second Child SA on the same IKE SA, then deleted by SPI"
ike0=$(ikej 's[0]["spi_i"]')
ctl a ike initiate b net >/dev/null || fail "ike initiate b net (existing IKE SA)"
wait_until 5 '[[ $(swan_children) == 2 ]]' && ok "strongSwan has 2 Child SAs" ||
	fail "strongSwan: $(swan --list-sas 2>&1 | head -n 20)"
[[ $(ikej 'len(s)') == 1 && $(ikej 's[0]["spi_i"]') == "$ike0" ]] &&
	ok "on the same IKE SA ($ike0): $(child_spis)" || fail "IKE SAs: $(ikej 's')"
new=$(child_spis | tr ' ' '\n' | grep -v "^$spis2$" | head -n1)
ctl a ike terminate spi "${new%/*}" >/dev/null || fail "ike terminate spi ${new%/*}"
wait_until 5 '[[ $(swan_children) == 1 ]]' && [[ $(child_spis) == "$spis2" ]] &&
	ok "Child SA $new deleted by SPI, $spis2 stays" || fail "after terminate spi: $(child_spis)"
ping_check "$NS_HA" 10.2.0.1 3

log "4) strongSwan deletes the Child SA, then the IKE SA"
swan --terminate --child net >"$T/term.out" 2>&1 || fail "swanctl --terminate --child: $(tail -n2 "$T/term.out")"
if wait_until 5 '[[ $(n_dp_sas) == 0 ]]'; then
	ok "child deleted by strongSwan: espritd's dataplane has no SA left"
else
	fail "after swanctl --terminate --child: $(ctl a sa list 2>&1)"
fi
[[ $(ikej 's[0]["state"] + str(len(s[0]["children"]))') == ESTABLISHED0 ]] &&
	ok "the IKE SA stays, childless" || fail "IKE SA after child delete: $(ikej 's')"
swan --initiate --child net --ike psk >"$T/init2.out" 2>&1 || fail "swanctl --initiate: $(tail -n3 "$T/init2.out")"
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping after strongSwan re-created the child"
swan --terminate --ike psk >"$T/term.out" 2>&1 || fail "swanctl --terminate --ike: $(tail -n2 "$T/term.out")"
if wait_until 5 '[[ $(n_ike_sas) == 0 ]]' &&
	[[ $(n_dp_sas) == 0 ]]; then
	ok "IKE SA deleted by strongSwan: no IKE SA, no SA in espritd's dataplane"
else
	fail "after swanctl --terminate --ike: $(ctl a ike list 2>&1) / $(ctl a sa list 2>&1)"
fi

log "5) reload: a bad file changes nothing; then a connection added, one changed, one removed, static SAs and policies diffed, under a ping"
ctl a ike initiate b net >/dev/null || fail "ike initiate b net"
wait_until 10 '[[ $(swan_children) == 1 ]]' || fail "no Child SA for the reload step"
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping before the reload"
nsx "$NS_HA" ping -c 3 -i 0.2 -W 1 10.9.0.1 >/dev/null 2>&1  # through static SA s1 (nobody answers)
s1_before=$(ctl a --json sa show 0x9001 out | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["sas"][0]["stats"]["packets"])')
conns() { ctl a --json ike conns | "$PY" -c 'import json,sys; print(" ".join("%s:%s" % (c["name"], c["dpd_delay"]) for c in json.load(sys.stdin)["conns"]))'; }
[[ $(conns) == "b:2 c:None" ]] && ok "ike conns before the reload: $(conns)" || fail "ike conns: $(conns)"
ike_before=$(ikej '[a["spi_i"] for a in s if a["conn"] == "b"]')
spis_before=$(child_spis)
cp "$T/gwa.conf" "$T/gwa.conf.good"
sed 's/dpd_timeout = [0-9]*;/dpd_timeout = "soon";/' "$T/gwa.conf.good" >"$T/gwa.conf"
if out=$(ctl a reload 2>&1); then
	fail "reload of a broken file succeeded: $out"
elif grep -q "gwa.conf:[0-9]" <<<"$out"; then
	ok "broken file refused with its line: $out"
else
	fail "broken file: no file:line in [$out]"
fi
[[ $(child_spis) == "$spis_before" ]] || fail "the refused reload changed SAs: $(child_spis)"
B_DPD=3 B_ESP=aes256gcm16 IDLE=50 EXTRA=$(other_conn d start)
SAS="$(static_sa s1 0x9001 out 10.1.0.0/24 10.9.0.0/24), $(static_sa s3 0x9003 in 10.9.0.0/24 10.1.0.0/24)"
POLS="$POLS, { name = \"p2\"; dst = \"10.8.0.0/24\"; action = \"bypass\"; }"
conf_a
ping_during "reload" sh -c "timeout 10 '$ESPRITCTL' -s '$T/gwa.sock' --json reload >'$T/reload.json'"
rep=$(cat "$T/reload.json")
check=$("$PY" - "$rep" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
ch, rs = r["changes"], r["needs_restart"]
want = ["connection 'c' removed", "connection 'b' changed", "connection 'd' added",
        "connection 'd': initiating net", "SA 's2' 0x00009002 in removed",
        "SA 's3' 0x00009003 in added", "policy 2 'p2' added"]
miss = [w for w in want if not any(c.startswith(w) for c in ch)]
extra = [c for c in ch if "'s1'" in c or "'p1'" in c]
print("ok" if r["ok"] and not miss and not extra and not r["failed"] and
      rs == ["esprit.idle_sleep_us"] else [miss, extra, r])
PY
)
[[ $check == ok ]] && ok "reload report: $("$PY" -c 'import json,sys; r=json.loads(sys.argv[1]); print("; ".join(r["changes"]), "| needs restart:", r["needs_restart"])' "$rep")" ||
	fail "reload report: $check"
[[ $(child_spis) == "$spis_before" && $(ikej '[a["spi_i"] for a in s if a["conn"] == "b"]') == "$ike_before" ]] &&
	ok "same IKE SA and Child SA SPIs after the reload: $spis_before" ||
	fail "SPIs changed: $spis_before -> $(child_spis)"
s1_after=$(ctl a --json sa show 0x9001 out | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["sas"][0]["stats"]["packets"])')
[[ $s1_before -ge 3 && $s1_after -ge $s1_before ]] && ok "static SA s1 untouched: $s1_after packets (was $s1_before)" ||
	fail "static SA s1 counters: $s1_before -> $s1_after"
wait_until 3 '[[ $(ikej "len([a for a in s if a[\"conn\"] == \"d\"])") -ge 1 ]]' &&
	ok "new connection d (start_action = start) initiated: $(ikej '[a["state"] for a in s if a["conn"] == "d"]')" ||
	fail "connection d not initiated: $(ikej 's')"
[[ $(conns) == "b:3 d:None" ]] && ok "ike conns after the reload: $(conns)" || fail "ike conns: $(conns)"
ctl a ike conns | grep -q "^b: 192.0.2.1\[500\] -> 192.0.2.2\[500\], psk" || fail "ike conns text: $(ctl a ike conns)"
out=$(ctl a ike initiate c net 2>&1) && fail "removed connection c still initiates" ||
	ok "removed connection c: $out"
[[ $(ikej '[a["dpd"] for a in s if a["conn"] == "b"]') == "[3]" ]] &&
	ok "established IKE SA of b moved to the changed connection (dpd_delay 3)" ||
	fail "IKE SA of b after reload: $(ikej 's')"
ping_during "rekey-after-reload" ctl a ike rekey b net
wait_until 5 '[[ $(ikej "[c[\"encryption\"] for a in s if a[\"conn\"] == \"b\" for c in a[\"children\"] if c[\"state\"] == \"INSTALLED\"]") == "['"'"'aes-gcm16-256'"'"']" ]]' &&
	ok "the next rekey uses the new esp_proposals: $(child_spis) aes-gcm16-256" ||
	fail "after rekey: $(ikej '[(c["encryption"], c["state"]) for a in s for c in a["children"]]')"
EXTRA=$(other_conn e none)
conf_a
kill -HUP "$GW_PID_a"
wait_until 5 'grep -q "reload: connection '"'"'e'"'"' added" "$T/espritd-a.log"' &&
	ok "SIGHUP: $(grep -E "reload: connection '(d|e)'" "$T/espritd-a.log" | tail -n 2 | cut -c 14- | tr '\n' ' ')" ||
	fail "SIGHUP reload not seen in the log"
sed -i 's/dpd_timeout = [0-9]*;/dpd_timeout = "soon";/' "$T/gwa.conf"
kill -HUP "$GW_PID_a"
wait_until 5 'grep -q "reload refused, nothing changed: .*gwa.conf:[0-9]*:" "$T/espritd-a.log"' &&
	ok "SIGHUP with a broken file: $(grep 'reload refused' "$T/espritd-a.log" | tail -n1 | cut -c 14-)" ||
	fail "SIGHUP with a broken file: no refusal in the log"
[[ $(conns) == "b:3 e:None" ]] || fail "connections after the refused SIGHUP reload: $(conns)"
ping_check "$NS_HA" 10.2.0.1 3

log "6) dead peer detection: charon killed (pid $CHARON_PID)"
kill -KILL "$CHARON_PID"
t0=$(date +%s%N)
limit=$((B_DPD + DPD_TIMEOUT + 2))
if wait_until $((limit + 3)) '[[ $(n_b_sas) == 0 ]]'; then
	ms=$((($(date +%s%N) - t0) / 1000000))
	n_sas=$(n_dp_sas)
	if ((ms <= limit * 1000)) && [[ $n_sas == 0 ]]; then
		ok "peer declared dead after ${ms} ms (dpd_delay $B_DPD + dpd_timeout $DPD_TIMEOUT): IKE and Child SAs gone from the dataplane"
	else
		fail "DPD took ${ms} ms (limit ${limit} s), $n_sas SAs left"
	fi
else
	fail "IKE SA still there $limit+ s after charon was killed: $(ctl a ike list 2>&1)"
fi
grep -q "giving up" "$T/espritd-a.log" && ok "espritd: $(grep 'giving up' "$T/espritd-a.log" | tail -n1 | cut -c1-150)" ||
	fail "espritd did not log giving up"
gw_stop a

#!/usr/bin/env bash
# Key logging (esprit.keylog) checked by an independent decoder: espritd
# logs its IKE SA and ESP SA keys into a directory that is tshark's own
# configuration directory (files "ikev2_decryption_table" and "esp_sa", the
# names and formats of Wireshark's user tables), strongSwan is the peer,
# the wire is captured on the bridge, and tshark then decrypts esprit's own
# IKE messages (asserting the payload types inside IKE_AUTH, CREATE_CHILD_SA
# and INFORMATIONAL, and that no integrity check fails) and the ESP traffic
# of both directions (the inner ICMP of the pings).
# 1) AES-CBC-256 + HMAC-SHA2-256 IKE SA, espritd initiates; strongSwan
#    rekeys the Child SA, espritd rekeys the IKE SA, espritd terminates.
# 2) AES-GCM-256 IKE SA, strongSwan initiates; espritd rekeys the IKE SA,
#    strongSwan rekeys the Child SA and terminates.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init ike_keylog
trap e2e_cleanup EXIT
require_espritd
command -v tshark >/dev/null || { E2E_SKIP=1; die "tshark is not installed"; }
# shellcheck source=tests/e2e/swan.sh
source "$E2E_DIR/swan.sh"
swan_require
e2e_topology
swan_setup psk
swan_start

# tshark reads its personal tables from $XDG_CONFIG_HOME/wireshark.
KEYS=$T/xdg/wireshark
mkdir -p "$KEYS" "$T/home"

gwa_keylog_conf() { # START_ACTION IKE_PROPOSAL
	gwa_conf "$1"
	sed -i -e "s|mgmt_socket = |keylog = \"$KEYS\"; mgmt_socket = |" \
		-e "s|proposals = \"aes256-sha256-x25519\"|proposals = \"$2\"|" "$T/gwa.conf"
	grep -q "keylog = " "$T/gwa.conf" || die "could not add keylog to the config"
	# A static SA next to IKE's, with a 3 s hard lifetime: its expiry event
	# shares the driver's queue with IKE's and must still remove it.
	sed -i 's|^connections = (|sas = ( { name = "static-in"; spi = 0x5001; dir = "in"; cipher = "aes128gcm16";\
    key = "0x000102030405060708090a0b0c0d0e0f10111213"; local = "192.0.2.1"; remote = "192.0.2.3";\
    lifetime = { hard = { seconds = 3; }; }; } );\
connections = (|' "$T/gwa.conf"
}

swan_proposal() {
	sed -i "s|^    proposals = .*|    proposals = $1|" "$SW/swanctl/swanctl.conf"
	swan --load-all >"$SW/load.out" 2>&1 || die "swanctl --load-all: $(tail -n 3 "$SW/load.out")"
}

ike_rekey_by_esprit() {
	local old new i
	old=$(ctl a ike list | head -n 1)
	ctl a ike rekey b >/dev/null || fail "espritctl ike rekey b failed"
	for ((i = 0; i < 50; i++)); do
		new=$(ctl a ike list | grep ESTABLISHED | head -n 1)
		[[ -n $new && $new != "$old" ]] && break
		sleep 0.2
	done
	if [[ -n $new && $new != "$old" ]]; then ok "espritd rekeyed the IKE SA"; else fail "IKE rekey did not complete"; fi
}

capture_start "$T/wire.pcap"

log "1) AES-CBC-256/HMAC-SHA2-256: espritd initiates, rekeys; strongSwan rekeys the child"
swan_proposal aes256-sha256-x25519
gwa_keylog_conf start aes256-sha256-x25519
gw_start a "$T/gwa.conf"
swan_child_up || fail "no Child SA with AES-CBC"
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the AES-CBC tunnel"
ping_check "$NS_HA" 10.2.0.1 3
swan --rekey --child net >"$T/rekey1.out" 2>&1 || fail "swanctl --rekey --child: $(tail -n 2 "$T/rekey1.out")"
sleep 0.5
ike_rekey_by_esprit
ping_check "$NS_HB" 10.1.0.1 3
ctl a ike terminate b >/dev/null || fail "espritctl ike terminate b failed"
for ((i = 0; i < 40; i++)); do
	grep -q "SA 0x00005001 in: hard lifetime reached, removing it" "$T/espritd-a.log" && break
	sleep 0.1
done
if grep -q "SA 0x00005001 in: hard lifetime reached, removing it" "$T/espritd-a.log" &&
	! ctl a sa list | grep -qi "0x00005001"; then
	ok "the static SA's hard expiry removed it while IKE runs"
else
	fail "static SA 0x5001: $(grep -i 5001 "$T/espritd-a.log"; ctl a sa list | grep -i 5001)"
fi
gw_stop a
cp "$T/espritd-a.log" "$T/espritd-a-run1.log"

log "2) AES-GCM-256: strongSwan initiates; espritd rekeys; strongSwan rekeys the child, terminates"
swan_proposal aes256gcm16-prfsha384-x25519
gwa_keylog_conf none aes256gcm16-prfsha384-x25519
gw_start a "$T/gwa.conf"
swan --initiate --child net --ike psk >"$T/initiate.out" 2>&1 ||
	fail "strongSwan could not initiate: $(tail -n 3 "$T/initiate.out")"
wait_ping "$NS_HA" 10.2.0.1 || fail "no ping through the AES-GCM tunnel"
ping_check "$NS_HA" 10.2.0.1 3
ike_rekey_by_esprit
swan --rekey --child net >"$T/rekey2.out" 2>&1 || fail "swanctl --rekey --child: $(tail -n 2 "$T/rekey2.out")"
sleep 0.5
ping_check "$NS_HB" 10.1.0.1 3
swan --terminate --ike psk >/dev/null 2>&1 || fail "swanctl --terminate failed"
sleep 1
gw_stop a
capture_stop

log "3) the key log files"
for f in ikev2_decryption_table esp_sa; do
	mode=$(stat -c %a "$KEYS/$f" 2>/dev/null)
	if [[ $mode == 600 ]]; then ok "$f: mode 0600, $(wc -l <"$KEYS/$f") lines"; else fail "$f: mode '$mode'"; fi
done
# The keys appear nowhere else: not in espritd's log.
leaks=0
while IFS=, read -r _ _ ei _; do
	[[ -n $ei ]] && grep -qi "$ei" "$T/espritd-a.log" "$T/espritd-a-run1.log" && leaks=$((leaks + 1))
done <"$KEYS/ikev2_decryption_table"
if [[ $leaks == 0 ]]; then ok "no SK_ei of the key log appears in espritd's log"; else fail "$leaks keys leaked into the log"; fi

log "4) tshark decrypts esprit's IKE messages and the ESP with the logged keys"
HOME=$T/home XDG_CONFIG_HOME=$T/xdg tshark -n -r "$T/wire.pcap" \
	-o esp.enable_encryption_decode:TRUE -T fields -E separator='|' -E aggregator=';' \
	-e frame.number -e ip.src -e isakmp.exchangetype -e isakmp.flags -e isakmp.typepayload \
	-e isakmp.ikev2.integrity_checksum -e esp.spi -e esp.protocol -e icmp.type \
	-e isakmp.enc.pad_length \
	>"$T/tshark.txt" 2>"$T/tshark.err" || fail "tshark: $(tail -n 3 "$T/tshark.err")"
if "$PY" - "$T/tshark.txt" "$KEYS" <<'PY'; then
import sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
ike_lines = open(sys.argv[2] + "/ikev2_decryption_table").read().splitlines()
esp_lines = open(sys.argv[2] + "/esp_sa").read().splitlines()
encrs = {l.split('"')[1] for l in ike_lines}
assert encrs == {"AES-CBC-256 [RFC3602]", "AES-GCM-256 with 16 octet ICV [RFC5282]"}, encrs
# One IKE SA and one rekeyed IKE SA per run; each child pair (install +
# rekey) twice per run.
assert len(ike_lines) == 4, ike_lines
assert len(esp_lines) == 8, esp_lines
NAMES = {33: "SA", 35: "IDi", 36: "IDr", 39: "AUTH", 40: "Ni", 41: "N", 42: "D",
         44: "TSi", 45: "TSr", 34: "KE", 46: "SK", 37: "CERT", 47: "CP"}
EXCH = {"35": "IKE_AUTH", "36": "CREATE_CHILD_SA", "37": "INFORMATIONAL"}
seen, bad = {}, []
esp = {"esprit": 0, "strongSwan": 0}
for r in rows:
    frame, src, exch, flags, types, badicv, spi, proto, icmp, padlen = (r + [""] * 10)[:10]
    src = src.split(";")[0]
    who = "esprit" if src == "192.0.2.1" else "strongSwan"
    if badicv:
        bad.append("frame %s: integrity check failed" % frame)
    if exch in EXCH and who == "esprit":
        f = int(flags.split(";")[0], 16)
        kind = EXCH[exch] + (" response" if f & 0x20 else " request")
        pl = [NAMES.get(int(t), t) for t in types.split(";") if t]
        # The pad length sits inside the ciphertext: there only when
        # tshark decrypted the SK payload (an empty INFORMATIONAL too).
        if padlen == "":
            bad.append("frame %s (%s): not decrypted" % (frame, kind))
        seen.setdefault(kind, []).append(pl[1:])
    if spi:
        # ESP: the only traffic in the tunnels is ping, so every ESP packet
        # must decrypt to an inner ICMP message (tshark 4.0 does not check
        # the GCM ICV: a wrong key shows as an undecodable inner packet).
        if icmp:
            esp[who] += 1
        else:
            bad.append("frame %s: ESP spi %s not decrypted (next header %r)" % (frame, spi, proto))
for k, v in sorted(seen.items()):
    print("  esprit's %-28s %s" % (k, " / ".join(",".join(p) for p in v)))
print("  ESP decrypted: from esprit %d, from strongSwan %d" % (esp["esprit"], esp["strongSwan"]))
def has(kind, *want):
    return any(all(w in p for w in want) for p in seen.get(kind, []))
checks = [
    ("IKE_AUTH request", ("IDi", "AUTH", "SA", "TSi", "TSr")),      # run 1: esprit initiates
    ("IKE_AUTH response", ("IDr", "AUTH", "SA", "TSi", "TSr")),     # run 2: esprit responds
    ("CREATE_CHILD_SA request", ("SA", "Ni", "KE")),                # esprit's IKE SA rekeys
    ("CREATE_CHILD_SA response", ("SA", "Ni", "TSi", "TSr")),       # answers to Child SA rekeys
    ("INFORMATIONAL request", ("D",)),                              # deletes (old IKE SA, terminate)
    ("INFORMATIONAL response", ()),                                 # answers to strongSwan's
]
for kind, want in checks:
    if not has(kind, *want):
        bad.append("no decrypted %s from esprit with %s" % (kind, ",".join(want)))
if len(seen.get("CREATE_CHILD_SA response", [])) < 2:
    bad.append("expected the answers to both Child SA rekeys")
if esp["esprit"] < 6 or esp["strongSwan"] < 6:
    bad.append("too few ESP packets decrypted: %s" % esp)
for b in bad:
    print("  ERROR:", b)
sys.exit(1 if bad else 0)
PY
	ok "tshark decrypted esprit's IKE_AUTH, CREATE_CHILD_SA and INFORMATIONAL messages and the ESP"
else
	fail "tshark could not decrypt everything with the key log (see above)"
fi

log "5) control: with SK_ei altered, the GCM tag check of tshark fails on the AES-GCM messages"
mkdir -p "$T/bad/wireshark" "$T/badhome"
sed 's/^\([^,]*,[^,]*,\)\(.\)/\1X\2/; s/^\([^,]*,[^,]*,\)X0/\11/; s/^\([^,]*,[^,]*,\)X./\10/' \
	"$KEYS/ikev2_decryption_table" >"$T/bad/wireshark/ikev2_decryption_table"
cmp -s "$KEYS/ikev2_decryption_table" "$T/bad/wireshark/ikev2_decryption_table" &&
	fail "the altered table is the same"
nbad=$(HOME=$T/badhome XDG_CONFIG_HOME=$T/bad tshark -n -r "$T/wire.pcap" -Y "ip.src == 192.0.2.1 && isakmp.enc.icd" \
	-T fields -e isakmp.ikev2.integrity_checksum 2>/dev/null | grep -c 1)
if [[ $nbad -gt 0 ]]; then
	ok "altered keys: $nbad of esprit's messages fail tshark's integrity check"
else
	fail "altered keys were not noticed by tshark"
fi

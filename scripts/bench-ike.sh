#!/usr/bin/env bash
# bench-ike.sh - IKE SA setups per second with espritd as responder and with
# strongSwan 5.9.8's charon (kernel-libipsec) as responder, to the same
# initiator load from esprit-ikeload (espritd's IKE engine without a
# dataplane), in one run. A setup is IKE_SA_INIT + IKE_AUTH with one Child
# SA installed, PSK; a fresh IKE SA from its own UDP port each time. Prints
# a table and one JSON object (also written to --out). Needs root (network
# namespaces, as the e2e tests); see docs/benchmark.md.
#
#   scripts/bench-ike.sh [--build DIR] [-n SETUPS] [-c IN_FLIGHT] [-p IKE_PROPOSAL]
#                        [-e ESP_PROPOSAL] [--out FILE] [--pq]
#
# --pq: espritd alone (charon 5.9.8 has no ML-KEM), one run of each of
# x25519, x25519 + ML-KEM-768 (IKE_INTERMEDIATE) and x25519 + ML-KEM-768 +
# PPK (RFC 9867, in IKE_INTERMEDIATE), with setups/s and IKE octets on the
# wire per setup.
#
# espritd runs as in the e2e tests (DPDK af_packet ports, IKE punted from
# its dataplane); charon runs in the same namespace afterwards with the
# address on the kernel interface. Both log at warning level only and send
# no COOKIEs at this load (thresholds raised), so both do the same work.
set -uo pipefail

build=build
n=1000
c=8
ike=aes256-sha256-x25519
esp=aes128gcm16
out=
pq=0
while (($#)); do
	case $1 in
	--build) build=$2; shift 2 ;;
	-n) n=$2; shift 2 ;;
	-c) c=$2; shift 2 ;;
	-p) ike=$2; shift 2 ;;
	-e) esp=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--pq) pq=1; shift ;;
	-h | --help) sed -n '2,23p' "$0"; exit 0 ;;
	*) echo "bench-ike.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
src=$(cd "$(dirname "$0")/.." && pwd)
[[ $build == /* ]] || build=$src/$build
export BUILD=$build
ninja -C "$build" control/espritd control/espritctl control/esprit-ikeload >/dev/null || exit 1
LOAD=$build/control/esprit-ikeload

# shellcheck source=tests/e2e/lib.sh
source "$src/tests/e2e/lib.sh"
e2e_init bench-ike
trap e2e_cleanup EXIT
# shellcheck source=tests/e2e/swan.sh
source "$src/tests/e2e/swan.sh"
swan_require
e2e_topology
PSK=bench-ike-psk-0123456789
ip -n "$NS_GWB" addr add 192.0.2.2/24 dev b-wan

load() { # load NAME [ikeload options]: esprit-ikeload from B's namespace against 192.0.2.1
	local name=$1
	shift
	log "$name: $n setups, $c in flight, IKE $ike, ESP $esp $*"
	NSX_TIMEOUT=${BENCH_TIMEOUT:-120} nsx "$NS_GWB" "$LOAD" -l 192.0.2.2 -r 192.0.2.1 -n "$n" -c "$c" -k "$PSK" -p "$ike" \
		-e "$esp" -i load.test -R resp.test --json "$@" >"$T/$name.json" 2>"$T/$name.err"
	log "$name: $(cat "$T/$name.json")"
	[[ -s $T/$name.err ]] && log "$name: $(tail -n 3 "$T/$name.err")"
}

# espritd_conf [CONNECTION_SETTINGS [TOP_LEVEL_SETTINGS]]: gateway A's file
# for the proposal in $ike
espritd_conf() {
	cat >"$T/gwa.conf" <<CONF
esprit: { workers = 1; lcores = "0,1"; idle_sleep_us = 100; log_level = "warning";
          eal = ["--no-huge", "-m", "256", "--file-prefix", "$E2E_ID-gwa", "--no-telemetry"];
          ike_cookie_threshold = 1000; mgmt_socket = "$T/gwa.sock"; };
ports = ( { name = "lan"; device = "net_af_packet0,iface=a-lan"; addresses = ["10.1.0.254/24"]; },
          { name = "wan"; device = "net_af_packet1,iface=a-wan"; addresses = ["192.0.2.1/24"]; } );
${2:-}
connections = (
  { name = "load"; local_addrs = "192.0.2.1"; remote_addrs = "any";
    local_id = "resp.test"; remote_id = "load.test"; auth = "psk"; psk = "$PSK";
    proposals = "$ike"; ${1:-}
    children = ( { name = "net"; local_ts = "10.1.0.0/24"; remote_ts = "10.2.0.0/24";
                   esp_proposals = "$esp"; } ); }
);
CONF
}

if ((pq)); then
	PPK=bench-ike-ppk-0123456789abcdef0123456789
	cases=("x25519|aes256gcm16-prfsha384-x25519||"
		"x25519+mlkem768|aes256gcm16-prfsha384-x25519-ke1_mlkem768||"
		"x25519+mlkem768+ppk|aes256gcm16-prfsha384-x25519-ke1_mlkem768|ppk_id = \"ppk-1\"; ppk_required = true; ppk_intermediate = true;|ppks = ( { id = \"ppk-1\"; secret = \"$PPK\"; } );")
	names=()
	for cs in "${cases[@]}"; do
		IFS='|' read -r name ike conn top <<<"$cs"
		espritd_conf "$conn" "$top"
		gw_start a "$T/gwa.conf"
		if [[ -n $conn ]]; then
			load "$name" --ppk-id ppk-1 --ppk "$PPK" --ppk-int
		else
			load "$name"
		fi
		gw_stop a
		names+=("$name")
	done
	result=$("$PY" - "$T" "$n" "$c" "$(nproc)" "${names[@]}" <<'PY'
import json, sys
t, n, c, cpus, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
rows = {}
print("| key exchange (espritd responder) | setups | failed | setups/s | p50 | p99 | octets/setup | datagrams/setup |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for name in names:
    try:
        r = json.load(open("%s/%s.json" % (t, name)))
    except Exception:
        r = None
    rows[name] = r
    if r is None:
        print("| %s | - | - | - | - | - | - | - |" % name)
        continue
    l = r["latency_ms"]
    print("| %s | %d | %d | %.0f | %.1f ms | %.1f ms | %d | %.1f |" % (
        name, r["setups"], r["failed"], r["setups_per_s"], l["p50"], l["p99"],
        r["octets_per_setup"], r["datagrams_per_setup"]))
print(json.dumps({"setups": int(n), "in_flight": int(c), "cpus": int(cpus), "runs": rows}))
PY
)
	echo "$result"
	[[ -n $out ]] && echo "$result" | tail -n 1 >"$out"
	exit 0
fi

# 1) espritd
espritd_conf
gw_start a "$T/gwa.conf"
load espritd
ctl a ike stats >"$T/espritd-stats.txt" 2>&1
gw_stop a

# 2) charon, same namespace, kernel address instead of espritd's port
ip -n "$NS_GWA" addr add 192.0.2.1/24 dev a-wan
ip -n "$NS_GWA" addr add 10.1.0.254/24 dev a-lan # kernel-libipsec's route needs it
SR=$T/swr
mkdir -p "$SR/swanctl"
cat >"$SR/strongswan.conf" <<CONF
charon {
  load_modular = no
  load = random nonce openssl pem pkcs1 pkcs8 x509 pubkey curve25519 aes sha1 sha2 hmac gcm kdf kernel-libipsec kernel-netlink socket-default vici
  cookie_threshold = 1000
  block_threshold = 1000
  plugins {
    vici { socket = unix://$SR/charon.vici }
    socket-default { fwmark = 0x42 }
    kernel-netlink { fwmark = !0x42 }
  }
  filelog { main { path = $SR/charon.log
                   default = ${BENCH_SWAN_LOG:-0}
                   flush_line = yes } }
  syslog { daemon { default = -1 } }
}
swanctl { plugins { vici { socket = unix://$SR/charon.vici } } }
CONF
cat >"$SR/swanctl/swanctl.conf" <<CONF
connections {
  load {
    version = 2
    local_addrs = 192.0.2.1
    proposals = $ike
    local { auth = psk
            id = resp.test }
    remote { auth = psk
             id = load.test }
    children {
      net { local_ts = 10.1.0.0/24
            remote_ts = 10.2.0.0/24
            esp_proposals = $esp
            mode = tunnel }
    }
  }
}
secrets { ike-load { id-a = resp.test
                     id-b = load.test
                     secret = "$PSK" } }
CONF
log "starting charon (kernel-libipsec) in $NS_GWA"
ip netns exec "$NS_GWA" env STRONGSWAN_CONF="$SR/strongswan.conf" SWANCTL_DIR="$SR/swanctl" \
	sh -c 'mount -t tmpfs tmpfs /run && exec '"$CHARON" >"$SR/charon.out" 2>&1 &
E2E_PIDS+=("$!")
for ((i = 0; i < 50; i++)); do [[ -S $SR/charon.vici ]] && break; sleep 0.1; done
nsx "$NS_GWA" env STRONGSWAN_CONF="$SR/strongswan.conf" SWANCTL_DIR="$SR/swanctl" \
	swanctl --load-all >"$SR/load.out" 2>&1 || die "swanctl --load-all: $(tail -n 3 "$SR/load.out")"
load charon
if [[ ! -s $T/charon.json ]]; then
	fail "charon run: $(tail -n 3 "$T/charon.err")"
	tail -n 20 "$SR/charon.log" "$SR/charon.out" 2>&1 | sed 's/^/    /'
fi

result=$("$PY" - "$T/espritd.json" "$T/charon.json" "$n" "$c" "$ike" "$esp" "$(nproc)" <<'PY'
import json, sys
def get(p):
    try:
        return json.load(open(p))
    except Exception:
        return None
e, s = get(sys.argv[1]), get(sys.argv[2])
n, c, ike, esp, cpus = sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
print("| responder | setups | failed | setups/s | latency mean | p50 | p99 |")
print("|---|---:|---:|---:|---:|---:|---:|")
for name, r in (("espritd", e), ("strongSwan 5.9.8 charon", s)):
    if r is None:
        print("| %s | - | - | - | - | - | - |" % name)
        continue
    l = r["latency_ms"]
    print("| %s | %d | %d | %.0f | %.1f ms | %.1f ms | %.1f ms |" % (
        name, r["setups"], r["failed"], r["setups_per_s"], l["mean"], l["p50"], l["p99"]))
ratio = (e["setups_per_s"] / s["setups_per_s"]) if e and s and s["setups_per_s"] else None
if ratio:
    print("\nespritd / charon: %.2fx" % ratio)
print(json.dumps({"ike_proposal": ike, "esp_proposal": esp, "setups": int(n),
                  "in_flight": int(c), "cpus": int(cpus), "espritd": e, "charon": s,
                  "ratio": round(ratio, 3) if ratio else None}))
PY
)
echo "$result"
[[ -n $out ]] && echo "$result" | tail -n 1 >"$out"
sed 's/^/    espritd /' "$T/espritd-stats.txt" | head -n 8
exit 0

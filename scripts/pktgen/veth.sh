#!/usr/bin/env bash
# veth.sh - scripts/pktgen/esprit.lua on Pktgen-DPDK itself, without NICs:
# Pktgen and espritd in one network namespace this script makes, cabled
# by two veth pairs (DPDK af_packet ports on both ends), as the two
# machines of docs/benchmark.md ("With Pktgen on two machines") are.
# It runs that section's procedure end to end, outbound (clear UDP in,
# ESP out) or inbound (esprit-bench's ESP pcap replayed, clear out), and
# checks that the script wrote a CSV row a size and that espritd moved the
# packets without a drop. The rates are the veth pairs' and the shared
# CPUs', not a measurement of esprit: use esprit-bench for that here.
#
#   scripts/pktgen/veth.sh --pktgen PKTGEN [--dir out|in] [--build DIR]
#                          [--sizes LIST] [--seconds S] [--keep DIR]
#
# PKTGEN is Pktgen-DPDK's binary (built with -Denable_lua=true against the
# installed DPDK; Pktgen 23.03.0 builds against DPDK 22.11), in its source
# tree, whose Pktgen.lua the script needs. ESPRIT_* settings in the
# environment go through to esprit.lua (ESPRIT_SEARCH=ndr,pdr, ...).
# --sizes: outbound, the frame sizes (default 64,1420); inbound, the one
# size esprit-bench makes the pcap for (default 64). Needs root (network
# namespaces) and about 3 GiB for Pktgen's mbufs (hugepages when 1600
# 2 MiB pages are free and mounted, else ordinary memory).
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
pktgen=
dir=out
build="build-bench"
sizes=
seconds=3
keep=
while (($#)); do
	case $1 in
	--pktgen) pktgen=$2; shift 2 ;;
	--dir) dir=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	--sizes) sizes=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	-h | --help) sed -n '2,22p' "$0"; exit 0 ;;
	*) echo "veth.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
die() { echo "veth.sh: $*" >&2; exit 1; }
[[ -x $pktgen ]] || die "--pktgen: no Pktgen binary at '$pktgen'"
[[ $dir == out || $dir == in ]] || die "--dir: out or in, not $dir"
[[ -n $sizes ]] || sizes=$([[ $dir == out ]] && echo 64,1420 || echo 64)
[[ $dir == out || $sizes != *,* ]] || die "--dir in replays one pcap: one size"
pktgen=$(cd "$(dirname "$pktgen")" && pwd)/$(basename "$pktgen")
pktgen_src=$(dirname "$pktgen")
while [[ $pktgen_src != / && ! -f $pktgen_src/Pktgen.lua ]]; do pktgen_src=$(dirname "$pktgen_src"); done
[[ -f $pktgen_src/Pktgen.lua ]] || die "no Pktgen.lua above $pktgen (Pktgen's source tree)"
[[ $build == /* ]] || build=$src/$build
if [[ ! -f $build/build.ninja ]]; then
	meson setup "$build" "$src" --buildtype=release -Dtests=false >/dev/null || exit 1
fi
ninja -C "$build" control/espritd control/espritctl dataplane/bench/esprit-bench >/dev/null || exit 1

# shellcheck source=tests/e2e/lib.sh
source "$src/tests/e2e/lib.sh"   # stop_pid
T=$(mktemp -d /tmp/esprit-pktgen-veth.XXXXXX)
NS=esprit-pktgen-$$
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do stop_pid "$pid"; done
	ip netns del "$NS" 2>/dev/null
	# DPDK leaves its runtime directories behind
	rm -rf "/var/run/dpdk/$NS-esprit" "/var/run/dpdk/$NS-pktgen"
	if [[ -n $keep ]]; then
		mkdir -p "$keep" && cp -r "$T"/. "$keep"/ && echo "veth.sh: files kept in $keep"
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# The cabling: Pktgen's port 0 sends into esprit's LAN (outbound) or WAN
# (inbound) port; esprit's other port sends to Pktgen's port 1.
pg0_mac=02:00:00:00:00:10 pg1_mac=02:00:00:00:00:11
lan_mac=02:00:00:00:e5:01 wan_mac=02:00:00:00:e5:02
if [[ $dir == in ]]; then
	# esprit-bench's ESP, its SPI and the link address it is sent to
	"$build/dataplane/bench/esprit-bench" --dir in --size "$sizes" --cipher aes128gcm \
		--iv explicit --family 4 --sas 1 --no-mc --time 0.1 --pcap-dir "$T/pcap" \
		>"$T/esprit-bench.log" 2>&1 || { cat "$T/esprit-bench.log"; die "esprit-bench failed"; }
	read -r spi wan_mac key < <(/usr/bin/python3 - "$src/scripts/bench-secgw.py" "$T/pcap/port0.pcap" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("secgw", sys.argv[1])
secgw = importlib.util.module_from_spec(spec)
spec.loader.exec_module(secgw)
spi = secgw.pcap_first_spi(sys.argv[2])
with open(sys.argv[2], "rb") as f:
    dst = f.read(24 + 16 + 6)[24 + 16:]
print("0x%x" % spi, ":".join("%02x" % b for b in dst),
      "0x" + (secgw.bench_key(spi) + secgw.SALT).hex())
PY
)
	[[ -n $key ]] || die "could not read the pcap's SPI"
	ports=("pg0 $pg0_mac gw $wan_mac" "pg1 $pg1_mac gl $lan_mac")
else
	ports=("pg0 $pg0_mac gl $lan_mac" "pg1 $pg1_mac gw $wan_mac")
fi
ip netns add "$NS" || die "cannot make a network namespace (root?)"
ip -n "$NS" link set lo up
for p in "${ports[@]}"; do
	read -r a amac b bmac <<<"$p"
	ip -n "$NS" link add "$a" address "$amac" type veth peer name "$b" address "$bmac"
done
for ifc in pg0 pg1 gl gw; do
	# no IPv6 (router solicitations would be counted as received) and
	# whole frames (no offloads)
	ip netns exec "$NS" sysctl -qw "net.ipv6.conf.$ifc.disable_ipv6=1"
	ip netns exec "$NS" ethtool -K "$ifc" tx off tso off gso off gro off >/dev/null 2>&1
	ip -n "$NS" link set "$ifc" up
done

# espritd: the bench topology. Its worker has CPU 1; Pktgen's two lcores
# get CPUs 2 and 3 where there are four, else both CPU 0.
if (($(nproc) >= 4)); then pg_lcores=0@2,1@3; else pg_lcores=0@0,1@0; fi
if [[ $dir == out ]]; then
	sa="{ name = \"out\"; spi = 0x1000; dir = \"out\"; cipher = \"aes128gcm16\";
	  key = \"0x000102030405060708090a0b0c0d0e0f10111213\";
	  local = \"192.0.2.1\"; remote = \"192.0.2.2\"; }"
	neighbor="{ ip = \"192.0.2.2\"; mac = \"$pg1_mac\"; port = \"wan\"; }"
	policies="policies = ( { src = \"10.1.0.0/16\"; dst = \"10.2.0.0/16\"; action = \"protect\"; sa = \"out\"; } );"
else
	sa="{ name = \"in\"; spi = $spi; dir = \"in\"; cipher = \"aes128gcm16\"; key = \"$key\";
	  local = \"192.0.2.1\"; remote = \"192.0.2.2\"; replay_window = 0; }"
	neighbor="{ ip = \"10.1.0.1\"; mac = \"$pg1_mac\"; port = \"lan\"; }"
	policies=
fi
cat >"$T/espritd.conf" <<CONF
esprit: { workers = 1; lcores = "0,1"; mgmt_socket = "$T/espritd.sock";
          eal = ["--no-huge", "-m", "512", "--file-prefix", "$NS-esprit", "--no-telemetry"]; };
ports = ( { name = "lan"; device = "net_af_packet0,iface=gl"; addresses = ["10.1.0.254/16"]; },
          { name = "wan"; device = "net_af_packet1,iface=gw"; addresses = ["192.0.2.1/24"]; } );
routes = ( { dst = "10.2.0.0/16"; via = "192.0.2.2"; port = "wan"; } );
neighbors = ( $neighbor );
sas = ( $sa );
$policies
CONF
gwctl() { "$build/control/espritctl" -s "$T/espritd.sock" "$@"; }
ip netns exec "$NS" "$build/control/espritd" -c "$T/espritd.conf" -f >"$T/espritd.log" 2>&1 &
pids+=($!)
for ((i = 0; i < 100; i++)); do
	gwctl version >/dev/null 2>&1 && break
	kill -0 "${pids[0]}" 2>/dev/null || { cat "$T/espritd.log"; die "espritd exited"; }
	sleep 0.2
done
gwctl version >/dev/null 2>&1 || die "espritd does not answer"

# Pktgen's mbufs: on hugepages unlinked at once (none left in hugetlbfs
# when it exits), or else on ordinary memory
free=$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)
if ((free >= 1600)) && grep -q hugetlbfs /proc/mounts; then mem=(--socket-mem 3072 --huge-unlink); else mem=(--no-huge -m 3584); fi
pcap=()
[[ $dir == in ]] && pcap=(-s "0:$T/pcap/port0.pcap")
echo "veth.sh: Pktgen ($pktgen), $dir, sizes $sizes, ${seconds}s each; log in $T/pktgen.log"
(
	cd "$pktgen_src" || exit 1
	ESPRIT_DIR=$dir ESPRIT_SIZES=$sizes ESPRIT_SECONDS=$seconds ESPRIT_LAN_MAC=$lan_mac \
		ESPRIT_CSV=$T/esprit-pktgen.csv ESPRIT_QUIT=1 \
		exec timeout --kill-after=10 1800 ip netns exec "$NS" "$pktgen" --lcores "$pg_lcores" \
		--no-pci "${mem[@]}" --file-prefix "$NS-pktgen" --no-telemetry \
		--vdev net_af_packet0,iface=pg0 --vdev net_af_packet1,iface=pg1 \
		-- -P -m "1.[0-1]" "${pcap[@]}" -f "$src/scripts/pktgen/esprit.lua" </dev/null >"$T/pktgen.log" 2>&1
) &
pids+=($!)
wait "${pids[1]}"
rc=$?
# Pktgen's screen, less its escape sequences: the script's own lines
sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$T/pktgen.log" | grep -ao 'esprit \(in\|out\)[ :].*\|results in .*' |
	sed 's/[0-9]*[-\\|/]<Main Page>.*//'
((rc == 0)) || die "Pktgen exited with $rc (its log: --keep DIR)"

echo
cat "$T/esprit-pktgen.csv" || die "no CSV"
echo
gwctl worker stats
rows=$(($(wc -l <"$T/esprit-pktgen.csv") - 1))
want=$(tr ',' '\n' <<<"$sizes" | wc -l)
read -r esp drops < <(gwctl --json worker stats | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print(sum(w["esp_" + sys.argv[1]] for w in d["workers"]), d["drops"]["total"])' "$dir")
echo
if ((rows != want)); then
	die "$rows CSV rows for $want sizes"
elif ((esp == 0 || drops != 0)); then
	die "espritd: $esp ESP packets, $drops drops"
fi
echo "veth.sh: ok: esprit.lua ran on Pktgen, $rows rows; espritd moved $esp packets as ESP, none dropped"

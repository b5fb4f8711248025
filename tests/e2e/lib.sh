# shellcheck shell=bash
# Helpers for the esprit end-to-end tests and the demo: a five-namespace
# topology, espritd start/stop by pid, checks and log collection.
#
#   NS_HA (host A 10.1.0.1 fd01::1)  ha0 <-> a-lan  NS_GWA (espritd A)  a-wan <-> wa
#   NS_WIRE: br0 = wa + wb  (captures happen here)
#   wb <-> b-wan  NS_GWB (espritd B)  b-lan <-> hb0  NS_HB (host B 10.2.0.1 fd02::1)
#
# Everything lives in namespaces named after E2E_ID (unique per run), so
# parallel or leftover runs never clash; nothing touches the root namespace.
# Source it, call e2e_init, and `trap e2e_cleanup EXIT`.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$E2E_DIR/../.." && pwd)
PY=/usr/bin/python3
BUILD=${BUILD:-$REPO/build}
ESPRITD=${ESPRITD:-$BUILD/control/espritd}
ESPRITCTL=${ESPRITCTL:-$BUILD/control/espritctl}
# per-gateway override (the bad-input test runs B from build-asan)
ESPRITD_A=${ESPRITD_A:-$ESPRITD}
ESPRITD_B=${ESPRITD_B:-$ESPRITD}

E2E_PIDS=()          # every background process we started, killed by pid
E2E_FAILED=0

log() { printf '%s [%s] %s\n' "$(date -u +%T)" "${E2E_NAME:-e2e}" "$*"; }
fail() { log "FAIL: $*"; E2E_FAILED=1; }
ok() { log "ok: $*"; }
die() { log "FATAL: $*"; E2E_FAILED=1; exit 1; }

# e2e_init NAME: set names and the work dir
e2e_init() {
	E2E_NAME=$1
	E2E_ID=${E2E_ID:-e$$}
	NS_HA=$E2E_ID-ha NS_GWA=$E2E_ID-gwa NS_WIRE=$E2E_ID-wire NS_GWB=$E2E_ID-gwb NS_HB=$E2E_ID-hb
	T=$(mktemp -d "/tmp/esprit-$E2E_NAME.XXXXXX")
	# a signal (run.sh's timeout) becomes a normal exit: the EXIT trap cleans up
	trap 'exit 143' TERM INT
	export T
	log "work dir $T, namespaces $E2E_ID-*"
}

# run a command in a namespace, with a timeout
nsx() {
	local ns=$1
	shift
	timeout --kill-after=5 "${NSX_TIMEOUT:-60}" ip netns exec "$ns" "$@"
}

e2e_topology() {
	local ns
	for ns in "$NS_HA" "$NS_GWA" "$NS_WIRE" "$NS_GWB" "$NS_HB"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	# the gateways' kernel must stay out of the way: no addresses, no IPv6
	for ns in "$NS_GWA" "$NS_GWB" "$NS_WIRE"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	# veth pairs created directly in their namespaces (never in the root one)
	ip -n "$NS_HA" link add ha0 address 02:00:00:01:00:01 type veth \
		peer name a-lan netns "$NS_GWA" address 02:00:00:01:00:fe
	ip -n "$NS_GWA" link add a-wan address 02:00:00:00:02:01 type veth \
		peer name wa netns "$NS_WIRE"
	ip -n "$NS_GWB" link add b-wan address 02:00:00:00:02:02 type veth \
		peer name wb netns "$NS_WIRE"
	ip -n "$NS_HB" link add hb0 address 02:00:00:02:00:01 type veth \
		peer name b-lan netns "$NS_GWB" address 02:00:00:02:00:fe

	ip -n "$NS_WIRE" link add br0 type bridge
	ip -n "$NS_WIRE" link set br0 type bridge stp_state 0 forward_delay 0 ageing_time 0
	ip -n "$NS_WIRE" link set wa master br0
	ip -n "$NS_WIRE" link set wb master br0

	local pair
	for pair in "$NS_HA:ha0" "$NS_GWA:a-lan" "$NS_GWA:a-wan" "$NS_WIRE:wa" "$NS_WIRE:wb" \
		"$NS_WIRE:br0" "$NS_GWB:b-wan" "$NS_GWB:b-lan" "$NS_HB:hb0"; do
		ns=${pair%%:*}
		local ifc=${pair#*:}
		ip -n "$ns" link set "$ifc" mtu 1500 up
		# full checksums and no GSO/GRO superframes: espritd sees real frames
		ip netns exec "$ns" ethtool -K "$ifc" tx off >/dev/null 2>&1 || true
		ip netns exec "$ns" ethtool -K "$ifc" tso off gso off gro off >/dev/null 2>&1 || true
	done

	# hosts: PMTU 1400 through the tunnel (ESP overhead), link MTU stays 1500
	ip -n "$NS_HA" addr add 10.1.0.1/24 dev ha0
	ip -n "$NS_HA" addr add fd01::1/64 dev ha0 nodad
	ip -n "$NS_HA" route add default via 10.1.0.254 mtu 1400
	ip -n "$NS_HA" -6 route add default via fd01::254 mtu 1400
	ip -n "$NS_HB" addr add 10.2.0.1/24 dev hb0
	ip -n "$NS_HB" addr add fd02::1/64 dev hb0 nodad
	ip -n "$NS_HB" route add default via 10.2.0.254 mtu 1400
	ip -n "$NS_HB" -6 route add default via fd02::254 mtu 1400
}

# e2e_gen_conf [gen_conf.py options]: $T/gwa.conf, $T/gwb.conf, $T/sas.json
e2e_gen_conf() {
	$PY "$E2E_DIR/gen_conf.py" "$T" "$E2E_ID" "$@"
}

# gw_conf_head a|b [LOG_LEVEL]: the esprit and ports sections of that
# gateway's configuration (one worker, af_packet ports on the topology's
# GW-lan / GW-wan with its addresses, management socket $T/gwGW.sock)
gw_conf_head() {
	local gw=$1 lan=10.1.0.254/24 wan=192.0.2.1/24
	[[ $gw == b ]] && lan=10.2.0.254/24 wan=192.0.2.2/24
	cat <<CONF
esprit: { workers = 1; lcores = "0,1"; idle_sleep_us = 100; log_level = "${2:-info}";
          eal = ["--no-huge", "-m", "256", "--file-prefix", "$E2E_ID-gw$gw", "--no-telemetry"];
          mgmt_socket = "$T/gw$gw.sock"; };
ports = ( { name = "lan"; device = "net_af_packet0,iface=$gw-lan"; addresses = ["$lan"]; },
          { name = "wan"; device = "net_af_packet1,iface=$gw-wan"; addresses = ["$wan"]; } );
CONF
}

# gw_conf a|b CONN PROPOSALS START_ACTION [SETTINGS [TOP_LEVEL]]: $T/gwGW.conf,
# the gateway with one connection CONN to the other gateway (IDs a.test and
# b.test), authenticated by $GW_AUTH (default: the PSK $PSK), with these IKE
# proposals and a Child SA "net" between the two LANs (aes128gcm16) started
# by START_ACTION; SETTINGS go into the connection, TOP_LEVEL sections (e.g.
# ppks) before the connections
gw_conf() {
	local gw=$1 me=192.0.2.1 other=192.0.2.2 peer=b net=10.1.0.0/24 rnet=10.2.0.0/24
	local auth=${GW_AUTH:-"auth = \"psk\"; psk = \"$PSK\";"}
	if [[ $gw == b ]]; then
		me=192.0.2.2 other=192.0.2.1 peer=a net=10.2.0.0/24 rnet=10.1.0.0/24
	fi
	{
		gw_conf_head "$gw"
		cat <<CONF
${6:-}connections = (
  { name = "$2"; local_addrs = "$me"; remote_addrs = "$other";
    local_id = "$gw.test"; remote_id = "$peer.test"; $auth
    proposals = "$3"; ${5:-}
    children = ( { name = "net"; local_ts = "$net"; remote_ts = "$rnet";
                   esp_proposals = "aes128gcm16"; start_action = "$4"; } ); }
);
CONF
	} >"$T/gw$gw.conf"
}

ctl() { # ctl a|b ARGS...: espritctl against gateway A or B ($SOCK_a/$SOCK_b)
	local gw=$1 sock
	shift
	eval "sock=\${SOCK_$gw:-\$T/gw$gw.sock}"
	timeout 10 "$ESPRITCTL" -s "$sock" "$@"
}

# gw_start a|b CONF: start espritd in its namespace, wait until it answers
gw_start() {
	local gw=$1 conf=$2 ns bin pid i
	if [[ $gw == a ]]; then ns=$NS_GWA bin=$ESPRITD_A; else ns=$NS_GWB bin=$ESPRITD_B; fi
	[[ -x $bin ]] || die "no espritd at $bin"
	log "starting espritd $gw ($bin)"
	# ip netns exec execs, so $! is espritd's own pid
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		ip netns exec "$ns" "$bin" -c "$conf" -f >"$T/espritd-$gw.log" 2>&1 &
	pid=$!
	E2E_PIDS+=("$pid")
	eval "GW_PID_$gw=$pid"
	for ((i = 0; i < 150; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			eval "GW_PID_$gw="
			# GW_START_SOFT=1: let the caller decide (returns 1)
			[[ -n ${GW_START_SOFT:-} ]] && return 1
			tail -n 30 "$T/espritd-$gw.log" | sed 's/^/    /'
			die "espritd $gw exited during startup"
		fi
		if [[ -n $(ctl "$gw" version 2>/dev/null) ]]; then
			log "espritd $gw up (pid $pid): $(ctl "$gw" version 2>&1 | head -n1)"
			return 0
		fi
		sleep 0.2
	done
	die "espritd $gw: no answer on its management socket after 30 s"
}

# gw_stop a|b: SIGTERM by pid, bounded wait, then SIGKILL
gw_stop() {
	local gw=$1 pid
	eval "pid=\${GW_PID_$gw:-}"
	[[ -n $pid ]] || return 0
	stop_pid "$pid"
	wait "$pid" 2>/dev/null
	local rc=$?
	eval "GW_PID_$gw="
	log "espritd $gw stopped (exit $rc)"
	return 0
}

stop_pid() {
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	log "pid $pid ignored SIGTERM for 5 s: SIGKILL"
	kill -KILL "$pid" 2>/dev/null || true
}

# bg NAME CMD...: run in background, remember its pid in BG_PID
bg() {
	local name=$1
	shift
	"$@" >"$T/$name.out" 2>&1 &
	BG_PID=$!
	E2E_PIDS+=("$BG_PID")
}

# capture_start: dumpcap on the wire bridge -> $T/wire.pcapng
capture_start() {
	local file=${1:-$T/wire.pcap}
	ip netns exec "$NS_WIRE" dumpcap -q -i br0 -P -w "$file" >"$T/dumpcap.log" 2>&1 &
	CAP_PID=$!
	E2E_PIDS+=("$CAP_PID")
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -s $file ]] && break
		sleep 0.1
	done
	sleep 0.5
}

capture_stop() {
	sleep 0.5
	[[ -n ${CAP_PID:-} ]] && stop_pid "$CAP_PID"
	wait "$CAP_PID" 2>/dev/null || true
	CAP_PID=
}

# sanitizer findings in a gateway log
check_sanitizers() {
	local gw=$1 f=$T/espritd-$1.log
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f"; then
		fail "espritd $gw: sanitizer report in $f"
		grep -E -A12 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$f" | head -n 40 |
			sed 's/^/    /'
		return 1
	fi
	return 0
}

# on failure: what a developer needs to see
collect_logs() {
	local gw
	log "---- evidence (kept in $T) ----"
	for gw in a b; do
		if kill -0 "$(eval "echo \${GW_PID_$gw:-0}")" 2>/dev/null; then
			{
				echo "== espritd $gw: sa list"; ctl "$gw" sa list
				echo "== worker stats"; ctl "$gw" --json worker stats
				echo "== port stats"; ctl "$gw" --json port stats
			} >"$T/state-$gw.txt" 2>&1 || true
		fi
		if [[ -f $T/espritd-$gw.log ]]; then
			echo "== espritd-$gw.log (last 25 lines)"
			tail -n 25 "$T/espritd-$gw.log" | sed 's/^/    /'
		fi
	done
}

e2e_cleanup() {
	local rc=$?
	trap - EXIT
	local gw pid ns
	if [[ -n ${E2E_NAME:-} ]]; then
		if [[ -z ${E2E_SKIP:-} ]] && { ((E2E_FAILED)) || ((rc != 0)); }; then
			collect_logs || true
		fi
		for gw in a b; do gw_stop "$gw" >/dev/null 2>&1 || true; done
		for gw in a b; do
			[[ -f $T/espritd-$gw.log ]] && { check_sanitizers "$gw" || rc=1; }
		done
		for pid in "${E2E_PIDS[@]}"; do stop_pid "$pid" 2>/dev/null || true; done
		for ns in "$NS_HA" "$NS_GWA" "$NS_WIRE" "$NS_GWB" "$NS_HB"; do
			ip netns del "$ns" 2>/dev/null || true
		done
		# DPDK leaves its runtime dir (/var/run/dpdk/PREFIX) behind
		local p
		for p in ${DPDK_PREFIXES:-$E2E_ID-gwa $E2E_ID-gwb}; do
			[[ -n $p && -d /var/run/dpdk/$p ]] && rm -rf -- "/var/run/dpdk/$p"
		done
		if [[ -n ${E2E_SKIP:-} ]]; then
			log "RESULT: SKIP"
			rm -rf "$T"
			rc=77
		elif ((E2E_FAILED)) || ((rc != 0)); then
			log "RESULT: FAIL (logs in $T)"
			rc=1
		else
			log "RESULT: PASS"
			[[ -n ${E2E_KEEP:-} ]] || rm -rf "$T"
		fi
	fi
	exit "$rc"
}

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds (0), at
# most SECONDS (then 1)
wait_until() {
	local n=$(($1 * 10)) i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# child_installed a|b: the gateway lists an installed Child SA
child_installed() { ctl "$1" ike list 2>/dev/null | grep -q "child INSTALLED"; }

# wait_ping NS ADDR: until one echo reply (ARP/ND warm-up), bounded
wait_ping() {
	local ns=$1 addr=$2 i
	for ((i = 0; i < 20; i++)); do
		if ip netns exec "$ns" ping -c1 -W1 "$addr" >/dev/null 2>&1; then
			return 0
		fi
	done
	return 1
}

# ping_check NS ADDR COUNT: all COUNT replies must arrive
ping_check() {
	local ns=$1 addr=$2 n=${3:-5} out
	out=$(nsx "$ns" ping -c "$n" -i 0.2 -W 2 "$addr" 2>&1)
	if grep -q " $n received" <<<"$out"; then
		ok "ping $addr from $ns: $n/$n"
	else
		fail "ping $addr from $ns: $(grep -E 'transmitted' <<<"$out")"
	fi
}

# udp_check FROM_NS TO_NS DST PORT COUNT SIZE: checked UDP transfer
udp_check() {
	local from=$1 to=$2 dst=$3 port=$4 n=${5:-50} size=${6:-1000} rpid rx tx
	bg "udprx-$port-$dst" ip netns exec "$to" timeout 30 "$PY" "$E2E_DIR/traffic.py" udp-recv \
		--port "$port" --count "$n" --timeout 15
	rpid=$BG_PID
	sleep 0.4
	tx=$(nsx "$from" "$PY" "$E2E_DIR/traffic.py" udp-send --dst "$dst" --port "$port" \
		--count "$n" --size "$size" 2>&1) || true
	wait "$rpid" 2>/dev/null || true
	rx=$(cat "$T/udprx-$port-$dst.out")
	if [[ -n $tx && $tx == "$rx" ]]; then
		ok "udp $dst:$port $n x $size octets, sha256 match (${tx%% *})"
	else
		fail "udp $dst:$port: sent [$tx] received [$rx]"
	fi
}

# tcp_check FROM_NS TO_NS DST PORT BYTES
tcp_check() {
	local from=$1 to=$2 dst=$3 port=$4 len=${5:-1000000} rpid rx tx
	bg "tcprx-$port-$dst" ip netns exec "$to" timeout 40 "$PY" "$E2E_DIR/traffic.py" tcp-recv \
		--port "$port" --timeout 30
	rpid=$BG_PID
	sleep 0.4
	tx=$(nsx "$from" "$PY" "$E2E_DIR/traffic.py" tcp-send --dst "$dst" --port "$port" \
		--bytes "$len" 2>&1) || true
	wait "$rpid" 2>/dev/null || true
	rx=$(cat "$T/tcprx-$port-$dst.out")
	if [[ -n $tx && $tx == "$rx" ]]; then
		ok "tcp $dst:$port $len octets, sha256 match (${tx%% *})"
	else
		fail "tcp $dst:$port: sent [$tx] received [$rx]"
	fi
}

require_espritd() {
	[[ -x $ESPRITD_A && -x $ESPRITD_B && -x $ESPRITCTL ]] ||
		die "espritd/espritctl not built ($ESPRITD_A, $ESPRITD_B, $ESPRITCTL)"
}

# shellcheck shell=bash
# libreswan 4.10 as gateway B for the IKE-level interop tests: pluto in B's
# namespace, espritd as gateway A. libreswan's Debian package conflicts with
# strongSwan's daemon, so scripts/deps.sh unpacks it into $LIBRESWAN_ROOT
# (default /opt/esprit-libreswan, deps.sh's LSW_ROOT)
# and pluto runs from there with every path given explicitly. This kernel has
# no ESP: pluto's Child SAs fail to install (errno 93), so only the IKE SA is
# asserted on. Source after lib.sh and e2e_init.
#
#   lsw_require; e2e_topology; lsw_setup; lsw_conn NAME OPTIONS...; lsw_start
#   lsw_add NAME; lsw_gwa_conf CONN-LINES; gw_start a "$T/gwa.conf"

LIBRESWAN_ROOT=${LIBRESWAN_ROOT:-${LSW_ROOT:-/opt/esprit-libreswan}}
PLUTO=$LIBRESWAN_ROOT/usr/libexec/ipsec/pluto
WHACK=$LIBRESWAN_ROOT/usr/libexec/ipsec/whack
ADDCONN=$LIBRESWAN_ROOT/usr/libexec/ipsec/addconn
LSW_PSK=interop-test-psk-0123456789
LS=$T/lsw

lsw_require() {
	if [[ ! -x $PLUTO || ! -x $WHACK || ! -x $ADDCONN ]]; then
		E2E_SKIP=1
		die "libreswan is not unpacked in $LIBRESWAN_ROOT (scripts/deps.sh does it)"
	fi
	command -v certutil >/dev/null || { E2E_SKIP=1; die "certutil (libnss3-tools) is missing"; }
}

# whack against our pluto (its control socket lives in $LS/run)
whack() { nsx "$NS_GWB" "$WHACK" --rundir "$LS/run" "$@"; }

# lsw_setup: B's address, an empty NSS database, ipsec.conf's head, secrets
lsw_setup() {
	ip -n "$NS_GWB" addr add 192.0.2.2/24 dev b-wan
	ip -n "$NS_GWB" addr add 10.2.0.254/24 dev b-lan
	mkdir -p "$LS/nss" "$LS/run" "$LS/ipsec.d"
	certutil -N -d "sql:$LS/nss" --empty-password >/dev/null 2>&1 ||
		die "certutil could not create the NSS database"
	cat >"$LS/ipsec.conf" <<CONF
config setup
	plutodebug=none
	uniqueids=no

CONF
	printf '@b.test @a.test : PSK "%s"\n@c.test @a.test : PSK "%s"\n' "$LSW_PSK" "$LSW_PSK" \
		>"$LS/ipsec.secrets"
	chmod 600 "$LS/ipsec.secrets"
}

# lsw_conn NAME [KEY=VALUE...]: a PSK connection b.test <-> a.test (the
# secrets also have c.test <-> a.test); the
# KEY=VALUE arguments are added to the defaults or replace them
lsw_conn() {
	local name=$1 kv k
	shift
	local -A opt=()
	local -a order=()
	for kv in ikev2=insist authby=secret left=192.0.2.2 leftid=@b.test \
		leftsubnet=10.2.0.0/24 right=192.0.2.1 rightid=@a.test rightsubnet=10.1.0.0/24 \
		"ike=aes256-sha2_256;dh31" esp=aes_gcm128-null encapsulation=no \
		retransmit-timeout=10s keyingtries=1 auto=ignore "$@"; do
		k=${kv%%=*}
		[[ -v opt[$k] ]] || order+=("$k")
		opt[$k]=${kv#*=}
	done
	{
		echo "conn $name"
		for k in "${order[@]}"; do printf '\t%s=%s\n' "$k" "${opt[$k]}"; done
		echo
	} >>"$LS/ipsec.conf"
}

lsw_start() {
	local i
	log "starting pluto (libreswan $("$PLUTO" --version 2>&1 | head -n1 | cut -d' ' -f2)) in $NS_GWB"
	# pluto insists on its helpers under the compiled-in /usr/libexec/ipsec:
	# in its private mount namespace an empty tmpfs covers /usr/libexec and
	# the unpacked directory is bound there (the host's stays untouched)
	ip netns exec "$NS_GWB" sh -c 'mount -t tmpfs tmpfs /usr/libexec &&
		mkdir /usr/libexec/ipsec && mount --bind "$1/usr/libexec/ipsec" /usr/libexec/ipsec &&
		shift && exec "$@"' sh "$LIBRESWAN_ROOT" "$PLUTO" --nofork --config "$LS/ipsec.conf" \
		--nssdir "$LS/nss" --rundir "$LS/run" --secretsfile "$LS/ipsec.secrets" \
		--ipsecdir "$LS/ipsec.d" --logfile "$LS/pluto.log" --no-dnssec --use-xfrm \
		--dumpdir "$LS/run" >"$LS/pluto.out" 2>&1 &
	LSW_PID=$!
	E2E_PIDS+=("$LSW_PID")
	for ((i = 0; i < 100; i++)); do
		[[ -S $LS/run/pluto.ctl ]] && break
		kill -0 "$LSW_PID" 2>/dev/null || die "pluto exited: $(tail -n 5 "$LS/pluto.out" "$LS/pluto.log" 2>&1)"
		sleep 0.1
	done
	[[ -S $LS/run/pluto.ctl ]] || die "pluto: no control socket after 10 s"
	whack --listen >/dev/null 2>&1 || die "whack --listen failed"
	lsw_impair_none
}

# lsw_impair_none: clear pluto's impairments but keep "revival" (pluto would
# otherwise start again every IKE SA that goes away, as its policy wants)
lsw_impair_none() {
	whack --impair none >/dev/null && whack --impair revival >/dev/null
}

# lsw_add NAME: load a connection from ipsec.conf into pluto
lsw_add() {
	nsx "$NS_GWB" "$ADDCONN" --config "$LS/ipsec.conf" --ctlsocket "$LS/run/pluto.ctl" "$1" \
		>"$LS/addconn-$1.out" 2>&1 && ! grep -q "did not load" "$LS/addconn-$1.out" ||
		die "addconn $1: $(cat "$LS/addconn-$1.out")"
}

# lsw_ike_up NAME: pluto shows an established IKE SA for NAME
lsw_ike_up() {
	whack --status 2>/dev/null | grep -E "\"$1\".*ESTABLISHED_IKE_SA" -q
}

# lsw_gwa_conf CONNECTIONS [TOP-LEVEL]: espritd A with the connections given
# (the part inside `connections = ( )`) and more top-level settings (e.g.
# ppks); ports and addresses as in the strongSwan tests
lsw_gwa_conf() {
	{
		gw_conf_head a debug
		cat <<CONF
connections = (
$1
);
${2:-}
CONF
	} >"$T/gwa.conf"
}

# lsw_ike_count CONN: pluto's established IKE SAs of a connection
lsw_ike_count() {
	whack --status 2>/dev/null | grep -cE "^000 #[0-9]+: \"$1\".*STATE_V2_ESTABLISHED_IKE_SA"
}

# lsw_del CONN: delete a connection (and its SAs; pluto sends the Delete),
# which also stops pluto from reviving it
lsw_del() { whack --delete --name "$1" >>"$LS/whack.out" 2>&1; }

# --- checks shared by the libreswan tests ---

ike_json() { ctl a --json ike list; }
ike_stat() { ctl a --json ike stats | "$PY" -c "import json,sys; print(json.load(sys.stdin)['ike_stats']['$1'])"; }

# esp_check WHAT PYTHON-ASSERTS: run asserts on espritd's IKE SAs (list "sas",
# only those not DEAD/DELETING), fail with the listing otherwise
esp_check() {
	local what=$1 code=$2 js
	js=$(ike_json)
	if "$PY" - "$js" "$code" <<'PY'; then
import json, sys
# half-open SAs (INIT_DONE: an IKE_AUTH that failed) time out on their own
sas = [s for s in json.loads(sys.argv[1])["ike_sas"] if s["state"] not in ("DEAD", "DELETING", "INIT_DONE")]
exec(sys.argv[2])
PY
		ok "espritd: $what"
	else
		fail "espritd: $what: $js"
	fi
}

lsw_has() { [[ $(lsw_ike_count "$1") -eq $2 ]]; }
esp_count() {
	[[ $(ike_json | "$PY" -c 'import json,sys; print(sum(s["state"] == "ESTABLISHED" for s in json.load(sys.stdin)["ike_sas"]))') -eq $1 ]]
}

# lsw_algo CONN ALGO: pluto's newest IKE SA of CONN uses ALGO
lsw_algo_is() { whack --status | grep -q "\"$1\":   IKEv2 algorithm newest: $2\$"; }
lsw_algo() {
	if wait_until 3 lsw_algo_is "$1" "$2"; then
		ok "pluto: \"$1\" IKE SA uses $2"
	else
		fail "pluto: \"$1\": $(whack --status | grep "\"$1\":.*algorithm")"
	fi
}

# lsw_no_child: pluto lists no IPsec SA (whack --trafficstatus)
lsw_no_child() {
	if whack --trafficstatus | grep -q '#[0-9]'; then
		fail "pluto lists an IPsec SA: $(whack --trafficstatus)"
	else
		ok "pluto: no IPsec SA (whack --trafficstatus is empty)"
	fi
}

lsw_childless() { lsw_impair_none && whack --impair omit-v2-ike-auth-child >/dev/null; }

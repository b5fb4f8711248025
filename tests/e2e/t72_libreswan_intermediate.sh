#!/usr/bin/env bash
# RFC 9242 IKE_INTERMEDIATE against an independent implementation:
# libreswan 4.10 (`intermediate=yes`: one IKE_INTERMEDIATE exchange without
# a key exchange inside) initiates to espritd. Both ends fold the
# IKE_INTERMEDIATE messages into IntAuth and sign it in IKE_AUTH (PSK), so
# the IKE SA is established only if espritd's IntAuth chain (A and P
# chunks, adjusted lengths, IKE_AUTH_MID) matches libreswan's, in both
# directions. IKE level only: this kernel has no ESP, so libreswan cannot
# install its Child SA (it logs that and drops the IKE SA afterwards).
# libreswan is not installed (it would replace strongSwan): scripts/deps.sh
# unpacks its Debian package into /opt/esprit-libreswan.
set -uo pipefail
# shellcheck source=tests/e2e/lib.sh
source "$(dirname "$0")/lib.sh"
e2e_init lsw-int
trap e2e_cleanup EXIT
require_espritd
LSW=${LIBRESWAN_ROOT:-/opt/esprit-libreswan}
if [[ ! -x $LSW/usr/libexec/ipsec/pluto ]] || ! command -v certutil >/dev/null; then
	E2E_SKIP=1
	die "libreswan not unpacked in $LSW or certutil missing (scripts/deps.sh)"
fi
e2e_topology
D=$T/lsw
PSK="libreswan intermediate psk 0123456789"
mkdir -p "$D/nss" "$D/run" "$D/ipsec.d"
ip -n "$NS_GWB" addr add 192.0.2.2/24 dev b-wan
ip -n "$NS_GWB" addr add 10.2.0.254/24 dev b-lan
certutil -N -d "sql:$D/nss" --empty-password || die "certutil could not make the NSS db"
cat >"$D/ipsec.conf" <<CONF
config setup
	logfile=$D/pluto.log
conn pq
	ikev2=insist
	left=192.0.2.2
	leftid=@b.test
	right=192.0.2.1
	rightid=@a.test
	authby=secret
	ike=aes256-sha2_256;dh31
	esp=aes_gcm128
	leftsubnet=10.2.0.0/24
	rightsubnet=10.1.0.0/24
	intermediate=yes
	auto=add
CONF
echo "@b.test @a.test : PSK \"$PSK\"" >"$D/ipsec.secrets"
gw_conf a b aes256-sha256-x25519 none
gw_start a "$T/gwa.conf"

# pluto in B's namespace, its own /run and its helpers (addconn) where it
# looks for them: bind mounts in the namespace's private mount table only
log "starting pluto (libreswan 4.10) in $NS_GWB"
ip netns exec "$NS_GWB" sh -c "mount -t tmpfs tmpfs /run && mkdir -p /run/pluto &&
	mount --bind $LSW/usr/libexec /usr/libexec &&
	exec $LSW/usr/libexec/ipsec/pluto --nofork --config $D/ipsec.conf --nssdir $D/nss \
	--rundir $D/run --secretsfile $D/ipsec.secrets --ipsecdir $D/ipsec.d \
	--logfile $D/pluto.log --no-dnssec --use-xfrm" >"$D/pluto.out" 2>&1 &
E2E_PIDS+=("$!")
whack() { nsx "$NS_GWB" "$LSW/usr/libexec/ipsec/whack" --rundir "$D/run" "$@"; }
for ((i = 0; i < 50; i++)); do
	[[ -S $D/run/pluto.ctl ]] && break
	sleep 0.1
done
[[ -S $D/run/pluto.ctl ]] || die "pluto did not start: $(tail -n 5 "$D/pluto.out")"
whack --listen >/dev/null 2>&1
NSX_TIMEOUT=15 whack --initiate --name pq >"$D/initiate.out" 2>&1

if grep -q "initiator processed IKE_INTERMEDIATE" "$D/pluto.log"; then
	ok "libreswan: $(grep -m1 -o 'initiator processed IKE_INTERMEDIATE.*' "$D/pluto.log")"
else
	fail "libreswan ran no IKE_INTERMEDIATE: $(tail -n 5 "$D/pluto.log")"
fi
if grep -q "IKE_INTERMEDIATE 1 without key exchange" "$T/espritd-a.log"; then
	ok "espritd answered an IKE_INTERMEDIATE without key exchange"
else
	fail "espritd saw no IKE_INTERMEDIATE: $(grep 'ike:' "$T/espritd-a.log" | tail -n 5)"
fi
# libreswan verified espritd's AUTH (its IntAuth), espritd libreswan's
if grep -q "initiator established IKE SA; authenticated peer using authby=secret" "$D/pluto.log"; then
	ok "libreswan: $(grep -m1 -o 'initiator established IKE SA.*' "$D/pluto.log")"
else
	fail "libreswan did not establish: $(grep -E 'AUTH|fail|error' "$D/pluto.log" | head -n 5)"
fi
if grep -q "INIT_DONE -> ESTABLISHED" "$T/espritd-a.log" &&
	! grep -q "peer authentication failed" "$T/espritd-a.log"; then
	ok "espritd verified libreswan's AUTH over IntAuth: IKE SA ESTABLISHED"
else
	fail "espritd: $(grep 'ike:' "$T/espritd-a.log" | tail -n 5)"
fi

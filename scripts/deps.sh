#!/usr/bin/env bash
# Install everything esprit needs to build, test and demo on Debian 12.
# Idempotent: only missing packages are installed, and `apt-get update` runs
# at most once, and only when something is missing.
set -euo pipefail

PKGS=(
	# build
	build-essential meson ninja-build pkg-config
	dpdk dpdk-dev libdpdk-dev libipsec-mb-dev libssl-dev libconfig-dev
	# unit tests, sanitizers, fuzzing
	check libjansson-dev libpcap-dev valgrind clang libclang-rt-14-dev
	# the Pktgen script's test (runs it against a stand-in of Pktgen's API)
	lua5.4
	# end-to-end tests and demo: verifiers, topology, traffic
	python3-scapy python3-cryptography tshark iproute2 iputils-ping ethtool
	socat netcat-openbsd procps openssl
	# IKE interop peers (strongSwan with userspace ESP)
	strongswan-charon strongswan-swanctl libcharon-extra-plugins
	libstrongswan-extra-plugins libstrongswan-standard-plugins strongswan-pki
	# libreswan's runtime (libreswan itself is unpacked below, not installed)
	libnss3-tools libnss3 libnspr4 libcurl3-nss libevent-core-2.1-7
	libevent-pthreads-2.1-7 libldap-2.5-0 libldns3 libunbound8 libcap-ng0 libaudit1
	libpam0g libselinux1 libsystemd0
)

# libreswan 4.10 as an IKE-only interop peer (t72): installing it would
# remove strongSwan's daemon, so its package is unpacked into LSW_ROOT and
# run from there.
LSW_ROOT=${LSW_ROOT:-/opt/esprit-libreswan}
lsw_unpack() {
	local tmp
	[[ -x $LSW_ROOT/usr/libexec/ipsec/pluto ]] && return 0
	if [[ $EUID -ne 0 ]]; then
		echo "deps: libreswan not unpacked in $LSW_ROOT; run as root" >&2
		return 1
	fi
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download -q libreswan) || { rm -rf "$tmp"; return 1; }
	mkdir -p "$LSW_ROOT"
	dpkg -x "$tmp"/libreswan_*.deb "$LSW_ROOT"
	rm -rf "$tmp"
	echo "deps: libreswan unpacked in $LSW_ROOT"
}

missing=()
for p in "${PKGS[@]}"; do
	if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#PKGS[@]} packages present"
	lsw_unpack || echo "deps: libreswan unavailable (t72 will be skipped)" >&2
	exit 0
fi

if [[ $EUID -ne 0 ]]; then
	echo "deps: missing ${missing[*]}; run as root to install" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# tshark's postinst asks whether non-root users may capture; answer "no".
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections

echo "deps: installing ${missing[*]}"
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
lsw_unpack || echo "deps: libreswan unavailable (t72 will be skipped)" >&2

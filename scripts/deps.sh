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
	# end-to-end tests and demo: verifiers, topology, traffic
	python3-scapy python3-cryptography tshark iproute2 iputils-ping ethtool
	socat netcat-openbsd procps
	# IKE interop peers (strongSwan with userspace ESP)
	strongswan-charon strongswan-swanctl libcharon-extra-plugins
	libstrongswan-extra-plugins strongswan-pki
)

missing=()
for p in "${PKGS[@]}"; do
	if [[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]]; then
		missing+=("$p")
	fi
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#PKGS[@]} packages present"
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

#!/usr/bin/env bash
# bench.sh - build (if needed) and run esprit-bench: esprit's worker loop
# between a net_pcap generator and a net_null sink, against the limit of
# that harness (its own I/O cost + IPsec-MB's crypto cost, both measured in
# the same run). See docs/benchmark.md.
#
#   scripts/bench.sh [--build DIR] [--huge [PAGES]] [--out DIR] [esprit-bench options] [-- EAL options]
#
#   --build DIR    build directory (default build-bench, release build)
#   --huge [N]     reserve N 2 MiB hugepages for the run (default 2048,
#                  enough for the 1M-SA cases) and give them back after
#   --out DIR      where bench-<date>.json and .txt go (default BUILD/bench-results)
#   --no-history   do not judge the core's pace against the earlier runs in
#                  that directory (esprit-bench --history): a case measured
#                  while the host slowed the core for the whole run is
#                  flagged only against such runs of this machine
#
# Everything else goes to esprit-bench (--quick, --smoke, --dir in, --size
# 64,imix, --sas 1000000, ...; esprit-bench --help lists them). The default
# run (every case) takes 3-5 minutes on 2 cores (each case at most about
# twice its free-core time on a busy machine, with fewer rounds).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build-bench
out=
huge=0
history=1
args=()

while (($#)); do
	case $1 in
	--build) build=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--no-history) history=0; shift ;;
	--history) history=0; args+=("$1"); shift ;;
	--huge)
		huge=2048
		if [[ ${2:-} =~ ^[0-9]+$ ]]; then huge=$2; shift; fi
		shift ;;
	*) args+=("$1"); shift ;;
	esac
done

if [[ ! -d $build ]]; then
	meson setup "$build" "$src" -Dbuildtype=release >/dev/null
fi
if ! ninja -C "$build" -t targets all 2>/dev/null | grep '^dataplane/bench/esprit-bench:' >/dev/null; then
	echo "bench.sh: $build has no esprit-bench target; add subdir('dataplane/bench') to meson.build" >&2
	exit 1
fi
ninja -C "$build" dataplane/bench/esprit-bench >/dev/null

bench=$build/dataplane/bench/esprit-bench
out=${out:-$build/bench-results}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"

restore_huge() {
	if [[ -n ${mounted:-} ]]; then
		umount /dev/hugepages
	fi
	if [[ -n ${old_huge:-} ]]; then
		echo "$old_huge" >/proc/sys/vm/nr_hugepages
	fi
}
if ((huge > 0)); then
	old_huge=$(cat /proc/sys/vm/nr_hugepages)
	trap restore_huge EXIT
	# EAL finds hugepages through a mounted hugetlbfs
	if ! grep -q ' hugetlbfs ' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages
		mounted=1
	fi
	echo "$huge" >/proc/sys/vm/nr_hugepages
	got=$(cat /proc/sys/vm/nr_hugepages)
	if ((got < huge)); then
		echo "bench.sh: only $got of $huge hugepages could be reserved" >&2
	fi
	args=(--huge "${args[@]}")
fi

# The worker lcore runs on CPU 1, the main thread (which only sleeps and
# reads counters) on CPU 0; taskset keeps the bench off other CPUs.
if ((history)); then
	args=(--history "$out" "${args[@]}")
fi
run=("$bench" --json "$out/bench-$stamp.json" "${args[@]}")
if command -v taskset >/dev/null 2>&1 && (($(nproc) >= 2)); then
	run=(taskset -c 0,1 "${run[@]}")
fi
"${run[@]}" | tee "$out/bench-$stamp.txt"
echo "results: $out/bench-$stamp.json"

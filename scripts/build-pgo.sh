#!/usr/bin/env bash
# build-pgo.sh - a profile-guided release build of esprit (espritd and
# esprit-bench): build with GCC's instrumentation, train it by running
# esprit-bench's single-SA cases in both directions (every cipher, both IV
# forms, IPv4 and IPv6, four sizes; ~40 s), then build again with the
# profile. Code the training never ran is compiled as without a profile
# (-fprofile-partial-training), so paths it missed (NAT-T, transport,
# fragments, the control plane) are not optimised for size.
#
#   scripts/build-pgo.sh [--quick] [BUILD_DIR]     (default build-pgo)
#
#   --quick   a token training run (64 B, AES-128-GCM, 0.1 s a direction): checks
#             that the build works (scripts/test.sh runs it), not a
#             profile to ship
#
# Ends by running the optimised esprit-bench's CI check (--smoke), so a
# build that runs but cannot forward says so here.
# Needs hugepages as esprit-bench does (scripts/bench.sh --build BUILD_DIR
# --huge ... reserves them; this script uses what is reserved, and runs
# without them otherwise). Measured gain on this machine type: see
# docs/benchmark-rounds.md, "Seventh round".
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
train_args=(--time 0.1 --no-mc --sas 1 --dir out,in
	    --cipher aes128gcm,aes256gcm,chacha20poly1305 --iv explicit,implicit
	    --family 4,6 --size 64,512,1420,imix)
if [[ ${1:-} == --quick ]]; then
	train_args=(--time 0.1 --no-mc --sas 1 --dir out,in --cipher aes128gcm --iv explicit
		    --family 4 --size 64)
	shift
fi
build=${1:-$src/build-pgo}
huge=--no-huge
if (($(cat /proc/sys/vm/nr_hugepages) >= 512)); then
	huge=--huge
fi

# Counters of the worker lcores and the main thread are updated
# atomically, so the profile is consistent; the warnings about objects
# the training did not link (the control plane) are expected.
pgo_args="-fprofile-update=prefer-atomic -fprofile-partial-training -Wno-missing-profile"

# ninja writes the compiler's errors to stdout: on a failure, show them
ninja_shown() {
	local log=$1
	shift
	ninja "$@" >"$log" 2>&1 && return 0
	grep -E -A3 'error|FAILED' "$log" | head -20 >&2
	echo "build-pgo.sh: the build failed; see $log" >&2
	exit 1
}

rm -rf "$build"
meson setup "$build" "$src" -Dbuildtype=release -Db_pgo=generate -Dtests=false \
	-Dc_args="$pgo_args" >/dev/null
ninja_shown "$build/pgo-instrumented.txt" -C "$build" dataplane/bench/esprit-bench
echo "build-pgo.sh: training (esprit-bench ${train_args[*]})"
"$build/dataplane/bench/esprit-bench" "$huge" "${train_args[@]}" >"$build/pgo-training.txt" 2>&1 || {
	echo "build-pgo.sh: the training run failed; see $build/pgo-training.txt" >&2
	exit 1
}
meson configure "$build" -Db_pgo=use >/dev/null
ninja_shown "$build/pgo-build.txt" -C "$build"
"$build/dataplane/bench/esprit-bench" --smoke >"$build/pgo-smoke.txt" 2>&1 || {
	echo "build-pgo.sh: the optimised esprit-bench --smoke failed; see $build/pgo-smoke.txt" >&2
	exit 1
}
grep -E '^out ' "$build/pgo-smoke.txt" || true
echo "build-pgo.sh: profile-guided build in $build"

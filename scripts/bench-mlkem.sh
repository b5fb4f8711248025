#!/bin/sh
# bench-mlkem.sh - build (if needed) and run mlkem-bench: median rdtscp
# cycles and ops/s of ML-KEM keygen/encaps/decaps, portable and AVX2.
#
#   scripts/bench-mlkem.sh [build-dir] [runs]
#
# Pin to one CPU when taskset is available, to cut migration noise.
set -eu

build=${1:-build}
runs=${2:-1000}
src=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -d "$build" ]; then
	meson setup "$build" "$src" -Dbuildtype=release
fi
ninja -C "$build" control/mlkem/mlkem-bench >/dev/null

bench="$build/control/mlkem/mlkem-bench"
if command -v taskset >/dev/null 2>&1; then
	exec taskset -c 0 "$bench" "$runs"
fi
exec "$bench" "$runs"

#!/usr/bin/env bash
# bench-ab.sh - measure two builds alternately and say whether B is faster.
#
#   scripts/bench-ab.sh [--runs N] [--out DIR] A_BUILD B_BUILD [bench.sh options]
#
# A_BUILD and B_BUILD are build directories (release builds of two commits,
# e.g. `git worktree add ../base main && meson setup ../base/build-bench
# ../base -Dbuildtype=release`). Runs scripts/bench.sh on A, B, A, B, ...,
# N times each (default 4) with the same options (--huge, --dir out,
# --size 64, ...), so both see the same drift of a shared machine; each run
# writes OUT/a-I/ or OUT/b-I/ (default /tmp/esprit-bench-ab.PID); then
# scripts/bench-compare.py compares the two sides case by case.
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
runs=4
out=/tmp/esprit-bench-ab.$$

while (($#)); do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) break ;;
	esac
done
if (($# < 2)); then
	sed -n '2,13p' "$0" >&2
	exit 2
fi
a=$1 b=$2
shift 2

mkdir -p "$out"
for ((i = 1; i <= runs; i++)); do
	for side in a b; do
		build=$a
		[[ $side == b ]] && build=$b
		echo "== run $i of $runs, $side: $build" >&2
		"$src/scripts/bench.sh" --build "$build" --out "$out/$side-$i" "$@" >/dev/null
	done
done
# in run order (a glob would put a-10 before a-2)
files=()
for side in a b; do
	for ((i = 1; i <= runs; i++)); do
		files+=("$out/$side-$i"/bench-*.json)
	done
	[[ $side == a ]] && files+=(--)
done
"$src/scripts/bench-compare.py" "${files[@]}"

#!/usr/bin/env bash
# bench-ab.sh - measure two builds alternately and say whether B is faster.
#
#   scripts/bench-ab.sh [--runs N] [--out DIR] [--layouts "P..."] A_BUILD B_BUILD [bench.sh options]
#
# A_BUILD and B_BUILD are build directories (release builds of two commits,
# e.g. `git worktree add ../base main && meson setup ../base/build-bench
# ../base -Dbuildtype=release`). Runs scripts/bench.sh on A, B, A, B, ...,
# N times each (default 4) with the same options (--huge, --dir out,
# --size 64, ...), so both see the same drift of a shared machine; each run
# writes OUT/a-I/ or OUT/b-I/ (default /tmp/esprit-bench-ab.PID); then
# scripts/bench-compare.py compares the two sides case by case.
#
# --layouts "0 1344 2560 3712": each run measures both builds once per
# code layout, relinked with that many octets of padding in front of the
# dataplane (meson option layout_pad; restored after), so that a change is
# not judged by where it happened to leave the hot code (docs/benchmark-rounds.md,
# "Fifteenth round": up to 0.024 of the limit on one machine).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
runs=4
out=/tmp/esprit-bench-ab.$$
layouts=

while (($#)); do
	case $1 in
	--runs) runs=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--layouts) layouts=$2; shift 2 ;;
	*) break ;;
	esac
done
if (($# < 2)); then
	sed -n '2,19p' "$0" >&2
	exit 2
fi
a=$1 b=$2
shift 2

pad_of() {
	meson introspect --buildoptions "$1" | python3 -c '
import json, sys
pads = [o["value"] for o in json.load(sys.stdin) if o["name"] == "layout_pad"]
if not pads:
    sys.exit("bench-ab.sh: " + sys.argv[1] + " has no layout_pad option (its tree is older)")
print(pads[0])' "$1"
}
if [[ -n $layouts ]]; then
	pad_a=$(pad_of "$a") pad_b=$(pad_of "$b")
	trap 'meson configure "$a" -Dlayout_pad="$pad_a" >/dev/null; meson configure "$b" -Dlayout_pad="$pad_b" >/dev/null' EXIT
fi

mkdir -p "$out"
files_a=() files_b=()
for ((i = 1; i <= runs; i++)); do
	for pad in ${layouts:-none}; do
		for side in a b; do
			build=$a
			[[ $side == b ]] && build=$b
			dir=$out/$side-$i
			if [[ $pad != none ]]; then
				meson configure "$build" -Dlayout_pad="$pad" >/dev/null
				dir=$out/$side-$i-pad$pad
			fi
			echo "== run $i of $runs, $side: $build${layouts:+, layout pad $pad}" >&2
			# each run in a directory of its own, so no earlier run's
			# pace (and builds from before --history take it too):
			# bench-compare.py leaves out the slowed runs of both sides
			"$src/scripts/bench.sh" --build "$build" --out "$dir" --no-history "$@" >/dev/null
			if [[ $side == a ]]; then files_a+=("$dir"/bench-*.json); else files_b+=("$dir"/bench-*.json); fi
		done
	done
done
"$src/scripts/bench-compare.py" "${files_a[@]}" -- "${files_b[@]}"

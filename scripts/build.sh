#!/usr/bin/env bash
# Configure (once) and build the two build trees:
#   build      debugoptimized, what the tests and the demo run
#   build-asan debug with AddressSanitizer + UBSan (unit suites, bad-input e2e)
# Extra arguments are passed to every `meson setup` (first run only).
set -euo pipefail
cd "$(dirname "$0")/.."

setup() {
	local dir=$1
	shift
	if [[ ! -f "$dir/build.ninja" ]]; then
		echo "build: meson setup $dir $*"
		meson setup "$dir" "$@"
	fi
}

setup build --buildtype=debugoptimized "$@"
setup build-asan --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false "$@"

for dir in build build-asan; do
	echo "build: ninja -C $dir"
	ninja -C "$dir"
done

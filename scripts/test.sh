#!/usr/bin/env bash
# THE test command (see README): dependencies, both builds, every unit suite
# (normal build, then ASan/UBSan), the end-to-end tests in network
# namespaces (normal build, then the bad-input test on build-asan's espritd).
# Ends with one line "N passed, M failed" counting test groups; exits non-zero
# on any failure.
#
#   scripts/test.sh [--unit-only | --e2e-only]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

unit=1 e2e=1
case ${1:-} in
--unit-only) e2e=0 ;;
--e2e-only) unit=0 ;;
"") ;;
*) echo "usage: $0 [--unit-only | --e2e-only]" >&2; exit 2 ;;
esac

passed=0 failed=0
summary=()
skipped=()
group() { # group NAME CMD...: run one test group, record its result
	local name=$1 start rc
	shift
	start=$(date +%s)
	echo
	echo "##### $name: $*"
	"$@"
	rc=$?
	if ((rc == 0)); then
		passed=$((passed + 1))
		summary+=("PASS  $name ($(($(date +%s) - start))s)")
	elif ((rc == 77)); then
		skipped+=("$name")
		summary+=("SKIP  $name (cannot run here, see its output)")
	else
		failed=$((failed + 1))
		summary+=("FAIL  $name ($(($(date +%s) - start))s, exit $rc)")
	fi
	return "$rc"
}
finish() {
	echo
	echo "##### summary"
	printf '  %s\n' "${summary[@]}"
	((${#skipped[@]} == 0)) || echo "(not counted: ${#skipped[@]} skipped: ${skipped[*]})"
	echo "$passed passed, $failed failed"
	((failed == 0))
	exit
}

# setup steps: not test groups, but a failure stops the run and counts as one
for step in deps build; do
	echo
	echo "##### $step: ./scripts/$step.sh"
	if ! "./scripts/$step.sh"; then
		failed=$((failed + 1))
		summary+=("FAIL  $step (nothing tested)")
		finish
	fi
done

if ((unit)); then
	# Every suite, including 'perf' (the dataplane regression check, see
	# dataplane/bench/meson.build); 'bench' is kept for hand-run benchmarks.
	group unit timeout 900 meson test -C build --print-errorlogs --no-suite bench
	group unit-asan timeout 900 meson test -C build-asan --print-errorlogs --suite unit
	# the profile-guided build still builds, trains and forwards
	group pgo-build timeout 900 ./scripts/build-pgo.sh --quick build-pgo
fi

if ((e2e)); then
	if [[ $EUID -ne 0 ]]; then
		echo "e2e tests need root (network namespaces)" >&2
		failed=$((failed + 1))
		summary+=("FAIL  e2e (not root)")
		finish
	fi
	for t in tests/e2e/t[0-9]*.sh; do
		name=$(basename "$t" .sh)
		group "e2e-$name" ./tests/e2e/run.sh "$name"
	done
	# build-asan's espritd: the bad-input test (the point of it), the
	# traffic matrix (every encrypt/decrypt path) and two workers' IKE
	# Child SAs (per-resource groups made, rekeyed and torn down)
	group "e2e-t30_badinput-asan" ./tests/e2e/run.sh --asan t30_badinput
	group "e2e-t10_traffic-asan" ./tests/e2e/run.sh --asan t10_traffic
	group "e2e-t75_per_resource-asan" ./tests/e2e/run.sh --asan t75_per_resource
fi
finish

#!/bin/sh
# Run every test suite and print one summary line: "N passed, N failed".
#
#   sh tests/run.sh [BUILD_DIR]      (make check calls this)
#
# Suites print TAP-style lines: "ok - what" or "not ok - what" (and may
# print anything else, e.g. "# detail"). A suite that exits non-zero without
# printing a "not ok" line counts as one failure, so a crash is never green.
# Suites, in order:
#   BUILD/tests/unit/*      unit-test binaries (compiler parts)
#   tests/golden/run.sh     compiled output and diagnostics vs expectations
#   tests/cli/*.sh          the command-line tools' behaviour (no root needed)
#   tests/runtime/*.sh      kernel-verified behaviour (needs root)
set -u
O=${1:-build}
[ -d "$O" ] || { echo "tests: no build directory '$O' (run make first)" >&2; exit 2; }
O=$(cd "$O" && pwd)
export CAPC_BUILD="$O"
export CAPC_SRC="$(cd "$(dirname "$0")/.." && pwd)"
cd "$CAPC_SRC" || exit 2

log=$(mktemp)
trap 'rm -f "$log"' EXIT
passed=0
failed=0

run_suite() {
	name=$1
	shift
	echo "# suite: $name"
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	cat "$out"
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - suite $name exited with status $rc"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	rm -f "$out"
}

for t in "$O"/tests/unit/*; do
	[ -x "$t" ] || continue
	run_suite "unit/$(basename "$t")" "$t"
done
[ -f tests/golden/run.sh ] && run_suite golden sh tests/golden/run.sh "$O"
for dir in cli runtime; do
	for t in tests/$dir/*.sh; do
		[ -f "$t" ] || continue
		run_suite "$dir/$(basename "$t" .sh)" sh "$t"
	done
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

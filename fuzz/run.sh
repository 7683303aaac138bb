#!/bin/sh
# fuzz/run.sh - run every libFuzzer target for a while (make fuzz).
#
#   sh fuzz/run.sh [BUILD_DIR [SECONDS [TARGET...]]]     default build/fuzz 60, all targets
#
# Builds the targets first (fuzz/fuzz.mk: clang, libFuzzer, ASan, UBSan)
# when BUILD_DIR is the default.
#
# Per target: a working corpus in fuzz/corpus-out/TARGET (not committed),
# seeded from the project's own inputs (read-only corpus directories, so
# nothing is written into the tree), plus fuzz/regressions/TARGET (crash
# reproducers that were committed; they must not crash any more once
# fixed). New crashes, leaks and timeouts land in
# fuzz/corpus-out/artifacts/ as TARGET-crash-*, -leak-*, -timeout-*: copy a
# reproducer into fuzz/regressions/TARGET/ with a name that says what it
# shows. Prints one summary line per target and exits 1 if any found
# something.
set -u
O=${1:-build/fuzz}
SECONDS_EACH=${2:-60}
[ $# -gt 2 ] && shift 2 || set --
cd "$(dirname "$0")/.." || exit 2
SRC=$(pwd)
export CAPC_SRC="$SRC"
F=$O/fuzz
OUT=fuzz/corpus-out

if ! command -v clang >/dev/null 2>&1; then
	echo "fuzz: needs clang with libFuzzer (Debian: apt-get install clang)" >&2
	exit 2
fi
if [ "$O" = build/fuzz ]; then
	${MAKE:-make} -s -f fuzz/fuzz.mk fuzz-progs || exit 2
fi
SHARED=../shared/data
[ -d "$SHARED" ] || SHARED=../../shared/data # a git worktree one level deeper
mkdir -p "$OUT/artifacts" "$OUT/seeds-blob" "$OUT/seeds-policy" "$OUT/seeds-yaml"

# Seeds that need assembling: blobs from the golden expectations (the
# directory also holds text files), and the large policy from the Docker
# profile when the benchmark has built docker2cap.
cp tests/golden/expected/*.capbin "$OUT/seeds-blob/" 2>/dev/null
if [ -x build/bench/docker2cap ] && [ -f "$SHARED/docker-default-seccomp.json" ]; then
	build/bench/docker2cap "$SHARED/docker-default-seccomp.json" >"$OUT/seeds-policy/docker.cap" 2>/dev/null
fi
for f in policies/examples/*.yaml policies/examples/*.json tests/golden/features/*.yaml \
	tests/golden/features/*.json "$SHARED"/*.json; do
	[ -f "$f" ] && cp "$f" "$OUT/seeds-yaml/"
done

seeds() {
	case $1 in
	policy) echo "policies/examples tests/golden/features tests/golden/errors $OUT/seeds-policy" ;;
	blob) echo "$OUT/seeds-blob" ;;
	bpf) echo "fuzz/seeds/bpf" ;;
	yaml) echo "$OUT/seeds-yaml" ;;
	esac
}

targets=${*:-}
if [ -z "$targets" ]; then
	for t in "$F"/fuzz_*; do
		[ -x "$t" ] && targets="$targets ${t##*/fuzz_}"
	done
fi
status=0
for t in $targets; do
	mkdir -p "$OUT/$t" "fuzz/regressions/$t"
	dict=""
	[ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
	log="$OUT/$t.log"
	before=$(ls "$OUT/artifacts" | grep -c "^$t-")
	echo "fuzz: $t for ${SECONDS_EACH}s (log: $log)"
	# shellcheck disable=SC2046
	"$F/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
		-print_final_stats=1 $dict -artifact_prefix="$OUT/artifacts/$t-" \
		"$OUT/$t" fuzz/regressions/$t $(seeds "$t") >"$log" 2>&1
	rc=$?
	after=$(ls "$OUT/artifacts" | grep -c "^$t-")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
	ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1)
	corp=$(ls "$OUT/$t" | wc -l)
	echo "fuzz: $t: ${execs:-?} execs, ${cov:-cov: ?}, ${ft:-ft: ?}, corpus $corp files, exit $rc, new artifacts $((after - before))"
	if [ "$rc" -ne 0 ] || [ "$after" -ne "$before" ]; then
		status=1
		grep -E '^==[0-9]+==ERROR|^SUMMARY|fuzz oracle failed|runtime error' "$log" | head -5 | sed 's/^/fuzz:   /'
	fi
done
exit $status

#!/bin/sh
# tests/cli/fuzz-replay.sh - the fuzz targets' entry points over the seed
# corpus and every reproducer in fuzz/regressions/, without libFuzzer.
#
# Builds fuzz/replay.c with each target (fuzz/fuzz_TARGET.c) against the
# objects of $CAPC_BUILD (with the sanitizers when that build has them,
# as for make check SANITIZE=1), then replays:
#   policy  policies/examples, tests/golden/features, tests/golden/errors,
#           fuzz/regressions/policy
#   blob    tests/golden/expected/*.capbin, fuzz/regressions/blob
#   bpf     fuzz/seeds/bpf, fuzz/regressions/bpf (each input loaded by the
#           kernel in a child: libcapr's BPF check must agree with it)
#   yaml    policies/examples/*.yaml, tests/golden/features/*.yaml|*.json,
#           ../shared/data/*.json (the Docker profile), fuzz/regressions/yaml
# Each input runs in its own process and prints ok / not ok: a crash, a
# sanitizer report or a failed oracle (fuzz/fuzz.h) fails it.
#
# fuzz/regressions/KNOWN lists reproducers of bugs reported but not fixed
# yet ("TARGET/FILE  description"). They are replayed too and reported as
# "ok - ... # TODO open: ..." while they still fail, so a known bug does
# not turn every run red; when one passes the suite says so (remove it
# from KNOWN, and from then on it guards the fix).
. "$(dirname "$0")/../lib.sh"
t_tmpdir
cd "$CAPC_SRC" || exit 2
export CAPC_SRC

CC=${CC:-cc}
objs=""
for o in "$CAPC_BUILD"/compiler/*.o; do
	case $o in */main.o) ;; *) objs="$objs $o" ;; esac
done
objs="$objs $CAPC_BUILD/gen/parser.o $CAPC_BUILD/gen/lexer.o $CAPC_BUILD/gen/tables_data.o $CAPC_BUILD/libcapr.a"
for o in $objs; do
	if [ ! -f "$o" ]; then
		fail "fuzz-replay: $o missing (run make first)"
		exit 1
	fi
done
san=""
if nm "$CAPC_BUILD/compiler/diag.o" 2>/dev/null | grep -q __asan; then
	san="-fsanitize=address,undefined -fno-sanitize-recover=all"
fi

targets="policy blob bpf yaml"

for t in $targets; do
	# shellcheck disable=SC2086
	if ! $CC -std=gnu11 -D_GNU_SOURCE -O1 -g -Wall -Wextra -Werror $san -Iinclude -iquote compiler \
		-iquote runtime -iquote fuzz -I"$CAPC_BUILD/gen" -DFUZZ_TARGET="\"$t\"" -o "$T_TMP/replay_$t" \
		"fuzz/fuzz_$t.c" fuzz/fuzz_common.c fuzz/replay.c $objs -lseccomp -lcap -lyaml -lpthread \
		-Wl,--wrap=fopen 2>"$T_TMP/cc.log"; then
		fail "fuzz-replay: build the $t replay driver"
		sed 's/^/#   /' "$T_TMP/cc.log"
		continue
	fi
	pass "fuzz-replay: build the $t replay driver"

	set --
	case $t in
	policy) set -- policies/examples tests/golden/features tests/golden/errors ;;
	blob) set -- tests/golden/expected/*.capbin ;;
	bpf) set -- fuzz/seeds/bpf ;;
	yaml)
		data=${CAPC_SHARED_DATA:-$CAPC_SRC/../shared/data}
		for f in policies/examples/*.yaml policies/examples/*.json tests/golden/features/*.yaml \
			tests/golden/features/*.json "$data"/*.json; do
			[ -f "$f" ] && set -- "$@" "$f"
		done
		;;
	esac
	[ -d "fuzz/regressions/$t" ] && set -- "$@" "fuzz/regressions/$t"

	"$T_TMP/replay_$t" "$@" 2>"$T_TMP/replay.log" | while IFS= read -r line; do
		file=${line#* - $t: }
		file=${file% (*}
		rel=${file#fuzz/regressions/}
		known=""
		[ "$rel" != "$file" ] && [ -f fuzz/regressions/KNOWN ] &&
			known=$(awk -v f="$rel" '$1 == f { $1 = ""; sub(/^ +/, ""); print; exit }' fuzz/regressions/KNOWN |
				cut -c1-100)
		case $line in
		"not ok"*)
			if [ -n "$known" ]; then
				echo "ok - ${line#not ok - } # TODO open: $known"
			else
				echo "$line"
			fi
			;;
		*)
			if [ -n "$known" ]; then
				echo "$line (listed in fuzz/regressions/KNOWN but passes now: remove it from KNOWN)"
			else
				echo "$line"
			fi
			;;
		esac
	done
	grep -v '^replay ' "$T_TMP/replay.log" | tail -n 20 | sed 's/^/#   /'
done
exit 0

#!/bin/sh
# Golden tests: compiled output and diagnostics must not change by accident.
#
#   sh tests/golden/run.sh BUILD_DIR            compare (CI)
#   sh tests/golden/run.sh BUILD_DIR --update   rewrite the expectations
#
# For every policy in policies/examples/ and tests/golden/features/:
#   expected/NAME.dump    the `capc --dump` text of the compiled blob
#   expected/NAME.capbin  the blob's bytes
# and the blob must be the same bytes when compiled twice.
# For every policy in tests/golden/errors/:
#   expected/NAME.err     capc's diagnostics; exit status 1; no output file left.
# A line "# capc-options: OPTIONS" in a policy adds OPTIONS to its compiles.
# Run from the source tree root (paths in diagnostics are relative to it).
set -u
O=${1:?usage: run.sh BUILD_DIR [--update]}
UPDATE=${2:-}
CAPC="$O/capc"
# Expectations must not depend on this machine's users and groups
# (docs/pam.md tells users to create 'tak'): no host lookups.
capc_() { "$CAPC" --no-host-lookup "$@"; }
cd "${CAPC_SRC:-$(dirname "$0")/../..}" || exit 2
EXP=tests/golden/expected
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

ok() { echo "ok - $*"; }
notok() { echo "not ok - $*"; fails=$((fails + 1)); }

compare() { # what expected actual
	if [ -n "$UPDATE" ]; then
		cp "$3" "$2"
		ok "$1 (updated)"
	elif [ ! -f "$2" ]; then
		notok "$1: no expectation $2 (run make golden-update and review the diff)"
	elif cmp -s "$2" "$3"; then
		ok "$1"
	else
		notok "$1"
		diff -u "$2" "$3" | head -40 | sed 's/^/#   /'
	fi
}

for f in policies/examples/*.cap tests/golden/features/*.cap; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .cap)
	opts=$(sed -n 's/^# capc-options: //p' "$f")
	# shellcheck disable=SC2086 # options are words
	if ! capc_ $opts "$f" -o "$tmp/$name.capbin" 2>"$tmp/$name.log"; then
		notok "golden/$name: capc failed"
		sed 's/^/#   /' "$tmp/$name.log"
		continue
	fi
	# shellcheck disable=SC2086
	capc_ $opts "$f" -o "$tmp/$name.again.capbin" 2>/dev/null
	if cmp -s "$tmp/$name.capbin" "$tmp/$name.again.capbin"; then
		ok "golden/$name: same policy, same bytes"
	else
		notok "golden/$name: two compilations differ"
	fi
	capc_ --dump "$tmp/$name.capbin" >"$tmp/$name.dump" 2>&1
	compare "golden/$name: dump" "$EXP/$name.dump" "$tmp/$name.dump"
	compare "golden/$name: blob bytes" "$EXP/$name.capbin" "$tmp/$name.capbin"
	# Warnings are part of the contract too.
	compare "golden/$name: diagnostics" "$EXP/$name.diag" "$tmp/$name.log"
done

for f in tests/golden/errors/*.cap; do
	[ -f "$f" ] || continue
	name=$(basename "$f" .cap)
	out="$tmp/$name.capbin"
	# shellcheck disable=SC2046 # options are words
	capc_ $(sed -n 's/^# capc-options: //p' "$f") "$f" -o "$out" >"$tmp/$name.stdout" 2>"$tmp/$name.err"
	rc=$?
	if [ "$rc" -eq 1 ]; then
		ok "errors/$name: exit status 1"
	else
		notok "errors/$name: exit status $rc, expected 1"
	fi
	if [ -e "$out" ] || ls "$tmp" | grep -q "^$name.capbin.tmp"; then
		notok "errors/$name: an output file was left behind"
	else
		ok "errors/$name: no output file"
	fi
	compare "errors/$name: diagnostics" "$EXP/$name.err" "$tmp/$name.err"
done

[ "$fails" -eq 0 ]

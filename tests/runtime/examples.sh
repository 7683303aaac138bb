#!/bin/sh
# Every example policy, compiled by capc and run under capload: what the
# kernel reports in /proc/self/status must be what `capc --dump` says the
# program sees, and the behaviour must follow (bind :80, raw socket,
# chown, a denied syscall's errno).
#
# The dump's expectations assume capload starts as root with every
# capability; this machine's starting bounding set may lack some (it is
# the upper bound of everything), so each expected set is masked with it.
. "$CAPC_SRC/tests/lib.sh"
. "$CAPC_SRC/tests/runtime/helpers.inc"

EX="$CAPC_SRC/policies/examples"
cp "$CAPC_BUILD/capc" "$T_TMP/"
[ -f "$CAPC_BUILD/capr_preload.so" ] && cp "$CAPC_BUILD/capr_preload.so" "$T_TMP/"

# exec_expect BLOB KEY: the value `capc --dump` gives for KEY in the block
# "the program sees after exec" (empty when the policy has no exec stage).
exec_expect() {
	"$T_TMP/capc" --dump "$1" | awk -v key="$2:" '
		/the program sees after exec/ { inblock = 1; next }
		inblock && /^stage / { exit }
		inblock && $1 == key { print $2; exit }'
}

# compare NAME BLOB PROBE_OUTPUT: every status line against the dump.
compare() {
	name=$1 blob=$2 out=$3
	for k in CapInh CapPrm CapEff CapBnd CapAmb; do
		want=$(exec_expect "$blob" "$k")
		if [ -z "$want" ]; then
			# No exec stage: the program keeps what capload had.
			want=$(val "$k" "$START")
		else
			want=$(hex64 "0x$want & 0x$START_BND")
		fi
		check_eq "$name: $k matches the dump" "$want" "$(val "$k" "$out")"
	done
	for k in NoNewPrivs Seccomp; do
		want=$(exec_expect "$blob" "$k")
		[ -n "$want" ] || want=$(val "$k" "$START")
		check_eq "$name: $k matches the dump" "$want" "$(val "$k" "$out")"
	done
}

for f in "$EX"/*.cap; do
	name=$(basename "$f" .cap)
	if ! "$T_TMP/capc" "$f" -o "$T_TMP/$name.capbin" 2>"$T_TMP/$name.log"; then
		fail "examples/$name: compiles"
		sed 's/^/#   /' "$T_TMP/$name.log"
		continue
	fi
	out=$(priv "$CL" "$T_TMP/$name.capbin" -- "$PR" status bind80 raw chown "$T_TMP/owned.$name" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		fail "examples/$name: runs under capload (status $rc)"
		echo "$out" | sed 's/^/#   /'
		continue
	fi
	pass "examples/$name: runs under capload"
	compare "examples/$name" "$T_TMP/$name.capbin" "$out"
	eval "out_$name=\$out"
done 2>/dev/null

# Behaviour, per example (what each policy promises).
touch "$T_TMP/owned.web" "$T_TMP/owned.ping" "$T_TMP/owned.webd" "$T_TMP/owned.files"

out=$(priv "$CL" "$T_TMP/web.capbin" -- "$PR" status bind80 raw chown "$T_TMP/owned.web")
check_eq "web: runs as nobody" "65534" "$(val Uid "$out" | awk '{print $1}')"
check_eq "web: nobody binds port 80 (net_bind_service via ambient)" "ok" "$(val bind80 "$out")"
check_eq "web: no raw socket" "EPERM" "$(val raw "$out")"
check_eq "web: no chown" "EPERM" "$(val chown "$out")"

out=$(priv "$CL" "$T_TMP/ping.capbin" -- "$PR" status bind80 raw chown "$T_TMP/owned.ping")
check_eq "ping: raw socket works" "ok" "$(val raw "$out")"
check_eq "ping: port 80 refused (net_bind_service not kept)" "EACCES" "$(val bind80 "$out")"
check_eq "ping: no chown, even as root" "EPERM" "$(val chown "$out")"
if priv "$CL" "$T_TMP/ping.capbin" -- ping -c 1 -W 2 127.0.0.1 >/dev/null 2>&1; then
	pass "ping: the real ping works under its policy"
else
	fail "ping: the real ping works under its policy"
fi

if [ -n "$(exec_expect "$T_TMP/webd.capbin" CapPrm)" ]; then
	out=$(priv "$CL" "$T_TMP/webd.capbin" -- "$PR" status bind80 raw)
	check_eq "webd (before listen): binds port 80" "ok" "$(val bind80 "$out")"
	check_eq "webd (before listen): no raw socket (outside its bounding set)" "EPERM" "$(val raw "$out")"
fi

rm -rf "$T_TMP/newdir"
err=$(priv "$CL" "$T_TMP/files.capbin" -- mkdir "$T_TMP/newdir" 2>&1)
rc=$?
check "files: mkdir fails" [ "$rc" -ne 0 ]
check_contains "files: with EACCES (Permission denied)" "Permission denied" "$err"
check "files: no directory was made" [ ! -d "$T_TMP/newdir" ]
out=$(priv "$CL" "$T_TMP/files.capbin" -- "$PR" status getppid)
check_eq "files: other syscalls are allowed" "ok" "$(val getppid "$out")"
check_eq "files: one filter installed" "1" "$(val Seccomp_filters "$out")"

[ "$T_FAILS" -eq 0 ]

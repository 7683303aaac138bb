#!/bin/sh
# Every example policy, compiled by capc and run under capload: what the
# kernel reports in /proc/self/status must be what `capc --dump` says the
# program sees, and the behaviour must follow (bind :80, raw socket,
# chown, a denied syscall's errno).
#
. "$CAPC_SRC/tests/lib.sh"
. "$CAPC_SRC/tests/runtime/helpers.inc"
. "$CAPC_SRC/tests/runtime/dumpcheck.inc"

EX="$CAPC_SRC/policies/examples"
[ -f "$CAPC_BUILD/capr_preload.so" ] && cp "$CAPC_BUILD/capr_preload.so" "$T_TMP/"

for f in "$EX"/*.cap; do
	name=$(basename "$f" .cap)
	if ! "$CAPC" "$f" -o "$T_TMP/$name.capbin" 2>"$T_TMP/$name.log"; then
		fail "examples/$name: compiles"
		sed 's/^/#   /' "$T_TMP/$name.log"
		continue
	fi
	# A session policy is pam_capc's (tests/runtime/pam.sh runs the
	# example's rules through libpam); capload must refuse it.
	if "$CAPC" --dump "$T_TMP/$name.capbin" | grep -q '^session '; then
		out=$("$CL" "$T_TMP/$name.capbin" -- "$PR" status 2>&1)
		check_contains "examples/$name: a session policy, refused by capload" \
			"is a session policy: pam_capc applies it, not capload" "$out"
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
	compare_dump "examples/$name" "$T_TMP/$name.capbin" "$out"
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

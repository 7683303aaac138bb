#!/bin/sh
# capc --emit systemd: the exec stage as a unit drop-in, accepted by
# systemd-analyze verify; what systemd cannot say is a comment and a
# warning, never dropped.
. "$CAPC_SRC/tests/lib.sh"
t_tmpdir
EX="$CAPC_SRC/policies/examples"
cd "$T_TMP" || exit 1

out=$("$CAPC" --emit systemd "$EX/web.cap" 2>err)
check_eq "web: exit 0" 0 $?
check_contains "web: systemd gives the user its own groups: said" \
	"# not expressible in systemd: no supplementary groups at all: systemd gives the user its own (initgroups)" "$out"
check_contains "web: the user" "User=nobody" "$out"
check_contains "web: the bounding set" "CapabilityBoundingSet=CAP_NET_BIND_SERVICE" "$out"
check_contains "web: the ambient set" "AmbientCapabilities=CAP_NET_BIND_SERVICE" "$out"
check_contains "web: no_new_privs" "NoNewPrivileges=yes" "$out"
out=$("$CAPC" --emit systemd "$EX/webd.cap" 2>err)
check_contains "webd: the later point is a comment" "# not expressible in systemd: point 'listen'" "$out"
check_contains "webd: and a warning" "capc: warning: 1 part of the policy cannot be expressed in systemd" "$(cat err)"
out=$("$CAPC" --emit systemd "$CAPC_SRC/tests/golden/features/conditions.cap" 2>/dev/null)
check_contains "conditions: an allowlist of the unconditional calls" "SystemCallFilter=brk exit exit_group mmap munmap read rt_sigreturn write" "$out"
check_contains "conditions: the default errno" "SystemCallErrorNumber=EPERM" "$out"
check_contains "conditions: a conditional rule is named, and the stricter reading taken" \
	"# not expressible in systemd: the conditions on 'socket': it is denied whatever its arguments" "$out"
check_contains "conditions: the architectures" "SystemCallArchitectures=x86-64" "$out"
printf 'service d {\n no_new_privs\n seccomp { default allow  deny ptrace errno EACCES  kill kexec_load }\n}\n' >d.cap
out=$("$CAPC" --emit systemd d.cap 2>/dev/null)
check_contains "default allow: a denylist with per-call errnos" "SystemCallFilter=~ptrace:EACCES" "$out"
check_contains "default allow: a kill" "SystemCallFilter=~kexec_load" "$out"
"$CAPC" --emit systemd "$EX/login.cap" >out 2>&1
check_eq "a session policy: exit 1" 1 $?
check_contains "a session policy: why" "pam_capc applies it, not systemd" "$(cat out)"

# Every example and golden service, through systemd-analyze verify.
if command -v systemd-analyze >/dev/null 2>&1; then
	bad=""
	n=0
	for f in "$EX"/*.cap "$CAPC_SRC"/tests/golden/features/*.cap; do
		name=$(basename "$f" .cap)
		"$CAPC" --emit systemd "$f" -o "$name.conf" 2>/dev/null || continue
		{ printf '[Unit]\nDescription=capc test\n'; cat "$name.conf"; printf 'ExecStart=/bin/true\n'; } >"$name.service"
		v=$(systemd-analyze verify "$PWD/$name.service" 2>&1 | grep -v 'Special user nobody configured')
		[ -n "$v" ] && bad="$bad
$name: $v"
		n=$((n + 1))
	done
	check_eq "systemd-analyze verify accepts all $n drop-ins without a complaint" "" "$bad"
else
	fail "systemd-analyze is missing (Debian's systemd package; tools/install-deps.sh installs it)"
fi
[ "$T_FAILS" -eq 0 ]

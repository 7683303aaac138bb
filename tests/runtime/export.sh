#!/bin/sh
# capc --emit bpf: one stage's raw filter, loaded as it is by another tool
# (bwrap --seccomp FD), and the kernel enforcing it there.
. "${CAPC_SRC:-.}/tests/lib.sh"
. "${CAPC_SRC:-.}/tests/runtime/helpers.inc"

printf 'service m {\n no_new_privs\n seccomp { default allow  deny mkdir, mkdirat errno EACCES }\n}\n' >m.cap
"$CAPC" --emit bpf m.cap -o m.bpf 2>err
check_eq "--emit bpf: exit 0" 0 $?
n=$("$CAPC" --dump m.cap 2>/dev/null | sed -n 's/.*filter for x86_64: \([0-9]*\) instructions.*/\1/p')
check_eq "--emit bpf: 8 bytes an instruction (the dump's count)" "$((n * 8))" "$(wc -c <m.bpf | tr -d ' ')"
"$CAPC" m.cap -o m.capbin 2>/dev/null
"$CAPC" --emit bpf m.capbin >m2.bpf 2>/dev/null
check "--emit bpf: the blob's filter is the same bytes" cmp -s m.bpf m2.bpf
if command -v bwrap >/dev/null 2>&1; then
	out=$(bwrap --dev-bind / / --seccomp 9 -- /bin/mkdir "$T_TMP/bw-denied" 9<m.bpf 2>&1)
	check_eq "bwrap --seccomp with capc's filter: mkdir refused" 1 $?
	check_contains "bwrap: with the policy's errno" "Permission denied" "$out"
	check "bwrap: nothing was made" [ ! -e "$T_TMP/bw-denied" ]
	out=$(bwrap --dev-bind / / --seccomp 9 -- /bin/cat m.cap 9<m.bpf 2>&1)
	check_contains "bwrap: what the filter allows still runs" "service m" "$out"
	mkdir "$T_TMP/bw-allowed" && check "without the filter mkdir works (the test itself)" [ -d "$T_TMP/bw-allowed" ]
else
	fail "bubblewrap is missing (tools/install-deps.sh installs it)"
fi

# Choosing the stage and the arch; mistakes are clear.
"$CAPC" --emit bpf --point listen "$CAPC_SRC/policies/examples/webd.cap" -o w.bpf 2>/dev/null
check_eq "--point listen: webd's filter" "$(( $("$CAPC" --dump "$CAPC_SRC/policies/examples/webd.cap" 2>/dev/null |
	sed -n 's/.*filter for x86_64: \([0-9]*\) instructions.*/\1/p' | head -n 1) * 8 ))" "$(wc -c <w.bpf | tr -d ' ')"
out=$("$CAPC" --emit bpf --point nosuch m.cap 2>&1)
check_eq "--point of no such point: exit 1" 1 $?
check_contains "--point: named" "the policy has no point 'nosuch'" "$out"
out=$("$CAPC" --emit bpf --arch aarch64 m.cap 2>&1)
check_contains "--arch that is not a target: named" "'aarch64' is not a target" "$out"
printf 'service a64 { arch aarch64  no_new_privs  seccomp { default allow  deny mkdir } }\n' >a.cap
"$CAPC" --emit bpf --arch aarch64 a.cap -o a.bpf 2>/dev/null
check "--arch aarch64: a foreign filter can be written" [ -s a.bpf ]
out=$("$CAPC" --emit toml m.cap 2>&1)
check_eq "an unknown format: exit 2" 2 $?
exit 0

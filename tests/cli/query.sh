#!/bin/sh
# capc query: the action the compiled filters take for one call, and the
# rule that decides it; the same answer from the policy and from its blob.
. "$CAPC_SRC/tests/lib.sh"
t_tmpdir
EX="$CAPC_SRC/policies/examples"
cd "$T_TMP" || exit 1
W="$EX/webd.cap"

out=$("$CAPC" query "$W" 'socket(AF_PACKET, SOCK_RAW, 0)' --point listen 2>&1)
check_eq "query: exit 0" 0 $?
check_contains "AF_PACKET after listen: the default decides" \
	"after point 'listen': ERRNO(1) EPERM" "$out"
check_contains "AF_PACKET: the default's line" "webd.cap:13:13 (its default)" "$out"
out=$("$CAPC" query "$W" 'socket(AF_INET6, SOCK_STREAM)' --point listen 2>&1)
check_contains "AF_INET6: allowed by the socket rule" "ALLOW" "$out"
check_contains "AF_INET6: that rule's line" "webd.cap:17:19 (the last rule that matches)" "$out"
out=$("$CAPC" query "$W" 'socket(AF_INET | 0x100000000)' --point listen 2>&1)
check_contains "an int argument's high word means nothing to the filter either" ": ALLOW" "$out"
check_contains "ptrace: the deny rule" "ERRNO(13) EACCES" "$("$CAPC" query "$W" ptrace --point listen 2>&1)"
check_contains "kexec_load: killed" "KILL_PROCESS" "$("$CAPC" query "$W" kexec_load --point listen 2>&1)"
check_contains "before any filter: allowed, and said so" "no filter is in force" "$("$CAPC" query "$W" ptrace 2>&1)"

# The blob gives the same actions (this machine's arch; no rules).
"$CAPC" "$W" -o webd.capbin 2>/dev/null
same=0
total=0
for call in read ptrace mount kexec_load 'socket(AF_INET)' 'socket(AF_PACKET)' 'socket(AF_UNIX)' 'socket(AF_NETLINK)' \
	reboot 'openat(AT_FDCWD, 0, O_RDONLY)' setuid; do
	a=$("$CAPC" query "$W" "$call" --point listen 2>&1 | head -n 1 | sed 's/.*: //')
	b=$("$CAPC" query webd.capbin "$call" --point listen 2>&1 | head -n 1 | sed 's/.*: //')
	total=$((total + 1))
	[ -n "$a" ] && [ "$a" = "$b" ] && same=$((same + 1))
done
check_eq "policy and blob agree on $total calls" "$total" "$same"
check_contains "a blob names no rules" "a blob names no rules" "$("$CAPC" query webd.capbin ptrace --point listen 2>&1)"

# A compat ABI of the target: its own numbers, the same rules.
printf 'service q { arch x86_64, x86  no_new_privs  seccomp { default errno EPERM  allow getppid  deny ptrace errno EACCES } }\n' >q.cap
check_contains "--arch x86: i386's number for getppid, allowed" "getppid() on x86 (nr 64) after point 'exec': ALLOW" \
	"$("$CAPC" query q.cap getppid --arch x86 2>&1)"
check_contains "--arch x86: ptrace denied there too" "ptrace() on x86 (nr 26) after point 'exec': ERRNO(13) EACCES" \
	"$("$CAPC" query q.cap ptrace --arch x86 2>&1)"

# Mistakes: usage 2, a bad question about the policy 1.
"$CAPC" query "$W" 'socket(BOGUS)' >out 2>&1
check_eq "an unknown constant: exit 2" 2 $?
check_contains "an unknown constant: named" "'BOGUS' is neither a number nor a known constant" "$(cat out)"
"$CAPC" query "$W" 'sokcet(1)' >out 2>&1
check_eq "an unknown syscall: exit 1" 1 $?
check_contains "an unknown syscall: did you mean" "did you mean 'socket'?" "$(cat out)"
"$CAPC" query "$W" read --point nosuch >out 2>&1
check_eq "an unknown point: exit 1" 1 $?
"$CAPC" query "$W" read --arch aarch64 >out 2>&1
check_contains "an arch that is not a target" "'aarch64' is not a target of this policy" "$(cat out)"
"$CAPC" query "$W" >out 2>&1
check_eq "no call: exit 2 and the usage" "2 usage: capc query" "$? $(head -c 17 out)"
check_eq "the policy's own notes stay quiet" "" "$("$CAPC" query "$W" read 2>&1 >/dev/null)"
[ "$T_FAILS" -eq 0 ]

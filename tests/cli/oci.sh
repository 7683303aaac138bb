#!/bin/sh
# capc --emit oci: the exec stage as an OCI runtime-spec fragment. Its
# linux.seccomp, read back by capc's own Docker/OCI profile reader, makes
# the same decisions as the policy (capc query on both).
. "$CAPC_SRC/tests/lib.sh"
t_tmpdir
EX="$CAPC_SRC/policies/examples"
F="$CAPC_SRC/tests/golden/features"
cd "$T_TMP" || exit 1
command -v jq >/dev/null 2>&1 || { fail "jq is missing (tools/install-deps.sh installs it)"; exit 1; }

"$CAPC" --emit oci "$EX/web.cap" >web.json 2>err
check_eq "web: exit 0, valid JSON" "0 ok" "$? $(jq -e . web.json >/dev/null && echo ok)"
check_eq "web: the five sets after exec" \
	'["CAP_NET_BIND_SERVICE"] ["CAP_NET_BIND_SERVICE"] ["CAP_NET_BIND_SERVICE"] ["CAP_NET_BIND_SERVICE"] ["CAP_NET_BIND_SERVICE"]' \
	"$(jq -c '.process.capabilities | .bounding, .effective, .inheritable, .permitted, .ambient' web.json | tr '\n' ' ' | sed 's/ $//')"
check_eq "web: noNewPrivileges" true "$(jq .process.noNewPrivileges web.json)"
check_contains "web: a user by name is not expressible: said" "user 'nobody'" "$(jq -r '.annotations["org.capc.not-expressible"]' web.json)"
check_contains "web: and warned" "cannot be expressed in OCI" "$(cat err)"
"$CAPC" --emit oci "$EX/webd.cap" >webd.json 2>/dev/null
check_contains "webd: the later point is listed" "point 'listen'" "$(jq -r '.annotations["org.capc.not-expressible"]' webd.json)"
"$CAPC" --emit oci "$EX/login.cap" >out 2>&1
check_eq "a session policy: exit 1" 1 $?

# Round trip through the profile reader: the same action on every call.
"$CAPC" --emit oci "$F/conditions.cap" 2>/dev/null | jq '.linux.seccomp' >prof.json
check_eq "conditions: the seccomp part has the default and its errno" '"SCMP_ACT_ERRNO" 1' \
	"$(jq -c '.defaultAction, .defaultErrnoRet' prof.json | tr '\n' ' ' | sed 's/ $//')"
if "$CAPC" prof.json -o prof.capbin 2>err; then
	same=0
	total=0
	diff=""
	for c in 'socket(AF_INET, SOCK_STREAM)' 'socket(AF_INET, SOCK_RAW)' 'socket(AF_INET6, SOCK_DGRAM)' \
		'socket(AF_PACKET)' 'socket(AF_UNIX | 0x100000000)' 'ioctl(0, TIOCSTI)' 'ioctl(0, TIOCLINUX)' \
		'ioctl(0, TCGETS)' 'openat(0, 0, O_CREAT, 0644)' 'openat(0, 0, O_CREAT, 0645)' 'openat(0, 0, 0, 0777)' \
		'unshare(CLONE_NEWUSER)' 'unshare(CLONE_NEWNS)' 'clone(CLONE_NEWUSER)' 'clone(0)' 'dup2(2)' 'dup2(3)' \
		'dup2(10)' 'dup2(11)' 'personality(5)' 'personality(0)' 'personality(0xffffffff)' \
		'getppid(0x100000001)' 'getppid(1)' mount read write; do
		a=$("$CAPC" query "$F/conditions.cap" "$c" 2>&1 | head -n 1 | sed 's/.*: //')
		b=$("$CAPC" query prof.json "$c" 2>&1 | head -n 1 | sed 's/.*: //')
		total=$((total + 1))
		if [ -n "$a" ] && [ "$a" = "$b" ]; then
			same=$((same + 1))
		else
			diff="$diff $c: $a / $b;"
		fi
	done
	check_eq "the OCI seccomp part decides like the policy on all $total calls" "$total" "$same"
	[ -n "$diff" ] && printf '#   %s\n' "$diff"
else
	fail "the OCI seccomp part compiles as a profile"
	sed 's/^/#   /' err
fi
[ "$T_FAILS" -eq 0 ]

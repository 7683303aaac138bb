#!/bin/sh
# capc explain: each stage in words, with an exposure score and the
# findings behind it; stricter policies score lower.
. "$CAPC_SRC/tests/lib.sh"
t_tmpdir
EX="$CAPC_SRC/policies/examples"
cd "$T_TMP" || exit 1

score() { # the exposure of the stage whose header matches $2 in output $1
	printf '%s\n' "$1" | sed -n "/$2/,/exposure/p" | sed -n 's/^  exposure *\([0-9.]*\).*/\1/p' | head -n 1
}
out=$("$CAPC" explain "$EX/webd.cap" 2>&1)
check_eq "explain: exit 0" 0 $?
check_contains "webd at exec: root, with its five capabilities" "can use          chown, setgid, setuid, setpcap, net_bind_service" "$out"
check_contains "webd at exec: setuid is root-equivalent" "+1.5 keeps setuid" "$out"
check_contains "webd after listen: nothing to regain" "can never regain all" "$out"
check_contains "webd after listen: the filter's default" "unlisted ones get ERRNO(1) EPERM" "$out"
check_contains "webd after listen: the kernel-wide calls it still allows, from the compiled filter" "still allowed    process_vm_writev, unshare" "$out"
a=$(score "$out" "at exec")
b=$(score "$out" "after point 'listen'")
check "webd: after listen scores lower than at exec ($b < $a)" awk "BEGIN { exit !($b < $a) }"
check_contains "ftp: no exec stage is unsafe until the first point" "10.0 UNSAFE" "$("$CAPC" explain "$EX/ftp.cap" 2>&1)"
printf 'service adm { keep sys_admin, net_admin }\n' >adm.cap
out=$("$CAPC" explain adm.cap 2>&1)
check_contains "keeping sys_admin: said why" "+1.5 keeps sys_admin" "$out"
check_contains "no no_new_privs: said" "no no_new_privs" "$out"
printf 'service tight { user nobody  keep none  lock  no_new_privs  seccomp { default kill  allow read, write, exit_group } }\n' >t.cap
t=$(score "$("$CAPC" explain t.cap 2>&1)" "at exec")
s=$(score "$out" "at exec")
check "a tight policy scores lower than one keeping sys_admin ($t < $s)" awk "BEGIN { exit !($t < $s) }"
check "a tight policy is OK" [ "$(printf '%s' "$t" | cut -d. -f1)" -lt 2 ]
"$CAPC" explain "$EX/login.cap" >o 2>&1
check_eq "a session policy: exit 1" 1 $?
printf 'service b { keep bogus }\n' >b.cap
"$CAPC" explain b.cap >o 2>&1
check_eq "a policy with errors: exit 1 and the diagnostics" "1 1" "$? $(grep -c "unknown capability 'bogus'" o)"
[ "$T_FAILS" -eq 0 ]

#!/bin/sh
# Points entered by the program through libcapr: the policy inherited from
# capload, entry errors, dry run, every thread, partial failures.
. "${CAPC_SRC:-.}/tests/lib.sh"
. "${CAPC_SRC:-.}/tests/runtime/helpers.inc"

out=$(priv "$CL" points.capbin -- "$PR" status enter auth status bind80 getppid 2>&1)
check_eq "exec stage applied (no_new_privs)" 1 "$(val NoNewPrivs "$out")"
check_eq "enter auth across exec: ok" ok "$(val enter "$out")"
after=$(printf '%s\n' "$out" | sed -n '/^enter=/,$p')
check_eq "auth: uid nobody" "65534 65534 65534 65534" "$(val Uid "$after")"
check_eq "auth: CapAmb" 0000000000000400 "$(val CapAmb "$after")"
check_eq "auth: CapBnd" 0000000000000400 "$(val CapBnd "$after")"
check_eq "auth: seccomp" 2 "$(val Seccomp "$after")"
check_eq "auth: bind :80" ok "$(val bind80 "$after")"
check_eq "auth: getppid denied" EACCES "$(val getppid "$after")"

out=$(priv "$CL" points.capbin -- "$PR" enter auth enter auth enter nosuch enter exec enter serve status 2>&1)
check_contains "second entry refused" "capr: point: 'auth' was already entered by this process" "$out"
check_contains "unknown point refused" "capr: point: unknown point 'nosuch' (the policy has: exec, auth, serve)" "$out"
check_contains "exec counts as entered after capload" "capr: point: 'exec' was already entered" "$out"
check_eq "errors change nothing; serve still entered" 0000000000000000 "$(val CapPrm "$out")"
check_eq "four enters: ok, fail, fail, fail, ok" "ok fail fail fail ok" "$(printf '%s\n' "$out" | sed -n 's/^enter=//p' | tr '\n' ' ' | sed 's/ $//')"

out=$("$PR" enter auth 2>&1)
check_contains "without capload: no policy" "capr: inherited: CAPR_POLICY_FD is not set" "$out"
exec 9<"$B/points.capbin"
out=$(CAPR_POLICY_FD=9 "$PR" enter auth 2>&1)
exec 9<&-
check_contains "a plain file as CAPR_POLICY_FD is refused" "CAPR_POLICY_FD=9 is not a sealed memfd" "$out"

# Dry run inside the program: prints, changes nothing.
out=$(priv "$CL" points.capbin -- "$PR" status dry auth status 2>&1)
before=$(printf '%s\n' "$out" | sed -n '1,/^securebits=/p' | grep -v '^capr:')
afterd=$(printf '%s\n' "$out" | sed -n '/^dry=/,$p' | sed 1d)
check_eq "dry run: ok" ok "$(val dry "$out")"
check_eq "dry run: state unchanged" "$before" "$afterd"
check_contains "dry run: prints the steps" "capr: dry-run: setresuid: 0 -> 65534 (nobody)" "$out"
check_contains "dry run: seccomp step" "capr: dry-run: seccomp: install the x86_64 filter (7 instructions) on every thread (TSYNC)" "$out"

# Every thread: 16 threads waiting, the main thread enters auth.
out=$(priv "$CL" points.capbin -- "$PR" threads 16 enter auth tasks 2>&1)
check_eq "16 threads: enter ok" ok "$(val enter "$out")"
tasks=$(printf '%s\n' "$out" | grep -c '^task=')
check_eq "16 threads: 17 tasks listed" 17 "$tasks"
want="Uid=65534 65534 65534 65534 Gid=$(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody) Groups= CapInh=0000000000000400 CapPrm=0000000000000400 CapEff=0000000000000400 CapBnd=0000000000000400 CapAmb=0000000000000400 NoNewPrivs=1 Seccomp=2 Seccomp_filters=1"
same=$(printf '%s\n' "$out" | grep '^task=' | cut -d' ' -f2- | grep -cxF "$want")
check_eq "16 threads: every task has the new uid, sets, no_new_privs and filter" 17 "$same"
[ "$same" = 17 ] || printf '%s\n' "$out" | grep '^task=' | head -n 3 | sed 's/^/#   /'

# Threads appearing and exiting during the broadcast.
out=$(priv "$CL" points.capbin -- "$PR" threads 4 churn enter auth tasks 2>&1)
check_eq "thread churn: enter ok" ok "$(val enter "$out")"
# (a task that exits while its status is read shows part of it, or none:
# only complete lines, up to Seccomp_filters, count)
bad=$(printf '%s\n' "$out" | grep '^task=' | grep 'Seccomp_filters=' | cut -d' ' -f2- | grep -cvxF "$want")
check_eq "thread churn: no task left unrestricted" 0 "$bad"
[ "$bad" = 0 ] || printf '%s\n' "$out" | grep '^task=' | grep 'Seccomp_filters=' | grep -vF "$want" | sed 's/^/#   /'

# A thread blocking the signal: refused before any change.
out=$(priv "$CL" points.capbin -- "$PR" threads 2 blocker enter auth status 2>&1)
check_eq "blocked signal: enter fails" fail "$(val enter "$out")"
check_contains "blocked signal: message names the thread and signal" "blocks signal" "$out"
check_eq "blocked signal: nothing changed (uid)" "0 0 0 0" "$(val Uid "$out")"
check_eq "blocked signal: nothing changed (bounding)" "$START_BND" "$(val CapBnd "$out")"

# A failure after a change (setresuid denied by the exec stage's filter,
# after the bounding set was dropped).
out=$(priv "$CL" partial.capbin -- "$PR" enter-partial auth status 2>&1)
check_eq "partial with CAPR_RETURN_PARTIAL: returns" fail "$(val enter "$out")"
check_eq "partial: step" setresuid "$(val step "$out")"
check_eq "partial: flagged" 1 "$(val partial "$out")"
check_eq "partial: bounding set was already dropped" "$(hex64 "0x$START_BND & ~(1 << $CAP_NET_RAW)")" "$(val CapBnd "$out")"
rm -f marker
out=$(priv "$CL" partial.capbin -- "$PR" enter auth touch marker 2>&1)
check_eq "partial by default: the process terminates with 127" 127 $?
check_contains "partial by default: message" "capr: setresuid: to uid 65534: Operation not permitted (the process was partly restricted; terminating)" "$out"
check "partial by default: the program did not go on" [ ! -e marker ]

# A later point whose bounding set is already in place: the kernel refuses
# every PR_CAPBSET_DROP without cap_setpcap, even of a capability already
# gone, and p1 gave cap_setpcap up; p2 must still succeed.
printf 'service b {\n after p1 { bound net_raw  keep net_raw }\n after p2 { bound net_raw }\n}\n' >"$T_TMP/b.cap"
"$CAPC" "$T_TMP/b.cap" -o "$T_TMP/b.capbin" || fail "compile b.cap"
out=$(priv "$CL" "$T_TMP/b.capbin" -- "$PR" enter p1 enter-partial p2 status 2>&1)
check_eq "bounding already in place, no cap_setpcap left: p2 entered" ok "$(printf '%s\n' "$out" | sed -n 's/^enter=//p' | tail -n 1)"
check_eq "bounding already in place: CapBnd net_raw" "$(hex64 "1 << $CAP_NET_RAW")" "$(val CapBnd "$out")"

# The ambient set cannot be read (a filter refuses PR_CAP_AMBIENT): the
# stage could not be verified, so it is refused before any change. It was
# taken for a kernel without ambient capabilities and applied unverified.
printf 'service amb {
 seccomp { default allow  deny prctl(option == PR_CAP_AMBIENT) errno EPERM }
 after p { drop net_raw }
}
' >"$T_TMP/amb.cap"
"$CAPC" -w "$T_TMP/amb.cap" -o "$T_TMP/amb.capbin" || fail "compile amb.cap"
out=$(priv "$CL" "$T_TMP/amb.capbin" -- "$PR" enter-partial p status 2>&1)
check_eq "ambient set unreadable: refused at the ambient step, nothing changed" "fail ambient 0" \
	"$(val enter "$out") $(val step "$out") $(val partial "$out")"
check_contains "ambient set unreadable: the reason" \
	"cannot query the ambient set (PR_CAP_AMBIENT_IS_SET): Operation not permitted" "$out"
check_eq "ambient set unreadable: bounding set untouched" "$START_BND" "$(val CapBnd "$out")"
exit 0

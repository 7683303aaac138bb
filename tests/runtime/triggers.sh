#!/bin/sh
# Triggered points (issue #3): stages the preload object applies in programs
# that know nothing of capc, at the libc call that reaches the point, and
# the same point entered through libcapr. Everything is checked against
# what the kernel reports (/proc/PID/status, the result of real calls).
#
# Sanitized builds (SANITIZE=1): the test programs (the daemons, the probe)
# are instrumented, the preload object never is. priv() runs them with
# ASAN_OPTIONS=verify_asan_link_order=0 so ASan accepts the preload in front
# of its runtime; the daemons' own code and their libcapr copy are checked
# by the sanitizers, the preload by the results it produces.
. "${CAPC_SRC:-.}/tests/lib.sh"
. "${CAPC_SRC:-.}/tests/runtime/helpers.inc"

for f in capr_preload.so tests/ftpd_test tests/ftpd_test_capr tests/tcpc; do
	[ -e "$CAPC_BUILD/$f" ] || { fail "missing $CAPC_BUILD/$f (run make tests)"; exit 1; }
done
# capload finds the preload next to itself.
cp "$CAPC_BUILD/capr_preload.so" "$CAPC_BUILD/tests/ftpd_test" "$CAPC_BUILD/tests/ftpd_test_capr" \
	"$CAPC_BUILD/tests/tcpc" "$T_TMP/"
FTPD="$T_TMP/ftpd_test"
TCPC="$T_TMP/tcpc"
EX="$CAPC_SRC/policies/examples"

# policy NAME TEXT: compile TEXT into $T_TMP/NAME.capbin.
policy() {
	printf '%s\n' "$2" >"$T_TMP/$1.cap"
	if ! "$CAPC" -w "$T_TMP/$1.cap" -o "$T_TMP/$1.capbin" 2>"$T_TMP/$1.log"; then
		fail "compile the $1 test policy"
		sed 's/^/#   /' "$T_TMP/$1.log"
	fi
}
"$CAPC" "$EX/ftp.cap" -o ftp.capbin 2>/dev/null && "$CAPC" "$EX/webd.cap" -o webd.capbin 2>/dev/null ||
	{ fail "compile the example policies"; exit 1; }

# What a session holds after `keep net_bind_service, chown after auth`.
KEPT=$(hex64 "0x401 & 0x$START_BND")
NOBODY_GID=$(id -g nobody)
NOBODY_UID=$(id -u nobody)

# daemon LOG CMD...: start a daemon in the background (LOG gets its stdout
# and stderr), wait for its "port=" line. Sets PORT and MASTER.
daemon() {
	log=$1
	shift
	priv "$@" >"$log" 2>&1 &
	DPID=$!
	n=0
	until grep -q '^port=' "$log" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 200 ] || ! kill -0 "$DPID" 2>/dev/null; then
			fail "daemon did not start: $*"
			sed 's/^/#   /' "$log"
			PORT=0
			return 1
		fi
		sleep 0.05
	done
	PORT=$(sed -n 's/^port=//p' "$log")
	MASTER=$(sed -n 's/^master=//p' "$log")
}

# finish: wait (at most 20 s) for the daemon to serve its sessions and exit.
finish() {
	n=0
	while kill -0 "$DPID" 2>/dev/null && [ $n -lt 400 ]; do
		n=$((n + 1))
		sleep 0.05
	done
	if kill -0 "$DPID" 2>/dev/null; then
		kill "$DPID"
		fail "daemon $DPID did not finish"
	fi
	wait "$DPID" 2>/dev/null
}

# pstatus PID KEY: a line of /proc/PID/status, tabs as spaces.
pstatus() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr '\t' ' '
}

# session_checks NAME OUTPUT: what ftp.cap promises a session after auth.
session_checks() {
	check_eq "$1: logged in" ok "$(val login "$2")"
	check_eq "$1: runs as nobody" "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" "$(val Uid "$2")"
	check_eq "$1: CapPrm = net_bind_service|chown" "$KEPT" "$(val CapPrm "$2")"
	check_eq "$1: CapEff = net_bind_service|chown" "$KEPT" "$(val CapEff "$2")"
	check_eq "$1: CapBnd = net_bind_service|chown" "$KEPT" "$(val CapBnd "$2")"
	check_eq "$1: CapInh empty" 0000000000000000 "$(val CapInh "$2")"
	check_eq "$1: CapAmb empty" 0000000000000000 "$(val CapAmb "$2")"
	check_eq "$1: NoNewPrivs" 1 "$(val NoNewPrivs "$2")"
	check_eq "$1: keep_caps back off (securebits)" 0x00 "$(val securebits "$2")"
}

# The setuid-root helper: a copy of the probe owned by root, mode 4755,
# in the scratch directory (checked below: its filesystem honours setuid).
cp "$PR" suid-probe
chown 0:0 suid-probe
chmod 4755 suid-probe
touch owned
chmod 666 owned

# ------------------------------------------------------------------ control
# The daemon without capload: the kernel's own rules. The switch clears
# every capability, and the setuid-root helper does become root, so the
# no_new_privs check below means something.
daemon control.log "$FTPD" -n 1 && out=$("$TCPC" "$PORT" "USER nobody" STATUS "EXEC $T_TMP/suid-probe status")
finish
check_eq "control (no policy): the switch clears CapPrm" 0000000000000000 "$(val CapPrm "$out")"
check_eq "control (no policy): the setuid-root helper runs with euid 0" "$NOBODY_UID 0 0 0" "$(val exec.Uid "$out")"

# ------------------------------------------------------------------ ftp.cap, unmodified daemon
daemon ftp.log "$CL" ftp.capbin -- "$FTPD" -n 2
out=$("$TCPC" "$PORT" "USER nobody" STATUS "BIND 21" "CHOWN $T_TMP/owned 4321" SETUID0 \
	"EXEC $T_TMP/suid-probe status")
session_checks "ftp.cap session 1" "$out"
check_eq "ftp.cap session: gid and groups are the daemon's choice" "$NOBODY_GID $NOBODY_GID" \
	"$(val Gid "$out" | cut -d' ' -f1) $(val Groups "$out")"
check_eq "ftp.cap session: bind 127.0.0.1:21 works" ok "$(val bind "$out")"
check_eq "ftp.cap session: chown works" ok "$(val chown "$out")"
check_eq "ftp.cap session: the file now belongs to 4321" 4321 "$(stat -c %u owned)"
check_eq "ftp.cap session: setuid(0) fails" EPERM "$(val setuid0 "$out")"
check_eq "ftp.cap session: setuid-root helper keeps the session's uid" \
	"$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" "$(val exec.Uid "$out")"
check_eq "ftp.cap session: setuid-root helper gains no capability" "0000000000000000 0000000000000000" \
	"$(val exec.CapPrm "$out") $(val exec.CapEff "$out")"
check_eq "ftp.cap session: helper ran" "exit 0" "$(val exec "$out")"
SESSION_PRELOAD=$(printf '%s\n' "$out" | grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]*|NoNewPrivs|Seccomp|securebits)=')
# The master was not touched and serves the next connection.
check "ftp.cap: the master is still running" kill -0 "$MASTER"
check_eq "ftp.cap master: CapPrm unchanged" "$START_PRM" "$(pstatus "$MASTER" CapPrm)"
check_eq "ftp.cap master: CapEff unchanged" "$START_PRM" "$(pstatus "$MASTER" CapEff)"
check_eq "ftp.cap master: CapBnd unchanged" "$START_BND" "$(pstatus "$MASTER" CapBnd)"
check_eq "ftp.cap master: still root" "0 0 0 0" "$(pstatus "$MASTER" Uid)"
check_eq "ftp.cap master: NoNewPrivs unchanged" 0 "$(pstatus "$MASTER" NoNewPrivs)"
out=$("$TCPC" "$PORT" "USER nobody" STATUS)
session_checks "ftp.cap session 2" "$out"
finish
log=$(cat ftp.log)
check_contains "ftp.cap: session 1 ended normally" "session=1 pid=" "$log"
check_eq "ftp.cap: both sessions exited 0" "exit=0 exit=0" "$(grep -o 'exit=[0-9]*' ftp.log | tr '\n' ' ' | sed 's/ $//')"
check_contains "ftp.cap: the master finished" "done" "$log"

# ------------------------------------------------------------------ temporary switches do not fire
daemon rounds.log "$CL" ftp.capbin -- "$FTPD" -n 1 -r 3
out=$("$TCPC" "$PORT" "USER nobody" STATUS)
finish
back=$(printf '%s\n' "$out" | grep "^round=[0-9]* euid=0 " | grep -c "CapPrm=$START_PRM CapEff=$START_PRM CapBnd=$START_BND CapAmb=0000000000000000 NoNewPrivs=0")
check_eq "seteuid round trips: all capabilities back after each seteuid(0) (no early trigger)" 3 "$back"
away=$(printf '%s\n' "$out" | grep "^round=[0-9]* euid=$NOBODY_UID " | grep -c "CapPrm=$START_PRM CapEff=0000000000000000 CapBnd=$START_BND CapAmb=0000000000000000 NoNewPrivs=0")
check_eq "seteuid round trips: at euid nobody only the kernel's effective-set rule applies" 3 "$away"
session_checks "after the round trips, the real switch" "$out"

# A leave completed by seteuid(): setresuid(u, 0, u), then seteuid(u).
daemon twostep.log "$CL" ftp.capbin -- "$FTPD" -n 1 -s setresuid
out=$("$TCPC" "$PORT" "USER nobody" STATUS SETUID0)
finish
session_checks "setresuid(u,0,u) + seteuid(u)" "$out"
check_eq "setresuid(u,0,u) + seteuid(u): setuid(0) fails" EPERM "$(val setuid0 "$out")"
daemon setreuid.log "$CL" ftp.capbin -- "$FTPD" -n 1 -s setreuid
out=$("$TCPC" "$PORT" "USER nobody" STATUS)
finish
session_checks "setreuid(u,u)" "$out"

# ------------------------------------------------------------------ the daemon calling libcapr
daemon capr.log "$CL" ftp.capbin -- "$T_TMP/ftpd_test_capr" -n 1
out=$("$TCPC" "$PORT" "USER nobody" STATUS "BIND 21" "CHOWN $T_TMP/owned 4322" SETUID0 \
	"EXEC $T_TMP/suid-probe status")
finish
session_checks "capr_enter(\"auth\") then setuid" "$out"
check_eq "capr_enter daemon: bind, chown, setuid(0), helper" "ok ok EPERM $NOBODY_UID 0000000000000000" \
	"$(val bind "$out") $(val chown "$out") $(val setuid0 "$out") $(val exec.Uid "$out" | cut -d' ' -f2) $(val exec.CapPrm "$out")"
SESSION_CAPR=$(printf '%s\n' "$out" | grep -E '^(Uid|Gid|Groups|Cap[A-Za-z]*|NoNewPrivs|Seccomp|securebits)=')
check_eq "capr_enter daemon: /proc status identical to the unmodified daemon under the preload" \
	"$SESSION_PRELOAD" "$SESSION_CAPR"

# The example program of capr(3).
san=
nm "$CAPC_BUILD/libcapr.a" 2>/dev/null | grep -q __asan_ && san="-fsanitize=address,undefined"
if ${CC:-cc} -std=gnu11 -Wall -Wextra -Werror $san -I"$CAPC_SRC/include" -o capr-example \
	"$CAPC_SRC/docs/capr-example.c" "$CAPC_BUILD/libcapr.a" -lpthread 2>example.log; then
	pass "docs/capr-example.c builds"
	out=$(priv "$CL" ftp.capbin -- "$T_TMP/capr-example" nobody 2>&1)
	check_eq "docs/capr-example.c: session CapPrm" "$KEPT" "$(printf '%s\n' "$out" | sed -n 's/^session CapPrm:[[:space:]]*//p')"
	check_eq "docs/capr-example.c: session NoNewPrivs" 1 "$(printf '%s\n' "$out" | sed -n 's/^session NoNewPrivs:[[:space:]]*//p')"
else
	fail "docs/capr-example.c builds"
	sed 's/^/#   /' example.log
fi

# capr_enter() and the trigger in one process: the point is entered once.
out=$(priv "$CL" ftp.capbin -- "$PR" enter auth status enter auth enter nosuch setuid "$NOBODY_UID" status enter auth 2>&1)
check_eq "enter before the switch: deferred (not 0: nothing is restricted yet), then refused twice, then refused after the trigger" "deferred fail fail fail" \
	"$(printf '%s\n' "$out" | sed -n 's/^enter=//p' | tr '\n' ' ' | sed 's/ $//')"
check_eq "enter before the switch: nothing applied yet" "$START_PRM 0" \
	"$(val CapPrm "$out") $(val NoNewPrivs "$out")"
check_contains "second enter: already entered" "'auth' was already entered by this process (its stage is applied when the process leaves uid 0)" "$out"
check_contains "unknown point: listed" "capr: point: unknown point 'nosuch' (the policy has: auth)" "$out"
after=$(printf '%s\n' "$out" | sed -n '/^setuid=/,$p')
check_eq "enter, then the switch: the stage applied at the switch" "$KEPT $KEPT 1" \
	"$(val CapPrm "$after") $(val CapBnd "$after") $(val NoNewPrivs "$after")"
# A program that never leaves root: capr_enter said 0 and nothing was
# ever restricted; it now says CAPR_DEFERRED, and the process is as it was.
out=$(priv "$CL" ftp.capbin -- "$PR" enter auth status 2>&1)
check_eq "enter in a program that stays root: CAPR_DEFERRED, nothing applied" "deferred $START_PRM $START_BND 0" \
	"$(val enter "$out") $(val CapPrm "$out") $(val CapBnd "$out") $(val NoNewPrivs "$out")"

# libcapr without the preload (capr_open, no capload): the stage applies at
# once, with no_setuid_fixup so its capabilities survive the program's own
# switch. That switch then has no cap_setuid: mod_cap's order works (real
# uid set first), a plain setuid() from uid 0 does not.
out=$(priv "$PR" open ftp.capbin setreuid "$NOBODY_UID" 0 enter auth setresuid "$NOBODY_UID" "$NOBODY_UID" "$NOBODY_UID" status setuid0 2>&1)
check_eq "libcapr alone, setreuid(u,0) first: enter ok" ok "$(val enter "$out")"
check_eq "libcapr alone: the switch after enter works" ok "$(val setresuid "$out")"
check_eq "libcapr alone: same CapPrm CapEff CapBnd NoNewPrivs as the preload" "$KEPT $KEPT $KEPT 1" \
	"$(val CapPrm "$out") $(val CapEff "$out") $(val CapBnd "$out") $(val NoNewPrivs "$out")"
check_eq "libcapr alone: no_setuid_fixup left set (unlocked)" 0x04 "$(val securebits "$out")"
check_eq "libcapr alone: setuid(0) fails" EPERM "$(val setuid0 "$out")"
out=$(priv "$PR" open ftp.capbin enter auth setuid "$NOBODY_UID" status 2>&1)
check_eq "libcapr alone, plain setuid() after enter: needs cap_setuid, fails" EPERM "$(val setuid "$out")"

# ------------------------------------------------------------------ errno, failing calls, fork
out=$(priv "$CL" ftp.capbin -- "$PR" setuid "$NOBODY_UID" 2>&1)
check_eq "the firing setuid() leaves errno alone" "ok EILSEQ" "$(val setuid "$out") $(val setuid.errno "$out")"
policy nosetuid 'service nosetuid { drop setuid  after auth { keep net_bind_service } }'
out=$(priv "$CL" nosetuid.capbin -- "$PR" setuid "$NOBODY_UID" status 2>&1)
check_eq "a failing setuid(): its errno" EPERM "$(val setuid "$out")"
check_eq "a failing setuid(): nothing applied" "0 0 0 0 0" "$(val Uid "$out") $(val NoNewPrivs "$out")"
check_eq "a failing setuid(): keep_caps put back" 0x00 "$(val securebits "$out")"
check_eq "a failing setuid(): capabilities as before" "$(hex64 "0x$START_PRM & ~(1 << 7)")" "$(val CapPrm "$out")"
# The ids decide whether the trigger fired and whether keep_caps must be
# undone: when they cannot be read (here an exec-stage filter refuses
# getresuid), the process ends. Before this was checked, the switch went
# through with keep_caps set and the stage never ran: uid nobody with
# root's whole permitted set, and setuid(0) took it back to root.
policy noids 'service noids { seccomp { default allow  deny getresuid errno EACCES }
	after auth { keep net_bind_service } }'
out=$(priv "$CL" noids.capbin -- "$PR" setuid "$NOBODY_UID" setuid0 status 2>&1)
rc=$?
check_eq "getresuid refused at a setuid trigger: exit 127" 127 "$rc"
check_contains "getresuid refused at a setuid trigger: the step and reason" \
	"capr: point 'auth' (setuid trigger): identity: getresuid: Permission denied" "$out"
check_eq "getresuid refused at a setuid trigger: the program never went on (no setuid(0))" "" "$(val setuid0 "$out")"

# A child forked after the point has it: its own listen() applies nothing
# (webd's stage could not be applied twice: the switch to nobody would
# fail and the child would exit 127).
out=$(priv "$CL" webd.capbin -- "$PR" listen fork listen status 2>&1)
check_eq "fork after the point: the child's listen() fires nothing" "0 2 1" \
	"$? $(printf '%s\n' "$out" | grep -c '^listen=ok') $(val NoNewPrivs "$out")"

# ------------------------------------------------------------------ proftpd.cap and vsftpd.cap on the test daemon
for ex in proftpd vsftpd; do
	"$CAPC" "$EX/$ex.cap" -o "$ex.capbin" 2>/dev/null || fail "compile $ex.cap"
done
daemon proftpd.log "$CL" proftpd.capbin -- "$FTPD" -n 1
mbnd=$(pstatus "$MASTER" CapBnd)
out=$("$TCPC" "$PORT" "USER nobody" STATUS "BIND 21" SETUID0)
finish
check_eq "proftpd.cap: the master holds the exec stage's bounding set" "$(hex64 "0x200405ef & 0x$START_BND")" "$mbnd"
check_eq "proftpd.cap session: mod_cap's set, locked, filtered" "$KEPT $KEPT $KEPT 1 0x2f 2" \
	"$(val CapPrm "$out") $(val CapEff "$out") $(val CapBnd "$out") $(val NoNewPrivs "$out") $(val securebits "$out") $(val Seccomp "$out")"
check_eq "proftpd.cap session: bind :21 ok, setuid(0) refused" "ok EPERM" "$(val bind "$out") $(val setuid0 "$out")"
out=$(priv "$CL" proftpd.capbin -- "$PR" chroot / status 2>&1)
check_eq "proftpd.cap: chroot() drops sys_chroot" "$(hex64 "0x200005ef & 0x$START_BND")" "$(val CapBnd "$out")"
daemon vsftpd.log "$CL" vsftpd.capbin -- "$FTPD" -n 1
out=$("$TCPC" "$PORT" "USER nobody" STATUS "BIND 21")
finish
check_eq "vsftpd.cap session: bounded, holds what its own setuid() left (nothing)" \
	"0000000000000000 0000000000000000 $KEPT 1 0x03 2" \
	"$(val CapPrm "$out") $(val CapEff "$out") $(val CapBnd "$out") $(val NoNewPrivs "$out") $(val securebits "$out") $(val Seccomp "$out")"
check_eq "vsftpd.cap session: bind :21 refused" EACCES "$(val bind "$out")"

# ------------------------------------------------------------------ listen: webd.cap
unpriv=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
check "port 80 is privileged here (ip_unprivileged_port_start=$unpriv)" [ "$unpriv" -gt 80 ]
out=$(priv "$CL" webd.capbin -- "$PR" bind80 ptrace mount status listen status bind80 ptrace mount listen 2>&1)
rc=$?
before=$(printf '%s\n' "$out" | sed -n '1,/^listen=/p')
after=$(printf '%s\n' "$out" | sed -n '/^listen=/,$p')
check_eq "webd before listen: binds :80" ok "$(val bind80 "$before")"
check_eq "webd before listen: ptrace, mount not filtered" "ESRCH ENOENT" "$(val ptrace "$before") $(val mount "$before")"
check_eq "webd before listen: only capload's backstop filter" "2 1" "$(val Seccomp "$before") $(val Seccomp_filters "$before")"
check_eq "webd: listen ok, errno left alone" "ok EILSEQ" "$(val listen "$after") $(val listen.errno "$after")"
check_eq "webd after listen: nobody" "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" "$(val Uid "$after")"
check_eq "webd after listen: no capabilities at all" \
	"0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000" \
	"$(val CapInh "$after") $(val CapPrm "$after") $(val CapEff "$after") $(val CapBnd "$after") $(val CapAmb "$after")"
check_eq "webd after listen: no_new_privs, the stage's filter on the backstop, locked securebits" "1 2 2 0x2f" \
	"$(val NoNewPrivs "$after") $(val Seccomp "$after") $(val Seccomp_filters "$after") $(val securebits "$after")"
check_eq "webd after listen: bind :80 refused" EACCES "$(val bind80 "$after")"
check_eq "webd after listen: ptrace denied by the policy (EACCES)" EACCES "$(val ptrace "$after")"
check_eq "webd after listen: mount denied by the policy (EACCES)" EACCES "$(val mount "$after")"
check_eq "webd: a second listen() fires nothing (exit 0)" "0 2" "$rc $(printf '%s\n' "$after" | grep -c '^listen=ok')"

# ------------------------------------------------------------------ chroot and setgid triggers
policy jail 'service jail { after chroot { drop sys_chroot  no_new_privs } }'
out=$(priv "$CL" jail.capbin -- "$PR" chroot /nonexistent-capc status chroot / status 2>&1)
check_eq "chroot that fails: its errno, nothing applied" "ENOENT 0" \
	"$(val chroot "$out") $(val NoNewPrivs "$out")"
after=$(printf '%s\n' "$out" | sed -n '/^chroot=ok/,$p')
check_eq "chroot(\"/\"): stage applied (no_new_privs)" 1 "$(val NoNewPrivs "$after")"
check_eq "chroot: sys_chroot gone from the bounding set" "$(hex64 "0x$START_BND & ~(1 << 18)")" "$(val CapBnd "$after")"

# A real jail has no /proc, and libcapr still lists the threads and reads
# their sets there (through a descriptor of /proc the preload holds across
# chroot() and the stage, and closes after). Four threads chroot into an empty directory; the kernel's
# view of each, read from outside the jail.
mkdir -p "$T_TMP/jail"
# paused LOG CMD...: start CMD (a probe ending in "pause") in the background,
# wait until it says paused=1; PAUSED is its pid. (Not through priv(): $!
# must be capload's pid, which becomes the probe's.)
paused() {
	log=$1
	shift
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0:verify_asan_link_order=0" "$@" >"$log" 2>&1 &
	PAUSED=$!
	n=0
	until grep -q '^paused=1' "$log" 2>/dev/null || [ $n -gt 200 ] || ! kill -0 $PAUSED 2>/dev/null; do
		n=$((n + 1))
		sleep 0.05
	done
}
paused "$T_TMP/jail.log" "$CL" jail.capbin -- "$PR" threads 3 chroot "$T_TMP/jail" pause
JPID=$PAUSED
check_contains "chroot into a jail without /proc: the program goes on" "chroot=ok" "$(cat "$T_TMP/jail.log")"
jail_tasks=""
for t in /proc/$JPID/task/*/status; do
	[ -f "$t" ] && jail_tasks="$jail_tasks$(sed -n 's/^NoNewPrivs:[[:space:]]*//p; s/^CapBnd:[[:space:]]*//p' "$t" | tr '\n' ' ')
"
done
# and no descriptor of a directory outside the jail is left (".." from it
# would lead out of the jail)
outside=""
for fd in /proc/$JPID/fd/*; do
	l=$(readlink "$fd" 2>/dev/null) || continue
	[ -d "$l" ] && outside="$outside $l"
done
kill $JPID 2>/dev/null
wait $JPID 2>/dev/null
check_eq "chroot into a jail: no directory descriptor left open" "" "$outside"
# vsftpd's order: chroot into the jail, then leave root there. The setuid
# stage fires inside the jail without /proc (it used to end the session
# with 127 at the threads step): the preload keeps /proc/self/status open,
# a file and not a way out, until no stage is left.
policy vs 'service vs { after auth { keep net_bind_service  no_new_privs } }'
paused "$T_TMP/vs.log" "$CL" vs.capbin -- "$PR" chroot "$T_TMP/jail" setuid "$NOBODY_UID" pause
VPID=$PAUSED
check_eq "chroot, then setuid inside the jail: both succeed" "ok ok" \
	"$(val chroot "$(cat "$T_TMP/vs.log")") $(val setuid "$(cat "$T_TMP/vs.log")")"
check_eq "setuid inside the jail: the stage applied (uid, CapPrm, CapBnd, NoNewPrivs)" \
	"$NOBODY_UID $(hex64 "0x400 & 0x$START_BND") $(hex64 "0x400 & 0x$START_BND") 1" \
	"$(pstatus "$VPID" Uid | cut -d' ' -f1) $(pstatus "$VPID" CapPrm) $(pstatus "$VPID" CapBnd) $(pstatus "$VPID" NoNewPrivs)"
held=""
for fd in /proc/$VPID/fd/*; do
	l=$(readlink "$fd" 2>/dev/null) || continue
	case $l in /proc/*) held="$held $l" ;; esac
	[ -d "$l" ] && held="$held dir:$l"
done
kill $VPID 2>/dev/null
wait $VPID 2>/dev/null
check_eq "after the last stage: nothing of /proc and no directory left open" "" "$held"

# A program's own capr_enter() after its own chroot into such a jail has
# no /proc to read: refused before any change (capr(3)).
policy manual 'service manual { after p { drop net_raw } }'
out=$(priv "$CL" manual.capbin -- "$PR" chroot "$T_TMP/jail" enter-partial p raw 2>&1)
check_eq "capr_enter after the program's own chroot into a jail: refused at the threads step, nothing changed" \
	"fail threads 0 ok" "$(val enter "$out") $(val step "$out") $(val partial "$out") $(val raw "$out")"
want=$(hex64 "0x$START_BND & ~(1 << 18)")
check_eq "chroot into a jail: every thread (4) has the stage's bounding set and no_new_privs" \
	"$(printf '%s 1 \n%s 1 \n%s 1 \n%s 1 \n' "$want" "$want" "$want" "$want")" "$(printf '%s' "$jail_tasks")"
policy gid 'service gid { after setgid { drop net_raw  no_new_privs } }'
out=$(priv "$CL" gid.capbin -- "$PR" setegid "$NOBODY_GID" status setegid 0 setgid "$NOBODY_GID" status 2>&1)
check_eq "setgid trigger: a temporary setegid() does not fire" 0 "$(val NoNewPrivs "$out")"
after=$(printf '%s\n' "$out" | sed -n '/^setgid=/,$p')
check_eq "setgid trigger: setgid(nobody's group) fires" "1 $(hex64 "0x$START_BND & ~(1 << 13)")" \
	"$(val NoNewPrivs "$after") $(val CapBnd "$after")"
check_eq "setgid trigger: still uid 0 with its other capabilities" "$(hex64 "0x$START_PRM & ~(1 << 13)")" "$(val CapPrm "$after")"

# ------------------------------------------------------------------ every thread
policy mt 'service mt { after auth { keep net_bind_service, chown  no_new_privs
	seccomp { default allow  deny getppid errno EACCES } } }'
out=$(priv "$CL" mt.capbin -- "$PR" threads 8 setuid "$NOBODY_UID" tasks getppid 2>&1)
check_eq "8 threads + setuid: ok" ok "$(val setuid "$out")"
check_eq "8 threads + setuid: 9 tasks listed" 9 "$(printf '%s\n' "$out" | grep -c '^task=')"
want="Uid=$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID Gid=0 0 0 0 Groups= CapInh=0000000000000000 CapPrm=$KEPT CapEff=$KEPT CapBnd=$KEPT CapAmb=0000000000000000 NoNewPrivs=1 Seccomp=2 Seccomp_filters=2"
same=$(printf '%s\n' "$out" | grep '^task=' | cut -d' ' -f2- | grep -cxF "$want")
check_eq "8 threads + setuid: every task has the sets, no_new_privs and the filter" 9 "$same"
[ "$same" = 9 ] || printf '%s\n' "$out" | grep '^task=' | head -n 3 | sed 's/^/#   /'
check_eq "8 threads + setuid: the filter works" EACCES "$(val getppid "$out")"

# ------------------------------------------------------------------ the backstop
# capload's backstop filter (runtime/capr_backstop.c) traps every set*id,
# listen and chroot that does not come through the preload object.
# Each of these ways around the wrappers used to leave root with the whole
# bounding set and nothing applied; now the stage applies, or the process
# dies before it could leave root.
policy bs 'service bs { after auth { keep net_bind_service, chown  no_new_privs } }'
applied() { # DESC OUTPUT: the auth stage is in force (uid nobody)
	check_eq "$1: the stage applied" "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID $KEPT $KEPT 1" \
		"$(val Uid "$2") $(val CapPrm "$2") $(val CapBnd "$2") $(val NoNewPrivs "$2")"
}
out=$(priv "$CL" bs.capbin -- "$PR" rawsetresuid "$NOBODY_UID" "$NOBODY_UID" "$NOBODY_UID" status setuid0 2>&1)
check_eq "raw setresuid system call: succeeds" ok "$(val rawsetresuid "$out")"
applied "raw setresuid system call" "$out"
check_eq "raw setresuid: no way back to root" EPERM "$(val setuid0 "$out")"
out=$(priv "$CL" webd.capbin -- "$PR" rawlisten status 2>&1)
check_eq "raw listen system call: the listen stage applied" "ok $NOBODY_UID 1" \
	"$(val rawlisten "$out") $(printf '%s' "$(val Uid "$out")" | cut -d' ' -f1) $(val NoNewPrivs "$out")"
# (env(1) between the clean exec and the probe only puts ASAN_OPTIONS back
# for sanitized builds; env is itself preloaded and its exec trapped)
ASAN_ENV="ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0"
out=$(priv "$CL" bs.capbin -- "$PR" exec-clean /usr/bin/env "$ASAN_ENV" "$PR" env CAPR_POLICY_FD setuid "$NOBODY_UID" status 2>&1)
# (a descriptor number, not "(unset)")
policy_fd() { case $(val env.CAPR_POLICY_FD "$1") in "" | *[!0-9]*) return 1 ;; esac; }
check "exec with an empty environment: the policy is passed on anyway" policy_fd "$out"
applied "exec with an empty environment, then setuid()" "$out"
# every member of the exec family the preload wraps, without the policy's
# variables in the environment it passes (or in environ)
for fn in execl execle execlp execv execvp execvpe fexecve; do
	out=$(priv "$CL" bs.capbin -- "$PR" exec-clean-via $fn /usr/bin/env "$ASAN_ENV" "$PR" env CAPR_POLICY_FD \
		setuid "$NOBODY_UID" status 2>&1)
	check "$fn with an empty environment: the policy is passed on" policy_fd "$out"
	applied "$fn with an empty environment, then setuid()" "$out"
done
# The raw execve system call is not wrapped: the program it starts runs
# without the preload and dies of SIGSYS at its setuid, still root.
out=$(priv "$CL" bs.capbin -- "$PR" rawexec-clean /usr/bin/env "$ASAN_ENV" "$PR" setuid "$NOBODY_UID" status 2>/dev/null)
check_eq "raw execve with an empty environment, then setuid(): killed by SIGSYS before leaving root" "159 " \
	"$? $(val Uid "$out")"
# posix_spawn: glibc's child shares the parent's memory and resets every
# signal handler, so exec is left unguarded; the wrapper keeps the policy.
out=$(priv "$CL" bs.capbin -- "$PR" spawn "$PR" spawn "$PR" rawsetresuid "$NOBODY_UID" "$NOBODY_UID" "$NOBODY_UID" status 2>&1)
check_eq "posix_spawn twice under the backstop: both children run" "0 0" \
	"$(printf '%s\n' "$out" | sed -n 's/^spawn.status=//p' | tr '\n' ' ' | sed 's/ $//')"
applied "posix_spawn twice, then a raw setresuid in the parent" "$out"
printf 'service lax { after auth { } }\n' >lax.cap
"$CAPC" -w lax.cap -o lax.capbin
out=$(priv "$CL" bs.capbin -- "$PR" exec-forged "$T_TMP/lax.capbin" /usr/bin/env "$ASAN_ENV" "$PR" setuid "$NOBODY_UID" status 2>&1)
applied "exec with a forged CAPR_POLICY_FD (a policy that keeps everything): capload's policy is what applies" "$out"
out=$(priv "$CL" bs.capbin -- "$PR" sigdfl rawsetresuid "$NOBODY_UID" "$NOBODY_UID" "$NOBODY_UID" status 2>&1)
applied "signal(SIGSYS, SIG_DFL), then a raw setresuid: the backstop's handler stays" "$out"
out=$(priv "$CL" bs.capbin -- "$PR" sigdfl-raw rawsetresuid "$NOBODY_UID" "$NOBODY_UID" "$NOBODY_UID" status 2>&1)
rc=$?
check_eq "rt_sigaction(SIGSYS, SIG_DFL) itself, then a raw setresuid: killed by SIGSYS (128+31)" 159 "$rc"
check_eq "... and it never ran as nobody" "" "$(val Uid "$out")"
out=$(priv "$CL" bs.capbin -- "$PR" x32setuid "$NOBODY_UID" status 2>&1)
check_eq "setuid through the x32 ABI: exit 127" 127 $?
check_contains "setuid through the x32 ABI: message" "capr: preload: backstop: system call 1073741929 through another ABI" "$out"
# capload run by a user: the backstop needs no_new_privs first, which the
# policy's exec stage sets anyway; a policy without it is refused, saying so.
policy unnp 'service unnp { no_new_privs  after listen { seccomp { default allow  deny ptrace errno EACCES } } }'
out=$(priv setpriv --reuid=nobody --regid=nogroup --clear-groups "$CL" unnp.capbin -- "$PR" listen ptrace status 2>&1)
check_eq "capload as a user, no_new_privs in the policy: the listen stage applies" "ok EACCES 1 2" \
	"$(val listen "$out") $(val ptrace "$out") $(val NoNewPrivs "$out") $(val Seccomp_filters "$out")"
policy unonnp 'service unonnp { after listen { seccomp { default allow  deny ptrace errno EACCES } } }'
out=$(priv setpriv --reuid=nobody --regid=nogroup --clear-groups "$CL" unonnp.capbin -- "$PR" listen 2>&1)
check_eq "capload as a user without no_new_privs in the policy: exit 127" 127 $?
check_contains "capload as a user without no_new_privs: why" "add no_new_privs at service level to run it without cap_sys_admin" "$out"
cat >static-setuid.c <<'CEOF'
#include <stdio.h>
#include <unistd.h>
int main(void) { puts("before"); fflush(stdout); setuid(65534); puts("after"); return 0; }
CEOF
if ${CC:-cc} -static -O0 -o static-setuid static-setuid.c 2>/dev/null; then
	out=$(priv "$CL" bs.capbin -- "$PR" exec-clean "$T_TMP/static-setuid" 2>/dev/null)
	check_eq "a static helper (no preload) exec'd by the program: killed by SIGSYS at its setuid" "159 before" \
		"$? $(printf '%s' "$out" | tr '\n' ' ' | sed 's/ $//')"
else
	fail "cannot build a static test program with ${CC:-cc} -static (libc6-dev provides libc.a)"
fi

# ------------------------------------------------------------------ refusals and failures
# A static program cannot be preloaded: refused, never run.
cat >static.c <<'CEOF'
#include <fcntl.h>
int main(int argc, char **argv) { return argc > 1 && open(argv[1], O_CREAT | O_WRONLY, 0644) < 0; }
CEOF
rm -f marker
if ${CC:-cc} -static -O0 -o static static.c 2>/dev/null; then
	out=$(priv "$CL" ftp.capbin -- "$T_TMP/static" "$T_TMP/marker" 2>&1)
	check_eq "static program + trigger policy: exit 127" 127 $?
	check_contains "static program: message" "is statically linked (no PT_INTERP): the preload object cannot be loaded into it" "$out"
	check "static program: not run" [ ! -e marker ]
else
	# No libc.a: ldconfig is static(-pie) on Debian; refused before it runs.
	st=$(command -v ldconfig || echo /sbin/ldconfig)
	out=$(priv "$CL" ftp.capbin -- "$st" -p 2>&1)
	check_eq "static program ($st) + trigger policy: exit 127" 127 $?
	check_contains "static program: message" "is statically linked (no PT_INTERP)" "$out"
	check "static program: not run (no output of its own)" [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]
fi

# The preload object on its own: without CAPR_POLICY_FD it stays out of
# the way; with one that no longer names the policy (a parent closed it and
# the number was reused) it refuses to run the program.
out=$(LD_PRELOAD="$T_TMP/capr_preload.so" priv "$PR" setuid "$NOBODY_UID" status 2>&1)
check_eq "preload without a policy: the program runs unchanged" "ok 0000000000000000 0" \
	"$(val setuid "$out") $(val CapPrm "$out") $(val NoNewPrivs "$out")"
rm -f marker
out=$(CAPR_POLICY_FD=0 LD_PRELOAD="$T_TMP/capr_preload.so" priv "$PR" touch marker 2>&1 </dev/null)
check_eq "preload with a stale CAPR_POLICY_FD: exit 127" 127 $?
check_contains "stale CAPR_POLICY_FD: message" "capr: preload: policy: inherited: CAPR_POLICY_FD=0 is not a sealed memfd" "$out"
check "stale CAPR_POLICY_FD: the program did not run" [ ! -e marker ]

# A stage that cannot be applied kills the session that fired it, not the
# master.
policy badauth 'service badauth { after auth { user capc_no_such_user  keep net_bind_service } }'
daemon bad.log "$CL" badauth.capbin -- "$FTPD" -n 2
out=$("$TCPC" "$PORT" "USER nobody" STATUS)
check_eq "failing stage: the session never answers after USER" "" "$(val login "$out")"
check "failing stage: the master is still running" kill -0 "$MASTER"
check_eq "failing stage: the master keeps its capabilities" "$START_PRM" "$(pstatus "$MASTER" CapPrm)"
out=$("$TCPC" "$PORT" "USER nobody" STATUS)
finish
check_contains "failing stage: message" "capr: point 'auth' (setuid trigger): user: no such user 'capc_no_such_user'" "$(cat bad.log)"
check_eq "failing stage: both sessions exit 127, the master serves both" "exit=127 exit=127 done" \
	"$(grep -oE 'exit=[0-9]+|^done' bad.log | tr '\n' ' ' | sed 's/ $//')"

exit 0

#!/bin/sh
# Statements compiled by capc, applied by capload, checked against the
# kernel: /proc/self/status must match `capc --dump`, and each statement's
# effect must be real (a kill rule kills, a denied call returns its errno,
# lock makes setuid(0) fail, a bounding drop stops a raw socket, ...).
. "$CAPC_SRC/tests/lib.sh"
. "$CAPC_SRC/tests/runtime/helpers.inc"
. "$CAPC_SRC/tests/runtime/dumpcheck.inc"

# policy NAME TEXT: compile TEXT into $T_TMP/NAME.capbin.
policy() {
	printf '%s\n' "$2" >"$T_TMP/$1.cap"
	if "$CAPC" -w "$T_TMP/$1.cap" -o "$T_TMP/$1.capbin" 2>"$T_TMP/$1.log"; then
		return 0
	fi
	fail "$1: compiles"
	sed 's/^/#   /' "$T_TMP/$1.log"
	return 1
}

# run NAME PROBE-ARGS...: run the probe under the policy; sets $out and $rc.
run() {
	n=$1
	shift
	out=$(priv "$CL" "$T_TMP/$n.capbin" -- "$PR" "$@" 2>&1)
	rc=$?
}

# A kill rule kills the whole process with SIGSYS (128 + 31).
if policy kill 'service k { no_new_privs  seccomp { default allow  kill getppid } }'; then
	run kill status getppid
	check_eq "kill: the process dies of SIGSYS" 159 "$rc"
	check_contains "kill: it ran up to the call" "Seccomp=2" "$out"
	compare_dump kill "$T_TMP/kill.capbin" "$out"
fi

# trap: SIGSYS is delivered (not caught by the probe: it dies of it too),
# while a deny returns its errno and the process goes on.
if policy trap 'service t { no_new_privs  seccomp { default allow  trap getppid } }'; then
	run trap getppid
	check_eq "trap: SIGSYS is delivered" 159 "$rc"
fi
if policy deny 'service d { no_new_privs  seccomp { default allow  deny getppid errno ESRCH } }'; then
	run deny getppid status
	check_eq "deny: the call fails with the policy's errno" "ESRCH" "$(val getppid "$out")"
	check_eq "deny: the process goes on" 0 "$rc"
fi

# Conditions on arguments: socket(AF_INET) refused, AF_UNIX/raw others fine.
if policy cond 'service c { no_new_privs  seccomp { default allow  deny socket(domain == AF_INET && type & 0xf == SOCK_STREAM) errno EAFNOSUPPORT } }'; then
	run cond bind80 raw
	check_eq "condition: an AF_INET stream socket is refused" "EAFNOSUPPORT" "$(val bind80 "$out")"
	check_eq "condition: an AF_INET raw socket does not match" "ok" "$(val raw "$out")"
fi

# The default action applies to everything not allowed.
if policy allowlist 'service a { no_new_privs  seccomp { default errno EPERM  allow @default, @basic-io, @file-system, @io-event, @signal, @process, @network-io, write  deny getppid errno ENOTTY } }'; then
	run allowlist status getppid
	check_eq "allowlist: the program runs" 0 "$rc"
	check_eq "allowlist: a denied call gets its errno" "ENOTTY" "$(val getppid "$out")"
fi

# lock at exec with a switch to nobody: setuid(0) fails, securebits 0x2f.
if policy lock 'service l { user nobody  keep none  lock  no_new_privs }'; then
	run lock status setuid0
	check_eq "lock: setuid(0) fails" "EPERM" "$(val setuid0 "$out")"
	check_eq "lock: securebits are 0x2f" "0x2f" "$(val securebits "$out")"
	compare_dump lock "$T_TMP/lock.capbin" "$out"
fi

# drop: gone from every set including bounding; a raw socket fails.
if policy drop 'service d { drop net_raw }'; then
	run drop status raw
	check_eq "drop: no raw socket" "EPERM" "$(val raw "$out")"
	compare_dump drop "$T_TMP/drop.capbin" "$out"
fi

# bound at exec, still root: the program holds exactly the bounding set.
if policy bound 'service b { bound net_bind_service, chown }'; then
	touch "$T_TMP/owned.bound"
	run bound status bind80 raw chown "$T_TMP/owned.bound"
	check_eq "bound: root binds port 80" "ok" "$(val bind80 "$out")"
	check_eq "bound: root chowns" "ok" "$(val chown "$out")"
	check_eq "bound: no raw socket" "EPERM" "$(val raw "$out")"
	compare_dump bound "$T_TMP/bound.capbin" "$out"
fi

# Identity: numeric uid/gid and explicit supplementary groups.
if policy ident 'service i { user 4321  group 4322  groups 4242, 4343  keep none  no_new_privs }'; then
	run ident status
	check_eq "identity: uid" "4321 4321 4321 4321" "$(val Uid "$out")"
	check_eq "identity: gid" "4322 4322 4322 4322" "$(val Gid "$out")"
	check_eq "identity: supplementary groups" "4242 4343" "$(val Groups "$out" | sed 's/ *$//')"
	compare_dump ident "$T_TMP/ident.capbin" "$out"
fi

# user NAME alone: the user's primary group, supplementary groups cleared.
if policy nobody 'service n { user nobody }'; then
	run nobody status
	check_eq "user nobody: uid" "65534 65534 65534 65534" "$(val Uid "$out")"
	pg=$(getent passwd nobody | cut -d: -f4)
	check_eq "user nobody: its primary group" "$pg $pg $pg $pg" "$(val Gid "$out")"
	check_eq "user nobody: no supplementary groups" "" "$(val Groups "$out" | sed 's/ *$//')"
	check_eq "user nobody: no capabilities without keep" "0000000000000000" "$(val CapPrm "$out")"
	compare_dump nobody "$T_TMP/nobody.capbin" "$out"
fi

# ambient + inherit for a non-root program.
if policy amb 'service a { user nobody  keep net_bind_service, net_raw  ambient net_bind_service, net_raw  no_new_privs }'; then
	run amb status bind80 raw
	check_eq "ambient: nobody binds port 80" "ok" "$(val bind80 "$out")"
	check_eq "ambient: nobody opens a raw socket" "ok" "$(val raw "$out")"
	compare_dump amb "$T_TMP/amb.capbin" "$out"
fi

# noroot at exec: root gets only what ambient gives.
if policy noroot 'service r { keep net_bind_service  securebits noroot }'; then
	run noroot status bind80 raw
	check_eq "noroot: root binds :80 through ambient" "ok" "$(val bind80 "$out")"
	check_eq "noroot: and nothing else" "EPERM" "$(val raw "$out")"
	compare_dump noroot "$T_TMP/noroot.capbin" "$out"
fi

[ "$T_FAILS" -eq 0 ]

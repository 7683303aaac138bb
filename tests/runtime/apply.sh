#!/bin/sh
# Applying a stage with capload, checked against what the kernel reports.
. "${CAPC_SRC:-.}/tests/lib.sh"
. "${CAPC_SRC:-.}/tests/runtime/helpers.inc"

has_cap() { [ $((0x$1 >> $2 & 1)) -eq 1 ]; }
for c in 6 7 8 $CAP_NET_BIND_SERVICE $CAP_NET_RAW; do
	has_cap "$START_PRM" $c || { fail "the suite needs capability $c in its permitted set (has $START_PRM)"; exit 1; }
done
unpriv=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)
check "port 80 is privileged here (ip_unprivileged_port_start=$unpriv)" [ "$unpriv" -gt 80 ]

# Ambient: nobody keeps cap_net_bind_service across exec.
out=$(priv "$CL" ambient.capbin -- "$PR" status bind80 2>&1)
check_eq "ambient: runs as nobody" "65534 65534 65534 65534" "$(val Uid "$out")"
check_eq "ambient: gid is nobody's primary group" "$(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody)" "$(val Gid "$out")"
check_eq "ambient: no supplementary groups" "" "$(val Groups "$out")"
check_eq "ambient: CapAmb" 0000000000000400 "$(val CapAmb "$out")"
check_eq "ambient: CapPrm" 0000000000000400 "$(val CapPrm "$out")"
check_eq "ambient: CapEff" 0000000000000400 "$(val CapEff "$out")"
check_eq "ambient: CapBnd keeps only net_bind_service" 0000000000000400 "$(val CapBnd "$out")"
check_eq "ambient: no_new_privs" 1 "$(val NoNewPrivs "$out")"
check_eq "ambient: nobody binds 127.0.0.1:80" ok "$(val bind80 "$out")"

out=$(priv "$CL" noambient.capbin -- "$PR" status bind80 2>&1)
check_eq "no ambient: CapAmb empty" 0000000000000000 "$(val CapAmb "$out")"
check_eq "no ambient: nothing permitted after exec" 0000000000000000 "$(val CapPrm "$out")"
check_eq "no ambient: bind :80 refused" EACCES "$(val bind80 "$out")"

# Bounding set: cap_net_raw dropped, everything else as it was.
out=$(priv "$CL" bounding.capbin -- "$PR" status raw 2>&1)
check_eq "bounding: CapBnd lacks cap_net_raw only" "$(hex64 "0x$START_BND & ~(1 << $CAP_NET_RAW)")" "$(val CapBnd "$out")"
check_eq "bounding: root's permitted set follows the bounding set" "$(hex64 "0x$START_BND & ~(1 << $CAP_NET_RAW)")" "$(val CapPrm "$out")"
check_eq "bounding: raw socket refused" EPERM "$(val raw "$out")"
out=$("$PR" raw)
check_eq "without capload the raw socket opens" ok "$(val raw "$out")"

# Securebits, locked: no way back to root.
out=$(priv "$CL" secbits.capbin -- "$PR" status setuid0 2>&1)
check_eq "securebits: noroot, no_setuid_fixup, keep_caps_locked, all locked" 0x2f "$(val securebits "$out")"
check_eq "securebits: uid nobody" "65534 65534 65534 65534" "$(val Uid "$out")"
check_eq "securebits: setuid(0) fails" EPERM "$(val setuid0 "$out")"
touch "$T_TMP/owned"
out=$(priv "$CL" noroot.capbin -- "$PR" status chown "$T_TMP/owned" 2>&1)
check_eq "noroot: still uid 0" "0 0 0 0" "$(val Uid "$out")"
check_eq "noroot: uid 0 gets no capabilities from exec" 0000000000000000 "$(val CapEff "$out")"
check_eq "noroot: chown as root refused" EPERM "$(val chown "$out")"
check_eq "noroot: securebits" 0x03 "$(val securebits "$out")"

# seccomp: getppid -> EACCES, the rest allowed.
out=$(priv "$CL" seccomp.capbin -- "$PR" status getppid raw 2>&1)
check_eq "seccomp: denied syscall returns its errno" EACCES "$(val getppid "$out")"
check_eq "seccomp: mode 2" 2 "$(val Seccomp "$out")"
check_eq "seccomp: one filter" 1 "$(val Seccomp_filters "$out")"
check_eq "seccomp: no_new_privs set first" 1 "$(val NoNewPrivs "$out")"
check_eq "seccomp: other syscalls allowed" ok "$(val raw "$out")"

# Identity: numeric gid, a named and a numeric supplementary group.
users=$(getent group users | cut -d: -f3)
out=$(priv "$CL" ids.capbin -- "$PR" status 2>&1)
check_eq "ids: uid" "65534 65534 65534 65534" "$(val Uid "$out")"
check_eq "ids: gid 4321" "4321 4321 4321 4321" "$(val Gid "$out")"
check_eq "ids: groups users($users) and 4242" "$users 4242" "$(val Groups "$out")"
check_eq "ids: no capabilities left" 0000000000000000 "$(val CapPrm "$out")"

# Failing steps: exit 127, the command never runs.
rm -f marker
out=$(priv "$CL" bounding.capbin -- "$CL" needraw.capbin -- "$PR" touch marker 2>&1)
rc=$?
check_eq "kept cap missing (pre-dropped bounding set): exit 127" 127 "$rc"
check_contains "kept cap missing: message" "capload: capset: cap_net_raw is not in the permitted set (capload must start with it)" "$out"
check "kept cap missing: command did not run" [ ! -e marker ]

out=$(priv "$CL" nouser.capbin -- "$PR" touch marker 2>&1)
rc=$?
check_eq "unknown user: exit 127" 127 "$rc"
check_contains "unknown user: message" "capload: user: no such user 'capc-no-such-user'" "$out"
check "unknown user: command did not run" [ ! -e marker ]

out=$(priv "$CL" otherarch.capbin -- "$PR" touch marker 2>&1)
rc=$?
check_eq "filters for another arch only: exit 127" 127 "$rc"
check_contains "another arch: message" "capload: arch: blob has filters for" "$out"
check "another arch: command did not run" [ ! -e marker ]

exit 0

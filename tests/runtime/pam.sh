#!/bin/sh
# pam_capc through the real libpam. tests/runtime/pam_login.c opens a session
# the way login(1) does, with a service file in a scratch PAM directory
# (pam_start_confdir), then becomes the user (setgid, initgroups, setuid)
# and runs the probe or ping. Users and a group are created for the test and
# removed afterwards, whatever happens.
. "${CAPC_SRC:-.}/tests/lib.sh"
. "${CAPC_SRC:-.}/tests/runtime/helpers.inc"

MOD="$CAPC_BUILD/pam_capc.so"
DRV="$CAPC_BUILD/tests/pam_login"
for f in "$MOD" "$DRV"; do
	[ -e "$f" ] || { fail "missing $f (run make tests)"; exit 1; }
done
for t in useradd userdel groupadd groupdel setpriv nm od dd; do
	command -v "$t" >/dev/null 2>&1 || { fail "the suite needs $t"; exit 1; }
done
PING=$(command -v ping) || { fail "the suite needs ping (iputils-ping)"; exit 1; }

CAP_KILL=5
CAP_SYS_CHROOT=18
CAP_MKNOD=27
CAP_LEASE=28
CAP_AUDIT_WRITE=29
for c in $CAP_KILL $CAP_NET_RAW $CAP_SYS_CHROOT $CAP_MKNOD $CAP_LEASE $CAP_AUDIT_WRITE; do
	[ $((0x$START_BND >> c & 1)) -eq 1 ] || { fail "the suite needs capability $c in the bounding set ($START_BND)"; exit 1; }
done
# bnd_without CAP...: the starting bounding set without these.
bnd_without() {
	m=0
	for c in "$@"; do m=$((m | 1 << c)); done
	hex64 "0x$START_BND & ~$m"
}

# ---------------------------------------------------------------- users
S=$$
GRP=capcg$S
TAK=capct$S  # user rule by name: the pam_cap_drop example
OTH=capco$S  # no rule by name; a rule by uid in the numeric policy
PRI=capcp$S  # primary group GRP
SUP=capcs$S  # supplementary member of GRP
BOTH=capcb$S # member of GRP with a user rule of its own
NOUSER=capcx$S
cleanup() {
	for u in $TAK $OTH $PRI $SUP $BOTH; do
		userdel "$u" 2>/dev/null
	done
	groupdel "$GRP" 2>/dev/null
	rm -rf "$T_TMP"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

groupadd "$GRP" &&
	useradd -M -U "$TAK" &&
	useradd -M -U "$OTH" &&
	useradd -M -N -g "$GRP" "$PRI" &&
	useradd -M -U -G "$GRP" "$SUP" &&
	useradd -M -U -G "$GRP" "$BOTH" || { fail "create the test users and group"; exit 1; }
GID=$(getent group "$GRP" | cut -d: -f3)
OTH_UID=$(id -u "$OTH")

# ---------------------------------------------------------------- policies
cat >login.cap <<EOF
session login {
    user $TAK drop net_raw
    user $BOTH drop sys_chroot
    group $GRP drop net_raw, mknod
}
EOF
cat >numeric.cap <<EOF
session numeric {
    user $OTH_UID drop audit_write
    group capcgone$S drop lease, net_raw
    group $GID drop lease
    default { drop net_raw, kill }
}
EOF
cat >extras.cap <<EOF
session extras {
    user $TAK { drop net_raw  no_new_privs }
    user $OTH lock
    user $PRI inherit net_raw
    user $SUP {
        drop sys_chroot
        seccomp { default allow  deny getppid errno EACCES }
    }
}
EOF
# The shipped example, with the test's user and group for tak and guests.
sed -e "s/\<tak\>/$TAK/g" -e "s/\<guests\>/$GRP/g" "$CAPC_SRC/policies/examples/login.cap" >example.cap
for p in login numeric extras example; do
	"$CAPC" -w "$p.cap" -o "$p.capbin" || { fail "compile $p.cap"; exit 1; }
done
"$CAPC" -w "$CAPC_SRC/policies/examples/ping.cap" -o service.capbin || { fail "compile ping.cap"; exit 1; }
chmod 644 ./*.capbin

# flip FILE OFFSET: invert one byte in place.
flip() {
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
cp login.capbin corrupt.capbin
flip corrupt.capbin 200
cp login.capbin groupw.capbin
chmod 664 groupw.capbin
cp login.capbin userowned.capbin
chown "$TAK" userowned.capbin
# A root-owned blob in a directory others may write: they could swap it.
mkdir -m 0777 opendir
cp login.capbin opendir/login.capbin

# The commands run as the test users: their marker lives where they can write.
mkdir -m 1777 "$T_TMP/mark"
M="$T_TMP/mark/marker"

CONF="$T_TMP/pam.d"
mkdir "$CONF"
# svc NAME ARGS...: a service file with one session line for pam_capc.
svc() {
	name=$1
	shift
	echo "session required $MOD $*" >"$CONF/$name"
}
svc capc-test policy="$T_TMP/login.capbin" debug
svc capc-numeric policy="$T_TMP/numeric.capbin" debug
svc capc-extras policy="$T_TMP/extras.capbin" debug
svc capc-example policy="$T_TMP/example.capbin"
svc capc-corrupt policy="$T_TMP/corrupt.capbin"
svc capc-missing policy="$T_TMP/missing.capbin"
svc capc-service policy="$T_TMP/service.capbin"
svc capc-groupw policy="$T_TMP/groupw.capbin"
svc capc-userowned policy="$T_TMP/userowned.capbin"
svc capc-opendir policy="$T_TMP/opendir/login.capbin"
svc capc-fo-missing policy="$T_TMP/missing.capbin" fail_open
svc capc-fo-corrupt policy="$T_TMP/corrupt.capbin" fail_open
svc capc-fo-valid policy="$T_TMP/login.capbin" fail_open
svc capc-badarg policy="$T_TMP/login.capbin" bogus
svc capc-noarg debug
svc capc-relative policy=login.capbin

# login SERVICE [DRIVER OPTIONS] USER [-- CMD...]: run the driver; $out gets
# its stdout and stderr (pam_syslog messages included), $rc its status.
# Under SANITIZE=1 the driver and the module it loads through libpam are
# both instrumented, and LeakSanitizer checks the driver at exit: any
# sanitizer report fails the suite. ($LOGIN_WRAP: see the seccomp case.)
LOGIN_WRAP=
login() {
	s=$1
	shift
	rm -f "$M"
	out=$($LOGIN_WRAP "$DRV" -c "$CONF" -s "$s" "$@" 2>&1)
	rc=$?
	case "$out" in
	*Sanitizer* | *"runtime error:"*)
		fail "sanitizer report: service $s, $*"
		printf '%s\n' "$out" | grep -A12 -E 'Sanitizer|runtime error:' | sed 's/^/#   /'
		;;
	esac
}
# log_has DESC TEXT: $out contains TEXT.
log_has() {
	check_contains "$1" "$2" "$out"
}

nm_out=$(nm -D --defined-only "$MOD" | awk '{print $3}' | sort | tr '\n' ' ')
check_eq "the module exports only the PAM entry points" "pam_sm_close_session pam_sm_open_session " "$nm_out"

# ---------------------------------------------------------------- libpam set-up
# (libpam 1.5.2 leaks 96 bytes when pam_start fails: no leak check here.)
LOGIN_WRAP=priv
login capc-nosuch "$TAK" -- "$PR" touch "$M"
LOGIN_WRAP=
check_eq "a service file missing from the scratch directory: pam_start fails (confdir used)" "3 PAM_ABORT" \
	"$rc $(val pam_start "$out")"
check "missing service file: the command did not run" [ ! -e "$M" ]

# ---------------------------------------------------------------- rules by name
# tak: the pam_cap_drop example. The login program also holds an inheritable
# capability (net_raw, sys_chroot): the drop must take it out of there too.
inh=$(printf '%x' $((1 << CAP_NET_RAW | 1 << CAP_SYS_CHROOT)))
login capc-test -i "$inh" "$TAK" -- "$PR" status raw
check_eq "tak: session opened" "PAM_SUCCESS (Success)" "$(val open_session "$out")"
check_eq "tak: the shell runs as tak" "$(id -u "$TAK") $(id -u "$TAK") $(id -u "$TAK") $(id -u "$TAK")" "$(val Uid "$out")"
check_eq "tak: CapBnd without net_raw" "$(bnd_without $CAP_NET_RAW)" "$(val CapBnd "$out")"
check_eq "tak: CapInh lost net_raw, kept sys_chroot" "$(hex64 "1 << $CAP_SYS_CHROOT")" "$(val CapInh "$out")"
check_eq "tak: nothing permitted" 0000000000000000 "$(val CapPrm "$out")"
check_eq "tak: raw socket refused" EPERM "$(val raw "$out")"
check_eq "tak: session closed" PAM_SUCCESS "$(val close_session "$out")"
log_has "tak: debug names the rule" "pam_capc(capc-test:session): user '$TAK' (uid $(id -u "$TAK"), gid $(id -g "$TAK"), 1 groups): rule 1 'user $TAK' of session 'login' matches"
log_has "tak: debug says what changed" "rule 'user $TAK' for user '$TAK': applied: bounding set -cap_net_raw; inheritable -cap_net_raw"

# ping has the file capability cap_net_raw=ep; without net_raw in the
# bounding set the kernel refuses to execute it (it could not run as meant).
login capc-test "$TAK" -- "$PING" -c1 -W1 127.0.0.1
check_eq "tak: ping cannot start: execve EPERM, exit 126" "126 EPERM" "$rc $(val exec "$out")"
log_has "tak: ping message" "exec $PING: Operation not permitted"

login capc-test "$OTH" -- "$PR" status
check_eq "no rule: session opened" "PAM_SUCCESS (Success)" "$(val open_session "$out")"
check_eq "no rule: CapBnd unchanged" "$START_BND" "$(val CapBnd "$out")"
log_has "no rule: debug says so" "user '$OTH' (uid $OTH_UID): no rule of session 'login' matches; nothing applied"
login capc-test "$OTH" -- "$PING" -c1 -W1 127.0.0.1
check_eq "no rule: ping works" 0 "$rc"
log_has "no rule: ping got its reply" "1 received"

login capc-test "$PRI" -- "$PR" status
check_eq "group rule, primary member: gid" "$GID $GID $GID $GID" "$(val Gid "$out")"
check_eq "group rule, primary member: CapBnd without net_raw, mknod" "$(bnd_without $CAP_NET_RAW $CAP_MKNOD)" "$(val CapBnd "$out")"
log_has "group rule, primary member: debug names the rule" "rule 3 'group $GRP' of session 'login' matches"

login capc-test "$SUP" -- "$PR" status
check_contains "group rule, supplementary member: in the group" " $GID" " $(val Groups "$out")"
check_eq "group rule, supplementary member: CapBnd without net_raw, mknod" "$(bnd_without $CAP_NET_RAW $CAP_MKNOD)" "$(val CapBnd "$out")"
login capc-test "$SUP" -- "$PING" -c1 -W1 127.0.0.1
check_eq "group rule, supplementary member: ping cannot start" "126 EPERM" "$rc $(val exec "$out")"

login capc-test "$BOTH" -- "$PR" status
check_eq "user rule wins over group rule: CapBnd without sys_chroot only" "$(bnd_without $CAP_SYS_CHROOT)" "$(val CapBnd "$out")"
log_has "user rule wins: debug names it" "rule 2 'user $BOTH' of session 'login' matches"
login capc-test "$BOTH" -- "$PING" -c1 -W1 127.0.0.1
check_eq "user rule wins: ping works" 0 "$rc"

login capc-test root -- "$PR" status
check_eq "root, no rule: CapBnd unchanged" "$START_BND" "$(val CapBnd "$out")"
login capc-test root -- "$PING" -c1 -W1 127.0.0.1
check_eq "root, no rule: ping works" 0 "$rc"

# ---------------------------------------------------------------- rules by number, default
login capc-numeric "$OTH" -- "$PR" status
check_eq "user rule by uid" "$(bnd_without $CAP_AUDIT_WRITE)" "$(val CapBnd "$out")"
log_has "user rule by uid: debug" "rule 1 'user $OTH_UID' of session 'numeric' matches"
login capc-numeric "$SUP" -- "$PR" status
check_eq "group rule by gid, supplementary member" "$(bnd_without $CAP_LEASE)" "$(val CapBnd "$out")"
login capc-numeric "$PRI" -- "$PR" status
check_eq "group rule by gid, primary member" "$(bnd_without $CAP_LEASE)" "$(val CapBnd "$out")"
login capc-numeric "$TAK" -- "$PR" status
check_eq "default rule" "$(bnd_without $CAP_NET_RAW $CAP_KILL)" "$(val CapBnd "$out")"
log_has "default rule: debug" "rule 4 'default' of session 'numeric' matches"
log_has "a group unknown here matches no one" "rule 'group capcgone$S': no such group here; it matches no one"
login capc-numeric root -- "$PR" status
check_eq "default rule, root: root's shell holds the bounding set only" \
	"$(bnd_without $CAP_NET_RAW $CAP_KILL) $(bnd_without $CAP_NET_RAW $CAP_KILL)" \
	"$(val CapBnd "$out") $(val CapPrm "$out")"
login capc-numeric root -- "$PING" -c1 -W1 127.0.0.1
check_eq "default rule, root: ping cannot start" "126 EPERM" "$rc $(val exec "$out")"

# ---------------------------------------------------------------- what survives the login switch
login capc-extras "$TAK" -- "$PR" status
check_eq "no_new_privs survives into the shell" 1 "$(val NoNewPrivs "$out")"
login capc-extras "$PRI" -- "$PR" status
check_eq "inherit net_raw: CapInh of the shell" "$(hex64 "1 << $CAP_NET_RAW")" "$(val CapInh "$out")"
# LeakSanitizer's tracer calls getppid(), which this filter denies in the
# driver too: no leak check for this one run.
LOGIN_WRAP=priv
login capc-extras "$SUP" -- "$PR" status getppid
LOGIN_WRAP=
check_eq "seccomp survives: mode 2" 2 "$(val Seccomp "$out")"
check_eq "seccomp survives: getppid denied" EACCES "$(val getppid "$out")"
check_eq "seccomp rule: CapBnd" "$(bnd_without $CAP_SYS_CHROOT)" "$(val CapBnd "$out")"
login capc-extras "$OTH" -- "$PR" status
# In a session, lock is noroot + keep_caps off, both locked (0x23): it
# leaves out no_setuid_fixup so the login program's own switch to the user
# still clears root's capabilities (docs/language.md, section 8).
check_eq "lock survives: securebits (session lock: 0x23)" 0x23 "$(val securebits "$out")"
check_eq "lock: the shell holds nothing" 0000000000000000 "$(val CapPrm "$out")"
# The sshd-style check: after the login child's setuid() the old uid
# cannot come back, with lock as without it.
login capc-extras -x "$OTH" -- "$PR" touch "$M"
check_eq "lock: the login child's switch is permanent (sshd's check passes)" "0 EPERM" \
	"$rc $(val setuid0 "$out")"
login capc-extras -x "$TAK" -- "$PR" touch "$M"
check_eq "without lock the switch is permanent" "0 EPERM" "$rc $(val setuid0 "$out")"
check "a session that opens runs the command (the marker the refusals look for)" [ -e "$M" ]

# ---------------------------------------------------------------- policies/examples/login.cap
login capc-example "$TAK" -- "$PING" -c1 -W1 127.0.0.1
check_eq "example: tak cannot start ping" "126 EPERM" "$rc $(val exec "$out")"
login capc-example "$SUP" -- "$PR" status
check_eq "example: a guest's bounding set is empty" 0000000000000000 "$(val CapBnd "$out")"
check_eq "example: a guest has no_new_privs" 1 "$(val NoNewPrivs "$out")"
login capc-example "$PRI" -- "$PING" -c1 -W1 127.0.0.1
check_eq "example: a guest (primary group) cannot start ping" "126 EPERM" "$rc $(val exec "$out")"
login capc-example "$OTH" -- "$PING" -c1 -W1 127.0.0.1
check_eq "example: everyone else pings" 0 "$rc"

# ---------------------------------------------------------------- failures: fail closed
login capc-corrupt "$TAK" -- "$PR" touch "$M"
check_eq "corrupted blob: pam_open_session fails" "4 PAM_SESSION_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
check "corrupted blob: the command did not run" [ ! -e "$M" ]
log_has "corrupted blob: syslog says why" "pam_capc(capc-corrupt:session): policy $T_TMP/corrupt.capbin: checksum: blob is corrupted"

login capc-missing "$TAK" -- "$PR" touch "$M"
check_eq "missing blob: pam_open_session fails" "4 PAM_SESSION_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
check "missing blob: the command did not run" [ ! -e "$M" ]
log_has "missing blob: syslog says why" "policy $T_TMP/missing.capbin: open: No such file or directory: session refused"

login capc-service "$TAK" -- "$PR" touch "$M"
check_eq "service blob: refused" "4 PAM_SESSION_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
check "service blob: the command did not run" [ ! -e "$M" ]
log_has "service blob: syslog says why" "kind: service 'ping' is not a session policy"

login capc-groupw "$TAK" -- "$PR" touch "$M"
check_eq "group-writable blob: refused" "4 PAM_SESSION_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
log_has "group-writable blob: syslog says why" "trust: $T_TMP/groupw.capbin is owned by uid 0 with mode 0664"
login capc-userowned "$TAK" -- "$PR" touch "$M"
check_eq "blob owned by a user: refused" "4 PAM_SESSION_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
log_has "blob owned by a user: syslog says why" "trust: $T_TMP/userowned.capbin is owned by uid $(id -u "$TAK") with mode 0644"
login capc-opendir "$TAK" -- "$PR" touch "$M"
check_eq "blob in a world-writable directory: refused" "4 PAM_SESSION_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
check "blob in a world-writable directory: the command did not run" [ ! -e "$M" ]
log_has "blob in a world-writable directory: syslog says why" "directory $T_TMP/opendir has mode 0777"
# The reason reaches the user through the conversation too: with no
# syslog (here: nothing copied to stderr) it was lost behind PAM's generic
# "Cannot make/remove an entry for the specified session".
out=$($LOGIN_WRAP "$DRV" -n -c "$CONF" -s capc-opendir "$TAK" -- "$PR" touch "$M" 2>&1)
check_contains "refusal without syslog: the conversation shows the reason" \
	"pam_login: conv: pam_capc: policy $T_TMP/opendir/login.capbin: trust: $T_TMP/opendir/login.capbin: directory $T_TMP/opendir has mode 0777" "$out"
out=$($LOGIN_WRAP "$DRV" -n -S -c "$CONF" -s capc-opendir "$TAK" -- "$PR" touch "$M" 2>&1)
check_eq "refusal with PAM_SILENT: the conversation stays quiet, the session is still refused" "PAM_SESSION_ERR " \
	"$(val open_session "$out" | cut -d' ' -f1) $(printf '%s\n' "$out" | grep -c 'conv: pam_capc' | sed 's/^0$//')"
CAPR_TRUST_ANY_FILE=1 login capc-opendir "$TAK" -- "$PR" touch "$M"
check_eq "pam_capc ignores CAPR_TRUST_ANY_FILE" "4 PAM_SESSION_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"

login capc-fo-missing "$TAK" -- "$PR" status touch "$M"
check_eq "fail_open, missing blob: session opened" "0 PAM_SUCCESS" "$rc $(val open_session "$out" | cut -d' ' -f1)"
check "fail_open, missing blob: the command ran" [ -e "$M" ]
check_eq "fail_open, missing blob: unrestricted" "$START_BND" "$(val CapBnd "$out")"
log_has "fail_open, missing blob: logged loudly" "policy $T_TMP/missing.capbin: open: No such file or directory; fail_open: the session proceeds WITHOUT capability restrictions"
login capc-fo-corrupt "$TAK" -- "$PR" touch "$M"
check_eq "fail_open, corrupted blob: session opened" "0 PAM_SUCCESS" "$rc $(val open_session "$out" | cut -d' ' -f1)"
log_has "fail_open, corrupted blob: logged" "checksum: blob is corrupted (stored"

login capc-badarg "$TAK" -- "$PR" touch "$M"
check_eq "unknown argument: PAM_SERVICE_ERR" "4 PAM_SERVICE_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
check "unknown argument: the command did not run" [ ! -e "$M" ]
log_has "unknown argument: logged" "unknown argument 'bogus' (known: policy=PATH, debug, fail_open)"
login capc-noarg "$TAK" -- "$PR" touch "$M"
check_eq "no policy argument: PAM_SERVICE_ERR" "4 PAM_SERVICE_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
log_has "no policy argument: logged" "no policy=PATH argument"
login capc-relative "$TAK" -- "$PR" touch "$M"
check_eq "relative policy path: PAM_SERVICE_ERR" "4 PAM_SERVICE_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
log_has "relative policy path: logged" "the policy path must be absolute"

login capc-test "$NOUSER" -- "$PR" touch "$M"
check_eq "user unknown to NSS: refused" "4 PAM_SESSION_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
log_has "user unknown to NSS: logged" "user '$NOUSER' is unknown to NSS (getpwnam): session refused"

# The login program lacks cap_setpcap: the apply fails before any change.
rm -f "$M"
out=$(priv setpriv --bounding-set=-setpcap "$DRV" -c "$CONF" -s capc-fo-valid "$TAK" -- "$PR" touch "$M" 2>&1)
rc=$?
check_eq "apply impossible (no cap_setpcap), even with fail_open: refused" "4 PAM_SESSION_ERR" \
	"$rc $(val open_session "$out" | cut -d' ' -f1)"
check "apply impossible: the command did not run" [ ! -e "$M" ]
log_has "apply impossible: logged" "rule 'user $TAK' for user '$TAK': bounding: dropping from the bounding set needs cap_setpcap in the effective set (nothing was changed): session refused"

# A partial apply: the bounding set is changed, then the filter cannot be
# synchronized to a thread that has a filter of its own.
login capc-extras -t "$SUP" -- "$PR" touch "$M"
check_eq "partial apply: PAM_SYSTEM_ERR" "4 PAM_SYSTEM_ERR" "$rc $(val open_session "$out" | cut -d' ' -f1)"
check "partial apply: the command did not run" [ ! -e "$M" ]
log_has "partial apply: logged" "seccomp: thread"
log_has "partial apply: says the process was changed" "the process was partly restricted: the session must not start"
exit 0

#!/bin/sh
# capload itself: options, refusals before any change, dry run, hand-over
# of later stages, the preload checks.
. "${CAPC_SRC:-.}/tests/lib.sh"
. "${CAPC_SRC:-.}/tests/runtime/helpers.inc"

out=$("$CL" --help 2>&1)
check_eq "--help exits 0" 0 $?
check_contains "--help shows the usage" "capload [--dry-run] [--verbose] [--] BLOB -- CMD" "$out"
check_contains "--version" "capload (capc) " "$("$CL" --version)"
"$CL" >/dev/null 2>&1
check_eq "no arguments: exit 127" 127 $?
out=$("$CL" ambient.capbin "$PR" 2>&1)
check_eq "missing '--' before the command: exit 127" 127 $?
check_contains "missing '--': message" "capload: usage:" "$out"
"$CL" --bogus ambient.capbin -- true >/dev/null 2>&1
check_eq "unknown option: exit 127" 127 $?

# Corrupted and truncated blobs: refused, the command never runs.
size=$(wc -c <points.capbin)
cp points.capbin flipped.capbin
printf '\377' | dd of=flipped.capbin bs=1 seek=200 conv=notrunc 2>/dev/null
rm -f marker
out=$("$CL" flipped.capbin -- "$PR" touch marker 2>&1)
check_eq "corrupted blob: exit 127" 127 $?
check_contains "corrupted blob: checksum message" "capload: checksum: blob is corrupted (stored 0x" "$out"
check "corrupted blob: command did not run" [ ! -e marker ]
head -c 300 points.capbin >short.capbin
out=$("$CL" short.capbin -- "$PR" touch marker 2>&1)
check_eq "truncated blob: exit 127" 127 $?
check_eq "truncated blob: message" "capload: blob: truncated: header says $size bytes, file has 300" "$out"
check "truncated blob: command did not run" [ ! -e marker ]
out=$("$CL" "$T_TMP/nonexistent.capbin" -- "$PR" touch marker 2>&1)
check_eq "missing blob: exit 127" 127 $?
check_contains "missing blob: message" "capload: open: $T_TMP/nonexistent.capbin: No such file or directory" "$out"
printf 'not a blob at all\n' >text.capbin
out=$("$CL" text.capbin -- "$PR" touch marker 2>&1)
check_contains "a text file: bad magic" "capload: blob: not a capbin blob (bad magic)" "$out"
check "bad blobs: command never ran" [ ! -e marker ]

# CMD is opened once and executed from that descriptor: what was checked
# is what runs, whatever the path names by then.
if command -v strace >/dev/null 2>&1; then
	strace -f -qq -e trace=execve,execveat -o trace.txt "$CL" ambient.capbin -- "$PR" env CAPC_X >/dev/null 2>&1
	check_contains "capload executes CMD from the descriptor it checked (execveat AT_EMPTY_PATH)" \
		'"", ["'"$PR"'", "env", "CAPC_X"]' "$(grep execveat trace.txt)"
	check_eq "capload does not execute CMD by its path again" "" "$(grep "execve(\"$PR\"" trace.txt)"
else
	fail "strace is missing (tools/install-deps.sh installs it)"
fi
printf '#!/bin/sh\necho "script ran: $1"\n' >hashbang.sh
printf 'echo "plain script ran: $1"\n' >plain.sh
chmod 755 hashbang.sh plain.sh
check_eq "a #! script runs from its descriptor" "script ran: a" "$("$CL" ambient.capbin -- ./hashbang.sh a 2>&1)"
check_eq "a script without #! runs with /bin/sh, as execvp does" "plain script ran: b" "$("$CL" ambient.capbin -- ./plain.sh b 2>&1)"

# A group database that cannot be read is an error, not "no such group"
# (glibc reports an unreadable /etc/group as not found).
if unshare -m true 2>/dev/null; then
	printf 'service grp { group daemon }\n' >grp.cap
	"$CAPC" grp.cap -o grp.capbin 2>/dev/null
	# mode 000, and capload without the capabilities that read past it
	: >unreadable
	chmod 000 unreadable
	out=$(unshare -m sh -c 'mount --bind "$1/unreadable" /etc/group &&
		setpriv --bounding-set -dac_override,-dac_read_search "$2" "$1/grp.capbin" -- "$3" env X' \
		sh "$T_TMP" "$CL" "$PR" 2>&1)
	check_eq "unreadable /etc/group: exit 127" 127 $?
	check_eq "unreadable /etc/group: the reason, not 'no such group'" \
		"capload: group: cannot look up group 'daemon': Permission denied" "$out"
else
	fail "unshare -m does not work here"
fi

# /proc/sys/kernel/cap_last_cap saying less than the kernel has (a bind
# mount): the bounding set is still cut to exactly the policy's, up to the
# kernel's own last capability. It was cut up to the file's number only,
# and the verification, masked the same way, passed.
if unshare -m true 2>/dev/null; then
	printf 'service bnd { bound net_bind_service }\n' >bnd.cap
	"$CAPC" -w bnd.cap -o bnd.capbin
	printf '30\n' >lastcap
	out=$(unshare -m sh -c 'mount --bind "$1/lastcap" /proc/sys/kernel/cap_last_cap && "$2" "$1/bnd.capbin" -- "$3" status' \
		sh "$T_TMP" "$CL" "$PR" 2>&1)
	check_eq "cap_last_cap lying low: the bounding set is exactly the policy's" 0000000000000400 "$(val CapBnd "$out")"
fi

# Blobs a non-root user could have written decide nothing for root (like
# sshd's StrictModes): the file and every directory above it. Before this
# check, a nobody-owned 0666 blob ran the command with whatever it said.
NOBODY=$(id -u nobody)
trust_refused() { # DESC BLOB EXPECTED-MESSAGE
	rm -f marker
	out=$("$CL" "$2" -- "$PR" touch marker 2>&1)
	check_eq "$1: exit 127" 127 $?
	check_contains "$1: message" "$3" "$out"
	check "$1: command did not run" [ ! -e marker ]
}
cp ambient.capbin nobody.capbin
chown nobody nobody.capbin
trust_refused "blob owned by nobody" nobody.capbin \
	"capload: trust: nobody.capbin is owned by uid $NOBODY with mode 0644: a root process only uses files owned by root"
cp ambient.capbin open.capbin
chmod 0666 open.capbin
trust_refused "world-writable blob" open.capbin "capload: trust: open.capbin is owned by uid 0 with mode 0666"
cp ambient.capbin grp.capbin
chmod 0620 grp.capbin
trust_refused "group-writable blob" grp.capbin "with mode 0620"
mkdir -m 0777 wdir
cp ambient.capbin wdir/a.capbin
trust_refused "blob in a 0777 directory" wdir/a.capbin \
	"capload: trust: wdir/a.capbin: directory $T_TMP/wdir has mode 0777: others could replace the file"
mkdir -m 0755 udir
chown nobody udir
cp ambient.capbin udir/a.capbin
trust_refused "blob in a directory owned by nobody" udir/a.capbin "directory $T_TMP/udir is owned by uid $NOBODY"
mkdir -p deep/er
cp ambient.capbin deep/er/a.capbin
chmod 0777 deep
trust_refused "a writable directory further up the path" deep/er/a.capbin "directory $T_TMP/deep has mode 0777"
ln -s wdir/a.capbin link.capbin
trust_refused "a symlink into a writable directory: the real directory counts" link.capbin "directory $T_TMP/wdir has mode 0777"
mkdir -m 1777 sticky
cp ambient.capbin sticky/a.capbin
out=$("$CL" sticky/a.capbin -- "$PR" env CAPC_RAN 2>&1)
check_eq "blob in a root-owned sticky directory (like /tmp): accepted, the command ran" "0 (unset)" "$? $(val env.CAPC_RAN "$out")"
out=$(CAPR_TRUST_ANY_FILE=1 "$CL" nobody.capbin -- "$PR" env CAPC_RAN 2>&1)
check_eq "CAPR_TRUST_ANY_FILE=1 overrides the check" "0 (unset)" "$? $(val env.CAPC_RAN "$out")"
out=$("$PR" open "$T_TMP/nobody.capbin" open "$T_TMP/wdir/a.capbin" open "$T_TMP/ambient.capbin" 2>&1)
check_eq "capr_open as root refuses the same files" \
	"trust: $T_TMP/nobody.capbin is owned by uid $NOBODY with mode 0644: a root process only uses files owned by root and writable by no one else|trust: $T_TMP/wdir/a.capbin: directory $T_TMP/wdir has mode 0777: others could replace the file (make it writable by root only, or sticky)|ok" \
	"$(printf '%s\n' "$out" | sed -n 's/^open=//p' | paste -sd'|')"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$PR" open "$T_TMP/nobody.capbin" 2>&1)
check_eq "capr_open as a user: that user's own files are fine" ok "$(val open "$out")"

# A typo in the command: refused before anything is applied.
out=$(priv "$CL" ambient.capbin -- capc-no-such-command 2>&1)
check_eq "unknown command: exit 127" 127 $?
check_contains "unknown command: message" "capload: exec: capc-no-such-command: command not found" "$out"
out=$(priv "$CL" ambient.capbin -- "$T_TMP/ambient.capbin" 2>&1)
check_contains "non-executable command: refused" "capload: exec: $T_TMP/ambient.capbin: Permission denied" "$out"

# PATH search as execvp.
out=$(cd / && PATH="$T_TMP:/usr/bin:/bin" priv "$CL" "$B/seccomp.capbin" -- probe getppid 2>&1)
check_eq "command found in PATH" EACCES "$(val getppid "$out")"

# --dry-run: steps printed, nothing applied, the command not run.
out=$("$CL" --dry-run ambient.capbin -- "$PR" touch marker 2>&1)
check_eq "--dry-run: exit 0" 0 $?
check_contains "--dry-run: bounding step" "capload: dry-run: bounding: drop " "$out"
check_contains "--dry-run: keep_caps step" "capload: dry-run: keep_caps: set until the switch to uid 65534" "$out"
check_contains "--dry-run: setresuid step" "capload: dry-run: setresuid: 0 -> 65534 (nobody)" "$out"
check_contains "--dry-run: ambient step" "capload: dry-run: ambient: raise cap_net_bind_service" "$out"
check_contains "--dry-run: exec not run" "capload: dry-run: exec: $PR (not run)" "$out"
check "--dry-run: command did not run" [ ! -e marker ]
check_eq "--dry-run: the caller is unchanged" "$START" "$("$PR" status)"
out=$("$CL" --dry-run nouser.capbin -- "$PR" 2>&1)
check_eq "--dry-run reports step-0 errors: exit 127" 127 $?
check_contains "--dry-run: unknown user" "capload: user: no such user" "$out"

# --verbose: each step as it is applied, then the command runs.
mkdir -m 1777 pub
out=$(priv "$CL" --verbose ambient.capbin -- "$PR" touch pub/marker 2>&1)
check_contains "--verbose: setresuid step" "capload: setresuid: 0 -> 65534 (nobody)" "$out"
check_contains "--verbose: capset step" "capload: capset: permitted cap_net_bind_service; effective cap_net_bind_service; inheritable cap_net_bind_service" "$out"
check_contains "--verbose: exec" "capload: exec: $PR" "$out"
check_eq "--verbose: the command ran (as nobody)" 65534 "$(stat -c %u pub/marker 2>/dev/null)"

# Hand-over: a policy with later stages is passed as a sealed memfd; one
# without later stages is not (and an inherited variable is removed).
out=$(priv "$CL" points.capbin -- "$PR" env CAPR_POLICY_FD 2>&1)
fd=$(val env.CAPR_POLICY_FD "$out")
check "later stages: CAPR_POLICY_FD is a number ($fd)" test "$fd" -ge 0 2>/dev/null
out=$(CAPR_POLICY_FD=7 priv "$CL" ambient.capbin -- "$PR" env CAPR_POLICY_FD 2>&1)
check_eq "no later stages: CAPR_POLICY_FD unset" "(unset)" "$(val env.CAPR_POLICY_FD "$out")"

# Triggered stages need the preload object; refuse targets where the
# loader would ignore it, and never run unrestricted.
cat >static.c <<'CEOF'
#include <fcntl.h>
int main(int argc, char **argv) { return argc > 1 && open(argv[1], O_CREAT | O_WRONLY, 0644) < 0; }
CEOF
if ${CC:-cc} -static -O0 -o static static.c 2>/dev/null; then
	out=$(priv "$CL" trigger.capbin -- "$T_TMP/static" marker 2>&1)
	check_eq "static binary + trigger policy: exit 127" 127 $?
	check_contains "static binary: message" "is statically linked (no PT_INTERP)" "$out"
	check "static binary: not run" [ ! -e marker ]
	printf '#!%s\n' "$T_TMP/static" >script.sh
	chmod 755 script.sh
	out=$(priv "$CL" trigger.capbin -- "$T_TMP/script.sh" marker 2>&1)
	check_contains "#! script with a static interpreter: refused" "$T_TMP/static is statically linked" "$out"
	check "static interpreter: not run" [ ! -e marker ]
	"$T_TMP/static" marker && check "the static test program works unconstrained" [ -e marker ]
	rm -f marker
else
	fail "cannot build a static test program with ${CC:-cc} -static (libc6-dev provides libc.a)"
fi
cp "$PR" suid-probe
chmod 4755 suid-probe
out=$(priv "$CL" trigger.capbin -- "$T_TMP/suid-probe" touch marker 2>&1)
check_eq "setuid binary + trigger policy: exit 127" 127 $?
check_contains "setuid binary: message" "is set-user-ID: the loader ignores LD_PRELOAD" "$out"
cp "$PR" fcap-probe
out=$("$PR" setcapxattr "$T_TMP/fcap-probe")
if [ "$(val setcapxattr "$out")" = ok ]; then
	out=$(priv "$CL" trigger.capbin -- "$T_TMP/fcap-probe" touch marker 2>&1)
	check_eq "file-capability binary + trigger policy: exit 127" 127 $?
	check_contains "file capabilities: message" "has file capabilities" "$out"
else
	fail "cannot set file capabilities in $T_TMP ($out)"
fi
check "refused targets never ran" [ ! -e marker ]

# `lock` implies no_new_privs: a set-user-ID-root program run under it
# stays the user (with noroot alone it became euid 0: no capabilities, but
# root's files, /etc/shadow included).
printf 'service lk { user nobody  lock }\n' >lk.cap
"$CAPC" -w lk.cap -o lk.capbin
out=$(priv "$CL" lk.capbin -- "$T_TMP/suid-probe" status read /etc/shadow 2>&1)
check_eq "lock, then a setuid-root program: no euid 0, no /etc/shadow, NoNewPrivs 1" \
	"$(id -u nobody) $(id -u nobody) $(id -u nobody) $(id -u nobody) EACCES 1" \
	"$(val Uid "$out") $(val read "$out") $(val NoNewPrivs "$out")"

installed=$(strings "$CL" 2>/dev/null | grep '/capc/capr_preload.so$' | head -n 1)
if [ -n "$installed" ] && [ -e "$installed" ]; then
	out=$(priv "$CL" trigger.capbin -- /usr/bin/env 2>&1)
	check_contains "dynamic binary + installed preload: LD_PRELOAD set" "LD_PRELOAD=$installed" "$out"
else
	out=$(priv "$CL" trigger.capbin -- "$PR" touch marker 2>&1)
	check_eq "dynamic binary, no preload object: exit 127" 127 $?
	check_contains "no preload object: message" "capr_preload.so was found neither next to capload nor in" "$out"
	check "no preload object: not run" [ ! -e marker ]
fi
# With a preload object next to capload: prepended to LD_PRELOAD.
if printf 'int capr_test_preload;\n' | ${CC:-cc} -shared -fPIC -x c -o capr_preload.so - 2>/dev/null; then
	# (an ASan capload refuses to start under LD_PRELOAD unless told)
	out=$(ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD=libc.so.6 priv "$CL" trigger.capbin -- /usr/bin/env 2>&1)
	check_contains "preload next to capload: prepended" "LD_PRELOAD=$T_TMP/capr_preload.so:libc.so.6" "$out"
	check_contains "trigger policy: CAPR_POLICY_FD handed over" "CAPR_POLICY_FD=" "$out"
	out=$(priv "$CL" --dry-run trigger.capbin -- "$PR" 2>&1)
	check_contains "dry run: the backstop is named" "capload: dry-run: backstop: seccomp filter: set*id, listen and chroot only through the preload object" "$out"
	# A preload object the loader would skip ("cannot be preloaded ...
	# ignored": another ELF class or machine) is refused: the program
	# would run without its triggered stages.
	cp capr_preload.so good_preload.so
	printf '\003' | dd of=capr_preload.so bs=1 seek=18 conv=notrunc 2>/dev/null
	out=$(priv "$CL" trigger.capbin -- "$PR" touch marker 2>&1)
	check_eq "preload object for another machine: exit 127" 127 $?
	check_contains "preload object for another machine: message" \
		"the loader would skip the preload object and run the program without its triggered stages" "$out"
	check "preload object for another machine: not run" [ ! -e marker ]
	mv good_preload.so capr_preload.so
	# The preload object runs inside the root service: a replaceable one
	# is refused like a replaceable blob.
	chmod 0666 capr_preload.so
	out=$(priv "$CL" trigger.capbin -- "$PR" touch marker 2>&1)
	check_eq "world-writable preload object: exit 127" 127 $?
	check_contains "world-writable preload object: message" \
		"capload: preload: $T_TMP/capr_preload.so is owned by uid 0 with mode 0666" "$out"
	check "world-writable preload object: not run" [ ! -e marker ]
	rm -f capr_preload.so
else
	fail "cannot build a stand-in preload object"
fi
exit 0

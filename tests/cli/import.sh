#!/bin/sh
# capc import: Docker's default profile (../shared/data) as a readable .cap
# policy that compiles to the same filter as the JSON itself; the
# container's capabilities and architecture are options and written down.
# (tests/unit/test_docker compares that filter with libseccomp's own.)
. "$CAPC_SRC/tests/lib.sh"
t_tmpdir
P="$CAPC_SRC/../shared/data/docker-default-seccomp.json"
cd "$T_TMP" || exit 1
if [ ! -f "$P" ]; then
	pass "# SKIP no ../shared/data/docker-default-seccomp.json"
	exit 0
fi

"$CAPC" import "$P" -o docker.cap 2>err
check_eq "import: exit 0" 0 $?
check_contains "the choice is written down: Docker's default capabilities" \
	"# for a container with the capabilities Docker gives by default: chown" "$(cat docker.cap)"
check_contains "whole systemd groups replace their syscalls" "allow @file-system, @io-event" "$(cat docker.cap)"
check "a few lines instead of hundreds of names" [ "$(wc -l <docker.cap)" -lt 60 ]
check_eq "each warning once" 1 "$(grep -c "'mseal' is unknown" err)"
"$CAPC" -w docker.cap -o from-cap.capbin && "$CAPC" -w "$P" -o from-json.capbin
check "the imported .cap compiles to the same bytes as the JSON" cmp -s from-cap.capbin from-json.capbin
check_contains "argument rules are kept" "allow clone(arg0 & 0x7e020000 == 0)" "$(cat docker.cap)"
check_contains "and decide the same (clone with CLONE_NEWUSER)" "ERRNO(1) EPERM" \
	"$("$CAPC" query docker.cap 'clone(CLONE_NEWUSER)' 2>&1)"

# Another container: includes/excludes decided for it.
check_contains "Docker's default container: no mount" "ERRNO(1) EPERM" "$("$CAPC" query docker.cap mount 2>&1)"
"$CAPC" import "$P" --cap-add sys_admin -o admin.cap 2>/dev/null
check_contains "--cap-add sys_admin: written down" "sys_admin" "$(head -n 3 admin.cap)"
check_contains "--cap-add sys_admin: mount allowed, as Docker does" ": ALLOW" "$("$CAPC" query admin.cap mount 2>&1)"
"$CAPC" import "$P" --caps chown -o few.cap 2>/dev/null
check_contains "--caps chown: only that set, and not Docker's" "capabilities: chown" "$(sed -n 2p few.cap)"
"$CAPC" import "$P" --arch aarch64 -o a64.cap 2>/dev/null
check_eq "--arch aarch64: written down, and compiles" "0" \
	"$(grep -q '# on aarch64' a64.cap && "$CAPC" -w a64.cap -o a64.capbin; echo $?)"
"$CAPC" import "$P" --caps bogus_cap >out 2>&1
check_eq "an unknown capability: exit 2" 2 $?
check_contains "an unknown capability: named" "unknown capability 'bogus_cap'" "$(cat out)"
[ "$T_FAILS" -eq 0 ]

#!/bin/sh
# capc's command line: exit statuses, output files, options.
. "$CAPC_SRC/tests/lib.sh"
t_tmpdir
EX="$CAPC_SRC/policies/examples"
cd "$T_TMP" || exit 1

"$CAPC" --version >out 2>&1
check "--version exits 0" [ $? -eq 0 ]
check_contains "--version names the blob format" "blob format 1.0" "$(cat out)"
"$CAPC" --help >out 2>&1
check "--help exits 0" [ $? -eq 0 ]
"$CAPC" --bogus >out 2>&1
check_eq "an unknown option exits 2" 2 $?
"$CAPC" >out 2>&1
check_eq "no input exits 2" 2 $?
check_contains "no input says so" "no input file" "$(cat out)"
"$CAPC" /nonexistent.cap -o x.capbin >out 2>&1
check_eq "an unreadable input exits 2" 2 $?
check_contains "an unreadable input is named" "cannot open '/nonexistent.cap'" "$(cat out)"

# Default output name: the policy's base name with .capbin, here.
"$CAPC" "$EX/ping.cap" 2>/dev/null
check "default output is ping.capbin in the current directory" [ -s ping.capbin ]
"$CAPC" "$EX/ping.cap" -o - >stdout.capbin 2>/dev/null
check "-o - writes the blob to stdout" cmp -s ping.capbin stdout.capbin

# Points with the same filter share one compile (libseccomp's export is
# slow for big filters), but each point still gets its own warnings, and
# the blob holds the same program for both.
printf 'service same {\n no_new_privs\n after a { seccomp { default allow  deny chown32, getppid } }\n after b { seccomp { default allow  deny chown32, getppid } }\n after c { seccomp { default allow  deny getppid } }\n after d { seccomp { default allow  deny getppid } }\n}\n' >same.cap
"$CAPC" same.cap -o same.capbin >out 2>&1
check_eq "identical filters: compiles" 0 $?
check_eq "identical filters: a warning at each point's own line" "3 4" \
	"$(grep -o '^same.cap:[0-9]*:[0-9]*: warning' out | cut -d: -f2 | tr '\n' ' ' | sed 's/ $//')"
"$CAPC" --dump same.capbin >dump 2>&1
check_eq "identical filters: the same program at all four points" "4 1" \
	"$(awk '/filter for/ { on = 1; b = ""; next } /the process holds/ { if (on) print b; on = 0 } on { b = b $0 "|" }' dump |
		awk '{ n++; u[$0] = 1 } END { printf "%d %d", n, length(u) }')"

# A failed compilation never leaves or damages an output file.
printf 'service x { keep bogus_cap }\n' >bad.cap
"$CAPC" bad.cap -o new.capbin 2>/dev/null
check_eq "errors exit 1" 1 $?
check "no output file after errors" [ ! -e new.capbin ]
check "no temporary file after errors" [ -z "$(ls | grep '\.tmp\.')" ]
cp ping.capbin keep.capbin
"$CAPC" bad.cap -o keep.capbin 2>/dev/null
check "an existing output is left untouched after errors" cmp -s ping.capbin keep.capbin
mkdir ro && chmod 555 ro
if [ "$(id -u)" -ne 0 ]; then
	"$CAPC" "$EX/ping.cap" -o ro/x.capbin 2>out
	check_eq "an unwritable output directory exits 2" 2 $?
fi

# --check writes nothing; -Werror turns warnings into errors; -w hides them.
"$CAPC" --check "$EX/files.cap" >out 2>&1
check_eq "--check exits 0 with only warnings" 0 $?
check_contains "--check prints the warning" "warning: seccomp filter without no_new_privs" "$(cat out)"
check "--check writes no file" [ ! -e files.capbin ]
"$CAPC" -Werror "$EX/files.cap" -o files.capbin >out 2>&1
check_eq "-Werror: a warning fails the compilation" 1 $?
check "-Werror: no output" [ ! -e files.capbin ]
"$CAPC" -w "$EX/files.cap" -o files.capbin >out 2>&1
check_eq "-w compiles" 0 $?
check_eq "-w prints nothing" "" "$(cat out)"
# a warning's notes go with it (this one has "'read' is decided by this later rule")
printf 'service n {\n no_new_privs\n seccomp {\n  default errno EPERM\n  allow read\n  deny read\n }\n}\n' >notes.cap
"$CAPC" notes.cap -o notes.capbin >out 2>&1
check_contains "a warning with a note" "note: 'read' is decided by this later rule" "$(cat out)"
"$CAPC" -w notes.cap -o notes.capbin >out 2>&1
check_eq "-w hides the notes of the warnings it hides" "" "$(cat out)"

# --backend: capc's generator by default, libseccomp's on request.
"$CAPC" --backend nope "$EX/webd.cap" -o be.capbin >out 2>&1
check_eq "--backend nope exits 2" 2 $?
check_contains "--backend nope names the choices" "unknown BPF generator (capc, libseccomp)" "$(cat out)"
check "--backend nope writes nothing" [ ! -e be.capbin ]
"$CAPC" -w "$EX/webd.cap" -o be-capc.capbin && "$CAPC" -w --backend capc "$EX/webd.cap" -o be-capc2.capbin
check "--backend capc is the default" cmp -s be-capc.capbin be-capc2.capbin
"$CAPC" -w --backend libseccomp "$EX/webd.cap" -o be-ls.capbin
check_eq "--backend libseccomp compiles" 0 $?
check "--backend libseccomp writes another program" sh -c '! cmp -s "$1" "$2"' _ be-capc.capbin be-ls.capbin
check "--backend libseccomp: a valid blob" sh -c '"$1" --dump "$2" >/dev/null' _ "$CAPC" be-ls.capbin

# Several declarations: --service picks one, and all are checked.
cat >multi.cap <<'POL'
service a keep net_raw
service b keep chown
session s { default { bound all } }
POL
"$CAPC" multi.cap -o m.capbin >out 2>&1
check_eq "several services without --service exits 1" 1 $?
check_contains "and says how to choose" "choose one with --service NAME" "$(cat out)"
"$CAPC" --service b multi.cap -o b.capbin 2>/dev/null
check_contains "--service b compiles b" "service b" "$("$CAPC" --dump b.capbin)"
"$CAPC" --service s multi.cap -o s.capbin 2>/dev/null
check_contains "--service picks a session too" "session s" "$("$CAPC" --dump s.capbin)"
"$CAPC" --service bb multi.cap -o x.capbin >out 2>&1
check_contains "--service with a typo suggests" "did you mean 'b'?" "$(cat out)"
printf 'service a keep net_raw\nservice b keep chwon\n' >multi2.cap
"$CAPC" --service a multi2.cap -o a.capbin >out 2>&1
check_eq "an error in another service still fails the run" 1 $?
check_contains "and is reported" "did you mean 'chown'?" "$(cat out)"

# --target: ABIs for the filters.
"$CAPC" --target x86_64,x86 "$EX/files.cap" -o t.capbin -w 2>out
check_eq "--target x86_64,x86 compiles" 0 $?
check_contains "--target: the arch entry lists the compat ABI" "abis: native compat" "$("$CAPC" --dump t.capbin)"
"$CAPC" --target aarch64 "$EX/files.cap" -o a64.capbin -w 2>out
check_eq "--target aarch64 cross-compiles" 0 $?
check_contains "the dump of a foreign blob works" "filter for aarch64" "$("$CAPC" --dump a64.capbin)"
"$CAPC" --target sparc "$EX/files.cap" -o x.capbin -w >out 2>&1
check_eq "--target with an unknown ABI exits 1" 1 $?

# Policy text on standard input.
"$CAPC" - -o stdin.capbin <"$EX/ping.cap" 2>/dev/null
check "a policy can come from stdin ('-')" cmp -s ping.capbin stdin.capbin

# --dump refuses a damaged blob with the runtime's reason.
cp ping.capbin broken.capbin
# Offset 150 is inside the stage (a capability mask); any change must be caught.
printf '\377' | dd of=broken.capbin bs=1 seek=150 conv=notrunc 2>/dev/null
if cmp -s ping.capbin broken.capbin; then fail "the corruption changed the file"; else pass "the corruption changed the file"; fi
"$CAPC" --dump broken.capbin >out 2>&1
check_eq "--dump of a corrupted blob exits 1" 1 $?
check_contains "--dump names the checksum" "checksum" "$(cat out)"

[ "$T_FAILS" -eq 0 ]

# --dump reads its input once and tells a blob by its magic: '-' is stdin,
# a blob or policy text alike; binary data without the magic is named as
# such, not taken for policy text.
"$CAPC" "$EX/ping.cap" -o ping2.capbin 2>/dev/null
check_eq "--dump - reads a blob from stdin" "$("$CAPC" --dump ping2.capbin)" "$("$CAPC" --dump - <ping2.capbin 2>&1)"
check_contains "--dump - reads policy text from stdin" "service ping" "$("$CAPC" --dump - <"$EX/ping.cap" 2>/dev/null)"
cp ping2.capbin badmagic.capbin
printf 'X' | dd of=badmagic.capbin bs=1 seek=0 conv=notrunc 2>/dev/null
"$CAPC" --dump badmagic.capbin >out 2>&1
check_eq "--dump of a blob with a bad magic exits 1" 1 $?
check_contains "--dump of a blob with a bad magic says so" "is not a capbin blob (bad magic" "$(cat out)"

# User and group names are looked up on this machine (a warning when
# missing: they are resolved where the policy runs), unless told not to.
printf 'service u { user capc_no_such_user_here }\n' >u.cap
check_contains "an unknown user name: a warning" "user 'capc_no_such_user_here' does not exist on this machine" \
	"$("$CAPC" u.cap -o u.capbin 2>&1)"
check_eq "--no-host-lookup: no warning, same blob" "" "$("$CAPC" --no-host-lookup u.cap -o u2.capbin 2>&1)"
check "--no-host-lookup: same bytes" cmp -s u.capbin u2.capbin

# --help fits a screen: 24 lines of at most 80 columns (capc(1) has the rest).
for p in "$CAPC" "$CAPC_BUILD/capload"; do
	"$p" --help >help.txt 2>&1
	check_eq "$(basename "$p") --help: exit 0, at most 24 lines, none over 80 columns" "0 ok" \
		"$? $([ "$(wc -l <help.txt)" -le 24 ] && awk 'length > 80 { bad = 1 } END { exit bad }' help.txt && echo ok)"
done

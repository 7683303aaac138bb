#!/bin/sh
# YAML and JSON input (docs/yaml.md): the YAML form builds the same tree and
# the same bytes as .cap; diagnostics point into the YAML file; Docker
# profiles import; malformed input fails cleanly (exit 1, no output file).
. "${CAPC_SRC:-.}/tests/lib.sh"
t_tmpdir
EX="$CAPC_SRC/policies/examples"
DATA=${CAPC_SHARED_DATA:-$CAPC_SRC/../shared/data}

# compile_fails DESC FILE [ARGS]: exit status 1, no output file (not even
# a temporary one), and the diagnostics in $err.
compile_fails() {
	desc=$1
	f=$2
	shift 2
	rm -f "$T_TMP"/out.capbin*
	err=$(cd "$T_TMP" && "$CAPC" "$@" "$f" -o out.capbin 2>&1)
	rc=$?
	check_eq "$desc: exit status 1" 1 "$rc"
	if ls "$T_TMP"/out.capbin* >/dev/null 2>&1; then
		fail "$desc: no output file"
	else
		pass "$desc: no output file"
	fi
}

# ------------------------------------------------------------ equivalence

for n in ftp ping web webd files; do
	"$CAPC" "$EX/$n.cap" -o "$T_TMP/$n.cap.capbin" 2>/dev/null
	if ! "$CAPC" "$EX/$n.yaml" -o "$T_TMP/$n.yaml.capbin" 2>"$T_TMP/$n.log"; then
		fail "examples/$n.yaml compiles"
		sed 's/^/#   /' "$T_TMP/$n.log"
		continue
	fi
	check "examples/$n.yaml: same bytes as $n.cap" cmp -s "$T_TMP/$n.cap.capbin" "$T_TMP/$n.yaml.capbin"
	# The trees too (the printer marks the .cap one-line form; YAML has none).
	a=$("$CAPC" --ast "$EX/$n.cap" | sed 's/ :oneliner//')
	b=$("$CAPC" --ast "$EX/$n.yaml")
	check_eq "examples/$n.yaml: same tree as $n.cap" "$a" "$b"
done

# The golden features' YAML and JSON twins.
for y in "$CAPC_SRC"/tests/golden/features/*.yaml "$CAPC_SRC"/tests/golden/features/*.json; do
	[ -f "$y" ] || continue
	c=${y%.*}.cap
	n=features/$(basename "$y")
	"$CAPC" "$c" -o "$T_TMP/twin.cap.capbin" 2>/dev/null
	if ! "$CAPC" "$y" -o "$T_TMP/twin.yaml.capbin" 2>"$T_TMP/twin.log"; then
		fail "$n compiles"
		sed 's/^/#   /' "$T_TMP/twin.log"
		continue
	fi
	check "$n: same bytes as its .cap twin" cmp -s "$T_TMP/twin.cap.capbin" "$T_TMP/twin.yaml.capbin"
	check_eq "$n: same tree as its .cap twin" "$("$CAPC" --ast "$c" | sed 's/ :oneliner//')" "$("$CAPC" --ast "$y")"
done

# Every construct, a session, defines and includes: .cap and YAML twins.
cd "$T_TMP" || exit 1
printf 'service other keep net_raw\n' >inc.cap
cat >feat.cap <<'EOF'
define io = read, write, @io-event
define net = net_bind_service, net_raw
include "inc.cap"
service feat {
    arch x86_64
    point ready on manual
    bound net, setuid, setgid, setpcap, chown, kill
    inherit chown
    ambient chown
    keep chown, net_bind_service
    no_new_privs
    seccomp {
        default errno EACCES
        allow io, @system-service
        deny mkdir errno 17
        deny rmdir
        trap ptrace
        log uname
        kill process kexec_load
        kill thread acct
        allow socket(domain in {AF_INET, AF_INET6} && type & SOCK_CLOEXEC == 0 || !(protocol != 0))
        allow mmap(prot & PROT_EXEC == 0)
    }
    after ready {
        user 65534
        group 65534
        groups 65534, 100
        drop chown
        keep net_bind_service
        securebits no_setuid_fixup, noroot_locked
        seccomp { default allow  deny personality(persona not in {0, 8}) errno EPERM }
    }
}
session login {
    user root drop net_raw
    user 1001 { bound net  no_new_privs }
    group staff { bound all  drop sys_admin }
    default { }
}
EOF
cat >feat.yaml <<'EOF'
define:
  io: "read, write, @io-event"
  net: [net_bind_service, net_raw]
include: inc.cap
---
service: feat
arch: x86_64
points:
  ready: manual
bound: net, setuid, setgid, setpcap, chown, kill
inherit: chown
ambient: [chown]
keep: chown, net_bind_service
no_new_privs: true
lock: false
seccomp:
  default: deny EACCES
  rules:
    - allow: [io, "@system-service"]
    - deny: mkdir
      errno: 17
    - deny: rmdir
    - trap: ptrace
    - log: uname
    - kill process: kexec_load
    - kill thread: acct
    - allow: socket
      if: |
        domain in {AF_INET, AF_INET6}   # a comment, as in .cap
          && type & SOCK_CLOEXEC == 0 || !(protocol != 0)
    - if: 'prot & PROT_EXEC == 0'
      allow: mmap
after:
  ready:
    user: 65534
    group: "65534"
    groups: [65534, 100]
    drop: chown
    keep: net_bind_service
    securebits: no_setuid_fixup, noroot_locked
    seccomp: {default: allow, rules: [{deny: personality, if: "persona not in {0, 8}", errno: EPERM}]}
---
session: login
rules:
  - user: root
    drop: net_raw
  - user: 1001
    bound: net
    no_new_privs: true
  - group: staff
    bound: all
    drop: sys_admin
  - default:
EOF
check_eq "features: same tree as the .cap twin" "$("$CAPC" --ast feat.cap)" "$("$CAPC" --ast feat.yaml)"
for s in feat login other; do
	"$CAPC" -s "$s" feat.cap -o "a.$s.capbin" 2>/dev/null
	if "$CAPC" -s "$s" feat.yaml -o "b.$s.capbin" 2>"$s.log"; then
		check "features: '$s' compiles to the same bytes" cmp -s "a.$s.capbin" "b.$s.capbin"
	else
		fail "features: '$s' compiles"
		sed 's/^/#   /' "$s.log"
	fi
done
check_eq "features: no diagnostics for the YAML twin" "" "$(cat feat.log login.log other.log)"

# A JSON policy, and YAML including YAML.
printf '{"service": "j", "keep": ["net_raw"], "no_new_privs": true}\n' >j.json
printf 'include: [j.json]\n' >top.yaml
check_eq "JSON policy, included from YAML" "$(printf '(service j\n  (keep net_raw)\n  (no_new_privs))')" \
	"$("$CAPC" --ast top.yaml 2>&1)"

# Includes share the .cap reader's limits (compiler/include.c): a cycle
# names its chain, nesting stops at 16 levels, an empty name is refused.
printf 'include: [cyc-b.yaml]\nservice: a\nkeep: net_raw\n' >cyc-a.yaml
printf 'include: [cyc-a.yaml]\n' >cyc-b.yaml
compile_fails "YAML include cycle" cyc-a.yaml
check_contains "YAML include cycle: the chain" "cyc-b.yaml:1:11: error: include cycle: cyc-a.yaml -> cyc-b.yaml -> cyc-a.yaml" "$err"
for i in $(seq 0 17); do printf 'include: [deep%d.yaml]\n' $((i + 1)) >deep$i.yaml; done
printf 'service: d\nkeep: net_raw\n' >deep18.yaml
compile_fails "YAML includes 18 deep" deep0.yaml
check_contains "YAML includes 18 deep: the limit" "includes nested too deeply (more than 16 levels)" "$err"
printf 'include: [""]\nservice: e\nkeep: net_raw\n' >empty-inc.yaml
compile_fails "YAML include of an empty name" empty-inc.yaml
check_contains "YAML include of an empty name: message" "empty file name in include" "$err"

# ------------------------------------------------------------ diagnostics

cat >bad.yaml <<'EOF'
service: web
kep: none
bound: net_raw, set-gid
no_new_privs: yes
after: [listen]
seccomp:
  default: errno EPERM
  rules:
    - allow: socket
      if: "domain == "
    - deny: read
      trap: write
    - alow: x
seccomp: {}
EOF
compile_fails "YAML errors" bad.yaml
check_contains "unknown key: did you mean" "bad.yaml:2:1: error: unknown key 'kep' in a service; did you mean 'keep'?" "$err"
check_contains "bad name inside a \"a, b\" string: its own column" \
	"bad.yaml:3:17: error: invalid capability name 'set-gid'" "$err"
check_contains "boolean: true or false only" "bad.yaml:4:15: error: 'no_new_privs' takes true or false, found 'yes'" "$err"
check_contains "wrong node type" \
	"bad.yaml:5:8: error: expected a mapping of point names to their statements, found a list" "$err"
check_contains "bad if: condition, at its column" \
	"bad.yaml:10:21: error: unexpected end of the condition, expecting a value" "$err"
check_contains "two actions in a rule" "bad.yaml:12:7: error: a rule has one action; this one already has 'deny'" "$err"
check_contains "unknown rule key: did you mean" \
	"bad.yaml:13:7: error: unknown key 'alow' in a seccomp rule; did you mean 'allow'?" "$err"
check_contains "duplicate key" "bad.yaml:14:1: error: duplicate key 'seccomp'" "$err"
check_contains "duplicate key: the first one" "bad.yaml:6:1: note: first given here" "$err"
check_contains "the source line and a caret" "$(printf '    bound: net_raw, set-gid\n                    ^~~~~~~')" "$err"

# Names the compiler resolves: its messages, at the YAML positions.
cat >sema.yaml <<'EOF'
service: web
keep: net_bind_servce
seccomp:
  default: errno EPREM
  rules:
    - allow: socket
      if: "domian == AF_INET"
    - allow: [read, wirte]
EOF
compile_fails "unknown names" sema.yaml
check_contains "unknown capability" \
	"sema.yaml:2:7: error: unknown capability 'net_bind_servce'; did you mean 'net_bind_service'?" "$err"
check_contains "unknown errno inside default:" "sema.yaml:4:18: error: unknown errno name 'EPREM'; did you mean 'EPERM'?" "$err"
check_contains "unknown argument inside if:" \
	"sema.yaml:7:12: error: 'domian' is not an argument of socket(); did you mean 'domain'?" "$err"
check_contains "unknown syscall in a list" "sema.yaml:8:21: error: unknown syscall 'wirte'; did you mean 'write'?" "$err"

cat >sess.yaml <<'EOF'
session: s
keep: x
rules:
  - user: a
    group: b
  - default: {}
    drop: x
EOF
compile_fails "session errors" sess.yaml
check_contains "statements of a session go into rules" "sess.yaml:2:1: error: 'keep' is not a key of a session" "$err"
check_contains "one selector per rule" "sess.yaml:5:5: error: a session rule has one of 'user:', 'group:' and 'default:'" "$err"
check_contains "default rule: statements inside" \
	"sess.yaml:7:5: error: the statements of a default rule go inside 'default:'" "$err"

# ------------------------------------------------------------ malformed input

printf 'service: [a\n' >m1.yaml
compile_fails "unclosed flow list" m1.yaml
check_contains "unclosed flow list: libyaml's message, positioned" \
	"m1.yaml:2:1: error: invalid YAML: did not find expected ',' or ']'" "$err"
printf '{"defaultAction": "SCMP_ACT_ALLOW",\n' >m2.json
compile_fails "truncated JSON" m2.json
check_contains "truncated JSON: message" "m2.json:2:1: error: invalid YAML: " "$err"
printf 'service: a\n\tkeep: x\n' >m3.yaml
compile_fails "tab indentation" m3.yaml
check_contains "tab indentation: message" "m3.yaml:2:1: error: invalid YAML: found a tab character" "$err"
printf 'service: a\nkeep: \377\n' >m4.yaml
compile_fails "invalid UTF-8" m4.yaml
check_contains "invalid UTF-8: message" "m4.yaml:2:7: error: invalid YAML: invalid leading UTF-8 octet" "$err"
printf 'service: a\nkeep: x\0\n' >m5.yaml
compile_fails "NUL byte" m5.yaml
printf 'service: a\nkeep: &k net_raw\ndrop: *k\n' >m6.yaml
compile_fails "alias" m6.yaml
check_contains "alias: refused where written" "m6.yaml:3:7: error: YAML aliases are not supported" "$err"
python3 -c "print('service: a\nkeep: ' + '[' * 100000 + ']' * 100000)" >m7.yaml 2>/dev/null ||
	awk 'BEGIN { printf "service: a\nkeep: "; for (i = 0; i < 100000; i++) printf "["; for (i = 0; i < 100000; i++) printf "]"; print "" }' >m7.yaml
compile_fails "100000 nested lists (quickly)" m7.yaml
check_contains "deep nesting: message" "m7.yaml:2:70: error: nested more than 64 levels deep" "$err"
printf -- '- service: a\n' >m8.yaml
compile_fails "a list at the top" m8.yaml
check_contains "a list at the top: message" "m8.yaml:1:1: error: expected a policy (a mapping with 'service:' or 'session:') or a Docker profile, found a list" "$err"
printf 'service: "a\n' >m9.yaml
compile_fails "unterminated string" m9.yaml
check_contains "unterminated string: context note" "m9.yaml:1:10: note: while scanning a quoted scalar" "$err"

# ------------------------------------------------------------ Docker profiles

cat >my-profile.v2.json <<'EOF'
{
	"defaultAction": "SCMP_ACT_ERRNO",
	"defaultErrnoRet": 13,
	"syscalls": [
		{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
		 "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
		{"names": ["mmap"], "action": "SCMP_ACT_KILL",
		 "args": [{"index": 2, "value": 4, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}, {"index": 3, "value": 1, "op": "SCMP_CMP_GT"}]},
		{"names": ["getpid"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "includes": {"arches": ["arm64"]}},
		{"names": ["getppid"], "action": "SCMP_ACT_TRAP", "excludes": {"arches": ["amd64"], "caps": ["CAP_SYS_ADMIN"]}},
		{"names": ["chroot"], "action": "SCMP_ACT_LOG", "includes": {"caps": ["CAP_SYS_CHROOT"], "minKernel": "4.8"}},
		{"names": ["reboot"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_BOOT"]}},
		{"names": ["uname"], "action": "SCMP_ACT_NOTIFY", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
		{"names": ["not_a_syscall", "getuid"], "action": "SCMP_ACT_KILL_PROCESS", "comment": "x"}
	]
}
EOF
out=$("$CAPC" --target x86_64 --ast my-profile.v2.json 2>ast.err)
check_eq "Docker profile: imported (x86_64)" "(service my_profile_v2
  (no_new_privs)
  (seccomp
    (default (deny 13))
    (rule allow read write)
    (rule allow (personality (|| (== arg0 0) (== arg0 8))))
    (rule kill-thread (mmap (&& (== (& arg2 4) 4) (> arg3 1))))
    (rule log chroot)
    (rule kill-process getuid)))" "$out"
check_contains "Docker profile: unknown syscall is a warning" \
	"my-profile.v2.json:15:14: warning: syscall 'not_a_syscall' is unknown to libseccomp" "$(cat ast.err)"
out=$("$CAPC" -w --target aarch64 --ast my-profile.v2.json 2>&1)
check_contains "Docker profile: includes.arches for the target (aarch64)" "(rule (deny 38) getpid)" "$out"
check_contains "Docker profile: excludes.arches for the target (aarch64)" "(rule trap getppid)" "$out"
check "Docker profile: compiles" "$CAPC" -w my-profile.v2.json -o my.capbin

cat >trace.json <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_TRACE"}]}
EOF
compile_fails "SCMP_ACT_TRACE" trace.json
check_contains "SCMP_ACT_TRACE: an error naming the entry" \
	"trace.json:1:82: error: SCMP_ACT_TRACE has no capc equivalent" "$err"
cat >typo.json <<'EOF'
{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO",
 "args": [{"index": 6, "value": 0, "op": "SCMP_CMP_EQQ"}]}]}
EOF
compile_fails "bad args" typo.json
check_contains "arg index out of range" "typo.json:2:21: error: argument index 6 out of range (0..5)" "$err"
check_contains "unknown op: did you mean" \
	"typo.json:2:42: error: unknown comparison 'SCMP_CMP_EQQ'; did you mean 'SCMP_CMP_EQ'?" "$err"

if [ -f "$DATA/docker-default-seccomp.json" ]; then
	cp "$DATA/docker-default-seccomp.json" docker.json
	if "$CAPC" docker.json -o docker.capbin 2>docker.err; then
		pass "Docker's default profile compiles"
	else
		fail "Docker's default profile compiles"
		grep -v '^    ' docker.err | sed 's/^/#   /'
	fi
	check_contains "Docker's default: names libseccomp does not know are warnings" "warning: syscall '" "$(cat docker.err)"
	ast=$("$CAPC" -w --ast docker.json)
	check_contains "Docker's default: service named after the file" "(service docker" "$ast"
	check_contains "Docker's default: default action EPERM" "(default (deny 1))" "$ast"
	check_contains "Docker's default: clone3 fails with ENOSYS" "(rule (deny 38) clone3)" "$ast"
	check_contains "Docker's default: clone without namespace flags" \
		"(rule allow (clone (== (& arg0 2114060288) 0)))" "$ast"
	check_contains "Docker's default: socket domains" "(rule allow (socket (== arg0 39)))" "$ast"
	case "$ast" in
	*" unshare"* | *" mount "* | *" reboot"*) fail "Docker's default: nothing that needs CAP_SYS_ADMIN or CAP_SYS_BOOT" ;;
	*) pass "Docker's default: nothing that needs CAP_SYS_ADMIN or CAP_SYS_BOOT" ;;
	esac
	dump=$("$CAPC" --dump docker.capbin 2>&1)
	check_contains "Docker's default: dump shows the default action" "ERRNO(1) EPERM" "$dump"
	check_contains "Docker's default: dump shows clone3's ENOSYS" "ERRNO(38) ENOSYS" "$dump"
	check_contains "Docker's default: dump shows no_new_privs" "no_new_privs set" "$dump"
	if [ ! -x "$CAPLOAD" ]; then
		pass "# SKIP no capload"
	elif [ "$(id -u)" -ne 0 ]; then
		pass "# SKIP runtime check needs root"
	else
		check "Docker's default under capload: /bin/true runs" "$CAPLOAD" docker.capbin -- /bin/true
		out=$("$CAPLOAD" docker.capbin -- unshare -U true 2>&1)
		rc=$?
		check "Docker's default under capload: unshare -U fails" [ "$rc" -ne 0 ]
		check_contains "Docker's default under capload: with EPERM, as in Docker" "Operation not permitted" "$out"
		check_eq "Docker's default under capload: uname works" "$(uname -s)" "$("$CAPLOAD" docker.capbin -- uname -s 2>&1)"
	fi
else
	pass "# SKIP no ../shared"
fi

# expect: lines, parsed by the .cap grammar, checked like .cap's, errors at
# their place in the YAML file.
cat >exp.yaml <<'EOF2'
service: y
no_new_privs: true
seccomp:
  default: allow
  rules:
    - deny: ptrace
  expect:
    - read allow
    - ptrace allow
EOF2
check_contains "YAML expect: a failed expectation at its YAML line and column" \
	"exp.yaml:9:7: error: expectation failed: ptrace() on" "$("$CAPC" exp.yaml -o exp.capbin 2>&1)"
[ "$T_FAILS" -eq 0 ]

#!/bin/sh
# capc --emit cap and --emit yaml: every example and golden policy (.cap,
# YAML, JSON) written as canonical .cap and as YAML, read back, compiles to
# the same bytes; canonical .cap parses to the same tree.
. "$CAPC_SRC/tests/lib.sh"
t_tmpdir
cd "$T_TMP" || exit 1

n=0
bad=""
trees=0
tbad=""
for f in "$CAPC_SRC"/policies/examples/*.cap "$CAPC_SRC"/policies/examples/*.yaml \
	"$CAPC_SRC"/tests/golden/features/*.cap "$CAPC_SRC"/tests/golden/features/*.yaml \
	"$CAPC_SRC"/tests/golden/features/*.json; do
	[ -f "$f" ] || continue
	b=$(basename "$f")
	if ! "$CAPC" --no-host-lookup --emit cap "$f" -o "$b.cap" 2>err || ! "$CAPC" --no-host-lookup --emit yaml "$f" -o "$b.yaml" 2>>err ||
		! "$CAPC" --no-host-lookup --emit cap "$b.yaml" -o "$b.yaml.cap" 2>>err; then
		bad="$bad $b(emit: $(head -n 1 err))"
		continue
	fi
	# the same tree from the canonical text (the one-line marker aside)
	if [ "$("$CAPC" --ast "$f" 2>/dev/null | sed 's/ :oneliner//')" = "$("$CAPC" --ast "$b.cap" 2>/dev/null)" ]; then
		trees=$((trees + 1))
	else
		tbad="$tbad $b"
	fi
	for s in $("$CAPC" --ast "$f" 2>/dev/null | sed -n 's/^(\(service\|session\) \([A-Za-z0-9_.-]*\).*/\2/p'); do
		"$CAPC" -w -s "$s" "$f" -o a.capbin 2>/dev/null || continue
		"$CAPC" -w -s "$s" "$b.cap" -o b.capbin 2>/dev/null
		"$CAPC" -w -s "$s" "$b.yaml" -o c.capbin 2>/dev/null
		"$CAPC" -w -s "$s" "$b.yaml.cap" -o d.capbin 2>/dev/null
		n=$((n + 1))
		cmp -s a.capbin b.capbin && cmp -s a.capbin c.capbin && cmp -s a.capbin d.capbin || bad="$bad $b:$s"
	done
done
check_eq "policy -> .cap, -> YAML, -> YAML -> .cap: the same bytes for all $n services and sessions" "" "$bad"
check_eq "canonical .cap parses to the same tree ($trees files)" "" "$tbad"
check "more than 30 compared" [ "$n" -gt 30 ]

# What canonical means, on one policy.
printf 'service ftp keep net_bind_service, chown after auth\n' >ftp.cap
check_eq "the one-line form is written as a block" "service ftp {
    after auth {
        keep net_bind_service, chown
        no_new_privs
    }
}" "$("$CAPC" -w --emit cap ftp.cap)"
printf 'service c { no_new_privs seccomp { default deny allow socket((domain == 2 || domain == 10) && !(type & 3 == 3)) } }\n' >c.cap
check_contains "conditions: the parentheses precedence needs" \
	"allow socket((domain == 2 || domain == 0xa) && !(type & 3 == 3))" "$("$CAPC" --emit cap c.cap)"
"$CAPC" --emit cap nosuch.cap >out 2>&1
check_eq "a missing input: exit 2" 2 $?
printf 'service e { keep bogus }\n' >e.cap
"$CAPC" --emit cap e.cap >out 2>&1
check_eq "a policy with errors is not written: exit 1" "1 " "$? $(grep -c '^service' out | sed 's/^0$//')"
[ "$T_FAILS" -eq 0 ]

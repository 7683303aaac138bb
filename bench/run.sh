#!/bin/sh
# bench/run.sh - make bench: capc and its runtime against named baselines.
#
#   sh bench/run.sh [BUILD_DIR]        (after make; as root for the runtime parts)
#   BENCH_QUICK=1 sh bench/run.sh      fewer runs: a smoke test, not numbers to quote
#
# Prints one table: metric, capc's value, the baseline's name and value,
# the ratio capc/baseline, the goal for that ratio and whether it is met.
# Rows whose goal is "-" are context for the others, not goals. Every
# number is a median over many runs (spread in the detail lines above the
# table) or an exact count (callgrind instructions, strace system calls,
# BPF instructions, bytes). docs/performance.md explains each goal.
#
# Never part of make check: a timed assertion on a shared 2-core VM would
# be flaky. Exits 1 only if something could not be measured correctly
# (a filter that disagrees with its baseline, a failing command); a goal
# that is not met is reported, not an error.
set -u
MAKE_O=${1:-build}
cd "$(dirname "$0")/.." || exit 2
SRC=$(pwd)
O=$(cd "$MAKE_O" 2>/dev/null && pwd) || {
	echo "bench: no build directory '$MAKE_O' (run make first)" >&2
	exit 2
}
if nm "$O/runtime/capr_blob.o" 2>/dev/null | grep -q __asan; then
	echo "bench: $MAKE_O is a sanitizer build; its numbers would measure the sanitizers (make bench without SANITIZE=1)" >&2
	exit 2
fi
B=$O/bench
W=$B/work
# ../shared beside the source tree (CI); a git worktree one level deeper
# finds it one more level up. BENCH_SHARED overrides.
SHARED=${BENCH_SHARED:-}
for d in "$SRC/../shared" "$SRC/../../shared"; do
	[ -z "$SHARED" ] && [ -d "$d/data" ] && SHARED=$(cd "$d" && pwd)
done
JSON=${SHARED:-$SRC/../shared}/data/docker-default-seccomp.json
ARCH=$(uname -m)
TABLE=$W/table.tsv
status=0
notes=""

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	N_COMP=10 N_START=60 N_RSS=20 SYS_R=5 SYS_N=5000 ENTER_R=40 BLOB_R=5 N_INPROC=20 N_SYNTH=3
else
	N_COMP=60 N_START=600 N_RSS=100 SYS_R=15 SYS_N=20000 ENTER_R=300 BLOB_R=31 N_INPROC=300 N_SYNTH=15
fi

say() { echo "bench: $*"; }
note() {
	say "$*"
	notes="$notes
  - $*"
}
have() { command -v "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------- tools
# As tools/install-deps.sh does: as root, apt-get installs what is
# missing; otherwise the baselines that need it are skipped, saying why.
need=""
have valgrind || need="$need valgrind"
have strace || need="$need strace"
have setpriv || need="$need util-linux"
have capsh || need="$need libcap2-bin"
have bwrap || need="$need bubblewrap"
if [ -n "$need" ]; then
	if [ "$(id -u)" -eq 0 ] && have apt-get; then
		say "installing:$need"
		export DEBIAN_FRONTEND=noninteractive
		# shellcheck disable=SC2086
		aptlog=$(mktemp)
		{ apt-get update -q && apt-get install -y -q --no-install-recommends $need; } >"$aptlog" 2>&1 ||
			say "apt-get failed (see $aptlog); going on without:$need"
	else
		say "missing:$need (as root: apt-get install$need); the baselines that need them are skipped"
	fi
fi
ROOT=0
[ "$(id -u)" -eq 0 ] && ROOT=1
SETPRIV=$(command -v setpriv || true)
CAPSH=$(command -v capsh || true)
BWRAP=$(command -v bwrap || true)

# ---------------------------------------------------------------- build
${MAKE:-make} -s -f bench/bench.mk O="$MAKE_O" bench-progs || exit 1
rm -rf "$W"
mkdir -p "$W"
chmod 755 "$B" "$W"
: >"$TABLE"

# ratio A B -> A/B with 2 decimals (3 below 0.1)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else { r = a / b; printf(r < 0.1 ? "%.3f" : "%.2f", r) } }'; }
# row METRIC CAPC BASELINE BASEVALUE GOAL   (goal: the largest acceptable ratio, or - for context)
row() {
	r=$(ratio "$2" "$4")
	if [ "$5" = "-" ]; then
		met="-"
	else
		met=$(awk -v r="$r" -v g="$5" 'BEGIN { print (r != "-" && r + 0 <= g + 0) ? "met" : "NOT MET" }')
	fi
	g=$5
	[ "$g" != "-" ] && g="<= $g"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$r" "$g" "$met" >>"$TABLE"
}
skiprow() { printf '%s\t-\t%s\t-\t-\t-\tskipped\n' "$1" "$2" >>"$TABLE"; }
# rowge METRIC CAPC BASELINE BASEVALUE GOAL: higher is better, goal the least acceptable ratio
rowge() {
	r=$(ratio "$2" "$4")
	met=- g=-
	if [ "$5" != "-" ]; then
		met=$(awk -v r="$r" -v g="$5" 'BEGIN { print (r != "-" && r + 0 >= g + 0) ? "met" : "NOT MET" }')
		g=">= $5"
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$r" "$g" "$met" >>"$TABLE"
}
# get KEY < lines: the value of KEY=VALUE on the first line that has it
get() { sed -n "s/.*[ \t]$1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" | head -1; }
ms() { awk -v u="$1" 'BEGIN { printf("%.2f", u / 1000) }'; }

# callgrind instruction count of a whole run (user space); the run must
# succeed (a program that stops early under valgrind counts too little)
cg_total() {
	if ! valgrind --tool=callgrind --vgdb=no --callgrind-out-file=/dev/null "$@" >/dev/null 2>"$W/cg.log"; then
		say "ERROR: under valgrind, $* failed:"
		grep -v '^==' "$W/cg.log" | head -5 | sed 's/^/bench:   /' >&2
		: >"$W/failed" # (a function in $(...) cannot set status)
		echo 0
		return
	fi
	sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$W/cg.log"
}
# callgrind instructions of a loader up to its execve() (it then runs
# another program; the dump before execve is the loader's own work). The
# output directory is world-writable: the loader has switched to nobody
# by then.
cg_until_exec() {
	d=$W/cg
	rm -rf "$d"
	mkdir -p "$d"
	chmod 1777 "$d"
	valgrind --tool=callgrind --vgdb=no --dump-before='execv*' --callgrind-out-file="$d/cg.%p" "$@" \
		>/dev/null 2>&1
	n=$(cat "$d"/cg.*.1 2>/dev/null | sed -n 's/^totals: *//p' | head -1)
	if [ -z "$n" ]; then
		say "ERROR: no callgrind count up to exec for $*" >&2
		: >"$W/failed"
		n=0
	fi
	echo "$n"
}
# system calls of a whole run, children included
st_calls() {
	strace -f -c -o "$W/strace.txt" "$@" >/dev/null 2>&1
	awk '$NF == "total" { print $4 }' "$W/strace.txt"
}

say "machine: $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"bpf_jit_enable=$(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null || echo ?)," \
	"libseccomp $(dpkg-query -W -f='${Version}' libseccomp2 2>/dev/null || echo ?)"

# ---------------------------------------------------------------- inputs
have_json=0
json_in=0
if [ -f "$JSON" ]; then
	have_json=1
	"$B/docker2cap" "$JSON" >"$W/docker.cap" || exit 1
	"$O/capc" -w -t "$ARCH" "$W/docker.cap" -o "$W/docker.capbin" || exit 1
	# the .cap form compiles to the very rules libseccomp gets directly:
	# bpfcount below checks that the filters decide the same
	"$B/sc_direct" -O 1 "$JSON" "$W/linear.bpf" || exit 1
	"$B/sc_direct" -O 2 "$JSON" "$W/tree.bpf" || exit 1
	if "$O/capc" -w -t "$ARCH" "$JSON" -o "$W/docker-json.capbin" 2>"$W/json.err"; then
		json_in=1
		if cmp -s "$W/docker.capbin" "$W/docker-json.capbin"; then
			say "capc reads the Docker profile itself: the same blob as from bench's .cap form"
		else
			note "capc's JSON import and bench/docker2cap's .cap give different blobs (compare $W/docker.cap with capc's import)"
		fi
	else
		say "capc does not read JSON yet ($(head -1 "$W/json.err")); compiling the .cap form bench/docker2cap writes"
	fi
	"$B/docker2cap" --point filter "$JSON" >"$W/enter-seccomp.cap" &&
		"$O/capc" -w -t "$ARCH" "$W/enter-seccomp.cap" -o "$W/enter-seccomp.capbin" || exit 1
else
	note "no $JSON (../shared beside the source tree): compile, filter and seccomp rows skipped"
fi
"$O/capc" -w policies/examples/web.cap -o "$W/web.capbin" || exit 1
"$O/capc" -w bench/policies/enter-drop.cap -o "$W/enter-drop.capbin" || exit 1

# ---------------------------------------------------------------- 1. compile
if [ $have_json = 1 ]; then
	say "1. compile the Docker default profile ($(grep -c '' "$W/docker.cap") lines as .cap): $N_COMP runs each"
	set -- "$O/capc" -w -t "$ARCH" "$W/docker.cap" -o - ::: "$B/sc_direct" -O 2 "$JSON" - \
		::: "$B/sc_direct" -O 1 "$JSON" -
	[ $json_in = 1 ] && set -- "$@" ::: "$O/capc" -w -t "$ARCH" "$JSON" -o -
	"$B/forkexec" -n "$N_COMP" -w 5 -- "$@" >"$W/compile.txt" || exit 1
	sed 's/^/bench:   /' "$W/compile.txt"
	c=$(grep '^cmd=0 ' "$W/compile.txt")
	l=$(grep '^cmd=1 ' "$W/compile.txt")
	row "compile .cap: wall time, median (ms)" "$(ms "$(echo "$c" | get median_us)")" "libseccomp direct" \
		"$(ms "$(echo "$l" | get median_us)")" 2
	row "compile .cap: CPU time, median (ms)" "$(ms "$(echo "$c" | get cpu_us)")" "libseccomp direct" \
		"$(ms "$(echo "$l" | get cpu_us)")" -
	row "compile .cap: peak RSS (KiB)" "$(echo "$c" | get maxrss_kb)" "libseccomp direct" \
		"$(echo "$l" | get maxrss_kb)" 1.5
	if have valgrind; then
		ci=$(cg_total "$O/capc" -w -t "$ARCH" "$W/docker.cap" -o -)
		li=$(cg_total "$B/sc_direct" -O 2 "$JSON" -)
		row "compile .cap: instructions (callgrind)" "$ci" "libseccomp direct" "$li" 2
	else
		skiprow "compile .cap: instructions (callgrind)" "valgrind missing"
	fi
	row "compile .cap: wall time, median (ms)" "$(ms "$(echo "$c" | get median_us)")" "bar: 5 ms" 5 1.0
	if [ $json_in = 1 ]; then
		j=$(grep '^cmd=3 ' "$W/compile.txt")
		row "compile .json: wall time, median (ms)" "$(ms "$(echo "$j" | get median_us)")" "libseccomp direct" \
			"$(ms "$(echo "$l" | get median_us)")" 2
		row "compile .json: wall time, median (ms)" "$(ms "$(echo "$j" | get median_us)")" "bar: 5 ms" 5 1.0
		row "compile .json: peak RSS (KiB)" "$(echo "$j" | get maxrss_kb)" "libseccomp direct" \
			"$(echo "$l" | get maxrss_kb)" 1.5
		if have valgrind; then
			ji=$(cg_total "$O/capc" -w -t "$ARCH" "$JSON" -o -)
			row "compile .json: instructions (callgrind)" "$ji" "libseccomp direct" "$li" 2
		fi
	else
		skiprow "compile .json (capc reading the profile)" "no JSON input yet"
	fi

	say "   in-process (bench/compilebench: parse, resolve, generate, write the blob; CPU time): $N_INPROC runs"
	"$B/compilebench" -R "$N_INPROC" -t "$ARCH" "$W/docker.cap" >"$W/inproc.txt" &&
		"$B/compilebench" -R "$N_INPROC" -t "$ARCH" -b libseccomp "$W/docker.cap" >"$W/inproc-ls.txt" || exit 1
	sed "s|$W/||; s/^/bench:   capc back end: /" "$W/inproc.txt"
	sed "s|$W/||; s/^/bench:   libseccomp back end: /" "$W/inproc-ls.txt"
	ip=$(get median_us <"$W/inproc.txt")
	row "compile in-process, .cap (us)" "$ip" "bar: 1 ms" 1000 1.0
	row "compile in-process, .cap (us)" "$ip" "--backend libseccomp" "$(get median_us <"$W/inproc-ls.txt")" -
	say "   synthetic policies (bench/synth.sh): 10, 100, 1000, 4000 rules, in-process"
	for n in 10 100 1000 4000; do
		sh bench/synth.sh $n "$O/capc" >"$W/synth$n.cap" || exit 1
	done
	"$B/compilebench" -R "$N_SYNTH" "$W/synth10.cap" "$W/synth100.cap" "$W/synth1000.cap" "$W/synth4000.cap" \
		>"$W/synth.txt" || exit 1
	awk -v w="$W/" '{ sub(w, ""); n = $1; gsub(/[^0-9]/, "", n); t = $3; sub("median_us=", "", t);
		printf("bench:   %-16s %s  %.2f us per rule\n", $1, $3, t / n) }' "$W/synth.txt"
	s1=$(grep 'synth1000.cap' "$W/synth.txt" | get median_us)
	s4=$(grep 'synth4000.cap' "$W/synth.txt" | get median_us)
	# linear growth: 4000 rules cost four times 1000 (per 1000 rules, the same)
	row "compile in-process, per 1000 rules (us)" "$(awk -v a="$s4" 'BEGIN { printf("%.1f", a / 4) }')" \
		"at 1000 rules" "$s1" 1.25

	say "   the filters: capc's, libseccomp's default (runc), libseccomp's tree"
	if ! "$B/bpfcount" "$W/docker.capbin" "$W/linear.bpf" "$W/tree.bpf" >"$W/bpfcount.txt"; then
		sed 's/^/bench:   /' "$W/bpfcount.txt"
		say "ERROR: the filters do not decide the same: the comparison below would be meaningless"
		status=1
	fi
	sed "s|$W/||; s/^/bench:   /" "$W/bpfcount.txt"
	cf=$(grep 'docker.capbin ' "$W/bpfcount.txt")
	lf=$(grep 'linear.bpf ' "$W/bpfcount.txt")
	tf=$(grep 'tree.bpf ' "$W/bpfcount.txt")
	bd=$(grep '^bound ' "$W/bpfcount.txt")
	row "filter: length (BPF instructions)" "$(echo "$cf" | get len)" "libseccomp tree" "$(echo "$tf" | get len)" 1.0
	row "filter: length (BPF instructions)" "$(echo "$cf" | get len)" "libseccomp, no tree" "$(echo "$lf" | get len)" -
	row "filter: executed, mean of allowed syscalls" "$(echo "$cf" | get allow_mean)" "lower bound" \
		"$(echo "$bd" | get mean)" 1.03
	row "filter: executed, mean of allowed syscalls" "$(echo "$cf" | get allow_mean)" "libseccomp tree" \
		"$(echo "$tf" | get allow_mean)" -
	row "filter: executed, mean of allowed syscalls" "$(echo "$cf" | get allow_mean)" "libseccomp, no tree" \
		"$(echo "$lf" | get allow_mean)" -
	row "filter: executed, max of allowed (args 0)" "$(echo "$cf" | get allow_max)" "bar: 11" 11 1.0
	row "filter: executed, max of allowed (args 0)" "$(echo "$cf" | get allow_max)" "lower bound" \
		"$(echo "$bd" | get max)" -
	row "filter: executed, max of allowed (args 0)" "$(echo "$cf" | get allow_max)" "libseccomp tree" \
		"$(echo "$tf" | get allow_max)" -
	row "filter: longest path, any arguments" "$(echo "$cf" | get worst)" "bar: 15" 15 1.0
	row "filter: longest path, any arguments" "$(echo "$cf" | get worst)" "libseccomp tree" "$(echo "$tf" | get worst)" -
	rowge "filter: unconditional allows the kernel caches" "$(echo "$cf" | get cached)" "all of them" \
		"$(echo "$cf" | get uncond)" 1.0
	rowge "filter: unconditional allows the kernel caches" "$(echo "$tf" | get cached)" "(libseccomp tree)" \
		"$(echo "$tf" | get uncond)" -
	cs=$("$B/bpfcount" --path 41 2 "$W/docker.capbin" | get steps)
	ts=$("$B/bpfcount" --path 41 2 "$W/tree.bpf" | get steps)
	[ "$ARCH" = x86_64 ] && row "filter: executed, socket(AF_INET)" "$cs" "libseccomp tree" "$ts" -
else
	skiprow "compile, filter" "no Docker profile"
fi

# ---------------------------------------------------------------- 3. filter cost
if [ $have_json = 1 ] && [ $ROOT = 1 ]; then
	say "3. system call cost under each filter: $SYS_R rounds x $SYS_N calls per probe, CPU time"
	"$B/syscost" -R "$SYS_R" -n "$SYS_N" none ::: bpf "$W/linear.bpf" ::: capbin "$W/docker.capbin" \
		::: bpf "$W/tree.bpf" >"$W/syscost.txt" || exit 1
	sed 's/^config=0/none/; s/^config=1/linear/; s/^config=2/capc/; s/^config=3/tree/; s/^/bench:   /' "$W/syscost.txt"
	sc() { grep "^config=$1 probe=$2 " "$W/syscost.txt" | get median_ns; }
	row "syscall: getppid (ns; kernel skips filter)" "$(sc 2 getppid)" "libseccomp tree" "$(sc 3 getppid)" 1.05
	row "syscall: getppid (ns; kernel skips filter)" "$(sc 2 getppid)" "no filter" "$(sc 0 getppid)" -
	row "syscall: socket(AF_INET), argument checked (ns)" "$(sc 2 socket_inet)" "libseccomp tree" "$(sc 3 socket_inet)" 1.05
	row "syscall: socket(AF_INET), argument checked (ns)" "$(sc 2 socket_inet)" "no filter" "$(sc 0 socket_inet)" -
	row "syscall: setns denied by default (ns)" "$(sc 2 setns)" "libseccomp tree" "$(sc 3 setns)" 1.05
	row "syscall: personality(~0) allowed (ns)" "$(sc 2 personality)" "libseccomp tree" "$(sc 3 personality)" -
	row "syscall: personality(~0) allowed (ns)" "$(sc 2 personality)" "libseccomp, no tree" "$(sc 1 personality)" -
elif [ $have_json = 1 ]; then
	skiprow "syscall cost under the filters" "needs root"
fi

# ---------------------------------------------------------------- 2. startup
# The web example: user nobody, keep net_bind_service (inheritable,
# ambient, bounding), no_new_privs - done by each tool.
web_setpriv() {
	"$SETPRIV" --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all,+net_bind_service \
		--ambient-caps=-all,+net_bind_service --bounding-set=-all,+net_bind_service --no-new-privs -- "$@"
}
capsh_drop=""
if [ -n "$CAPSH" ]; then
	last=$(cat /proc/sys/kernel/cap_last_cap)
	capsh_drop=$("$CAPSH" --decode="$(printf '%x' $(((1 << (last + 1)) - 1 - (1 << 10))))" | sed 's/.*=//')
fi
web_capsh() { # PROGRAM [ARGS]
	prog=$1
	shift
	"$CAPSH" --drop="$capsh_drop" "--caps=cap_net_bind_service,cap_setuid,cap_setgid+ep cap_net_bind_service+i" \
		--keep=1 --groups= --gid=65534 --uid=65534 --addamb=cap_net_bind_service --no-new-privs \
		--shell="$prog" -- "$@"
}
if [ $ROOT = 1 ] && id nobody >/dev/null 2>&1 && getent group nogroup >/dev/null 2>&1; then
	show='Cap|NoNewPrivs|^Uid|^Gid|^Groups'
	want=$("$O/capload" "$W/web.capbin" -- /bin/grep -E "$show" /proc/self/status)
	for tool in setpriv capsh; do
		eval "path=\$$(echo "$tool" | tr a-z A-Z)"
		if [ -z "$path" ]; then
			note "$tool not installed: its startup baseline is skipped"
			continue
		fi
		got=$(web_$tool /bin/grep -E "$show" /proc/self/status 2>&1)
		if [ "$got" = "$want" ]; then
			say "2. $tool does the same job as capload web.capbin (same /proc/self/status)"
		else
			note "$tool's result differs from capload's (the comparison is still printed)"
			echo "$want" | sed 's/^/bench:   capload: /'
			echo "$got" | sed 's/^/bench:   '"$tool"': /'
		fi
	done
	say "2. startup, the web example -- /bin/true: $N_START runs each, interleaved"
	# commands: 0 capload, 1 /bin/true, then setpriv and capsh if installed
	set -- "$O/capload" "$W/web.capbin" -- /bin/true ::: /bin/true
	i_sp="" i_cs=""
	k=2
	if [ -n "$SETPRIV" ]; then
		set -- "$@" ::: "$SETPRIV" --reuid=nobody --regid=nogroup --clear-groups \
			--inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service \
			--bounding-set=-all,+net_bind_service --no-new-privs -- /bin/true
		i_sp=$k
		k=$((k + 1))
	fi
	if [ -n "$CAPSH" ]; then
		set -- "$@" ::: "$CAPSH" --drop="$capsh_drop" \
			"--caps=cap_net_bind_service,cap_setuid,cap_setgid+ep cap_net_bind_service+i" --keep=1 \
			--groups= --gid=65534 --uid=65534 --addamb=cap_net_bind_service --no-new-privs --shell=/bin/true --
		i_cs=$k
		k=$((k + 1))
	fi
	# bubblewrap dropping every capability (it does less than the others:
	# no identity change; it sets up a mount namespace, which they do not)
	i_bw=""
	if [ -n "$BWRAP" ]; then
		set -- "$@" ::: "$BWRAP" --dev-bind / / --cap-drop ALL /bin/true
		i_bw=$k
		k=$((k + 1))
	fi
	# capload linked statically: what that would save (bench/bench.mk)
	set -- "$@" ::: "$B/capload-static" "$W/web.capbin" -- /bin/true
	i_st=$k
	"$B/forkexec" -n "$N_START" -w 20 -- "$@" >"$W/startup.txt" || exit 1
	sed "s/^cmd=0/capload/; s/^cmd=1/true/; s/^cmd=${i_sp:-x}/setpriv/; s/^cmd=${i_cs:-x}/capsh/;
		s/^cmd=${i_bw:-x}/bwrap/; s/^cmd=$i_st/capload-static/; s/^/bench:   /" "$W/startup.txt"
	su() { grep "^cmd=$1 " "$W/startup.txt" | get "$2"; }
	true_us=$(su 1 median_us)
	true_cpu=$(su 1 cpu_us)
	[ -n "$i_sp" ] && row "startup: capload -- true, wall median (us)" "$(su 0 median_us)" "setpriv" \
		"$(su "$i_sp" median_us)" 1.10
	[ -n "$i_cs" ] && row "startup: capload -- true, wall median (us)" "$(su 0 median_us)" "capsh" \
		"$(su "$i_cs" median_us)" -
	row "startup: capload -- true, wall median (us)" "$(su 0 median_us)" "/bin/true alone" "$true_us" 1.3
	[ -n "$i_bw" ] && row "startup: capload -- true, wall median (us)" "$(su 0 median_us)" "bwrap --cap-drop ALL" \
		"$(su "$i_bw" median_us)" -
	row "startup: capload -- true, CPU median (us)" "$(su 0 cpu_us)" "/bin/true alone" "$true_cpu" -
	row "startup: capload -- true, CPU median (us)" "$(su 0 cpu_us)" "capload linked statically" \
		"$(su "$i_st" cpu_us)" -
	[ -n "$i_sp" ] && row "startup: capload -- true, CPU median (us)" "$(su 0 cpu_us)" "setpriv" \
		"$(su "$i_sp" cpu_us)" 1.10
	if have valgrind && [ -n "$SETPRIV" ]; then
		a=$(cg_until_exec "$O/capload" "$W/web.capbin" -- "$B/nop")
		b=$(cg_until_exec "$SETPRIV" --reuid=nobody --regid=nogroup --clear-groups \
			--inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service \
			--bounding-set=-all,+net_bind_service --no-new-privs -- "$B/nop")
		row "startup: instructions until exec (callgrind)" "$a" "setpriv" "$b" 1.0
		if [ -n "$CAPSH" ]; then
			c=$(cg_until_exec "$CAPSH" --drop="$capsh_drop" \
				"--caps=cap_net_bind_service,cap_setuid,cap_setgid+ep cap_net_bind_service+i" --keep=1 \
				--groups= --gid=65534 --uid=65534 --addamb=cap_net_bind_service --no-new-privs \
				--shell="$B/nop" --)
			row "startup: instructions until exec (callgrind)" "$a" "capsh" "$c" -
		fi
	fi
	if have strace && [ -n "$SETPRIV" ]; then
		a=$(st_calls "$O/capload" "$W/web.capbin" -- "$B/nop")
		b=$(st_calls "$SETPRIV" --reuid=nobody --regid=nogroup --clear-groups \
			--inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service \
			--bounding-set=-all,+net_bind_service --no-new-privs -- "$B/nop")
		row "startup: system calls (strace, with exec)" "$a" "setpriv" "$b" -
	fi

	# ------------------------------------------------------------ 4. memory
	say "4. peak RSS of the loaders (the program run is bench/nop: a few pages): $N_RSS runs"
	set -- "$O/capload" "$W/web.capbin" -- "$B/nop" ::: "$B/nop"
	[ -n "$SETPRIV" ] && set -- "$@" ::: "$SETPRIV" --reuid=nobody --regid=nogroup --clear-groups \
		--inh-caps=-all,+net_bind_service --ambient-caps=-all,+net_bind_service \
		--bounding-set=-all,+net_bind_service --no-new-privs -- "$B/nop"
	"$B/forkexec" -n "$N_RSS" -w 5 -- "$@" >"$W/rss.txt" || exit 1
	sed 's/^cmd=0/capload/; s/^cmd=1/nop/; s/^cmd=2/setpriv/; s/^/bench:   /' "$W/rss.txt"
	[ -n "$SETPRIV" ] && row "memory: peak RSS of the loader (KiB)" "$(grep '^cmd=0 ' "$W/rss.txt" | get maxrss_kb)" \
		"setpriv" "$(grep '^cmd=2 ' "$W/rss.txt" | get maxrss_kb)" 1.0
else
	skiprow "startup and loader memory" "needs root, nobody"
	true_us="" true_cpu=""
fi

# the code a daemon links to apply a policy: libcapr against libseccomp
# (what it would link to load filters itself)
text() { size -A "$1" 2>/dev/null | awk '$1 == ".text" { print $2 }'; }
lsso=$(ldconfig -p 2>/dev/null | awk '/libseccomp\.so\.2 / { print $NF; exit }')
if [ -n "$lsso" ] && [ -f "$O/libcapr.so.1" ]; then
	row "memory: runtime library text (bytes)" "$(text "$O/libcapr.so.1")" "libseccomp.so.2" "$(text "$lsso")" -
fi
if [ $have_json = 1 ]; then
	blob=$(wc -c <"$W/docker.capbin")
	raw=$(($(echo "$cf" | get len) * 8))
	# the blob's own bytes (header, stage, arch table, checksum) beyond the program
	row "memory: blob bytes beyond its BPF" "$((blob - raw))" "bar: 512" 512 1.0
	row "memory: blob size (bytes)" "$blob" "libseccomp tree raw" "$(wc -c <"$W/tree.bpf")" -
	row "memory: blob size (bytes)" "$blob" "libseccomp linear raw" "$(wc -c <"$W/linear.bpf")" -
fi

# ---------------------------------------------------------------- 4b. validation
say "4. capr_open_mem (load and validate a blob in memory): $BLOB_R reps"
set -- "$W/web.capbin"
[ $have_json = 1 ] && set -- "$W/docker.capbin" "$@"
"$B/blobbench" -R "$BLOB_R" "$@" >"$W/blob.txt" || exit 1
sed "s|$W/||; s/^/bench:   /" "$W/blob.txt"
if [ $have_json = 1 ] && [ -n "$true_us" ]; then
	# CPU time on both sides: the exec's wall time here is mostly the
	# machine's load
	row "validate docker blob, capr_open_mem (us)" "$(grep 'docker.capbin' "$W/blob.txt" | get median_us)" \
		"CPU of exec /bin/true" "$true_cpu" 0.05
fi
if have valgrind && [ $have_json = 1 ]; then
	n=200
	a=$(cg_total "$B/blobbench" -n $n -R 1 "$W/docker.capbin")
	z=$(cg_total "$B/blobbench" -n 1 -R 1 "$W/docker.capbin")
	per=$(awk -v a="$a" -v z="$z" -v n=$n 'BEGIN { printf("%d", (a - z) / (2 * n - 2)) }')
	say "   capr_open_mem(docker blob): $per instructions per call (callgrind)"
fi

# ---------------------------------------------------------------- 5. capr_enter
if [ $ROOT = 1 ]; then
	say "5. entering a point in a fresh child: $ENTER_R rounds each"
	"$B/enterbench" -R "$ENTER_R" drop "$W/enter-drop.capbin" small >"$W/enter-drop.txt" || exit 1
	sed 's/^/bench:   drop: /' "$W/enter-drop.txt"
	row "capr_enter: drop net_raw + nnp (us)" "$(grep capr "$W/enter-drop.txt" | get median_us)" "direct syscalls" \
		"$(grep direct "$W/enter-drop.txt" | get median_us)" 2
	if [ $have_json = 1 ]; then
		"$B/enterbench" -R "$ENTER_R" seccomp "$W/enter-seccomp.capbin" filter >"$W/enter-sc.txt" || exit 1
		sed 's/^/bench:   seccomp: /' "$W/enter-sc.txt"
		row "capr_enter: nnp + docker filter (us)" "$(grep capr "$W/enter-sc.txt" | get median_us)" \
			"direct syscalls" "$(grep direct "$W/enter-sc.txt" | get median_us)" 2
	fi
	if have strace; then
		for s in drop seccomp; do
			f=$W/enter-drop.capbin p=small
			[ $s = seccomp ] && f=$W/enter-seccomp.capbin p=filter
			[ -f "$f" ] || continue
			strace -f -o "$W/enter.strace" "$B/enterbench" -1 $s "$f" $p >/dev/null 2>&1
			count() { awk -v a="close(-10$1)" -v b="close(-11$1)" \
				'index($0, a) { on = 1; next } index($0, b) { on = 0 } on { n++ } END { print n + 0 }' \
				"$W/enter.strace"; }
			row "capr_enter: $s stage, system calls" "$(count 0)" "direct syscalls" "$(count 1)" -
		done
	fi
else
	skiprow "capr_enter" "needs root"
fi

# ---------------------------------------------------------------- the table
echo
echo "capc benchmarks ($(date -u +%Y-%m-%d), $(uname -m), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
awk -F '\t' '
	{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR }
	END {
		split("metric|capc|baseline|value|ratio|goal|met", h, "|")
		for (i = 1; i <= 7; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
		line = ""
		for (i = 1; i <= 7; i++) line = line sprintf(i == 1 || i == 3 ? "%-*s  " : "%*s  ", w[i], h[i])
		print line
		for (r = 1; r <= n; r++) {
			line = ""
			for (i = 1; i <= 7; i++) line = line sprintf(i == 1 || i == 3 ? "%-*s  " : "%*s  ", w[i], cell[r, i])
			print line
		}
	}' "$TABLE"
met=$(awk -F '\t' '$7 == "met"' "$TABLE" | wc -l)
miss=$(awk -F '\t' '$7 == "NOT MET"' "$TABLE" | wc -l)
echo
echo "goals: $met met, $miss not met (docs/performance.md: what each goal is and why)"
[ -n "$notes" ] && echo "notes:$notes"
cp "$TABLE" "$B/results.tsv"
[ -f "$W/failed" ] && status=1
exit $status

#!/bin/sh
# gen-syscall-args.sh - regenerate compiler/data/syscall-args.txt.
#
#   sh tools/gen-syscall-args.sh [MANDIR] > compiler/data/syscall-args.txt
#
# A maintainer's tool, not part of the build (its output is committed).
# Needs a C compiler, libseccomp-dev and the Linux man-pages (Debian:
# manpages-dev, for section 2; MANDIR defaults to /usr/share/man).
#
# 1. The syscall names: every name libseccomp resolves on x86_64 or on
#    32-bit x86 (a tiny C program asks seccomp_syscall_resolve_num_arch).
# 2. Argument names from the SYNOPSIS prototypes of the section 2 pages
#    ("int socket(int domain, ...)" and "syscall(SYS_x, ...)" forms); a name
#    without a prototype of its own borrows one by the rules in lookup_name
#    below (chown32 -> chown, fcntl64 -> fcntl, ...).
# 3. The OVERRIDES below replace what the pages give wherever the raw
#    system call differs from the glibc wrapper the page documents, and add
#    syscalls the pages do not cover. Each says why.
# 4. Merge. Names "argN" at an index other than N (prctl's arg2 is its
#    second argument) cannot be kept: "argN" always means index N in capc.
#    Such a name and the ones after it are left out, with a note on stderr.
#    Syscalls without arguments get no line. Syscalls without a prototype
#    are listed on stderr so they can be reviewed.
# 5. Review aid: with KSRC=/path/to/linux-source, stderr also shows each
#    line next to the kernel's SYSCALL_DEFINE parameters.
set -eu

mandir=${1:-/usr/share/man}
LC_ALL=C
export LC_ALL
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

# ------------------------------------------------------------ 1. names
cat >"$work/names.c" <<'EOF'
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	static const char *const arches[] = { "x86_64", "x86" };
	for (size_t a = 0; a < sizeof arches / sizeof arches[0]; a++) {
		uint32_t arch = seccomp_arch_resolve_name(arches[a]);
		if (!arch)
			return 1;
		for (int nr = 0; nr < 1024; nr++) {
			char *name = seccomp_syscall_resolve_num_arch(arch, nr);
			if (name)
				printf("%s\n", name);
			free(name);
		}
	}
	return 0;
}
EOF
${CC:-cc} -o "$work/names" "$work/names.c" -lseccomp
"$work/names" | sort -u >"$work/names.txt"

# ------------------------------------------------------------ 2. prototypes
# One line per prototype found: "NAME PAGE ARG...", where PAGE is the page
# the prototype came from ("-" marks a prototype without usable names).
for page in "$mandir"/man2/*.2.gz; do
	# Symlinks and ".so" pages point at pages read anyway.
	[ -L "$page" ] && continue
	base=$(basename "$page" .2.gz)
	zcat "$page" | awk -v page="$base" '
	# Joins the arguments of a roff macro line: alternating font macros
	# (.BI, .IR, ...) concatenate them, .B and .I separate them by spaces.
	function macro_text(line,    m, rest, out, arg, sep, c, i, q) {
		m = line
		sub(/[ \t].*/, "", m)
		rest = substr(line, length(m) + 1)
		sep = (m == ".B" || m == ".I" || m == ".SM") ? " " : ""
		out = ""
		n = 0
		i = 1
		while (i <= length(rest)) {
			c = substr(rest, i, 1)
			if (c == " " || c == "\t") { i++; continue }
			arg = ""
			if (c == "\"") {
				i++
				while (i <= length(rest)) {
					c = substr(rest, i, 1)
					if (c == "\"") {
						if (substr(rest, i + 1, 1) == "\"") { arg = arg "\""; i += 2; continue }
						i++
						break
					}
					arg = arg c
					i++
				}
			} else {
				while (i <= length(rest)) {
					c = substr(rest, i, 1)
					if (c == " " || c == "\t")
						break
					arg = arg c
					i++
				}
			}
			out = (n++ ? out sep : "") arg
		}
		return out
	}
	function unescape(s) {
		gsub(/\\f(\[[^]]*\]|\(..|.)/, "", s)
		gsub(/\\\[aq\]|\\\(aq/, "\047", s)
		gsub(/\\\[[^]]*\]|\\\(../, "", s)
		gsub(/\\-/, "-", s)
		gsub(/\\[ ~]/, " ", s)
		gsub(/\\[&c]/, "", s)
		gsub(/\\e/, "\\", s)
		return s
	}
	# Name of one parameter: the identifier in "(*name)" for a function
	# pointer, else the last identifier (array brackets removed).
	function param_name(p,    q) {
		if (match(p, /\(\*[ \t]*[A-Za-z_][A-Za-z0-9_]*/)) {
			q = substr(p, RSTART + 2, RLENGTH - 2)
			gsub(/[ \t]/, "", q)
			return q
		}
		gsub(/\[[^]]*\]/, "", p)
		if (!match(p, /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/))
			return ""
		q = substr(p, RSTART, RLENGTH)
		gsub(/[ \t]/, "", q)
		return q
	}
	function is_type_word(w) {
		return w ~ /^(void|int|long|char|short|unsigned|signed|const|struct|union|enum|size_t|ssize_t|off_t|loff_t|pid_t|uid_t|gid_t|mode_t|restrict|_Nullable|_Nonnull)$/
	}
	function statement(s,    i, c, depth, name, start, params, p, pa, q, nm, np, args, bad) {
		gsub(/\[\[[^]]*\]\]/, "", s)
		# "... /* mode_t mode */": the optional arguments the page
		# names in a comment count as parameters.
		while (match(s, /\.\.\.[ \t]*\/\*([^*]|\*[^\/])*\*\//)) {
			p = substr(s, RSTART, RLENGTH)
			sub(/^\.\.\.[ \t]*\/\*/, "", p)
			sub(/\*\/$/, "", p)
			s = substr(s, 1, RSTART - 1) p substr(s, RSTART + RLENGTH)
		}
		while (match(s, /\/\*([^*]|\*[^\/])*\*\//))
			s = substr(s, 1, RSTART - 1) " " substr(s, RSTART + RLENGTH)
		if (!match(s, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/))
			return
		name = substr(s, RSTART, RLENGTH)
		sub(/[ \t]*\($/, "", name)
		start = RSTART + RLENGTH
		depth = 1
		params = ""
		for (i = start; i <= length(s); i++) {
			c = substr(s, i, 1)
			if (c == "(") depth++
			else if (c == ")") { if (--depth == 0) break }
			if (c == "," && depth == 1) c = "\001"
			params = params c
		}
		if (depth != 0)
			return
		np = split(params, pa, "\001")
		args = ""
		bad = 0
		i = 1
		if (name == "syscall") {
			nm = pa[1]
			gsub(/[ \t]/, "", nm)
			if (nm !~ /^SYS_/)
				return
			name = substr(nm, 5)
			i = 2
		}
		for (; i <= np; i++) {
			q = pa[i]
			gsub(/^[ \t]+|[ \t]+$/, "", q)
			if (q == "..." || (q == "void" && np == 1))
				break
			nm = param_name(q)
			if (nm == "" || is_type_word(nm)) { bad = 1; break }
			args = args " " nm
		}
		print name, (bad ? "-" : page) args
	}
	/^\.SH / { in_syn = ($0 ~ /^\.SH "?SYNOPSIS/); next }
	!in_syn { next }
	/^\.nf/ { in_nf = 1; buf = ""; next }
	/^\.fi/ { in_nf = 0; buf = ""; next }
	!in_nf { next }
	/^\.\\"/ { next }
	{
		line = $0
		while (line ~ /\\$/ && (getline more) > 0)
			line = substr(line, 1, length(line) - 1) more
		if (line ~ /^\.(B|I|BI|IB|BR|RB|IR|RI|SM)([ \t]|$)/)
			line = macro_text(line)
		else if (line ~ /^\./)
			next
		line = unescape(line)
		if (line ~ /^[ \t]*#/)
			next
		buf = buf " " line
		# Complete statements end in ";" outside parentheses.
		while ((k = index(buf, ";")) > 0) {
			statement(substr(buf, 1, k - 1))
			buf = substr(buf, k + 1)
		}
	}
	'
done >"$work/protos.txt"

# ------------------------------------------------------------ 3. overrides
# "NAME ARG..." lines; "NAME" alone: the syscall takes no arguments although
# a page shows some.
cat >"$work/overrides.txt" <<'EOF'
# Raw syscalls whose arguments differ from the glibc wrapper the page shows.
# clone: the page shows glibc's clone(fn, stack, flags, arg, ...); the raw
# x86_64 call is clone(flags, newsp, parent_tidptr, child_tidptr, tls)
# (32-bit x86 swaps the last two: CONFIG_CLONE_BACKWARDS).
clone flags newsp parent_tidptr child_tidptr tls
# ioctl and semctl: the page ends in "...": name the third/fourth argument.
ioctl fd request argp
semctl semid semnum cmd arg
# The raw calls have no flags argument (glibc emulates it): see the pages'
# "C library/kernel differences".
faccessat dirfd pathname mode
fchmodat dirfd pathname mode
# eventfd2 and signalfd4 are the raw calls behind glibc's eventfd/signalfd;
# signalfd(4) also passes the size of the signal mask.
eventfd initval
eventfd2 initval flags
signalfd fd mask sizemask
signalfd4 fd mask sizemask flags
# The raw calls split the 64-bit offset in two (pos_l low, pos_h high).
preadv fd iov iovcnt pos_l pos_h
pwritev fd iov iovcnt pos_l pos_h
preadv2 fd iov iovcnt pos_l pos_h flags
pwritev2 fd iov iovcnt pos_l pos_h flags
# getcpu: the raw call keeps the old tcache argument (unused).
getcpu cpu node tcache
# waitid: the raw call has a fifth argument, struct rusage *.
waitid idtype id infop options rusage
# The rt_sig* calls take the size of the signal set after the set.
rt_sigaction signum act oldact sigsetsize
rt_sigpending set sigsetsize
rt_sigsuspend mask sigsetsize
rt_sigtimedwait set info timeout sigsetsize
rt_sigtimedwait_time64 set info timeout sigsetsize
# ppoll and epoll_pwait(2): the raw calls add the sigset size.
ppoll fds nfds tmo_p sigmask sigsetsize
ppoll_time64 fds nfds tmo_p sigmask sigsetsize
epoll_pwait epfd events maxevents timeout sigmask sigsetsize
epoll_pwait2 epfd events maxevents timeout sigmask sigsetsize
# pselect6: the sixth argument points at { sigmask, size } (the page's
# NOTES), not at a sigset.
pselect6 nfds readfds writefds exceptfds timeout sig
pselect6_time64 nfds readfds writefds exceptfds timeout sig
# The mq_* pages are in section 3 (same order as the raw calls).
mq_open name oflag mode attr
mq_unlink name
mq_timedsend mqdes msg_ptr msg_len msg_prio abs_timeout
mq_timedsend_time64 mqdes msg_ptr msg_len msg_prio abs_timeout
mq_timedreceive mqdes msg_ptr msg_len msg_prio abs_timeout
mq_timedreceive_time64 mqdes msg_ptr msg_len msg_prio abs_timeout
mq_notify mqdes sevp
# sysfs: the page shows three overloads; the raw call is
# sysfs(option, arg1, arg2).
sysfs option arg1 arg2
# 32-bit x86 only. Its 64-bit arguments come in two registers: named after
# the kernel's ia32 wrappers (low half first).
truncate64 path length_low length_high
ftruncate64 fd length_low length_high
fadvise64_64 fd offset_low offset_high len_low len_high advice
# statfs64 and fstatfs64 pass the size of the struct before the buffer.
statfs64 path sz buf
fstatfs64 fd sz buf
# i386 sigsuspend is the 3-argument old form (CONFIG_OLD_SIGSUSPEND3).
sigsuspend unused1 unused2 mask
# i386 select is old_select (one pointer); the five-argument call is
# _newselect. Same names as the page.
_newselect nfds readfds writefds exceptfds timeout

# getpgrp: the page also shows BSD's getpgrp(pid); the Linux call has none.
getpgrp

# Pages that show no usable prototype: exit is documented as _exit(2),
# getcwd in section 3, and semget.2 prints its prototype outside the
# SYNOPSIS block.
exit status
getcwd buf size
semget key nsems semflg

# Not covered by the pages of man-pages 6.03 (newer than them, or never
# documented); names from the kernel's SYSCALL_DEFINE (Linux 6.1; 6.5 to
# 6.7 for cachestat, fchmodat2, futex_wait, futex_wake, futex_requeue and
# map_shadow_stack, which Debian's libseccomp 2.5.4 already knows), in the
# pages' style (no leading underscores).
cachestat fd cstat_range cstat flags
fchmodat2 dirfd pathname mode flags
futex_wait uaddr val mask flags timeout clockid
futex_wake uaddr mask nr flags
futex_requeue waiters flags nr_wake nr_requeue
map_shadow_stack addr size flags
rseq rseq rseq_len flags sig
io_uring_setup entries params
io_uring_enter fd to_submit min_complete flags argp argsz
io_uring_register fd opcode arg nr_args
io_pgetevents ctx_id min_nr nr events timeout usig
io_pgetevents_time64 ctx_id min_nr nr events timeout usig
open_tree dfd filename flags
move_mount from_dfd from_pathname to_dfd to_pathname flags
fsopen fs_name flags
fsconfig fd cmd key value aux
fsmount fs_fd flags attr_flags
fspick dfd path flags
process_mrelease pidfd flags
futex_waitv waiters nr_futexes flags timeout clockid
set_mempolicy_home_node start len home_node flags
quotactl_fd fd cmd id addr
EOF

# ------------------------------------------------------------ 4. merge
awk '
# Pick a prototype: the one from the page named after the syscall, else
# the first found (pages are read in name order). Of the overloads one page
# shows (open with and without mode), the longest: the raw call takes them all.
FILENAME == ARGV[1] {
	if ($2 == "-") { unusable[$1] = 1; next }
	args = ""
	for (i = 3; i <= NF; i++) args = args " " $i
	if (!($1 in proto) || ($2 == $1 && from[$1] != $1) ||
	    ($2 == from[$1] && NF - 2 > count[$1])) {
		proto[$1] = args
		from[$1] = $2
		count[$1] = NF - 2
	}
	next
}
FILENAME == ARGV[2] {
	sub(/#.*/, "")
	if (NF == 0) next
	args = ""
	for (i = 2; i <= NF; i++) args = args " " $i
	override[$1] = args
	next
}
function lookup_name(n,    m) {
	if (n in proto) return n
	m = n
	# clock_gettime64, fcntl64, chown32, ...: same arguments.
	if (sub(/_time64$/, "", m) && m in proto) return m
	m = n
	if (sub(/(32|64)$/, "", m) && m in proto) return m
	m = n
	if (sub(/^(old|new)/, "", m) && m in proto) return m
	m = n
	if (sub(/^oldold/, "", m) && m in proto) return m
	if (n == "ugetrlimit") return "getrlimit"
	if (n == "newfstatat" || n == "fstatat64") return "fstatat"
	if (n == "fadvise64") return "posix_fadvise"
	if (n == "pread64") return "pread"
	if (n == "pwrite64") return "pwrite"
	return ""
}
{
	n = $1
	if (n in override) args = override[n]
	else {
		m = lookup_name(n)
		if (m == "") {
			printf "gen-syscall-args: no prototype for %s%s\n", n, (n in unusable ? " (unnamed parameters)" : "") > "/dev/stderr"
			next
		}
		args = proto[m]
	}
	k = split(args, a, " ")
	out = ""
	for (i = 1; i <= k && i <= 6; i++) {
		if (a[i] ~ /^arg[0-9]+$/ && a[i] != "arg" (i - 1)) {
			printf "gen-syscall-args: %s: %s is argument %d; \"arg%d\" means index %d, names from here on left out\n", n, a[i], i - 1, i - 1, i - 1 > "/dev/stderr"
			break
		}
		out = out " " a[i]
	}
	if (k > 6)
		printf "gen-syscall-args: %s: more than 6 arguments?\n", n > "/dev/stderr"
	if (out != "")
		print n out
}
' "$work/protos.txt" "$work/overrides.txt" "$work/names.txt" >"$work/args.txt"

cat <<'EOF'
# syscall-args.txt - raw argument names of each syscall, one line:
#     NAME ARG0 ARG1 ...
# The order is the kernel's raw syscall's (what seccomp sees), not the glibc
# wrapper's where they differ. Names are the Linux man-pages' (man-pages
# 6.03, Debian 12) where a page has them, else the kernel's.
# Layouts are x86_64's. Names that exist only on 32-bit x86 have i386's
# layout (a 64-bit argument there takes two registers: NAME_low, NAME_high).
# Where i386 differs under a shared name, x86_64 wins: i386 clone swaps
# tls and child_tidptr, i386 mmap and select take one pointer to their
# arguments (mmap2 and _newselect are the real ones there), i386
# fanotify_mark and fadvise64 split their 64-bit arguments.
# "arg0".."arg5" mean indexes 0..5 for every syscall, so page names that
# would mean another index (prctl's and keyctl's arg2..arg5) are not
# listed: prctl has only "option", keyctl only "operation".
#
# Made by tools/gen-syscall-args.sh: the syscalls libseccomp 2.5.4 knows on
# x86_64 and x86, argument names from the SYNOPSIS of the section 2 pages of
# manpages-dev, then overrides where the raw call differs or a page is
# missing (each with its reason in the script). Reviewed by hand against
# the kernel's SYSCALL_DEFINE parameters (linux-source-6.1; the script
# prints the comparison when KSRC is set). Syscalls without arguments have
# no line. Regenerate with
#     sh tools/gen-syscall-args.sh > compiler/data/syscall-args.txt
EOF
cat "$work/args.txt"

# ------------------------------------------------------------ 5. review aid
# With KSRC=/path/to/linux (Debian: linux-source-6.1), list every line next
# to the kernel's SYSCALL_DEFINE parameters on stderr, "!!" where the counts
# differ, for a reviewer to read: names differ by design, order must not.
[ -n "${KSRC:-}" ] || exit 0
grep -rl --include='*.c' 'SYSCALL_DEFINE[0-6]' "$KSRC" | sort | while read -r f; do
	awk '
	{
		if (!open) {
			if (!match($0, /^SYSCALL_DEFINE[0-6]\(/))
				next
			buf = substr($0, RSTART + RLENGTH)
			open = 1
		} else
			buf = buf " " $0
		# Complete once the opening parenthesis is closed.
		d = 1
		end = 0
		for (k = 1; k <= length(buf); k++) {
			c = substr(buf, k, 1)
			if (c == "(") d++
			else if (c == ")" && --d == 0) { end = k; break }
		}
		if (!end)
			next
		# "name, type, arg, type, arg, ...": keep name and args.
		n = split(substr(buf, 1, end - 1), p, ",")
		out = p[1]
		for (j = 3; j <= n; j += 2)
			out = out " " p[j]
		gsub(/[ \t]+/, " ", out)
		print FILENAME, out
		open = 0
	}' "$f"
done >"$work/defs.txt"
awk '
FILENAME ~ /syscall_64\.tbl$/ { if ($1 ~ /^[0-9]+$/ && $2 != "x32" && $4 != "" && !($3 in e64)) e64[$3] = $4; next }
FILENAME ~ /syscall_32\.tbl$/ { if ($1 ~ /^[0-9]+$/ && !($3 in e32)) e32[$3] = $4; next }
FILENAME ~ /defs\.txt$/ {
	a = ""
	for (i = 3; i <= NF; i++) a = a " " $i
	if ($1 ~ /\/arch\/x86\/(kernel|entry|mm|ia32)\//) x86[$2] = x86[$2] " |" a
	else if ($1 !~ /\/arch\//) gen[$2] = gen[$2] " |" a
	next
}
{
	e = ($1 in e64) ? e64[$1] : e32[$1]
	sub(/^sys_/, "", e)
	k = (e in x86) ? x86[e] : gen[e]
	if (k == "") { printf "?? %s: no SYSCALL_DEFINE for %s\n", $1, (e == "" ? "(no entry)" : e) > "/dev/stderr"; next }
	ok = 0
	m = split(k, v, "|")
	for (j = 2; j <= m; j++) if (split(v[j], t, " ") == NF - 1) ok = 1
	printf "%s %s:", (ok ? "  " : "!!"), $1 > "/dev/stderr"
	for (i = 2; i <= NF; i++) printf " %s", $i > "/dev/stderr"
	printf "  [kernel %s:%s]\n", e, k > "/dev/stderr"
}' "$KSRC/arch/x86/entry/syscalls/syscall_64.tbl" "$KSRC/arch/x86/entry/syscalls/syscall_32.tbl" \
	"$work/defs.txt" "$work/args.txt"

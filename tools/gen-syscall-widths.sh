#!/bin/sh
# gen-syscall-widths.sh - regenerate compiler/data/syscall-widths.txt.
#
#   sh tools/gen-syscall-widths.sh KSRC > compiler/data/syscall-widths.txt
#
# A maintainer's tool, not part of the build (its output is committed).
# KSRC is an unpacked Linux source tree (Debian: linux-source-6.1, whose
# tarball unpacks to linux-source-6.1/).
#
# Why: seccomp hands a filter the full 64-bit register of every argument,
# but the kernel's SYSCALL_DEFINE wrapper casts each register to the
# parameter's declared type before the system call sees it. An `int` or
# `unsigned int` argument therefore means only the low 32 bits, a umode_t
# or old_uid_t only the low 16: ioctl(fd, TIOCSTI | 1UL << 32, ...) is
# TIOCSTI to the kernel, and a filter comparing all 64 bits would let it
# through a `deny ioctl(request == TIOCSTI)`. capc compares such an
# argument on its low bits only; this table says which arguments those are.
#
# How:
# 1. The syscall tables: arch/x86/entry/syscalls/syscall_64.tbl (ABIs
#    common and 64) gives each x86_64 name its entry point (sys_kill),
#    syscall_32.tbl each i386 name its native entry (sys_chown16 for
#    "chown").
# 2. Every SYSCALL_DEFINEn(name, type, arg, ...) in the tree outside arch/
#    and in arch/x86 gives the entry's parameter types; each type's width
#    is its size on the kernel that runs the entry (pointers and longs: 64
#    on x86_64, 32 on i386).
# 3. Output: one line per syscall with an argument narrower than its ABI's
#    registers, "64 NAME W0 W1 ..." for 64-bit ABIs and "32 NAME W0 ..."
#    for 32-bit ones (the i386 table's types; the other 32-bit ABIs libseccomp
#    knows map the same names to the same generic entries). Syscalls whose
#    arguments are all full width have no line.
# A type this script does not know stops it: add it to the width function
# below after reading its typedef.
set -eu

if [ $# -ne 1 ] || [ ! -f "$1/arch/x86/entry/syscalls/syscall_64.tbl" ]; then
	echo "usage: sh tools/gen-syscall-widths.sh KSRC   (an unpacked Linux source tree)" >&2
	exit 2
fi
ksrc=$1
LC_ALL=C
export LC_ALL
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
trap 'exit 1' INT TERM

# --------------------------------------------------------------- 2. definitions
# One line per definition: "sys_NAME<TAB>type<TAB>type...", macro lines joined.
(cd "$ksrc" && grep -rl --include='*.c' --include='*.h' 'SYSCALL_DEFINE[0-6](' . |
	grep -v -e '^\./arch/' -e '^\./include/linux/syscalls\.h$' -e '^\./tools/' -e '^\./Documentation/'
 cd "$ksrc" && grep -rl --include='*.c' --include='*.h' 'SYSCALL_DEFINE[0-6](' ./arch/x86) |
	sort -u >"$work/files"
(cd "$ksrc" && xargs cat <"$work/files") | awk '
	function flush(    s, n, parts, i, out, t) {
		s = buf
		sub(/^[ \t]*SYSCALL_DEFINE[0-6]\(/, "", s)
		sub(/\).*/, "", s)
		gsub(/[ \t]+/, " ", s)
		n = split(s, parts, /[ ]*,[ ]*/)
		sub(/^ /, "", parts[1])
		out = "sys_" parts[1]
		# type, name, type, name, ...
		for (i = 2; i < n; i += 2) {
			t = parts[i]
			sub(/^ /, "", t)
			sub(/ $/, "", t)
			out = out "\t" t
		}
		print out
	}
	/^[ \t]*SYSCALL_DEFINE[0-6]\(/ { buf = $0; if ($0 ~ /\)/) flush(); else more = 1; next }
	more { buf = buf " " $0; if ($0 ~ /\)/) { more = 0; flush() } }
' | sort -u >"$work/defs"

# --------------------------------------------------------------- 1, 3. tables and widths
emit() { # $1: tbl file, $2: abi regex, $3: kernel bits
	grep -v '^#' "$1" | awk -v abis="$2" -v bits="$3" -v defs="$work/defs" '
	function width(t,    u) {
		u = t
		if (u ~ /(^| )enum /) return 32
		gsub(/(const|volatile|__user|__force|struct|enum) /, "", u)
		if (u ~ /\*/) return bits
		if (u ~ /^(unsigned long|long|unsigned long long|long long|size_t|ssize_t|off_t|loff_t|u64|__u64|s64|aio_context_t|__sighandler_t|cap_user_header_t|cap_user_data_t|__kernel_old_time_t|old_time32_t|time_t)$/)
			return u ~ /long long|loff_t|64/ ? 64 : bits
		if (u ~ /^(int|unsigned int|unsigned|u32|__u32|s32|__s32|pid_t|uid_t|gid_t|qid_t|clockid_t|timer_t|key_t|key_serial_t|mqd_t|rwf_t|__kernel_rwf_t|old_sigset_t|old_uid_t32)$/)
			return 32
		if (u ~ /^(umode_t|old_uid_t|old_gid_t|unsigned short|short|u16)$/)
			return 16
		if (u ~ /^(unsigned char|char|u8)$/)
			return 8
		printf "gen-syscall-widths: unknown parameter type \"%s\" (add it to width())\n", t > "/dev/stderr"
		bad = 1
		return bits
	}
	BEGIN {
		FS = "\t"
		while ((getline line < defs) > 0) {
			n = split(line, f, "\t")
			key = f[1]
			ws = ""
			for (i = 2; i <= n; i++) ws = ws " " width(f[i])
			if (key in def && def[key] != ws) {
				# Alternatives under #ifdef: left at full width and
				# reported. Reviewed for Linux 6.1: clone (x86 uses
				# the variant of longs and pointers: full width) and
				# sigsuspend (i386 has OLD_SIGSUSPEND3: three
				# 32-bit arguments, full width there).
				printf "gen-syscall-widths: %s defined twice with different widths:%s /%s\n", key, def[key], ws > "/dev/stderr"
				conflict[key] = 1
			}
			def[key] = ws
		}
		FS = "[ \t]+"
	}
	$2 ~ abis && NF >= 4 {
		name = $3
		entry = $4
		sub(/^__(x64|ia32)_/, "", entry)
		if (!(entry in def)) {
			if (entry != "sys_ni_syscall")
				printf "gen-syscall-widths: no SYSCALL_DEFINE for %s (%s): full width\n", entry, name > "/dev/stderr"
			next
		}
		if (entry in conflict) {
			printf "gen-syscall-widths: %s: conflicting definitions, left at full width; review by hand\n", name > "/dev/stderr"
			next
		}
		n = split(def[entry], w, " ")
		narrow = 0
		for (i = 1; i <= n; i++) if (w[i] < bits) narrow = 1
		if (narrow) {
			line = bits " " name
			for (i = 1; i <= n; i++) line = line " " w[i]
			print line
		}
	}
	END { if (bad) exit 1 }
	'
}

{
	cat <<'EOF'
# syscall-widths.txt - how many low bits of each argument the kernel reads.
#     ABI NAME W0 W1 ...
# ABI 64: on 64-bit ABIs (x86_64, aarch64, ...); ABI 32: on 32-bit ABIs
# (i386's table). A syscall or ABI without a line reads every argument at
# the full register width. seccomp sees whole registers, so capc compares
# an argument listed narrower here on its low W bits only (an int argument
# with bit 32 set is the same call to the kernel).
#
# Made by tools/gen-syscall-widths.sh from the SYSCALL_DEFINE parameter
# types of Linux 6.1 (linux-source-6.1) and arch/x86's syscall tables.
# Regenerate with
#     sh tools/gen-syscall-widths.sh KSRC > compiler/data/syscall-widths.txt
EOF
	# (to files first: a pipe would hide emit's failure from set -e)
	emit "$ksrc/arch/x86/entry/syscalls/syscall_64.tbl" '^(common|64)$' 64 >"$work/64"
	emit "$ksrc/arch/x86/entry/syscalls/syscall_32.tbl" '^i386$' 32 >"$work/32"
	sort -k2,2 -u "$work/64"
	sort -k2,2 -u "$work/32"
}

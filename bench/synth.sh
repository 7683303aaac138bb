#!/bin/sh
# bench/synth.sh N CAPC - a synthetic policy of N seccomp rules, for the
# benchmark's compile-scaling rows (bench/run.sh).
#
# Rule i names syscall i mod 300 (from capc --list syscalls, so every
# name resolves), allows, denies with EACCES or logs it in turn, and every
# fourth rule tests argument 0 against one of 13 values. Later rules
# override earlier ones per syscall, as a real policy's do, so the filter
# stays within the kernel's 4096 instructions at any N while every rule
# is parsed, resolved, checked and lowered.
set -eu
n=${1:?usage: synth.sh N CAPC}
# (names that are also keywords of the language are left out: lock)
"${2:?usage: synth.sh N CAPC}" --list syscalls | grep -v '^_' | grep -vxE 'lock|break' | head -300 | awk -v n="$n" '
	{ name[NR - 1] = $0; k = NR }
	END {
		print "# synthetic: " n " rules (bench/synth.sh)"
		print "service synth {"
		print "    no_new_privs"
		print "    seccomp {"
		print "        default errno EPERM"
		for (i = 0; i < n; i++) {
			s = name[i % k]
			if (i % 4 == 0)
				s = s "(arg0 == " (i % 13) ")"
			a = i % 3 == 0 ? "allow " s : i % 3 == 1 ? "deny " s " errno EACCES" : "log " s
			print "        " a
		}
		print "    }"
		print "}"
	}'

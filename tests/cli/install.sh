#!/bin/sh
# make install (PREFIX, DESTDIR): every piece lands where the docs say, and
# a program builds against the installed library through pkg-config.
. "$CAPC_SRC/tests/lib.sh"
t_tmpdir
san=
sancc=
# A sanitized libcapr.so needs the ASan runtime first in the program.
case "$CAPC_BUILD" in *build-san) san=SANITIZE=1 sancc="-fsanitize=address,undefined" ;; esac
root="$T_TMP/root"
if ! make -s -C "$CAPC_SRC" install O="$CAPC_BUILD" $san PREFIX=/usr DESTDIR="$root" >"$T_TMP/log" 2>&1; then
	fail "make install DESTDIR=... PREFIX=/usr"
	sed 's/^/#   /' "$T_TMP/log"
	exit 1
fi
pass "make install DESTDIR=... PREFIX=/usr"
for f in usr/bin/capc usr/bin/capload usr/lib/libcapr.a usr/lib/libcapr.so.1 usr/lib/libcapr.so \
	usr/include/capr.h usr/include/capbin.h usr/lib/pkgconfig/capr.pc usr/share/man/man1/capc.1 \
	usr/share/man/man1/capload.1; do
	check "installed $f" [ -e "$root/$f" ]
done
[ -f "$CAPC_BUILD/capr_preload.so" ] && check "installed the preload object" [ -f "$root/usr/lib/capc/capr_preload.so" ]
[ -f "$CAPC_BUILD/pam_capc.so" ] && check "installed the PAM module" [ -f "$root/usr/lib/security/pam_capc.so" ]
check_contains "capr.pc points at the prefix" "libdir=/usr/lib" "$(cat "$root/usr/lib/pkgconfig/capr.pc")"
for f in usr/share/man/man5/capc.cap.5 usr/share/man/man3/capr.3 usr/share/man/man8/pam_capc.8 usr/share/doc/capc/language.md \
	usr/share/doc/capc/capbin.md usr/share/doc/capc/README.md usr/share/bash-completion/completions/capc \
	usr/share/bash-completion/completions/capload; do
	check "installed $f" [ -e "$root/$f" ]
done

# The bash completion: options, target ABIs, the command after capload's --.
if [ -f /usr/share/bash-completion/bash_completion ]; then
	comp() { # LINE: the completions of its last word
		bash -c '. /usr/share/bash-completion/bash_completion 2>/dev/null
			. "$1"; line=$2; read -ra COMP_WORDS <<<"$line"
			case $line in *" ") COMP_WORDS+=("") ;; esac
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE=$line; COMP_POINT=${#line}
			_${COMP_WORDS[0]} 2>/dev/null; printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " "' \
			sh "$root/usr/share/bash-completion/completions/capc" "$1"
	}
	check_eq "completion: capc --no-h" "--no-host-lookup " "$(comp 'capc --no-h')"
	check_eq "completion: capc -t x86_64,aa" "x86_64,aarch64 " "$(comp 'capc -t x86_64,aa')"
	check_contains "completion: the command after capload BLOB --" "true" "$(comp 'capload x.capbin -- tru')"
	check_contains "completion: capc's subcommands" "explain" "$(comp 'capc expl')"
	check_eq "completion: --emit formats" "bpf " "$(comp 'capc --emit bp')"
	check_eq "completion: --backend" "libseccomp " "$(comp 'capc --backend lib')"
	check_contains "completion: capc import options" "--cap-add" "$(comp 'capc import p.json --cap')"
	check_eq "completion: capability names after --cap-add" "chown,net_bind_service " \
		"$(PATH="$CAPC_BUILD:$PATH" comp 'capc import p.json --cap-add chown,net_bind_se')"
	check_contains "completion: a syscall name for query" "socketpair" "$(PATH="$CAPC_BUILD:$PATH" comp 'capc query p.cap socketp')"
else
	fail "bash-completion is missing (tools/install-deps.sh installs it)"
fi

cat >"$T_TMP/use.c" <<'C'
#include <capr.h>
#include <stdio.h>
int main(void)
{
	struct capr_error err;
	capr_policy *p = capr_open("/nonexistent.capbin", &err);
	printf("%s\n", p ? "opened" : capr_strerror(&err));
	return p != NULL;
}
C
flags=$(PKG_CONFIG_PATH="$root/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config --cflags --libs capr)
if cc $sancc -o "$T_TMP/use" "$T_TMP/use.c" $flags 2>"$T_TMP/cc.log"; then
	pass "a program builds against the installed libcapr via pkg-config"
	out=$(LD_LIBRARY_PATH="$root/usr/lib" "$T_TMP/use")
	check_contains "and links the shared library at run time" "open" "$out"
	check "the program uses libcapr.so.1" sh -c "LD_LIBRARY_PATH='$root/usr/lib' ldd '$T_TMP/use' | grep -q 'libcapr.so.1 => $root'"
else
	fail "a program builds against the installed libcapr via pkg-config"
	sed 's/^/#   /' "$T_TMP/cc.log"
fi
nm -D --defined-only "$root/usr/lib/libcapr.so.1" | awk '{print $3}' | grep -v '^capr_' >"$T_TMP/extra"
check "libcapr.so exports only capr_* symbols" [ ! -s "$T_TMP/extra" ]
check "libcapr.so links only libc (and the loader)" sh -c "! ldd '$root/usr/lib/libcapr.so.1' | grep -Ev 'libc.so|ld-linux|vdso|libasan|libubsan|libstdc|libm.so|libgcc_s|libpthread|libdl|librt' | grep -q ."
# make uninstall removes everything install put there.
make -s -C "$CAPC_SRC" uninstall O="$CAPC_BUILD" $san PREFIX=/usr DESTDIR="$root" >"$T_TMP/log" 2>&1
left=$(find "$root" -type f -o -type l | sed "s|^$root/||" | sort | tr '\n' ' ')
check_eq "make uninstall leaves no file behind" "" "$left"

# Installed under another PREFIX after a plain make: capload finds its own
# preload object there (it used to look under /usr/local only, and every
# triggered policy exited 127).
prefix="$T_TMP/prefix"
if make -s -C "$CAPC_SRC" install O="$CAPC_BUILD" $san PREFIX="$prefix" >"$T_TMP/log" 2>&1; then
	printf 'service inst { after auth { keep net_bind_service  no_new_privs } }\n' >"$T_TMP/inst.cap"
	"$prefix/bin/capc" -w "$T_TMP/inst.cap" -o "$T_TMP/inst.capbin"
	if [ "$(id -u)" -eq 0 ]; then
		out=$(ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0 "$prefix/bin/capload" "$T_TMP/inst.capbin" -- \
			"$CAPC_BUILD/tests/probe" setuid "$(id -u nobody)" status 2>&1)
		check_eq "installed under PREFIX=$prefix: a triggered policy runs (the stage applied at setuid)" "ok 1" \
			"$(printf '%s\n' "$out" | sed -n 's/^setuid=//p') $(printf '%s\n' "$out" | sed -n 's/^NoNewPrivs:[[:space:]]*//p;s/^NoNewPrivs=//p')"
		check_contains "installed capload embeds the new prefix" "$prefix/lib/capc/capr_preload.so" \
			"$(strings "$prefix/bin/capload")"
	fi
	make -s -C "$CAPC_SRC" uninstall O="$CAPC_BUILD" $san PREFIX="$prefix" >/dev/null 2>&1
else
	fail "make install PREFIX=$prefix"
	sed 's/^/#   /' "$T_TMP/log"
fi

[ "$T_FAILS" -eq 0 ]

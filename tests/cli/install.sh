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
[ "$T_FAILS" -eq 0 ]

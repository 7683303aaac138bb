#!/bin/sh
# The README's first quick-start command (make demo): compile an example
# policy, run a program under it, and show what the kernel reports.
# Needs root (capload must start with the capabilities a policy keeps).
set -eu
O=${1:-build}
CAPC="$O/capc"
CAPLOAD="$O/capload"
PROBE="$O/tests/probe"
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: run as root: capload needs the capabilities the policy keeps" >&2
	exit 1
fi
dir=$(mktemp -d /tmp/capc-demo.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
cp "$PROBE" "$dir/probe"

run() {
	echo "\$ $*"
	"$@" 2>&1 | sed 's/^/  /'
	echo
}

echo "== 1. A web server that must bind port 80, as nobody (policies/examples/web.cap)"
sed 's/^/  | /' policies/examples/web.cap
echo
run "$CAPC" policies/examples/web.cap -o "$dir/web.capbin"
echo "\$ $CAPC --dump $dir/web.capbin    (what the program will see)"
"$CAPC" --dump "$dir/web.capbin" | sed -n '/program sees/,/NoNewPrivs/p' | sed 's/^/  /'
echo
echo "The kernel agrees: run a probe under capload, as the policy's program."
run "$CAPLOAD" "$dir/web.capbin" -- "$dir/probe" status bind80 raw
echo "Without the policy, nobody cannot bind port 80:"
run setpriv --reuid=65534 --regid=65534 --clear-groups -- "$dir/probe" bind80

echo "== 2. A filter: everything allowed except making directories (policies/examples/files.cap)"
run "$CAPC" -w policies/examples/files.cap -o "$dir/files.capbin"
run "$CAPLOAD" "$dir/files.capbin" -- mkdir "$dir/newdir"
run "$CAPLOAD" "$dir/files.capbin" -- "$dir/probe" status

echo "== 3. ProFTPD's mod_cap as one line (policies/examples/ftp.cap)"
grep -v '^#' policies/examples/ftp.cap | sed 's/^/  | /'
"$CAPC" policies/examples/ftp.cap -o "$dir/ftp.capbin"
echo "\$ $CAPC --dump $dir/ftp.capbin    (the session process after 'auth')"
"$CAPC" --dump "$dir/ftp.capbin" | sed -n "/holds after point 'auth'/,/NoNewPrivs/p" | sed 's/^/  /'
echo
echo "tests/runtime/triggers.sh runs an unmodified forking FTP-style daemon under it."

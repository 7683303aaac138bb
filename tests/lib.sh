# tests/lib.sh - helpers for shell test suites (sourced).
#
# Every check prints "ok - DESC" or "not ok - DESC" (tests/run.sh counts
# them). Paths: $CAPC_BUILD is the build directory, $CAPC_SRC the source
# tree; both are set by tests/run.sh, and default sensibly when a suite is
# run by hand from the source tree.
: "${CAPC_SRC:=$(pwd)}"
: "${CAPC_BUILD:=$CAPC_SRC/build}"
CAPC="$CAPC_BUILD/capc"
CAPLOAD="$CAPC_BUILD/capload"
T_FAILS=0

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; T_FAILS=$((T_FAILS + 1)); }

# check DESC COMMAND...: passes when COMMAND exits 0.
check() {
	desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		echo "#   expected: $2"
		echo "#   actual:   $3"
	fi
}

# check_contains DESC NEEDLE HAYSTACK
check_contains() {
	case "$3" in
	*"$2"*) pass "$1" ;;
	*)
		fail "$1"
		echo "#   expected to contain: $2"
		echo "$3" | sed 's/^/#   | /'
		;;
	esac
}

# need_root: skip nothing silently. Runtime tests need root; without it
# they fail loudly (CI runs as root).
need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		fail "$1: must run as root (kernel-verified tests cannot be mocked)"
		exit 1
	fi
}

# A scratch directory removed at exit.
t_tmpdir() {
	T_TMP=$(mktemp -d /tmp/capc-test.XXXXXX)
	chmod 755 "$T_TMP"
	trap 'rm -rf "$T_TMP"' EXIT
}

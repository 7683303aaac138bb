#!/bin/sh
# Install what building and testing capc needs on Debian 12 (bookworm).
# As root: apt-get installs whatever is missing. Otherwise: prints the exact
# command and fails, so a missing package is never hidden.
set -eu

# Build: compiler toolchain, flex/bison (grammar/), libseccomp (syscall
# tables, BPF), libcap (capability names), libyaml (YAML/JSON input),
# libpam (pam_capc). Tests: iputils-ping (the pam_cap_drop example),
# pamtester is not needed (tests drive libpam directly), procps (ps in
# diagnostics), passwd (useradd/userdel for test users), strace (shows
# which system call capload executes the command with), util-linux (unshare
# and setpriv in the runtime tests), bash-completion (tests the installed
# completion script), bubblewrap (loads a filter from capc --emit bpf),
# systemd (systemd-analyze verify checks capc --emit systemd), jq (reads
# capc --emit oci).
PKGS="gcc make libc6-dev pkg-config flex bison libseccomp-dev libcap-dev libyaml-dev libpam0g-dev iputils-ping passwd procps strace util-linux bash-completion bubblewrap systemd jq"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all build and test dependencies are installed"
	exit 0
fi

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing" >&2
	echo "deps: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing

#!/bin/sh
# contrib/setup.sh -- the README's quick start in one place.
#
#   sh contrib/setup.sh          install what is missing, build in _build/,
#                                make the example config's xfer root
#   sh contrib/setup.sh check    ... then run the whole test suite, once on
#                                the plain build and once on a build with
#                                -fsanitize=address,undefined (_build-san/)
#
# It installs Debian packages with apt-get (as root, or through sudo) only
# when one is missing, so a second run touches nothing.  Every build is
# out of tree; a tree configured in place is cleaned first.
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)
jobs=$(nproc 2>/dev/null || echo 2)

pkgs="autoconf automake libtool pkg-config make gcc check libconfuse-dev
libcap-dev zlib1g-dev libcap2-bin python3 socat netcat-openbsd procps util-linux
valgrind clang-format mandoc logrotate libsystemd-dev systemd"
# The Debian packaging's tools (contrib/check-deb.sh builds the package).
pkgs="$pkgs build-essential dpkg-dev debhelper lintian"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "setup: installing$missing"
	$sudo apt-get update -qq
	$sudo env DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $missing
fi

[ -x configure ] || autoreconf -fi

# A tree configured in place (./configure run here) makes every build
# directory refuse to configure: undo it, it holds only generated files.
if [ -f config.status ]; then
	echo "setup: the source tree is configured in place; make distclean"
	make -s distclean >/dev/null
fi

# build DIR [configure args]: configure once, then make.
build() {
	dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && { [ -f Makefile ] || "$top/configure" -q "$@"; } &&
	    make -s -j"$jobs")
}

build _build

# The root of the demo config's file store (contrib/examples/sockserv.conf):
# the daemon refuses to start without it.
xfer_root=/tmp/sockserv-files
[ -d "$xfer_root" ] || mkdir -m 700 "$xfer_root"
[ -O "$xfer_root" ] || echo "setup: warning: $xfer_root is not yours" >&2

[ "${1:-}" = check ] || exit 0

status=0
(cd _build && make -s -j"$jobs" check) || status=1
build _build-san --enable-sanitizers
(cd _build-san && make -s -j"$jobs" check) || status=1
exit $status

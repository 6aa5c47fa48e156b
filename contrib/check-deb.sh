#!/bin/sh
# check-deb.sh -- the Debian packaging (debian/) works as an administrator
# uses it, on this machine:
#
#   build     dpkg-buildpackage -us -uc -b in a copy of the source tree
#             (the tracked and untracked files of a git checkout, or the
#             whole tree otherwise), so neither the work tree nor _build/
#             is touched; DEB_BUILD_OPTIONS=nocheck, as the suite this
#             runs in is the package's test suite;
#   lint      lintian: no error and no warning that debian/*.lintian-
#             overrides does not justify;
#   install   dpkg -i of the four packages: the user sockserv exists,
#             `sockservd -t' passes on the installed /etc/sockserv.conf,
#             the config files are conffiles, the unit is enabled, no .la
#             file is shipped, and an example builds with libsockserv-dev
#             and links the installed libsockserv.so.0;
#   purge     dpkg --purge leaves no file behind that was not there before
#             (the log, runtime and state directories included), but for
#             the system user, which Debian keeps (debian/sockserv.sysusers).
#
# The packages are never left installed, even on failure.  Exits 77 inside
# the package's own build, under the sanitizer build (the plain build
# checks the packaging), in a release tarball (no debian/), without root or
# the Debian tools (contrib/setup.sh installs them), or when a sockserv is
# already installed here.
set -eu
s=$(cd "${top_srcdir:-.}" && pwd)
pkgs="sockserv sockserv-xfer libsockserv0 libsockserv-dev"
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

[ -z "${SOCKSERV_DEB_BUILD:-}" ] || skip "inside the package's own build"
[ -z "${SOCKSERV_SANITIZERS:-}" ] || skip "the plain build checks the packaging"
[ "$(id -u)" -eq 0 ] || skip "dpkg -i needs root"
[ -f "$s/debian/rules" ] || skip "no debian/ (a release tarball carries none)"
for c in dpkg-buildpackage dh lintian flock; do
	command -v $c >/dev/null || skip "no $c (sh contrib/setup.sh)"
done
installed() {
	dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null |
	    grep -qv '^not-installed$'
}
for p in $pkgs; do
	! installed "$p" || skip "$p is installed here already; not touching it"
done
for f in /usr/sbin/sockservd /etc/sockserv.conf /var/log/sockserv \
    /run/sockserv /var/lib/sockserv; do
	[ ! -e "$f" ] || skip "$f exists (a sockserv installed outside dpkg?)"
done

t=$(mktemp -d "${TMPDIR:-/tmp}/check-deb.XXXXXX")
src=$t/sockserv
mkdir "$src"
cleanup() {
	for p in $pkgs; do
		! installed "$p" || { dpkg --purge $pkgs >/dev/null 2>&1; break; }
	done
	rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# The packages are built from what would be committed: a git checkout's
# files (ignored ones, e.g. _build/, excluded), or a whole unpacked tree.
if [ "$(git -C "$s" rev-parse --show-toplevel 2>/dev/null)" = "$s" ]; then
	(cd "$s" && git ls-files -z --cached --others --exclude-standard |
	    tar --null --ignore-failed-read -T - -cf -) 2>/dev/null
else
	(cd "$s" && tar --exclude=./_build --exclude=./_inst -cf - .)
fi | tar -C "$src" -xf -

# A clean environment: nothing of make check's (MAKEFLAGS, TESTS, the
# test variables) reaches the package build.
start=$(date +%s)
(cd "$src" && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$t" \
    LC_ALL=C.UTF-8 DEB_BUILD_OPTIONS="nocheck parallel=2" \
    dpkg-buildpackage -us -uc -b) >"$t/build.log" 2>&1 ||
    { tail -n 40 "$t/build.log"; fail "dpkg-buildpackage"; }
echo "ok: dpkg-buildpackage -b ($(($(date +%s) - start)) s)"
changes=$(echo "$t"/sockserv_*.changes)
[ -f "$changes" ] || fail "no .changes in $t"

lint=0
lintian --display-info --fail-on error,warning "$changes" >"$t/lintian.log" \
    2>&1 || lint=1
grep -v '^running with root privileges' "$t/lintian.log" || true
[ $lint -eq 0 ] || fail "lintian"
echo "ok: lintian"

# Another run of this check (another build tree) installs the same
# packages: one at a time.  dpkg itself may be busy (apt elsewhere): its
# lock is retried for a while.
exec 9>/run/lock/sockserv-check-deb.lock
flock -w 900 9 || fail "another check-deb.sh holds the lock"
dpkg_retry() {
	n=0
	until dpkg "$@" >"$t/dpkg.log" 2>&1; do
		grep -q 'lock' "$t/dpkg.log" && [ $n -lt 60 ] ||
		    { cat "$t/dpkg.log"; return 1; }
		n=$((n + 1))
		sleep 2
	done
}

# What exists before; after the purge the same must.  Excluded: dpkg's
# and apt's own state, caches, the user database's backup copies and lock
# (the system user stays by policy), and byte-code that programs running
# meanwhile may write.
snapshot() {
	find /etc /usr /var/lib /var/log/sockserv /run/sockserv -xdev \
	    \( -path /var/lib/dpkg -o -path /var/lib/apt -o \
	    -path /var/lib/ucf -o -name __pycache__ -o \
	    -path /etc/ld.so.cache \) -prune -o -print 2>/dev/null |
	    grep -Ev '^/etc/(passwd|group|shadow|gshadow)-$|^/etc/\.pwd\.lock$' |
	    sort
}
snapshot >"$t/before"

debs=
for p in $pkgs; do
	debs="$debs $(echo "$t/${p}_"*.deb)"
done
# shellcheck disable=SC2086
dpkg_retry -i $debs || fail "dpkg -i"
echo "ok: dpkg -i $pkgs"

getent passwd sockserv >/dev/null || fail "no user sockserv after install"
out=$(env -u SOCKSERV_MODULE_DIR /usr/sbin/sockservd -t 2>&1) ||
    fail "sockservd -t on the installed config: $out"
echo "ok: sockservd -t: $out"
conff=$(dpkg-query -W -f='${Conffiles}\n' sockserv)
for f in /etc/sockserv.conf /etc/logrotate.d/sockserv; do
	echo "$conff" | grep -q " $f " || fail "$f is not a conffile"
done
# shellcheck disable=SC2086
la=$(dpkg -L $pkgs | grep '\.la$') && fail "libtool archives shipped: $la"
[ -L /etc/systemd/system/multi-user.target.wants/sockservd.service ] ||
    fail "sockservd.service is not enabled"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
[ -f "/usr/lib/$ma/sockserv/echo.so" ] || fail "no modules in /usr/lib/$ma/sockserv"
# shellcheck disable=SC2046
cc -o "$t/echo-server" "$s/contrib/examples/echo-server.c" \
    $(pkg-config --cflags --libs libsockserv) ||
    fail "an example does not build against libsockserv-dev"
# (/lib is /usr/lib on a merged-/usr system; ld.so.cache may say either)
ldd "$t/echo-server" | grep -Eq "libsockserv\.so\.0 => (/usr)?/lib/$ma/" ||
    fail "the example does not use the installed libsockserv.so.0"
echo "ok: conffiles, unit enabled, no .la, libsockserv-dev usable"

# What the daemon and systemd make at run time, for the purge to remove.
mkdir -p /var/log/sockserv /run/sockserv /var/lib/sockserv
: >/var/log/sockserv/sockservd.log
: >/run/sockserv/sockservd.pid
# shellcheck disable=SC2086
dpkg_retry --purge $pkgs || fail "dpkg --purge"
for p in $pkgs; do
	! installed "$p" || fail "$p still known to dpkg after purge"
done
snapshot >"$t/after"
diff "$t/before" "$t/after" || fail "purge left the system changed (above)"
echo "ok: dpkg --purge leaves nothing behind"

#!/bin/sh
# check-unit.sh [BUILDDIR] -- the systemd unit a build installs is valid
# and hardened: `systemd-analyze verify' accepts it (a copy whose
# ExecStart= names the build tree's sockservd, since verify wants the
# binary to exist), and `systemd-analyze security --offline=true' rates
# its exposure at most 2.0.  The example socket unit (etc/
# sockservd.socket) must pass verify beside it.  Exits 77 without systemd-analyze, 1 on any
# failure.
set -eu
b=${1:-${top_builddir:-_build}}
b=$(cd "$b" && pwd)
max=2.0
command -v systemd-analyze >/dev/null ||
    { echo "SKIP: no systemd-analyze"; exit 77; }
unit=$b/etc/sockservd.service
[ -f "$unit" ] || make -s -C "$b" etc/sockservd.service
fail() { echo "FAIL: $*"; exit 1; }

t=$(mktemp -d "${TMPDIR:-/tmp}/check-unit.XXXXXX")
trap 'rm -rf "$t"' EXIT
# The installed paths, pointed at the build tree (a unit's name is its
# file's name, so the copy keeps it).
sbindir=$(sed -n 's|^ExecStart=\(.*\)/sockservd .*|\1|p' "$unit")
[ -n "$sbindir" ] || fail "no ExecStart=.../sockservd in $unit"
sed "s|$sbindir/sockservd|$b/sockservd|g" "$unit" >"$t/sockservd.service"
cp "${top_srcdir:-$b/..}/etc/sockservd.socket" "$t/"

grep -q '^Type=notify' "$t/sockservd.service" || fail "not Type=notify"
out=$(systemd-analyze verify --man=no "$t/sockservd.service" \
    "$t/sockservd.socket" 2>&1) ||
    fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify says: $out"

out=$(systemd-analyze security --offline=true --no-pager \
    "$t/sockservd.service" 2>&1) || true
score=$(printf '%s\n' "$out" |
    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
[ -n "$score" ] || fail "no exposure level in: $out"
echo "exposure $score (at most $max)"
awk -v s="$score" -v m="$max" 'BEGIN { exit !(s <= m) }' ||
    fail "exposure $score > $max:
$(printf '%s\n' "$out" | grep '✗')"

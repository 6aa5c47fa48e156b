#!/bin/sh
# t-conf-dump: sockservd -T prints the effective configuration -- every
# default filled in, includes expanded -- in sockserv.conf syntax: fed
# back to -t it passes, and -T of it prints the same again.  Run on the
# demo configuration, on the production one with its sockserv.d example,
# and on one with nested includes, a module block and a disabled service.  On a bad configuration -T exits 78 like
# -t and prints nothing on stdout.
. "$top_srcdir/tests/e2e/lib.sh"

roundtrip() {	# roundtrip CONF: -T, -t on it, -T again, the same
	local c=$1 n=$2
	"$SOCKSERVD" -T -c "$c" >"$T/$n.1" 2>"$T/$n.err" ||
	    fail "$n: -T failed: $(cat "$T/$n.err")"
	[ "$(cat "$T/$n.err")" = "configuration OK" ] ||
	    fail "$n: -T said on stderr: $(cat "$T/$n.err")"
	"$SOCKSERVD" -t -c "$T/$n.1" >"$T/$n.t" 2>&1 ||
	    fail "$n: -T output refused by -t: $(cat "$T/$n.t")"
	"$SOCKSERVD" -T -c "$T/$n.1" >"$T/$n.2" 2>/dev/null ||
	    fail "$n: -T of -T failed"
	cmp -s "$T/$n.1" "$T/$n.2" ||
	    fail "$n: -T of -T differs: $(diff "$T/$n.1" "$T/$n.2")"
}

# The example configuration, its file store moved under $T.
mkdir "$T/files"
sed "s,\"/tmp/sockserv-files\",\"$T/files\",; s,///tmp/sockserv-,//$T/," \
    "$top_srcdir/contrib/examples/sockserv.conf" >"$T/example.conf"
roundtrip "$T/example.conf" example
grep -q 'max_file_size *= *1073741824' "$T/example.1" ||
    fail "example: xfer block not printed: $(cat "$T/example.1")"

# A relative SOCKSERV_MODULE_DIR (the README's) is printed absolute:
# module_dir must be, and the output must load from anywhere.
(cd "$top_builddir" && SOCKSERV_MODULE_DIR=.libs "$SOCKSERVD" -T \
    -c "$T/example.conf" >"$T/relative.1" 2>/dev/null) || fail "relative: -T"
grep -q "^module_dir *= *\"/" "$T/relative.1" ||
    fail "relative: module_dir not absolute: $(grep module_dir "$T/relative.1")"
(cd / && "$SOCKSERVD" -t -c "$T/relative.1" >/dev/null 2>&1) ||
    fail "relative: -T output refused"

# The production configuration and its sockserv.d example, as installed
# but for the user (which may not exist here).
sed -e '/^user = /d' \
    -e "s,^include .*,include \"$top_srcdir/etc/sockserv.d/*.conf\"," \
    "$top_builddir/etc/sockserv.conf" >"$T/production.conf"
roundtrip "$T/production.conf" production
grep -q '^service "echo"' "$T/production.1" &&
    grep -q 'enabled *= *false' "$T/production.1" ||
    fail "production: the disabled echo example is not there"

# Nested, relative includes; defaults filled in.
p1=$(free_port) p2=$(free_port)
mkdir -p "$T/main/conf.d"
write_conf "$T/main/sockserv.conf" <<EOC
log_level = "notice"
include "conf.d/*.conf"
EOC
write_conf "$T/main/conf.d/a.conf" <<EOC
service a {
	listen = "tcp://127.0.0.1:$p1"
	module = "echo"
	mode = "prefork"
}
include "../b.inc"
EOC
write_conf "$T/main/b.inc" <<EOC
service b {
	enabled = false
	listen = "tcp://127.0.0.1:$p2"
	module = "xfer"
	xfer { root = "$T/files" }
}
EOC
roundtrip "$T/main/sockserv.conf" nested
out=$T/nested.1
grep -q '^service "a"' "$out" && grep -q '^service "b"' "$out" ||
    fail "included services missing: $(cat "$out")"
grep -q 'enabled *= *false' "$out" || fail "enabled = false lost"
grep -q 'max_workers *= *64' "$out" || fail "default max_workers not filled in"
grep -q 'shutdown_timeout *= *10' "$out" || fail "default shutdown_timeout missing"
! grep -q include "$out" || fail "an include left in -T output"

# A bad configuration: 78, nothing on stdout.
printf 'bogus = 1\n' >"$T/bad.conf"
rc=0
"$SOCKSERVD" -T -c "$T/bad.conf" >"$T/bad.out" 2>"$T/bad.err" || rc=$?
[ "$rc" = 78 ] || fail "-T on a bad config: exit $rc"
[ ! -s "$T/bad.out" ] || fail "-T printed a bad config: $(cat "$T/bad.out")"
grep -q "$T/bad.conf:1: unknown key 'bogus'" "$T/bad.err" ||
    fail "-T error: $(cat "$T/bad.err")"
exit 0

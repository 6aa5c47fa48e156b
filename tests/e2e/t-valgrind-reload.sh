#!/bin/sh
# t-valgrind-reload: the master under valgrind across 20 reloads (modules
# and listeners changing) and a clean shutdown has no definite leak.
. "$top_srcdir/tests/e2e/lib.sh"

command -v valgrind >/dev/null 2>&1 || skip "valgrind not installed"
[ "${SOCKSERV_SANITIZERS:-0}" != 1 ] || skip "sanitizer build"
real=$top_builddir/.libs/sockservd
[ -x "$real" ] || real=$top_builddir/.libs/lt-sockservd
[ -x "$real" ] || real=$SOCKSERVD
if ldd "$real" 2>/dev/null | grep -q 'lib[at]san\|libubsan' ||
    nm "$real" 2>/dev/null | grep -q '__asan_init\|__ubsan_handle'; then
	skip "sanitizer build"
fi

pa=$(free_port) pb=$(free_port)
conf=$T/sockserv.conf
gen_conf() {	# even: a = echo; odd: a = upper and service b added
	{
		cat <<EOC
service a {
	listen = "tcp://127.0.0.1:$pa"
	module = "$( [ $(($1 % 2)) = 0 ] && echo echo || echo upper)"
	mode = "fork"
}
EOC
		[ $(($1 % 2)) = 0 ] || cat <<EOC
service b {
	listen = { "tcp://127.0.0.1:$pb", "unix://$T/b.sock" }
	module = "echo"
	mode = "fork"
}
EOC
	} | write_conf "$conf"
}
gen_conf 0
"$LIBTOOL" --mode=execute valgrind -q --leak-check=full \
    --errors-for-leak-kinds=definite --error-exitcode=99 \
    --child-silent-after-fork=yes --log-file="$T/vg.%p.log" \
    "$SOCKSERVD" -f -c "$conf" -p "$PIDFILE" >>"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
wait_until 60 addr_ready "tcp://127.0.0.1:$pa" ||
    fail "daemon under valgrind not serving after 60 s"

expect() { [ "$(echo_tcp 127.0.0.1 "$pa" hello 2>/dev/null)" = "$1" ]; }
for i in $(seq 1 20); do
	gen_conf "$i"
	kill -HUP "$DAEMON_PID"
	if [ $((i % 2)) = 1 ]; then
		wait_until 20 expect HELLO || fail "reload $i not applied"
		wait_until 10 addr_ready "tcp://127.0.0.1:$pb" ||
		    fail "reload $i: service b not bound"
	else
		wait_until 20 expect hello || fail "reload $i not applied"
		wait_until 10 client refused "tcp://127.0.0.1:$pb" ||
		    fail "reload $i: service b not closed"
	fi
done
master=$DAEMON_PID
stop_daemon TERM 60
vg=$T/vg.$master.log
[ ! -s "$vg" ] || { note "valgrind on the master:"; cat "$vg" >&2; }
[ "$DAEMON_STATUS" != 99 ] || fail "valgrind reported definite leaks or errors"
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS"
! grep -q 'definitely lost' "$vg" 2>/dev/null || fail "definite leak in the master"

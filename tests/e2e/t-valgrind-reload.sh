#!/bin/sh
# t-valgrind-reload: the master under valgrind across 8 reloads (modules,
# listeners and pool sizes changing; fork, prefork and thread services, so
# that pool generations are made and retired) and a clean shutdown has no
# error and no definite leak.
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

pa=$(free_port) pb=$(free_port) pp=$(free_port) pt=$(free_port)
conf=$T/sockserv.conf
gen_conf() {	# even: a = echo; odd: a = upper, service b added, pools grown
	{
		cat <<EOC
service a {
	listen = "tcp://127.0.0.1:$pa"
	module = "$( [ $(($1 % 2)) = 0 ] && echo echo || echo upper)"
	mode = "fork"
}
service p {
	listen = "tcp://127.0.0.1:$pp"
	module = "echo"
	mode = "prefork"
	workers = $((1 + $1 % 2))
}
service t {
	listen = "tcp://127.0.0.1:$pt"
	module = "echo"
	mode = "thread"
	max_children = $((10 + $1 % 2))
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
# No --error-exitcode: forked processes stay under valgrind and would exit
# 99 for their own leaks at _exit, which the master rightly counts as
# failures (a reload validated in a throw-away child would be rejected).
# The master's own report (-q: errors only) must be empty instead.
"$LIBTOOL" --mode=execute valgrind -q --leak-check=full \
    --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --child-silent-after-fork=yes --log-file="$T/vg.%p.log" \
    "$SOCKSERVD" -f -c "$conf" -p "$PIDFILE" >>"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
wait_until 60 addr_ready "tcp://127.0.0.1:$pa" ||
    fail "daemon under valgrind not serving after 60 s"

# Each reload toggles service b, which shows in /proc/net/tcp at no cost;
# the module switch of service a is checked by a client on the first and
# last reloads only (every connection forks a child under valgrind).
expect() { [ "$(echo_tcp 127.0.0.1 "$pa" hello 2>/dev/null)" = "$1" ]; }
b_bound() { [ -n "$(listen_inode "$pb")" ]; }
for i in $(seq 1 8); do
	gen_conf "$i"
	kill -HUP "$DAEMON_PID"
	if [ $((i % 2)) = 1 ]; then
		wait_until 20 b_bound || fail "reload $i: service b not bound"
		[ "$i" -gt 2 ] && [ "$i" -lt 7 ] || expect HELLO ||
		    fail "reload $i: service a not switched to upper"
	else
		wait_until 20 eval '! b_bound' ||
		    fail "reload $i: service b not closed"
		[ "$i" -gt 2 ] && [ "$i" -lt 7 ] || expect hello ||
		    fail "reload $i: service a not switched back to echo"
	fi
done
for p in "$pp" "$pt"; do
	[ "$(echo_tcp 127.0.0.1 "$p" pool 2>/dev/null)" = pool ] ||
	    fail "port $p not served after the reloads"
done
master=$DAEMON_PID
stop_daemon TERM 60
vg=$T/vg.$master.log
[ -e "$vg" ] || fail "no valgrind report $vg for the master"
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS"
# Errors are `==PID==' lines; `--PID--' lines are valgrind's own notes
# (e.g. a syscall it does not know, such as pidfd_open on older releases).
if grep -q '^==[0-9]*==' "$vg"; then
	note "valgrind on the master:"; grep '^==[0-9]*==' "$vg" >&2
	fail "valgrind reported errors or definite leaks in the master"
fi

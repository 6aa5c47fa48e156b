#!/bin/sh
# t-sigint-group: ^C in a terminal sends SIGINT to the whole foreground
# process group, workers included.  The master drains (SIGINT is a
# graceful stop) and exits 0; no worker leaves on the SIGINT by itself,
# so none is logged as having died, and none is respawned.  The daemon
# runs in a process group of its own (setsid), so the test can signal
# the group without signalling itself.
. "$top_srcdir/tests/e2e/lib.sh"

pp=$(free_port) pt=$(free_port) ps=$(free_port)
conf=$T/sockserv.conf
write_conf "$conf" <<EOC
service p {
	listen = "tcp://127.0.0.1:$pp"
	module = "echo"
	mode = "prefork"
	workers = 2
}
service t {
	listen = "tcp://127.0.0.1:$pt"
	module = "echo"
	mode = "thread"
}
service s {
	listen = "tcp://127.0.0.1:$ps"
	module = "echo"
	mode = "sync"
}
EOC
command -v setsid >/dev/null || skip "setsid missing"
# A background job of a script leads no group, so setsid execs in place:
# $! is the daemon itself.
setsid "$SOCKSERVD" -f -c "$conf" -p "$PIDFILE" >>"$DAEMON_LOG" 2>&1 &
DAEMON_PID=$!
for p in $pp $pt $ps; do
	wait_until 10 eval '[ "$(echo_tcp 127.0.0.1 '"$p"' hi 2>/dev/null)" = hi ]' ||
	    fail "port $p not served"
done
pgid=$(ps -o pgid= -p "$DAEMON_PID" | tr -d ' ')
[ "$pgid" = "$DAEMON_PID" ] || fail "the daemon leads no group of its own ($pgid)"
kill -INT -- "-$pgid"
wait_daemon_exit 15 || fail "daemon did not exit after SIGINT to its group"
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS"
! log_has 'exited \(status|keep dying|respawn' ||
    fail "a worker was taken for dead at ^C: $(grep -E 'exited \(status|keep dying' "$DAEMON_LOG" | head -3)"
log_has '^stopped' || fail "no 'stopped' line"
exit 0

#!/bin/sh
# t-fork-nozombie: 500 sequential connections in fork mode leave no zombie
# and no extra child behind the master.
. "$top_srcdir/tests/e2e/lib.sh"

N=500
port=$(free_port)
write_conf "$T/sockserv.conf" <<EOC
service echo {
	listen = "tcp://127.0.0.1:$port"
	module = "echo"
	mode = "fork"
}
EOC
start_daemon "$T/sockserv.conf"
base=$(children_of "$DAEMON_PID" | wc -l)

out=$(client loop "tcp://127.0.0.1:$port" "$N" 50) ||
    fail "connection loop: $out"
[ "$out" = "ok=$N fail=0" ] || fail "connection loop: $out"

settled() {
	[ -z "$(zombies_of "$DAEMON_PID")" ] &&
	    [ "$(children_of "$DAEMON_PID" | wc -l)" -le "$base" ]
}
wait_until 5 settled ||
    fail "after $N connections: zombies [$(zombies_of "$DAEMON_PID" | tr '\n' ' ')], children $(children_of "$DAEMON_PID" | wc -l) (was $base)"
echo_tcp 127.0.0.1 "$port" still-here | grep -qx still-here ||
    fail "no echo after the loop"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"

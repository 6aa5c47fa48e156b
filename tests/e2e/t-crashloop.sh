#!/bin/sh
# t-crashloop: workers whose module crashes at init, and a module crashing
# every request: the master does not spin (its CPU time over several
# seconds stays low), logs the back-off, and keeps serving other services.
. "$top_srcdir/tests/e2e/lib.sh"

pi=$(free_port) pf=$(free_port) pe=$(free_port)
write_conf "$T/sockserv.conf" <<EOC
service initcrash {
	listen = "tcp://127.0.0.1:$pi"
	module = "crashinit"
	mode = "prefork"
	workers = 2
	crashinit { how = "crash" }
}
service initfail {
	listen = "unix://$T/initfail.sock"
	module = "crashinit"
	mode = "sync"
	crashinit { how = "fail" }
}
service reqcrash {
	listen = "tcp://127.0.0.1:$pf"
	module = "crash"
	mode = "fork"
}
service fine {
	listen = "tcp://127.0.0.1:$pe"
	module = "echo"
	mode = "prefork"
	workers = 1
}
EOC
start_daemon "$T/sockserv.conf"
hz=$(getconf CLK_TCK)
sleep 1
t0=$(cpu_ticks "$DAEMON_PID")
# Requests to the crashing module: each connection is cut, none answered.
for i in $(seq 10); do
	r=$(echo_tcp 127.0.0.1 "$pf" "x$i" 2>/dev/null) || true
	[ -z "$r" ] || fail "crash module answered '$r'"
done
sleep 4
t1=$(cpu_ticks "$DAEMON_PID")
used=$((t1 - t0))
note "master used $used ticks of $((5 * hz)) in ~5 s"
# A spinning respawn loop burns a whole core; allow 15 %.
[ "$used" -le $((5 * hz * 15 / 100)) ] ||
    fail "master used $used/$((5 * hz)) CPU ticks in 5 s: respawn loop spins"

daemon_alive || fail "master died"
[ "$(echo_tcp 127.0.0.1 "$pe" hello)" = hello ] ||
    fail "healthy service broken by the crashing ones"
for s in initcrash initfail; do
	log_has "$s.*([Bb]ack.?off|delay|too (fast|quickly|often)|throttl)" ||
	    fail "no back-off logged for service $s, whose workers keep dying"
done
[ -z "$(zombies_of "$DAEMON_PID")" ] || fail "zombies left by the crashes"
stop_daemon TERM 20
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"

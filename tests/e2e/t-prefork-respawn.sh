#!/bin/sh
# t-prefork-respawn: SIGKILL of a prefork worker; a replacement appears
# within a couple of seconds and the service goes on.
. "$top_srcdir/tests/e2e/lib.sh"

port=$(free_port)
write_conf "$T/sockserv.conf" <<EOC
service p {
	listen = "tcp://127.0.0.1:$port"
	module = "echo"
	mode = "prefork"
	workers = 3
}
EOC
start_daemon "$T/sockserv.conf"
nworkers() { children_of "$DAEMON_PID" | wc -l; }
wait_until 5 eval '[ "$(nworkers)" -ge 3 ]' ||
    fail "prefork pool has $(nworkers) workers, expected 3"

# Each round kills one of the original workers, long-lived ones: a worker
# that dies young may fairly be respawned with a back-off delay.
initial=$(children_of "$DAEMON_PID" | sort -n)
sleep 1
for round in 1 2 3; do
	victim=$(echo "$initial" | sed -n "${round}p")
	alive "$victim" || fail "round $round: worker $victim died by itself"
	kill -KILL "$victim"
	replaced() {
		local now
		now=$(children_of "$DAEMON_PID" | sort)
		! echo "$now" | grep -qx "$victim" &&
		    [ "$(echo "$now" | grep -c .)" -ge 3 ] &&
		    [ -z "$(zombies_of "$DAEMON_PID")" ]
	}
	wait_until 3 replaced ||
	    fail "round $round: worker $victim not replaced within 3 s (children: $(children_of "$DAEMON_PID" | tr '\n' ' '))"
	for i in 1 2 3 4 5; do
		[ "$(echo_tcp 127.0.0.1 "$port" "r$round-$i")" = "r$round-$i" ] ||
		    fail "round $round: echo failed after the kill"
	done
done
daemon_alive || fail "master died"
stop_daemon TERM
[ "$DAEMON_STATUS" = 0 ] || fail "daemon exited $DAEMON_STATUS after SIGTERM"
